//! The GitLab CI template and the Jenkins step take every input of action.yml under its own
//! name, with its default, and pass it to the binary as the `INPUT_` variable it reads; the
//! secrets come from CI variables and credentials only. (.ci/release-rehearsal runs both.)

use harness::runner::declared_inputs;
use yaml_rust2::{Yaml, YamlLoader};

use crate::support::{jenkins_step_list, repo_file as read};

const SECRETS: [&str; 2] = ["access-token", "github-app-private-key"];

/// action.yml's inputs that a CI file passes on, with their defaults.
fn passed_on() -> Vec<(&'static str, &'static str)> {
    declared_inputs()
        .iter()
        .filter(|(name, _)| !SECRETS.contains(&name.as_str()))
        .map(|(name, default)| (name.as_str(), default.as_str()))
        .collect()
}

/// The template's two documents: `spec:` and the job.
fn template() -> (Yaml, Yaml) {
    let mut docs = YamlLoader::load_from_str(&read("templates/tooljet-gitsync.yml")).unwrap();
    assert_eq!(docs.len(), 2, "spec, then the job");
    let job = docs.pop().unwrap();
    (docs.pop().unwrap(), job)
}

/// A scalar as text (`true`, `4` and `"x"` alike); empty for anything else.
pub(crate) fn scalar(yaml: &Yaml) -> String {
    match yaml {
        Yaml::String(s) | Yaml::Real(s) => s.clone(),
        Yaml::Integer(i) => i.to_string(),
        Yaml::Boolean(b) => b.to_string(),
        _ => String::new(),
    }
}

#[test]
fn the_gitlab_template_takes_every_input_with_its_default_and_no_secret() {
    let (spec, _) = template();
    let inputs = spec["spec"]["inputs"].as_hash().expect("spec:inputs:");
    for (name, default) in passed_on() {
        let input = inputs
            .get(&Yaml::from_str(name))
            .unwrap_or_else(|| panic!("the template has no input `{name}`"));
        let want = if name == "operation" { "" } else { default };
        assert_eq!(scalar(&input["default"]), want, "`{name}`'s default");
        assert!(
            input["description"].as_str().is_some(),
            "`{name}` is described"
        );
    }
    for secret in SECRETS {
        assert!(
            !inputs.contains_key(&Yaml::from_str(secret)),
            "`{secret}` must come from a masked CI/CD variable, not an input"
        );
    }
    let image = &inputs[&Yaml::from_str("image")];
    assert!(
        image["default"].is_badvalue(),
        "main's template names no image: the release commit pins its default"
    );
}

#[test]
fn the_gitlab_job_passes_each_input_as_its_underscore_variable_and_keeps_outputs_on_failure() {
    let (spec, job) = template();
    let (_, job) = job.as_hash().unwrap().iter().next().expect("one job");
    let variables = job["variables"].as_hash().expect("variables:");
    let inputs = spec["spec"]["inputs"].as_hash().unwrap();
    for (name, _) in passed_on() {
        let variable = format!("INPUT_{}", name.to_uppercase().replace('-', "_"));
        assert_eq!(
            variables
                .get(&Yaml::from_str(&variable))
                .and_then(Yaml::as_str),
            Some(format!("$[[ inputs.{name} ]]").as_str()),
            "{variable}"
        );
    }
    let own = ["job-name", "stage", "image"];
    assert_eq!(
        inputs.len(),
        passed_on().len() + own.len(),
        "no input unused"
    );
    assert_eq!(
        scalar(&variables[&Yaml::from_str("TOOLJET_GITSYNC_CALLER")]),
        "gitlab-template",
        "errors name the template's inputs"
    );
    assert_eq!(job["artifacts"]["when"].as_str(), Some("always"));
    let dotenv = scalar(&job["artifacts"]["reports"]["dotenv"]);
    assert_eq!(
        scalar(&variables[&Yaml::from_str("TOOLJET_DOTENV")]),
        dotenv
    );
}

#[test]
fn the_jenkins_step_knows_every_input_and_no_secret() {
    let names = jenkins_step_list("INPUTS");
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let want: Vec<&str> = passed_on().iter().map(|(name, _)| *name).collect();
    let (mut sorted, mut want_sorted) = (names.clone(), want.clone());
    sorted.sort_unstable();
    want_sorted.sort_unstable();
    assert_eq!(sorted, want_sorted);
    let step = read("vars/toolJetGitSync.groovy");
    assert!(
        step.contains("'TOOLJET_GITSYNC_CALLER=jenkins-step'"),
        "errors name the step's arguments"
    );
    for pinned in [
        "@Field static final String RELEASE = ''",
        "@Field static final Map SHA256 = [:]",
        "@Field static final String SHELL_IMAGE = ''",
    ] {
        assert!(
            step.lines().any(|line| line == pinned),
            "main's step pins nothing, in the line .ci/pin-other-ci rewrites: {pinned}"
        );
    }
}
