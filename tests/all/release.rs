//! The release commit: `.ci/pin-image` points `runs.image` at a digest-pinned image and changes
//! nothing else; `.ci/pin-other-ci` pins the binary variant, the GitLab template and the Jenkins
//! step, all or nothing; and the release workflow uses both.

use std::path::Path;
use std::process::Command;

use crate::support::{PINNED_FILES, pin_other_ci, repo_file, scratch_copy};

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

const AMD64: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const ARM64: &str = "2222222222222222222222222222222222222222222222222222222222222222";

/// The lines of the variant and the Jenkins step that differ from this repository's, as (old,
/// new); and whether the GitLab template is this repository's with `default: <shell image>`
/// added under its `image` input, or left as it is.
fn pinned_lines(dir: &Path) -> (Vec<(String, String)>, Option<String>) {
    let changed = [PINNED_FILES[0], PINNED_FILES[2]]
        .iter()
        .flat_map(|file| {
            let (main, copy) = (
                repo_file(file),
                std::fs::read_to_string(dir.join(file)).unwrap(),
            );
            assert_eq!(main.lines().count(), copy.lines().count(), "{file}");
            main.lines()
                .zip(copy.lines())
                .filter(|(a, b)| a != b)
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
                .collect::<Vec<_>>()
        })
        .collect();
    let (main, copy) = (
        repo_file(PINNED_FILES[1]),
        std::fs::read_to_string(dir.join(PINNED_FILES[1])).unwrap(),
    );
    let image_default = (main != copy).then(|| {
        let default = copy
            .split("\n    image:\n      default: ")
            .nth(1)
            .and_then(|rest| rest.lines().next())
            .expect("the image input's default");
        assert_eq!(
            copy.replacen(&format!("      default: {default}\n"), "", 1),
            main
        );
        default.to_owned()
    });
    (changed, image_default)
}

#[test]
fn pin_other_ci_pins_the_variant_the_template_and_the_step_and_nothing_else() {
    let dir = scratch_copy();
    let (code, stderr) = pin_other_ci(
        dir.path(),
        "v1.2.3",
        &[("linux-amd64", AMD64), ("linux-arm64", ARM64)],
    );
    assert_eq!(code, 0, "{stderr}");
    let shell = format!(
        "ghcr.io/acme/tooljet-gitsync-action@sha256:{}",
        "b".repeat(64)
    );
    let pair = |a: &str, b: String| (a.to_owned(), b);
    let (changed, image_default) = pinned_lines(dir.path());
    assert_eq!(
        changed,
        [
            pair("RELEASE=''", "RELEASE='v1.2.3'".to_owned()),
            pair("SHA256_LINUX_X64=''", format!("SHA256_LINUX_X64='{AMD64}'")),
            pair(
                "SHA256_LINUX_ARM64=''",
                format!("SHA256_LINUX_ARM64='{ARM64}'")
            ),
            pair(
                "@Field static final String RELEASE = ''",
                "@Field static final String RELEASE = 'v1.2.3'".to_owned()
            ),
            pair(
                "@Field static final Map SHA256 = [:]",
                format!("@Field static final Map SHA256 = [amd64: '{AMD64}', arm64: '{ARM64}']")
            ),
            pair(
                "@Field static final String SHELL_IMAGE = ''",
                format!("@Field static final String SHELL_IMAGE = '{shell}'")
            ),
        ]
    );
    assert_eq!(image_default, Some(shell));
}

#[test]
fn a_release_without_an_arm64_binary_leaves_the_variants_arm64_sum_empty() {
    let dir = scratch_copy();
    let (code, stderr) = pin_other_ci(dir.path(), "v1.2.3", &[("linux-amd64", AMD64)]);
    assert_eq!(code, 0, "{stderr}");
    let install = std::fs::read_to_string(dir.path().join("binary/install.sh")).unwrap();
    assert!(install.contains(&format!(
        "\nSHA256_LINUX_X64='{AMD64}'\nSHA256_LINUX_ARM64=''\n"
    )));
}

