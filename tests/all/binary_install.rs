//! The binary variant's install step (binary/install.sh, in a copy pinned by `.ci/pin-other-ci`
//! as the release commit pins it): it runs only the bytes whose SHA-256 that copy pins, keeps
//! them in the tool cache once, names the platforms it has, checks the build attestation where
//! it can, and off a release builds from source or says what to use. Downloads come from
//! file:// URLs here; .ci/binary-variant serves a release over http under act.

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

use crate::support::{pin_other_ci, scratch_copy};

const VERSION: &str = "v1.2.3";
const ASSET: &str = "tooljet-gitsync-action-linux-amd64";
const RELEASE_PAGE: &str =
    "https://github.com/tooljet-gitsync-action/tooljet-gitsync-action/releases/download/v1.2.3/";

fn sha256(path: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum");
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace().next().expect("a sum").to_owned()
}

/// A runner, a copy of the variant and a mirror: `assets/<tag>/` serves the release's binary.
struct Runner {
    root: TempDir,
    copy: TempDir,
    env: Vec<(String, String)>,
}

/// What one run of install.sh did.
struct Installed {
    code: i32,
    log: String,
    /// The `binary` output, if any.
    binary: Option<PathBuf>,
}

impl Installed {
    /// The `::error` annotation's text; panics unless there is exactly one.
    fn error(&self) -> String {
        let errors: Vec<&str> = self
            .log
            .lines()
            .filter_map(|line| line.strip_prefix("::error "))
            .filter_map(|line| line.split_once("::").map(|(_, text)| text))
            .collect();
        assert_eq!(errors.len(), 1, "one error\n{}", self.log);
        errors[0].to_owned()
    }

    fn warnings(&self) -> Vec<&str> {
        self.log
            .lines()
            .filter(|line| line.starts_with("::warning "))
            .collect()
    }

    fn assert_installed(&self) -> &Path {
        assert_eq!(self.code, 0, "{}", self.log);
        self.binary.as_deref().expect("the binary output")
    }
}

/// The tools install.sh may use, each on PATH only if the test says so.
const TOOLS: [&str; 14] = [
    "bash",
    "cp",
    "env",
    "dirname",
    "mkdir",
    "sha256sum",
    "cut",
    "mktemp",
    "rm",
    "chmod",
    "mv",
    "sed",
    "tail",
    "curl",
];

impl Runner {
    /// A runner with the tools install.sh needs, a copy pinned to `sums` (platform, bytes), and
    /// a mirror holding each pinned binary.
    fn release(sums: &[(&str, &[u8])]) -> Self {
        let runner = Self::unreleased();
        let pins: Vec<(&str, String)> = sums
            .iter()
            .map(|(platform, bytes)| {
                let file = runner
                    .assets()
                    .join(format!("tooljet-gitsync-action-{platform}"));
                std::fs::write(&file, bytes).expect("asset");
                (*platform, sha256(&file))
            })
            .collect();
        let pins: Vec<(&str, &str)> = pins.iter().map(|(p, s)| (*p, s.as_str())).collect();
        let (code, stderr) = pin_other_ci(runner.copy.path(), VERSION, &pins);
        assert_eq!(code, 0, "{stderr}");
        runner
    }

    /// A runner with a copy of the variant as main has it.
    fn unreleased() -> Self {
        let root = tempfile::tempdir().expect("tempdir");
        for dir in ["tools", "cache", "temp", &format!("assets/{VERSION}")] {
            std::fs::create_dir_all(root.path().join(dir)).expect("mkdir");
        }
        for tool in TOOLS {
            let found = Command::new("bash")
                .args(["-c", &format!("command -v {tool}")])
                .output()
                .expect("bash");
            let path = String::from_utf8_lossy(&found.stdout).trim().to_owned();
            assert!(!path.is_empty(), "{tool} is on this machine");
            std::os::unix::fs::symlink(path, root.path().join("tools").join(tool)).expect("link");
        }
        let path = |dir: &str| root.path().join(dir).display().to_string();
        let env = vec![
            ("PATH".to_owned(), path("tools")),
            ("TOOLJET_GITSYNC_OS".to_owned(), "Linux".to_owned()),
            ("TOOLJET_GITSYNC_ARCH".to_owned(), "X64".to_owned()),
            (
                "TOOLJET_GITSYNC_BINARY_URL".to_owned(),
                format!("file://{}/{{tag}}", path("assets")),
            ),
            (
                "TOOLJET_GITSYNC_VERIFY_ATTESTATION".to_owned(),
                "auto".to_owned(),
            ),
            ("RUNNER_TOOL_CACHE".to_owned(), path("cache")),
            ("RUNNER_TEMP".to_owned(), path("temp")),
            (
                "GITHUB_SERVER_URL".to_owned(),
                "https://github.com".to_owned(),
            ),
        ];
        Self {
            root,
            copy: scratch_copy(),
            env,
        }
    }

