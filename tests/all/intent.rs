//! Intent before writes: every name, version and workspace is resolved exactly, or refused
//! with the close matches, before the step's first write, for every operation, and the dry
//! run refuses it in the same words.

use harness::tooljet::{APP_ID, FakeToolJet, ORG_ID};

use crate::support::{Step, fake, step, writes};

fn by_name(operation: &str, fake: &FakeToolJet, app: &str) -> Step {
    step(operation, fake)
        .with("app-name", app)
        .with("organization-id", ORG_ID)
}

/// A slip, how to make it, and what its error says.
struct Slip {
    name: &'static str,
    setup: fn(&FakeToolJet),
    step: fn(&FakeToolJet) -> Step,
    says: &'static str,
}

fn nothing(_: &FakeToolJet) {}

fn twice_named(fake: &FakeToolJet) {
    fake.world().add_app("Inventory");
}

fn version_twice(fake: &FakeToolJet) {
    fake.world().add_version(APP_ID, "v0");
    fake.world().add_version(APP_ID, "v0");
}

/// A slip in one entry beside an app that has drifted: a manifest is one change, so apply
/// writes nothing for either.
const MANIFEST_SLIP: &str = "instances:\n  production:\n    workspace: Acme\n    apps:\n      \
                             Inventry: v1\n      Billing: v2\n";

/// Billing, with a version v2 on the instance that is not live.
fn billing_drifted(fake: &FakeToolJet) {
    let billing = fake.world().add_app("Billing");
    fake.world().add_version(&billing, "v2");
}

const SLIPS: [Slip; 12] = [
    Slip {
        name: "a deploy of a mistyped app name",
        setup: nothing,
        step: |fake| by_name("deploy", fake, "Inventry").with("version-name", "v1"),
        says: "no app named \"Inventry\" in the workspace; close matches: \"Inventory\": a new \
               app is imported only for a name with no close match; if \"Inventry\" is a new \
               app, give `git-app-name`",
    },
    Slip {
        name: "two app names with a comma",
        setup: nothing,
        step: |fake| by_name("deploy", fake, "Inventory,Orders").with("version-name", "v1"),
        says: "`app-name` takes one name per line, not a list with commas",
    },
    Slip {
        name: "a deploy of a version in another letter case",
        setup: nothing,
        step: |fake| by_name("deploy", fake, "Inventory").with("version-name", "V1"),
        says: "no version named \"V1\", but \"v1\" differs from it only in letter case",
    },
    Slip {
        name: "a release of a version in another letter case",
        setup: nothing,
        step: |fake| by_name("release", fake, "Inventory").with("version-name", "V1"),
        says: "\"v1\" differs from it only in letter case",
    },
    Slip {
        name: "a push of a version in another letter case",
        setup: nothing,
        step: |fake| by_name("push", fake, "Inventory").with("version-name", "V1"),
        says: "\"v1\" differs from it only in letter case",
    },
    Slip {
        name: "a save under a name the app has",
        setup: nothing,
        step: |fake| by_name("save-version", fake, "Inventory").with("version-name", "v1"),
        says: "app \"Inventory\" already has a version named \"v1\"",
    },
    Slip {
        name: "a save under a name the app has in another letter case",
        setup: nothing,
        step: |fake| by_name("save-version", fake, "Inventory").with("version-name", "V1"),
        says: "\"v1\" differs from it only in letter case",
    },
    Slip {
        name: "two apps with exactly the name",
        setup: twice_named,
        step: |fake| by_name("pull", fake, "Inventory"),
        says: "2 apps are named \"Inventory\" exactly (ids ",
    },
    Slip {
        name: "two versions with exactly the name",
        setup: version_twice,
        step: |fake| by_name("deploy", fake, "Inventory").with("version-name", "v0"),
        says: "2 versions are named \"v0\" exactly (ids ",
    },
    Slip {
        name: "a mistyped workspace",
        setup: nothing,
        step: |fake| {
            step("deploy", fake)
                .with("app-name", "Inventory")
                .with("workspace", "Acne")
                .with("version-name", "v1")
        },
        says: "no workspace named \"Acne\"; close matches: \"Acme\"",
    },
    Slip {
        name: "a create in a mistyped workspace",
        setup: nothing,
        step: |fake| {
            step("create", fake)
                .with("workspace", "Acne")
                .with("git-app-name", "Orders")
        },
        says: "no workspace named \"Acne\"; close matches: \"Acme\"",
    },
    Slip {
        name: "an apply of a mistyped app beside a drifted one",
        setup: billing_drifted,
        step: |fake| step("apply", fake).workspace_file("tooljet.yml", MANIFEST_SLIP),
        says: "no app named \"Inventry\" in the workspace; close matches: \"Inventory\": a new \
               app is imported only for a name with no close match; if \"Inventry\" is a new \
               app, add \"git-app-name: <its folder in git>\" to its entry",
    },
];

