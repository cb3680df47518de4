//! Step outputs: the `GITHUB_OUTPUT` file on GitHub, one JSON object on stdout elsewhere.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::Path;

/// Output names in the order action.yml declares them, with their values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outputs(pub Vec<(&'static str, String)>);

impl Outputs {
    /// The `GITHUB_OUTPUT` text: every value in heredoc form, so multi-line values (the JSON
    /// `response`) survive, under a delimiter no value contains.
    pub fn to_file_commands(&self) -> String {
        let delimiter = unused_delimiter(&self.0);
        let mut text = String::new();
        for (name, value) in &self.0 {
            text.push_str(&format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"));
        }
        text
    }

    /// Appends to the runner's output file; the runner reads it after the step.
    pub fn append_to(&self, path: &Path) -> io::Result<()> {
        OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)?
            .write_all(self.to_file_commands().as_bytes())
    }

    /// One JSON object, for GitLab CI, Jenkins and shells (`jq`).
    pub fn to_json(&self) -> String {
        let map: serde_json::Map<String, serde_json::Value> = self
            .0
            .iter()
            .map(|(name, value)| ((*name).to_owned(), value.clone().into()))
            .collect();
        serde_json::Value::Object(map).to_string()
    }
}

/// `ghadelimiter_<random>` as the toolkit does: a server answer that contains a line equal to
/// the delimiter could otherwise end the value early and inject outputs of its own.
fn unused_delimiter(values: &[(&'static str, String)]) -> String {
    loop {
        let delimiter = format!(
            "ghadelimiter_{:016x}{:016x}",
            crate::random::u64(),
            crate::random::u64()
        );
        if values
            .iter()
            .all(|(name, value)| !name.contains(&delimiter) && !value.contains(&delimiter))
        {
            return delimiter;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_written_in_heredoc_form() {
        let outputs = Outputs(vec![
            ("response", "{\n  \"id\": 1\n}".into()),
            ("app-id", String::new()),
        ]);
        let text = outputs.to_file_commands();
        let delimiter = text
            .lines()
            .next()
            .unwrap()
            .split_once("<<")
            .unwrap()
            .1
            .to_owned();
        assert!(delimiter.starts_with("ghadelimiter_"));
        assert_eq!(
            text,
            format!(
                "response<<{d}\n{{\n  \"id\": 1\n}}\n{d}\napp-id<<{d}\n\n{d}\n",
                d = delimiter
            )
        );
    }

    #[test]
    fn delimiters_differ_between_calls() {
        assert_ne!(unused_delimiter(&[]), unused_delimiter(&[]));
    }
}