    fn assets(&self) -> PathBuf {
        self.root.path().join("assets").join(VERSION)
    }

    fn cache(&self) -> PathBuf {
        self.root.path().join("cache")
    }

    fn set(mut self, name: &str, value: &str) -> Self {
        self.env.retain(|(key, _)| key != name);
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    fn unset(mut self, name: &str) -> Self {
        self.env.retain(|(key, _)| key != name);
        self
    }

    /// Takes `tool` off PATH.
    fn without(self, tool: &str) -> Self {
        std::fs::remove_file(self.root.path().join("tools").join(tool)).expect("a tool on PATH");
        self
    }

    /// Puts a stand-in for `tool` on PATH: a bash script that logs its arguments to
    /// `<tool>.args` and then runs `body`.
    fn stub(self, tool: &str, body: &str) -> Self {
        let file = self.root.path().join("tools").join(tool);
        let log = self.root.path().join(format!("{tool}.args"));
        let script = format!(
            "#!{}\necho \"$*\" >>'{}'\n{body}\n",
            std::fs::read_link(self.root.path().join("tools/bash"))
                .expect("bash")
                .display(),
            log.display()
        );
        std::fs::write(&file, script).expect("stub");
        Command::new("chmod")
            .arg("755")
            .arg(&file)
            .status()
            .expect("chmod");
        self
    }

    /// The arguments each call of a stand-in got.
    fn calls(&self, tool: &str) -> Vec<String> {
        std::fs::read_to_string(self.root.path().join(format!("{tool}.args")))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn install(&self) -> Installed {
        let output = self.root.path().join("github_output");
        std::fs::write(&output, "").expect("GITHUB_OUTPUT");
        let out = Command::new(self.root.path().join("tools/bash"))
            .arg(self.copy.path().join("binary/install.sh"))
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env("GITHUB_OUTPUT", &output)
            .output()
            .expect("install.sh runs");
        let outputs = std::fs::read_to_string(&output).expect("GITHUB_OUTPUT");
        Installed {
            code: out.status.code().unwrap_or(-1),
            log: format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
            binary: outputs
                .lines()
                .find_map(|line| line.strip_prefix("binary="))
                .map(PathBuf::from),
        }
    }

    /// Every file under the tool cache.
    fn cached_files(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                match entry.path().is_dir() {
                    true => walk(&entry.path(), files),
                    false => files.push(entry.path()),
                }
            }
        }
        let mut files = Vec::new();
        walk(&self.cache(), &mut files);
        files
    }
}

const BINARY: &[u8] = b"#!/bin/sh\necho the release binary\n";

#[test]
fn the_pinned_binary_is_downloaded_once_into_the_tool_cache_then_taken_from_it() {
    let runner = Runner::release(&[("linux-amd64", BINARY)]);
    let first = runner.install();
    let binary = first.assert_installed().to_owned();
    assert_eq!(
        binary,
        runner
            .cache()
            .join("tooljet-gitsync-action/1.2.3/x64/tooljet-gitsync-action")
    );
    assert_eq!(std::fs::read(&binary).unwrap(), BINARY);
    let ran = Command::new(&binary).output().expect("it is executable");
    assert_eq!(String::from_utf8_lossy(&ran.stdout), "the release binary\n");
    assert!(
        first
            .log
            .contains("Downloading tooljet-gitsync-action v1.2.3 for Linux X64")
    );

    // The mirror is gone: the second step of the job needs none.
    std::fs::remove_dir_all(runner.assets()).unwrap();
    let second = runner.install();
    assert_eq!(second.assert_installed(), binary);
    assert!(second.log.contains("from the tool cache"), "{}", second.log);
    assert!(!second.log.contains("Downloading"), "{}", second.log);
}

