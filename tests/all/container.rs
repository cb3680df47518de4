//! The built image, run exactly as the GitHub runner runs a container action (with podman,
//! or the engine named by `CONTAINER_ENGINE`), and its shell variant run exactly as GitLab's
//! docker executor and Jenkins' docker plugin run a job image.
//!
//! Ignored by default: they need podman and the images. `.ci/run` builds both and runs them
//! with `TOOLJET_ACTION_IMAGE` and `TOOLJET_ACTION_SHELL_IMAGE` set.

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

// --- The shell variant (`--target shell`), run the ways GitLab CI and Jenkins run a job image.

fn shell_image() -> String {
    std::env::var("TOOLJET_ACTION_SHELL_IMAGE")
        .expect("TOOLJET_ACTION_SHELL_IMAGE names the shell variant to test")
}

/// GitLab runner's shell detection: the first shell found runs the job script from stdin.
const GITLAB_DETECT_SHELL: &str = "if [ -x /usr/local/bin/bash ]; then exec /usr/local/bin/bash; \
    elif [ -x /usr/bin/bash ]; then exec /usr/bin/bash; elif [ -x /bin/bash ]; then exec /bin/bash; \
    elif [ -x /usr/local/bin/sh ]; then exec /usr/local/bin/sh; elif [ -x /usr/bin/sh ]; then exec /usr/bin/sh; \
    elif [ -x /bin/sh ]; then exec /bin/sh; elif [ -x /busybox/sh ]; then exec /busybox/sh; \
    else echo shell not found; exit 1; fi";

/// Runs `engine args…`, at most [`support::STEP_BOUND`], feeding `stdin`.
async fn engine_run(args: &[&str], env: &[(&str, &str)], stdin: &str) -> std::process::Output {
    use tokio::io::AsyncWriteExt;
    let mut child = tokio::process::Command::new(engine())
        .args(args)
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the container engine runs");
    let mut input = child.stdin.take().expect("stdin");
    input
        .write_all(stdin.as_bytes())
        .await
        .expect("script sent");
    drop(input);
    tokio::time::timeout(support::STEP_BOUND, child.wait_with_output())
        .await
        .expect("the container ends")
        .expect("its output")
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs podman and the shell variant; run by .ci/run"]
async fn the_shell_image_runs_a_gitlab_job_script_fed_to_its_shell() {
    let fake = fake().await;
    let builds = tempfile::tempdir().unwrap();
    let volume = format!("{}:/builds/acme/apps", builds.path().display());
    let script = "set -e\n\
        tooljet-gitsync-action deploy --tooljet-url \"$TOOLJET_HOST\" --app-name Inventory \\\n\
          --workspace Acme --version-name v1 > tooljet-outputs.json\n";
    let (url, token) = (fake.url(), Settings::default().token);
    let image = shell_image();
    let out = engine_run(
        &[
            "run",
            "--rm",
            "-i",
            "--network=host",
            "-e",
            "TOOLJET_HOST",
            "-e",
            "TOOLJET_ACCESS_TOKEN",
            "-v",
            &volume,
            "-w",
            "/builds/acme/apps",
            &image,
            "sh",
            "-c",
            GITLAB_DETECT_SHELL,
        ],
        &[("TOOLJET_HOST", &url), ("TOOLJET_ACCESS_TOKEN", &token)],
        script,
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let outputs: serde_json::Value =
        serde_json::from_slice(&std::fs::read(builds.path().join("tooljet-outputs.json")).unwrap())
            .unwrap();
    assert_eq!(outputs["outcome"], "success");
    assert_eq!(outputs["version-id"], harness::tooljet::RELEASED_VERSION_ID);
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs podman and the shell variant; run by .ci/run"]
async fn the_shell_image_runs_as_a_jenkins_docker_agent_as_a_non_root_uid() {
    use std::os::unix::fs::PermissionsExt;
    let fake = fake().await;
    let workspace = tempfile::tempdir().unwrap();
    std::fs::set_permissions(workspace.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let ws = workspace.path().display().to_string();
    let volume = format!("{ws}:{ws}:rw,z");
    let token = format!("TOOLJET_ACCESS_TOKEN={}", Settings::default().token);
    let image = shell_image();
    // What the Docker Pipeline plugin runs: a long-lived `cat` as the agent's uid...
    let started = engine_run(
        &[
            "run",
            "-t",
            "-d",
            "-u",
            "1000:1000",
            "-w",
            &ws,
            "-v",
            &volume,
            "--network=host",
            "-e",
            &token,
            &image,
            "cat",
        ],
        &[],
        "",
    )
    .await;
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    let id = String::from_utf8(started.stdout).unwrap().trim().to_owned();
    let top = engine_run(&["top", &id], &[], "").await;
    // ...then each `sh` step through `exec … sh -c`.
    let step = format!(
        "tooljet-gitsync-action pull --tooljet-url {} --app-id {APP_ID} > outputs.json && id -u",
        fake.url()
    );
    let ran = engine_run(&["exec", &id, "sh", "-c", &step], &[], "").await;
    engine_run(&["rm", "-f", "-t", "0", &id], &[], "").await;
    assert!(
        String::from_utf8_lossy(&top.stdout).contains("cat"),
        "cat keeps the container up"
    );
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&ran.stdout).trim(), "1000");
    let outputs: serde_json::Value =
        serde_json::from_slice(&std::fs::read(workspace.path().join("outputs.json")).unwrap())
            .unwrap();
    assert_eq!(outputs["outcome"], "success");
}
