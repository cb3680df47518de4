//! What the step says about itself: the outputs, each app's result in words, what went
//! wrong and what to check. Where it is written (files, log) is the caller's business.

use std::time::Duration;

use reqwest::Url;

use super::Outputs;
use super::outputs::bounded_list;
use crate::changes::Diff;
use crate::environment::RunContext;
use crate::operation::OperationKind;
use crate::outcome::{AppRun, HeldBy, Run, Verdict};
use crate::plan::{State, Tally};
use crate::redact::bounded;
use crate::steps::{self, Step, StepEnd};
use crate::tooljet::is_one_segment;

/// The `response` output keeps this much of ToolJet's answer, marked when cut.
const MAX_RESPONSE: usize = 64 * 1024;
/// The `results` and `plan` outputs stay under this; apps beyond it are counted, not listed.
pub(super) const MAX_RESULTS: usize = 256 * 1024;
/// The `plan` output's format: raised when a key changes meaning or goes; new keys may come.
pub const PLAN_FORMAT: u64 = 1;

/// One run with what is needed to describe it.
pub struct Report<'a> {
    pub run: &'a Run,
    /// `check`, `apply`: the manifest's instance.
    pub instance: Option<&'a str>,
    pub tooljet_url: &'a Url,
    pub organization_id: Option<&'a str>,
    pub context: &'a RunContext,
    /// The whole step's time.
    pub elapsed: Duration,
}

