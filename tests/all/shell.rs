//! The binary run by hand from a plain shell, as GitLab CI, Jenkins or a terminal run it: the
//! operation and inputs as flags, the token from the environment or a file, the outputs as one
//! JSON object on stdout.

use harness::tooljet::{APP_ID, ORG_ID, Settings};
use serde_json::Value;

use crate::support::fake;

/// The binary with `args`, a clean environment but for `env`, no GitHub variables.
async fn shell(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_tooljet-gitsync-action"));
    command.args(args).env_clear().envs(env.iter().copied());
    tokio::time::timeout(crate::support::STEP_BOUND, command.output())
        .await
        .expect("the command ends")
        .expect("the binary runs")
}

fn token() -> String {
    Settings::default().token
}

fn outputs(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON object")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deploy_runs_from_flags_with_the_token_from_the_environment() {
    let fake = fake().await;
    let (url, token) = (fake.url(), token());
    let args = [
        "deploy",
        "--tooljet-url",
        &url,
        "--app-name",
        "Inventory",
        "--workspace=Acme",
        "--version-name",
        "v1",
    ];
    let out = shell(&args, &[("TOOLJET_ACCESS_TOKEN", &token)]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let outputs = outputs(&out);
    assert_eq!(
        (outputs["operation"].as_str(), outputs["outcome"].as_str()),
        (Some("deploy"), Some("success"))
    );
    assert_eq!(outputs["app-id"], APP_ID);
}

#[tokio::test(flavor = "multi_thread")]
async fn repeated_app_flags_run_each_app_and_the_token_can_come_from_a_file() {
    let fake = fake().await;
    let other = fake.world().add_app("Orders");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, format!("{}\n", token())).unwrap();
    let (url, file) = (fake.url(), file.display().to_string());
    let args = [
        "pull",
        "--tooljet-url",
        &url,
        "--access-token-file",
        &file,
        "--app-id",
        APP_ID,
        "--app-id",
        &other,
    ];
    let out = shell(&args, &[]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(outputs(&out)["app-id"], format!("{APP_ID}\n{other}"));
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_token_as_a_flag_is_refused_and_never_echoed() {
    let fake = fake().await;
    let url = fake.url();
    let out = shell(
        &[
            "pull",
            "--tooljet-url",
            &url,
            "--app-id",
            APP_ID,
            "--access-token",
            "s3cr3t-flag",
        ],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--access-token is never given a secret as its value"),
        "{stderr}"
    );
    assert!(stderr.contains("--access-token-file"), "{stderr}");
    assert!(
        !stderr.contains("s3cr3t-flag")
            && !String::from_utf8_lossy(&out.stdout).contains("s3cr3t-flag")
    );
    assert!(fake.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flag_and_a_variable_that_disagree_are_refused_naming_both() {
    let fake = fake().await;
    let (url, token) = (fake.url(), token());
    let out = shell(
        &["pull", "--tooljet-url", &url, "--app-id", APP_ID],
        &[
            ("TOOLJET_ACCESS_TOKEN", &token),
            ("INPUT_APP_ID", "another-app"),
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "flag `--app-id` is given twice with different values, as --app-id and INPUT_APP_ID: \
             set one of them. Nothing was sent"
        ),
        "{stderr}"
    );
    assert!(fake.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn off_github_an_input_error_names_the_flag_to_who_used_flags() {
    let fake = fake().await;
    let (url, token) = (fake.url(), token());
    let out = shell(
        &[
            "deploy",
            "--tooljet-url",
            &url,
            "--app-name",
            "Inventory",
            "--organization-id",
            ORG_ID,
        ],
        &[("TOOLJET_ACCESS_TOKEN", &token)],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("flag `--version-name` (or `--git-tag`) is required for `deploy`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Set it with --version-name <value>. Nothing was sent"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_flag_gets_did_you_mean_and_exit_two() {
    let out = shell(&["pull", "--app-nmae", "Inventory"], &[]).await;
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "\"--app-nmae\" is not an argument of this action (did you mean --app-name?)"
        ),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dotenv_file_holds_the_outputs_for_later_jobs_and_is_written_on_failure_too() {
    let fake = fake().await;
    let dir = tempfile::tempdir().unwrap();
    let dotenv = dir.path().join("tooljet.env");
    let (url, token, dotenv_path) = (fake.url(), token(), dotenv.display().to_string());
    let env = [
        ("TOOLJET_ACCESS_TOKEN", token.as_str()),
        ("TOOLJET_DOTENV", dotenv_path.as_str()),
    ];
    let args = ["release", "--tooljet-url", &url, "--app-id", APP_ID];
    let out = shell(&args, &env).await;
    assert_eq!(out.status.code(), Some(0));
    let text = std::fs::read_to_string(&dotenv).unwrap();
    for line in [
        "TOOLJET_GITSYNC_OPERATION=release",
        "TOOLJET_GITSYNC_OUTCOME=success",
        "TOOLJET_GITSYNC_HTTP_STATUS=201",
        &format!("TOOLJET_GITSYNC_APP_ID={APP_ID}"),
    ] {
        assert!(text.lines().any(|got| got == line), "{line} in {text}");
    }
    assert!(
        !text.contains("RESPONSE") && !text.contains("RESULTS"),
        "{text}"
    );
    assert_eq!(outputs(&out)["outcome"], "success", "stdout keeps the JSON");

    let out = shell(&["release", "--tooljet-url", &url], &env).await;
    assert_eq!(out.status.code(), Some(2));
    let text = std::fs::read_to_string(&dotenv).unwrap();
    assert_eq!(
        text, "TOOLJET_GITSYNC_OPERATION=release\nTOOLJET_GITSYNC_OUTCOME=failure\n",
        "written afresh, not appended to the earlier run's"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reader_of_stdout_that_went_away_fails_the_step_without_a_panic() {
    let fake = fake().await;
    let (reader, writer) = std::io::pipe().expect("a pipe");
    // The reader goes away first, as `| head -c 0` would.
    drop(reader);
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_tooljet-gitsync-action"));
    command
        .args(["pull", "--tooljet-url", &fake.url(), "--app-id", APP_ID])
        .env_clear()
        .env("TOOLJET_ACCESS_TOKEN", token())
        .stdout(writer)
        .stderr(std::process::Stdio::piped());
    let child = command.spawn().expect("the binary runs");
    // Its own copy of the pipe's writing end closed: only the child holds one.
    drop(command);
    let out = tokio::time::timeout(crate::support::STEP_BOUND, child.wait_with_output())
        .await
        .expect("the command ends")
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("Could not write the step outputs: stdout: Broken pipe"),
        "{stderr}"
    );
    let logged = stderr
        .lines()
        .find_map(|line| line.strip_prefix("Step outputs: "))
        .expect("the outputs on stderr instead");
    let outputs: Value = serde_json::from_str(logged).expect("one JSON object");
    assert_eq!(outputs["outcome"], "success");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_refused_for_every_app_is_one_error_naming_the_variable_that_gave_it() {
    let fake = fake().await;
    let other = fake.world().add_app("Orders");
    let url = fake.url();
    let args = [
        "pull",
        "--tooljet-url",
        &url,
        "--app-id",
        APP_ID,
        "--app-id",
        &other,
    ];
    let out = shell(&args, &[("TOOLJET_ACCESS_TOKEN", "not-the-token")]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].contains(&format!("ToolJet pull failed for {APP_ID} and {other}")),
        "{}",
        errors[0]
    );
    assert!(
        stderr.contains("Hint: The access token was refused. `TOOLJET_ACCESS_TOKEN` must equal"),
        "{stderr}"
    );
    assert!(!stderr.contains("--access-token-file"), "{stderr}");
}
