//! Reporting to GitHub Actions: masks, annotations, step outputs and the step summary.

mod commands;
mod outputs;
mod summary;

use std::path::PathBuf;

use reqwest::Url;

pub use commands::{Commands, Level, escape_data, escape_property};
pub use outputs::Outputs;
pub use summary::escape as escape_markdown;

use crate::inputs::{InputError, RunContext};
use crate::run::{Note, Outcome, Verdict};

/// One run's outcome with what is needed to describe it.
pub struct Report<'a> {
    pub outcome: &'a Outcome,
    pub tooljet_url: &'a Url,
    pub organization_id: Option<&'a str>,
    pub run: &'a RunContext,
}

impl Report<'_> {
    /// The app in ToolJet's editor (`<tooljet-url>/<workspace>/apps/<app id>`), where the
    /// workspace is known from `organization-id` or ToolJet's answer.
    pub fn editor_url(&self) -> Option<Url> {
        let ids = &self.outcome.ids;
        let workspace = self.organization_id.or(ids.organization_id.as_deref())?;
        self.tooljet_link(&[workspace, "apps", ids.app_id.as_deref()?])
    }

    /// The released app as its users open it (`<tooljet-url>/applications/<slug>`), when this
    /// operation made a version live.
    pub fn app_url(&self) -> Option<Url> {
        let ids = &self.outcome.ids;
        if !(ids.released && self.outcome.succeeded()) {
            return None;
        }
        self.tooljet_link(&["applications", ids.slug.as_deref()?])
    }

    fn tooljet_link(&self, segments: &[&str]) -> Option<Url> {
        let mut url = self.tooljet_url.clone();
        url.path_segments_mut()
            .ok()?
            .pop_if_empty()
            .extend(segments);
        Some(url)
    }

    /// What went wrong and what to check, when the step did not succeed.
    pub fn failure(&self) -> Option<(String, String)> {
        let operation = self.outcome.operation;
        match &self.outcome.verdict {
            Verdict::Success => None,
            Verdict::Failed(err) => Some((err.to_string(), err.hint())),
            Verdict::Cancelled {
                signal,
                in_flight: true,
            } => Some((
                format!(
                    "cancelled by {signal} while the `{operation}` request to ToolJet was in flight"
                ),
                format!(
                    "ToolJet may still complete the {operation}: check the app in ToolJet before re-running."
                ),
            )),
            Verdict::Cancelled {
                signal,
                in_flight: false,
            } => Some((
                format!(
                    "cancelled by {signal} between attempts: no `{operation}` request was in flight"
                ),
                "The last attempt failed before ToolJet acted; re-running is safe.".to_owned(),
            )),
        }
    }

    /// The step outputs, in action.yml's order.
    pub fn outputs(&self) -> Outputs {
        let outcome = self.outcome;
        let ids = &outcome.ids;
        Outputs(vec![
            ("operation", outcome.operation.to_string()),
            ("outcome", outcome.outcome().to_owned()),
            (
                "http-status",
                outcome
                    .status
                    .map(|s| s.as_u16().to_string())
                    .unwrap_or_default(),
            ),
            ("app-id", ids.app_id.clone().unwrap_or_default()),
            ("version-id", ids.version_id.clone().unwrap_or_default()),
            ("environment", ids.environment.clone().unwrap_or_default()),
            ("response", outcome.response.clone()),
            ("duration-ms", outcome.duration.as_millis().to_string()),
            (
                "app-url",
                self.app_url().map(String::from).unwrap_or_default(),
            ),
            (
                "editor-url",
                self.editor_url().map(String::from).unwrap_or_default(),
            ),
        ])
    }
}

/// Where this run reports: the runner's files when on GitHub, stdout and stderr elsewhere.
pub struct GitHub {
    pub commands: Commands,
    output_file: Option<PathBuf>,
    summary_file: Option<PathBuf>,
}

impl GitHub {
    pub fn from_vars(vars: &[(String, String)]) -> Self {
        let get = |name: &str| {
            vars.iter()
                .find(|(key, value)| key == name && !value.is_empty())
                .map(|(_, value)| value.clone())
        };
        Self {
            commands: Commands {
                on_github: get("GITHUB_ACTIONS").as_deref() == Some("true"),
            },
            output_file: get("GITHUB_OUTPUT").map(PathBuf::from),
            summary_file: get("GITHUB_STEP_SUMMARY").map(PathBuf::from),
        }
    }

    /// Masks every secret; call before anything else is printed.
    pub fn mask(&self, secrets: &[String]) {
        for secret in secrets {
            self.commands.add_mask(secret);
        }
    }

    /// A bad input: nothing was sent to ToolJet.
    pub fn input_error(&self, err: &InputError) {
        self.commands.annotate(
            Level::Error,
            "Invalid input",
            &format!("{err}. Nothing was sent to ToolJet."),
        );
        self.append_summary(&format!(
            "### ❌ ToolJet step not started\n\n{}. Nothing was sent to ToolJet.\n",
            escape_markdown(&err.to_string())
        ));
    }

    /// Outputs, summary and, on failure, the error annotation.
    pub fn report(&self, report: &Report) {
        let outputs = report.outputs();
        match &self.output_file {
            Some(path) => {
                if let Err(err) = outputs.append_to(path) {
                    self.commands.annotate(
                        Level::Error,
                        "Could not write the step outputs",
                        &format!("{}: {err}", path.display()),
                    );
                }
            }
            None => println!("{}", outputs.to_json()),
        }
        self.commands.group(
            "ToolJet requests",
            report.outcome.exchanges.iter().map(ToString::to_string),
        );
        self.append_summary(&summary::render(report));
        for note in &report.outcome.notes {
            match note {
                Note::Retry(text) => self.commands.annotate(Level::Warning, "Retried", text),
                Note::Info(text) => self.commands.annotate(Level::Notice, "ToolJet", text),
            }
        }
        if let Some((message, hint)) = report.failure() {
            let title = format!("ToolJet {} failed", report.outcome.operation);
            self.commands
                .annotate(Level::Error, &title, &format!("{message}\nHint: {hint}"));
        }
    }

    fn append_summary(&self, markdown: &str) {
        if let Some(path) = &self.summary_file
            && let Err(err) = summary::append_to(path, markdown)
        {
            // A summary is a courtesy: say so, but do not fail the step for it.
            self.commands.annotate(
                Level::Warning,
                "Could not write the step summary",
                &format!("{}: {err}", path.display()),
            );
        }
    }
}