#[test]
fn bytes_without_the_pinned_sha256_are_refused_and_nothing_is_kept() {
    let runner = Runner::release(&[("linux-amd64", BINARY)]);
    let pinned = sha256(&runner.assets().join(ASSET));
    // The asset replaced after the release, or a mirror serving another release.
    std::fs::write(
        runner.assets().join(ASSET),
        b"#!/bin/sh\necho something else\n",
    )
    .unwrap();
    let served = sha256(&runner.assets().join(ASSET));
    let refused = runner.install();
    assert_eq!(refused.code, 1, "{}", refused.log);
    assert_eq!(
        refused.error(),
        format!(
            "file://{}/{ASSET} is not the binary v1.2.3 pins: its sha256 is {served}, not \
             {pinned}. Nothing was run. A release's assets never change: a mirror (binary-url) \
             serving another release, or an asset replaced after the release, looks like this",
            runner.assets().display()
        )
    );
    assert_eq!(refused.binary, None);
    assert_eq!(runner.cached_files(), Vec::<PathBuf>::new());
}

#[test]
fn a_cached_binary_that_changed_is_downloaded_again() {
    let runner = Runner::release(&[("linux-amd64", BINARY)]);
    let binary = runner.install().assert_installed().to_owned();
    std::fs::write(&binary, b"tampered on the runner").unwrap();
    let again = runner.install();
    assert_eq!(again.assert_installed(), binary);
    assert!(
        again
            .log
            .contains("does not have the sha256 v1.2.3 pins: downloading it again")
    );
    assert_eq!(std::fs::read(&binary).unwrap(), BINARY);
}

#[test]
fn by_default_the_binary_comes_from_the_release_page_of_the_pinned_tag() {
    let installed = Runner::release(&[("linux-amd64", BINARY)])
        .set("TOOLJET_GITSYNC_BINARY_URL", "")
        .without("curl")
        .install();
    assert_eq!(installed.code, 1);
    assert_eq!(
        installed.error(),
        format!(
            "Neither curl nor wget is on this runner, so {RELEASE_PAGE}{ASSET} cannot be downloaded"
        )
    );
}

#[test]
fn a_mirrors_password_is_never_printed() {
    let installed = Runner::release(&[("linux-amd64", BINARY)])
        .set(
            "TOOLJET_GITSYNC_BINARY_URL",
            "https://ci:s3cret@mirror.example.com/{tag}",
        )
        .without("curl")
        .install();
    assert!(!installed.log.contains("s3cret"), "{}", installed.log);
    assert!(
        installed
            .error()
            .contains(&format!("https://***@mirror.example.com/v1.2.3/{ASSET}"))
    );
}

#[test]
fn a_platform_without_a_binary_is_refused_naming_the_platforms_there_are() {
    let runner = Runner::release(&[("linux-amd64", BINARY)]);
    let mac = runner
        .set("TOOLJET_GITSYNC_OS", "macOS")
        .set("TOOLJET_GITSYNC_ARCH", "ARM64")
        .install();
    assert_eq!(mac.code, 1);
    assert!(
        mac.error().starts_with(
            "There is no binary for macOS ARM64: tooljet-gitsync-action v1.2.3 has binaries for \
             Linux X64 only. Run this step in a Linux job"
        ),
        "{}",
        mac.error()
    );
    let arm = Runner::release(&[("linux-amd64", BINARY)])
        .set("TOOLJET_GITSYNC_ARCH", "ARM64")
        .install();
    assert!(arm.error().starts_with(
        "There is no binary for Linux ARM64: tooljet-gitsync-action v1.2.3 has binaries for \
         Linux X64 only. The README"
    ));
    let both = Runner::release(&[("linux-amd64", BINARY), ("linux-arm64", BINARY)])
        .set("TOOLJET_GITSYNC_ARCH", "ARM")
        .install();
    assert!(
        both.error()
            .contains("has binaries for Linux X64 and Linux ARM64 only")
    );
}