impl Report<'_> {
    /// The app in ToolJet's editor (`<tooljet-url>/<workspace>/apps/<app id>`), where the
    /// workspace is known from `organization-id` or ToolJet's answer.
    pub fn editor_url(&self, app: &AppRun) -> Option<Url> {
        let ids = &app.ids;
        let workspace = self.organization_id.or(ids.organization_id.as_deref())?;
        self.tooljet_link(&[workspace, "apps", ids.app_id.as_deref()?])
    }

    /// The released app as its users open it (`<tooljet-url>/applications/<slug>`), when this
    /// operation made a version live.
    pub fn app_url(&self, app: &AppRun) -> Option<Url> {
        let ids = &app.ids;
        if !(ids.released && matches!(app.verdict, Verdict::Succeeded)) {
            return None;
        }
        self.tooljet_link(&["applications", ids.slug.as_deref()?])
    }

    /// A page of the instance; `None` when a segment (from ToolJet's answer) is no path segment.
    fn tooljet_link(&self, segments: &[&str]) -> Option<Url> {
        if !segments.iter().all(|segment| is_one_segment(segment)) {
            return None;
        }
        let mut url = self.tooljet_url.clone();
        url.path_segments_mut()
            .ok()?
            .pop_if_empty()
            .extend(segments);
        Some(url)
    }

    /// One line on how this app ended: what went wrong, what its plan does, or the requests a
    /// dry run would send.
    pub fn message(&self, app: &AppRun) -> Option<String> {
        if self.plan_is_the_result() {
            return match &app.verdict {
                Verdict::Succeeded | Verdict::Planned => app.plan.as_ref().map(|plan| plan.words()),
                _ => failure(app).map(|(message, _)| message),
            };
        }
        let planned = app.planned();
        let nothing_to_send = app
            .plan
            .as_ref()
            .is_some_and(|plan| plan.state == State::InSync);
        match &app.verdict {
            Verdict::Planned if nothing_to_send => Some("already live: nothing to send".to_owned()),
            Verdict::Planned => Some(planned.join(" ; ")),
            Verdict::Succeeded if nothing_to_send => {
                Some("already live: nothing was sent".to_owned())
            }
            _ => failure(app).map(|(message, _)| message),
        }
    }

    /// The step's result is its plan (`check`, and `apply`'s dry run): nothing was to be written.
    pub fn plan_is_the_result(&self) -> bool {
        self.run.plan_only
    }

    /// The step's operation.
    pub fn operation(&self) -> OperationKind {
        self.run.apps[0].operation
    }

    /// How many apps the plan changes, and how (`check`, `apply`).
    pub fn tally(&self) -> Tally {
        Tally::of(self.run.apps.iter().map(|app| match app.verdict {
            Verdict::Unresolved(_) => None,
            _ => app.plan.as_ref(),
        }))
    }

    /// The plan in the log, for every CI and a shell: the tally, then a line per app.
    pub fn plan_lines(&self) -> Vec<String> {
        let mut lines = vec![self.tally().to_string()];
        lines.extend(self.run.apps.iter().map(|app| {
            let (declared, live, state) = standing(app);
            // What apply does, and, once it ran, how that ended.
            let does = match (&app.plan, &app.verdict) {
                (_, Verdict::Unresolved(_)) | (None, _) => self.message(app).unwrap_or_default(),
                (Some(plan), _) if self.plan_is_the_result() => plan.words(),
                (Some(plan), verdict) => format!("{}: {}", plan.words(), verdict.name()),
            };
            format!(
                "{}: declared {declared}, live {live}, {state}: {does}",
                app.label
            )
        }));
        for app in &self.run.apps {
            let label = &app.label;
            lines.extend(
                change_lines(app)
                    .into_iter()
                    .map(|line| format!("{label}: {line}")),
            );
        }
        lines
    }

    /// The step outputs, in action.yml's order. Per-app values hold one line per app, in the
    /// order the apps were given; `results` has everything as JSON.
    pub fn outputs(&self) -> Outputs {
        let apps = &self.run.apps;
        // One line per app, whatever a value holds: a line break in one would shift every
        // later app's line.
        let per_app = |value: &dyn Fn(&AppRun) -> String| {
            apps.iter()
                .map(|app| one_line(&value(app)))
                .collect::<Vec<_>>()
                .join("\n")
        };
        let response = match apps.as_slice() {
            [only] => bounded(&only.response, MAX_RESPONSE).into_owned(),
            _ => String::new(),
        };
        Outputs(vec![
            ("operation", apps[0].operation.to_string()),
            ("outcome", self.run.outcome().to_string()),
            (
                "http-status",
                per_app(&|a| a.status.map(|s| s.as_u16().to_string()).unwrap_or_default()),
            ),
            (
                "app-id",
                per_app(&|a| a.ids.app_id.clone().unwrap_or_default()),
            ),
            (
                "version-id",
                per_app(&|a| a.ids.version_id.clone().unwrap_or_default()),
            ),
            ("previous-version", per_app(&|a| self.previous_version(a))),
            (
                "environment",
                per_app(&|a| a.ids.environment.clone().unwrap_or_default()),
            ),
            ("in-sync", self.in_sync()),
            ("changed", self.changed().join("\n")),
            ("warnings", per_app(&|a| a.warnings().to_string())),
            ("response", response),
            ("duration-ms", self.elapsed.as_millis().to_string()),
            (
                "app-url",
                per_app(&|a| self.app_url(a).map(String::from).unwrap_or_default()),
            ),
            (
                "editor-url",
                per_app(&|a| self.editor_url(a).map(String::from).unwrap_or_default()),
            ),
            ("results", self.results()),
            ("plan", self.plan()),
            // `diff`'s own.
            ("instances", String::new()),
        ])
    }

    /// What was live before the step made the declared version live (`deploy`, `apply`); empty
    /// where the plan is the result, which changed nothing.
    fn previous_version(&self, app: &AppRun) -> String {
        match (&app.plan, self.plan_is_the_result()) {
            (Some(plan), false) => plan.live().unwrap_or_default().to_owned(),
            _ => String::new(),
        }
    }

    /// `check`: every app has its declared version live; `apply`: every app has it after the
    /// step (a dry run, before it). Empty for other operations.
    fn in_sync(&self) -> String {
        let apps = &self.run.apps;
        let in_sync = |app: &AppRun| {
            !matches!(app.verdict, Verdict::Failed(_) | Verdict::Unresolved(_))
                && app
                    .plan
                    .as_ref()
                    .is_some_and(|plan| plan.state == State::InSync)
        };
        let all = match self.operation().has_plan() {
            false => return String::new(),
            _ if self.plan_is_the_result() => apps.iter().all(in_sync),
            // Every app verified live, none held or unknown.
            true => apps
                .iter()
                .all(|app| matches!(app.verdict, Verdict::Succeeded)),
        };
        all.to_string()
    }

    /// The apps whose live version this step changed (`deploy`, `apply`), by the name given.
    pub fn changed(&self) -> Vec<&str> {
        self.run
            .apps
            .iter()
            .filter(|app| app.changed_live())
            .map(|app| app.label.as_str())
            .collect()
    }

    /// One JSON object per app: what it was, how it ended and why, as a JSON array of at most
    /// [`MAX_RESULTS`] bytes (apps that do not fit are counted in a last object).
    pub fn results(&self) -> String {
        bounded_list(
            self.run.apps.iter().map(|app| self.result(app).to_string()),
            MAX_RESULTS,
            omitted,
        )
    }

    /// `check`, `apply`: the plan as JSON, a contract for machines (README, "The `plan`
    /// output"): `format`, the instance, the tally, and per app its standing and the writes
    /// `apply` sends for it, in order; apps beyond [`MAX_RESULTS`] counted in a last object.
    pub fn plan(&self) -> String {
        if !self.operation().has_plan() {
            return String::new();
        }
        let apps = bounded_list(
            self.run.apps.iter().map(|app| plan_of(app).to_string()),
            MAX_RESULTS,
            omitted,
        );
        let head = serde_json::json!({
            "format": PLAN_FORMAT,
            "instance": self.instance,
            "summary": self.tally().to_string(),
            "complete": self.tally().unknown == 0,
        })
        .to_string();
        let head = head.strip_suffix('}').expect("a JSON object");
        format!("{head},\"apps\":{apps}}}")
    }

    fn result(&self, app: &AppRun) -> serde_json::Value {
        let mut result = serde_json::json!({
            "app": app.label,
            "app-id": app.ids.app_id,
            "version-id": app.ids.version_id,
            "environment": app.ids.environment,
            "outcome": app.outcome().as_str(),
            "result": app.verdict.name(),
            "http-status": app.status.map(|s| s.as_u16()),
            "duration-ms": app.duration.as_millis() as u64,
            "message": self.message(app),
            "warnings": app.warnings(),
            "steps": steps::with_unrun(app.operation, &app.steps)
                .iter()
                .map(|record| {
                    let mut step = match &record.end {
                        StepEnd::Skipped(why) => serde_json::json!({
                            "step": record.step.as_str(), "result": record.end.name(), "why": why,
                        }),
                        end => {
                            serde_json::json!({"step": record.step.as_str(), "result": end.name()})
                        }
                    };
                    let warnings: usize = app
                        .validation
                        .iter()
                        .filter(|(drew, _)| *drew == record.step)
                        .map(|(_, warnings)| warnings.count)
                        .sum();
                    if warnings > 0 {
                        step["warnings"] = warnings.into();
                    }
                    step
                })
                .collect::<Vec<_>>(),
        });
        if app.operation.desired() {
            let live_key = match self.plan_is_the_result() {
                true => "live",
                false => "previous-version",
            };
            let plan = app.plan.as_ref();
            result["declared"] = app.version.clone().into();
            result[live_key] = plan.and_then(|plan| plan.live()).into();
            result["state"] = plan
                .map_or(State::Unknown, |plan| plan.state)
                .as_str()
                .into();
            result["actions"] = actions(app).into();
            if let Some(diff) = &app.diff {
                result["changes"] = serde_json::json!(diff);
            }
        }
        result
    }
}

