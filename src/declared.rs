//! The inputs and outputs action.yml declares, read from the copy compiled in.

const ACTION_YML: &str = include_str!("../action.yml");

/// One input or output of action.yml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: &'static str,
    pub description: String,
    pub default: Option<String>,
    pub required: bool,
}

/// The entries of a top-level section (`inputs` or `outputs`) of action.yml, which keeps
/// one `name:` per two-space-indented line with quoted scalars under it.
pub fn entries(section: &str) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut inside = false;
    for line in ACTION_YML.lines() {
        if !line.starts_with(' ') && !line.is_empty() {
            inside = line == format!("{section}:");
            continue;
        }
        let Some(entry) = line.strip_prefix("  ").filter(|_| inside) else {
            continue;
        };
        if let Some(name) = entry.strip_suffix(':').filter(|n| !n.starts_with(' ')) {
            entries.push(Entry {
                name,
                description: String::new(),
                default: None,
                required: false,
            });
        } else if let (Some(last), Some((key, value))) =
            (entries.last_mut(), entry.trim().split_once(": "))
        {
            let value = value
                .trim_matches('"')
                .replace("\\\"", "\"")
                .replace("\\\\", "\\");
            match key {
                "description" => last.description = value,
                "default" => last.default = Some(value),
                "required" => last.required = value == "true",
                _ => {}
            }
        }
    }
    entries
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
    fn hyphens_are_kept_in_variable_names() {
        assert_eq!(variable("app-id"), "INPUT_APP-ID");
    }
}
