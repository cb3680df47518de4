//! How the step went: one result per app, and the step's outcome derived from them.

use std::time::Duration;

use reqwest::StatusCode;

use crate::changes::Diff;
use crate::job::Subject;
use crate::operation::{OperationKind, ResultIds};
use crate::plan::AppPlan;
use crate::record::{Exchange, Note};
use crate::resolve::LookupError;
use crate::signals::Signal;
use crate::steps::{Failure, Step, StepEnd, StepRecord};
use crate::tooljet::ApiError;
pub use crate::tooljet::fate::Outcome;
use crate::tooljet::validation::Warnings;

/// How one app's part of the step ended.
#[derive(Debug)]
pub enum Verdict {
    Succeeded,
    /// `dry-run`: its steps hold the requests that would have been sent.
    Planned,
    Failed(Failure),
    /// Its name could not be turned into an id; nothing was sent for it.
    Unresolved(LookupError),
    /// `check` with `fail-on-drift`: the app is not in sync.
    Drifted,
    /// `apply`: nothing of this app was released, because of another app.
    Held(HeldBy),
    /// `fail-fast` stopped this app before it started.
    Skipped,
    /// The step was cancelled before this app started.
    NotStarted(Signal),
    /// The step was cancelled while this app ran, with or without a request in flight, in
    /// the step it names; `reading` when every request sent for it, the one in flight
    /// included, only read (a `check`, or what is live read before any write).
    Cancelled {
        signal: Signal,
        in_flight: bool,
        reading: bool,
        step: Option<Step>,
    },
}

impl Verdict {
    /// The error ToolJet (or something in its place) answered, for this app or its lookup.
    fn answered(&self) -> Option<&ApiError> {
        match self {
            Self::Failed(failure) => failure.error.answered(),
            Self::Unresolved(LookupError::Request { source, .. }) => Some(source),
            _ => None,
        }
    }

    pub fn outcome(&self) -> Outcome {
        match self {
            Self::Succeeded | Self::Planned => Outcome::Success,
            Self::Failed(failure) => failure.outcome,
            Self::Cancelled {
                in_flight: true,
                reading: false,
                ..
            } => Outcome::Unknown,
            _ => Outcome::Failure,
        }
    }

    /// A word for how the app ended, as the summary and `results` show it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Planned => "planned",
            Self::Failed(failure) if failure.outcome == Outcome::Unknown => "outcome unknown",
            Self::Failed(_) => "failed",
            Self::Unresolved(LookupError::NoMatch { .. }) => "not found",
            Self::Unresolved(LookupError::Request { .. }) => "failed",
            Self::Drifted => "out of sync",
            Self::Held(_) => "held",
            Self::Skipped => "skipped",
            Self::NotStarted(_) => "not started",
            Self::Cancelled { .. } => "cancelled",
        }
    }

    /// Every name, in the order the summary counts them.
    pub const NAMES: [&'static str; 10] = [
        "succeeded",
        "planned",
        "failed",
        "outcome unknown",
        "out of sync",
        "not found",
        "held",
        "skipped",
        "not started",
        "cancelled",
    ];
}

/// Why `apply` held an app back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldBy {
    /// Another app of the manifest could not be planned: nothing was written for any app.
    Plan,
    /// Another app's import, pull or save failed: nothing was released for any app.
    Preparation,
}

/// Everything the reports need about one app's part of the step.
#[derive(Debug)]
pub struct AppRun {
    pub operation: OperationKind,
    /// The app as given (id, slug or name); empty for configure-git and create.
    pub label: String,
    /// The app and version as sent.
    pub app: Option<String>,
    pub version: Option<String>,
    pub status: Option<StatusCode>,
    /// ToolJet's body, secrets scrubbed.
    pub response: String,
    pub ids: ResultIds,
    /// `deploy`, `check`, `apply`: how the app stood before anything was sent, and the path to
    /// its declared version.
    pub plan: Option<AppPlan>,
    /// `check`, `apply`: what changes in the app's content from the live version to the
    /// declared one, or why that cannot be said.
    pub diff: Option<Diff>,
    pub duration: Duration,
    pub verdict: Verdict,
    pub notes: Vec<Note>,
    /// Every request sent for this app, in order.
    pub exchanges: Vec<Exchange>,
    /// Its steps as they ended, in order.
    pub steps: Vec<StepRecord>,
    /// What ToolJet's app validation reported, by the step whose write drew it.
    pub validation: Vec<(Step, Warnings)>,
}

