//! The binary variant (`uses: …/binary@v1`, binary/action.yml) is the same action without
//! Docker: exactly the root action's inputs and outputs, every input passed to the binary and
//! every output read back from it, no input spliced into a script, and the binary exec'd so
//! that its exit code and the runner's signals pass through. Its last step runs here as the
//! runner runs a composite's `run:` step (harness::composite).

use harness::composite::{RunStep, binary_action_yml, composite_step};
use harness::runner::action_yml;
use harness::tooljet::APP_ID;
use yaml_rust2::Yaml;

use crate::support::{self, Ran, fake, repo_file, step};

/// The variant's own inputs, which the binary never sees.
const OWN: [&str; 2] = ["binary-url", "verify-attestation"];

/// A section's entries as (name, description, default, required), in order.
fn entries(action: &Yaml, section: &str) -> Vec<(String, String, String, bool)> {
    action[section]
        .as_hash()
        .unwrap_or_else(|| panic!("{section}:"))
        .iter()
        .map(|(name, spec)| {
            let text = |yaml: &Yaml| yaml.as_str().unwrap_or_default().to_owned();
            (
                text(name),
                text(&spec["description"]),
                text(&spec["default"]),
                spec["required"].as_bool() == Some(true),
            )
        })
        .collect()
}

#[test]
fn the_binary_variant_takes_exactly_the_root_inputs_then_its_own() {
    let root = entries(&action_yml(), "inputs");
    let variant = entries(&binary_action_yml(), "inputs");
    assert_eq!(
        variant[..root.len().min(variant.len())],
        root[..],
        "binary/action.yml's inputs are action.yml's, in its order, with the same \
         descriptions, defaults and required: run .ci/binary-action-sync"
    );
    let own: Vec<&str> = variant[root.len()..]
        .iter()
        .map(|(name, ..)| name.as_str())
        .collect();
    assert_eq!(own, OWN);
}

#[test]
fn the_binary_variant_gives_exactly_the_root_outputs_each_from_the_binary() {
    let root = entries(&action_yml(), "outputs");
    let variant = binary_action_yml();
    assert_eq!(
        entries(&variant, "outputs"),
        root,
        "run .ci/binary-action-sync"
    );
    for (name, ..) in root {
        assert_eq!(
            variant["outputs"][name.as_str()]["value"].as_str(),
            Some(format!("${{{{ steps.run.outputs.{name} }}}}").as_str()),
            "output `{name}`"
        );
    }
}

#[test]
fn every_root_input_reaches_the_binary_as_its_underscore_variable_and_no_other_does() {
    let run = RunStep::read();
    let mut want: Vec<(String, String)> = entries(&action_yml(), "inputs")
        .into_iter()
        .map(|(name, ..)| {
            (
                format!("INPUT_{}", name.to_uppercase().replace('-', "_")),
                format!("${{{{ inputs.{name} }}}}"),
            )
        })
        .collect();
    want.push((
        "TOOLJET_GITSYNC_BINARY".to_owned(),
        "${{ steps.install.outputs.binary }}".to_owned(),
    ));
    assert_eq!(run.env, want, "run .ci/binary-action-sync");
}

