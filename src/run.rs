//! Carrying out one operation against ToolJet and recording how it went.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::operation::{LEGACY_ORGANIZATION_GIT_PATH, Operation, OperationKind, ResultIds};
use crate::tooljet::{ApiError, ApiResponse, Client};

/// How the step ended.
#[derive(Debug)]
pub enum Verdict {
    Success,
    Failed(ApiError),
    /// SIGTERM or SIGINT (the runner's cancel and timeout path) arrived first.
    Cancelled {
        signal: &'static str,
    },
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
}

impl Outcome {
    fn new(operation: &Operation, duration: Duration, verdict: Verdict) -> Self {
        Self {
            operation: operation.kind(),
            app: operation.app_id().map(str::to_owned),
            version: operation.version().map(str::to_owned),
            status: None,
            response: String::new(),
            ids: ResultIds::default(),
            duration,
            verdict,
        }
    }

    /// The step was cancelled while the operation's request was in flight.
    pub fn cancelled(operation: &Operation, started: Instant, signal: &'static str) -> Self {
        let mut outcome = Self::new(operation, started.elapsed(), Verdict::Cancelled { signal });
        outcome.ids.app_id = operation.app_id().map(str::to_owned);
        outcome
    }

    pub fn succeeded(&self) -> bool {
        matches!(self.verdict, Verdict::Success)
    }

    /// `success`, `failure`, or `unknown` when ToolJet may have acted although the step failed.
    pub fn outcome(&self) -> &'static str {
        match &self.verdict {
            Verdict::Success => "success",
            Verdict::Failed(err) if !err.outcome_unknown() => "failure",
            _ => "unknown",
        }
    }
}

/// Sends the operation's request and turns ToolJet's answer into an [`Outcome`].
pub async fn execute(client: &Client, operation: &Operation, started: Instant) -> Outcome {
    let answer = send(client, operation).await;
    let mut outcome = Outcome::new(operation, started.elapsed(), Verdict::Success);
    match answer {
        Ok(response) => {
            outcome.ids = operation.result_ids(response.json.as_ref());
            outcome.status = Some(response.status);
            outcome.response = response.body;
        }
        Err(err) => {
            outcome.ids = ResultIds {
                app_id: operation.app_id().map(str::to_owned),
                version_id: None,
                environment: None,
            };
            outcome.status = err.status();
            outcome.response = err.body().unwrap_or_default().to_owned();
            outcome.verdict = Verdict::Failed(err);
        }
    }
    outcome
}

async fn send(client: &Client, operation: &Operation) -> Result<ApiResponse, ApiError> {
    let request = operation.request();
    match client.send(&request).await {
        Err(err) if operation.kind() == OperationKind::ConfigureGit && err.is_missing_route() => {
            tracing::warn!(
                "POST /api/ext/organizations/git does not exist on this instance; trying /api/ext/organization/git, \
                 the path on ToolJet's public page"
            );
            let legacy = crate::operation::ApiRequest {
                path: LEGACY_ORGANIZATION_GIT_PATH.map(str::to_owned).to_vec(),
                ..request
            };
            client.send(&legacy).await
        }
        answer => answer,
    }
}
