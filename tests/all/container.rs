//! The built image, run exactly as the GitHub runner runs a container action (with podman,
//! or the engine named by `CONTAINER_ENGINE`).
//!
//! Ignored by default: they need podman and the image. `.ci/run` builds the image and runs
//! them with `TOOLJET_ACTION_IMAGE` set; `cargo test --test container -- --ignored` does too.

use crate::support;

use std::time::Duration;

use harness::tooljet::{APP_ID, ORG_ID, Settings};
use support::{Ran, Step, fake, fake_with};

/// podman here; `CONTAINER_ENGINE=docker` on GitHub's runners.
fn engine() -> String {
    std::env::var("CONTAINER_ENGINE").unwrap_or_else(|_| "podman".to_owned())
}

fn in_container(operation: &str, fake: &harness::tooljet::FakeToolJet) -> Step {
    let image = std::env::var("TOOLJET_ACTION_IMAGE")
        .expect("TOOLJET_ACTION_IMAGE names the image to test");
    Step::in_container(engine(), &image, operation, fake)
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs podman and the image; run by .ci/run"]
async fn the_image_releases_and_writes_outputs_and_summary() {
    let fake = fake().await;
    let ran = in_container("release", &fake)
        .with("app-id", APP_ID)
        .with("organization-id", ORG_ID)
        .run()
        .await;
    ran.assert_exit(0);
    assert_eq!(
        (ran.output("http-status"), ran.output("environment")),
        ("201", "production")
    );
    assert!(
        ran.summary.contains("### ✅ ToolJet `release` succeeded"),
        "{}",
        ran.summary
    );
    assert_eq!(
        fake.requests()[0].authorization.as_deref(),
        Some("Basic test-token")
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs podman and the image; run by .ci/run"]
async fn the_image_reports_a_failure_with_an_annotation() {
    let fake = fake().await;
    let ran = in_container("pull", &fake)
        .with("app-id", APP_ID)
        .with("access-token", "wrong")
        .run()
        .await;
    ran.assert_exit(1);
    assert!(
        ran.error().contains("403 Forbidden: Unauthorized"),
        "{}",
        ran.log()
    );
    ran.assert_hidden("wrong");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs podman and the image; run by .ci/run"]
async fn sigterm_to_the_container_stops_it_promptly() {
    let fake = fake_with(Settings {
        delay: Duration::from_secs(120),
        ..Settings::default()
    })
    .await;
    let (child, dir) = in_container("push", &fake)
        .with("app-id", APP_ID)
        .with("version-id", "v1")
        .spawn();
    support::until_requested(&fake, 1).await;
    // What docker's signal proxy does when the runner cancels: SIGTERM to the container,
    // where the action is PID 1 (Linux ignores unhandled signals for PID 1).
    let name = harness::runner::container_name(&dir);
    let killed = std::process::Command::new(engine())
        .args(["kill", "--signal", "TERM", &name])
        .output()
        .unwrap();
    assert!(
        killed.status.success(),
        "{}",
        String::from_utf8_lossy(&killed.stderr)
    );
    // Bounded so a hang fails instead of stalling CI; the runner itself waits 2.5 s after SIGTERM.
    let ran = tokio::time::timeout(Duration::from_secs(60), Ran::collect(child, dir))
        .await
        .expect("container stops");
    ran.assert_exit(143);
    assert!(
        ran.error()
            .contains("cancelled by SIGTERM while the `push` request"),
        "{}",
        ran.log()
    );
}

#[test]
#[ignore = "needs podman and the image; run by .ci/run"]
fn the_image_explains_itself_with_help() {
    let image = std::env::var("TOOLJET_ACTION_IMAGE")
        .expect("TOOLJET_ACTION_IMAGE names the image to test");
    let out = std::process::Command::new(engine())
        .args(["run", "--rm", &image, "--help"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let help = String::from_utf8(out.stdout).unwrap();
    for name in harness::runner::declared_inputs().keys() {
        assert!(
            help.contains(&format!("INPUT_{}", name.to_uppercase())),
            "--help lacks {name}:\n{help}"
        );
    }
}
