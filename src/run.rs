//! Carrying out one operation against ToolJet and recording how it went: retries where they
//! are safe, and the re-run policies `if-exists: sync` and `if-saved: skip`.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;

use crate::inputs::{Config, IfExists, IfSaved, RetryBudget};
use crate::operation::{
    ApiRequest, LEGACY_ORGANIZATION_GIT_PATH, Operation, OperationKind, ResultIds,
};
use crate::progress::{Exchange, with_heartbeat};
use crate::tooljet::{ApiError, ApiResponse, Client, retry};

/// How the step ended.
#[derive(Debug)]
pub enum Verdict {
    Success,
    Failed(ApiError),
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
    /// A re-run policy changed what happened.
    Info(String),
}

/// Everything the reports need about one run.
#[derive(Debug)]
pub struct Outcome {
    pub operation: OperationKind,
    /// The app and version as given in the inputs.
    pub app: Option<String>,
    pub version: Option<String>,
    pub status: Option<StatusCode>,
    /// ToolJet's body, verbatim.
    pub response: String,
    pub ids: ResultIds,
    pub duration: Duration,
    pub verdict: Verdict,
    pub notes: Vec<Note>,
    /// Every request sent, in order.
    pub exchanges: Vec<Exchange>,
}

impl Outcome {
    fn new(operation: &Operation, duration: Duration, verdict: Verdict) -> Self {
        Self {
            operation: operation.kind(),
            app: operation.app_id().map(str::to_owned),
            version: operation.version().map(str::to_owned),
            status: None,
            response: String::new(),
            ids: ResultIds {
                app_id: operation.app_id().map(str::to_owned),
                ..ResultIds::default()
            },
            duration,
            verdict,
            notes: Vec::new(),
            exchanges: Vec::new(),
        }
    }

    /// The step was cancelled, with or without a request in flight.
    pub fn cancelled(
        operation: &Operation,
        started: Instant,
        signal: &'static str,
        in_flight: bool,
    ) -> Self {
        Self::new(
            operation,
            started.elapsed(),
            Verdict::Cancelled { signal, in_flight },
        )
    }

    pub fn succeeded(&self) -> bool {
        matches!(self.verdict, Verdict::Success)
    }

    /// `success`, `failure`, or `unknown` when ToolJet may have acted although the step failed.
    pub fn outcome(&self) -> &'static str {
        match &self.verdict {
            Verdict::Success => "success",
            Verdict::Failed(err) if err.outcome_unknown() => "unknown",
            Verdict::Cancelled {
                in_flight: true, ..
            } => "unknown",
            _ => "failure",
        }
    }
}

/// Carries out the configured operation and turns ToolJet's answer into an [`Outcome`].
pub async fn execute(client: &Client, config: &Config, started: Instant) -> Outcome {
    let operation = &config.operation;
    let mut attempts = Attempts {
        client,
        budget: config.budget,
        heartbeat: config.heartbeat,
        started,
        notes: Vec::new(),
        exchanges: Vec::new(),
    };
    let answer = match attempts.send(operation, &operation.request()).await {
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
                .send(operation, &legacy)
                .await
                .map(|response| (response, operation.clone()))
        }
        Err(err) if is_conflict(&err) => attempts.after_conflict(config, err).await,
        answer => answer.map(|response| (response, operation.clone())),
    };
    let mut outcome = Outcome::new(operation, started.elapsed(), Verdict::Success);
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

fn is_conflict(err: &ApiError) -> bool {
    err.status() == Some(StatusCode::CONFLICT)
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

impl Attempts<'_> {
    /// Sends `request` for `operation`, retrying only what is safe for it.
    async fn send(
        &mut self,
        operation: &Operation,
        request: &ApiRequest,
    ) -> Result<ApiResponse, ApiError> {
        let idempotent = operation.kind().is_idempotent() || request.method == reqwest::Method::GET;
        let mut retries = 0;
        loop {
            let remaining = self.budget.total.saturating_sub(self.started.elapsed());
            let sent = Instant::now();
            let answer = with_heartbeat(
                self.client.send(request, remaining),
                self.heartbeat,
                &operation.describe(),
            )
            .await;
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
        conflict: ApiError,
    ) -> Result<(ApiResponse, Operation), ApiError> {
        match &config.operation {
            Operation::Create {
                organization_id,
                git_app,
                branch,
            } if config.if_exists == IfExists::Sync => {
                let name = git_app.name.as_deref().unwrap_or_default();
                let listing = ApiRequest::workspace_apps(organization_id);
                let apps = self.send(&config.operation, &listing).await?;
                let Some(app_id) = find_app_by_name(apps.json.as_ref(), name) else {
                    self.notes.push(Note::Info(format!(
                        "ToolJet says the app exists, but no app named {name:?} is in workspace {organization_id}."
                    )));
                    return Err(conflict);
                };
                self.notes.push(Note::Info(format!(
                    "{name} was already imported as app {app_id}: pulled it from git instead (if-exists: sync)."
                )));
                let pull = Operation::Pull {
                    app_id,
                    branch: branch.clone(),
                };
                let response = self.send(&pull, &pull.request()).await?;
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
                    config.operation.clone(),
                ))
            }
            _ => Err(conflict),
        }
    }
}

/// The id of the app called `name` in ToolJet's workspace listing (a bare array).
fn find_app_by_name(listing: Option<&Value>, name: &str) -> Option<String> {
    let apps = listing?.as_array()?;
    let named = |exact: bool| {
        apps.iter().find(|app| {
            let app_name = app["name"].as_str().unwrap_or_default();
            if exact {
                app_name == name
            } else {
                app_name.eq_ignore_ascii_case(name)
            }
        })
    };
    named(true).or_else(|| named(false))?["id"]
        .as_str()
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn apps_are_found_by_exact_name_first() {
        let listing = json!([{"id": "1", "name": "orders"}, {"id": "2", "name": "Orders"}]);
        assert_eq!(
            find_app_by_name(Some(&listing), "Orders").as_deref(),
            Some("2")
        );
        assert_eq!(
            find_app_by_name(Some(&listing), "ORDERS").as_deref(),
            Some("1")
        );
        assert_eq!(find_app_by_name(Some(&listing), "Billing"), None);
    }
}
