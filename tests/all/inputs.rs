//! Bad input fails the step with exit code 2 and an error naming the input, before any
//! request reaches ToolJet.

use crate::support;

use harness::tooljet::{APP_ID, FakeToolJet};
use support::{Ran, fake, step};

async fn refused(step: support::Step, fake: &FakeToolJet) -> Ran {
    let ran = step.run().await;
    ran.assert_exit(2);
    assert!(
        fake.requests().is_empty(),
        "nothing may be sent for bad input: {:?}",
        fake.requests()
    );
    ran.assert_error_contains("Nothing was sent to ToolJet");
    ran
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_operation_lists_the_choices() {
    let fake = fake().await;
    let ran = refused(step("", &fake), &fake).await;
    assert!(
        ran.error()
            .contains("input `operation` is required; choose one of: configure-git, push, create")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_operation_is_named() {
    let fake = fake().await;
    let ran = refused(step("deploy", &fake), &fake).await;
    ran.assert_error_contains("input `operation` has an unknown value \"deploy\"");
}

#[tokio::test(flavor = "multi_thread")]
async fn each_operation_names_the_input_it_misses() {
    let fake = fake().await;
    let cases = [
        ("push", "app-id"),
        ("pull", "app-id"),
        ("save-version", "app-id"),
        ("release", "app-id"),
        ("promote", "app-id"),
        ("create", "organization-id"),
        ("configure-git", "git-url"),
    ];
    for (operation, input) in cases {
        let ran = refused(step(operation, &fake), &fake).await;
        assert!(
            ran.error()
                .contains(&format!("input `{input}` is required for `{operation}`")),
            "{operation}: {}",
            ran.error()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn push_without_a_version_says_so() {
    let fake = fake().await;
    let ran = refused(step("push", &fake).with("app-id", APP_ID), &fake).await;
    ran.assert_error_contains("input `version-id` is required for `push`");
}

#[tokio::test(flavor = "multi_thread")]
async fn create_needs_the_git_app() {
    let fake = fake().await;
    let step = step("create", &fake).with("organization-id", harness::tooljet::ORG_ID);
    let ran = refused(step, &fake).await;
    ran.assert_error_contains("`git-app-name` or `git-app-id` is required");
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_url_and_token_mention_the_environment_fallbacks() {
    let fake = fake().await;
    let ran = refused(
        step("pull", &fake)
            .with("tooljet-url", "")
            .with("app-id", APP_ID),
        &fake,
    )
    .await;
    ran.assert_error_contains("TOOLJET_HOST");
    let ran = refused(
        step("pull", &fake)
            .with("access-token", "")
            .with("app-id", APP_ID),
        &fake,
    )
    .await;
    ran.assert_error_contains("TOOLJET_ACCESS_TOKEN");
}

#[tokio::test(flavor = "multi_thread")]
async fn url_and_token_can_come_from_the_environment() {
    let fake = fake().await;
    let ran = step("pull", &fake)
        .with("tooljet-url", "")
        .with("access-token", "")
        .with("app-id", APP_ID)
        .env("TOOLJET_HOST", &fake.url())
        .env("TOOLJET_ACCESS_TOKEN", "test-token")
        .run()
        .await;
    ran.assert_exit(0);
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_version_name_is_refused_by_tooljets_rules() {
    let fake = fake().await;
    let step = step("save-version", &fake)
        .with("app-id", APP_ID)
        .with("version-name", "release 1");
    let ran = refused(step, &fake).await;
    ran.assert_error_contains("input `version-name` contains ' '");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_url_timeout_and_git_url_are_named() {
    let fake = fake().await;
    let cases = [
        (
            step("pull", &fake)
                .with("app-id", APP_ID)
                .with("tooljet-url", "tooljet.example.com"),
            "tooljet-url",
        ),
        (
            step("pull", &fake)
                .with("app-id", APP_ID)
                .with("timeout-seconds", "soon"),
            "timeout-seconds",
        ),
        (
            step("configure-git", &fake).with("git-url", "git@github.com:acme/apps.git"),
            "git-url",
        ),
    ];
    for (step, input) in cases {
        let ran = refused(step, &fake).await;
        ran.assert_error_contains(&format!("input `{input}`"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn input_errors_also_reach_the_step_summary() {
    let fake = fake().await;
    let ran = refused(step("push", &fake), &fake).await;
    assert!(ran.summary.contains("not started"), "{}", ran.summary);
    assert!(
        ran.summary
            .contains("input \\`app-id\\` is required for \\`push\\`"),
        "{}",
        ran.summary
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_input_error_still_writes_outcome_and_operation_for_later_steps() {
    let fake = fake().await;
    let ran = refused(step("push", &fake), &fake).await;
    assert_eq!(
        (ran.output("operation"), ran.output("outcome")),
        ("push", "failure")
    );
    let ran = refused(step("deploy", &fake), &fake).await;
    assert_eq!(
        (ran.output("operation"), ran.output("outcome")),
        ("", "failure"),
        "no operation is named when the operation itself is wrong"
    );
}
