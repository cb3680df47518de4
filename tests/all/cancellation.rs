//! The runner cancels a step with SIGINT then SIGTERM; the action must stop at once, keep what
//! finished, say what was cut short, and write its outputs for every app.

use std::time::Duration;

use harness::tooljet::{FakeToolJet, Injected, Settings};
use serde_json::Value;

use crate::support::{self, Ran, fake_with, step};

async fn cancel_mid_request(signal: &str) -> Ran {
    let fake: FakeToolJet = fake_with(Settings {
        delay: Duration::from_secs(60),
        ..Settings::default()
    })
    .await;
    let (child, dir) = support::push_v1(&fake).spawn();
    support::until_requested(&fake, 1).await;
    support::kill(&child, signal);
    Ran::collect(child, dir).await
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_mid_request_stops_and_says_the_push_may_complete() {
    let ran = cancel_mid_request("TERM").await;
    ran.assert_exit(143);
    ran.assert_error_contains(
        "cancelled by SIGTERM while the `push` request to ToolJet was in flight",
    );
    ran.assert_error_contains("may still complete the push");
    assert_eq!(ran.output("outcome"), "unknown");
    assert!(
        ran.summary.contains("cancelled (SIGTERM)"),
        "{}",
        ran.summary
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sigint_mid_request_stops_too() {
    let ran = cancel_mid_request("INT").await;
    ran.assert_exit(130);
    ran.assert_error_contains("cancelled by SIGINT");
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_while_waiting_to_retry_says_nothing_was_in_flight() {
    let fake = support::fake().await;
    fake.inject([Injected::Status {
        status: 503,
        retry_after: Some("60".into()),
        message: None,
    }]);
    let (mut child, dir) = support::push_v1(&fake).spawn();
    // The warning is logged once the 503 is read, just before the 60 s wait.
    let seen = support::until_logged(&mut child, "Retrying in 60.0 s").await;
    support::kill(&child, "TERM");
    let ran = Ran::collect(child, dir).await.with_earlier_stderr(&seen);
    ran.assert_exit(143);
    ran.assert_error_contains("between attempts: no `push` request was in flight");
    assert_eq!(ran.output("outcome"), "failure");
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_keeps_the_apps_that_finished_and_says_what_was_cut_short() {
    let fake = support::fake().await;
    let ids: Vec<String> = (0..6)
        .map(|n| fake.world().add_app(&format!("App {n}")))
        .collect();
    // Two at a time: the first three requests are answered, the next two are held, so when
    // the fifth arrives three apps have finished, two are in flight and one waits its turn.
    let pass = || Injected::Delay(Duration::ZERO);
    let hold = || Injected::Delay(Duration::from_secs(60));
    fake.inject([pass(), pass(), pass(), hold(), hold()]);
    let (child, dir) = step("pull", &fake)
        .with("app-id", &ids.join("\n"))
        .with("max-parallel", "2")
        .spawn();
    support::until_requested(&fake, 5).await;
    support::kill(&child, "TERM");
    let ran = Ran::collect(child, dir).await;
    ran.assert_exit(143);
    let results = support::results(&ran);
    let count = |result: &str| results.iter().filter(|r| r["result"] == result).count();
    assert_eq!(
        (count("succeeded"), count("cancelled"), count("not started")),
        (3, 2, 1),
        "{results:#?}"
    );
    // Each app's line in the per-app outputs: the finished apps keep their ids.
    let app_ids: Vec<&str> = ran.output("app-id").lines().collect();
    assert_eq!(app_ids, ids, "one line per app, in order");
    let statuses = ran
        .output("http-status")
        .lines()
        .filter(|s| *s == "200")
        .count();
    assert_eq!(statuses, 3);
    assert_eq!(ran.output("outcome"), "unknown", "two were in flight");
    assert!(
        ran.summary
            .contains("for 6 apps: 3 succeeded, 1 not started, 2 cancelled"),
        "{}",
        ran.summary
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signal_during_the_name_lookup_keeps_a_result_and_a_line_per_app() {
    let fake = fake_with(Settings::default()).await;
    fake.inject([Injected::Delay(Duration::from_secs(60))]);
    let (child, dir) = step("pull", &fake)
        .with("app-name", "Inventory\nOrders")
        .with("organization-id", harness::tooljet::ORG_ID)
        .spawn();
    support::until_requested(&fake, 1).await;
    support::kill(&child, "TERM");
    let ran = Ran::collect(child, dir).await;
    ran.assert_exit(143);
    let results = support::results(&ran);
    let apps: Vec<&Value> = results.iter().map(|r| &r["app"]).collect();
    assert_eq!(apps, ["Inventory", "Orders"]);
    assert!(results.iter().all(|r| r["result"] == "not started"));
    // One line per app, empty: names that were never resolved have no id.
    assert_eq!(ran.output("app-id"), "\n");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_check_cut_short_while_reading_says_that_a_read_changes_nothing() {
    let fake = support::fake().await;
    // The workspace and its listing answer; Inventory's export is held.
    fake.inject([
        Injected::Delay(Duration::ZERO),
        Injected::Delay(Duration::ZERO),
        Injected::Delay(Duration::from_secs(60)),
    ]);
    let manifest =
        "instances:\n  production:\n    workspace: Acme\n    apps:\n      Inventory: v1\n";
    let (child, dir) = step("check", &fake)
        .workspace_file("tooljet.yml", manifest)
        .spawn();
    support::until_requested(&fake, 3).await;
    support::kill(&child, "TERM");
    let ran = Ran::collect(child, dir).await;
    ran.assert_exit(143);
    ran.assert_error_contains(
        "while reading from ToolJet at step `listed`: a read changes nothing",
    );
    assert!(
        !ran.error().contains("may still complete"),
        "{}",
        ran.error()
    );
    assert_eq!(
        ran.output("outcome"),
        "failure",
        "nothing can have been changed"
    );
}
