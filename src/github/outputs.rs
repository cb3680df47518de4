//! Step outputs: the `GITHUB_OUTPUT` file on GitHub, one JSON object on stdout elsewhere, and
//! a dotenv file (GitLab's `artifacts: reports: dotenv:`) where `TOOLJET_DOTENV` names one.

use std::io;
use std::path::Path;

use super::files;
use crate::redact::Secrets;

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

    /// Appends to the runner's output file (see [`files::append`]); the runner reads it after
    /// the step.
    pub fn append_to(&self, path: &Path) -> io::Result<()> {
        files::append(path, &self.to_file_commands())
    }

    /// Every value with each secret scrubbed, whatever put it there.
    pub fn scrubbed(&self, secrets: &Secrets) -> Self {
        Self(
            self.0
                .iter()
                .map(|(name, value)| (*name, secrets.scrub(value).into_owned()))
                .collect(),
        )
    }

    /// Writes the dotenv file afresh: one run's outputs, not an earlier run's, and only where
    /// [`files::replace`] may.
    pub fn write_dotenv(&self, path: &Path, secrets: &Secrets) -> io::Result<()> {
        files::replace(path, &self.to_dotenv(secrets))
    }

    /// `TOOLJET_GITSYNC_<NAME>=value` lines, as GitLab reads a dotenv report into later jobs'
    /// variables. GitLab takes one line per value and refuses the whole report beyond 5 KB, so
    /// the JSON outputs stay in the JSON, several apps' values are joined by commas, and a value
    /// that would pass [`DOTENV_LIMIT`] is left out and named in `TOOLJET_GITSYNC_OMITTED`. Each
    /// value is scrubbed once joined, as two apps' values side by side could spell a secret, and
    /// before its `$` are doubled, which would break a secret that holds one.
    pub fn to_dotenv(&self, secrets: &Secrets) -> String {
        let (mut text, mut omitted) = (String::new(), Vec::new());
        for (name, value) in self
            .0
            .iter()
            .filter(|(name, _)| !JSON_OUTPUTS.contains(name))
        {
            let line = dotenv_line(name, &secrets.scrub(&one_line(value)));
            if text.len() + line.len() + OMITTED_RESERVE > DOTENV_LIMIT {
                omitted.push(*name);
            } else {
                text.push_str(&line);
            }
        }
        if !omitted.is_empty() {
            text.push_str(&dotenv_line("omitted", &omitted.join(" ")));
        }
        text
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

/// JSON values as one array of at most `limit` bytes. Those that do not fit are counted in a
/// last object, `omitted(count)`, whose room is kept free as each value is added, so the bound
/// holds exactly whatever they hold.
pub fn bounded_list(
    items: impl ExactSizeIterator<Item = String>,
    limit: usize,
    omitted: impl Fn(usize) -> String,
) -> String {
    let total = items.len();
    let mut json = String::from("[");
    for (index, item) in items.enumerate() {
        let separator = usize::from(index > 0);
        let room_after = match total - index - 1 {
            0 => 0,
            left => 1 + omitted(left).len(),
        };
        if json.len() + separator + item.len() + room_after + 1 > limit {
            json.push_str(&",".repeat(separator));
            json.push_str(&omitted(total - index));
            break;
        }
        json.push_str(&",".repeat(separator));
        json.push_str(&item);
    }
    json.push(']');
    json
}

/// The outputs that are JSON documents, far larger than a dotenv value should be.
const JSON_OUTPUTS: [&str; 3] = ["response", "results", "plan"];

/// The dotenv file's bound, under GitLab's 5 KB for a dotenv report.
const DOTENV_LIMIT: usize = 4096;

/// Room kept for the `OMITTED` line, which names at most every output.
const OMITTED_RESERVE: usize = 160;

/// A value's lines joined by commas, as a dotenv value ends at its line: an app without a value
/// keeps its place (`a,,c`).
fn one_line(value: &str) -> String {
    let lines: Vec<&str> = value
        .split('\n')
        .map(|line| line.trim_end_matches('\r'))
        .collect();
    lines.join(",")
}

/// `TOOLJET_GITSYNC_APP_ID=<value>` for a value already on [one line](one_line) and scrubbed:
/// GitLab variable names hold letters, digits and `_` only. GitLab expands `$NAME` in a
/// variable's value in later jobs: every `$` is written `$$`, which GitLab reads as one `$`.
fn dotenv_line(name: &str, value: &str) -> String {
    let name = name.replace('-', "_").to_uppercase();
    format!("TOOLJET_GITSYNC_{name}={}\n", value.replace('$', "$$"))
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
    fn dotenv_has_one_line_per_value_and_no_json_outputs() {
        let outputs = Outputs(vec![
            ("outcome", "success".into()),
            ("app-id", "a1\n\nc3".into()),
            ("response", "{\"id\": 1}".into()),
            ("http-status", String::new()),
        ]);
        assert_eq!(
            outputs.to_dotenv(&Secrets::default()),
            "TOOLJET_GITSYNC_OUTCOME=success\nTOOLJET_GITSYNC_APP_ID=a1,,c3\nTOOLJET_GITSYNC_HTTP_STATUS=\n"
        );
    }

    #[test]
    fn dotenv_leaves_out_what_would_pass_its_bound_and_names_it() {
        let many_apps = vec!["0f5f3ad1-8f1e-4a53-9d0f-5a1e0c2b7d11"; 200].join("\n");
        let outputs = Outputs(vec![
            ("outcome", "failure".into()),
            ("app-id", many_apps),
            ("http-status", "201".into()),
        ]);
        let text = outputs.to_dotenv(&Secrets::default());
        assert!(text.len() <= DOTENV_LIMIT, "{}", text.len());
        assert_eq!(
            text,
            "TOOLJET_GITSYNC_OUTCOME=failure\nTOOLJET_GITSYNC_HTTP_STATUS=201\nTOOLJET_GITSYNC_OMITTED=app-id\n"
        );
    }

    #[test]
    fn dotenv_values_cannot_spell_a_secret_across_apps_nor_reference_a_variable() {
        let secrets = Secrets::new(["ab,cd".to_owned()]);
        let outputs = Outputs(vec![
            ("app-id", "ab\ncd".into()),
            ("environment", "$CI_JOB_TOKEN".into()),
        ]);
        assert_eq!(
            outputs.to_dotenv(&secrets),
            "TOOLJET_GITSYNC_APP_ID=***\nTOOLJET_GITSYNC_ENVIRONMENT=$$CI_JOB_TOKEN\n"
        );
    }

    #[test]
    fn a_secret_holding_a_dollar_is_scrubbed_before_it_is_doubled() {
        let secrets = Secrets::new(["pa$$w0rd-9f3c1e7a".to_owned()]);
        let outputs = Outputs(vec![("app-id", "pa$$w0rd-9f3c1e7a".into())]);
        assert_eq!(outputs.to_dotenv(&secrets), "TOOLJET_GITSYNC_APP_ID=***\n");
    }

    #[test]
    fn delimiters_differ_between_calls() {
        assert_ne!(unused_delimiter(&[]), unused_delimiter(&[]));
    }
}
