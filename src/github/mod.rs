//! Reporting to GitHub Actions: masks, annotations, step outputs and the step summary.

mod commands;
mod outputs;
mod summary;

use std::path::PathBuf;
use std::time::Duration;

use reqwest::Url;

pub use commands::{Commands, Level};
pub use outputs::Outputs;
use summary::escape as escape_markdown;

use crate::inputs::{InputError, RunContext, env_var};
use crate::redact::{bounded, printable};
use crate::run::{Note, Outcome, Run, Verdict};

/// The `response` output keeps this much of ToolJet's answer, marked when cut.
pub const MAX_RESPONSE: usize = 64 * 1024;
/// The `results` output stays under this; apps beyond it are counted, not listed.
pub const MAX_RESULTS: usize = 256 * 1024;
/// Annotations of one level per step, before the rest are totalled in one more; GitHub shows
/// ten of each.
pub const MAX_ANNOTATIONS: usize = 5;

/// One run with what is needed to describe it.
pub struct Report<'a> {
    pub run: &'a Run,
    pub tooljet_url: &'a Url,
    pub organization_id: Option<&'a str>,
    pub context: &'a RunContext,
    /// The whole step's time.
    pub elapsed: Duration,
}

impl Report<'_> {
    /// The app in ToolJet's editor (`<tooljet-url>/<workspace>/apps/<app id>`), where the
    /// workspace is known from `organization-id` or ToolJet's answer.
    pub fn editor_url(&self, outcome: &Outcome) -> Option<Url> {
        let ids = &outcome.ids;
        let workspace = self.organization_id.or(ids.organization_id.as_deref())?;
        self.tooljet_link(&[workspace, "apps", ids.app_id.as_deref()?])
    }

    /// The released app as its users open it (`<tooljet-url>/applications/<slug>`), when this
    /// operation made a version live.
    pub fn app_url(&self, outcome: &Outcome) -> Option<Url> {
        let ids = &outcome.ids;
        if !(ids.released && matches!(outcome.verdict, Verdict::Success)) {
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

    /// What went wrong and what to check, when this app did not succeed.
    pub fn failure(&self, outcome: &Outcome) -> Option<(String, String)> {
        let operation = outcome.operation;
        match &outcome.verdict {
            Verdict::Success | Verdict::Planned { .. } => None,
            Verdict::Failed(err) => Some((err.to_string(), err.hint())),
            Verdict::Unresolved(why) => Some((
                format!("{why}; nothing was sent"),
                "Names must match the app's (or workspace's) name in ToolJet; the close matches are listed. \
                 An app id in `app-id` avoids the lookup."
                    .to_owned(),
            )),
            Verdict::Skipped => Some((
                "not started: `fail-fast` stopped the step after another app failed".to_owned(),
                "Fix the app that failed, then re-run.".to_owned(),
            )),
            Verdict::Cancelled { signal, in_flight: true } => Some((
                format!("cancelled by {signal} while the `{operation}` request to ToolJet was in flight"),
                format!("ToolJet may still complete the {operation}: check the app in ToolJet before re-running."),
            )),
            Verdict::Cancelled { signal, in_flight: false } => Some((
                format!("cancelled by {signal} between attempts: no `{operation}` request was in flight"),
                "The last attempt failed before ToolJet acted; re-running is safe.".to_owned(),
            )),
        }
    }

    /// One line on how this app ended: what went wrong, or the request a dry run would send.
    pub fn message(&self, outcome: &Outcome) -> Option<String> {
        match &outcome.verdict {
            Verdict::Planned { request } => Some(request.clone()),
            _ => self.failure(outcome).map(|(message, _)| message),
        }
    }

    /// The step outputs, in action.yml's order. Per-app values hold one line per app, in the
    /// order the apps were given; `results` has everything as JSON.
    pub fn outputs(&self) -> Outputs {
        let outcomes = &self.run.outcomes;
        let per_app = |value: &dyn Fn(&Outcome) -> String| {
            outcomes.iter().map(value).collect::<Vec<_>>().join("\n")
        };
        let response = match outcomes.as_slice() {
            [only] => bounded(&only.response, MAX_RESPONSE).into_owned(),
            _ => String::new(),
        };
        Outputs(vec![
            ("operation", outcomes[0].operation.to_string()),
            ("outcome", self.run.outcome().to_owned()),
            (
                "http-status",
                per_app(&|o| o.status.map(|s| s.as_u16().to_string()).unwrap_or_default()),
            ),
            (
                "app-id",
                per_app(&|o| o.ids.app_id.clone().unwrap_or_default()),
            ),
            (
                "version-id",
                per_app(&|o| o.ids.version_id.clone().unwrap_or_default()),
            ),
            (
                "environment",
                per_app(&|o| o.ids.environment.clone().unwrap_or_default()),
            ),
            ("response", response),
            ("duration-ms", self.elapsed.as_millis().to_string()),
            (
                "app-url",
                per_app(&|o| self.app_url(o).map(String::from).unwrap_or_default()),
            ),
            (
                "editor-url",
                per_app(&|o| self.editor_url(o).map(String::from).unwrap_or_default()),
            ),
            ("results", self.results().to_string()),
        ])
    }

    /// One JSON object per app: what it was, how it ended and why. Past [`MAX_RESULTS`] bytes
    /// the remaining apps are counted in a last object, so that the JSON stays whole.
    pub fn results(&self) -> serde_json::Value {
        let mut results = Vec::new();
        let mut size = 0;
        for (listed, outcome) in self.run.outcomes.iter().enumerate() {
            let result = self.result(outcome);
            size += result.to_string().len() + 1;
            if size > MAX_RESULTS {
                let omitted = self.run.outcomes.len() - listed;
                results.push(serde_json::json!({
                    "omitted": omitted,
                    "message": format!(
                        "{omitted} more apps are not listed: this output is capped at {} KiB; the step summary counts them",
                        MAX_RESULTS / 1024
                    ),
                }));
                break;
            }
            results.push(result);
        }
        serde_json::Value::Array(results)
    }

    fn result(&self, o: &Outcome) -> serde_json::Value {
        serde_json::json!({
            "app": o.label,
            "app-id": o.ids.app_id,
            "version-id": o.ids.version_id,
            "environment": o.ids.environment,
            "outcome": o.outcome(),
            "result": verdict_name(&o.verdict),
            "http-status": o.status.map(|s| s.as_u16()),
            "duration-ms": o.duration.as_millis() as u64,
            "message": self.message(o),
        })
    }
}

/// A word for how one app ended.
pub fn verdict_name(verdict: &Verdict) -> &'static str {
    match verdict {
        Verdict::Success => "succeeded",
        Verdict::Planned { .. } => "planned",
        Verdict::Failed(err) if err.outcome_unknown() => "outcome unknown",
        Verdict::Failed(_) => "failed",
        Verdict::Unresolved(_) => "not found",
        Verdict::Skipped => "skipped",
        Verdict::Cancelled { .. } => "cancelled",
    }
}

