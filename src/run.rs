//! Carrying out the configured operation against ToolJet, for one app or many, and recording
//! how it went: names resolved to ids, apps run side by side up to `max-parallel`, retries
//! where they are safe, the re-run policies `if-exists: sync` and `if-saved: skip`, and the
//! plan that `dry-run` prints instead of sending.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::inputs::{AppRef, Config, IfExists, IfSaved, RetryBudget, WorkspaceRef};
use crate::operation::{
    ApiRequest, LEGACY_ORGANIZATION_GIT_PATH, Operation, OperationKind, ResultIds,
};
use crate::progress::{Exchange, with_heartbeat};
use crate::resolve::{self, Listing};
use crate::tooljet::{ApiError, ApiResponse, Client, TimeLeft, retry};

/// How one app's part of the step ended.
#[derive(Debug)]
pub enum Verdict {
    Success,
    /// `dry-run`: the request that would have been sent.
    Planned {
        request: String,
    },
    Failed(ApiError),
    /// A name that ToolJet does not know, or a lookup that failed; nothing was sent.
    Unresolved(String),
    /// `fail-fast` stopped this app before it started.
    Skipped,
    /// SIGTERM or SIGINT (the runner's cancel and timeout path) arrived first.
    Cancelled {
        signal: &'static str,
        in_flight: bool,
    },
}

/// Something worth telling beside the result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// An attempt failed and was tried again.
    Retry(String),
    /// The app was listed more than once and runs once.
    Duplicate(String),
    /// A re-run policy or a lookup changed what happened.
    Info(String),
}

impl Note {
    pub fn text(&self) -> &str {
        let (Self::Retry(text) | Self::Duplicate(text) | Self::Info(text)) = self;
        text
    }
}

/// Everything the reports need about one app's part of the step.
#[derive(Debug)]
pub struct Outcome {
    pub operation: OperationKind,
    /// The app as given (id, slug or name); empty for configure-git and create.
    pub label: String,
    /// The app and version as sent.
    pub app: Option<String>,
    pub version: Option<String>,
    pub status: Option<StatusCode>,
    /// ToolJet's body, verbatim.
    pub response: String,
    pub ids: ResultIds,
    pub duration: Duration,
    pub verdict: Verdict,
    pub notes: Vec<Note>,
    /// Every request sent for this app, in order.
    pub exchanges: Vec<Exchange>,
}

impl Outcome {
    fn new(operation: &Operation, label: &str, duration: Duration, verdict: Verdict) -> Self {
        Self {
            operation: operation.kind(),
            label: label.to_owned(),
            app: operation
                .app_id()
                .filter(|id| !id.is_empty())
                .map(str::to_owned),
            version: operation.version().map(str::to_owned),
            status: None,
            response: String::new(),
            ids: ResultIds {
                app_id: operation
                    .app_id()
                    .filter(|id| !id.is_empty())
                    .map(str::to_owned),
                ..ResultIds::default()
            },
            duration,
            verdict,
            notes: Vec::new(),
            exchanges: Vec::new(),
        }
    }

    pub fn succeeded(&self) -> bool {
        matches!(self.verdict, Verdict::Success | Verdict::Planned { .. })
    }

    /// `success`, `failure`, or `unknown` when ToolJet may have acted although it failed.
    pub fn outcome(&self) -> &'static str {
        match &self.verdict {
            Verdict::Success | Verdict::Planned { .. } => "success",
            Verdict::Failed(err) if err.outcome_unknown() => "unknown",
            Verdict::Cancelled {
                in_flight: true, ..
            } => "unknown",
            _ => "failure",
        }
    }
}

/// The whole step: one outcome per app (one in all for configure-git and create), and the
/// lookups made before any app ran.
#[derive(Debug)]
pub struct Run {
    pub outcomes: Vec<Outcome>,
    pub lookups: Vec<Exchange>,
    pub dry_run: bool,
}

