//! What a hostile server, a broken proxy or a careless input sends cannot leak a secret,
//! exhaust memory, flood the reports or lose a result. Waits are bounded, never asserted.

use crate::support;

use std::time::Duration;

use harness::network::{HostileServer, Misbehaviour};
use harness::tooljet::{APP_ID, Injected, ORG_ID, Settings};
use serde_json::Value;
use support::{bare, fake, fake_with, step};

const TOKEN: &str = "tj-hostile-token-5d2a91";
const KEY_LINE: &str = "MIIEpAIBAAKCAQEAhostilekeyline";
const PROXY_PASSWORD: &str = "pr0xy-s3cret-77";

fn bad_request(message: &str) -> Injected {
    support::status_saying(400, message)
}

// --- Secrets that a server or the network stack echoes are scrubbed before anyone sees them.

#[tokio::test(flavor = "multi_thread")]
async fn an_error_quoting_the_token_shows_it_nowhere() {
    let fake = fake_with(Settings {
        token: TOKEN.to_owned(),
        ..Settings::default()
    })
    .await;
    fake.inject([bad_request(&format!(
        "rejected Authorization: Basic {TOKEN} ({TOKEN})"
    ))]);
    let ran = step("pull", &fake)
        .with("access-token", TOKEN)
        .with("app-id", APP_ID)
        .run()
        .await;
    ran.assert_exit(1);
    ran.assert_error_contains("rejected Authorization: *** (***)");
    ran.assert_hidden(TOKEN);
}