#[test]
fn each_architecture_gets_its_own_binary() {
    let arm = b"#!/bin/sh\necho arm64\n";
    let runner = Runner::release(&[("linux-amd64", BINARY), ("linux-arm64", arm)])
        .set("TOOLJET_GITSYNC_ARCH", "ARM64");
    let binary = runner.install().assert_installed().to_owned();
    assert!(binary.ends_with("tooljet-gitsync-action/1.2.3/arm64/tooljet-gitsync-action"));
    assert_eq!(std::fs::read(binary).unwrap(), arm);
}

#[test]
fn without_a_tool_cache_the_binary_is_kept_in_the_jobs_temporary_directory() {
    let runner = Runner::release(&[("linux-amd64", BINARY)]).unset("RUNNER_TOOL_CACHE");
    let binary = runner.install().assert_installed().to_owned();
    assert!(
        binary.starts_with(runner.root.path().join("temp")),
        "{binary:?}"
    );
}

#[test]
fn gh_verifies_the_build_attestation_of_the_downloaded_bytes() {
    let runner = Runner::release(&[("linux-amd64", BINARY)]).stub("gh", "exit 0");
    let installed = runner.install();
    installed.assert_installed();
    let calls = runner.calls("gh");
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(
        calls[0].starts_with("attestation verify ")
            && calls[0].ends_with(" --repo tooljet-gitsync-action/tooljet-gitsync-action"),
        "{calls:?}"
    );
    assert!(installed.log.contains("gh verified the build attestation"));
    runner.install().assert_installed();
    assert_eq!(
        runner.calls("gh").len(),
        1,
        "a cached binary was checked when downloaded"
    );
}

#[test]
fn an_attestation_gh_cannot_verify_warns_by_default_and_fails_when_required() {
    let failing = "echo 'no attestations found' >&2; exit 1";
    let auto = Runner::release(&[("linux-amd64", BINARY)]).stub("gh", failing);
    let warned = auto.install();
    warned.assert_installed();
    let warnings = warned.warnings();
    assert!(
        warnings.len() == 1 && warnings[0].contains("no attestations found"),
        "{warnings:?}"
    );

    let required = Runner::release(&[("linux-amd64", BINARY)])
        .stub("gh", failing)
        .set("TOOLJET_GITSYNC_VERIFY_ATTESTATION", "true");
    let refused = required.install();
    assert_eq!(refused.code, 1);
    assert!(
        refused
            .error()
            .contains("(verify-attestation: true): no attestations found")
    );
    assert_eq!(required.cached_files(), Vec::<PathBuf>::new());
}

#[test]
fn verify_attestation_true_needs_gh() {
    let installed = Runner::release(&[("linux-amd64", BINARY)])
        .set("TOOLJET_GITSYNC_VERIFY_ATTESTATION", "true")
        .install();
    assert_eq!(installed.code, 1);
    assert!(installed.error().contains("needs the GitHub CLI (gh)"));
}

#[test]
fn verify_attestation_false_or_another_server_leaves_it_to_the_pinned_sha256() {
    for (name, value) in [
        ("TOOLJET_GITSYNC_VERIFY_ATTESTATION", "false"),
        ("GITHUB_SERVER_URL", "https://ghes.example.com"),
    ] {
        let runner = Runner::release(&[("linux-amd64", BINARY)])
            .stub("gh", "exit 1")
            .set(name, value);
        runner.install().assert_installed();
        assert_eq!(runner.calls("gh"), Vec::<String>::new(), "{name}={value}");
    }
}

#[test]
fn verify_attestation_takes_auto_true_or_false() {
    let installed = Runner::release(&[("linux-amd64", BINARY)])
        .set("TOOLJET_GITSYNC_VERIFY_ATTESTATION", "yes")
        .install();
    assert_eq!(
        installed.error(),
        "verify-attestation must be auto, true or false; got 'yes'"
    );
}

