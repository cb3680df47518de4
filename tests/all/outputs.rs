//! Outputs as the runner reads them, the JSON form outside GitHub, and the step summary.

use crate::support;

use harness::tooljet::{APP_ID, ORG_ID, Settings};
use serde_json::Value;
use support::{RUN_ID, fake, fake_with, step};

#[tokio::test(flavor = "multi_thread")]
async fn every_declared_output_is_set_and_parses_by_the_runners_rules() {
    let fake = fake().await;
    let ran = step("release", &fake).with("app-id", APP_ID).run().await;
    ran.assert_exit(0);
    let outputs = ran.outputs.as_ref().expect("runner accepts GITHUB_OUTPUT");
    let declared: Vec<String> = support::action_yml()["outputs"]
        .as_hash()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap().to_owned())
        .collect();
    let written: Vec<String> = outputs.keys().cloned().collect();
    let mut declared_sorted = declared.clone();
    declared_sorted.sort();
    assert_eq!(written, declared_sorted);
    assert_eq!(ran.output("operation"), "release");
    assert!(ran.output("duration-ms").parse::<u64>().is_ok());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_multi_line_response_survives_verbatim() {
    let fake = fake().await;
    // Pretty-printed, as a proxy or another ToolJet build may send it.
    let body = "{\n  \"id\": \"3c1f5a2b-0000-4000-8000-000000000009\",\n  \"name\": \"Orders\"\n}";
    fake.inject([harness::tooljet::Injected::Json {
        status: 201,
        body: body.to_owned(),
    }]);
    let ran = support::create_orders(&fake).run().await;
    ran.assert_exit(0);
    assert_eq!(ran.output("response"), body);
    assert_eq!(ran.output("response").lines().count(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_message_cannot_inject_outputs_or_commands() {
    let fake = fake().await;
    let hostile = "x\nghadelimiter_\napp-id=evil\n::warning::injected";
    let ran = step("release", &fake)
        .with("app-id", APP_ID)
        .with("version-name", hostile)
        .run()
        .await;
    ran.assert_exit(1);
    assert_eq!(ran.output("app-id"), APP_ID);
    assert!(ran.annotations("warning").is_empty(), "{}", ran.log());
}

#[tokio::test(flavor = "multi_thread")]
async fn outside_github_outputs_are_one_json_object_on_stdout() {
    let fake = fake().await;
    let ran = step("pull", &fake)
        .with("app-id", APP_ID)
        .outside_github()
        .run()
        .await;
    ran.assert_exit(0);
    let json: Value =
        serde_json::from_str(ran.stdout.trim()).expect("stdout is exactly one JSON object");
    assert_eq!(
        (json["operation"].as_str(), json["app-id"].as_str()),
        (Some("pull"), Some(APP_ID))
    );
    assert_eq!(json["http-status"], "200");
}

#[tokio::test(flavor = "multi_thread")]
async fn summary_reports_the_facts_and_links_to_the_app_and_run() {
    let fake = fake().await;
    let ran = step("release", &fake)
        .with("app-id", APP_ID)
        .with("organization-id", ORG_ID)
        .run()
        .await;
    let summary = &ran.summary;
    assert!(
        summary.contains("### ✅ ToolJet `release` succeeded"),
        "{summary}"
    );
    for row in [
        "| Operation | release |",
        "| Result | success |",
        "| HTTP status | 201 Created |",
        "| Environment | development → staging → **production** |",
    ] {
        assert!(summary.contains(row), "missing {row:?} in\n{summary}");
    }
    assert!(
        summary.contains(&format!(
            "[Open in ToolJet's editor]({}/{ORG_ID}/apps/{APP_ID})",
            fake.url()
        )),
        "{summary}"
    );
    assert!(
        summary.contains(&format!("/actions/runs/{RUN_ID})")),
        "{summary}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn summary_escapes_server_text() {
    let fake = fake_with(Settings::default()).await;
    let ran = step("release", &fake)
        .with("app-id", APP_ID)
        .with("version-name", "<b>|x")
        .run()
        .await;
    ran.assert_exit(1);
    assert!(ran.summary.contains("&lt;b&gt;\\|x"), "{}", ran.summary);
    assert!(!ran.summary.contains("<b>"), "{}", ran.summary);
}

// --- The files the action writes: a regular file, or a path where nothing is yet.

/// A FIFO made in `dir` by `mkfifo`, and a symbolic link to it: two things at a path that no
/// report may replace, write through or wait on.
fn fifo_and_link(dir: &std::path::Path) -> [std::path::PathBuf; 2] {
    let fifo = dir.join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let link = dir.join("link-to-fifo");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    [fifo, link]
}

fn is_untouched(path: &std::path::Path) -> bool {
    let kind = std::fs::symlink_metadata(path).unwrap().file_type();
    use std::os::unix::fs::FileTypeExt;
    kind.is_fifo() || kind.is_symlink()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dotenv_path_that_is_no_regular_file_is_refused_before_any_request() {
    let dir = tempfile::tempdir().unwrap();
    for path in fifo_and_link(dir.path()) {
        let fake = fake().await;
        let shown = path.display().to_string();
        let ran = support::create_orders(&fake)
            .outside_github()
            .env("TOOLJET_DOTENV", &shown)
            .run()
            .await;
        ran.assert_exit(2);
        assert!(fake.requests().is_empty(), "{shown}: nothing is sent");
        assert!(
            ran.stderr.contains(&format!(
                "TOOLJET_DOTENV names {shown}, where the outputs cannot be written: this is a "
            )),
            "{}",
            ran.stderr
        );
        let outputs: Value =
            serde_json::from_str(ran.stdout.trim()).expect("stdout is one JSON object");
        assert_eq!(outputs["outcome"], "failure");
        assert!(is_untouched(&path), "{shown} is left as it was");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_github_output_that_is_no_regular_file_is_refused_before_any_request() {
    let fake = fake().await;
    let dir = tempfile::tempdir().unwrap();
    for path in fifo_and_link(dir.path()) {
        let shown = path.display().to_string();
        let ran = step("release", &fake)
            .with("app-id", APP_ID)
            .output_file(&shown)
            .run()
            .await;
        ran.assert_exit(2);
        ran.assert_error_contains(&format!(
            "GITHUB_OUTPUT names {shown}, where the outputs cannot be written: this is a "
        ));
        assert!(is_untouched(&path), "{shown} is left as it was");
    }
    assert!(fake.requests().is_empty(), "nothing is sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_step_summary_that_is_no_regular_file_is_left_alone_with_a_warning() {
    let fake = fake().await;
    let dir = tempfile::tempdir().unwrap();
    let [fifo, _] = fifo_and_link(dir.path());
    let shown = fifo.display().to_string();
    let ran = step("release", &fake)
        .with("app-id", APP_ID)
        .summary_file(&shown)
        .run()
        .await;
    ran.assert_exit(0);
    assert!(
        ran.annotations("warning").iter().any(|w| w
            .data
            .starts_with(&format!("{shown} (GITHUB_STEP_SUMMARY): this is a FIFO"))),
        "{}",
        ran.log()
    );
    assert_eq!(ran.output("outcome"), "success");
    assert!(is_untouched(&fifo));
}
