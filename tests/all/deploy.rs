//! `deploy`: one step makes a version live on the instance and proves it, whichever path it
//! takes, and a re-run after a failure at any step finishes the job.

use std::time::Duration;

use harness::tooljet::{
    APP_ID, DRAFT_VERSION_ID, FakeToolJet, INVENTORY_CO_RELATION_ID, Injected, ORG_ID,
    RELEASED_VERSION_ID,
};

use crate::support::{self, Ran, Step, fake, results, status, step, writes};

/// A deploy of Inventory in the seeded workspace; the caller names the version.
fn deploy(fake: &FakeToolJet) -> Step {
    step("deploy", fake)
        .with("app-name", "Inventory")
        .with("organization-id", ORG_ID)
}

/// Adds `v0` to Inventory, saved and on the instance but not live; its id.
fn saved_not_live(fake: &FakeToolJet) -> String {
    fake.world().add_version(APP_ID, "v0")
}

/// The steps of the first app in `results`, as `step result`.
fn steps(ran: &Ran) -> Vec<String> {
    results(ran)[0]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                s["step"].as_str().unwrap(),
                s["result"].as_str().unwrap()
            )
        })
        .collect()
}

fn pass() -> Injected {
    Injected::Delay(Duration::ZERO)
}

/// The id of `name` among Inventory's versions in the fake.
fn version_id(fake: &FakeToolJet, name: &str) -> String {
    let world = fake.world();
    let app = world.app(APP_ID).expect("Inventory");
    app.versions
        .iter()
        .find(|v| v.name == name)
        .map(|v| v.id.clone())
        .unwrap_or_else(|| panic!("no version {name}"))
}

const RELEASE: &str = "POST /api/ext/apps/0f5f3ad1-8f1e-4a53-9d0f-5a1e0c2b7d11/git-sync/release";
const PULL: &str = "PUT /api/ext/apps/0f5f3ad1-8f1e-4a53-9d0f-5a1e0c2b7d11";
const SAVE: &str = "POST /api/ext/apps/0f5f3ad1-8f1e-4a53-9d0f-5a1e0c2b7d11/versions/save";

