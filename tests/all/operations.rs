//! Each operation, end to end: the request ToolJet receives and the outputs a workflow gets.

use crate::support;

use harness::tooljet::{
    APP_ID, APP_SLUG, DRAFT_VERSION_ID, GIT_APP_NAME_NEW, ORG_ID, RELEASED_VERSION_ID, Settings,
};
use serde_json::{Value, json};
use support::{REPOSITORY, RUN_ID, fake, fake_with, step};

const PRIVATE_KEY_ESCAPED: &str = "-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEAtestkeyline1\\nAbCdEfGhIjKlMnOpline2\\n-----END RSA PRIVATE KEY-----";

#[tokio::test(flavor = "multi_thread")]
async fn push_sends_the_commit_message_to_the_version_push_route() {
    let fake = fake().await;
    let ran = step("push", &fake)
        .with("app-id", APP_ID)
        .with("version-id", DRAFT_VERSION_ID)
        .with("commit-message", "Add the orders table")
        .run()
        .await;
    ran.assert_exit(0);
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(
        requests[0].path,
        format!("/api/ext/apps/{APP_ID}/versions/{DRAFT_VERSION_ID}/git-sync/push")
    );
    assert_eq!(
        requests[0].authorization.as_deref(),
        Some("Basic test-token")
    );
    assert_eq!(
        requests[0].body,
        Some(json!({"commitMessage": "Add the orders table"}))
    );
    assert_eq!(
        fake.world().app(APP_ID).unwrap().commits,
        ["Add the orders table"]
    );
    assert_eq!(
        (ran.output("http-status"), ran.output("outcome")),
        ("201", "success")
    );
    assert_eq!(
        (ran.output("app-id"), ran.output("version-id")),
        (APP_ID, DRAFT_VERSION_ID)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn push_without_commit_message_names_repository_commit_and_run() {
    let fake = fake().await;
    let ran = step("push", &fake)
        .with("app-id", APP_ID)
        .with("version-name", "v2-draft")
        .run()
        .await;
    ran.assert_exit(0);
    let message = fake.world().app(APP_ID).unwrap().commits[0].clone();
    assert!(
        message.contains(&format!("{REPOSITORY}@3f78685")),
        "{message}"
    );
    assert!(
        message.contains(&format!("/actions/runs/{RUN_ID}")),
        "{message}"
    );
    assert!(fake.requests()[0].path.contains("/versions/v2-draft/"));
}

#[tokio::test(flavor = "multi_thread")]
async fn create_imports_the_app_with_create_mode_git_and_reports_its_new_id() {
    let fake = fake().await;
    let ran = support::create_orders(&fake)
        .with("git-branch", "main")
        .run()
        .await;
    ran.assert_exit(0);
    let request = &fake.requests()[0];
    assert_eq!(
        (request.path.as_str(), request.query.as_deref()),
        ("/api/ext/apps", Some("createMode=git"))
    );
    assert_eq!(
        request.body,
        Some(
            json!({"organizationId": ORG_ID, "gitAppName": GIT_APP_NAME_NEW, "gitBranchName": "main", "gitVersionId": "main"})
        )
    );
    let new_id = ran.output("app-id").to_owned();
    assert!(
        fake.world().app(&new_id).is_some(),
        "app-id output {new_id:?} names the created app"
    );
    assert_eq!(ran.output("http-status"), "201");
    let response: Value = serde_json::from_str(ran.output("response")).unwrap();
    assert_eq!(response["id"], json!(new_id));
}

#[tokio::test(flavor = "multi_thread")]
async fn pull_puts_to_the_app_with_create_mode_git_and_the_branch() {
    let fake = fake().await;
    let ran = step("pull", &fake)
        .with("app-id", APP_ID)
        .with("git-branch", "feature-x")
        .run()
        .await;
    ran.assert_exit(0);
    let request = &fake.requests()[0];
    assert_eq!(
        (request.method.as_str(), request.path.clone()),
        ("PUT", format!("/api/ext/apps/{APP_ID}"))
    );
    assert_eq!(
        request.query.as_deref(),
        Some("createMode=git&branchName=feature-x")
    );
    assert_eq!(request.body, None, "pull sends no body");
    assert_eq!(
        (ran.output("http-status"), ran.output("app-id")),
        ("200", APP_ID)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn save_version_saves_the_draft_under_the_given_name() {
    let fake = fake().await;
    let ran = step("save-version", &fake)
        .with("app-id", APP_SLUG)
        .with("version-name", "v2.0.0")
        .run()
        .await;
    ran.assert_exit(0);
    let request = &fake.requests()[0];
    assert_eq!(
        request.path,
        format!("/api/ext/apps/{APP_SLUG}/versions/save")
    );
    assert_eq!(request.body, Some(json!({"name": "v2.0.0"})));
    assert_eq!(
        (ran.output("version-id"), ran.output("app-id")),
        (DRAFT_VERSION_ID, APP_ID)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn release_by_version_name_makes_it_live_in_production() {
    let fake = fake().await;
    let ran = step("release", &fake)
        .with("app-id", APP_ID)
        .with("version-name", "v1")
        .run()
        .await;
    ran.assert_exit(0);
    let request = &fake.requests()[0];
    assert_eq!(
        request.path,
        format!("/api/ext/apps/{APP_ID}/git-sync/release")
    );
    assert_eq!(request.body, Some(json!({"versionName": "v1"})));
    assert_eq!(ran.output("version-id"), RELEASED_VERSION_ID);
    assert_eq!(ran.output("environment"), "production");
}

#[tokio::test(flavor = "multi_thread")]
async fn release_without_a_version_asks_for_the_latest_git_tag() {
    let fake = fake().await;
    let ran = step("release", &fake).with("app-id", APP_ID).run().await;
    ran.assert_exit(0);
    assert_eq!(fake.requests()[0].body, Some(json!({})));
}

#[tokio::test(flavor = "multi_thread")]
async fn promote_moves_the_app_one_environment_up_and_reports_it() {
    let fake = fake().await;
    let created = support::create_orders(&fake).run().await;
    let app_id = created.output("app-id").to_owned();
    // An import brings a draft: saved, it can be promoted.
    fake.world().save_draft(&app_id, "v1");
    let ran = step("promote", &fake).with("app-id", &app_id).run().await;
    ran.assert_exit(0);
    let request = fake.requests().pop().unwrap();
    assert_eq!(
        (request.path, request.body),
        (format!("/api/ext/apps/{app_id}/promote"), None)
    );
    assert_eq!(ran.output("environment"), "staging");
}

#[tokio::test(flavor = "multi_thread")]
async fn configure_git_sends_the_github_app_with_a_real_pem_key() {
    let fake = fake().await;
    let ran = support::configure_git(&fake, PRIVATE_KEY_ESCAPED)
        .run()
        .await;
    ran.assert_exit(0);
    let request = &fake.requests()[0];
    assert_eq!(request.path, "/api/ext/organizations/git");
    let body = request.body.clone().unwrap();
    assert_eq!(
        body["githubAppId"],
        json!("123456"),
        "ids are sent as JSON strings"
    );
    assert_eq!(
        body["githubAppPrivateKey"]
            .as_str()
            .unwrap()
            .lines()
            .count(),
        4,
        "escaped newlines restored"
    );
    assert_eq!(ran.output("http-status"), "201");
}

#[tokio::test(flavor = "multi_thread")]
async fn configure_git_retries_once_at_the_singular_path_of_older_instances() {
    let fake = fake_with(Settings {
        singular_org_git_route: true,
        ..Settings::default()
    })
    .await;
    let ran = support::configure_git(&fake, PRIVATE_KEY_ESCAPED)
        .run()
        .await;
    ran.assert_exit(0);
    let paths: Vec<String> = fake.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        ["/api/ext/organizations/git", "/api/ext/organization/git"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sub_path_in_the_url_is_kept() {
    let fake = fake_with(Settings {
        sub_path: "/tooljet".into(),
        ..Settings::default()
    })
    .await;
    let ran = step("pull", &fake).with("app-id", APP_ID).run().await;
    ran.assert_exit(0);
    assert_eq!(
        fake.requests()[0].path,
        format!("/tooljet/api/ext/apps/{APP_ID}")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn create_by_git_app_id_sends_the_pages_gitappid() {
    let fake = fake().await;
    let ran = step("create", &fake)
        .with("organization-id", ORG_ID)
        .with("git-app-id", harness::tooljet::GIT_APP_ID_NEW)
        .run()
        .await;
    ran.assert_exit(0);
    assert_eq!(
        fake.requests()[0].body,
        Some(json!({"organizationId": ORG_ID, "gitAppId": harness::tooljet::GIT_APP_ID_NEW}))
    );
    assert!(fake.world().app(ran.output("app-id")).is_some());
}
