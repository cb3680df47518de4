//! ToolJet's app validation: its warnings on a write that went through are shown where people
//! look, each with its app and the step that drew it; its refusal fails the app, sends nothing
//! more for it, and says to fix the app in the repository.

use harness::tooljet::{
    APP_ID, FakeToolJet, GIT_APP_NAME_NEW, INVENTORY_CO_RELATION_ID, ORG_ID, Validation,
};
use serde_json::Value;

use crate::support::{create_orders, fake, results, step};

fn issue(code: &str, severity: &str, message: &str) -> Value {
    Validation::issue(
        code,
        severity,
        "components.button1",
        message,
        "Use a Button",
    )
}

/// A misspelt widget type (of `severity`) and an unknown setting (info), as ToolJet reports them.
fn misspelt_button(severity: &str) -> Vec<Value> {
    vec![
        issue(
            "COMPONENT_UNKNOWN_TYPE",
            severity,
            "type \"Buttonn\" is not a registered widget",
        ),
        issue(
            "COMPONENT_UNKNOWN_SETTING",
            "info",
            "setting \"colour\" is unknown",
        ),
    ]
}

/// `app`'s content draws `issues`; `enforce` refuses it when one blocks.
fn validating(fake: &FakeToolJet, app: &str, enforce: bool, issues: Vec<Value>) {
    fake.world()
        .validation
        .push((app.to_owned(), Validation { enforce, issues }));
}

