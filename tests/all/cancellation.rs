//! The runner cancels a step with SIGINT then SIGTERM; the action must stop at once, say that
//! a request was in flight, and fail.

mod support;

use std::time::Duration;

use harness::tooljet::{APP_ID, FakeToolJet, Settings};
use support::{Ran, fake_with, step};

async fn cancel_mid_request(signal: &str) -> Ran {
    let fake: FakeToolJet = fake_with(Settings {
        delay: Duration::from_secs(60),
        ..Settings::default()
    })
    .await;
    let (child, dir) = step("push", &fake)
        .with("app-id", APP_ID)
        .with("version-id", "v1")
        .spawn();
    support::until_requested(&fake).await;
    support::kill(&child, signal);
    // Bounded so that a hang fails the test instead of stalling the suite; not a timing claim.
    tokio::time::timeout(Duration::from_secs(30), Ran::collect(child, dir))
        .await
        .expect("the action stops")
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_mid_request_stops_and_says_the_push_may_complete() {
    let ran = cancel_mid_request("TERM").await;
    assert_eq!(ran.code, 143, "{}", ran.log());
    let error = ran.error();
    assert!(
        error.contains("cancelled by SIGTERM while the `push` request to ToolJet was in flight"),
        "{error}"
    );
    assert!(error.contains("may still complete the push"), "{error}");
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
    assert_eq!(ran.code, 130, "{}", ran.log());
    assert!(ran.error().contains("cancelled by SIGINT"));
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_while_waiting_to_retry_says_nothing_was_in_flight() {
    let fake = support::fake().await;
    fake.inject([harness::tooljet::Injected::Status {
        status: 503,
        retry_after: Some("60".into()),
        message: None,
    }]);
    let (child, dir) = step("push", &fake)
        .with("app-id", APP_ID)
        .with("version-id", "v1")
        .spawn();
    support::until_requested(&fake).await;
    // The 503 comes back at once over loopback; give it a moment to land so the action is
    // in its 60 s wait before the retry.
    tokio::time::sleep(Duration::from_secs(1)).await;
    support::kill(&child, "TERM");
    let ran = tokio::time::timeout(Duration::from_secs(30), Ran::collect(child, dir))
        .await
        .expect("the action stops");
    assert_eq!(ran.code, 143, "{}", ran.log());
    assert!(
        ran.error()
            .contains("between attempts: no `push` request was in flight"),
        "{}",
        ran.error()
    );
    assert_eq!(ran.output("outcome"), "failure");
    assert_eq!(fake.requests().len(), 1);
}