/// Every string in `text` read as JSON, decoded, where it is JSON.
fn decoded_strings(text: &str) -> Vec<String> {
    fn walk(value: &Value, found: &mut Vec<String>) {
        match value {
            Value::String(s) => found.push(s.clone()),
            Value::Array(items) => items.iter().for_each(|item| walk(item, found)),
            Value::Object(map) => map.iter().for_each(|(key, item)| {
                found.push(key.clone());
                walk(item, found);
            }),
            _ => {}
        }
    }
    let mut found = Vec::new();
    if let Ok(json) = serde_json::from_str::<Value>(text) {
        walk(&json, &mut found);
    }
    found
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_quoted_back_json_escaped_is_hidden_once_decoded() {
    // A token with `"` and `\`, which ToolJet's JSON error quotes as `\"` and `\\`, and a
    // proxy's as `\/` and `\u002B`: none of these spell the token until decoded.
    let token = r#"tj"quo\te/pl+us"#;
    let escaped = r#"tj\"quo\\te\/pl\u002Bus"#;
    for body in [
        format!(r#"{{"statusCode":400,"message":"bad token {escaped}"}}"#),
        format!(r#"{{"statusCode":400,"message":["bad token {escaped}"]}}"#),
    ] {
        let fake = fake().await;
        for on_github in [true, false] {
            fake.inject([Injected::Json {
                status: 400,
                body: body.clone(),
            }]);
            let mut step = step("pull", &fake)
                .with("access-token", token)
                .with("app-id", APP_ID);
            if !on_github {
                step = step.outside_github();
            }
            let ran = step.run().await;
            ran.assert_exit(1);
            ran.assert_hidden(token);
            // The summary as rendered: Markdown's backslash escapes undone.
            let rendered = ran
                .summary
                .replace("\\\\", "\u{0}")
                .replace('\\', "")
                .replace('\u{0}', "\\");
            assert!(!rendered.contains(token), "{rendered}");
            if on_github {
                ran.assert_error_contains("bad token ***");
                for output in ["response", "results"] {
                    let strings = decoded_strings(ran.output(output));
                    assert!(!strings.is_empty(), "{output} is JSON");
                    assert!(
                        strings.iter().all(|s| !s.contains(token)),
                        "{output}: {strings:?}"
                    );
                }
            } else {
                assert!(ran.stderr.contains("bad token ***"), "{}", ran.log());
                for line in ran.stdout.lines() {
                    assert!(
                        decoded_strings(line).iter().all(|s| !s.contains(token)),
                        "{line}"
                    );
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn outside_github_an_echoed_token_is_scrubbed_from_stdout_and_stderr() {
    let fake = fake_with(Settings {
        token: TOKEN.to_owned(),
        ..Settings::default()
    })
    .await;
    fake.inject([bad_request(&format!("token {TOKEN} is wrong"))]);
    let ran = step("pull", &fake)
        .with("access-token", TOKEN)
        .with("app-id", APP_ID)
        .outside_github()
        .run()
        .await;
    ran.assert_exit(1);
    assert!(ran.stderr.contains("token *** is wrong"), "{}", ran.log());
    ran.assert_hidden(TOKEN);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_validation_error_echoing_a_key_line_hides_it() {
    let fake = fake().await;
    fake.inject([bad_request(&format!(
        "githubAppPrivateKey {KEY_LINE} is not valid"
    ))]);
    let key =
        format!("-----BEGIN RSA PRIVATE KEY-----\\n{KEY_LINE}\\n-----END RSA PRIVATE KEY-----");
    let ran = support::configure_git(&fake, &key).run().await;
    ran.assert_exit(1);
    ran.assert_error_contains("githubAppPrivateKey *** is not valid");
    ran.assert_hidden(KEY_LINE);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_carrying_the_token_hides_it() {
    let fake = fake_with(Settings {
        token: TOKEN.to_owned(),
        ..Settings::default()
    })
    .await;
    fake.inject([Injected::Redirect(format!(
        "https://login.example.com/?token={TOKEN}"
    ))]);
    let ran = step("release", &fake)
        .with("access-token", TOKEN)
        .with("app-id", APP_ID)
        .run()
        .await;
    ran.assert_exit(1);
    ran.assert_error_contains("redirect (302 Found) to https://login.example.com/?token=***");
    ran.assert_hidden(TOKEN);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dead_proxy_is_named_as_the_proxy_and_its_password_hidden() {
    let fake = fake().await;
    // Nothing listens on port 1; the proxy's credentials are in its URL.
    let proxy = format!("http://deploy:{PROXY_PASSWORD}@127.0.0.1:1");
    let ran = step("pull", &fake)
        .with("app-id", APP_ID)
        .with("retries", "0")
        .env("HTTP_PROXY", &proxy)
        .run()
        .await;
    ran.assert_exit(1);
    let error = ran.error();
    assert!(
        error.contains("could not reach ToolJet through the proxy 127.0.0.1:1"),
        "{error}"
    );
    assert!(error.contains("NO_PROXY"), "{error}");
    assert!(
        !error.contains("tooljet-url"),
        "not ToolJet's fault: {error}"
    );
    assert!(fake.requests().is_empty());
    assert!(ran.masks().iter().any(|m| m == PROXY_PASSWORD));
    ran.assert_hidden(PROXY_PASSWORD);
}

// --- Answers are read up to a bound, whatever the server sends.

#[tokio::test(flavor = "multi_thread")]
async fn an_endless_answer_is_cut_and_the_step_ends() {
    let server = HostileServer::start(Misbehaviour::EndlessBody)
        .await
        .unwrap();
    let ran = bare()
        .with("operation", "pull")
        .with("tooljet-url", &server.url())
        .with("access-token", "hostile-servers-token")
        .with("app-id", APP_ID)
        .run()
        .await;
    ran.assert_exit(1);
    ran.assert_error_contains("with more than 1 MiB, which was cut there");
    assert_eq!(ran.output("outcome"), "unknown");
    assert!(ran.output("response").len() < 70 * 1024);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_huge_error_message_is_cut_in_every_report() {
    let server = HostileServer::start(Misbehaviour::HugeError(5_000_000))
        .await
        .unwrap();
    let ran = support::push_v1_to(&server.url()).run().await;
    ran.assert_exit(1);
    let error = ran.error();
    assert!(
        error.contains("400 Bad Request: Bad Request (an answer of more than 1 MiB, cut there)"),
        "{error}"
    );
    let response = ran.output("response");
    assert!(response.len() < 70 * 1024, "{} bytes", response.len());
    assert!(
        response.ends_with("bytes in all]"),
        "the cut is marked: …{}",
        response.get(response.len() - 60..).unwrap_or(response)
    );
    assert!(ran.summary.len() < 20_000, "{} bytes", ran.summary.len());
    assert!(ran.log_lines().all(|line| line.len() < 10_000));
}

// --- Reports stay within what GitHub keeps, for any number of apps.

#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_failing_apps_keep_the_summary_annotations_and_results_small() {
    let fake = fake().await;
    let ids: Vec<String> = (0..1_000)
        .map(|n| format!("00000000-0000-4000-8000-{n:012}"))
        .collect();
    let ran = step("pull", &fake)
        .with("app-id", &ids.join("\n"))
        .with("max-parallel", "20")
        .run()
        .await;
    ran.assert_exit(1);
    assert_eq!(fake.requests().len(), 1_000);
    assert!(
        ran.summary.len() < 512 * 1024,
        "summary is {} bytes",
        ran.summary.len()
    );
    assert!(
        ran.summary
            .contains("900 more apps are not listed here (900 failed)"),
        "{}",
        ran.summary.chars().take(500).collect::<String>()
    );
    // One failure, the same for every app: one annotation naming a few and counting the rest.
    let errors = ran.annotations("error");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].properties["title"].ends_with(" and 997 more"),
        "{}",
        errors[0].properties["title"]
    );
    let results = support::results(&ran);
    assert!(ran.output("results").len() <= 256 * 1024);
    let last = results.last().unwrap();
    assert_eq!(
        last["omitted"].as_u64(),
        Some(1_000 - results.len() as u64 + 1)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn control_characters_from_the_server_are_shown_as_escapes() {
    let fake = fake().await;
    fake.inject([bad_request("boom\u{1b}[2J\u{7}\u{0}\u{9b}31m")]);
    let ran = step("pull", &fake).with("app-id", APP_ID).run().await;
    ran.assert_exit(1);
    for raw in ['\u{1b}', '\u{7}', '\u{0}', '\u{9b}'] {
        assert!(
            !ran.stdout.contains(raw) && !ran.stderr.contains(raw),
            "{raw:?} reached the log raw"
        );
    }
    ran.assert_error_contains("boom\\u{1b}[2J\\u{7}\\u{0}\\u{9b}31m");
}

// --- One app runs once, and every app id stays on its own route.

#[tokio::test(flavor = "multi_thread")]
async fn an_app_listed_twice_runs_once_with_a_warning() {
    let fake = fake().await;
    let ran = step("release", &fake)
        .with("app-id", &format!("{APP_ID}\n{APP_ID}"))
        .with("app-name", "Inventory")
        .with("organization-id", ORG_ID)
        .run()
        .await;
    ran.assert_exit(0);
    let releases = fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(releases, 1, "released once");
    let warning = ran
        .annotations("warning")
        .into_iter()
        .find(|w| w.properties["title"] == "Listed twice")
        .expect("a warning");
    assert_eq!(
        warning.data,
        format!(
            "App {APP_ID} was listed 3 times (`{APP_ID}`, `{APP_ID}`, `Inventory`): it runs once."
        )
    );
    assert_eq!(ran.output("app-id"), APP_ID);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_app_id_of_dot_dot_is_refused_before_sending() {
    let fake = fake().await;
    let ran = step("release", &fake).with("app-id", "..").run().await;
    ran.assert_exit(2);
    ran.assert_error_contains("input `app-id` has \"..\", which a URL resolves away");
    assert!(fake.requests().is_empty());
}

// --- Timeouts name the limit that ran out.

#[tokio::test(flavor = "multi_thread")]
async fn a_connect_timeout_names_connect_timeout_seconds() {
    // TLS to a peer that never answers the handshake: the connection is never set up.
    let server = HostileServer::start(Misbehaviour::Silent).await.unwrap();
    let ran = support::push_v1_to(&format!("https://{}", server.addr))
        .with("retries", "0")
        .with("connect-timeout-seconds", "1")
        .run()
        .await;
    ran.assert_exit(1);
    let error = ran.error();
    assert!(
        error.contains("could not connect to ToolJet within `connect-timeout-seconds` (1 s)"),
        "{error}"
    );
    assert!(error.contains("raise `connect-timeout-seconds`"), "{error}");
    assert_eq!(ran.output("outcome"), "failure", "nothing was sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_cut_by_the_steps_budget_names_total_timeout_seconds() {
    let fake = fake().await;
    fake.inject([Injected::Delay(Duration::from_secs(10))]);
    let ran = support::push_v1(&fake)
        .with("total-timeout-seconds", "1")
        .run()
        .await;
    ran.assert_exit(1);
    let error = ran.error();
    assert!(
        error.contains(
            "no answer from ToolJet before the step's `total-timeout-seconds` (1 s) ran out"
        ),
        "{error}"
    );
    assert!(error.contains("raise `total-timeout-seconds`"), "{error}");
}

// --- Nothing is lost when the runner's files fail.

#[tokio::test(flavor = "multi_thread")]
async fn outputs_that_cannot_be_written_are_printed_and_fail_the_step() {
    let fake = fake().await;
    // The runner's directory is there when the step starts, and gone by the time the app was
    // created and the outputs are written.
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("file_commands");
    std::fs::create_dir(&files).unwrap();
    GONE.set(files.clone()).expect("set once");
    fake.inject([Injected::Meanwhile(|_| {
        std::fs::remove_dir_all(GONE.get().expect("set")).expect("removed");
    })]);
    let path = files.join("set_output_1").display().to_string();
    let ran = support::create_orders(&fake).output_file(&path).run().await;
    ran.assert_exit(1);
    let created = fake.world().apps.last().unwrap().id.clone();
    assert_eq!(support::logged_outputs(&ran)["app-id"], created.as_str());
    assert!(
        ran.error()
            .starts_with(&format!("{path} (GITHUB_OUTPUT): ")),
        "{}",
        ran.error()
    );
}

/// The directory `outputs_that_cannot_be_written_are_printed_and_fail_the_step` takes away.
static GONE: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

// --- A 2xx answer the action cannot read is never called success, nor a certain failure.

#[tokio::test(flavor = "multi_thread")]
async fn a_create_answered_201_without_an_id_is_unknown_not_green() {
    let fake = fake().await;
    fake.inject([Injected::Plain {
        status: 201,
        body: String::new(),
    }]);
    let ran = support::create_orders(&fake).run().await;
    ran.assert_exit(1);
    assert_eq!(ran.output("outcome"), "unknown");
    assert_eq!(ran.output("app-id"), "");
    ran.assert_error_contains("names no id for the new app");
    ran.assert_error_contains("`pull` it by its id");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_2xx_json_answer_cut_short_is_unknown_with_check_first_advice() {
    let fake = fake().await;
    fake.inject([Injected::Json {
        status: 201,
        body: r#"{"id":"3c1f5a"#.to_owned(),
    }]);
    let ran = support::create_orders(&fake).run().await;
    ran.assert_exit(1);
    assert_eq!(ran.output("outcome"), "unknown");
    ran.assert_error_contains("is not valid JSON");
    assert!(!ran.error().contains("web front end"), "{}", ran.error());
    assert_eq!(fake.requests().len(), 1, "a create is never replayed");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_json_answer_after_a_byte_order_mark_is_read() {
    let fake = fake().await;
    let id = "3c1f5a2b-0000-4000-8000-000000000001";
    fake.inject([Injected::Json {
        status: 201,
        body: format!("\u{feff}{{\"id\":\"{id}\",\"organizationId\":\"{ORG_ID}\"}}"),
    }]);
    let ran = support::create_orders(&fake).run().await;
    ran.assert_exit(0);
    assert_eq!(ran.output("app-id"), id);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slug_from_the_server_cannot_plant_a_link_in_the_summary() {
    let fake = fake().await;
    let planted = "x)[Re-authenticate here](http:evil.example";
    fake.inject([Injected::Json {
        status: 201,
        body: serde_json::json!({"id": APP_ID, "currentVersionId": "v", "slug": planted})
            .to_string(),
    }]);
    let ran = step("release", &fake)
        .with("app-id", APP_ID)
        .with("organization-id", ORG_ID)
        .run()
        .await;
    ran.assert_exit(0);
    assert!(!ran.summary.contains("](http:evil"), "{}", ran.summary);
    assert!(
        ran.summary.contains("[Open the released app]("),
        "the link itself stays: {}",
        ran.summary
    );
}
