//! Safe retries, timeouts, outcome-unknown reporting, re-run policies, TLS and proxies.
//! Request counts are what the fake ToolJet received; waits are bounded, never asserted.

use crate::support;

use std::time::Duration;

use harness::network::{ForwardProxy, PrivateCa, TlsFront};
use harness::tooljet::{APP_ID, Injected, ORG_ID};
use support::{Ran, bare, fake, status, step};

fn retries(ran: &Ran) -> usize {
    ran.annotations("warning")
        .iter()
        .filter(|w| w.properties.get("title").map(String::as_str) == Some("Retried"))
        .count()
}

// --- What every operation retries: the request certainly never reached ToolJet.

#[tokio::test(flavor = "multi_thread")]
async fn push_retries_a_503_and_then_succeeds() {
    let fake = fake().await;
    fake.inject([status(503)]);
    let ran = support::push_v1(&fake).run().await;
    ran.assert_exit(0);
    assert_eq!(fake.requests().len(), 2);
    assert_eq!(
        fake.world().app(APP_ID).unwrap().commits.len(),
        1,
        "pushed exactly once"
    );
    assert_eq!(retries(&ran), 1);
    assert!(
        ran.summary.contains("503 Service Unavailable"),
        "{}",
        ran.summary
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_waits_as_long_as_retry_after_asks() {
    let fake = fake().await;
    fake.inject([Injected::Status {
        status: 429,
        retry_after: Some("1".into()),
        message: None,
    }]);
    let ran = step("save-version", &fake)
        .with("app-id", APP_ID)
        .run()
        .await;
    ran.assert_exit(0);
    assert_eq!(fake.requests().len(), 2);
    let warning = &ran.annotations("warning")[0].data;
    assert!(
        warning.contains("Retrying in 1.0 s, as Retry-After asked"),
        "{warning}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn retries_stop_after_the_configured_number() {
    let fake = fake().await;
    fake.inject([status(503), status(503), status(503)]);
    let ran = support::push_v1(&fake).with("retries", "2").run().await;
    ran.assert_exit(1);
    assert_eq!(fake.requests().len(), 3, "one try and two retries");
    assert_eq!(retries(&ran), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_refused_is_retried_for_any_operation() {
    let ran = support::push_v1_to(support::REFUSED_URL)
        .with("retries", "1")
        .run()
        .await;
    ran.assert_exit(1);
    assert_eq!(retries(&ran), 1);
    assert!(
        ran.annotations("warning")[0]
            .data
            .contains("nothing was sent"),
        "{}",
        ran.log()
    );
    assert_eq!(ran.output("outcome"), "failure", "nothing reached ToolJet");
}

// --- What only idempotent operations retry: ToolJet may have acted.

#[tokio::test(flavor = "multi_thread")]
async fn push_never_replays_after_a_502() {
    let fake = fake().await;
    fake.inject([status(502)]);
    let ran = support::push_v1(&fake).run().await;
    ran.assert_exit(1);
    assert_eq!(fake.requests().len(), 1);
    assert_eq!(retries(&ran), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gateway_timeout_after_a_push_leaves_the_outcome_unknown() {
    // An ingress cuts the push at 60 s with 504 while ToolJet goes on and completes it.
    let fake = fake().await;
    fake.inject([status(504)]);
    let ran = support::push_v1(&fake).run().await;
    ran.assert_exit(1);
    assert_eq!(ran.output("outcome"), "unknown");
    assert_eq!(ran.output("http-status"), "504");
    ran.assert_error_contains("check the app in ToolJet before re-running");
    assert_eq!(fake.requests().len(), 1, "a push is never replayed");
}

#[tokio::test(flavor = "multi_thread")]
async fn pull_retries_a_502_and_a_504() {
    let fake = fake().await;
    fake.inject([status(502), status(504)]);
    let ran = step("pull", &fake).with("app-id", APP_ID).run().await;
    ran.assert_exit(0);
    assert_eq!(fake.requests().len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_connection_after_a_push_is_not_replayed_and_is_unknown() {
    let fake = fake().await;
    fake.inject([Injected::Drop]);
    let ran = support::push_v1(&fake).run().await;
    ran.assert_exit(1);
    assert_eq!(fake.requests().len(), 1);
    assert_eq!(ran.output("outcome"), "unknown");
    ran.assert_error_contains("after the request was sent");
    ran.assert_error_contains("ToolJet may have acted");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_connection_during_release_is_retried() {
    let fake = fake().await;
    fake.inject([Injected::Drop]);
    let ran = step("release", &fake).with("app-id", APP_ID).run().await;
    ran.assert_exit(0);
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_push_times_out_once_with_outcome_unknown() {
    let fake = fake().await;
    fake.inject([Injected::Delay(Duration::from_secs(5))]);
    let ran = support::push_v1(&fake)
        .with("timeout-seconds", "1")
        .run()
        .await;
    ran.assert_exit(1);
    assert_eq!(
        fake.requests().len(),
        1,
        "a timed-out push is never replayed"
    );
    assert_eq!(ran.output("outcome"), "unknown");
    ran.assert_error_contains("no answer from ToolJet within `timeout-seconds` (1 s)");
    ran.assert_error_contains("may have completed the operation");
    assert!(ran.summary.contains("outcome unknown"), "{}", ran.summary);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_pull_is_retried_after_its_timeout() {
    let fake = fake().await;
    fake.inject([Injected::Delay(Duration::from_secs(5))]);
    let ran = step("pull", &fake)
        .with("app-id", APP_ID)
        .with("timeout-seconds", "1")
        .run()
        .await;
    ran.assert_exit(0);
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_total_budget_stops_retries() {
    let fake = fake().await;
    fake.inject([Injected::Status {
        status: 503,
        retry_after: Some("60".into()),
        message: None,
    }]);
    let ran = step("pull", &fake)
        .with("app-id", APP_ID)
        .with("total-timeout-seconds", "5")
        .run()
        .await;
    ran.assert_exit(1);
    assert_eq!(fake.requests().len(), 1);
    assert!(
        ran.summary
            .contains("would exceed \\`total-timeout-seconds\\`"),
        "{}",
        ran.summary
    );
}

// --- Re-running a workflow is safe.

#[tokio::test(flavor = "multi_thread")]
async fn create_with_if_exists_sync_pulls_the_already_imported_app() {
    let fake = fake().await;
    let create = || support::create_orders(&fake).with("if-exists", "sync");
    let first = create().run().await;
    let app_id = first.output("app-id").to_owned();
    let again = create().run().await;
    assert_eq!(again.code, 0, "{}", again.log());
    assert_eq!(again.output("app-id"), app_id);
    let calls: Vec<(String, String)> = fake
        .requests()
        .into_iter()
        .map(|r| (r.method, r.path))
        .collect();
    assert_eq!(
        calls[1..],
        [
            ("POST".to_owned(), "/api/ext/apps".to_owned()),
            (
                "GET".to_owned(),
                format!("/api/ext/workspace/{ORG_ID}/apps")
            ),
            ("PUT".to_owned(), format!("/api/ext/apps/{app_id}")),
        ]
    );
    assert!(
        again.summary.contains("pulled it from git instead"),
        "{}",
        again.summary
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn save_version_with_if_saved_skip_succeeds_on_409() {
    let fake = fake().await;
    // An app not synced with git gets no new draft once its draft is saved.
    let billing = fake.world().add_app("Billing");
    let save = || {
        step("save-version", &fake)
            .with("app-id", &billing)
            .with("if-saved", "skip")
    };
    assert_eq!(save().run().await.code, 0);
    let again = save().run().await;
    assert_eq!(again.code, 0, "{}", again.log());
    assert_eq!(
        (again.output("http-status"), again.output("outcome")),
        ("409", "success")
    );
    assert!(
        again.summary.contains("nothing to save"),
        "{}",
        again.summary
    );
}

// --- Self-hosted ToolJet: TLS, proxies, redirects, plain HTTP.

#[tokio::test(flavor = "multi_thread")]
async fn a_private_ca_is_refused_unless_given_as_ca_certificate() {
    let fake = fake().await;
    let ca = PrivateCa::new();
    let front = TlsFront::start(&ca, fake.addr()).await.unwrap();
    let pull = || {
        step("pull", &fake)
            .with("tooljet-url", &front.url())
            .with("app-id", APP_ID)
    };
    let untrusted = pull().run().await;
    assert_eq!(untrusted.code, 1);
    assert!(
        untrusted.error().contains("TLS with localhost"),
        "{}",
        untrusted.error()
    );
    assert!(fake.requests().is_empty());
    let trusted = pull().with("ca-certificate", &ca.ca_pem).run().await;
    assert_eq!(trusted.code, 0, "{}", trusted.log());
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn ca_certificate_can_be_a_file_in_the_workspace() {
    let fake = fake().await;
    let ca = PrivateCa::new();
    let front = TlsFront::start(&ca, fake.addr()).await.unwrap();
    let ran = step("pull", &fake)
        .with("tooljet-url", &front.url())
        .with("app-id", APP_ID)
        .with("ca-certificate", "certs/tooljet-ca.pem")
        .workspace_file("certs/tooljet-ca.pem", &ca.ca_pem)
        .run()
        .await;
    ran.assert_exit(0);
}

#[tokio::test(flavor = "multi_thread")]
async fn skipping_tls_verification_works_and_warns_loudly() {
    let fake = fake().await;
    let front = TlsFront::start(&PrivateCa::new(), fake.addr())
        .await
        .unwrap();
    let ran = step("pull", &fake)
        .with("tooljet-url", &front.url())
        .with("app-id", APP_ID)
        .with("insecure-skip-tls-verify", "true")
        .run()
        .await;
    ran.assert_exit(0);
    let warnings = ran.annotations("warning");
    assert!(
        warnings
            .iter()
            .any(|w| w.properties["title"] == "TLS verification is OFF"),
        "{}",
        ran.log()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn https_proxy_from_the_environment_carries_the_request() {
    let fake = fake().await;
    let ca = PrivateCa::new();
    let front = TlsFront::start(&ca, fake.addr()).await.unwrap();
    let proxy = ForwardProxy::start().await.unwrap();
    let ran = step("pull", &fake)
        .with("tooljet-url", &front.url())
        .with("app-id", APP_ID)
        .with("ca-certificate", &ca.ca_pem)
        .env("HTTPS_PROXY", &proxy.url())
        .run()
        .await;
    ran.assert_exit(0);
    assert_eq!(
        proxy.targets(),
        [format!("localhost:{}", front.addr.port())]
    );
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn http_proxy_is_used_and_no_proxy_bypasses_it() {
    let fake = fake().await;
    let proxy = ForwardProxy::start().await.unwrap();
    let pull = || {
        step("pull", &fake)
            .with("app-id", APP_ID)
            .env("HTTP_PROXY", &proxy.url())
    };
    assert_eq!(pull().run().await.code, 0);
    assert_eq!(proxy.targets(), [fake.addr().to_string()]);
    assert_eq!(pull().env("NO_PROXY", "127.0.0.1").run().await.code, 0);
    assert_eq!(proxy.targets().len(), 1, "NO_PROXY bypassed the proxy");
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn no_proxy_star_bypasses_the_proxy_for_an_ip_address_too() {
    let fake = fake().await;
    let proxy = ForwardProxy::start().await.unwrap();
    // The fake's URL is an IP address, which the proxy matcher alone would send to the proxy.
    let ran = step("pull", &fake)
        .with("app-id", APP_ID)
        .env("HTTP_PROXY", &proxy.url())
        .env("NO_PROXY", "*")
        .run()
        .await;
    ran.assert_exit(0);
    assert!(proxy.targets().is_empty(), "{:?}", proxy.targets());
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_to_another_host_never_carries_the_token() {
    let fake = fake().await;
    let elsewhere = support::fake().await;
    fake.inject([Injected::Redirect(format!(
        "{}/api/ext/apps/{APP_ID}",
        elsewhere.url().replace("127.0.0.1", "localhost")
    ))]);
    let ran = step("pull", &fake).with("app-id", APP_ID).run().await;
    ran.assert_exit(1);
    ran.assert_error_contains("got a redirect (302 Found)");
    assert!(
        elsewhere.requests().is_empty(),
        "the other host received nothing"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_http_to_a_remote_host_is_refused_before_sending() {
    let ran = bare()
        .with("operation", "pull")
        .with("tooljet-url", "http://tooljet.example.com")
        .with("access-token", "hostile-servers-token")
        .with("app-id", APP_ID)
        .run()
        .await;
    ran.assert_exit(2);
    ran.assert_error_contains("unencrypted");
    ran.assert_error_contains("allow-insecure-http");
}

#[tokio::test(flavor = "multi_thread")]
async fn ssl_cert_file_is_honoured_for_a_private_ca() {
    let fake = fake().await;
    let ca = PrivateCa::new();
    let front = TlsFront::start(&ca, fake.addr()).await.unwrap();
    let bundle = std::env::temp_dir().join(format!("tooljet-test-ca-{}.pem", front.addr.port()));
    std::fs::write(&bundle, &ca.ca_pem).unwrap();
    let ran = step("pull", &fake)
        .with("tooljet-url", &front.url())
        .with("app-id", APP_ID)
        .env("SSL_CERT_FILE", bundle.to_str().unwrap())
        .run()
        .await;
    std::fs::remove_file(&bundle).unwrap();
    ran.assert_exit(0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_self_signed_ca_certificate_as_the_servers_own_gets_how_to_make_one_that_works() {
    let fake = fake().await;
    let ca_true = PrivateCa::self_signed(true);
    let front = TlsFront::start(&ca_true, fake.addr()).await.unwrap();
    let ran = step("pull", &fake)
        .with("tooljet-url", &front.url())
        .with("app-id", APP_ID)
        .with("ca-certificate", &ca_true.ca_pem)
        .run()
        .await;
    ran.assert_exit(1);
    ran.assert_error_contains("CaUsedAsEndEntity");
    ran.assert_error_contains("CA:TRUE");
    ran.assert_error_contains("basicConstraints=critical,CA:FALSE");
    assert!(
        !ran.error()
            .contains("for a private CA, give its certificate"),
        "{}",
        ran.error()
    );
    assert!(fake.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_self_signed_certificate_without_ca_true_is_trusted_as_ca_certificate() {
    // What the hint above advises does work.
    let fake = fake().await;
    let own = PrivateCa::self_signed(false);
    let front = TlsFront::start(&own, fake.addr()).await.unwrap();
    let ran = step("pull", &fake)
        .with("tooljet-url", &front.url())
        .with("app-id", APP_ID)
        .with("ca-certificate", &own.ca_pem)
        .run()
        .await;
    ran.assert_exit(0);
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endless_ca_certificate_file_is_an_input_error_read_no_further_than_its_bound() {
    let fake = fake().await;
    let ran = step("pull", &fake)
        .with("app-id", APP_ID)
        .with("ca-certificate", "/dev/zero")
        .run()
        .await;
    ran.assert_exit(2);
    ran.assert_error_contains(
        "input `ca-certificate` is neither PEM text nor a readable file: /dev/zero",
    );
    ran.assert_error_contains("larger than 1024 KiB");
    assert!(fake.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_ca_certificate_is_an_input_error() {
    let fake = fake().await;
    let broken = "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n";
    let ran = step("pull", &fake)
        .with("app-id", APP_ID)
        .with("ca-certificate", broken)
        .run()
        .await;
    ran.assert_exit(2);
    ran.assert_error_contains("input `ca-certificate` holds a certificate that cannot be parsed");
    assert!(fake.requests().is_empty());
}