#[test]
fn the_sync_script_writes_the_variant_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    for file in [".ci/binary-action-sync", "action.yml", "binary/action.yml"] {
        let to = dir.path().join(file);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file),
            to,
        )
        .unwrap();
    }
    let out = std::process::Command::new(dir.path().join(".ci/binary-action-sync"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let synced = std::fs::read_to_string(dir.path().join("binary/action.yml")).unwrap();
    assert!(
        synced == repo_file("binary/action.yml"),
        "run .ci/binary-action-sync"
    );
}

#[test]
fn the_binary_replaces_the_shell_without_the_variants_own_inputs() {
    let run = RunStep::read().script;
    let unset: String = OWN
        .iter()
        .map(|input| format!("-u INPUT_{} ", input.to_uppercase()))
        .collect();
    assert_eq!(
        run.trim(),
        format!("exec env {unset}\"$TOOLJET_GITSYNC_BINARY\"")
    );
}

#[test]
fn no_script_of_the_variant_splices_an_expression_in_or_traces_its_commands() {
    let steps = binary_action_yml()["runs"]["steps"].clone();
    let mut scripts: Vec<String> = steps
        .as_vec()
        .unwrap()
        .iter()
        .map(|step| {
            step["run"]
                .as_str()
                .expect("every step runs a script")
                .to_owned()
        })
        .collect();
    scripts.push(repo_file("binary/install.sh"));
    for script in scripts {
        assert!(
            !script.contains("${{"),
            "an expression in a script: {script}"
        );
        for trace in ["set -x", "xtrace"] {
            assert!(
                !script.contains(trace),
                "{trace:?} would echo inputs: {script}"
            );
        }
    }
    let install = composite_step("install");
    assert_eq!(
        install["run"].as_str(),
        Some("bash \"$GITHUB_ACTION_PATH/install.sh\"")
    );
}

#[test]
fn mains_variant_pins_no_release_in_the_lines_the_release_commit_rewrites() {
    let install = repo_file("binary/install.sh");
    for pinned in ["RELEASE=''", "SHA256_LINUX_X64=''", "SHA256_LINUX_ARM64=''"] {
        assert_eq!(
            install.lines().filter(|line| *line == pinned).count(),
            1,
            "{pinned}"
        );
    }
}

/// A release of the seeded app through the variant's last step.
fn release(fake: &harness::tooljet::FakeToolJet) -> support::Step {
    step("release", fake)
        .with("app-id", APP_ID)
        .with("version-name", "v1")
}

/// A step's outputs without the times it took (`duration-ms`, and each result's).
fn untimed(ran: &Ran) -> std::collections::BTreeMap<String, String> {
    let mut outputs = ran.outputs.clone().expect("outputs");
    outputs.remove("duration-ms");
    let mut results: serde_json::Value =
        serde_json::from_str(&outputs["results"]).expect("results is JSON");
    for result in results.as_array_mut().expect("an array") {
        result
            .as_object_mut()
            .expect("of objects")
            .remove("duration-ms");
    }
    outputs.insert("results".to_owned(), results.to_string());
    outputs
}

#[tokio::test]
async fn the_variant_gives_the_outputs_the_container_action_gives() {
    // One fake, so that the URLs in the outputs are the same; releasing v1 again changes nothing.
    let fake = fake().await;
    let direct = release(&fake).run().await;
    let variant = release(&fake).in_binary_variant().run().await;
    variant.assert_exit(0);
    assert_eq!(untimed(&variant), untimed(&direct));
    assert_eq!(variant.output("environment"), "production");
    assert!(
        variant.annotations("warning").is_empty(),
        "{}",
        variant.log()
    );
}

#[tokio::test]
async fn an_input_error_fails_the_variant_with_the_binarys_exit_code_and_names_the_input() {
    let fake = fake().await;
    let ran = release(&fake)
        .with("retries", "many")
        .in_binary_variant()
        .run()
        .await;
    ran.assert_exit(2);
    ran.assert_error_contains("`retries`");
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn inputs_also_exported_as_act_based_runners_do_raise_no_warning() {
    // Gitea's and Forgejo's runners (act) also export each input as INPUT_<NAME>, hyphens kept.
    let fake = fake().await;
    let mut step = release(&fake).in_binary_variant();
    for (name, ..) in entries(&binary_action_yml(), "inputs") {
        let value = step.input(&name);
        step = step.env(&format!("INPUT_{}", name.to_uppercase()), &value);
    }
    let ran = step.run().await;
    ran.assert_exit(0);
    assert!(
        ran.annotations("warning").is_empty() && ran.annotations("error").is_empty(),
        "{}",
        ran.log()
    );
}

#[tokio::test]
async fn the_token_given_to_the_variant_is_masked_and_never_shown() {
    let fake = fake().await;
    let ran = release(&fake).in_binary_variant().run().await;
    let token = harness::tooljet::Settings::default().token;
    assert!(ran.masks().contains(&token), "{}", ran.log());
    ran.assert_hidden(&token);
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_to_the_variants_step_reaches_the_binary() {
    let fake = support::fake_with(harness::tooljet::Settings {
        delay: std::time::Duration::from_secs(60),
        ..harness::tooljet::Settings::default()
    })
    .await;
    let (child, dir) = release(&fake).in_binary_variant().spawn();
    support::until_requested(&fake, 1).await;
    // The runner signals the process it started: the shell, which exec made the binary.
    support::kill(&child, "TERM");
    let ran = Ran::collect(child, dir).await;
    ran.assert_exit(143);
    ran.assert_error_contains("cancelled by SIGTERM");
    assert_eq!(ran.output("outcome"), "unknown");
}

#[test]
fn the_readme_documents_the_variants_own_inputs_with_their_defaults() {
    let readme = repo_file("README.md");
    let section = readme
        .split("\n### The binary variant\n")
        .nth(1)
        .and_then(|rest| rest.split("\n### ").next())
        .expect("README has ### The binary variant");
    let variant = binary_action_yml();
    for input in OWN {
        let row = section
            .lines()
            .find(|line| line.starts_with(&format!("| `{input}` |")))
            .unwrap_or_else(|| panic!("README's table lacks `{input}`"));
        let default = row.split('|').nth(2).unwrap().trim().trim_matches('`');
        assert_eq!(
            default,
            variant["inputs"][input]["default"]
                .as_str()
                .unwrap_or_default(),
            "{input}"
        );
    }
}