#[test]
fn pin_other_ci_writes_nothing_unless_every_file_has_its_lines_once() {
    let dir = scratch_copy();
    // The variant pinned already: the template and the step must be left as they were too.
    let install = dir.path().join("binary/install.sh");
    let pinned = repo_file("binary/install.sh").replace("RELEASE=''", "RELEASE='v1.2.2'");
    std::fs::write(&install, &pinned).unwrap();
    let (code, stderr) = pin_other_ci(dir.path(), "v1.2.3", &[("linux-amd64", AMD64)]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("binary/install.sh does not have the lines it pins, once each"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&install).unwrap(), pinned);
    for file in &PINNED_FILES[1..] {
        assert_eq!(
            std::fs::read_to_string(dir.path().join(file)).unwrap(),
            repo_file(file)
        );
    }
}

#[test]
fn pin_other_ci_refuses_a_sums_file_without_the_release_binaries() {
    let dir = scratch_copy();
    let (code, stderr) = pin_other_ci(dir.path(), "v1.2.3", &[("darwin-arm64", AMD64)]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("holds no tooljet-gitsync-action-linux-<arch> line"),
        "{stderr}"
    );
    assert_eq!(pinned_lines(dir.path()), (Vec::new(), None));
}

/// The release workflow, parsed.
fn release_workflow() -> yaml_rust2::Yaml {
    yaml_rust2::YamlLoader::load_from_str(&repo_file(".github/workflows/release.yml"))
        .unwrap()
        .remove(0)
}

#[test]
fn the_release_builds_each_architecture_on_a_runner_of_that_architecture_without_emulation() {
    let workflow = release_workflow();
    let matrix: Vec<(&str, &str)> = workflow["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_vec()
        .expect("a matrix of architectures")
        .iter()
        .map(|row| {
            (
                row["arch"].as_str().unwrap(),
                row["runner"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        matrix,
        [("amd64", "ubuntu-24.04"), ("arm64", "ubuntu-24.04-arm")]
    );
    assert_eq!(
        workflow["jobs"]["build"]["runs-on"].as_str(),
        Some("${{ matrix.runner }}")
    );
    let text = repo_file(".github/workflows/release.yml");
    assert!(
        !text.contains("setup-qemu"),
        "nothing is built under emulation"
    );
    assert!(text.contains("platforms: linux/${{ matrix.arch }}"));
}

#[test]
fn the_release_pins_the_joined_index_and_the_binaries_sums_into_the_release_commit() {
    let text = repo_file(".github/workflows/release.yml");
    for line in [
        ".ci/pin-image \"$IMAGE@$DIGEST\"",
        ".ci/pin-other-ci \"v$VERSION\" \"$IMAGE@$SHELL_DIGEST\" dist/sha256sums.txt",
        "DIGEST: ${{ steps.index.outputs.digest }}",
        "SHELL_DIGEST: ${{ steps.index.outputs.shell }}",
        "if [[ $platforms != amd64,arm64 ]]; then",
    ] {
        assert!(text.contains(line), "release.yml lacks {line:?}");
    }
}

#[test]
fn the_release_runs_the_released_action_on_every_kind_of_hosted_runner() {
    let workflow = release_workflow();
    let verify = &workflow["jobs"]["verify"];
    let runners: Vec<&str> = verify["strategy"]["matrix"]["runner"]
        .as_vec()
        .unwrap()
        .iter()
        .filter_map(|runner| runner.as_str())
        .collect();
    assert_eq!(
        runners,
        [
            "ubuntu-latest",
            "ubuntu-24.04-arm",
            "ubuntu-slim",
            "macos-latest",
            "windows-latest"
        ]
    );
    let uses: Vec<&str> = verify["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .filter_map(|step| step["uses"].as_str())
        .collect();
    assert!(
        uses.contains(&"./binary") && uses.contains(&"./"),
        "{uses:?}"
    );
}