impl Run {
    /// The step was cancelled, with or without a request in flight.
    pub fn cancelled(
        config: &Config,
        started: Instant,
        signal: &'static str,
        in_flight: bool,
    ) -> Self {
        let label = labels(config);
        let verdict = Verdict::Cancelled { signal, in_flight };
        let operation = match config.apps.as_slice() {
            [AppRef::Id(id)] => config.operation.for_app(id),
            _ => config.operation.clone(),
        };
        let outcome = Outcome::new(&operation, &label, started.elapsed(), verdict);
        Self {
            outcomes: vec![outcome],
            lookups: Vec::new(),
            dry_run: config.dry_run,
        }
    }

    pub fn succeeded(&self) -> bool {
        self.outcomes.iter().all(Outcome::succeeded)
    }

    /// The signal that cancelled the step, if one did.
    pub fn cancelled_by(&self) -> Option<&'static str> {
        self.outcomes
            .iter()
            .find_map(|outcome| match outcome.verdict {
                Verdict::Cancelled { signal, .. } => Some(signal),
                _ => None,
            })
    }

    /// The step's `outcome`: `unknown` if any app's is (someone must look before re-running),
    /// else `failure` if any failed, else `success`.
    pub fn outcome(&self) -> &'static str {
        let outcomes: Vec<&str> = self.outcomes.iter().map(Outcome::outcome).collect();
        ["unknown", "failure"]
            .into_iter()
            .find(|o| outcomes.contains(o))
            .unwrap_or("success")
    }
}

