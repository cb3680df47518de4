//! Reporting to GitHub Actions: masks, annotations, step outputs and the step summary.

pub mod commands;
mod diff;
mod files;
mod outputs;
mod report;
mod summary;
mod validation;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub use commands::{Commands, Level, Voice};
pub use diff::DiffReport;
pub use outputs::Outputs;
pub use report::Report;
use summary::escape as escape_markdown;

use crate::changes::Diff;
use crate::environment::env_var;
use crate::inputs::InputError;
use crate::operation::OperationKind;
use crate::outcome::{AppRun, Outcome, Verdict};
use crate::record::Note;
use crate::redact::printable;

/// Annotations of one level per step, before the rest are totalled in one more; GitHub shows
/// ten of each.
const MAX_ANNOTATIONS: usize = 5;

/// One annotation, its hint apart so that cutting a long message never cuts the hint; the apps
/// it is about, when one failure is every app's (a token refused for all of them).
struct Annotation {
    level: Level,
    title: String,
    apps: Vec<String>,
    message: String,
    hint: Option<String>,
}

impl Annotation {
    /// Its title, with the apps it is about: "… for Inventory, Orders and 3 more".
    fn titled(&self) -> String {
        let named: Vec<&str> = self.apps.iter().take(3).map(String::as_str).collect();
        match (
            named.as_slice(),
            self.apps.len().saturating_sub(named.len()),
        ) {
            ([], _) => self.title.clone(),
            (named, 0) => format!("{} for {}", self.title, and_list(named)),
            (named, more) => format!("{} for {} and {more} more", self.title, named.join(", ")),
        }
    }
}