#[tokio::test(flavor = "multi_thread")]
async fn every_slip_is_refused_before_any_write_and_the_dry_run_says_the_same() {
    for slip in SLIPS {
        let mut errors = Vec::new();
        for dry_run in ["false", "true"] {
            let fake = fake().await;
            (slip.setup)(&fake);
            let ran = (slip.step)(&fake).with("dry-run", dry_run).run().await;
            ran.assert_exit(1);
            ran.assert_error_contains(slip.says);
            assert_eq!(writes(&fake).len(), 0, "{}: nothing is written", slip.name);
            assert_eq!(ran.output("outcome"), "failure", "{}", slip.name);
            errors.push(ran.error());
        }
        assert_eq!(
            errors[0], errors[1],
            "{}: the plan says the same",
            slip.name
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_name_close_to_a_listed_one_is_imported_when_git_app_name_says_it_is_new() {
    let fake = fake().await;
    let ran = by_name("deploy", &fake, "Inventry")
        .with("version-name", "v1")
        .with("git-app-name", "Orders")
        .with("dry-run", "true")
        .run()
        .await;
    ran.assert_exit(0);
    assert!(
        ran.stderr.contains(
            "dry run: created: imports a NEW app \"Inventry\" from git folder \"Orders\""
        ),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr
            .contains("/api/ext/apps/:new-app-id/versions/save {\"name\":\"v1\"}"),
        "{}",
        ran.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_workspace_by_name_serves_create_and_configure_git() {
    let fake = fake().await;
    let ran = step("create", &fake)
        .with("workspace", "Acme")
        .with("git-app-name", "Orders")
        .run()
        .await;
    ran.assert_exit(0);
    let create = fake
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert_eq!(create.body.unwrap()["organizationId"], ORG_ID);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_answer_naming_an_app_the_workspace_had_is_never_deployed_to() {
    let fake = fake().await;
    fake.inject([
        harness::tooljet::Injected::Delay(std::time::Duration::ZERO),
        harness::tooljet::Injected::Json {
            status: 201,
            body: format!("{{\"id\":\"{APP_ID}\",\"name\":\"Inventory\"}}"),
        },
    ]);
    let ran = step("deploy", &fake)
        .with("app-name", "Orders")
        .with("organization-id", ORG_ID)
        .with("version-name", "v1")
        .run()
        .await;
    ran.assert_exit(1);
    assert_eq!(ran.output("outcome"), "unknown");
    ran.assert_error_contains("which was in the workspace before: not a new app");
    assert_eq!(ran.output("app-id"), "", "never the other app's id");
    assert_eq!(ran.output("app-url"), "");
    assert_eq!(writes(&fake).len(), 1, "nothing after the create");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_release_answer_about_another_app_is_unknown_and_gives_no_ids() {
    let fake = fake().await;
    let other = fake.world().add_app("Billing");
    fake.inject([harness::tooljet::Injected::Json {
        status: 201,
        body: format!("{{\"id\":\"{other}\",\"slug\":\"billing\",\"currentVersionId\":\"x\"}}"),
    }]);
    let ran = step("release", &fake)
        .with("app-id", APP_ID)
        .with("version-name", "v1")
        .run()
        .await;
    ran.assert_exit(1);
    assert_eq!(ran.output("outcome"), "unknown");
    ran.assert_error_contains("its answer is about another app");
    assert_eq!(ran.output("app-url"), "");
    assert_eq!(ran.output("version-id"), "");
}

#[tokio::test(flavor = "multi_thread")]
async fn two_manifest_entries_for_one_app_are_both_refused_and_nothing_is_applied() {
    let fake = fake().await;
    billing_drifted(&fake);
    // A listing that names one app twice: as Inventory, and as Stock.
    let mut stock = fake.world().app(APP_ID).unwrap().clone();
    stock.name = "Stock".to_owned();
    fake.world().apps.push(stock);
    fake.world().add_version(APP_ID, "v2");
    let manifest = "instances:\n  production:\n    workspace: Acme\n    apps:\n      \
                    Inventory: v1\n      Stock: v2\n      Billing: v2\n";
    for dry_run in ["false", "true"] {
        let ran = step("apply", &fake)
            .workspace_file("tooljet.yml", manifest)
            .with("dry-run", dry_run)
            .run()
            .await;
        ran.assert_exit(1);
        // One annotation for the two entries, as they fail alike.
        ran.assert_error_contains("entries \"Inventory\" and \"Stock\" name one app");
        assert_eq!(
            ran.annotations("error")[0].properties["title"],
            "ToolJet apply failed for Inventory and Stock"
        );
        assert_eq!(ran.output("in-sync"), "false");
        assert!(writes(&fake).is_empty(), "{:?}", writes(&fake));
    }
}
