//! What changes in the app: the plan shows, from the live version to the declared one, which
//! pages, components, queries, data sources and events are added, removed or changed, flags the
//! risky ones, and never prints a value: data source hosts, headers, tokens stay out of every
//! output, the summary, the log and the dotenv report.

use harness::tooljet::{APP_ID, FakeToolJet, SAMPLE_HOST, SAMPLE_TOKEN, Settings};
use serde_json::Value;

use crate::support::{Ran, fake, manifest, results, step, with_manifest, writes};

/// The values the sample changes put into Inventory's v2: a new database host, a new token in
/// an API's header.
const NEW_HOST: &str = "db2.internal.acme.example";
const NEW_TOKEN: &str = "tj_live_0a1b2c3d4e5f6a7b8c9d";

/// Inventory with v1 live and a v2 saved beside it, whose content differs as a reviewer would
/// want to hear of: a page added and one removed, a component changed, a query moved to another
/// data source, the database's host and the API's token changed, the home page moved.
fn changed_v2(fake: &FakeToolJet) {
    fake.world().add_version(APP_ID, "v2");
    fake.world().design_mut(APP_ID, "v2").sample_changes();
}

/// Everything a person or a later step could read of `ran`: its log, summary and outputs;
/// not the masks, which the runner takes and never shows.
fn everything(ran: &Ran) -> String {
    let log: Vec<&str> = ran
        .log_lines()
        .filter(|line| !line.starts_with("::add-mask::"))
        .collect();
    format!("{}\n{}", log.join("\n"), ran.summary)
}

