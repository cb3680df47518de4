//! `diff`: what a pull request changes in `tooljet.yml`, against the base branch's copy, told
//! in the outputs, the log and the summary, with no URL, no token and no request.

use serde_json::Value;

use crate::support::{Ran, STEP_BOUND, Step, bare, fake, results, step};

const BASE: &str = "\
instances:
  production:
    workspace: Acme
    apps:
      Inventory: v1.4.0
      Orders: v2.0.1
  staging:
    workspace: Acme
    apps:
      Inventory: v1.5.0
";

const CHANGED: &str = "\
instances:
  production:
    workspace: Acme
    apps:
      Inventory: v1.5.0
      Orders: v2.0.1
      Billing: v1.0.0
  staging:
    workspace: Acme
    apps:
      Inventory: v1.5.0
  qa:
    workspace: Acme
    apps:
      Inventory: v1.5.0
";

/// A `diff` step with no URL and no token, `tooljet.yml` and `base.yml` in the workspace.
fn diff(head: &str, base: Option<&str>) -> Step {
    let step = bare()
        .with("operation", "diff")
        .with("base-manifest", "base.yml")
        .workspace_file("tooljet.yml", head);
    match base {
        Some(base) => step.workspace_file("base.yml", base),
        None => step,
    }
}

fn changes(ran: &Ran) -> Vec<String> {
    results(ran)
        .iter()
        .map(|r| {
            let text = |key: &str| r[key].as_str().unwrap_or("-").to_owned();
            format!(
                "{}/{}: {} {} → {}",
                text("instance"),
                text("app"),
                text("change"),
                text("from"),
                text("to")
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_app_change_is_told_per_instance_with_the_instances_to_plan() {
    let ran = diff(CHANGED, Some(BASE)).run().await;
    ran.assert_exit(0);
    assert_eq!(
        changes(&ran),
        [
            "production/Inventory: version v1.4.0 → v1.5.0",
            "production/Billing: added - → v1.0.0",
            "qa/Inventory: added - → v1.5.0",
        ]
    );
    assert_eq!(ran.output("instances"), r#"["production","qa"]"#);
    assert_eq!(
        (ran.output("operation"), ran.output("outcome")),
        ("diff", "success")
    );
    assert!(
        ran.summary
            .contains("| production | Inventory | version | v1.4.0 | v1.5.0 |"),
        "{}",
        ran.summary
    );
    let log = ran.log();
    assert!(
        log.contains("diff: production: Inventory: version v1.4.0 → v1.5.0"),
        "{log}"
    );
    assert!(
        log.contains("diff: instances to plan or apply: production, qa"),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn no_change_succeeds_with_an_empty_matrix() {
    let ran = diff(BASE, Some(BASE)).run().await;
    ran.assert_exit(0);
    assert_eq!(ran.output("instances"), "[]");
    assert_eq!(ran.output("results"), "[]");
    assert!(ran.summary.contains("no change to the desired state"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_removed_app_is_no_longer_managed_and_a_removed_instance_is_nothing_to_plan() {
    let ran = diff(
        "instances:\n  production:\n    workspace: Acme\n    apps:\n      Inventory: v1.4.0\n",
        Some(BASE),
    )
    .run()
    .await;
    ran.assert_exit(0);
    assert_eq!(
        changes(&ran),
        [
            "production/Orders: removed v2.0.1 → -",
            "staging/Inventory: removed v1.5.0 → -"
        ]
    );
    assert_eq!(results(&ran)[1]["instance-change"], "removed");
    assert_eq!(
        ran.output("instances"),
        r#"["production"]"#,
        "staging is gone"
    );
    assert!(ran.log().contains("apply deletes nothing"), "{}", ran.log());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_base_is_no_instances_yet_said_in_a_notice_the_log_and_the_summary() {
    let ran = diff(BASE, None).run().await;
    ran.assert_exit(0);
    assert_eq!(ran.output("instances"), r#"["production","staging"]"#);
    let said = "base.yml does not exist: read as no instances yet";
    let notices = ran.annotations("notice");
    assert!(
        notices.iter().any(|n| n.data.starts_with(said)),
        "{notices:?}"
    );
    assert!(ran.summary.contains(said), "{}", ran.summary);
    assert!(ran.stderr.contains(said) || ran.stdout.contains(&format!("diff: {said}")));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_base_manifest_exits_2_naming_the_input_the_file_the_line_and_the_key() {
    let bad = "instances:\n  production:\n    workspace: Acme\n    aps:\n      X: v1\n";
    let ran = diff(CHANGED, Some(bad)).run().await;
    ran.assert_exit(2);
    ran.assert_error_contains(
        "input `base-manifest`: base.yml, line 4, `instances.production.aps`",
    );
    assert_eq!(ran.output("outcome"), "failure");
    let ran = diff(bad, Some(BASE)).run().await;
    ran.assert_exit(2);
    ran.assert_error_contains("input `manifest`: tooljet.yml, line 4");
}

#[tokio::test(flavor = "multi_thread")]
async fn base_manifest_is_required_and_named_as_the_caller_names_it() {
    let ran = bare()
        .with("operation", "diff")
        .workspace_file("tooljet.yml", BASE)
        .run()
        .await;
    ran.assert_exit(2);
    ran.assert_error_contains("input `base-manifest` is required for `diff`");
    let ran = bare()
        .with("operation", "diff")
        .env("TOOLJET_GITSYNC_CALLER", "jenkins-step")
        .workspace_file("tooljet.yml", BASE)
        .run()
        .await;
    ran.assert_error_contains("baseManifest");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_url_and_token_set_are_not_used_sent_nothing_and_stay_masked() {
    let fake = fake().await;
    let token = harness::tooljet::Settings::default().token;
    let ran = step("diff", &fake)
        .with("base-manifest", "base.yml")
        .workspace_file("tooljet.yml", CHANGED)
        .workspace_file("base.yml", BASE)
        .run()
        .await;
    ran.assert_exit(0);
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
    assert!(ran.masks().contains(&token), "the token is still masked");
    ran.assert_hidden(&token);
    let notices = ran.annotations("notice");
    assert!(
        notices
            .iter()
            .any(|n| n.properties["title"] == "Not used by diff"),
        "{notices:?}"
    );
    assert!(
        ran.annotations("warning").is_empty(),
        "a URL and token are no slip: {:?}",
        ran.annotations("warning")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_typed_as_an_instance_name_is_scrubbed_from_every_report() {
    let fake = fake().await;
    let token = harness::tooljet::Settings::default().token;
    let head = format!("instances:\n  {token}:\n    workspace: Acme\n    apps:\n      X: v1\n");
    let ran = step("diff", &fake)
        .with("base-manifest", "base.yml")
        .workspace_file("tooljet.yml", &head)
        .run()
        .await;
    ran.assert_exit(0);
    ran.assert_hidden(&token);
}

#[tokio::test(flavor = "multi_thread")]
async fn outside_github_the_log_has_the_changes_and_stdout_the_outputs() {
    let ran = diff(CHANGED, Some(BASE)).outside_github().run().await;
    ran.assert_exit(0);
    let outputs: Value = serde_json::from_str(ran.stdout.trim()).expect("one JSON object");
    assert_eq!(outputs["instances"], r#"["production","qa"]"#);
    assert!(
        ran.stderr
            .contains("diff: production: Inventory: version v1.4.0 → v1.5.0"),
        "{}",
        ran.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_command_line_takes_the_base_as_a_flag() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tooljet.yml"), CHANGED).unwrap();
    std::fs::write(dir.path().join("base.yml"), BASE).unwrap();
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_tooljet-gitsync-action"));
    command
        .args(["diff", "--base-manifest", "base.yml"])
        .env_clear()
        .current_dir(dir.path());
    let out = tokio::time::timeout(STEP_BOUND, command.output())
        .await
        .expect("the command ends")
        .expect("the binary runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let outputs: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(outputs["instances"], r#"["production","qa"]"#);
}

#[tokio::test(flavor = "multi_thread")]
async fn outputs_that_cannot_be_written_stop_diff_with_exit_2() {
    let ran = diff(CHANGED, Some(BASE))
        .output_file("/dev/full")
        .run()
        .await;
    ran.assert_exit(2);
    ran.assert_error_contains("GITHUB_OUTPUT names /dev/full");
}