/// The writes the app's plan sends, in order; none for an app that could not be planned.
fn actions(app: &AppRun) -> Vec<&'static str> {
    match (&app.verdict, &app.plan) {
        (Verdict::Unresolved(_), _) | (_, None) => Vec::new(),
        (_, Some(plan)) => plan.path.actions().iter().map(|a| a.as_str()).collect(),
    }
}

/// The most lines of one app's changes in the log and the summary; `results` and `plan` have
/// them all (up to their own bounds).
pub const MAX_CHANGE_LINES: usize = 16;

/// What changes in an app's content, as lines: the versions and the counts, what was added,
/// removed and changed per kind, the risky changes; or why that cannot be said. At most
/// [`MAX_CHANGE_LINES`], the rest counted.
pub fn change_lines(app: &AppRun) -> Vec<String> {
    let mut lines = match &app.diff {
        None => return Vec::new(),
        Some(Diff::Unavailable(why)) => {
            return vec![format!(
                "what changes in the content is not available: {why}"
            )];
        }
        Some(Diff::Changes(changes)) => changes.lines(),
    };
    // The risky changes first, after the headline: a reviewer must see them whatever is cut.
    let (risky, kinds): (Vec<String>, Vec<String>) = lines
        .drain(1..)
        .partition(|line| line.trim_start().starts_with("risky: "));
    lines.extend(risky);
    lines.extend(kinds);
    if lines.len() > MAX_CHANGE_LINES {
        let more = lines.len() - (MAX_CHANGE_LINES - 1);
        lines.truncate(MAX_CHANGE_LINES - 1);
        lines.push(format!(
            "  … and {more} more lines: the results output has every change"
        ));
    }
    lines
}