fn validation_warnings(ran: &crate::support::Ran) -> Vec<(String, String)> {
    ran.annotations("warning")
        .into_iter()
        .filter(|w| w.properties["title"].starts_with("ToolJet's app validation"))
        .map(|w| (w.properties["title"].clone(), w.data))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn warnings_on_an_import_are_annotated_summarised_and_counted_and_the_step_succeeds() {
    let fake = fake().await;
    validating(&fake, GIT_APP_NAME_NEW, false, misspelt_button("medium"));
    let ran = create_orders(&fake).run().await;
    ran.assert_exit(0);
    let warnings = validation_warnings(&ran);
    assert_eq!(warnings.len(), 2, "{}", ran.log());
    assert_eq!(warnings[0].0, "ToolJet's app validation: Orders (created)");
    assert_eq!(
        warnings[0].1,
        "COMPONENT_UNKNOWN_TYPE (medium) at components.button1: type \"Buttonn\" is not a \
         registered widget Fix: Use a Button"
    );
    assert_eq!(ran.output("warnings"), "2");
    assert_eq!(results(&ran)[0]["warnings"], 2);
    assert_eq!(results(&ran)[0]["steps"][0]["warnings"], 2);
    assert!(
        ran.summary.contains("#### ToolJet's app validation"),
        "{}",
        ran.summary
    );
    assert!(
        ran.summary
            .contains("| created | COMPONENT\\_UNKNOWN\\_TYPE | medium | components.button1 |"),
        "{}",
        ran.summary
    );
    assert!(
        ran.stderr
            .contains("ToolJet's app validation reported 2 warnings"),
        "the log names them: {}",
        ran.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_count_in_the_header_without_a_list_is_told_with_its_app_and_nothing_more() {
    let fake = fake().await;
    validating(&fake, "Inventory", false, vec![issue("C", "info", "x"); 3]);
    let ran = step("pull", &fake).with("app-id", APP_ID).run().await;
    ran.assert_exit(0);
    assert_eq!(ran.output("warnings"), "3");
    let label = results(&ran)[0]["app"].as_str().unwrap().to_owned();
    assert_eq!(
        validation_warnings(&ran),
        [(
            format!("ToolJet's app validation: {label} (pulled)"),
            "ToolJet counted 3 warnings in the app's content without listing any: its answer \
             gave only the number. The step went on."
                .to_owned()
        )],
        "{}",
        ran.log()
    );
    assert!(
        ran.summary.contains(&format!(
            "{label}: 3 warnings; the step went on.\n\nToolJet listed none of them: its answer \
             gave only the number."
        )),
        "{}",
        ran.summary
    );
    assert!(
        !ran.summary.contains("| Step | Code") && !ran.summary.contains("more not listed"),
        "no empty table, no warnings called more: {}",
        ran.summary
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_release_that_pulls_the_latest_tag_reports_its_warnings() {
    let fake = fake().await;
    fake.world().add_tag(INVENTORY_CO_RELATION_ID, "v5");
    validating(&fake, "Inventory", false, vec![issue("C", "info", "x")]);
    let ran = step("release", &fake).with("app-id", APP_ID).run().await;
    ran.assert_exit(0);
    assert_eq!(ran.output("warnings"), "1");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refusal_fails_the_app_lists_the_blocking_issues_and_is_never_retried() {
    let fake = fake().await;
    validating(&fake, GIT_APP_NAME_NEW, true, misspelt_button("high"));
    let ran = create_orders(&fake).run().await;
    ran.assert_exit(1);
    assert_eq!(ran.output("outcome"), "failure", "nothing was written");
    ran.assert_error_contains(
        "ToolJet's app validation refused the app's content: 1 validation problem in components",
    );
    ran.assert_error_contains(
        "Blocking: COMPONENT_UNKNOWN_TYPE (high) at components.button1: type \"Buttonn\" is not a \
         registered widget Fix: Use a Button (1 warnings besides)",
    );
    ran.assert_error_contains("Fix the app in the repository");
    assert_eq!(fake.requests().len(), 1, "never retried");
    assert!(
        !fake
            .world()
            .apps
            .iter()
            .any(|app| app.name == GIT_APP_NAME_NEW)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn inside_deploy_warnings_and_refusals_belong_to_the_step_that_drew_them() {
    let fake = fake().await;
    validating(&fake, "Inventory", false, vec![issue("C", "info", "x")]);
    validating(
        &fake,
        GIT_APP_NAME_NEW,
        true,
        vec![issue("B", "critical", "broken")],
    );
    let ran = step("deploy", &fake)
        .with("app-name", "Inventory\nOrders")
        .with("organization-id", ORG_ID)
        .with("version-name", "v3")
        .run()
        .await;
    ran.assert_exit(1);
    let results = results(&ran);
    assert_eq!(results[0]["outcome"], "success", "other apps go on");
    assert_eq!(results[0]["steps"][2]["step"], "pulled");
    assert_eq!(results[0]["steps"][2]["warnings"], 1);
    assert_eq!(results[1]["steps"][1]["step"], "created");
    assert_eq!(results[1]["steps"][1]["result"], "failed");
    ran.assert_error_contains("at step `created`");
    assert_eq!(ran.output("warnings"), "1\n0");
}

#[tokio::test(flavor = "multi_thread")]
async fn server_text_in_an_issue_is_scrubbed_escaped_and_bounded() {
    let fake = fake().await;
    let token = harness::tooljet::Settings::default().token;
    validating(
        &fake,
        GIT_APP_NAME_NEW,
        false,
        vec![Validation::issue(
            "X|Y",
            "high\u{1b}[31m",
            "<img src=x>",
            &format!(
                "leaks {token} and [a link](http://evil) {}",
                "x".repeat(5000)
            ),
            "\n::set-output name=x::y",
        )],
    );
    let ran = create_orders(&fake).run().await;
    ran.assert_exit(0);
    ran.assert_hidden(&token);
    let warnings = validation_warnings(&ran);
    assert!(warnings[0].1.contains("\\u{1b}"), "{:?}", warnings[0]);
    assert!(warnings[0].1.len() <= 4_000);
    assert!(!ran.summary.contains("<img"), "{}", ran.summary);
    assert!(!ran.summary.contains("[a link](http"), "{}", ran.summary);
    assert!(
        ran.commands().iter().all(|c| c.name != "set-output"),
        "{}",
        ran.log()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_warnings_stay_within_the_annotation_and_summary_bounds() {
    let fake = fake().await;
    validating(
        &fake,
        GIT_APP_NAME_NEW,
        false,
        (0..1000)
            .map(|n| issue(&format!("C{n}"), "info", &"x".repeat(300)))
            .collect(),
    );
    let ran = create_orders(&fake).run().await;
    ran.assert_exit(0);
    let warnings = validation_warnings(&ran);
    assert_eq!(warnings.len(), 11, "ten, then one that counts the rest");
    assert!(
        warnings[10].1.starts_with(
            "Not shown here: 990 warnings, for Orders; ToolJet's app validation reported 1000 \
             warnings in all."
        ),
        "{}",
        warnings[10].1
    );
    assert!(ran.summary.len() < 20_000, "{} bytes", ran.summary.len());
    assert!(ran.summary.contains("990 more not listed here."));
    assert_eq!(ran.output("warnings"), "1000");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_gitlab_dotenv_report_carries_the_count() {
    let fake = fake().await;
    validating(&fake, "Inventory", false, vec![issue("C", "info", "x"); 2]);
    let dir = tempfile::tempdir().unwrap();
    let dotenv = dir.path().join("out.env");
    let ran = step("pull", &fake)
        .with("app-id", APP_ID)
        .outside_github()
        .env("TOOLJET_DOTENV", &dotenv.display().to_string())
        .run()
        .await;
    ran.assert_exit(0);
    let text = std::fs::read_to_string(&dotenv).unwrap();
    assert!(
        text.lines()
            .any(|line| line == "TOOLJET_GITSYNC_WARNINGS=2"),
        "{text}"
    );
}