fn labels(config: &Config) -> String {
    config
        .apps
        .iter()
        .map(AppRef::label)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Carries out the configured operation for every app.
pub async fn execute(client: Arc<Client>, config: Arc<Config>, started: Instant) -> Run {
    let mut lookups = Attempts::new(&client, &config, started);
    // A dry run checks the URL and the token with a call that changes nothing; its answer
    // serves again if a workspace is named.
    let mut workspaces = None;
    if config.dry_run {
        match lookups
            .send(&ApiRequest::workspaces(), true, "list workspaces")
            .await
        {
            Ok(answer) => workspaces = Some(answer),
            Err(err) => {
                let verdict = Verdict::Failed(err);
                let outcome = Outcome::new(
                    &config.operation,
                    &labels(&config),
                    started.elapsed(),
                    verdict,
                );
                return Run {
                    outcomes: vec![outcome],
                    lookups: lookups.exchanges,
                    dry_run: true,
                };
            }
        }
    }
    let targets = if config.apps.is_empty() {
        vec![Target::new(String::new(), Ok(config.operation.clone()))]
    } else {
        merge_duplicates(resolve_apps(&mut lookups, &config, workspaces).await)
    };
    let lookups_done = lookups.exchanges;
    let outcomes = run_all(client, config.clone(), targets, started).await;
    Run {
        outcomes,
        lookups: lookups_done,
        dry_run: config.dry_run,
    }
}

/// One app's part of the step before it runs: the app as given, and its operation with names
/// turned into ids, or why it cannot run.
struct Target {
    label: String,
    operation: Result<Operation, String>,
    notes: Vec<Note>,
}

impl Target {
    fn new(label: String, operation: Result<Operation, String>) -> Self {
        Self {
            label,
            operation,
            notes: Vec::new(),
        }
    }

    /// What makes two targets the same app: its resolved id, else the words it was given as.
    fn key(&self) -> &str {
        match &self.operation {
            Ok(operation) => operation.app_id().unwrap_or(&self.label),
            Err(_) => &self.label,
        }
    }
}

/// One target per app: an app given twice (the same id twice, or its id and its name) runs
/// once, under its first label, with a warning naming every way it was given.
fn merge_duplicates(targets: Vec<Target>) -> Vec<Target> {
    let mut merged: Vec<(Target, Vec<String>)> = Vec::new();
    for target in targets {
        match merged
            .iter_mut()
            .find(|(kept, _)| kept.key() == target.key())
        {
            Some((_, labels)) => labels.push(target.label),
            None => {
                let label = target.label.clone();
                merged.push((target, vec![label]));
            }
        }
    }
    merged
        .into_iter()
        .map(|(mut target, labels)| {
            if labels.len() > 1 {
                let given = labels
                    .iter()
                    .map(|label| format!("`{label}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let note = format!(
                    "App {} was listed {} times ({given}): it runs once.",
                    target.key(),
                    labels.len()
                );
                tracing::warn!("{note}");
                target.notes.push(Note::Duplicate(note));
            }
            target
        })
        .collect()
}

/// Each app's operation with names turned into ids, or why it cannot run.
async fn resolve_apps(
    lookups: &mut Attempts<'_>,
    config: &Config,
    workspaces: Option<ApiResponse>,
) -> Vec<Target> {
    let has_names = config.apps.iter().any(|app| matches!(app, AppRef::Name(_)));
    let resolves_versions =
        matches!(config.operation, Operation::Push { .. }) && config.workspace.is_some();
    let listing = if has_names || resolves_versions {
        Some(workspace_listing(lookups, config, workspaces).await)
    } else {
        None
    };
    config
        .apps
        .iter()
        .map(|app| {
            let resolved = match (app, &listing) {
                (AppRef::Id(id), None) => Ok(config.operation.for_app(id)),
                (AppRef::Id(id), Some(Ok(listing))) => {
                    with_version_id(config.operation.for_app(id), listing.app_with_id(id))
                }
                // Ids do not need the listing; only push's version name does, and ToolJet resolves it too.
                (AppRef::Id(id), Some(Err(_))) => Ok(config.operation.for_app(id)),
                (AppRef::Name(name), Some(Ok(listing))) => listing
                    .app_named(name)
                    .and_then(|app| with_version_id(config.operation.for_app(&app.id), Some(app))),
                (AppRef::Name(_), Some(Err(why))) => Err(why.clone()),
                (AppRef::Name(_), None) => unreachable!("names always fetch the listing"),
            };
            Target::new(app.label().to_owned(), resolved)
        })
        .collect()
}

/// Push names its version in the path; a listed version name becomes its id.
fn with_version_id(
    operation: Operation,
    app: Option<&resolve::ListedApp>,
) -> Result<Operation, String> {
    match (operation, app) {
        (
            Operation::Push {
                app_id,
                version,
                commit_message,
            },
            Some(app),
        ) => {
            let version = app.version_id(&version)?.unwrap_or(version);
            Ok(Operation::Push {
                app_id,
                version,
                commit_message,
            })
        }
        (operation, _) => Ok(operation),
    }
}

/// The workspace's apps, the workspace found by name first if need be (in `workspaces`, the
/// answer of `GET /api/ext/workspaces` when the step already has it).
async fn workspace_listing(
    lookups: &mut Attempts<'_>,
    config: &Config,
    workspaces: Option<ApiResponse>,
) -> Result<Listing, String> {
    let failed = |err: ApiError| format!("{err}. {}", err.hint());
    let workspace = match config.workspace.as_ref().expect("checked with the inputs") {
        WorkspaceRef::Id(id) => id.clone(),
        WorkspaceRef::Name(name) => {
            let answer = match workspaces {
                Some(answer) => answer,
                None => lookups
                    .send(&ApiRequest::workspaces(), true, "list workspaces")
                    .await
                    .map_err(failed)?,
            };
            resolve::workspace_named(answer.json.as_ref(), name)?
        }
    };
    let answer = lookups
        .send(
            &ApiRequest::workspace_apps(&workspace),
            true,
            "list the workspace's apps",
        )
        .await
        .map_err(failed)?;
    Ok(Listing::parse(answer.json.as_ref()))
}

/// Runs every target, at most `max-parallel` at once, and returns their outcomes in order.
/// Each app has its own retries; the time budget is the step's, counted from `step_started`.
async fn run_all(
    client: Arc<Client>,
    config: Arc<Config>,
    targets: Vec<Target>,
    step_started: Instant,
) -> Vec<Outcome> {
    let permits = Arc::new(Semaphore::new(config.max_parallel));
    let failed = Arc::new(AtomicBool::new(false));
    let mut tasks = JoinSet::new();
    for (index, target) in targets.into_iter().enumerate() {
        let (client, config, permits, failed) = (
            client.clone(),
            config.clone(),
            permits.clone(),
            failed.clone(),
        );
        tasks.spawn(async move {
            let _permit = permits.acquire().await.expect("never closed");
            let Target {
                label,
                operation,
                notes,
            } = target;
            let mut outcome = match operation {
                _ if config.fail_fast && failed.load(Ordering::SeqCst) => {
                    Outcome::new(&config.operation, &label, Duration::ZERO, Verdict::Skipped)
                }
                Err(why) => Outcome::new(
                    &config.operation,
                    &label,
                    Duration::ZERO,
                    Verdict::Unresolved(why),
                ),
                Ok(operation) => one(&client, &config, &operation, &label, step_started).await,
            };
            outcome.notes.splice(0..0, notes);
            if !outcome.succeeded() {
                failed.store(true, Ordering::SeqCst);
            }
            (index, outcome)
        });
    }
    let mut outcomes: Vec<(usize, Outcome)> = tasks.join_all().await;
    outcomes.sort_by_key(|(index, _)| *index);
    outcomes.into_iter().map(|(_, outcome)| outcome).collect()
}

/// One app: its request (or the plan of it), and what ToolJet answered.
async fn one(
    client: &Client,
    config: &Config,
    operation: &Operation,
    label: &str,
    step_started: Instant,
) -> Outcome {
    let started = Instant::now();
    if config.dry_run {
        let request = operation.request();
        let plan = format!(
            "{} {}{}",
            request.method,
            client.url(&request),
            request.body_for_display()
        );
        return Outcome::new(
            operation,
            label,
            started.elapsed(),
            Verdict::Planned { request: plan },
        );
    }
    let mut attempts = Attempts::new(client, config, step_started);
    let answer = match attempts.send_for(operation, &operation.request()).await {
        Err(err) if err.is_missing_route() && operation.kind() == OperationKind::ConfigureGit => {
            tracing::warn!(
                "POST /api/ext/organizations/git does not exist on this instance; trying /api/ext/organization/git, \
                 the path on ToolJet's public page"
            );
            let legacy = ApiRequest {
                path: LEGACY_ORGANIZATION_GIT_PATH.map(str::to_owned).to_vec(),
                ..operation.request()
            };
            attempts
                .send_for(operation, &legacy)
                .await
                .map(|response| (response, operation.clone()))
        }
        Err(err) if err.status() == Some(StatusCode::CONFLICT) => {
            attempts.after_conflict(config, operation, err).await
        }
        answer => answer.map(|response| (response, operation.clone())),
    };
    let mut outcome = Outcome::new(operation, label, started.elapsed(), Verdict::Success);
    outcome.notes = attempts.notes;
    outcome.exchanges = attempts.exchanges;
    match answer {
        Ok((response, effective)) => {
            outcome.ids = effective.result_ids(response.json.as_ref());
            outcome.status = Some(response.status);
            outcome.response = response.body;
        }
        Err(err) => {
            outcome.status = err.status();
            outcome.response = err.body().unwrap_or_default().to_owned();
            outcome.verdict = Verdict::Failed(err);
        }
    }
    outcome
}

/// Sends requests within the retry budget, remembering what happened for the report.
struct Attempts<'a> {
    client: &'a Client,
    budget: RetryBudget,
    heartbeat: Duration,
    started: Instant,
    notes: Vec<Note>,
    exchanges: Vec<Exchange>,
}

impl<'a> Attempts<'a> {
    fn new(client: &'a Client, config: &Config, started: Instant) -> Self {
        Self {
            client,
            budget: config.budget,
            heartbeat: config.heartbeat,
            started,
            notes: Vec::new(),
            exchanges: Vec::new(),
        }
    }

    /// Sends a request of `operation`, retrying only what is safe for it.
    async fn send_for(
        &mut self,
        operation: &Operation,
        request: &ApiRequest,
    ) -> Result<ApiResponse, ApiError> {
        let idempotent = operation.kind().is_idempotent() || request.method == reqwest::Method::GET;
        self.send(request, idempotent, &operation.describe()).await
    }

    /// Sends `request`, retrying what `retry` allows for it; `what` names the work for heartbeats.
    async fn send(
        &mut self,
        request: &ApiRequest,
        idempotent: bool,
        what: &str,
    ) -> Result<ApiResponse, ApiError> {
        let mut retries = 0;
        loop {
            let remaining = self.budget.total.saturating_sub(self.started.elapsed());
            if remaining.is_zero() {
                return Err(ApiError::OutOfTime {
                    budget: self.budget.total,
                });
            }
            let sent = Instant::now();
            let time = TimeLeft {
                remaining,
                total: self.budget.total,
            };
            let answer =
                with_heartbeat(self.client.send(request, time), self.heartbeat, what).await;
            self.exchanges.push(Exchange {
                method: request.method.clone(),
                url: self.client.url(request),
                result: match &answer {
                    Ok(response) => response.status.to_string(),
                    Err(err) => err
                        .status()
                        .map_or_else(|| err.to_string(), |status| status.to_string()),
                },
                duration: sent.elapsed(),
            });
            let err = match answer {
                Ok(response) => return Ok(response),
                Err(err) => err,
            };
            let Some(reason) = retry::reason(&err, idempotent) else {
                return Err(err);
            };
            if retries >= self.budget.retries {
                return Err(err);
            }
            let wait = retry::delay(retries, &err);
            if self.started.elapsed() + wait >= self.budget.total {
                self.notes.push(Note::Info(format!(
                    "Not retried: waiting {:.1} s would exceed `total-timeout-seconds`.",
                    wait.as_secs_f64()
                )));
                return Err(err);
            }
            retries += 1;
            let note = format!(
                "{reason}. Retrying in {:.1} s{} (retry {retries} of {}).",
                wait.as_secs_f64(),
                if err.retry_after().is_some() {
                    ", as Retry-After asked"
                } else {
                    ""
                },
                self.budget.retries
            );
            tracing::warn!("{note}");
            self.notes.push(Note::Retry(note));
            tokio::time::sleep(wait).await;
        }
    }

    /// A 409: with `if-exists: sync` an imported app is pulled instead, with `if-saved: skip` an
    /// already saved draft is success; otherwise the conflict stands.
    async fn after_conflict(
        &mut self,
        config: &Config,
        operation: &Operation,
        conflict: ApiError,
    ) -> Result<(ApiResponse, Operation), ApiError> {
        match operation {
            Operation::Create {
                organization_id,
                git_app,
                branch,
            } if config.if_exists == IfExists::Sync => {
                let name = git_app.name.as_deref().unwrap_or_default();
                let listing = ApiRequest::workspace_apps(organization_id);
                let apps = self
                    .send(&listing, true, "list the workspace's apps")
                    .await?;
                let app_id = match Listing::parse(apps.json.as_ref()).app_named(name) {
                    Ok(app) => app.id.clone(),
                    Err(why) => {
                        self.notes.push(Note::Info(format!(
                            "ToolJet says the app exists, but {why}."
                        )));
                        return Err(conflict);
                    }
                };
                self.notes.push(Note::Info(format!(
                    "{name} was already imported as app {app_id}: pulled it from git instead (if-exists: sync)."
                )));
                let pull = Operation::Pull {
                    app_id,
                    branch: branch.clone(),
                };
                let response = self.send_for(&pull, &pull.request()).await?;
                Ok((response, pull))
            }
            Operation::SaveVersion { .. } if config.if_saved == IfSaved::Skip => {
                self.notes.push(Note::Info(
                    "The draft was already saved: nothing to save (if-saved: skip).".to_owned(),
                ));
                let body = conflict.body().unwrap_or_default().to_owned();
                Ok((
                    ApiResponse {
                        status: StatusCode::CONFLICT,
                        json: None,
                        body,
                    },
                    operation.clone(),
                ))
            }
            _ => Err(conflict),
        }
    }
}