/// Annotations gathered for the step, emitted at most [`MAX_ANNOTATIONS`] of each level with
/// one more that totals the rest, so that a thousand failing apps still read well.
#[derive(Default)]
struct Annotations(Vec<(Level, String, String)>);

impl Annotations {
    fn push(&mut self, level: Level, title: String, message: String) {
        self.0.push((level, title, message));
    }

    fn emit(self, commands: &Commands) {
        for level in [Level::Error, Level::Warning, Level::Notice] {
            let of_level: Vec<&(Level, String, String)> =
                self.0.iter().filter(|(l, ..)| *l == level).collect();
            for (_, title, message) in of_level.iter().take(MAX_ANNOTATIONS) {
                commands.annotate(level, title, message);
            }
            let rest = of_level.len().saturating_sub(MAX_ANNOTATIONS);
            if rest > 0 {
                commands.annotate(
                    level,
                    &format!("{rest} more not shown"),
                    &format!(
                        "{rest} more {} like the ones above: the step summary and the `results` output list every app.",
                        level.plural()
                    ),
                );
            }
        }
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
        let get = |name: &str| env_var(vars, name);
        Self {
            commands: Commands {
                on_github: get("GITHUB_ACTIONS") == Some("true"),
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

    /// The loud warning `insecure-skip-tls-verify: true` deserves on every run.
    pub fn warn_insecure_tls(&self) {
        self.commands.annotate(
            Level::Warning,
            "TLS verification is OFF",
            "insecure-skip-tls-verify is true: ToolJet's certificate is not checked, so anyone on the network path \
             can read the access token. Use `ca-certificate` for a private CA instead.",
        );
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

    /// Outputs, summary, notes and, on failure, the error annotations. `Err` when the outputs
    /// could not be written: they are then printed in the log, and the step must fail.
    pub fn report(&self, report: &Report) -> std::io::Result<()> {
        let outputs = report.outputs();
        let written = match &self.output_file {
            Some(path) => outputs.append_to(path).inspect_err(|err| {
                self.commands.annotate(
                    Level::Error,
                    "Could not write the step outputs",
                    &format!(
                        "{}: {err}. Later steps will not see them; they are printed in the log as JSON.",
                        path.display()
                    ),
                );
                println!("Step outputs: {}", printable(&outputs.to_json()));
            }),
            None => {
                println!("{}", outputs.to_json());
                Ok(())
            }
        };
        let exchanges = report
            .run
            .lookups
            .iter()
            .chain(report.run.outcomes.iter().flat_map(|o| &o.exchanges));
        self.commands
            .group("ToolJet requests", exchanges.map(ToString::to_string));
        self.append_summary(&summary::render(report));
        let mut annotations = Annotations::default();
        for outcome in &report.run.outcomes {
            for note in &outcome.notes {
                let (level, title) = match note {
                    Note::Retry(_) => (Level::Warning, "Retried"),
                    Note::Duplicate(_) => (Level::Warning, "Listed twice"),
                    Note::Info(_) => (Level::Notice, "ToolJet"),
                };
                annotations.push(level, title.to_owned(), note.text().to_owned());
            }
            if let Some((message, hint)) = report.failure(outcome) {
                let app = if outcome.label.is_empty() {
                    String::new()
                } else {
                    format!(" for {}", outcome.label)
                };
                let title = format!("ToolJet {} failed{app}", outcome.operation);
                annotations.push(Level::Error, title, format!("{message}\nHint: {hint}"));
            }
        }
        annotations.emit(&self.commands);
        written
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
