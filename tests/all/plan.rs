//! One plan, shown and executed: what `check` shows is what `apply` does. An app whose live
//! version could not be read is never written to, a manifest is applied whole or not at all,
//! and the plan reads the same in the summary, the log and the `plan` output.

use harness::tooljet::{APP_ID, FakeToolJet, Injected, ORG_ID};
use serde_json::{Value, json};

use crate::support::{Ran, fake, results, status, step, with_manifest, writes};

fn pass() -> Injected {
    Injected::Delay(std::time::Duration::ZERO)
}

/// The `plan` output, parsed.
fn plan(ran: &Ran) -> Value {
    serde_json::from_str(ran.output("plan")).expect("plan is JSON")
}

/// Billing, whose v2 is on the instance and not live.
fn billing_drifted(fake: &FakeToolJet) {
    let billing = fake.world().add_app("Billing");
    fake.world().add_version(&billing, "v2");
}

/// What answers Inventory's export (the third request: the workspace, then its listing, are
/// looked up first), for each way an export can fail to say what is live.
fn unreadable_exports() -> Vec<(&'static str, Injected)> {
    let no_current = r#"{"app":[{"definition":{"appV2":{"id":"0f5f3ad1-8f1e-4a53-9d0f-5a1e0c2b7d11","appVersions":[]}}}]}"#;
    let another_app = r#"{"app":[{"definition":{"appV2":{"id":"11111111-2222-4333-8444-555555555555","currentVersionId":null}}}]}"#;
    vec![
        ("a 500", status(500)),
        (
            "an HTML page",
            Injected::Plain {
                status: 200,
                body: "<html>".to_owned(),
            },
        ),
        (
            "another app's export",
            Injected::Json {
                status: 201,
                body: another_app.to_owned(),
            },
        ),
        (
            "an export naming no live version",
            Injected::Json {
                status: 201,
                body: no_current.to_owned(),
            },
        ),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_is_written_for_an_app_whose_live_version_could_not_be_read() {
    for (case, export) in unreadable_exports() {
        for dry_run in ["false", "true"] {
            let fake = fake().await;
            billing_drifted(&fake);
            // Retries off: a 500 on a read is retried otherwise. One app at a time: Inventory's
            // export comes third.
            fake.inject([pass(), pass(), export.clone()]);
            let ran = with_manifest("apply", &fake, "Inventory: v1\nBilling: v2")
                .with("dry-run", dry_run)
                .with("retries", "0")
                .with("max-parallel", "1")
                .run()
                .await;
            ran.assert_exit(1);
            assert!(writes(&fake).is_empty(), "{case}: {:?}", writes(&fake));
            assert_eq!(ran.output("in-sync"), "false", "{case}");
            let plan = plan(&ran);
            assert_eq!(plan["apps"][0]["state"], "unknown", "{case}");
            assert_eq!(plan["apps"][0]["actions"], json!([]), "{case}");
            assert_eq!(plan["complete"], false, "{case}");
            let held = &results(&ran)[1];
            assert_eq!(held["result"], "held", "{case}, dry run {dry_run}: {held}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_check_that_cannot_read_an_export_fails_even_when_another_app_drifted() {
    let fake = fake().await;
    billing_drifted(&fake);
    fake.inject([pass(), pass(), status(500)]);
    let ran = with_manifest("check", &fake, "Inventory: v1\nBilling: v2")
        .with("fail-on-drift", "true")
        .with("retries", "0")
        .with("max-parallel", "1")
        .run()
        .await;
    ran.assert_exit(1);
    let errors = ran.annotations("error");
    let unread = errors
        .iter()
        .find(|e| e.properties["title"].ends_with("for Inventory"))
        .expect("the unreadable app's error");
    assert!(
        unread.data.contains("only reads, and changed nothing"),
        "{}",
        unread.data
    );
    for write_words in ["may have", "part of the work", "create", "re-running"] {
        assert!(!unread.data.contains(write_words), "{}", unread.data);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn check_apply_and_the_dry_run_show_one_plan_and_apply_carries_it_out() {
    let fake = fake().await;
    billing_drifted(&fake);
    let apps = "Inventory: v1\nBilling: v2\nOrders: v1";
    let check = with_manifest("check", &fake, apps).run().await;
    let dry = with_manifest("apply", &fake, apps)
        .with("dry-run", "true")
        .run()
        .await;
    check.assert_exit(0);
    dry.assert_exit(0);
    let mut planned = plan(&check);
    // What changes in the content: Billing's two versions are alike; Orders has none yet.
    let changes: Vec<Value> = planned["apps"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .map(|app| {
            app.as_object_mut()
                .unwrap()
                .remove("changes")
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(
        changes[0],
        Value::Null,
        "an app in sync costs no comparison"
    );
    assert_eq!(
        changes[1],
        json!({"available": true, "from": "v1", "to": "v2", "identical": true, "kinds": [],
               "risks": [], "risks-unlisted": 0})
    );
    assert_eq!(changes[2]["available"], false);
    assert_eq!(planned["format"], 1);
    assert_eq!(planned["instance"], "production");
    let without_changes = |ran: &Ran| {
        let mut apps = plan(ran)["apps"].clone();
        for app in apps.as_array_mut().unwrap() {
            app.as_object_mut().unwrap().remove("changes");
        }
        apps
    };
    assert_eq!(
        planned["apps"],
        without_changes(&dry),
        "the dry run is the plan"
    );
    assert_eq!(
        planned["apps"],
        json!([
            {"app": "Inventory", "app-id": APP_ID, "declared": "v1", "live": "v1",
             "state": "in-sync", "actions": []},
            {"app": "Billing", "app-id": planned["apps"][1]["app-id"], "declared": "v2",
             "live": "v1", "state": "drift", "actions": ["release"]},
            {"app": "Orders", "app-id": null, "declared": "v1", "live": null,
             "state": "app-absent", "actions": ["create", "save", "release"]},
        ])
    );
    let tally = "Plan: 1 to import, 1 to release; 1 unchanged.";
    assert_eq!(planned["summary"], tally);
    for ran in [&check, &dry] {
        assert!(
            ran.summary.contains(&format!("**{tally}**")),
            "{}",
            ran.summary
        );
        assert!(
            ran.summary
                .contains("| App | Declared | Live | State | What `apply` would do |"),
            "{}",
            ran.summary
        );
    }
    assert!(writes(&fake).is_empty());
    let applied = with_manifest("apply", &fake, apps).run().await;
    applied.assert_exit(0);
    assert_eq!(
        without_changes(&applied),
        planned["apps"],
        "apply carried out the plan"
    );
    // Billing's release, and Orders' import, save and release, the apps side by side.
    let mut sent: Vec<String> = writes(&fake)
        .iter()
        .map(|w| w.rsplit('/').next().unwrap().to_owned())
        .collect();
    sent.sort();
    assert_eq!(sent, ["apps", "release", "release", "save"], "{sent:?}");
    let after = with_manifest("check", &fake, apps).run().await;
    assert_eq!(after.output("in-sync"), "true");
    assert_eq!(
        plan(&after)["summary"],
        "No changes: the declared version of all 3 apps is live."
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_plan_is_in_the_log_in_a_shell_one_line_per_app() {
    let fake = fake().await;
    billing_drifted(&fake);
    let ran = with_manifest("check", &fake, "Inventory: v1\nBilling: v2")
        .outside_github()
        .run()
        .await;
    ran.assert_exit(0);
    assert!(
        ran.stderr
            .contains("plan: Plan: 1 to release; 1 unchanged.\n"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr
            .contains("plan: Billing: declared v2, live v1, drift: release v2 by name\n"),
        "{}",
        ran.stderr
    );
    let outputs: Value = serde_json::from_str(ran.stdout.trim()).expect("one JSON line");
    let plan: Value = serde_json::from_str(outputs["plan"].as_str().unwrap()).unwrap();
    assert_eq!(plan["apps"][1]["actions"], json!(["release"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn app_name_beside_a_manifest_is_refused_before_any_request() {
    let fake = fake().await;
    for operation in ["check", "apply"] {
        let ran = with_manifest(operation, &fake, "Inventory: v1")
            .with("app-name", "Inventory")
            .run()
            .await;
        ran.assert_exit(2);
        ran.assert_error_contains(&format!(
            "input `app-name` is not read by `{operation}`, which takes every app and version \
             from the manifest"
        ));
    }
    assert!(fake.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_version_name_with_a_line_break_keeps_one_line_per_app() {
    let fake = fake().await;
    let billing = fake.world().add_app("Billing");
    fake.world().add_version(&billing, "v2");
    // ToolJet names Inventory's live version with a line break in it.
    fake.world().apps[0].versions[0].name = "v1\nv9".to_owned();
    let ran = with_manifest("apply", &fake, "Inventory: v3\nBilling: v2")
        .run()
        .await;
    ran.assert_exit(0);
    let previous: Vec<&str> = ran.output("previous-version").split('\n').collect();
    assert_eq!(previous.len(), 2, "{previous:?}");
    assert_eq!(previous[1], "v1", "Billing keeps its own line");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_first_import_saves_the_imported_draft_and_a_rerun_finds_it_in_sync() {
    let fake = fake().await;
    let first = with_manifest("apply", &fake, "Orders: v2").run().await;
    first.assert_exit(0);
    let orders = fake
        .world()
        .apps
        .iter()
        .find(|app| app.name == "Orders")
        .cloned()
        .expect("imported");
    let live = orders
        .versions
        .iter()
        .find(|v| Some(&v.id) == orders.current_version_id.as_ref());
    assert_eq!(live.map(|v| v.name.as_str()), Some("v2"));
    let rerun = with_manifest("apply", &fake, "Orders: v2").run().await;
    rerun.assert_exit(0);
    assert_eq!(plan(&rerun)["apps"][0]["state"], "in-sync");
    assert_eq!(
        writes(&fake).len(),
        3,
        "create, save, release; then nothing"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_that_went_through_is_done_whatever_could_not_be_read_after_it() {
    let fake = fake().await;
    // The listing, the import (201); its save refused as saved, then every listing read fails.
    fake.inject([pass(), pass(), status(409), status(500), status(500)]);
    let ran = step("deploy", &fake)
        .with("app-name", "Orders")
        .with("organization-id", ORG_ID)
        .with("version-name", "v1")
        .with("retries", "1")
        .run()
        .await;
    ran.assert_exit(1);
    assert_eq!(ran.output("outcome"), "unknown");
    let orders = fake
        .world()
        .apps
        .iter()
        .find(|app| app.name == "Orders")
        .map(|app| app.id.clone())
        .expect("imported");
    assert_eq!(ran.output("app-id"), orders);
    let steps = results(&ran)[0]["steps"].clone();
    assert_eq!(steps[1], json!({"step": "created", "result": "done"}));
    assert_eq!(steps[3]["step"], "saved");
    assert_eq!(steps[3]["result"], "failed");
    ran.assert_error_contains("list the workspace's apps after the refused save");
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_is_released_until_every_apps_import_and_save_went_through() {
    let fake = fake().await;
    billing_drifted(&fake);
    // Shipping is declared new, but git has no such folder: its import fails.
    let ran = with_manifest("apply", &fake, "Billing: v2\nShipping: v1")
        .run()
        .await;
    ran.assert_exit(1);
    assert!(
        writes(&fake).iter().all(|w| !w.ends_with("/release")),
        "{:?}",
        writes(&fake)
    );
    let results = results(&ran);
    assert_eq!(results[0]["result"], "held", "{}", results[0]);
    assert!(
        results[0]["message"]
            .as_str()
            .unwrap()
            .contains("another app's import, pull or save failed, so apply released nothing"),
        "{}",
        results[0]
    );
    assert_eq!(results[1]["result"], "failed");
    assert_eq!(ran.output("changed"), "");
    assert_eq!(ran.output("in-sync"), "false");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_apply_dry_run_logs_the_exact_requests_it_would_send() {
    let fake = fake().await;
    billing_drifted(&fake);
    let ran = with_manifest("apply", &fake, "Billing: v2\nOrders: v1")
        .with("dry-run", "true")
        .run()
        .await;
    ran.assert_exit(0);
    assert!(writes(&fake).is_empty());
    for request in [
        "/git-sync/release {\"versionName\":\"v2\"}",
        "/api/ext/apps?createMode=git {\"gitAppName\":\"Orders\"",
        "/api/ext/apps/:new-app-id/versions/save {\"name\":\"v1\"}",
    ] {
        assert!(ran.stderr.contains(request), "{request}: {}", ran.stderr);
    }
    assert_eq!(each_result(&ran), ["planned", "planned"]);
}

fn each_result(ran: &Ran) -> Vec<String> {
    results(ran)
        .iter()
        .map(|r| r["result"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_check_links_each_app_to_the_editor() {
    let fake = fake().await;
    let ran = with_manifest("check", &fake, "Inventory: v1").run().await;
    ran.assert_exit(0);
    assert_eq!(
        ran.output("editor-url"),
        format!(
            "{}/{ORG_ID}/apps/{APP_ID}",
            fake.url().trim_end_matches('/')
        )
    );
}
