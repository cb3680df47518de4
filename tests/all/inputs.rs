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
    assert!(ran.error().contains(
        "input `operation` is required; choose one of: deploy, check, apply, diff, configure-git, push, \
         create"
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_operation_is_named() {
    let fake = fake().await;
    let ran = refused(step("rollout", &fake), &fake).await;
    ran.assert_error_contains("input `operation` has an unknown value \"rollout\"");
}

#[tokio::test(flavor = "multi_thread")]
async fn each_operation_names_the_input_it_misses() {
    let fake = fake().await;
    let cases = [
        ("pull", "input `app-id` is required"),
        ("save-version", "input `app-id` is required"),
        ("release", "input `app-id` is required"),
        ("promote", "input `app-id` is required"),
        (
            "push",
            "inputs `app-id` (or `app-name`) and `version-id` (or `version-name`) are required",
        ),
        (
            "create",
            "inputs `organization-id` (or `workspace`) and `git-app-name` (or `git-app-id`) are \
             required",
        ),
        (
            "configure-git",
            "inputs `organization-id` (or `workspace`), `git-url`, `branch-name`,",
        ),
    ];
    for (operation, says) in cases {
        let ran = refused(step(operation, &fake), &fake).await;
        assert!(
            ran.error().contains(says) && ran.error().contains(&format!(" for `{operation}`")),
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
async fn the_steps_own_url_wins_over_a_job_wide_tooljet_host_with_a_notice_naming_it() {
    let fake = fake().await;
    let elsewhere = "https://tooljet-elsewhere.example.com";
    let ran = step("pull", &fake)
        .with("app-id", APP_ID)
        .env("TOOLJET_HOST", elsewhere)
        .run()
        .await;
    ran.assert_exit(0);
    assert!(!fake.requests().is_empty(), "the step's URL was called");
    let notices = ran.annotations("notice");
    let notice = notices
        .iter()
        .find(|notice| notice.properties["title"] == "Variable not used")
        .unwrap_or_else(|| panic!("a notice\n{}", ran.log()));
    assert_eq!(
        notice.data,
        "the TOOLJET_HOST variable is set but not used: `tooljet-url` is given for this step, \
         and wins over it."
    );
    assert!(!ran.log().contains(elsewhere), "{}", ran.log());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_variable_the_steps_own_token_wins_over_is_still_masked_and_scrubbed() {
    let fake = fake().await;
    let unused = "another-instances-token";
    fake.inject([support::status_saying(
        400,
        &format!("token {unused} is not this instance's"),
    )]);
    let ran = step("pull", &fake)
        .with("app-id", APP_ID)
        .env("TOOLJET_ACCESS_TOKEN", unused)
        .run()
        .await;
    ran.assert_exit(1);
    assert!(
        ran.masks().iter().any(|mask| mask == unused),
        "{}",
        ran.log()
    );
    ran.assert_hidden(unused);
    assert!(
        ran.annotations("notice").iter().any(|notice| notice
            .data
            .starts_with("the TOOLJET_ACCESS_TOKEN variable is set")),
        "{}",
        ran.log()
    );
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
            support::configure_git(
                &fake,
                "-----BEGIN RSA PRIVATE KEY-----\\nk\\n-----END RSA PRIVATE KEY-----",
            )
            .with("git-url", "git@github.com:acme/apps.git"),
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
    let ran = refused(step("push", &fake).with("app-id", APP_ID), &fake).await;
    assert!(ran.summary.contains("not started"), "{}", ran.summary);
    assert!(
        ran.summary
            .contains("input \\`version-id\\` is required for \\`push\\`"),
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
    let ran = refused(step("rollout", &fake), &fake).await;
    assert_eq!(
        (ran.output("operation"), ran.output("outcome")),
        ("", "failure"),
        "no operation is named when the operation itself is wrong"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_missing_input_is_named_at_once() {
    let fake = fake().await;
    let ran = refused(
        step("configure-git", &fake).with("branch-name", "main"),
        &fake,
    )
    .await;
    ran.assert_error_contains(
        "inputs `organization-id` (or `workspace`), `git-url`, `github-app-id`, `github-app-installation-id` and \
         `github-app-private-key` are required for `configure-git` but were not given",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_likely_typo_of_the_operation_says_what_was_meant() {
    let fake = fake().await;
    let ran = refused(step("relase", &fake).with("app-id", APP_ID), &fake).await;
    ran.assert_error_contains("has an unknown value \"relase\"; did you mean `release`?");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pasted_browser_address_gets_the_url_to_use() {
    let fake = fake().await;
    let pasted = format!("https://tooljet.example.com/acme/apps/{APP_ID}");
    let ran = refused(
        step("pull", &fake)
            .with("tooljet-url", &pasted)
            .with("app-id", APP_ID),
        &fake,
    )
    .await;
    ran.assert_error_contains(
        "is the address of a page in ToolJet's web app, not the instance's base URL: use https://tooljet.example.com",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_input_the_operation_does_not_use_is_named_in_a_warning() {
    let fake = fake().await;
    let ran = step("pull", &fake)
        .with("app-id", APP_ID)
        .with("version-id", "v1")
        .with("commit-message", "ignored")
        .run()
        .await;
    ran.assert_exit(0);
    let warnings: Vec<String> = ran
        .annotations("warning")
        .into_iter()
        .filter(|w| w.properties["title"] == "Input not used")
        .map(|w| w.data)
        .collect();
    assert_eq!(
        warnings,
        [
            "input `version-id` is not used by `pull` and was ignored; remove it, or check the operation.",
            "input `commit-message` is not used by `pull` and was ignored; remove it, or check the operation.",
        ]
    );
}

#[test]
fn an_unknown_command_line_argument_is_refused_by_name() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tooljet-gitsync-action"))
        .arg("--bogus")
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("\"--bogus\" is not an argument of this action"),
        "{stderr}"
    );
    assert!(!stderr.contains("input `operation`"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_input_set_with_underscores_is_read_as_with_hyphens() {
    // `export INPUT_APP_ID=…` from a shell, or a GitLab CI/CD variable, cannot hold a hyphen.
    let fake = fake().await;
    let ran = step("pull", &fake).env("INPUT_APP_ID", APP_ID).run().await;
    ran.assert_exit(0);
    assert_eq!(ran.output("app-id"), APP_ID);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_input_set_both_ways_with_different_values_is_refused_naming_both() {
    let fake = fake().await;
    let ran = step("pull", &fake)
        .with("app-id", APP_ID)
        .env("INPUT_APP_ID", "another-app")
        .run()
        .await;
    ran.assert_exit(2);
    ran.assert_error_contains(
        "input `app-id` is given twice with different values, as INPUT_APP-ID and INPUT_APP_ID",
    );
    assert!(fake.requests().is_empty());
}
