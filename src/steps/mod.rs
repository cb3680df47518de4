//! An app's operation as a short program of steps, read top to bottom in one place
//! (`single.rs` for the one-request operations; for deploy, check and apply, `live.rs` reads
//! what is live and decides the app's plan, and `make_live.rs` carries it out), over a [`Seam`]
//! of two kinds: `Live` sends every request, `Plan` (`dry-run`) sends the reads that decide the
//! path and prints the writes instead of sending them. Each step is recorded as it ends, where
//! a signal can still read it.

mod live;
mod make_live;
mod single;

use std::fmt;
use std::sync::{Arc, Mutex};

use reqwest::StatusCode;

pub use live::{Planned, plan, review};
pub use make_live::{Prepared, Ready, prepare, release, run as make_live};
pub use single::run as single;

use crate::operation::{OperationKind, ResultIds};
use crate::record::Note;
use crate::tooljet::attempts::Attempts;
use crate::tooljet::fate::{self, Outcome};
use crate::tooljet::validation::Warnings;
use crate::tooljet::{ApiError, ApiRequest, ApiResponse, Effect};

/// One step of an operation, as the summary and `results` name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Configured,
    Pushed,
    Listed,
    Created,
    Pulled,
    Saved,
    Released,
    Verified,
    Promoted,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Configured => "configured",
            Self::Pushed => "pushed",
            Self::Listed => "listed",
            Self::Created => "created",
            Self::Pulled => "pulled",
            Self::Saved => "saved",
            Self::Released => "released",
            Self::Verified => "verified",
            Self::Promoted => "promoted",
        }
    }

    /// The steps `kind` is made of, in order: those not recorded when it ends were not run.
    pub fn of(kind: OperationKind) -> &'static [Step] {
        match kind {
            OperationKind::ConfigureGit => &[Self::Configured],
            OperationKind::Push => &[Self::Pushed],
            OperationKind::Create => &[Self::Created],
            OperationKind::Pull => &[Self::Pulled],
            OperationKind::SaveVersion => &[Self::Saved],
            OperationKind::Release => &[Self::Released],
            OperationKind::Promote => &[Self::Promoted],
            OperationKind::Check => &[Self::Listed],
            // Reads two files; no request, no step.
            OperationKind::Diff => &[],
            OperationKind::Deploy | OperationKind::Apply => &[
                Self::Listed,
                Self::Created,
                Self::Pulled,
                Self::Saved,
                Self::Released,
                Self::Verified,
            ],
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepEnd {
    Done,
    /// A dry run: the request it would send.
    Planned(String),
    /// Not needed, and why.
    Skipped(String),
    Failed,
    /// A signal stopped the step with its request in flight.
    Cancelled,
    NotRun,
}

impl StepEnd {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Planned(_) => "planned",
            Self::Skipped(_) => "skipped",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::NotRun => "not run",
        }
    }
}

/// One step and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRecord {
    pub step: Step,
    pub end: StepEnd,
}

/// Every step `kind` is made of, as `recorded` ends them, the rest not run.
pub fn with_unrun(kind: OperationKind, recorded: &[StepRecord]) -> Vec<StepRecord> {
    let mut steps = recorded.to_vec();
    for step in Step::of(kind) {
        if !steps.iter().any(|record| record.step == *step) {
            steps.push(StepRecord {
                step: *step,
                end: StepEnd::NotRun,
            });
        }
    }
    steps
}