#[tokio::test(flavor = "multi_thread")]
async fn a_version_on_the_instance_is_released_by_name_without_pull_or_save() {
    let fake = fake().await;
    let v0 = saved_not_live(&fake);
    let ran = deploy(&fake).with("version-name", "v0").run().await;
    ran.assert_exit(0);
    assert_eq!(writes(&fake), [RELEASE]);
    assert_eq!(
        fake.requests().last().unwrap().body.as_ref().unwrap()["versionName"],
        "v0"
    );
    assert_eq!(ran.output("version-id"), v0);
    assert_eq!(ran.output("previous-version"), "v1", "what was live before");
    assert_eq!(ran.output("environment"), "production");
    assert_eq!(
        steps(&ran),
        [
            "listed done",
            "created skipped",
            "pulled skipped",
            "saved skipped",
            "released done",
            "verified done"
        ]
    );
    assert!(
        ran.stderr
            .contains(&format!("Inventory: version v0 ({v0}) is live")),
        "{}",
        ran.log()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_version_live_already_sends_no_write_and_says_so() {
    let fake = fake().await;
    let ran = deploy(&fake).with("version-name", "v1").run().await;
    ran.assert_exit(0);
    assert!(writes(&fake).is_empty(), "{:?}", writes(&fake));
    assert_eq!(ran.output("version-id"), RELEASED_VERSION_ID);
    assert_eq!(ran.output("previous-version"), "v1");
    assert_eq!(
        ran.output("app-url"),
        format!("{}/applications/inventory", fake.url())
    );
    assert_eq!(
        steps(&ran),
        [
            "listed done",
            "created skipped",
            "pulled skipped",
            "saved skipped",
            "released skipped",
            "verified done"
        ]
    );
    assert_eq!(
        results(&ran)[0]["steps"][4]["why"],
        "already live: nothing was sent"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_version_name_is_pulled_saved_released_and_verified() {
    let fake = fake().await;
    let ran = deploy(&fake).with("version-name", "v3").run().await;
    ran.assert_exit(0);
    assert_eq!(writes(&fake), [PULL, SAVE, RELEASE]);
    // The names given, ids beside them; what was live before, and now.
    assert!(
        ran.summary.contains(&format!(
            "| App | Inventory ({APP_ID}) |\n| Version | v1 → v3 |"
        )),
        "{}",
        ran.summary
    );
    assert_eq!(ran.output("changed"), "Inventory");
    // The draft became v3, and saving it tagged the repository as ToolJet does.
    assert_eq!(ran.output("version-id"), DRAFT_VERSION_ID);
    assert!(
        fake.world()
            .tags
            .iter()
            .any(|t| t.name() == format!("{INVENTORY_CO_RELATION_ID}/v3"))
    );
    assert_eq!(
        steps(&ran),
        [
            "listed done",
            "created skipped",
            "pulled done",
            "saved done",
            "released done",
            "verified done"
        ]
    );
    assert!(
        ran.summary.contains("| Steps | ✓ listed · – created (skipped: the app is in the workspace) · ✓ pulled · ✓ saved · ✓ released · ✓ verified |"),
        "{}",
        ran.summary
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_git_tag_whose_version_is_on_the_instance_is_released_by_name() {
    let fake = fake().await;
    let v0 = saved_not_live(&fake);
    let tag = format!("{INVENTORY_CO_RELATION_ID}/v0");
    let ran = deploy(&fake)
        .with("git-tag", &format!("refs/tags/{tag}"))
        .run()
        .await;
    ran.assert_exit(0);
    assert_eq!(writes(&fake), [RELEASE]);
    assert_eq!(ran.output("version-id"), v0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_git_tag_not_on_the_instance_is_released_as_the_latest_tag_and_verified() {
    let fake = fake().await;
    let tag = fake.world().add_tag(INVENTORY_CO_RELATION_ID, "v5");
    let ran = deploy(&fake).with("git-tag", &tag).run().await;
    ran.assert_exit(0);
    assert_eq!(writes(&fake), [RELEASE]);
    assert_eq!(
        fake.requests()[2].body.as_ref().unwrap(),
        &serde_json::json!({}),
        "after the listing and the export"
    );
    // Verified against the listing read again: ToolJet pulled v5 as it released it.
    assert_eq!(fake.requests().last().unwrap().method, "GET");
    assert_eq!(ran.output("version-id"), version_id(&fake, "v5"));
    assert_eq!(steps(&ran)[5], "verified done");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_newer_tag_released_instead_fails_naming_the_live_version_and_the_way_out() {
    let fake = fake().await;
    let tag = fake.world().add_tag(INVENTORY_CO_RELATION_ID, "v5");
    fake.world().add_tag(INVENTORY_CO_RELATION_ID, "v6");
    let ran = deploy(&fake).with("git-tag", &tag).run().await;
    ran.assert_exit(1);
    assert_eq!(
        ran.output("outcome"),
        "failure",
        "certain: another version is live"
    );
    let live = version_id(&fake, "v6");
    ran.assert_error_contains(&format!(
        "ToolJet made version v6 ({live}) live, not \"v5\" at step `verified`"
    ));
    ran.assert_error_contains("Deploy it with `version-name: v5`");
    assert_eq!(
        ran.output("version-id"),
        "",
        "no version-id for a deploy that failed"
    );
    assert_eq!(steps(&ran)[5], "verified failed");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_first_deploy_imports_the_app_by_name_then_releases_it() {
    let fake = fake().await;
    let ran = step("deploy", &fake)
        .with("app-name", "Orders")
        .with("workspace", "Acme")
        .with("version-name", "v1")
        .run()
        .await;
    ran.assert_exit(0);
    let id = fake
        .world()
        .apps
        .iter()
        .find(|a| a.name == "Orders")
        .unwrap()
        .id
        .clone();
    // ToolJet's import brings git's version as a draft, never released: saved, then released.
    assert_eq!(
        writes(&fake),
        [
            "POST /api/ext/apps".to_owned(),
            format!("POST /api/ext/apps/{id}/versions/save"),
            format!("POST /api/ext/apps/{id}/git-sync/release")
        ]
    );
    assert_eq!(ran.output("app-id"), id);
    assert_eq!(
        ran.output("previous-version"),
        "",
        "nothing was live before"
    );
    assert_eq!(
        steps(&ran),
        [
            "listed done",
            "created done",
            "pulled skipped",
            "saved done",
            "released done",
            "verified done"
        ]
    );
    // Run again, the app is in sync: nothing is sent.
    let again = step("deploy", &fake)
        .with("app-name", "Orders")
        .with("workspace", "Acme")
        .with("version-name", "v1")
        .run()
        .await;
    again.assert_exit(0);
    assert_eq!(writes(&fake).len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_app_id_absent_from_the_workspace_fails_that_app_and_sends_nothing() {
    let fake = fake().await;
    let ran = step("deploy", &fake)
        .with("app-id", "00000000-0000-4000-8000-00000000dead")
        .with("organization-id", ORG_ID)
        .with("version-name", "v1")
        .run()
        .await;
    ran.assert_exit(1);
    ran.assert_error_contains(
        "deploy imports an absent app only when it is given by name, in `app-name`",
    );
    assert!(writes(&fake).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_reads_decides_the_path_and_prints_every_write() {
    let fake = fake().await;
    let ran = deploy(&fake)
        .with("version-name", "v3")
        .with("dry-run", "true")
        .run()
        .await;
    ran.assert_exit(0);
    assert!(writes(&fake).is_empty(), "{:?}", writes(&fake));
    // Nothing was released: a plan claims no environment and no live version.
    assert_eq!(
        (ran.output("environment"), ran.output("version-id")),
        ("", "")
    );
    for planned in [
        "PUT ",
        "/versions/save {\"name\":\"v3\"}",
        "/git-sync/release {\"versionName\":\"v3\"}",
    ] {
        assert!(
            ran.stderr
                .lines()
                .any(|line| line.contains("dry run: would send") && line.contains(planned)),
            "{planned}: {}",
            ran.stderr
        );
    }
    assert_eq!(
        steps(&ran),
        [
            "listed done",
            "created skipped",
            "pulled planned",
            "saved planned",
            "released planned",
            "verified skipped"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn many_apps_deploy_each_on_its_own_path() {
    let fake = fake().await;
    let ran = step("deploy", &fake)
        .with("app-name", "Inventory\nOrders")
        .with("organization-id", ORG_ID)
        .with("version-name", "v1")
        .run()
        .await;
    ran.assert_exit(0);
    let created: Vec<String> = results(&ran)
        .iter()
        .map(|r| r["steps"][1]["result"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(created, ["skipped", "done"]);
    assert_eq!(ran.output("app-id").lines().count(), 2);
}

// --- Re-running the same step after a failure finishes the deploy, without a second save.

#[tokio::test(flavor = "multi_thread")]
async fn a_rerun_after_the_release_failed_releases_the_saved_version_without_saving_again() {
    let fake = fake().await;
    // Listing, export, pull and save pass; the release fails for certain.
    fake.inject([pass(), pass(), pass(), pass(), status(400)]);
    let first = deploy(&fake).with("version-name", "v3").run().await;
    first.assert_exit(1);
    assert_eq!(steps(&first)[4], "released failed");
    let before = writes(&fake).len();
    let rerun = deploy(&fake).with("version-name", "v3").run().await;
    rerun.assert_exit(0);
    assert_eq!(writes(&fake)[before..], [RELEASE], "no second pull or save");
    assert_eq!(rerun.output("version-id"), DRAFT_VERSION_ID);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rerun_after_the_save_failed_saves_and_releases() {
    let fake = fake().await;
    fake.inject([pass(), pass(), pass(), status(500)]);
    let first = deploy(&fake).with("version-name", "v3").run().await;
    first.assert_exit(1);
    assert_eq!(steps(&first)[3], "saved failed");
    let rerun = deploy(&fake).with("version-name", "v3").run().await;
    rerun.assert_exit(0);
    assert_eq!(rerun.output("version-id"), DRAFT_VERSION_ID);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rerun_after_the_pull_failed_finishes_the_deploy() {
    let fake = fake().await;
    fake.inject([pass(), pass(), status(400)]);
    let first = deploy(&fake).with("version-name", "v3").run().await;
    first.assert_exit(1);
    assert_eq!(
        steps(&first)[2..],
        [
            "pulled failed",
            "saved not run",
            "released not run",
            "verified not run"
        ]
    );
    deploy(&fake)
        .with("version-name", "v3")
        .run()
        .await
        .assert_exit(0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rerun_after_the_import_was_cut_off_finds_or_makes_the_app() {
    let fake = fake().await;
    let orders = || {
        step("deploy", &fake)
            .with("app-name", "Orders")
            .with("organization-id", ORG_ID)
            .with("version-name", "v1")
    };
    // The connection drops with the create in flight: it may have reached ToolJet.
    fake.inject([pass(), Injected::Drop]);
    let first = orders().run().await;
    first.assert_exit(1);
    assert_eq!(first.output("outcome"), "unknown");
    assert_eq!(steps(&first)[1], "created failed");
    orders().run().await.assert_exit(0);
    assert_eq!(
        fake.world()
            .apps
            .iter()
            .filter(|a| a.name == "Orders")
            .count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn following_the_hint_after_a_newer_tag_went_live_makes_the_intended_version_live() {
    let fake = fake().await;
    // Deploying v5 by tag makes v6, the latest tag, live; the hint says to deploy v5 by name.
    let tag = fake.world().add_tag(INVENTORY_CO_RELATION_ID, "v5");
    fake.world().add_tag(INVENTORY_CO_RELATION_ID, "v6");
    deploy(&fake)
        .with("git-tag", &tag)
        .run()
        .await
        .assert_exit(1);
    let fixed = deploy(&fake).with("version-name", "v5").run().await;
    // ToolJet pulled only v6, so v5 is saved from the branch under its name and released.
    fixed.assert_exit(0);
    let v5 = version_id(&fake, "v5");
    assert_eq!(fixed.output("version-id"), v5);
    let world = fake.world();
    assert_eq!(
        world.app(APP_ID).unwrap().current_version_id.as_deref(),
        Some(v5.as_str())
    );
}

// --- Retries by request, cancellation, hints, inputs.

#[tokio::test(flavor = "multi_thread")]
async fn a_save_is_never_replayed_once_it_may_have_reached_tooljet() {
    let fake = fake().await;
    fake.inject([pass(), pass(), pass(), status(502)]);
    let ran = deploy(&fake).with("version-name", "v3").run().await;
    ran.assert_exit(1);
    assert_eq!(ran.output("outcome"), "unknown");
    assert_eq!(writes(&fake), [PULL, SAVE], "one save, no release");
    ran.assert_error_contains("at step `saved`");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_release_is_retried_after_a_gateway_error() {
    let fake = fake().await;
    saved_not_live(&fake);
    fake.inject([pass(), pass(), status(502)]);
    let ran = deploy(&fake).with("version-name", "v0").run().await;
    ran.assert_exit(0);
    assert_eq!(writes(&fake), [RELEASE, RELEASE]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_version_another_run_saved_meanwhile_is_released_not_saved_again() {
    let fake = fake().await;
    // Listing, export and pull pass; just before the save, another run saves the draft as v3.
    fake.inject([
        pass(),
        pass(),
        pass(),
        Injected::Meanwhile(|world| world.save_draft(APP_ID, "v3")),
    ]);
    let ran = deploy(&fake).with("version-name", "v3").run().await;
    ran.assert_exit(0);
    assert_eq!(ran.output("version-id"), version_id(&fake, "v3"));
    let saved = results(&ran)[0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "saved")
        .cloned()
        .unwrap();
    assert_eq!(saved["result"], "skipped", "{saved}");
    assert!(
        saved["why"].as_str().unwrap().contains("saved meanwhile"),
        "{saved}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_save_with_no_draft_fails_with_what_fixes_it_never_a_promise_that_a_rerun_will() {
    let fake = fake().await;
    // An app not synced with git gets no new draft once its draft is saved: nothing to save.
    let billing = fake.world().add_app("Billing");
    fake.world().save_draft(&billing, "v2");
    let deploy_v3 = || {
        step("deploy", &fake)
            .with("app-name", "Billing")
            .with("organization-id", ORG_ID)
            .with("version-name", "v3")
    };
    let ran = deploy_v3().run().await;
    ran.assert_exit(1);
    ran.assert_error_contains("there is no draft to save");
    ran.assert_error_contains("The app has: v1, v2");
    ran.assert_error_contains("must first be made from new content in git");
    assert!(!ran.error().contains("re-run this step"), "{}", ran.error());
    assert!(!ran.error().contains("`pull`"), "{}", ran.error());
    assert_eq!(
        ran.output("outcome"),
        "failure",
        "the pull changed nothing it reports"
    );
    let rerun = deploy_v3().run().await;
    rerun.assert_exit(1);
    rerun.assert_error_contains("there is no draft to save");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_422_on_save_or_release_points_at_the_tooljet_bug_to_upgrade_past() {
    let fake = fake().await;
    fake.inject([pass(), pass(), pass(), status(422)]);
    let ran = deploy(&fake).with("version-name", "v3").run().await;
    ran.assert_exit(1);
    ran.assert_error_contains("ToolJet PR #17592");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_save_refused_as_already_existing_releases_what_another_deploy_saved() {
    let fake = fake().await;
    // The database refuses a second version of that name: another deploy saved v3 first.
    fake.inject([
        pass(),
        pass(),
        pass(),
        Injected::Meanwhile(|world| {
            world.add_version(APP_ID, "v3");
        }),
    ]);
    let ran = deploy(&fake).with("version-name", "v3").run().await;
    ran.assert_exit(0);
    assert_eq!(ran.output("version-id"), version_id(&fake, "v3"));
}

#[tokio::test(flavor = "multi_thread")]
async fn cancellation_keeps_the_finished_steps_and_names_the_one_in_flight() {
    let fake = fake().await;
    fake.inject([
        pass(),
        pass(),
        pass(),
        Injected::Delay(Duration::from_secs(60)),
    ]);
    let (child, dir) = deploy(&fake).with("version-name", "v3").spawn();
    support::until_requested(&fake, 4).await;
    support::kill(&child, "TERM");
    let ran = Ran::collect(child, dir).await;
    ran.assert_exit(143);
    assert_eq!(ran.output("outcome"), "unknown");
    assert_eq!(
        steps(&ran),
        [
            "listed done",
            "created skipped",
            "pulled done",
            "saved cancelled",
            "released not run",
            "verified not run"
        ]
    );
    ran.assert_error_contains("in flight at step `saved`");
}

#[tokio::test(flavor = "multi_thread")]
async fn deploy_needs_a_workspace_and_a_version_before_anything_is_sent() {
    let fake = fake().await;
    let no_workspace = step("deploy", &fake)
        .with("app-name", "Inventory")
        .with("version-name", "v1")
        .run()
        .await;
    no_workspace.assert_exit(2);
    no_workspace
        .assert_error_contains("input `organization-id` (or `workspace`) is required for `deploy`");
    let no_version = deploy(&fake).run().await;
    no_version.assert_exit(2);
    no_version
        .assert_error_contains("input `version-name` (or `git-tag`) is required for `deploy`");
    let both = deploy(&fake)
        .with("version-name", "v1")
        .with("git-tag", &format!("{INVENTORY_CO_RELATION_ID}/v1"))
        .run()
        .await;
    both.assert_exit(2);
    both.assert_error_contains("`git-tag` were both given");
    assert!(fake.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_git_tag_not_in_tooljets_form_is_an_input_error_naming_it() {
    let fake = fake().await;
    let ran = deploy(&fake).with("git-tag", "v1.2.3").run().await;
    ran.assert_exit(2);
    ran.assert_error_contains(
        "input `git-tag` must be one of ToolJet's version tags, `<app uuid>/<version name>`",
    );
    assert!(fake.requests().is_empty());
}
