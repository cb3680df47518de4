//! Slips a person makes typing inputs stop the step before anything is sent, with an error
//! that names the input the way that person gave it: a mistyped variable, a flag where a value
//! belongs, a token typed where a word or a path belongs, one input given two ways.

use harness::tooljet::{APP_ID, Settings};

use crate::support::{fake, step, writes};

/// The binary with `args` and only `env`, as a shell, GitLab CI or Jenkins runs it.
async fn run(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_tooljet-gitsync-action"));
    command.args(args).env_clear().envs(env.iter().copied());
    let out = tokio::time::timeout(crate::support::STEP_BOUND, command.output())
        .await
        .expect("the command ends")
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs the binary as `run` does and returns its stderr, after checking that it stopped with
/// exit code 2: an input slip, refused before any request.
async fn refused(args: &[&str], env: &[(&str, &str)]) -> String {
    let (code, _, stderr) = run(args, env).await;
    assert_eq!(code, 2, "{stderr}");
    stderr
}

fn token() -> String {
    Settings::default().token
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mistyped_input_variable_off_github_stops_the_step_naming_the_input_it_is_close_to() {
    let fake = fake().await;
    let (url, token) = (fake.url(), token());
    let env = [
        ("INPUT_OPERATION", "release"),
        ("INPUT_TOOLJET_URL", url.as_str()),
        ("INPUT_APP_ID", APP_ID),
        ("INPUT_DRYRUN", "true"),
        ("TOOLJET_ACCESS_TOKEN", token.as_str()),
    ];
    let (code, stdout, stderr) = run(&[], &env).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "INPUT_DRYRUN is set, but it is no input of this action; did you mean \
             `INPUT_DRY_RUN`? Set the variable"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("?."), "{stderr}");
    assert!(
        stdout.contains("\"operation\":\"release\""),
        "the operation was valid: {stdout}"
    );
    assert!(fake.requests().is_empty(), "nothing was sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn on_github_an_undeclared_input_is_a_warning() {
    let fake = fake().await;
    let ran = step("release", &fake)
        .with("app-id", APP_ID)
        .env("INPUT_DRYRUN", "true")
        .run()
        .await;
    ran.assert_exit(0);
    let warnings = ran.annotations("warning");
    assert!(
        warnings
            .iter()
            .any(|w| w.data.contains("INPUT_DRYRUN is set") && w.data.contains("`dry-run`")),
        "{}",
        ran.log()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flag_where_a_value_belongs_is_a_missing_value_and_nothing_is_deployed() {
    let fake = fake().await;
    let (url, token) = (fake.url(), token());
    // `--version-name $CI_COMMIT_TAG` with the tag empty and unquoted.
    let args = [
        "deploy",
        "--tooljet-url",
        &url,
        "--workspace",
        "Acme",
        "--app-name",
        "Inventory",
        "--version-name",
        "--dry-run=true",
    ];
    let stderr = refused(&args, &[("TOOLJET_ACCESS_TOKEN", &token)]).await;
    assert!(
        stderr.contains("has no value after --version-name: --dry-run=true is a flag of its own"),
        "{stderr}"
    );
    assert!(fake.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bare_switch_is_true() {
    let fake = fake().await;
    let (url, token) = (fake.url(), token());
    let args = [
        "release",
        "--tooljet-url",
        &url,
        "--app-id",
        APP_ID,
        "--version-name",
        "v1",
        "--dry-run",
    ];
    let (code, stdout, stderr) = run(&args, &[("TOOLJET_ACCESS_TOKEN", &token)]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("\"outcome\":\"success\""), "{stdout}");
    assert_eq!(writes(&fake).len(), 0, "a dry run sends no write");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_flag_ends_its_error_once() {
    let stderr = refused(&["pull", "--app-nmae", "Inventory"], &[]).await;
    assert!(!stderr.contains(". ."), "{stderr}");
    assert!(
        stderr.contains("(see --help). Nothing was sent to ToolJet."),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_given_as_a_flag_gets_its_advice_once() {
    let stderr = refused(&["pull", "--access-token", "s3cr3t-value"], &[]).await;
    assert_eq!(
        stderr.matches("TOOLJET_ACCESS_TOKEN").count(),
        1,
        "{stderr}"
    );
    assert!(!stderr.contains("s3cr3t-value"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_typed_where_a_word_belongs_is_never_echoed() {
    let fake = fake().await;
    let token = token();
    for (operation, input, value) in [
        ("", "operation", token.clone()),
        ("save-version", "version-name", format!("{token} v2")),
        ("release", "dry-run", token.clone()),
        ("release", "ca-certificate", token.clone()),
    ] {
        let base = match operation {
            "" => crate::support::bare()
                .with("tooljet-url", &fake.url())
                .with("access-token", &token),
            operation => step(operation, &fake).with("app-id", APP_ID),
        };
        let ran = base.with(input, &value).run().await;
        ran.assert_exit(2);
        ran.assert_hidden(&token);
    }
    assert!(fake.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_typed_as_the_path_of_the_token_file_is_never_echoed() {
    let (code, stdout, stderr) = run(
        &["pull", "--access-token-file", "s3cr3t-typed-as-a-path"],
        &[],
    )
    .await;
    assert_eq!(code, 2);
    assert!(stderr.contains("there is no such file"), "{stderr}");
    assert!(
        !format!("{stdout}{stderr}").contains("s3cr3t-typed"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_token_file_never_falls_back_to_the_token_variable() {
    let fake = fake().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, "").unwrap();
    let (url, token, file) = (fake.url(), token(), file.display().to_string());
    let args = [
        "pull",
        "--tooljet-url",
        &url,
        "--app-id",
        APP_ID,
        "--access-token-file",
        &file,
    ];
    let stderr = refused(&args, &[("TOOLJET_ACCESS_TOKEN", &token)]).await;
    assert!(
        stderr.contains("in the file given to --access-token-file is empty"),
        "{stderr}"
    );
    assert!(fake.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_file_wins_over_the_token_variable_which_is_named_but_never_shown() {
    let fake = fake().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, token()).unwrap();
    let (url, file) = (fake.url(), file.display().to_string());
    let args = [
        "pull",
        "--tooljet-url",
        &url,
        "--app-id",
        APP_ID,
        "--access-token-file",
        &file,
    ];
    let (code, stdout, stderr) = run(
        &args,
        &[("TOOLJET_ACCESS_TOKEN", "another-instances-token")],
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(
            "the TOOLJET_ACCESS_TOKEN variable is set but not used: `--access-token-file` is \
             given for this step, and wins over it."
        ),
        "{stderr}"
    );
    assert!(
        !format!("{stdout}{stderr}").contains("another-instances"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_value_that_is_not_utf8_names_the_flag_it_belongs_to() {
    use std::os::unix::ffi::OsStrExt;
    let fake = fake().await;
    let url = fake.url();
    let bad = std::ffi::OsStr::from_bytes(b"release/\xff1");
    let args = [
        "deploy",
        "--tooljet-url",
        &url,
        "--workspace",
        "Acme",
        "--app-name",
        "Inventory",
        "--git-branch",
    ]
    .map(std::ffi::OsStr::new);
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_tooljet-gitsync-action"))
        .args(args)
        .arg(bad)
        .env_clear()
        .output()
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("flag `--git-branch` has a value that is not UTF-8 text"),
        "{stderr}"
    );
    assert!(!stderr.contains("argument 9"), "{stderr}");
    assert!(fake.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_word_after_a_switch_is_that_switchs_value_and_named_with_it() {
    let (code, stdout, stderr) = run(&["check", "--fail-on-drift", "maybe"], &[]).await;
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.contains("\"operation\":\"check\""), "{stdout}");
    assert!(
        stderr.contains(
            "flag `--fail-on-drift` takes true or false (or nothing, for true), not \"maybe\". \
             Nothing was sent"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("is not an argument"), "{stderr}");
    let stderr = refused(&["--dry-run", "deploy", "--app-name", "Inventory"], &[]).await;
    assert!(
        stderr.contains("not \"deploy\"; the operation comes first: deploy --dry-run"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_gitlab_template_and_the_jenkins_step_are_told_their_own_names() {
    let fake = fake().await;
    let url = fake.url();
    for (caller, named, how) in [
        (
            "gitlab-template",
            "input `version-name` (or `git-tag`) is required",
            "Set the template input `version-name` (or the CI/CD variable INPUT_VERSION_NAME)",
        ),
        (
            "jenkins-step",
            "argument `versionName` (or `gitTag`) is required",
            "Give the step `versionName:`",
        ),
    ] {
        let env = [
            ("TOOLJET_GITSYNC_CALLER", caller),
            ("INPUT_OPERATION", "deploy"),
            ("INPUT_TOOLJET_URL", url.as_str()),
            ("INPUT_WORKSPACE", "Acme"),
            ("INPUT_APP_NAME", "Inventory"),
            ("TOOLJET_ACCESS_TOKEN", "test-token"),
        ];
        let stderr = refused(&[], &env).await;
        assert!(stderr.contains(named), "{caller}: {stderr}");
        assert!(stderr.contains(how), "{caller}: {stderr}");
        assert!(
            !stderr.contains("--"),
            "{caller} is told of no flag: {stderr}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shell_that_set_variables_is_told_the_variable_not_a_flag() {
    let env = [
        ("INPUT_OPERATION", "deploy"),
        ("INPUT_TOOLJET_URL", "https://tooljet.example.com"),
        ("INPUT_WORKSPACE", "Acme"),
        ("INPUT_APP_NAME", "Inventory"),
        ("TOOLJET_ACCESS_TOKEN", "test-token"),
    ];
    let stderr = refused(&[], &env).await;
    assert!(
        stderr.contains("variable `INPUT_VERSION_NAME` (or `INPUT_GIT_TAG`) is required"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Set the variable INPUT_VERSION_NAME"),
        "{stderr}"
    );
    assert!(!stderr.contains("--version-name"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_github_user_is_told_of_no_flag() {
    let ran = crate::support::bare()
        .with("operation", "deploy")
        .with("tooljet-url", "https://tooljet.example.com")
        .with("access-token", "test-token")
        .with("workspace", "Acme")
        .with("app-name", "Inventory")
        .run()
        .await;
    ran.assert_exit(2);
    let error = ran.error();
    assert!(
        error.contains("input `version-name` (or `git-tag`) is required"),
        "{error}"
    );
    assert!(
        !error.contains("--") && !error.contains("INPUT_"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_manifest_error_names_the_files_keys_as_written_and_no_input_to_set() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "instances:\n  p:\n    workspace: Acme\n    apps:\n      Orders:\n        verison: v1\n",
            "did you mean `version:`? (allowed: `version:`, `git-app-name:`, `git-branch:`)",
        ),
        (
            "instance:\n  p:\n    workspace: Acme\n",
            "tooljet.yml, line 1, `instance:`: is not a key here",
        ),
    ];
    for (text, says) in cases {
        std::fs::write(dir.path().join("tooljet.yml"), text).unwrap();
        let mut command =
            tokio::process::Command::new(env!("CARGO_BIN_EXE_tooljet-gitsync-action"));
        command
            .args(["check", "--tooljet-url", "http://127.0.0.1:1"])
            .current_dir(dir.path())
            .env_clear()
            .env("TOOLJET_ACCESS_TOKEN", token());
        let out = tokio::time::timeout(crate::support::STEP_BOUND, command.output())
            .await
            .expect("the command ends")
            .expect("the binary runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
        for not_said in ["--git-app-name", "--instance`:", "Set it with --manifest"] {
            assert!(!stderr.contains(not_said), "{not_said}: {stderr}");
        }
    }
}
