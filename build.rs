//! Stamps the commit the binary is built from into `--version`: `SOURCE_COMMIT` when the build
//! sets it (the image build has no .git; the release workflow passes the commit), else what
//! `git rev-parse` says, else nothing.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (out.status.success() && !text.is_empty()).then_some(text)
}

fn main() {
    println!("cargo:rerun-if-env-changed=SOURCE_COMMIT");
    // Build again when HEAD moves: a checkout changes HEAD, a commit changes its branch's ref.
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        println!("cargo:rerun-if-changed={dir}/HEAD");
        if let Some(reference) = git(&["symbolic-ref", "-q", "HEAD"]) {
            println!("cargo:rerun-if-changed={dir}/{reference}");
        }
    }
    let commit = std::env::var("SOURCE_COMMIT")
        .ok()
        .map(|commit| commit.trim().chars().take(12).collect::<String>())
        .filter(|commit| !commit.is_empty())
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]));
    println!(
        "cargo:rustc-env=BUILD_COMMIT={}",
        commit.unwrap_or_default()
    );
}