/// No value of the export anywhere in `text`: only names of entities and option keys.
fn assert_no_value(text: &str) {
    let token = SAMPLE_TOKEN.trim_start_matches("Bearer ");
    for value in [SAMPLE_HOST, NEW_HOST, token, NEW_TOKEN] {
        assert!(!text.contains(value), "{value} shown in:\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn check_says_what_changes_in_the_app_by_kind_and_name_and_why_it_is_risky() {
    let fake = fake().await;
    changed_v2(&fake);
    let ran = with_manifest("check", &fake, "Inventory: v2").run().await;
    ran.assert_exit(0);
    assert!(writes(&fake).is_empty());
    let changes = &results(&ran)[0]["changes"];
    assert_eq!(changes["available"], true, "{changes}");
    assert_eq!(
        (changes["from"].as_str(), changes["to"].as_str()),
        (Some("v1"), Some("v2"))
    );
    let kind = |name: &str| {
        changes["kinds"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kind"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} in {changes}"))
    };
    assert_eq!(kind("pages")["added-names"], serde_json::json!(["Reports"]));
    assert_eq!(
        kind("pages")["removed-names"],
        serde_json::json!(["Settings"])
    );
    let risks: Vec<String> = changes["risks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("{} {}: {}", r["kind"], r["name"], r["why"]))
        .collect();
    assert!(
        risks.iter().any(|r| r.contains("removed")),
        "a page removed is risky: {risks:?}"
    );
    assert!(
        risks.iter().any(|r| r.contains("host")),
        "the database's host is named by its key: {risks:?}"
    );
    assert!(
        ran.summary.contains("#### What changes in the apps"),
        "{}",
        ran.summary
    );
    assert!(
        ran.summary.contains("**Inventory**: v1 → v2: "),
        "{}",
        ran.summary
    );
    assert!(
        ran.annotations("warning")
            .iter()
            .any(|w| w.properties["title"] == "Risky changes in the plan"),
        "{}",
        ran.log()
    );
    assert!(
        ran.stdout.contains("plan: Inventory: v1 → v2: "),
        "the log has it too: {}",
        ran.stdout
    );
    assert_no_value(&everything(&ran));
}

#[tokio::test(flavor = "multi_thread")]
async fn no_value_of_an_export_reaches_any_output_on_or_off_github_debug_included() {
    let fake = fake().await;
    changed_v2(&fake);
    let dir = tempfile::tempdir().unwrap();
    let dotenv = dir.path().join("out.env");
    for (on_github, debug) in [(true, "1"), (false, "0")] {
        let mut check = step("check", &fake)
            .workspace_file("tooljet.yml", &manifest("Inventory: v2"))
            .env("RUNNER_DEBUG", debug)
            .env("TOOLJET_DOTENV", &dotenv.display().to_string());
        if !on_github {
            check = check.outside_github();
        }
        let ran = check.run().await;
        ran.assert_exit(0);
        assert_no_value(&everything(&ran));
        if on_github {
            assert_no_value(ran.output("results"));
            assert_no_value(ran.output("plan"));
        }
        assert_no_value(&std::fs::read_to_string(&dotenv).unwrap());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn identical_content_says_so_though_every_id_differs() {
    let fake = fake().await;
    fake.world().add_version(APP_ID, "v2");
    let ran = with_manifest("check", &fake, "Inventory: v2").run().await;
    ran.assert_exit(0);
    assert_eq!(results(&ran)[0]["changes"]["identical"], true);
    assert!(
        ran.summary
            .contains("**Inventory**: v1 → v2: no change in content"),
        "{}",
        ran.summary
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn where_no_comparison_can_be_made_it_says_why_and_claims_nothing() {
    let fake = fake().await;
    let ran = with_manifest("check", &fake, "Inventory: v9").run().await;
    ran.assert_exit(0);
    let changes = &results(&ran)[0]["changes"];
    assert_eq!(changes["available"], false);
    assert_eq!(
        changes["why"],
        "the declared version is not on the instance yet: there is nothing to compare with"
    );
    assert!(
        ran.summary.contains(
            "what changes in the content is not available: the declared version is not on the \
             instance yet"
        ),
        "{}",
        ran.summary
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_content_read_changes_nothing_of_the_plan_nor_blocks_apply() {
    let fake = fake().await;
    changed_v2(&fake);
    // Workspaces, listing and the first export answer; v1's own export fails (a 500 is not
    // retried).
    let pass = harness::tooljet::Injected::Delay(std::time::Duration::ZERO);
    fake.inject([
        pass.clone(),
        pass.clone(),
        pass,
        crate::support::status(500),
    ]);
    let ran = step("apply", &fake)
        .workspace_file("tooljet.yml", &manifest("Inventory: v2"))
        .run()
        .await;
    ran.assert_exit(0);
    let result = &results(&ran)[0];
    assert_eq!(result["state"], "drift");
    assert_eq!(result["changes"]["available"], false, "{result}");
    assert!(
        result["changes"]["why"]
            .as_str()
            .unwrap()
            .starts_with("an export could not be read: "),
        "{result}"
    );
    assert_eq!(ran.output("changed"), "Inventory");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_app_in_sync_costs_no_content_request() {
    let fake = fake().await;
    let ran = with_manifest("check", &fake, "Inventory: v1").run().await;
    ran.assert_exit(0);
    let exports = fake
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/api/ext/export/"))
        .count();
    assert_eq!(exports, 1, "only the export that says what is live");
    assert_eq!(results(&ran)[0].get("changes"), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_in_a_component_name_is_scrubbed_before_any_cut() {
    let token = "0123456789abcdef".repeat(4);
    let fake = crate::support::fake_with(Settings {
        token: token.clone(),
        ..Settings::default()
    })
    .await;
    changed_v2(&fake);
    // A name long enough that the token would straddle the name's cut.
    let name = format!("{}{token}", "x".repeat(80));
    fake.world()
        .design_mut(APP_ID, "v2")
        .component_mut("title")
        .name = name;
    let ran = step("check", &fake)
        .with("access-token", &token)
        .workspace_file("tooljet.yml", &manifest("Inventory: v2"))
        .run()
        .await;
    ran.assert_exit(0);
    let shown = everything(&ran) + ran.output("results");
    for piece in token.as_bytes().windows(16) {
        let piece = std::str::from_utf8(piece).expect("ASCII");
        assert!(
            !shown.contains(piece),
            "a piece of the token ({piece}) shown"
        );
    }
    let _: Value = serde_json::from_str(ran.output("results")).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_drift_costs_one_more_export_though_a_draft_is_the_newest_version() {
    let fake = fake().await;
    // Saving seeds the next draft: the newest version is neither v1 nor v2.
    fake.world().save_draft(APP_ID, "v2");
    let ran = with_manifest("check", &fake, "Inventory: v2").run().await;
    ran.assert_exit(0);
    let exports: Vec<String> = fake
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/api/ext/export/"))
        .map(|r| r.query.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        exports,
        [
            "exportTJDB=false&appVersion=v2",
            "exportTJDB=false&appVersion=v1"
        ],
        "the declared version's, which says what is live, then the live version's"
    );
    assert_eq!(results(&ran)[0]["changes"]["available"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_risky_changes_come_first_in_the_summary_whatever_is_cut() {
    let fake = fake().await;
    changed_v2(&fake);
    let ran = with_manifest("check", &fake, "Inventory: v2").run().await;
    let section = ran
        .summary
        .split("#### What changes in the apps")
        .nth(1)
        .expect("the section");
    let risks = results(&ran)[0]["changes"]["risks"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(section.matches("⚠️ risky: ").count(), risks, "{section}");
    let first_bullet = section.lines().find(|l| l.starts_with("- ")).unwrap();
    assert!(first_bullet.starts_with("- ⚠️ risky: "), "{section}");
}

#[tokio::test(flavor = "multi_thread")]
async fn after_apply_a_version_saved_from_git_is_compared_with_what_was_live() {
    let fake = fake().await;
    fake.world().design_mut(APP_ID, "v2-draft").sample_changes();
    let ran = step("apply", &fake)
        .workspace_file("tooljet.yml", &manifest("Inventory: v3\nOrders: v1"))
        .run()
        .await;
    ran.assert_exit(0);
    let results = results(&ran);
    let changes = &results[0]["changes"];
    assert_eq!(changes["available"], true, "{changes}");
    assert_eq!(
        (changes["from"].as_str(), changes["to"].as_str()),
        (Some("v1"), Some("v3"))
    );
    assert!(
        !changes["risks"].as_array().unwrap().is_empty(),
        "{changes}"
    );
    assert_eq!(
        results[1]["changes"]["why"],
        "nothing was live before: all of it is new"
    );
    assert!(
        ran.summary.contains("**Inventory**: v1 → v3: "),
        "{}",
        ran.summary
    );
    assert_no_value(&everything(&ran));
}
