//! Desired state in git: `check` says how each app of a `tooljet.yml` instance stands, reading
//! only; `apply` makes the instance match, sending nothing for an app already in sync; a
//! re-run after a failure finishes the job.

use harness::tooljet::{APP_ID, Injected, ORG_ID, RELEASED_VERSION_ID, Settings};
use serde_json::Value;

use crate::support::{
    self, Ran, fake, fake_with, manifest, results, status, step, with_manifest, writes,
};

/// Each app's `field` in `results`.
fn each(ran: &Ran, field: &str) -> Vec<Value> {
    results(ran).iter().map(|r| r[field].clone()).collect()
}

fn pass() -> Injected {
    Injected::Delay(std::time::Duration::ZERO)
}

#[tokio::test(flavor = "multi_thread")]
async fn check_tells_each_state_and_sends_no_write() {
    let fake = fake().await;
    fake.world().add_version(APP_ID, "v0");
    let drifted = fake.world().add_app("Billing");
    fake.world().add_version(&drifted, "v2");
    let ran = with_manifest(
        "check",
        &fake,
        "Inventory: v1\nBilling: v2\nShipping: v1\nOrders: v1",
    )
    .run()
    .await;
    ran.assert_exit(0);
    assert_eq!(
        each(&ran, "state"),
        ["in-sync", "drift", "app-absent", "app-absent"]
    );
    assert_eq!(each(&ran, "live")[..2], ["v1", "v1"]);
    assert_eq!(each(&ran, "declared")[1], "v2");
    assert_eq!(ran.output("in-sync"), "false");
    assert_eq!(ran.output("outcome"), "success", "a diff is not an error");
    assert!(writes(&fake).is_empty(), "{:?}", writes(&fake));
    assert!(
        ran.summary
            .contains("| Billing | v2 | v1 | drift | release v2 by name |"),
        "{}",
        ran.summary
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_declared_version_the_instance_lacks_is_version_absent() {
    let fake = fake().await;
    let ran = with_manifest("check", &fake, "Inventory: v9").run().await;
    ran.assert_exit(0);
    assert_eq!(each(&ran, "state"), ["version-absent"]);
    assert!(
        ran.summary
            .contains("| Inventory | v9 | v1 | version-absent | pull the app's branch, save the draft as v9, release it |"),
        "{}",
        ran.summary
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_app_in_sync_says_so() {
    let fake = fake().await;
    let ran = with_manifest("check", &fake, "Inventory: v1").run().await;
    ran.assert_exit(0);
    assert_eq!(ran.output("in-sync"), "true");
    assert_eq!(
        ran.output("previous-version"),
        "",
        "a check replaces nothing"
    );
    assert!(
        ran.summary
            .contains("**No changes: the app's declared version is live.**"),
        "{}",
        ran.summary
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn fail_on_drift_fails_with_an_error_per_app_out_of_sync() {
    let fake = fake().await;
    fake.world().add_app("Billing");
    let ran = with_manifest("check", &fake, "Inventory: v1\nBilling: v7\nOrders: v1")
        .with("fail-on-drift", "true")
        .run()
        .await;
    ran.assert_exit(3);
    let errors = ran.annotations("error");
    assert_eq!(errors.len(), 2, "{}", ran.log());
    assert!(
        errors[0]
            .data
            .contains("not in sync (version-absent): v1 is live, v7 is declared"),
        "{}",
        errors[0].data
    );
    assert_eq!(ran.output("outcome"), "failure");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_check_that_cannot_read_what_is_live_fails_with_tooljets_words() {
    let fake = fake_with(Settings {
        export_route: false,
        ..Settings::default()
    })
    .await;
    let ran = with_manifest("check", &fake, "Inventory: v1").run().await;
    ran.assert_exit(1);
    assert_eq!(each(&ran, "state"), ["unknown"]);
    ran.assert_error_contains("Cannot POST /api/ext/export/");
    assert_eq!(ran.output("in-sync"), "false");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_live_version_is_read_from_an_export_far_larger_than_an_answer() {
    let fake = fake().await;
    // 4 MiB of definition before the live version: four times what any other answer may hold.
    fake.world().export_size = 4 * 1024 * 1024;
    let ran = with_manifest("check", &fake, "Inventory: v1").run().await;
    ran.assert_exit(0);
    assert_eq!(each(&ran, "state"), ["in-sync"]);
    ran.assert_hidden("db.internal.acme.example");
    ran.assert_hidden("tooljet_ro");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_export_that_never_ends_ends_the_check_all_the_same() {
    let fake = fake().await;
    fake.inject([pass(), pass(), Injected::EndlessExport]);
    let ran = with_manifest("check", &fake, "Inventory: v1")
        .with("timeout-seconds", "2")
        .with("retries", "0")
        .run()
        .await;
    ran.assert_exit(1);
    assert_eq!(each(&ran, "state"), ["unknown"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn unmanaged_apps_are_counted_and_named_never_touched() {
    let fake = fake().await;
    for n in 0..25 {
        fake.world().add_app(&format!("Extra {n:02}"));
    }
    let ran = with_manifest("check", &fake, "Inventory: v1").run().await;
    ran.assert_exit(0);
    assert!(
        ran.summary.contains(
            "25 apps of the workspace are not in the manifest (unmanaged, never touched): Extra 00, "
        ),
        "{}",
        ran.summary
    );
    assert!(
        ran.summary.contains("Extra 19 and 5 more."),
        "{}",
        ran.summary
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn check_sends_only_reads_under_any_input() {
    let fake = fake().await;
    fake.world().add_app("Billing");
    for dry_run in ["false", "true"] {
        let ran = with_manifest("check", &fake, "Inventory: v2\nBilling: v7\nOrders: v1")
            .with("dry-run", dry_run)
            .with("fail-on-drift", "true")
            .run()
            .await;
        ran.assert_exit(3);
    }
    assert!(writes(&fake).is_empty(), "{:?}", writes(&fake));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_check_says_what_apply_does_in_words_with_or_without_dry_run() {
    let fake = fake().await;
    for dry_run in ["false", "true"] {
        let ran = with_manifest("check", &fake, "Inventory: v3")
            .with("dry-run", dry_run)
            .run()
            .await;
        ran.assert_exit(0);
        assert_eq!(
            each(&ran, "message"),
            ["pull the app's branch, save the draft as v3, release it"]
        );
        assert_eq!(
            each(&ran, "actions"),
            [serde_json::json!(["pull", "save", "release"])]
        );
    }
    assert!(writes(&fake).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_in_sync_sends_no_write() {
    let fake = fake().await;
    let ran = with_manifest("apply", &fake, "Inventory: v1").run().await;
    ran.assert_exit(0);
    assert!(writes(&fake).is_empty(), "{:?}", writes(&fake));
    assert_eq!(ran.output("in-sync"), "true");
    assert_eq!(ran.output("changed"), "");
    assert_eq!(ran.output("version-id"), RELEASED_VERSION_ID);
    assert_eq!(
        results(&ran)[0]["steps"][4]["why"],
        "already live: nothing was sent"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_after_drift_releases_the_declared_version_and_says_what_changed() {
    let fake = fake().await;
    let v0 = fake.world().add_version(APP_ID, "v0");
    fake.world().add_app("Billing");
    let ran = with_manifest("apply", &fake, "Inventory: v0\nBilling: v1")
        .run()
        .await;
    ran.assert_exit(0);
    assert_eq!(
        writes(&fake),
        [format!("POST /api/ext/apps/{APP_ID}/git-sync/release")]
    );
    assert_eq!(ran.output("changed"), "Inventory");
    assert_eq!(ran.output("previous-version"), "v1\nv1");
    assert_eq!(ran.output("version-id").lines().next(), Some(v0.as_str()));
    assert_eq!(ran.output("in-sync"), "true");
    assert!(
        ran.summary
            .contains("| Inventory | v0 | v1 | drift | release v0 by name | succeeded: "),
        "{}",
        ran.summary
    );
    // Checked afterwards, the instance matches the manifest.
    let check = with_manifest("check", &fake, "Inventory: v0\nBilling: v1")
        .run()
        .await;
    assert_eq!(check.output("in-sync"), "true");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_gitlab_dotenv_report_says_whether_in_sync_and_what_changed() {
    let fake = fake().await;
    fake.world().add_version(APP_ID, "v0");
    let dir = tempfile::tempdir().unwrap();
    let dotenv = dir.path().join("out.env");
    let ran = with_manifest("apply", &fake, "Inventory: v0")
        .outside_github()
        .env("TOOLJET_DOTENV", &dotenv.display().to_string())
        .run()
        .await;
    ran.assert_exit(0);
    let text = std::fs::read_to_string(&dotenv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.contains(&"TOOLJET_GITSYNC_IN_SYNC=true"), "{text}");
    assert!(
        lines.contains(&"TOOLJET_GITSYNC_CHANGED=Inventory"),
        "{text}"
    );
    assert!(
        lines.contains(&"TOOLJET_GITSYNC_PREVIOUS_VERSION=v1"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_imports_an_app_the_instance_lacks_and_leaves_its_previous_version_empty() {
    let fake = fake().await;
    let ran = with_manifest("apply", &fake, "Inventory: v1\nOrders: v1")
        .run()
        .await;
    ran.assert_exit(0);
    assert_eq!(ran.output("changed"), "Orders");
    assert_eq!(ran.output("previous-version"), "v1\n");
    assert!(fake.world().apps.iter().any(|app| app.name == "Orders"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_apply_dry_run_sends_only_reads_and_shows_the_plan() {
    let fake = fake().await;
    fake.world().add_version(APP_ID, "v0");
    let ran = with_manifest("apply", &fake, "Inventory: v0\nOrders: v1")
        .with("dry-run", "true")
        .run()
        .await;
    ran.assert_exit(0);
    assert!(writes(&fake).is_empty(), "{:?}", writes(&fake));
    assert_eq!(
        each(&ran, "message"),
        [
            "release v0 by name",
            "import a NEW app from git folder \"Orders\", save its draft as v1, release it"
        ]
    );
    assert_eq!(each(&ran, "state"), ["drift", "app-absent"]);
    assert_eq!(ran.output("in-sync"), "false", "the plan changes nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rerun_of_apply_after_a_failure_at_any_step_finishes_the_job() {
    // Workspaces, listing, export, then pull, save, release: a failure at each write, then the
    // same step again.
    for failing in 3..6 {
        let fake = fake().await;
        let mut injected = vec![pass(); failing];
        injected.push(status(500));
        fake.inject(injected);
        let first = with_manifest("apply", &fake, "Inventory: v3").run().await;
        first.assert_exit(1);
        let rerun = with_manifest("apply", &fake, "Inventory: v3").run().await;
        rerun.assert_exit(0);
        assert_eq!(rerun.output("in-sync"), "true", "failing request {failing}");
        let saves = writes(&fake)
            .iter()
            .filter(|w| w.ends_with("/versions/save"))
            .count();
        assert_eq!(
            saves,
            1 + usize::from(failing == 4),
            "failing request {failing}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_runs_many_apps_side_by_side() {
    let fake = fake().await;
    let mut apps = String::new();
    for n in 0..12 {
        let id = fake.world().add_app(&format!("App {n}"));
        fake.world().add_version(&id, "v2");
        apps.push_str(&format!("App {n}: v2\n"));
    }
    let ran = with_manifest("apply", &fake, &apps)
        .with("max-parallel", "4")
        .run()
        .await;
    ran.assert_exit(0);
    assert_eq!(ran.output("changed").lines().count(), 12);
    assert_eq!(writes(&fake).len(), 12, "one release each");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_manifest_error_stops_the_step_before_any_request() {
    let fake = fake().await;
    let cases = [
        ("instances:\n  production: [oops\n", "tooljet.yml, line"),
        (
            "instances:\n  production:\n    workspace: Acme\n    apps:\n      Inventory: v1\n  staging:\n    workspace: Acme\n    apps:\n      Inventory: v2\n",
            "has 2 instances: name one in `instance` (it has `production`, `staging`)",
        ),
        (
            "instances:\n  production:\n    workspace: Acme\n    token: s3cr3t\n    apps:\n      Inventory: v1\n",
            "tooljet.yml, line 4, `instances.production.token`: is not allowed",
        ),
    ];
    for (text, expected) in cases {
        let ran = step("check", &fake)
            .workspace_file("tooljet.yml", text)
            .run()
            .await;
        ran.assert_exit(2);
        ran.assert_error_contains(expected);
        ran.assert_hidden("s3cr3t");
    }
    let big = format!(
        "# {}\n{}",
        "x".repeat(1024 * 1024),
        manifest("Inventory: v1")
    );
    let ran = step("apply", &fake)
        .workspace_file("tooljet.yml", &big)
        .run()
        .await;
    ran.assert_exit(2);
    ran.assert_error_contains("tooljet.yml: it cannot be read: it is larger than 1024 KiB.");
    let missing = step("check", &fake).run().await;
    missing.assert_exit(2);
    missing.assert_error_contains("tooljet.yml: there is no such file");
    assert!(fake.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_instance_and_the_manifest_path_are_inputs() {
    let fake = fake().await;
    let two = format!(
        "{}  staging:\n    workspace: {ORG_ID}\n    apps:\n      Inventory: v1\n",
        manifest("Inventory: v9")
    );
    let ran = step("check", &fake)
        .workspace_file("deploy/apps.yml", &two)
        .with("manifest", "deploy/apps.yml")
        .with("instance", "staging")
        .run()
        .await;
    ran.assert_exit(0);
    assert_eq!(ran.output("in-sync"), "true");
    assert!(
        ran.summary.contains("`check` of staging"),
        "{}",
        ran.summary
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn deploy_without_the_export_route_warns_and_goes_on() {
    let fake = fake_with(Settings {
        export_route: false,
        ..Settings::default()
    })
    .await;
    fake.world().add_version(APP_ID, "v0");
    let ran = support::step("deploy", &fake)
        .with("app-name", "Inventory")
        .with("workspace", "Acme")
        .with("version-name", "v0")
        .run()
        .await;
    ran.assert_exit(0);
    assert_eq!(ran.output("previous-version"), "");
    assert!(
        ran.annotations("warning")
            .iter()
            .any(|w| w.data.contains("no export route")),
        "{}",
        ran.log()
    );
}