/// One app of the `plan` output.
fn plan_of(app: &AppRun) -> serde_json::Value {
    let (declared, live, state) = (
        app.version.as_deref(),
        app.plan.as_ref().and_then(|plan| plan.live()),
        app.plan.as_ref().map_or(State::Unknown, |plan| plan.state),
    );
    let mut entry = serde_json::json!({
        "app": app.label,
        // As planned: an app the step imported had none.
        "app-id": app.plan.as_ref().and_then(|plan| plan.app_id.as_deref()),
        "declared": declared,
        "live": live,
        "state": state.as_str(),
        "actions": actions(app),
    });
    // Why an app could not be planned: its name not resolved, or what is live not read.
    if let Some((why, _)) = failure(app).filter(|_| state == State::Unknown || app.plan.is_none()) {
        entry["why"] = why.into();
    }
    if let Some(diff) = &app.diff {
        entry["changes"] = serde_json::json!(diff);
    }
    entry
}

/// An app's declared version, what is live, and its state, in words for a line of the log.
fn standing(app: &AppRun) -> (String, String, &'static str) {
    let plan = app.plan.as_ref();
    let live = match plan {
        Some(plan) => match (plan.live(), plan.state) {
            (Some(live), _) => live.to_owned(),
            (None, State::AppAbsent) => "(no app)".to_owned(),
            (None, State::Unknown) => "?".to_owned(),
            (None, _) => "(none released)".to_owned(),
        },
        None => "?".to_owned(),
    };
    (
        app.version.clone().unwrap_or_default(),
        live,
        plan.map_or(State::Unknown, |plan| plan.state).as_str(),
    )
}

/// `text` on one line: every control character (a line break among them) a space.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The last object of a `results` that could not list every app.
fn omitted(count: usize) -> String {
    serde_json::json!({
        "omitted": count,
        "message": format!(
            "{count} more apps are not listed: this output is capped at {} KiB; the step summary counts them",
            MAX_RESULTS / 1024
        ),
    })
    .to_string()
}

