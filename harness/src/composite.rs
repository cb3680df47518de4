//! The binary variant's last step (binary/action.yml, a composite action), as the GitHub runner
//! runs a composite's `run:` step with `shell: bash`: the script in a file, run by
//! `bash --noprofile --norc -eo pipefail <file>`, with the step's `env:` evaluated and no
//! `INPUT_` variables of the runner's own (a composite's steps get its inputs only through
//! expressions).

use std::path::Path;

use yaml_rust2::Yaml;

use crate::runner::repository_yaml;

/// binary/action.yml, parsed.
pub fn binary_action_yml() -> Yaml {
    repository_yaml("binary/action.yml")
}

/// The composite's step with `id`.
pub fn composite_step(id: &str) -> Yaml {
    binary_action_yml()["runs"]["steps"]
        .as_vec()
        .expect("runs.steps")
        .iter()
        .find(|step| step["id"].as_str() == Some(id))
        .unwrap_or_else(|| panic!("binary/action.yml has no step `{id}`"))
        .clone()
}

/// The step that runs the binary: its script, and its `env:` as written (name, expression).
#[derive(Debug, Clone)]
pub struct RunStep {
    pub script: String,
    pub env: Vec<(String, String)>,
}

impl RunStep {
    pub fn read() -> Self {
        let step = composite_step("run");
        assert_eq!(step["shell"].as_str(), Some("bash"), "the run step's shell");
        let env = step["env"]
            .as_hash()
            .expect("the run step's env:")
            .iter()
            .map(|(name, value)| {
                let text = |yaml: &Yaml| yaml.as_str().expect("env: holds text").to_owned();
                (text(name), text(value))
            })
            .collect();
        Self {
            script: step["run"].as_str().expect("run:").to_owned(),
            env,
        }
    }

    /// The step's environment with each `${{ … }}` evaluated: `inputs.<name>` by `input`, the
    /// install step's `binary` output as `binary`. Any other expression is refused, so that the
    /// step stays what this emulation understands.
    pub fn evaluated(
        &self,
        input: impl Fn(&str) -> String,
        binary: &Path,
    ) -> Vec<(String, String)> {
        self.env
            .iter()
            .map(|(name, value)| {
                let expression = value
                    .strip_prefix("${{")
                    .and_then(|rest| rest.strip_suffix("}}"))
                    .map(str::trim)
                    .unwrap_or_else(|| panic!("{name}: {value:?} is not one expression"));
                let value = match expression.strip_prefix("inputs.") {
                    Some(name) => input(name),
                    None if expression == "steps.install.outputs.binary" => {
                        binary.display().to_string()
                    }
                    None => panic!("{name}: the emulation does not evaluate {expression}"),
                };
                (name.clone(), value)
            })
            .collect()
    }
}
