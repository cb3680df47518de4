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

/// A `configure-git` step with every GitHub App input set and `private_key` as the key.
pub fn configure_git(fake: &FakeToolJet, private_key: &str) -> Step {
    step("configure-git", fake)
        .with("organization-id", harness::tooljet::ORG_ID)
        .with("git-url", "https://github.com/acme/tooljet-apps.git")
        .with("branch-name", "main")
        .with("github-app-id", "123456")
        .with("github-app-installation-id", "78910")
        .with("github-app-private-key", private_key)
}

/// Waits until the fake has received a request, so that one is certainly in flight.
pub async fn until_requested(fake: &FakeToolJet) {
    while fake.requests().is_empty() {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Sends `signal` (TERM, INT) to a running step, as the runner's cancel path does.
pub fn kill(child: &tokio::process::Child, signal: &str) {
    let pid = child.id().expect("still running").to_string();
    let status = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &pid])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{signal} {pid}");
}

/// A `create` step importing the app that the fake's repository holds but its workspace lacks.
pub fn create_orders(fake: &FakeToolJet) -> Step {
    step("create", fake)
        .with("organization-id", harness::tooljet::ORG_ID)
        .with("git-app-name", harness::tooljet::GIT_APP_NAME_NEW)
}
