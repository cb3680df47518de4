//! The inputs and outputs action.yml declares, compiled in as a table by build.rs.

/// One input or output of action.yml.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub name: &'static str,
    pub description: &'static str,
    pub default: Option<&'static str>,
    pub required: bool,
}

include!(concat!(env!("OUT_DIR"), "/declared.rs"));

/// The entries of a top-level section (`inputs` or `outputs`) of action.yml, in its order.
pub fn entries(section: &str) -> &'static [Entry] {
    match section {
        "inputs" => INPUTS,
        "outputs" => OUTPUTS,
        other => panic!("action.yml has no section {other}"),
    }
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
        assert_eq!(timeout.default, Some("300"));
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
            .iter()
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
