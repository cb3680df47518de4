//! Every example a user copies names only inputs that action.yml declares: the workflows in
//! examples/workflows and the README's snippets; and the GitLab CI and Jenkins examples only
//! what the template and the shared-library step take.

use std::path::Path;

use harness::runner::declared_inputs;

use crate::support::{jenkins_step_list, repo_file as read};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The `with:` keys of every step that uses the action in `text` (a workflow, or a README with
/// YAML snippets), with the line each is on and whether the step uses the binary variant.
fn with_keys(text: &str) -> Vec<(usize, String, bool)> {
    let lines: Vec<&str> = text.lines().collect();
    let indent = |line: &str| line.len() - line.trim_start().len();
    let mut keys = Vec::new();
    for (at, line) in lines.iter().enumerate() {
        let uses = line.trim_start().trim_start_matches("- ");
        let is_action = uses.starts_with("uses: tooljet-gitsync-action/")
            || uses.starts_with("uses: docker://ghcr.io/tooljet-gitsync-action/")
            || uses == "uses: ./"
            || uses == "uses: ./binary";
        if !is_action {
            continue;
        }
        let variant = uses.contains("/binary@") || uses == "uses: ./binary";
        let step = indent(line)
            + if line.trim_start().starts_with("- ") {
                2
            } else {
                0
            };
        let Some(with) = lines[at + 1..]
            .iter()
            .take_while(|l| l.trim().is_empty() || indent(l) >= step)
            .position(|l| indent(l) == step && l.trim() == "with:")
        else {
            continue;
        };
        let start = at + 1 + with + 1;
        for (offset, key_line) in lines[start..].iter().enumerate() {
            if key_line.trim().is_empty() || key_line.trim_start().starts_with('#') {
                continue;
            }
            if indent(key_line) <= step {
                break;
            }
            if indent(key_line) == step + 2
                && let Some((key, _)) = key_line.trim().split_once(':')
            {
                keys.push((start + offset + 1, key.to_owned(), variant));
            }
        }
    }
    keys
}

fn assert_declared(path: &str, keys: &[(usize, String, bool)]) {
    let variant = harness::composite::binary_action_yml();
    for (line, key, in_variant) in keys {
        let declared = match in_variant {
            true => !variant["inputs"][key.as_str()].is_badvalue(),
            false => declared_inputs().contains_key(key),
        };
        let action = if *in_variant {
            "binary/action.yml"
        } else {
            "action.yml"
        };
        assert!(
            declared,
            "{path}:{line}: `{key}` is not an input of {action}"
        );
    }
}

/// The files under `dir` of this repository, and of its folders, as repository paths.
pub(crate) fn files_under(dir: &str) -> Vec<String> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(Path::new(ROOT).join(dir)).unwrap() {
        let path = entry.unwrap().path();
        let name = format!("{dir}/{}", path.file_name().unwrap().to_string_lossy());
        match path.is_dir() {
            true => files.extend(files_under(&name)),
            false => files.push(name),
        }
    }
    files.sort();
    files
}

#[test]
fn example_workflows_use_only_declared_inputs() {
    let workflows = files_under("examples/workflows");
    for name in &workflows {
        let keys = with_keys(&read(name));
        assert!(!keys.is_empty(), "{name} uses the action with no inputs?");
        assert_declared(name, &keys);
    }
    assert!(
        workflows.len() >= 9,
        "the example workflows are there: {workflows:?}"
    );
}

#[test]
fn the_readme_snippets_use_only_declared_inputs() {
    let keys = with_keys(&read("README.md"));
    assert!(
        keys.len() > 10,
        "the README's snippets were found: {keys:?}"
    );
    assert_declared("README.md", &keys);
}

/// The keys indented under the line `block` in `text`, one level deeper.
fn keys_under(text: &str, block: &str) -> Vec<String> {
    let mut lines = text.lines().skip_while(|line| line.trim() != block);
    let depth = lines
        .next()
        .map_or(0, |line| line.len() - line.trim_start().len());
    let indent = |line: &str| line.len() - line.trim_start().len();
    let inner: Vec<&str> = lines.take_while(|line| indent(line) > depth).collect();
    let first = inner.first().map_or(0, |line| indent(line));
    inner
        .iter()
        .filter(|line| indent(line) == first)
        .filter_map(|line| line.trim().split_once(':'))
        .map(|(key, _)| key.to_owned())
        .collect()
}

/// The keys of every `inputs:` block in `text`.
fn every_inputs_block(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    lines
        .iter()
        .enumerate()
        .filter(|(_, line)| line.trim() == "inputs:")
        .flat_map(|(at, _)| keys_under(&lines[at..].join("\n"), "inputs:"))
        .collect()
}

#[test]
fn the_gitlab_examples_give_the_template_only_inputs_it_declares() {
    let template = read("templates/tooljet-gitsync.yml");
    let declared = keys_under(&template, "inputs:");
    for example in [
        "examples/other-ci/.gitlab-ci.yml",
        "examples/other-ci/gitops.gitlab-ci.yml",
    ] {
        let inputs = every_inputs_block(&read(example));
        assert!(inputs.len() >= 5, "{example}: {inputs:?}");
        for input in &inputs {
            assert!(
                declared.contains(input),
                "{example}: `{input}` is not an input of the template"
            );
        }
    }
}

#[test]
fn the_jenkinsfiles_give_the_step_only_arguments_it_takes() {
    for example in [
        "examples/other-ci/Jenkinsfile",
        "examples/other-ci/Jenkinsfile.gitops",
        "examples/other-ci/Jenkinsfile.gitops-main",
    ] {
        let jenkinsfile = read(example);
        let calls: Vec<&str> = jenkinsfile
            .split("toolJetGitSync(")
            .skip(1)
            .filter_map(|rest| rest.split(')').next())
            .collect();
        assert!(!calls.is_empty(), "{example} calls the step");
        for call in calls {
            arguments_are_taken(example, call);
        }
    }
}

/// Every argument of one call of the step is one it takes.
fn arguments_are_taken(example: &str, call: &str) {
    let (inputs, own) = (jenkins_step_list("INPUTS"), jenkins_step_list("OWN"));
    let arguments: Vec<&str> = call
        .split(',')
        .filter_map(|argument| argument.split_once(':'))
        .map(|(name, _)| name.trim())
        .collect();
    assert!(arguments.len() >= 2, "{example}: {arguments:?}");
    for argument in arguments {
        // The step's own rule: appName is the input app-name.
        let input: String = argument
            .chars()
            .flat_map(|c| match c.is_ascii_uppercase() {
                true => vec!['-', c.to_ascii_lowercase()],
                false => vec![c],
            })
            .collect();
        assert!(
            inputs.contains(&input) || own.iter().any(|name| name == argument),
            "{example}: `{argument}` is not an argument of toolJetGitSync"
        );
    }
}

#[test]
fn the_readme_links_every_example() {
    let readme = read("README.md");
    let mut examples = files_under("examples/workflows");
    examples.extend(files_under("examples/other-ci"));
    examples.push("examples/tooljet.yml".to_owned());
    for name in examples {
        assert!(
            readme.contains(&format!("({name})")),
            "README does not link {name}"
        );
    }
}