/// Why a step failed: ToolJet's answer, or a check of it that did not hold.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error(transparent)]
    Api(#[from] ApiError),
    /// A read inside a step whose own request ended already, named, and ToolJet's error to it.
    #[error("could not {what}: {source}")]
    ReadAfter {
        what: &'static str,
        source: Box<ApiError>,
    },
    #[error(transparent)]
    Check(#[from] Check),
}

/// A check of ToolJet's answers that did not hold.
#[derive(Debug, thiserror::Error)]
pub enum Check {
    /// Release answered, but the version it made live is not the one named.
    #[error("ToolJet made version {live} live, not {wanted:?}")]
    OtherVersionLive {
        wanted: String,
        /// The live version: its name and id where the listing has it, else its id.
        live: String,
        /// What would release the intended one.
        next: String,
    },
    /// ToolJet acted, but its answer cannot show what is live now.
    #[error("{0}")]
    Unverified(String),
    /// Nothing was sent, and what is live could not be read: nothing can be claimed.
    #[error("which version is live could not be read: {0}")]
    LiveUnknown(String),
    /// Saving the draft under the declared name was refused, and the listing has no version
    /// of that name: there is no draft to save.
    #[error(
        "ToolJet refused to save the draft as {wanted} ({answered}), and the app has no version \
         {wanted}: there is no draft to save",
        wanted = .0.wanted,
        answered = .0.answered
    )]
    NoDraft(Box<NoDraft>),
}

/// A save with no draft to save: the version wanted, ToolJet's refusal, and the versions the
/// app has, by name.
#[derive(Debug)]
pub struct NoDraft {
    pub wanted: String,
    pub answered: String,
    pub versions: Vec<String>,
}

impl Check {
    /// What the step may claim: another version live is a known state, and so is one where
    /// nothing was sent; an unverified release is not.
    fn outcome(&self) -> Outcome {
        match self {
            Self::OtherVersionLive { .. } | Self::LiveUnknown(_) | Self::NoDraft(_) => {
                Outcome::Failure
            }
            Self::Unverified(_) => Outcome::Unknown,
        }
    }
}

impl StepError {
    /// The error ToolJet (or something in its place) answered, if one did.
    pub fn answered(&self) -> Option<&ApiError> {
        match self {
            Self::Api(err) => Some(err),
            Self::ReadAfter { source, .. } => Some(source),
            Self::Check(_) => None,
        }
    }
}

/// A failed step of an app's operation.
#[derive(Debug)]
pub struct Failure {
    pub step: Step,
    pub error: StepError,
    /// What the step may claim, by `fate`'s one rule.
    pub outcome: Outcome,
    /// The ids learned before it failed: a new app's id is never lost.
    pub ids: Box<ResultIds>,
    /// The request that failed only read, and nothing was written before it.
    pub read_only: bool,
}

impl Failure {
    /// What to check, knowing the step: a 409 inside `deploy` must not suggest `pull`.
    pub fn hint(&self, kind: OperationKind) -> String {
        let hint = self.own_hint(kind);
        match self.error.answered() {
            // The read is ToolJet's word, but a write before it went through.
            Some(err)
                if self.outcome == Outcome::Unknown
                    && fate::reach(err) != fate::Reach::MaybeActed =>
            {
                format!(
                    "{hint} An earlier request for this app went through before this one failed, \
                     so what it did cannot be shown here: check the app in ToolJet before \
                     re-running."
                )
            }
            _ => hint,
        }
    }

    /// A save refused because the draft is saved, or a version of its name exists: 409
    /// "Version is already saved", or 422 "Already exists!" from the database.
    fn refused_as_saved(&self) -> bool {
        let Some(err) = self.error.answered() else {
            return false;
        };
        self.step == Step::Saved
            && match err.status().map(|status| status.as_u16()) {
                Some(409) => true,
                Some(422) => err.to_string().contains("Already exists"),
                _ => false,
            }
    }

