//! Shared by the integration tests: the compiled action, run against the fake ToolJet the way
//! the GitHub runner runs it (see the `harness` crate).

pub use harness::runner::{REPOSITORY, RUN_ID, Ran, STEP_BOUND, Step, action_yml, until_logged};
use harness::tooljet::{FakeToolJet, Injected, Settings};
use serde_json::Value;

const ACTION: &str = env!("CARGO_BIN_EXE_tooljet-gitsync-action");

/// Every request that could change ToolJet, as `METHOD path`, in order: any but a GET and the
/// export, which only reads.
pub fn writes(fake: &FakeToolJet) -> Vec<String> {
    fake.requests()
        .into_iter()
        .filter(|r| r.method != "GET" && !r.path.starts_with("/api/ext/export/"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// A step running `operation` against `fake`.
pub fn step(operation: &str, fake: &FakeToolJet) -> Step {
    Step::new(ACTION, operation, fake)
}

/// A `tooljet.yml` whose `production` instance (workspace Acme) lists `apps`, one
/// `name: version` per line.
pub fn manifest(apps: &str) -> String {
    let apps: String = apps.lines().map(|line| format!("      {line}\n")).collect();
    format!("instances:\n  production:\n    workspace: Acme\n    apps:\n{apps}")
}

/// A step running `operation` with [`manifest`]`(apps)` in the workspace.
pub fn with_manifest(operation: &str, fake: &FakeToolJet, apps: &str) -> Step {
    step(operation, fake).workspace_file("tooljet.yml", &manifest(apps))
}

/// A step with no inputs set.
pub fn bare() -> Step {
    Step::bare(ACTION)
}

/// Starts a fake ToolJet with default settings.
pub async fn fake() -> FakeToolJet {
    fake_with(Settings::default()).await
}

pub async fn fake_with(settings: Settings) -> FakeToolJet {
    FakeToolJet::start(settings)
        .await
        .expect("fake ToolJet starts")
}

/// A `configure-git` step with every GitHub App input set and `private_key` as the key.
pub fn configure_git(fake: &FakeToolJet, private_key: &str) -> Step {
    step("configure-git", fake)
        .with("organization-id", harness::tooljet::ORG_ID)
        .with("git-url", "https://github.com/acme/tooljet-apps.git")
        .with("branch-name", "main")
        .with("github-app-id", "123456")
        .with("github-app-installation-id", "78910")
        .with("github-app-private-key", private_key)
}

/// Where nothing listens: port 1 on loopback, which no test binds and no service here uses.
pub const REFUSED_URL: &str = "http://127.0.0.1:1";

/// Waits until the fake has received `count` requests (at most [`STEP_BOUND`]).
pub async fn until_requested(fake: &FakeToolJet, count: usize) {
    let poll = async {
        while fake.requests().len() < count {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(STEP_BOUND, poll)
        .await
        .unwrap_or_else(|_| {
            panic!("the fake did not receive {count} requests within {STEP_BOUND:?}")
        });
}

/// Sends `signal` (TERM, INT) to a running step, as the runner's cancel path does.
pub fn kill(child: &tokio::process::Child, signal: &str) {
    let pid = child.id().expect("still running").to_string();
    let status = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &pid])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{signal} {pid}");
}

/// A `push` of the seeded app's version `v1`: the set-up most reliability and report tests need.
pub fn push_v1(fake: &FakeToolJet) -> Step {
    step("push", fake)
        .with("app-id", harness::tooljet::APP_ID)
        .with("version-id", "v1")
}

/// A `push` of `v1` of the seeded app to `url`, where no fake ToolJet answers (a hostile
/// server, a refusing port); its token is "hostile-servers-token".
pub fn push_v1_to(url: &str) -> Step {
    bare()
        .with("operation", "push")
        .with("tooljet-url", url)
        .with("access-token", "hostile-servers-token")
        .with("app-id", harness::tooljet::APP_ID)
        .with("version-id", "v1")
}

/// The next request answered with `code` and ToolJet's error body (its reason phrase as the
/// message).
pub fn status(code: u16) -> Injected {
    Injected::Status {
        status: code,
        retry_after: None,
        message: None,
    }
}

/// The next request answered with `code` and ToolJet's error body saying `message`.
pub fn status_saying(code: u16, message: &str) -> Injected {
    Injected::Status {
        status: code,
        retry_after: None,
        message: Some(message.to_owned()),
    }
}

/// The `results` output, parsed: one object per app (and a last `omitted` one past its cap).
pub fn results(ran: &Ran) -> Vec<Value> {
    match serde_json::from_str(ran.output("results")).expect("results is JSON") {
        Value::Array(results) => results,
        other => panic!("results is not an array: {other}"),
    }
}

/// The outputs a step printed in its log as `Step outputs: {…}`, because the runner's file
/// could not take them.
pub fn logged_outputs(ran: &Ran) -> Value {
    let printed = ran
        .stdout
        .lines()
        .find_map(|line| line.strip_prefix("Step outputs: "))
        .unwrap_or_else(|| panic!("the outputs in the log\n{}", ran.log()));
    serde_json::from_str(printed).expect("the logged outputs are JSON")
}

/// A `create` step importing the app that the fake's repository holds but its workspace lacks.
pub fn create_orders(fake: &FakeToolJet) -> Step {
    step("create", fake)
        .with("organization-id", harness::tooljet::ORG_ID)
        .with("git-app-name", harness::tooljet::GIT_APP_NAME_NEW)
}

/// A file of this repository, as a user would copy it.
pub fn repo_file(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|err| panic!("{path}: {err}"))
}

/// The strings of the Jenkins step's `@Field static final List <name> = [...]`.
pub fn jenkins_step_list(name: &str) -> Vec<String> {
    let step = repo_file("vars/toolJetGitSync.groovy");
    let list = step
        .split(&format!("@Field static final List {name} = ["))
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .unwrap_or_else(|| panic!("the step's {name} list"));
    list.split(',')
        .map(|item| item.trim().trim_matches('\'').to_owned())
        .filter(|item| !item.is_empty())
        .collect()
}

/// The files the release commit pins, copied from this repository into a scratch directory
/// laid out as the repository is, for `.ci/pin-other-ci` and the variant's install.sh.
pub const PINNED_FILES: [&str; 3] = [
    "binary/install.sh",
    "templates/tooljet-gitsync.yml",
    "vars/toolJetGitSync.groovy",
];

/// A scratch copy of [`PINNED_FILES`].
pub fn scratch_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for file in PINNED_FILES {
        let to = dir.path().join(file);
        std::fs::create_dir_all(to.parent().expect("a folder")).expect("mkdir");
        std::fs::write(to, repo_file(file)).expect("copy");
    }
    dir
}

/// Runs `.ci/pin-other-ci` in `dir` for `version` with these release binaries (`linux-amd64`,
/// `linux-arm64`, as the sums file names them, with their SHA-256); its exit code and stderr.
pub fn pin_other_ci(dir: &std::path::Path, version: &str, sums: &[(&str, &str)]) -> (i32, String) {
    let file = dir.join("sha256sums.txt");
    let lines: String = sums
        .iter()
        .map(|(platform, sum)| format!("{sum}  tooljet-gitsync-action-{platform}\n"))
        .collect();
    std::fs::write(&file, lines).expect("sums");
    let shell = format!(
        "ghcr.io/acme/tooljet-gitsync-action@sha256:{}",
        "b".repeat(64)
    );
    let out = std::process::Command::new(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/pin-other-ci"),
    )
    .args([version, &shell])
    .arg(&file)
    .current_dir(dir)
    .output()
    .expect("pin-other-ci runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