/// "A", "A and B", "A, B and C".
fn and_list(items: &[&str]) -> String {
    match items.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Annotations gathered for the step, emitted at most [`MAX_ANNOTATIONS`] of each level with
/// one more that totals the rest, so that a thousand failing apps still read well.
#[derive(Default)]
struct Annotations(Vec<Annotation>);

impl Annotations {
    fn push(&mut self, level: Level, title: String, message: String, hint: Option<String>) {
        self.about(level, title, None, message, hint);
    }

    /// An annotation about `app`: merged into one already there that says the same.
    fn about(
        &mut self,
        level: Level,
        title: String,
        app: Option<&str>,
        message: String,
        hint: Option<String>,
    ) {
        let same = |a: &&mut Annotation| {
            a.level == level && a.title == title && a.message == message && a.hint == hint
        };
        if let (Some(app), Some(kept)) = (app, self.0.iter_mut().find(same)) {
            kept.apps.push(app.to_owned());
            return;
        }
        self.0.push(Annotation {
            level,
            title,
            apps: app.map(str::to_owned).into_iter().collect(),
            message,
            hint,
        });
    }

    /// The apps whose content changes in a way a reviewer must see: one warning, naming each
    /// app and how many risky changes it has; the summary and `results` say which.
    fn risky(&mut self, apps: &[AppRun]) {
        let risky: Vec<String> = apps
            .iter()
            .filter_map(|app| match &app.diff {
                Some(Diff::Changes(changes)) if !changes.risks.is_empty() => Some(format!(
                    "{} ({} → {}: {})",
                    app.label,
                    changes.from,
                    changes.to,
                    changes.risks.len() + changes.risks_unlisted
                )),
                _ => None,
            })
            .collect();
        if !risky.is_empty() {
            self.push(
                Level::Warning,
                "Risky changes in the plan".to_owned(),
                format!(
                    "What goes live changes in ways a reviewer should look at, for {}: the step \
                     summary and `results` name each change and why it is risky.",
                    risky.join(", ")
                ),
                None,
            );
        }
    }

    /// Retries and duplicates warn; what a policy or lookup changed is a notice.
    fn notes(&mut self, notes: &[Note]) {
        for note in notes {
            let (level, title) = match note {
                Note::Retry(_) => (Level::Warning, "Retried"),
                Note::Duplicate(_) => (Level::Warning, "Listed twice"),
                Note::Info(_) => (Level::Notice, "ToolJet"),
                Note::Warning(_) => (Level::Warning, "ToolJet"),
            };
            self.push(level, title.to_owned(), note.text().to_owned(), None);
        }
    }

    fn emit(self, commands: &Commands) {
        for level in [Level::Error, Level::Warning, Level::Notice] {
            let of_level: Vec<&Annotation> = self.0.iter().filter(|a| a.level == level).collect();
            for annotation in of_level.iter().take(MAX_ANNOTATIONS) {
                commands.annotate_with_hint(
                    level,
                    &annotation.titled(),
                    &annotation.message,
                    annotation.hint.as_deref(),
                );
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

/// What a panic report needs to know as the step goes on.
pub struct PanicReport(Arc<AtomicBool>);

impl PanicReport {
    /// From here on requests may reach ToolJet, so a panic leaves the outcome unknown.
    pub fn requests_may_be_sent(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Where this run reports: the runner's files when on GitHub, stdout and stderr elsewhere.
#[derive(Clone)]
pub struct GitHub {
    pub commands: Commands,
    output_file: Option<PathBuf>,
    dotenv_file: Option<PathBuf>,
    summary_file: Option<PathBuf>,
}

impl GitHub {
    pub fn from_vars(vars: &[(String, String)], voice: Voice) -> Self {
        let get = |name: &str| env_var(vars, name);
        Self {
            commands: Commands {
                on_github: get("GITHUB_ACTIONS") == Some("true"),
                voice,
            },
            output_file: get("GITHUB_OUTPUT").map(PathBuf::from),
            dotenv_file: get("TOOLJET_DOTENV").map(PathBuf::from),
            summary_file: get("GITHUB_STEP_SUMMARY").map(PathBuf::from),
        }
    }

    /// The files the outputs go to that cannot be written as the action writes (a FIFO, a
    /// device, a link, a missing directory), each named with its variable and why; those are
    /// left out of every later write. Called before any request: outputs lost after ToolJet
    /// acted would leave a later step without a new app's id.
    pub fn unwritable_destinations(&mut self) -> Vec<String> {
        let mut problems = Vec::new();
        for (variable, slot) in [
            ("GITHUB_OUTPUT", &mut self.output_file),
            ("TOOLJET_DOTENV", &mut self.dotenv_file),
        ] {
            if let Some(path) = slot.as_ref()
                && let Err(err) = files::writable(path)
            {
                problems.push(format!(
                    "{variable} names {}, where the outputs cannot be written: {err}. Point it at a \
                     file",
                    path.display()
                ));
                *slot = None;
            }
        }
        problems
    }

    /// From now on, everything is said with `voice`: the secrets and the caller's names it knows.
    pub fn speaking(mut self, voice: Voice) -> Self {
        self.commands.voice = voice;
        self
    }

    /// How the caller sets the input `err` is about; empty on GitHub, where `with:` is the way.
    pub fn how_to_set(&self, err: &InputError) -> String {
        let naming = self.commands.voice.naming();
        match (err.input, err.also.is_empty()) {
            _ if err.says_how => String::new(),
            ("", _) => String::new(),
            (input, true) => naming.how_to_set(input),
            (_, false) => naming.how_to_set_each(),
        }
    }

    /// Masks every secret; call before anything else is printed.
    pub fn mask(&self, secrets: &[String]) {
        for secret in secrets {
            self.commands.add_mask(secret);
        }
    }

    /// From now on a panic ends the step as any failure does: an `::error::` that names only
    /// where it happened (its message may quote an input, the token included, and off GitHub
    /// nothing masks it), `outcome` written, exit 1. Call first thing.
    pub fn report_panics(&self) -> PanicReport {
        let sent = Arc::new(AtomicBool::new(false));
        let (github, requests_sent) = (self.clone(), sent.clone());
        std::panic::set_hook(Box::new(move |info| {
            let place = info.location().map_or_else(
                || "an unknown place".to_owned(),
                |at| format!("{}:{}", at.file(), at.line()),
            );
            let sent = requests_sent.load(Ordering::SeqCst);
            github.internal_error(&place, sent);
            std::process::exit(1);
        }));
        PanicReport(sent)
    }

    fn internal_error(&self, place: &str, sent: bool) {
        let (outcome, next) = if sent {
            (
                Outcome::Unknown,
                "Requests may have reached ToolJet: check the apps in ToolJet before re-running.",
            )
        } else {
            (Outcome::Failure, "Nothing was sent to ToolJet.")
        };
        let message = format!(
            "The action stopped on an internal error at {place}; its message is not shown, as it may \
             quote an input. {next} Please report this error with the place it names."
        );
        self.commands
            .annotate(Level::Error, "Internal error", &message);
        let _ = self.write_outputs(&Outputs(vec![("outcome", outcome.to_string())]));
        self.append_summary(&format!(
            "### ❌ ToolJet step stopped on an internal error\n\n{}\n",
            escape_markdown(&message)
        ));
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

    /// A bad input: nothing was sent to ToolJet. The outputs still say so (`outcome` is
    /// `failure`, and `operation` when it was valid), for a later step's `if:`.
    pub fn input_error(&self, operation: Option<OperationKind>, problem: &str) {
        let problem = commands::sentence(problem);
        self.commands.annotate(
            Level::Error,
            "Invalid input",
            &format!("{problem} Nothing was sent to ToolJet."),
        );
        let outputs = Outputs(vec![
            (
                "operation",
                operation.map(|o| o.to_string()).unwrap_or_default(),
            ),
            ("outcome", Outcome::Failure.to_string()),
        ]);
        // Failing already; a write error is annotated there.
        let _ = self.write_outputs(&outputs);
        self.append_summary(&format!(
            "### ❌ ToolJet step not started\n\n{} Nothing was sent to ToolJet.\n",
            escape_markdown(&self.commands.voice.say(&problem))
        ));
    }

    /// The outputs to `GITHUB_OUTPUT`, or as JSON on stdout off GitHub, and to the dotenv file
    /// if one is named. When a file cannot be written the outputs go to the log instead, and
    /// the error comes back: the step must fail.
    fn write_outputs(&self, outputs: &Outputs) -> std::io::Result<()> {
        let secrets = self.commands.voice.secrets();
        let outputs = &outputs.scrubbed(secrets);
        let dotenv = match &self.dotenv_file {
            Some(path) => self.written(
                ("TOOLJET_DOTENV", path),
                "Later jobs",
                outputs,
                outputs.write_dotenv(path, secrets),
            ),
            None => Ok(()),
        };
        let runner = match &self.output_file {
            Some(path) => self.written(
                ("GITHUB_OUTPUT", path),
                "Later steps",
                outputs,
                outputs.append_to(path),
            ),
            // Off GitHub the outputs are stdout's one JSON line: a stdout gone is outputs lost.
            None => {
                let mut out = std::io::stdout().lock();
                writeln!(out, "{}", outputs.to_json())
                    .and_then(|()| out.flush())
                    .inspect_err(|err| {
                        self.commands.annotate(
                            Level::Error,
                            "Could not write the step outputs",
                            &format!(
                                "stdout: {err}. Later steps will not see them; they are on \
                                 stderr instead."
                            ),
                        );
                        commands::line(
                            false,
                            format_args!("Step outputs: {}", printable(&outputs.to_json())),
                        );
                    })
            }
        };
        runner.and(dotenv)
    }

    /// A failed write to the file `variable` names, annotated with who misses the outputs
    /// (`readers`), the outputs printed in the log instead.
    fn written(
        &self,
        (variable, path): (&str, &Path),
        readers: &str,
        outputs: &Outputs,
        result: std::io::Result<()>,
    ) -> std::io::Result<()> {
        result.inspect_err(|err| {
            self.commands.annotate(
                Level::Error,
                "Could not write the step outputs",
                &format!(
                    "{} ({variable}): {err}. {readers} will not see them; {}",
                    path.display(),
                    match self.output_file.is_some() {
                        true => "they are printed in the log as JSON.",
                        false => "they are on stdout as JSON.",
                    }
                ),
            );
            // Off GitHub stdout has them already, as its one JSON line.
            if self.output_file.is_some() {
                commands::line(
                    true,
                    format_args!("Step outputs: {}", printable(&outputs.to_json())),
                );
            }
        })
    }

    /// Outputs, summary, notes and, on failure, the error annotations. `Err` when the outputs
    /// could not be written: they are then printed in the log, and the step must fail.
    pub fn report(&self, report: &Report) -> std::io::Result<()> {
        let written = self.write_outputs(&report.outputs());
        let exchanges = report
            .run
            .lookups
            .exchanges
            .iter()
            .chain(report.run.apps.iter().flat_map(|app| &app.exchanges));
        self.commands
            .group("ToolJet requests", exchanges.map(ToString::to_string));
        if report.run.apps[0].operation.has_plan() {
            self.commands.lines("plan", report.plan_lines());
        }
        self.append_summary(&summary::render(report));
        let mut annotations = Annotations::default();
        annotations.notes(&report.run.lookups.notes);
        for app in &report.run.apps {
            annotations.notes(&app.notes);
            if let Some((message, hint)) = report::failure(app) {
                let label = Some(app.label.as_str()).filter(|label| !label.is_empty());
                // An app that never started did not fail: another app or a signal stopped it.
                let (level, ended) = match app.verdict {
                    Verdict::Skipped => (Level::Warning, "skipped"),
                    Verdict::Held(_) => (Level::Warning, "held"),
                    Verdict::NotStarted(_) => (Level::Warning, "not started"),
                    _ => (Level::Error, "failed"),
                };
                let title = match app.verdict {
                    // ToolJet did nothing wrong: the instance differs from the manifest.
                    Verdict::Drifted => "Out of sync".to_owned(),
                    _ => format!("ToolJet {} {ended}", app.operation),
                };
                annotations.about(level, title, label, message, Some(hint));
            }
        }
        annotations.risky(&report.run.apps);
        annotations.emit(&self.commands);
        validation::annotate(&self.commands, &report.run.apps);
        written
    }

    fn append_summary(&self, markdown: &str) {
        let markdown = self.commands.voice.secrets().scrub(markdown);
        if let Some(path) = &self.summary_file
            && let Err(err) = files::append(path, &markdown)
        {
            // A summary is a courtesy: say so, but do not fail the step for it.
            self.commands.annotate(
                Level::Warning,
                "Could not write the step summary",
                &format!("{} (GITHUB_STEP_SUMMARY): {err}", path.display()),
            );
        }
    }
}