    fn own_hint(&self, kind: OperationKind) -> String {
        let err = match &self.error {
            StepError::Check(Check::OtherVersionLive { next, .. }) => return next.clone(),
            StepError::Check(Check::Unverified(_)) => {
                return "Open the app in ToolJet and check which version is released before \
                    re-running."
                    .to_owned();
            }
            StepError::Check(Check::LiveUnknown(_)) => {
                return "Nothing was sent: the export ToolJet answered cannot say which version is \
                    live. Check that `tooljet-url` is ToolJet's server and that ToolJet can export \
                    the app, then re-run."
                    .to_owned();
            }
            StepError::Check(Check::NoDraft(no_draft)) => {
                return no_draft_hint(&no_draft.wanted, &no_draft.versions);
            }
            StepError::ReadAfter { source: err, .. } => return err.read_hint(),
            StepError::Api(err) if self.read_only => return err.read_hint(),
            StepError::Api(err) => err,
        };
        let deploy = kind.desired();
        match (err.status().map(|status| status.as_u16()), self.step) {
            (Some(409), Step::Created) if deploy => "The app was imported meanwhile: re-run this \
                step; deploy now finds it in the workspace and goes on."
                .to_owned(),
            (Some(409), Step::Created) => {
                "The app is already imported: `pull` it with its app id, \
                or set `if-exists: sync` to pull it instead of failing."
                    .to_owned()
            }
            (Some(409), Step::Saved) => "The draft is already saved: release it by name, or set \
                `if-saved: skip` to succeed without saving."
                .to_owned(),
            (Some(422), Step::Saved | Step::Released) => "ToolJet builds from the branch-scoped \
                versions change (mid-2026) until the fix in ToolJet PR #17592 answer 422 to every \
                save and release: upgrade ToolJet (3.20.216-lts or later)."
                .to_owned(),
            _ => err.hint(),
        }
    }
}

/// What makes a version that cannot be saved live: ToolJet saves only a draft, and an app
/// whose draft is saved has a new one only when new content comes from git.
fn no_draft_hint(wanted: &str, versions: &[String]) -> String {
    let has = match versions {
        [] => "no versions listed".to_owned(),
        versions => {
            let shown: Vec<&str> = versions.iter().take(10).map(String::as_str).collect();
            let more = versions.len().saturating_sub(shown.len());
            match more {
                0 => shown.join(", "),
                more => format!("{} and {more} more", shown.join(", ")),
            }
        }
    };
    format!(
        "A re-run would be refused the same way. The app has: {has}. Version {wanted} must first \
         be made from new content in git: push the app's changes to its branch (a pull then \
         brings them into a draft) and run again, or save {wanted} where the app is built; or \
         declare one of the versions the app has."
    )
}

/// A write as the seam carried it out.
#[derive(Debug)]
pub enum Written {
    Answered(ApiResponse),
    /// A dry run: what would have been sent.
    Planned(String),
}

/// Where a program's requests go. Both send through `Attempts`; they differ in writes. One
/// type, not a trait with two: every program is compiled once.
pub enum Seam {
    /// Sends everything.
    Live(Attempts),
    /// A dry run (and every `check`): sends the reads, prints the writes.
    Plan(Attempts),
}

impl Seam {
    /// A request that may change ToolJet.
    async fn write(&mut self, request: &ApiRequest, what: &str) -> Result<Written, ApiError> {
        match self {
            Self::Live(attempts) => attempts.send(request, what).await.map(Written::Answered),
            Self::Plan(attempts) => {
                let plan = format!(
                    "{} {}{}",
                    request.method,
                    attempts.client().url(request),
                    request.body_for_display()
                );
                tracing::info!("dry run: would send {plan}");
                Ok(Written::Planned(plan))
            }
        }
    }

    /// A read, which changes nothing: sent by either seam, as the path depends on it.
    async fn read(&mut self, request: &ApiRequest, what: &str) -> Result<ApiResponse, ApiError> {
        self.attempts().send(request, what).await
    }

    /// The sender, with the requests sent so far and the notes for the report.
    fn attempts(&mut self) -> &mut Attempts {
        let (Self::Live(attempts) | Self::Plan(attempts)) = self;
        attempts
    }

    /// The sender, once the program is over, for the report.
    pub fn into_attempts(self) -> Attempts {
        let (Self::Live(attempts) | Self::Plan(attempts)) = self;
        attempts
    }
}

/// The steps of one app as they end, shared with whoever may cancel the app's task.
#[derive(Debug, Clone, Default)]
pub struct Recorded(Arc<Mutex<(Vec<StepRecord>, Option<Step>)>>);