#[test]
fn an_unreleased_copy_builds_the_binary_from_its_source_with_cargo() {
    let runner = Runner::unreleased()
        .unset("TOOLJET_GITSYNC_BINARY_URL")
        .stub(
            "cargo",
            "while [ $# -gt 0 ]; do [ \"$1\" = --target-dir ] && target=$2; shift; done\n\
         mkdir -p \"$target/release\" && echo built >\"$target/release/tooljet-gitsync-action\"",
        );
    let installed = runner.install();
    let binary = installed.assert_installed();
    let root = runner.copy.path();
    assert_eq!(binary, root.join("target/release/tooljet-gitsync-action"));
    assert_eq!(
        runner.calls("cargo"),
        [format!(
            "build --release --locked --manifest-path {}/Cargo.toml --target-dir {}/target -p \
             tooljet-gitsync-action --bin tooljet-gitsync-action",
            root.display(),
            root.display()
        )]
    );
}

#[test]
fn an_unreleased_copy_without_cargo_says_to_use_a_release() {
    let installed = Runner::unreleased()
        .unset("TOOLJET_GITSYNC_BINARY_URL")
        .install();
    assert_eq!(installed.code, 1);
    assert!(installed.error().starts_with(
        "This copy of the action is not a release (@main, a branch or a fork), so it pins no \
         binary, and cargo is not on this runner"
    ));
    assert!(
        installed
            .error()
            .ends_with("uses: tooljet-gitsync-action/tooljet-gitsync-action/binary@v1")
    );
}

#[test]
fn a_password_with_braces_or_an_at_sign_is_never_printed_whole_or_in_part() {
    for (url, secret) in [
        ("https://ci:s3cr{t-pw@mirror.invalid/{tag}", "s3cr{t-pw"),
        ("https://ci:p@ss@mirror.invalid/{tag}", "p@ss"),
    ] {
        let installed = Runner::release(&[("linux-amd64", BINARY)])
            .set("TOOLJET_GITSYNC_BINARY_URL", url)
            .install();
        assert_eq!(installed.code, 1, "{}", installed.log);
        assert!(!installed.log.contains(secret), "{}", installed.log);
        assert!(!installed.log.contains("ss@"), "{}", installed.log);
        assert!(
            installed
                .error()
                .contains("https://***@mirror.invalid/v1.2.3/"),
            "{}",
            installed.log
        );
    }
}

#[test]
fn a_file_url_is_copied_without_curl_or_wget() {
    let runner = Runner::release(&[("linux-amd64", BINARY)]).without("curl");
    let installed = runner.install();
    assert_eq!(std::fs::read(installed.assert_installed()).unwrap(), BINARY);
}

#[test]
fn an_unreleased_copy_refuses_what_only_a_release_can_do_rather_than_skip_it() {
    let mirror = Runner::unreleased().install();
    assert_eq!(mirror.code, 1);
    assert!(
        mirror
            .error()
            .starts_with("binary-url names where a release's binary is downloaded from"),
        "{}",
        mirror.log
    );
    let attested = Runner::unreleased()
        .unset("TOOLJET_GITSYNC_BINARY_URL")
        .set("TOOLJET_GITSYNC_VERIFY_ATTESTATION", "true")
        .install();
    assert_eq!(attested.code, 1);
    assert!(
        attested
            .error()
            .starts_with("verify-attestation: true checks a release's")
    );
}

#[test]
fn the_source_build_does_not_see_the_jobs_token() {
    let runner = Runner::unreleased()
        .unset("TOOLJET_GITSYNC_BINARY_URL")
        .set("GH_TOKEN", "ghs_job_token")
        .stub(
            "cargo",
            "env >>\"$(dirname \"$0\")/../cargo.env\"\n\
             while [ $# -gt 0 ]; do [ \"$1\" = --target-dir ] && target=$2; shift; done\n\
             mkdir -p \"$target/release\" && echo built >\"$target/release/tooljet-gitsync-action\"",
        );
    runner.install().assert_installed();
    let seen = std::fs::read_to_string(runner.root.path().join("cargo.env")).unwrap();
    assert!(!seen.contains("ghs_job_token"), "{seen}");
}

#[test]
fn verify_attestation_true_checks_a_cached_binary_too() {
    let runner = Runner::release(&[("linux-amd64", BINARY)]).stub("gh", "exit 0");
    runner.install().assert_installed();
    let again = runner.set("TOOLJET_GITSYNC_VERIFY_ATTESTATION", "true");
    again.install().assert_installed();
    let calls = again.calls("gh");
    assert_eq!(
        calls.len(),
        2,
        "once on download, once from the cache: {calls:?}"
    );
}
