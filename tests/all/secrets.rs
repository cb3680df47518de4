//! Secrets are masked before anything else is printed and never shown, even at debug level.

use crate::support;

use harness::tooljet::{APP_ID, Settings};
use support::{fake, fake_with, step};

const TOKEN: &str = "tj-secret-token-8e1f0c";
const KEY_LINE_1: &str = "MIIEowIBAAKCAQEAsecretline1";
const KEY_LINE_2: &str = "ZmFrZWtleXNlY3JldGxpbmUy";

fn token_fake() -> Settings {
    Settings {
        token: TOKEN.to_owned(),
        ..Settings::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_token_is_masked_first_and_never_shown_at_debug_level() {
    let fake = fake_with(token_fake()).await;
    let ran = step("release", &fake)
        .with("access-token", TOKEN)
        .with("app-id", APP_ID)
        .env("RUNNER_DEBUG", "1")
        .run()
        .await;
    ran.assert_exit(0);
    assert!(
        ran.stderr.contains("DEBUG"),
        "debug detail is on: {}",
        ran.stderr
    );
    let mut first: Vec<&str> = ran.stdout.lines().take(2).collect();
    first.sort_unstable();
    assert_eq!(
        first,
        [
            format!("::add-mask::Basic {TOKEN}"),
            format!("::add-mask::{TOKEN}")
        ]
    );
    ran.assert_hidden(TOKEN);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_token_is_not_shown_in_the_error() {
    let fake = fake().await;
    let ran = support::push_v1(&fake)
        .with("access-token", TOKEN)
        .env("RUNNER_DEBUG", "1")
        .run()
        .await;
    ran.assert_exit(1);
    ran.assert_hidden(TOKEN);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_given_with_the_basic_prefix_is_masked_and_refused() {
    let fake = fake().await;
    let ran = step("pull", &fake)
        .with("access-token", &format!("Basic {TOKEN}"))
        .with("app-id", APP_ID)
        .run()
        .await;
    ran.assert_exit(2);
    assert!(ran.masks().iter().any(|m| m.contains(TOKEN)));
    ran.assert_hidden(TOKEN);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_line_of_the_private_key_is_masked_and_hidden() {
    let fake = fake().await;
    let key = format!(
        "-----BEGIN RSA PRIVATE KEY-----\\n{KEY_LINE_1}\\n{KEY_LINE_2}\\n-----END RSA PRIVATE KEY-----"
    );
    let ran = support::configure_git(&fake, &key)
        .env("RUNNER_DEBUG", "1")
        .run()
        .await;
    ran.assert_exit(0);
    let masks = ran.masks();
    for line in [KEY_LINE_1, KEY_LINE_2] {
        assert!(
            masks.iter().any(|m| m == line),
            "line {line} masked on its own: {masks:?}"
        );
        ran.assert_hidden(line);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_private_key_is_refused_without_echoing_it() {
    let fake = fake().await;
    let ran = support::configure_git(&fake, KEY_LINE_1).run().await;
    ran.assert_exit(2);
    assert!(
        ran.error()
            .contains("input `github-app-private-key` is not a PEM private key")
    );
    ran.assert_hidden(KEY_LINE_1);
}

#[tokio::test(flavor = "multi_thread")]
async fn outside_github_no_mask_command_prints_the_token() {
    let fake = fake_with(token_fake()).await;
    let ran = step("pull", &fake)
        .with("access-token", TOKEN)
        .with("app-id", APP_ID)
        .outside_github()
        .run()
        .await;
    ran.assert_exit(0);
    ran.assert_hidden(TOKEN);
}

#[tokio::test(flavor = "multi_thread")]
async fn tooljets_words_in_the_log_cannot_become_workflow_commands() {
    let fake = fake().await;
    let hostile =
        "Service Unavailable\n::add-mask::test-token-is-not-this\n::set-output name=app-id::evil";
    fake.inject([harness::tooljet::Injected::Status {
        status: 503,
        retry_after: Some("0".into()),
        message: Some(hostile.into()),
    }]);
    let ran = step("pull", &fake).with("app-id", APP_ID).run().await;
    ran.assert_exit(0);
    assert!(
        ran.stderr.contains("Service Unavailable ⏎ ::add-mask::"),
        "the retry is logged, folded: {}",
        ran.stderr
    );
    assert_eq!(
        ran.masks().len(),
        2,
        "only the token's own masks: {:?}",
        ran.masks()
    );
    assert!(
        ran.commands().iter().all(|c| c.name != "set-output"),
        "{}",
        ran.log()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_with_a_non_ascii_character_is_an_input_error_not_a_panic() {
    // The é spans bytes 5 and 6: a byte slice at 6 once panicked and printed the token.
    let token = "s3cr3é-token";
    let fake = fake().await;
    let ran = step("pull", &fake)
        .with("access-token", token)
        .with("app-id", APP_ID)
        .outside_github()
        .run()
        .await;
    ran.assert_exit(2);
    assert!(
        ran.stderr
            .contains("variable `INPUT_ACCESS-TOKEN` contains"),
        "{}",
        ran.log()
    );
    assert!(
        ran.stdout.contains(r#""outcome":"failure""#),
        "{}",
        ran.log()
    );
    assert!(!ran.log().contains(token), "{}", ran.log());
    assert!(fake.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_panic_shows_where_it_happened_never_its_message_and_still_writes_outcome() {
    let fake = fake().await;
    for on_github in [true, false] {
        let mut step = step("pull", &fake)
            .with("access-token", TOKEN)
            .with("app-id", APP_ID)
            .env(
                "TOOLJET_ACTION_PANIC_FOR_TESTS",
                &format!("the token is {TOKEN}"),
            );
        if !on_github {
            step = step.outside_github();
        }
        let ran = step.run().await;
        ran.assert_exit(1);
        // Off GitHub nothing masks the log: the message itself must never be printed.
        ran.assert_hidden(TOKEN);
        assert!(
            ran.log().contains("internal error at src/"),
            "{}",
            ran.log()
        );
        if on_github {
            ran.assert_error_contains("Nothing was sent to ToolJet");
            assert_eq!(ran.output("outcome"), "failure");
        } else {
            assert!(
                ran.stdout.contains(r#"{"outcome":"failure"}"#),
                "{}",
                ran.log()
            );
        }
    }
}
