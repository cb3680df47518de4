//! The release commit: `.ci/pin-image` points `runs.image` at a digest-pinned image and changes
//! nothing else, and the release workflow uses it.

use std::path::Path;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// Runs `.ci/pin-image reference` in a scratch copy of action.yml; its exit code, stderr and
/// the copy's action.yml afterwards.
fn pin(reference: &str) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(ROOT).join("action.yml"),
        dir.path().join("action.yml"),
    )
    .unwrap();
    let out = Command::new(Path::new(ROOT).join(".ci/pin-image"))
        .arg(reference)
        .current_dir(dir.path())
        .output()
        .unwrap();
    let action = std::fs::read_to_string(dir.path().join("action.yml")).unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        action,
    )
}

#[test]
fn pin_image_changes_only_runs_image() {
    let source = std::fs::read_to_string(Path::new(ROOT).join("action.yml")).unwrap();
    let reference = format!("ghcr.io/acme/tooljet-gitsync-action@{DIGEST}");
    let (code, stderr, pinned) = pin(&reference);
    assert_eq!(code, 0, "{stderr}");
    let changed: Vec<(&str, &str)> = source
        .lines()
        .zip(pinned.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(
        changed,
        [(
            "  image: Dockerfile",
            format!("  image: docker://{reference}").as_str()
        )]
    );
    assert_eq!(source.lines().count(), pinned.lines().count());
    assert_eq!(source.ends_with('\n'), pinned.ends_with('\n'));
}

#[test]
fn pin_image_takes_a_registry_with_a_port() {
    let (code, stderr, pinned) = pin(&format!("127.0.0.1:5000/tooljet-gitsync-action@{DIGEST}"));
    assert_eq!(code, 0, "{stderr}");
    assert!(pinned.contains(&format!(
        "  image: docker://127.0.0.1:5000/tooljet-gitsync-action@{DIGEST}\n"
    )));
}

#[test]
fn pin_image_refuses_a_reference_without_a_digest() {
    for reference in [
        "ghcr.io/acme/tooljet-gitsync-action:v1",
        "ghcr.io/acme/tooljet-gitsync-action@sha256:abc",
        "tooljet-gitsync-action@sha256:0123",
    ] {
        let (code, stderr, pinned) = pin(reference);
        assert_eq!(code, 2, "{reference}");
        assert!(stderr.contains("a tag alone is refused"), "{stderr}");
        assert!(pinned.contains("  image: Dockerfile\n"), "left as it was");
    }
}

#[test]
fn main_builds_from_source_and_the_release_workflow_pins_with_the_script() {
    let action = std::fs::read_to_string(Path::new(ROOT).join("action.yml")).unwrap();
    assert!(action.ends_with("runs:\n  using: docker\n  image: Dockerfile\n"));
    let release =
        std::fs::read_to_string(Path::new(ROOT).join(".github/workflows/release.yml")).unwrap();
    assert!(
        release.contains("image=ghcr.io/${GITHUB_REPOSITORY,,}")
            && release.contains(".ci/pin-image \"$IMAGE@$DIGEST\""),
        "{release}"
    );
}
