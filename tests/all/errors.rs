//! Each way a call can fail: exit code, the `::error::` annotation with ToolJet's own message
//! and a hint, the outputs and the summary.

use crate::support;

use harness::tooljet::{APP_ID, Settings};
use support::{Ran, bare, fake, fake_with, step};

async fn release_against(settings: Settings) -> Ran {
    let fake = fake_with(settings).await;
    step("release", &fake).with("app-id", APP_ID).run().await
}

fn assert_failed(ran: &Ran, says: &[&str]) {
    ran.assert_exit(1);
    let error = ran.error();
    for text in says {
        assert!(
            error.contains(text),
            "error annotation lacks {text:?}: {error}"
        );
    }
    assert!(ran.summary.contains("failed"), "{}", ran.summary);
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_token_is_403_unauthorized_with_a_token_hint() {
    let fake = fake().await;
    let ran = step("release", &fake)
        .with("app-id", APP_ID)
        .with("access-token", "not-the-token")
        .run()
        .await;
    assert_failed(&ran, &["403", "Unauthorized", "EXTERNAL_API_ACCESS_TOKEN"]);
    assert_eq!(
        (ran.output("http-status"), ran.output("outcome")),
        ("403", "failure")
    );
    assert!(
        ran.output("response").contains("\"statusCode\":403"),
        "response carries ToolJet's body"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn disabled_external_api_says_to_enable_it() {
    let ran = release_against(Settings {
        external_api_enabled: false,
        ..Settings::default()
    })
    .await;
    assert_failed(
        &ran,
        &["External API is disabled", "ENABLE_EXTERNAL_API=true"],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_without_the_feature_is_451_even_before_the_token_is_checked() {
    let fake = fake_with(Settings {
        licensed: false,
        ..Settings::default()
    })
    .await;
    let ran = step("release", &fake)
        .with("app-id", APP_ID)
        .with("access-token", "wrong")
        .run()
        .await;
    assert_failed(&ran, &["451", "upgrade your plan", "paid feature"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn community_edition_404_points_at_the_edition_and_the_url() {
    let ran = release_against(Settings {
        community_edition: true,
        ..Settings::default()
    })
    .await;
    assert_failed(
        &ran,
        &[
            "404",
            "Cannot POST /api/ext/apps/",
            "Community Edition",
            "sub path",
        ],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_app_404_points_at_the_app_id() {
    let fake = fake().await;
    let ran = step("release", &fake)
        .with("app-id", "no-such-app")
        .run()
        .await;
    assert_failed(&ran, &["404", "App not found", "`app-id`"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn creating_an_imported_app_again_is_409_with_a_pull_hint() {
    let fake = fake().await;
    let create = || support::create_orders(&fake);
    assert_eq!(create().run().await.code, 0);
    let ran = create().run().await;
    assert_failed(
        &ran,
        &["409", "already exists", "`pull` it with its app id"],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn saving_an_already_saved_version_is_409() {
    let fake = fake().await;
    // An app not synced with git gets no new draft once its draft is saved.
    let billing = fake.world().add_app("Billing");
    assert_eq!(
        step("save-version", &fake)
            .with("app-id", &billing)
            .run()
            .await
            .code,
        0
    );
    let ran = step("save-version", &fake)
        .with("app-id", &billing)
        .run()
        .await;
    assert_failed(&ran, &["409", "Version is already saved"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_request_carries_tooljets_message() {
    let fake = fake().await;
    let ran = step("push", &fake)
        .with("app-id", APP_ID)
        .with("version-id", "no-such-version")
        .run()
        .await;
    assert_failed(&ran, &["400", "Wrong version Id"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn server_error_says_part_of_the_work_may_be_done() {
    let fake = fake().await;
    // The seeded app's released version is already in production: nowhere higher to go.
    fake.world().apps[0]
        .versions
        .retain(|v| !v.name.contains("draft"));
    let ran = step("promote", &fake).with("app-id", APP_ID).run().await;
    assert_failed(
        &ran,
        &[
            "500",
            "no environment with a higher priority",
            "before re-running",
        ],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn html_page_instead_of_json_is_a_failure_even_with_200() {
    let ran = release_against(Settings {
        html_everywhere: true,
        ..Settings::default()
    })
    .await;
    assert_failed(&ran, &["expected JSON", "text/html", "web front end"]);
    assert_eq!(ran.output("http-status"), "200");
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_refused_names_the_address() {
    let ran = bare()
        .with("operation", "pull")
        .with("tooljet-url", support::REFUSED_URL)
        .with("retries", "0")
        .with("access-token", "hostile-servers-token")
        .with("app-id", APP_ID)
        .run()
        .await;
    assert_failed(
        &ran,
        &["connection refused", "127.0.0.1:1", "Nothing is listening"],
    );
    assert_eq!(ran.output("http-status"), "");
}

#[tokio::test(flavor = "multi_thread")]
async fn unresolvable_host_is_a_dns_error() {
    let ran = bare()
        .with("operation", "pull")
        .with("tooljet-url", "https://tooljet.invalid")
        .with("retries", "0")
        .with("access-token", "hostile-servers-token")
        .with("app-id", APP_ID)
        .run()
        .await;
    assert_failed(
        &ran,
        &[
            "could not resolve the host name tooljet.invalid",
            "host name in `tooljet-url`",
        ],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn https_to_a_plain_http_port_is_a_tls_failure_that_says_so() {
    // https:// to a server that speaks plain HTTP: the handshake fails.
    let fake = fake().await;
    let url = fake.url().replace("http://", "https://");
    let ran = step("pull", &fake)
        .with("tooljet-url", &url)
        .with("app-id", APP_ID)
        .run()
        .await;
    assert_failed(
        &ran,
        &[
            "TLS with 127.0.0.1",
            "answered in plain HTTP, not TLS",
            "use http://",
        ],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_404_from_something_other_than_tooljet_points_at_the_url() {
    let fake = fake().await;
    fake.inject([harness::tooljet::Injected::Plain {
        status: 404,
        body: "404 page not found".into(),
    }]);
    let ran = step("pull", &fake).with("app-id", APP_ID).run().await;
    assert_failed(
        &ran,
        &["404", "Something other than ToolJet's API answered 404"],
    );
    assert!(
        !ran.error().contains("`app-id` must name"),
        "{}",
        ran.error()
    );
}
