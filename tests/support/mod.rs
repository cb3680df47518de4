//! Shared by the integration tests: the compiled action, run against the fake ToolJet the way
//! the GitHub runner runs it (see the `harness` crate).
#![allow(dead_code, unused_imports)] // each test crate uses part of it

pub use harness::runner::{REPOSITORY, RUN_ID, Ran, Step, action_yml};
use harness::tooljet::{FakeToolJet, Settings};

const ACTION: &str = env!("CARGO_BIN_EXE_tooljet-gitsync-action");

/// A step running `operation` against `fake`.
pub fn step(operation: &str, fake: &FakeToolJet) -> Step {
    Step::new(ACTION, operation, fake)
}

/// A step with no inputs set.
pub fn bare() -> Step {
    Step::bare(ACTION)
}

/// Starts a fake ToolJet with default settings.
pub async fn fake() -> FakeToolJet {
    fake_with(Settings::default()).await
}

pub async fn fake_with(settings: Settings) -> FakeToolJet {
    FakeToolJet::start(settings)
        .await
        .expect("fake ToolJet starts")
}