impl Recorded {
    /// The steps that ended, and the one under way (with its request in flight or between
    /// attempts), if any.
    pub fn snapshot(&self) -> (Vec<StepRecord>, Option<Step>) {
        self.0.lock().expect("steps").clone()
    }

    fn start(&self, step: Step) {
        self.0.lock().expect("steps").1 = Some(step);
    }

    /// Nothing is under way any more.
    fn stop(&self) {
        self.0.lock().expect("steps").1 = None;
    }

    /// Prefixes a planned step's request with `words`.
    fn qualify(&self, step: Step, words: &str) {
        let mut recorded = self.0.lock().expect("steps");
        if let Some(StepRecord {
            end: StepEnd::Planned(plan),
            ..
        }) = recorded.0.iter_mut().find(|record| record.step == step)
        {
            *plan = format!("{words}: {plan}");
        }
    }

    /// Records how `step` ended; a step that ended already (its answer then found wanting, or
    /// cut short by a signal) takes the later end.
    pub fn end(&self, step: Step, end: StepEnd) {
        let mut recorded = self.0.lock().expect("steps");
        match recorded.0.last_mut() {
            Some(last) if last.step == step => last.end = end,
            _ => recorded.0.push(StepRecord { step, end }),
        }
        recorded.1 = None;
    }
}

/// A program's view of its app: the seam, the steps recorded, the last answer, and what the
/// program learned and changed so far, which decide what a failure may claim.
pub struct Steps {
    seam: Seam,
    recorded: Recorded,
    /// The last request's answer, for `http-status` and `response`.
    pub last: Option<(StatusCode, String)>,
    /// A write went through: a failure after it cannot claim that ToolJet did not act.
    wrote: bool,
    /// Ids learned along the way (a new app's), kept when a later step fails.
    pub learned: ResultIds,
    /// What ToolJet's app validation reported, by the step whose write drew it.
    pub validation: Vec<(Step, Warnings)>,
}

impl Steps {
    pub fn new(seam: Seam, recorded: Recorded) -> Self {
        Self {
            seam,
            recorded,
            last: None,
            wrote: false,
            learned: ResultIds::default(),
            validation: Vec::new(),
        }
    }

    /// The steps as they ended so far.
    pub fn recorded(&self) -> &Recorded {
        &self.recorded
    }

    /// The seam, with the requests it sent and its notes.
    pub fn into_seam(self) -> Seam {
        self.seam
    }

    /// A read as `step`, recorded done or failed.
    pub async fn read(
        &mut self,
        step: Step,
        request: &ApiRequest,
        what: &str,
    ) -> Result<ApiResponse, Failure> {
        match self.send_read(step, request, what).await {
            Ok(answer) => Ok(answer),
            Err(err) => Err(self.failed(step, request, err)),
        }
    }

    /// A read as `step` that the program can do without: recorded done when it answers; when
    /// it fails, its error comes back and nothing is recorded, so the program goes on.
    pub async fn try_read(
        &mut self,
        step: Step,
        request: &ApiRequest,
        what: &str,
    ) -> Result<ApiResponse, ApiError> {
        let answer = self.send_read(step, request, what).await;
        if answer.is_err() {
            self.recorded.stop();
        }
        answer
    }

    /// A read beside the program, for what the reports say of the app (what changes in its
    /// content): no step records it, and its failure fails nothing. Its answer is not the
    /// step's last either.
    pub async fn read_aside(
        &mut self,
        request: &ApiRequest,
        what: &str,
    ) -> Result<ApiResponse, ApiError> {
        self.seam.read(request, what).await
    }

    /// A read inside `step`, after it ended (a write that went through, or one refused): its
    /// failure fails `step`; its answer leaves the step's record to the caller.
    pub async fn read_within(
        &mut self,
        step: Step,
        request: &ApiRequest,
        what: &'static str,
    ) -> Result<ApiResponse, Failure> {
        match self.seam.read(request, what).await {
            Ok(answer) => {
                self.keep(&answer);
                Ok(answer)
            }
            Err(err) => {
                let mut failure = self.failed(step, request, err);
                if let StepError::Api(source) = failure.error {
                    failure.error = StepError::ReadAfter {
                        what,
                        source: Box::new(source),
                    };
                }
                Err(failure)
            }
        }
    }

