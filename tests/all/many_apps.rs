//! Many apps in one step, apps and versions by name, and the dry-run plan.

use crate::support::{self, writes};

use std::time::Duration;

use harness::tooljet::{APP_ID, DRAFT_VERSION_ID, ORG_ID, Settings};
use serde_json::Value;
use support::{fake, fake_with, results, step};

const MISSING_APP: &str = "00000000-0000-4000-8000-00000000dead";

#[tokio::test(flavor = "multi_thread")]
async fn twenty_apps_are_pulled_four_at_a_time() {
    let fake = fake_with(Settings {
        hold_until_concurrent: 4,
        ..Settings::default()
    })
    .await;
    let mut ids = vec![APP_ID.to_owned()];
    ids.extend((1..20).map(|n| fake.world().add_app(&format!("App {n}"))));
    let ran = step("pull", &fake)
        .with("app-id", &ids.join("\n"))
        .run()
        .await;
    ran.assert_exit(0);
    assert_eq!(fake.requests().len(), 20);
    assert_eq!(
        fake.max_concurrency(),
        4,
        "max-parallel defaults to 4: four at once, never more"
    );
    let results = results(&ran);
    assert_eq!(results.len(), 20);
    assert!(
        results
            .iter()
            .all(|r| r["outcome"] == "success" && r["http-status"] == 200)
    );
    assert_eq!(
        ran.output("app-id").lines().collect::<Vec<_>>(),
        ids,
        "one line per app, in order"
    );
    assert!(
        ran.summary
            .contains("ToolJet `pull` for 20 apps: 20 succeeded"),
        "{}",
        ran.summary
    );
    assert_eq!(
        ran.summary
            .lines()
            .filter(|l| l.contains("| succeeded |"))
            .count(),
        20
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn max_parallel_bounds_concurrency() {
    let fake = fake_with(Settings {
        hold_until_concurrent: 2,
        ..Settings::default()
    })
    .await;
    let ids: Vec<String> = (0..6)
        .map(|n| fake.world().add_app(&format!("App {n}")))
        .collect();
    let ran = step("pull", &fake)
        .with("app-id", &ids.join("\n"))
        .with("max-parallel", "2")
        .run()
        .await;
    ran.assert_exit(0);
    assert_eq!(fake.max_concurrency(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn one_failing_app_does_not_stop_the_others_but_fails_the_step() {
    let fake = fake().await;
    let other = fake.world().add_app("Orders Admin");
    let ids = [APP_ID, MISSING_APP, other.as_str()].join("\n");
    let ran = step("pull", &fake).with("app-id", &ids).run().await;
    ran.assert_exit(1);
    let outcomes: Vec<Value> = results(&ran).iter().map(|r| r["outcome"].clone()).collect();
    assert_eq!(outcomes, ["success", "failure", "success"]);
    assert_eq!(
        results(&ran)[1]["message"],
        "ToolJet answered 400 Bad Request: App not found"
    );
    assert_eq!(ran.output("outcome"), "failure");
    assert!(
        ran.summary.contains("for 3 apps: 2 succeeded, 1 failed"),
        "{}",
        ran.summary
    );
    let error = ran.annotations("error");
    assert_eq!(error.len(), 1);
    assert_eq!(
        error[0].properties["title"],
        format!("ToolJet pull failed for {MISSING_APP}")
    );
}

/// Pull, one at a time with `fail-fast`, a missing app, then two that exist: the fake, the
/// second existing app's id, and the step.
async fn fail_fast_after_a_missing_app() -> (harness::tooljet::FakeToolJet, String, support::Ran) {
    let fake = fake().await;
    let other = fake.world().add_app("Orders Admin");
    let ids = [MISSING_APP, APP_ID, other.as_str()].join("\n");
    let ran = step("pull", &fake)
        .with("app-id", &ids)
        .with("fail-fast", "true")
        .with("max-parallel", "1")
        .run()
        .await;
    (fake, other, ran)
}

#[tokio::test(flavor = "multi_thread")]
async fn fail_fast_starts_no_app_after_a_failure() {
    let (fake, _, ran) = fail_fast_after_a_missing_app().await;
    ran.assert_exit(1);
    assert_eq!(fake.requests().len(), 1, "the later apps never started");
    let result: Vec<Value> = results(&ran).iter().map(|r| r["result"].clone()).collect();
    assert_eq!(result, ["failed", "skipped", "skipped"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn app_names_are_resolved_in_the_workspace() {
    let fake = fake().await;
    let ran = step("pull", &fake)
        .with("app-name", "Inventory")
        .with("organization-id", ORG_ID)
        .run()
        .await;
    ran.assert_exit(0);
    let calls: Vec<String> = fake
        .requests()
        .into_iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        calls,
        [
            format!("GET /api/ext/workspace/{ORG_ID}/apps"),
            format!("PUT /api/ext/apps/{APP_ID}")
        ]
    );
    assert_eq!(ran.output("app-id"), APP_ID);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_workspace_can_be_named_too() {
    let fake = fake().await;
    let ran = step("release", &fake)
        .with("app-name", "inventory")
        .with("workspace", "Acme")
        .run()
        .await;
    ran.assert_exit(0);
    let calls: Vec<String> = fake
        .requests()
        .into_iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(calls[0], "GET /api/ext/workspaces");
    assert_eq!(
        calls[2],
        format!("POST /api/ext/apps/{APP_ID}/git-sync/release")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_name_fails_with_close_matches_and_sends_nothing_for_it() {
    let fake = fake().await;
    let ran = step("release", &fake)
        .with("app-name", "Inventry")
        .with("organization-id", ORG_ID)
        .run()
        .await;
    ran.assert_exit(1);
    ran.assert_error_contains(
        "no app named \"Inventry\" in the workspace; close matches: \"Inventory\"",
    );
    assert!(writes(&fake).is_empty());
    assert_eq!(results(&ran)[0]["result"], "not found");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ambiguous_name_fails_listing_the_candidates() {
    let fake = fake().await;
    fake.world().add_app("Orders");
    fake.world().add_app("orders");
    let ran = step("pull", &fake)
        .with("app-name", "ORDERS")
        .with("organization-id", ORG_ID)
        .run()
        .await;
    ran.assert_exit(1);
    ran.assert_error_contains("is ambiguous: it matches \"Orders\", \"orders\"");
    assert!(writes(&fake).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn push_resolves_a_version_name_to_its_id() {
    let fake = fake().await;
    let ran = step("push", &fake)
        .with("app-name", "Inventory")
        .with("version-name", "v2-draft")
        .with("organization-id", ORG_ID)
        .run()
        .await;
    ran.assert_exit(0);
    assert_eq!(
        writes(&fake),
        [format!(
            "POST /api/ext/apps/{APP_ID}/versions/{DRAFT_VERSION_ID}/git-sync/push"
        )]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_checks_access_and_resolves_names_but_changes_nothing() {
    let fake = fake().await;
    let other = fake.world().add_app("Orders Admin");
    let ran = step("push", &fake)
        .with("app-name", "Inventory\nOrders Admin")
        .with("version-name", "v1")
        .with("organization-id", ORG_ID)
        .with("commit-message", "Nightly")
        .with("dry-run", "true")
        .run()
        .await;
    ran.assert_exit(0);
    assert!(writes(&fake).is_empty(), "dry run sent {:?}", writes(&fake));
    assert_eq!(
        fake.requests()[0].path,
        "/api/ext/workspaces",
        "URL and token checked first"
    );
    let results = results(&ran);
    assert_eq!(results[0]["result"], "planned");
    let v1 = fake.world().app(&other).unwrap().versions[0].id.clone();
    assert_eq!(
        results[1]["message"],
        format!(
            "POST {}/api/ext/apps/{other}/versions/{v1}/git-sync/push {{\"commitMessage\":\"Nightly\"}}",
            fake.url()
        )
    );
    assert!(
        ran.summary
            .contains("📝 ToolJet `push` for 2 apps: 2 planned"),
        "{}",
        ran.summary
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_with_a_wrong_token_fails_before_planning() {
    let fake = fake().await;
    let ran = step("pull", &fake)
        .with("app-id", APP_ID)
        .with("access-token", "wrong")
        .with("dry-run", "true")
        .run()
        .await;
    ran.assert_exit(1);
    ran.assert_error_contains("403 Forbidden: Unauthorized");
    assert!(writes(&fake).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn dry_run_never_shows_the_private_key() {
    let fake = fake().await;
    let ran = support::configure_git(
        &fake,
        "-----BEGIN RSA PRIVATE KEY-----\\nS3CRETKEYLINE\\n-----END RSA PRIVATE KEY-----",
    )
    .with("dry-run", "true")
    .run()
    .await;
    ran.assert_exit(0);
    assert!(ran.summary.contains("&lt;redacted&gt;"), "{}", ran.summary);
    ran.assert_hidden("S3CRETKEYLINE");
    assert!(writes(&fake).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_version_id_cannot_serve_several_apps() {
    let fake = fake().await;
    let ran = step("push", &fake)
        .with("app-id", &[APP_ID, APP_ID].join("\n"))
        .with("version-id", DRAFT_VERSION_ID)
        .run()
        .await;
    ran.assert_exit(2);
    ran.assert_error_contains("use `version-name` instead");
}

#[tokio::test(flavor = "multi_thread")]
async fn app_names_need_a_workspace() {
    let fake = fake().await;
    let ran = step("pull", &fake)
        .with("app-name", "Inventory")
        .run()
        .await;
    ran.assert_exit(2);
    ran.assert_error_contains("input `app-name` needs `organization-id` or `workspace`");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_time_budget_is_the_steps_and_an_app_without_time_sends_nothing() {
    let fake = fake().await;
    fake.inject([harness::tooljet::Injected::Delay(Duration::from_secs(5))]);
    let other = fake.world().add_app("Orders Admin");
    let ran = step("pull", &fake)
        .with("app-id", &[APP_ID, other.as_str()].join("\n"))
        .with("max-parallel", "1")
        .with("total-timeout-seconds", "1")
        .run()
        .await;
    ran.assert_exit(1);
    assert_eq!(
        fake.requests().len(),
        1,
        "the second app had no time left and sent nothing"
    );
    let outcomes: Vec<Value> = results(&ran).iter().map(|r| r["outcome"].clone()).collect();
    assert_eq!(outcomes, ["unknown", "failure"]);
    assert!(
        results(&ran)[1]["message"]
            .as_str()
            .unwrap()
            .contains("ran out before this request was sent")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_lists_the_workspaces_once() {
    let fake = fake().await;
    let ran = step("release", &fake)
        .with("app-name", "Inventory")
        .with("workspace", "Acme")
        .with("dry-run", "true")
        .run()
        .await;
    ran.assert_exit(0);
    let calls: Vec<String> = fake.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        calls,
        [
            "/api/ext/workspaces".to_owned(),
            format!("/api/ext/workspace/{ORG_ID}/apps")
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_lookup_is_reported_as_the_request_that_failed() {
    let fake = fake().await;
    let ran = step("pull", &fake)
        .with("app-name", "Inventory")
        .with("organization-id", ORG_ID)
        .with("access-token", "wrong")
        .run()
        .await;
    ran.assert_exit(1);
    ran.assert_error_contains(
        "could not list the workspace's apps: ToolJet answered 403 Forbidden: Unauthorized; nothing was sent",
    );
    ran.assert_error_contains("EXTERNAL_API_ACCESS_TOKEN");
    assert!(!ran.error().contains("Names must match"), "{}", ran.error());
    assert_eq!(results(&ran)[0]["result"], "failed");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retried_lookup_is_reported_like_any_retry() {
    let fake = fake().await;
    fake.inject([harness::tooljet::Injected::Status {
        status: 503,
        retry_after: Some("0".into()),
        message: None,
    }]);
    let ran = step("pull", &fake)
        .with("app-name", "Inventory")
        .with("organization-id", ORG_ID)
        .run()
        .await;
    ran.assert_exit(0);
    let retried = ran.annotations("warning");
    assert_eq!(retried.len(), 1, "{}", ran.log());
    assert_eq!(retried[0].properties["title"], "Retried");
    assert!(retried[0].data.contains("503 Service Unavailable"));
    assert!(
        ran.summary.contains("503 Service Unavailable"),
        "{}",
        ran.summary
    );
    assert_eq!(
        ran.log_lines()
            .filter(|l| l.starts_with("GET ") && l.contains("/apps -> "))
            .count(),
        2,
        "both listing attempts are in the request log"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn apps_skipped_by_fail_fast_are_warned_as_skipped_not_failed() {
    let (_, other, ran) = fail_fast_after_a_missing_app().await;
    ran.assert_exit(1);
    assert_eq!(
        ran.annotations("error").len(),
        1,
        "only the app that failed"
    );
    let skipped: Vec<String> = ran
        .annotations("warning")
        .into_iter()
        .map(|w| w.properties["title"].clone())
        .collect();
    assert_eq!(
        skipped,
        [format!("ToolJet pull skipped for {APP_ID} and {other}")]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_prints_each_planned_request_in_the_log() {
    let fake = fake().await;
    let ran = step("release", &fake)
        .with("app-id", APP_ID)
        .with("version-name", "v1")
        .with("dry-run", "true")
        .run()
        .await;
    ran.assert_exit(0);
    let planned = format!(
        "dry run: would send POST {}/api/ext/apps/{APP_ID}/git-sync/release {{\"versionName\":\"v1\"}}",
        fake.url()
    );
    assert!(ran.stderr.contains(&planned), "{}", ran.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_dry_run_access_check_keeps_a_result_and_a_line_per_app() {
    let fake = fake().await;
    let ran = step("pull", &fake)
        .with("app-name", "Inventory\nPayroll")
        .with("organization-id", ORG_ID)
        .with("access-token", "wrong")
        .with("dry-run", "true")
        .run()
        .await;
    ran.assert_exit(1);
    let results = results(&ran);
    let apps: Vec<&Value> = results.iter().map(|r| &r["app"]).collect();
    assert_eq!(apps, ["Inventory", "Payroll"]);
    assert!(
        results.iter().all(|r| r["http-status"] == 403),
        "{results:?}"
    );
    assert_eq!(ran.output("http-status"), "403\n403");
    assert_eq!(ran.output("outcome"), "failure", "a read changes nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ambiguous_workspace_name_is_refused_not_guessed() {
    let fake = fake().await;
    let other = "5e0b3d1c-0000-4000-8000-0000000000ac";
    fake.world()
        .workspaces
        .push((other.to_owned(), "ACME".to_owned()));
    let ran = step("pull", &fake)
        .with("app-name", "Inventory")
        .with("workspace", "acme")
        .run()
        .await;
    ran.assert_exit(1);
    ran.assert_error_contains(
        "the workspace name \"acme\" is ambiguous: it matches \"Acme\", \"ACME\"",
    );
    assert!(writes(&fake).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mistyped_workspace_name_points_at_organization_id() {
    let fake = fake().await;
    let ran = step("pull", &fake)
        .with("app-name", "Inventory")
        .with("workspace", "Acne")
        .run()
        .await;
    ran.assert_exit(1);
    ran.assert_error_contains("no workspace named \"Acne\"; close matches: \"Acme\"");
    ran.assert_error_contains("`organization-id` avoids the lookup");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_app_uuid_in_two_letter_cases_is_one_app_and_runs_once() {
    let fake = fake().await;
    let ran = step("release", &fake)
        .with("app-id", &format!("{APP_ID}\n{}", APP_ID.to_uppercase()))
        .run()
        .await;
    ran.assert_exit(0);
    assert_eq!(writes(&fake).len(), 1, "{:?}", writes(&fake));
    let warnings = ran.annotations("warning");
    assert!(
        warnings
            .iter()
            .any(|w| w.data.contains("was listed 2 times")),
        "{}",
        ran.log()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_version_name_on_release_lists_close_matches_and_sends_nothing() {
    let fake = fake().await;
    let ran = step("release", &fake)
        .with("app-name", "Inventory")
        .with("organization-id", ORG_ID)
        .with("version-name", "v11")
        .run()
        .await;
    ran.assert_exit(1);
    ran.assert_error_contains(
        "no version named \"v11\" in app \"Inventory\"; close matches: \"v1\"",
    );
    ran.assert_error_contains("`version-id` avoids the lookup");
    assert!(writes(&fake).is_empty());
}
