//! The inputs and outputs action.yml declares, read from the copy compiled in.

use std::sync::OnceLock;

use yaml_rust2::{Yaml, YamlLoader};

const ACTION_YML: &str = include_str!("../action.yml");

/// One input or output of action.yml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: &'static str,
    pub description: String,
    pub default: Option<String>,
    pub required: bool,
}

/// action.yml's inputs and outputs, parsed once.
struct Declared {
    inputs: Vec<(String, Yaml)>,
    outputs: Vec<(String, Yaml)>,
}

fn declared() -> &'static Declared {
    static DECLARED: OnceLock<Declared> = OnceLock::new();
    DECLARED.get_or_init(|| {
        let docs = YamlLoader::load_from_str(ACTION_YML).expect("action.yml is YAML");
        let section = |name: &str| -> Vec<(String, Yaml)> {
            docs[0][name]
                .as_hash()
                .expect("action.yml declares inputs and outputs")
                .iter()
                .filter_map(|(key, spec)| Some((key.as_str()?.to_owned(), spec.clone())))
                .collect()
        };
        Declared {
            inputs: section("inputs"),
            outputs: section("outputs"),
        }
    })
}

/// A scalar as its text: action.yml quotes them, but `4` or `false` would read as numbers.
fn text(yaml: &Yaml) -> Option<String> {
    match yaml {
        Yaml::String(text) | Yaml::Real(text) => Some(text.clone()),
        Yaml::Integer(number) => Some(number.to_string()),
        Yaml::Boolean(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// The entries of a top-level section (`inputs` or `outputs`) of action.yml, in its order.
pub fn entries(section: &str) -> Vec<Entry> {
    let declared = declared();
    let section = match section {
        "inputs" => &declared.inputs,
        "outputs" => &declared.outputs,
        other => panic!("action.yml has no section {other}"),
    };
    section
        .iter()
        .map(|(name, spec)| Entry {
            name: name.as_str(),
            description: text(&spec["description"]).unwrap_or_default(),
            default: text(&spec["default"]),
            required: spec["required"].as_bool() == Some(true),
        })
        .collect()
}

/// The environment variable the runner sets for an input: `INPUT_` + upper case, hyphens kept.
pub fn variable(input: &str) -> String {
    format!("INPUT_{}", input.replace(' ', "_").to_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_yml_inputs_are_read_with_their_defaults() {
        let inputs = entries("inputs");
        let timeout = inputs.iter().find(|i| i.name == "timeout-seconds").unwrap();
        assert_eq!(timeout.default.as_deref(), Some("300"));
        assert!(
            inputs
                .iter()
                .find(|i| i.name == "operation")
                .unwrap()
                .required
        );
        assert!(entries("outputs").iter().any(|o| o.name == "response"));
    }

    #[test]
    fn descriptions_are_read_whole_with_their_escapes() {
        let heartbeat = entries("inputs")
            .into_iter()
            .find(|i| i.name == "heartbeat-seconds")
            .unwrap();
        assert!(
            heartbeat.description.contains("a \"still waiting\" line"),
            "{}",
            heartbeat.description
        );
    }

    #[test]
    fn hyphens_are_kept_in_variable_names() {
        assert_eq!(variable("app-id"), "INPUT_APP-ID");
    }
}