    /// A read as `step`, recorded done when it answers; a failure is left for the caller to
    /// record.
    async fn send_read(
        &mut self,
        step: Step,
        request: &ApiRequest,
        what: &str,
    ) -> Result<ApiResponse, ApiError> {
        self.recorded.start(step);
        let answer = self.seam.read(request, what).await?;
        self.keep(&answer);
        self.recorded.end(step, StepEnd::Done);
        Ok(answer)
    }

    /// A write as `step`, recorded done, planned or failed.
    pub async fn write(
        &mut self,
        step: Step,
        request: &ApiRequest,
        what: &str,
    ) -> Result<Written, Failure> {
        self.recorded.start(step);
        match self.seam.write(request, what).await {
            Ok(Written::Answered(answer)) => {
                self.keep(&answer);
                self.wrote = true;
                if let Some(warnings) = &answer.warnings {
                    tracing::warn!(
                        "{what}: ToolJet's app validation reported {} warnings",
                        warnings.count
                    );
                    self.validation.push((step, warnings.clone()));
                }
                self.recorded.end(step, StepEnd::Done);
                Ok(Written::Answered(answer))
            }
            Ok(Written::Planned(plan)) => {
                self.recorded.end(step, StepEnd::Planned(plan.clone()));
                Ok(Written::Planned(plan))
            }
            Err(err) => Err(self.failed(step, request, err)),
        }
    }

    /// A note for the report, beside the result.
    pub fn note(&mut self, note: Note) {
        self.seam.attempts().notes.push(note);
    }

    /// A planned step's request, with what it depends on or means said first ("only if …").
    pub fn qualify(&mut self, step: Step, words: &str) {
        tracing::info!("dry run: {step}: {words}");
        self.recorded.qualify(step, words);
    }

    /// Records `step` as not needed, saying why.
    pub fn skip(&mut self, step: Step, why: impl Into<String>) {
        self.recorded.end(step, StepEnd::Skipped(why.into()));
    }

    /// Records `step` as done by work outside this app's program (a lookup shared by apps).
    pub fn done(&mut self, step: Step) {
        self.recorded.end(step, StepEnd::Done);
    }

    /// Fails `step` with a check of ToolJet's answers that did not hold.
    pub fn fail(&mut self, step: Step, check: Check) -> Failure {
        let outcome = check.outcome();
        self.end_failed(step, check.into(), outcome, false)
    }

    /// Fails `step` because ToolJet's answer to `request`, a 2xx, cannot count as success.
    pub fn refuse_answer(&mut self, step: Step, request: &ApiRequest, err: ApiError) -> Failure {
        let outcome = fate::outcome(&err, request.effect, self.wrote);
        let read_only = request.effect == Effect::Read && !self.wrote;
        self.end_failed(step, err.into(), outcome, read_only)
    }

    fn end_failed(
        &mut self,
        step: Step,
        error: StepError,
        outcome: Outcome,
        read_only: bool,
    ) -> Failure {
        self.recorded.end(step, StepEnd::Failed);
        Failure {
            step,
            error,
            outcome,
            ids: Box::new(self.learned.clone()),
            read_only,
        }
    }

    /// Keeps `answer` as the last one.
    fn keep(&mut self, answer: &ApiResponse) {
        self.last = Some((answer.status, answer.body.clone()));
    }

    /// Fails `step` with ToolJet's error to `request`, keeping what ToolJet answered as the last
    /// answer; what it means is `fate`'s rule.
    fn failed(&mut self, step: Step, request: &ApiRequest, err: ApiError) -> Failure {
        if let Some(status) = err.status() {
            self.last = Some((status, err.body().unwrap_or_default().to_owned()));
        }
        self.refuse_answer(step, request, err)
    }
}