impl AppRun {
    /// An app's part with the ids its inputs name, and the status and body of the error it
    /// ended with, if one was answered.
    pub fn new(subject: Subject, label: &str, duration: Duration, verdict: Verdict) -> Self {
        let Subject { kind, app, version } = subject;
        Self {
            operation: kind,
            label: label.to_owned(),
            app: app.clone(),
            version,
            status: verdict.answered().and_then(ApiError::status),
            response: verdict
                .answered()
                .and_then(ApiError::body)
                .unwrap_or_default()
                .to_owned(),
            ids: ResultIds {
                app_id: app,
                ..ResultIds::default()
            },
            plan: None,
            diff: None,
            duration,
            verdict,
            notes: Vec::new(),
            exchanges: Vec::new(),
            steps: Vec::new(),
            validation: Vec::new(),
        }
    }

    /// The requests a dry run would send for this app, in order.
    pub fn planned(&self) -> Vec<&str> {
        self.steps
            .iter()
            .filter_map(|record| match &record.end {
                StepEnd::Planned(request) => Some(request.as_str()),
                _ => None,
            })
            .collect()
    }

    pub fn succeeded(&self) -> bool {
        self.outcome() == Outcome::Success
    }

    /// How many warnings ToolJet's app validation reported for this app.
    pub fn warnings(&self) -> usize {
        self.validation
            .iter()
            .map(|(_, warnings)| warnings.count)
            .sum()
    }

    pub fn outcome(&self) -> Outcome {
        self.verdict.outcome()
    }

    /// The step made another version live than was before (`deploy`, `apply`).
    pub fn changed_live(&self) -> bool {
        let before = self.plan.as_ref().and_then(|plan| plan.before.live());
        matches!(self.verdict, Verdict::Succeeded)
            && self.ids.released
            && match (before, &self.ids.version_id) {
                (Some(before), Some(now)) => !before.id.eq_ignore_ascii_case(now),
                _ => true,
            }
    }
}

/// The requests made before any app ran (workspaces and apps looked up by name), reported
/// like the apps' own: every exchange, every retry; and what they found beside the apps.
#[derive(Debug, Default)]
pub struct Lookups {
    pub exchanges: Vec<Exchange>,
    pub notes: Vec<Note>,
    /// `check`, `apply`: the workspace's apps the manifest does not name.
    pub unmanaged: Vec<String>,
}

/// The whole step: one part per app (one in all for configure-git and create), and the
/// lookups made before any app ran.
#[derive(Debug)]
pub struct Run {
    pub apps: Vec<AppRun>,
    pub lookups: Lookups,
    pub dry_run: bool,
    /// The plan is the step's result (`check`, `apply`'s dry run): nothing was to be written.
    pub plan_only: bool,
}

impl Run {
    pub fn succeeded(&self) -> bool {
        self.outcome() == Outcome::Success
    }

    /// The worst of the apps' outcomes.
    pub fn outcome(&self) -> Outcome {
        self.apps
            .iter()
            .map(AppRun::outcome)
            .max()
            .unwrap_or(Outcome::Success)
    }

    /// The step failed only because apps are out of sync (`check` with `fail-on-drift`).
    pub fn only_drifted(&self) -> bool {
        let failed = || self.apps.iter().filter(|app| !app.succeeded());
        failed().next().is_some() && failed().all(|app| matches!(app.verdict, Verdict::Drifted))
    }

    /// The signal that cancelled the step, if one did.
    pub fn cancelled_by(&self) -> Option<Signal> {
        self.apps.iter().find_map(|app| match app.verdict {
            Verdict::Cancelled { signal, .. } | Verdict::NotStarted(signal) => Some(signal),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_step_takes_the_worst_outcome_of_its_apps() {
        assert!(Outcome::Success < Outcome::Failure && Outcome::Failure < Outcome::Unknown);
        let verdicts = [
            Verdict::Succeeded,
            Verdict::Skipped,
            Verdict::Cancelled {
                signal: Signal::Term,
                in_flight: true,
                reading: false,
                step: None,
            },
        ];
        assert_eq!(
            verdicts.iter().map(Verdict::outcome).max(),
            Some(Outcome::Unknown)
        );
    }

    #[test]
    fn a_read_cut_short_changed_nothing() {
        let reading = Verdict::Cancelled {
            signal: Signal::Term,
            in_flight: true,
            reading: true,
            step: Some(Step::Listed),
        };
        assert_eq!(reading.outcome(), Outcome::Failure);
    }

    #[test]
    fn an_app_cancelled_before_it_started_failed_without_doubt() {
        assert_eq!(Verdict::NotStarted(Signal::Int).outcome(), Outcome::Failure);
        assert_eq!(
            Verdict::Cancelled {
                signal: Signal::Int,
                in_flight: false,
                reading: false,
                step: None,
            }
            .outcome(),
            Outcome::Failure
        );
    }
}
