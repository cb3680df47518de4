//! What people see: heartbeats on long calls, request details, links back to ToolJet, the
//! summary's sections, and `--help` / `--version` for use by hand.

use crate::support;

use std::time::Duration;

use harness::tooljet::{APP_ID, APP_SLUG, Injected, ORG_ID};
use support::{fake, step};

// How often heartbeats come is a unit test on paused time (tooljet::attempts); here, that a
// call held well past one period logs one that names the work.
#[tokio::test(flavor = "multi_thread")]
async fn a_long_call_logs_a_heartbeat_naming_the_work() {
    let fake = fake().await;
    fake.inject([Injected::Delay(Duration::from_millis(2_500))]);
    let ran = support::push_v1(&fake)
        .with("heartbeat-seconds", "1")
        .run()
        .await;
    ran.assert_exit(0);
    assert!(
        ran.stderr.contains(&format!(
            "still waiting for ToolJet to push app {APP_ID} version v1: 1 s"
        )),
        "{}",
        ran.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn request_details_are_in_a_collapsible_group() {
    let fake = fake().await;
    let ran = step("pull", &fake).with("app-id", APP_ID).run().await;
    let lines: Vec<&str> = ran.stdout.lines().collect();
    let start = lines
        .iter()
        .position(|l| *l == "::group::ToolJet requests")
        .expect("a group");
    assert!(lines[start + 1].starts_with(&format!(
        "PUT {}/api/ext/apps/{APP_ID}?createMode=git -> 200 OK in ",
        fake.url()
    )));
    assert_eq!(lines[start + 2], "::endgroup::");
}

#[tokio::test(flavor = "multi_thread")]
async fn release_links_to_the_live_app_and_the_editor() {
    let fake = fake().await;
    let ran = step("release", &fake).with("app-id", APP_ID).run().await;
    assert_eq!(
        ran.output("app-url"),
        format!("{}/applications/{APP_SLUG}", fake.url())
    );
    // The workspace comes from ToolJet's answer when organization-id is not given.
    assert_eq!(
        ran.output("editor-url"),
        format!("{}/{ORG_ID}/apps/{APP_ID}", fake.url())
    );
    assert!(ran.summary.contains(&format!(
        "[Open the released app]({}/applications/{APP_SLUG})",
        fake.url()
    )));
}

#[tokio::test(flavor = "multi_thread")]
async fn operations_that_release_nothing_have_no_app_url() {
    let fake = fake().await;
    let pull = step("pull", &fake).with("app-id", APP_ID).run().await;
    assert_eq!(
        (pull.output("app-url"), pull.output("editor-url")),
        (
            "",
            format!("{}/{ORG_ID}/apps/{APP_ID}", fake.url()).as_str()
        )
    );
    let push = support::push_v1(&fake).run().await;
    assert_eq!(
        (push.output("app-url"), push.output("editor-url")),
        ("", ""),
        "push answers no workspace"
    );
    let push = support::push_v1(&fake)
        .with("organization-id", ORG_ID)
        .run()
        .await;
    assert_eq!(
        push.output("editor-url"),
        format!("{}/{ORG_ID}/apps/{APP_ID}", fake.url())
    );
    let created = support::create_orders(&fake).run().await;
    let new_id = created.output("app-id");
    assert_eq!(
        created.output("editor-url"),
        format!("{}/{ORG_ID}/apps/{new_id}", fake.url())
    );
    assert_eq!(created.output("app-url"), "");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_release_has_no_app_url() {
    let fake = fake().await;
    let ran = step("release", &fake)
        .with("app-id", APP_ID)
        .with("version-name", "v9")
        .run()
        .await;
    assert_eq!((ran.code, ran.output("app-url")), (1, ""));
}

#[tokio::test(flavor = "multi_thread")]
async fn promote_shows_where_the_version_stands_in_the_pipeline() {
    let fake = fake().await;
    let created = support::create_orders(&fake).run().await;
    // An import brings a draft: saved, it can be promoted.
    fake.world().save_draft(created.output("app-id"), "v1");
    let ran = step("promote", &fake)
        .with("app-id", created.output("app-id"))
        .run()
        .await;
    assert!(
        ran.summary
            .contains("| Environment | development → **staging** → production |"),
        "{}",
        ran.summary
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_summary_names_the_commit_and_run_that_triggered_it() {
    let fake = fake().await;
    let ran = step("pull", &fake).with("app-id", APP_ID).run().await;
    let trigger = format!(
        "| Triggered by | [acme/tooljet-apps@3f78685](https://github.com/{}/commit/{}) in [run {}](https://github.com/{}/actions/runs/{}) |",
        support::REPOSITORY,
        harness::runner::SHA,
        support::RUN_ID,
        support::REPOSITORY,
        support::RUN_ID
    );
    assert!(ran.summary.contains(&trigger), "{}", ran.summary);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failure_summary_says_what_happened_what_to_check_and_what_next() {
    let fake = fake().await;
    let ran = step("pull", &fake)
        .with("app-id", APP_ID)
        .with("access-token", "wrong")
        .run()
        .await;
    for section in [
        "### ❌ ToolJet `pull` failed",
        "**What happened:** ToolJet answered 403",
        "**What to check:**",
        "**Next:**",
    ] {
        assert!(
            ran.summary.contains(section),
            "missing {section:?}\n{}",
            ran.summary
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_huge_server_message_keeps_the_summary_small() {
    let fake = fake().await;
    let ran = step("release", &fake)
        .with("app-id", APP_ID)
        .with("version-name", &"x".repeat(100_000))
        .run()
        .await;
    ran.assert_exit(1);
    assert!(
        ran.summary.len() < 10_000,
        "summary is {} bytes",
        ran.summary.len()
    );
}

#[test]
fn help_names_every_input_with_its_variable_and_default() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tooljet-gitsync-action"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for (name, default) in harness::runner::declared_inputs() {
        let variable = format!("INPUT_{}", name.to_uppercase());
        let line = help
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name} missing:\n{help}"));
        assert!(line.contains(&variable), "{line}");
        if !default.is_empty() {
            assert!(line.contains(&format!("default {default}")), "{line}");
        }
    }
}

#[test]
fn version_prints_the_version_and_the_commit_it_was_built_from() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tooljet-gitsync-action"))
        .arg("--version")
        .output()
        .unwrap();
    // What build.rs recorded (SOURCE_COMMIT, or git's HEAD, or nothing outside a checkout),
    // so this holds in a source tree without .git too.
    let commit = env!("BUILD_COMMIT");
    let expected = match commit {
        "" => format!("tooljet-gitsync-action {}\n", env!("CARGO_PKG_VERSION")),
        commit => format!(
            "tooljet-gitsync-action {} (commit {commit})\n",
            env!("CARGO_PKG_VERSION")
        ),
    };
    assert_eq!(String::from_utf8(out.stdout).unwrap(), expected);
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    if let Ok(head) = &head
        && head.status.success()
        && std::env::var("SOURCE_COMMIT").is_err()
    {
        // In a checkout, the commit is the checkout's.
        assert_eq!(commit, String::from_utf8_lossy(&head.stdout).trim());
    }
}

#[test]
fn help_shows_how_to_run_the_binary_by_hand() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tooljet-gitsync-action"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(
        help.contains(
            "tooljet-gitsync-action deploy --app-name Inventory --workspace Acme --version-name v3"
        ),
        "{help}"
    );
    assert!(
        help.contains("--access-token-file, INPUT_ACCESS-TOKEN or TOOLJET_ACCESS_TOKEN"),
        "{help}"
    );
    assert!(help.contains("never as a flag's value"), "{help}");
}