/// What went wrong and what to check, when an app did not succeed.
pub fn failure(app: &AppRun) -> Option<(String, String)> {
    let operation = app.operation;
    // Inside a program of several steps, the step that failed or was cut short is named.
    let at = |step: Option<Step>| match step {
        Some(step) if operation.desired() => format!(" at step `{step}`"),
        _ => String::new(),
    };
    match &app.verdict {
        Verdict::Succeeded | Verdict::Planned => None,
        Verdict::Drifted => Some((
            format!(
                "not in sync ({}): {} is live, {} is declared",
                app.plan.as_ref().map_or(State::Unknown, |plan| plan.state),
                app.plan
                    .as_ref()
                    .and_then(|plan| plan.live())
                    .unwrap_or("no version"),
                app.version.as_deref().unwrap_or_default()
            ),
            "Run `operation: apply` for this instance to make the declared version live, or, if \
             the change made in ToolJet is the one to keep, write what is live into the manifest."
                .to_owned(),
        )),
        Verdict::Failed(failure) => Some((
            format!("{}{}", failure.error, at(Some(failure.step))),
            failure.hint(operation),
        )),
        Verdict::Unresolved(why) => Some((format!("{why}; nothing was sent"), why.hint(operation))),
        Verdict::Held(HeldBy::Plan) => Some((
            "held: another app of the manifest could not be planned, so apply sent nothing for \
             any app"
                .to_owned(),
            "A manifest is applied whole or not at all: fix the apps that could not be planned \
             (their errors say how), then re-run."
                .to_owned(),
        )),
        Verdict::Held(HeldBy::Preparation) => Some((
            "held: another app's import, pull or save failed, so apply released nothing for any \
             app (what this app's steps did is kept: a re-run releases it by name)"
                .to_owned(),
            "Releases change what is live, so apply makes none until every app's import, pull \
             and save went through: fix the app that failed (its error says how), then re-run."
                .to_owned(),
        )),
        Verdict::Skipped => Some((
            "not started: `fail-fast` stopped the step after another app failed".to_owned(),
            "Fix the app that failed, then re-run.".to_owned(),
        )),
        Verdict::NotStarted(signal) => Some((
            format!("cancelled by {signal} before this app started: nothing was sent for it"),
            "Re-running is safe for this app.".to_owned(),
        )),
        Verdict::Cancelled {
            signal,
            in_flight: true,
            reading: true,
            step,
        } => Some((
            format!(
                "cancelled by {signal} while reading from ToolJet{}: a read changes nothing",
                at(*step)
            ),
            "Only reads were sent for this app: re-running is safe.".to_owned(),
        )),
        Verdict::Cancelled {
            signal,
            in_flight: true,
            reading: false,
            step,
        } => Some((
            format!(
                "cancelled by {signal} while the `{operation}` request to ToolJet was in flight{}",
                at(*step)
            ),
            format!(
                "ToolJet may still complete the {operation}: check the app in ToolJet before re-running."
            ),
        )),
        Verdict::Cancelled {
            signal,
            in_flight: false,
            step,
            ..
        } => Some((
            format!(
                "cancelled by {signal} between attempts: no `{operation}` request was in flight{}",
                at(*step)
            ),
            "The last attempt failed before ToolJet acted; re-running is safe.".to_owned(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::Operation;
    use crate::outcome::Lookups;

    fn report_of(apps: usize, label_len: usize) -> (Run, Url, RunContext) {
        let apps = (0..apps)
            .map(|n| {
                let pull = Operation::Pull {
                    app_id: format!("app-{n}"),
                    branch: None,
                };
                // Durations of every width: the bound must not depend on their digits.
                let duration = Duration::from_millis(10u64.pow((n % 7) as u32));
                let label = format!("{}{n}", "x".repeat(label_len));
                AppRun::new(
                    crate::job::Job::Single(pull).subject(),
                    &label,
                    duration,
                    Verdict::Skipped,
                )
            })
            .collect();
        let run = Run {
            apps,
            lookups: Lookups::default(),
            dry_run: false,
            plan_only: false,
        };
        (
            run,
            Url::parse("https://tj.example.com/").unwrap(),
            RunContext::default(),
        )
    }

    fn results_of(apps: usize, label_len: usize) -> String {
        let (run, url, context) = report_of(apps, label_len);
        Report {
            run: &run,
            instance: None,
            tooljet_url: &url,
            organization_id: None,
            context: &context,
            elapsed: Duration::from_millis(1),
        }
        .results()
    }

    #[test]
    fn results_never_exceed_their_bound_and_count_what_they_leave_out() {
        for (apps, label_len) in [(1_000, 200), (3_000, 10), (257, 1_000), (5, 70_000)] {
            let results = results_of(apps, label_len);
            assert!(
                results.len() <= MAX_RESULTS,
                "{apps} apps: {} bytes",
                results.len()
            );
            let json: serde_json::Value = serde_json::from_str(&results).expect("whole JSON");
            let items = json.as_array().unwrap();
            let omitted = items.last().unwrap()["omitted"].as_u64().unwrap() as usize;
            assert_eq!(
                items.len() - 1 + omitted,
                apps,
                "every app is listed or counted"
            );
        }
    }

    #[test]
    fn results_that_fit_list_every_app_and_nothing_more() {
        let json: serde_json::Value = serde_json::from_str(&results_of(3, 5)).unwrap();
        assert_eq!(json.as_array().unwrap().len(), 3);
        assert!(json[2].get("omitted").is_none());
    }
}
