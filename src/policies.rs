//! What the step does when a request fails in a way it can recover from: the route older
//! instances serve for configure-git, `if-exists: sync` for create, and `if-saved: skip`.

use reqwest::StatusCode;

use crate::inputs::{Config, IfExists, IfSaved};
use crate::operation::{ApiRequest, LEGACY_ORGANIZATION_GIT_PATH, Operation, OperationKind};
use crate::outcome::Note;
use crate::resolve::listing::Listing;
use crate::tooljet::attempts::Attempts;
use crate::tooljet::{ApiError, ApiResponse};

/// Recovers from `err` where a policy allows it, with the answer and the operation that
/// finally ran (create may become pull); otherwise `err` stands.
pub async fn recover(
    attempts: &mut Attempts<'_>,
    config: &Config,
    operation: &Operation,
    err: ApiError,
) -> Result<(ApiResponse, Operation), ApiError> {
    if err.is_missing_route() && operation.kind() == OperationKind::ConfigureGit {
        return older_configure_git_route(attempts, operation).await;
    }
    if err.status() != Some(StatusCode::CONFLICT) {
        return Err(err);
    }
    match operation {
        Operation::Create { .. } if config.if_exists == IfExists::Sync => {
            pull_the_imported_app(attempts, operation, err).await
        }
        Operation::SaveVersion { .. } if config.if_saved == IfSaved::Skip => {
            attempts.notes.push(Note::Info(
                "The draft was already saved: nothing to save (if-saved: skip).".to_owned(),
            ));
            let body = err.body().unwrap_or_default().to_owned();
            let answer = ApiResponse {
                status: StatusCode::CONFLICT,
                json: None,
                body,
            };
            Ok((answer, operation.clone()))
        }
        _ => Err(err),
    }
}

/// ToolJet serves the plural path; its public page shows the singular one, which older
/// instances may still serve. Tried once when the plural route does not exist.
async fn older_configure_git_route(
    attempts: &mut Attempts<'_>,
    operation: &Operation,
) -> Result<(ApiResponse, Operation), ApiError> {
    tracing::warn!(
        "POST /api/ext/organizations/git does not exist on this instance; trying /api/ext/organization/git, \
         the path on ToolJet's public page"
    );
    let legacy = ApiRequest {
        path: LEGACY_ORGANIZATION_GIT_PATH.map(str::to_owned).to_vec(),
        ..operation.request()
    };
    let answer = attempts.send_for(operation, &legacy).await?;
    Ok((answer, operation.clone()))
}

/// `if-exists: sync`: the app is already imported, so it is found by name and pulled instead.
async fn pull_the_imported_app(
    attempts: &mut Attempts<'_>,
    operation: &Operation,
    conflict: ApiError,
) -> Result<(ApiResponse, Operation), ApiError> {
    let Operation::Create {
        organization_id,
        git_app,
        branch,
    } = operation
    else {
        return Err(conflict);
    };
    let name = git_app.name.as_deref().unwrap_or_default();
    let listing = ApiRequest::workspace_apps(organization_id);
    let apps = attempts
        .send(&listing, true, "list the workspace's apps")
        .await?;
    let app_id = match Listing::parse(apps.json.as_ref()).app_named(name) {
        Ok(app) => app.id.clone(),
        Err(why) => {
            attempts.notes.push(Note::Info(format!(
                "ToolJet says the app exists, but {why}."
            )));
            return Err(conflict);
        }
    };
    attempts.notes.push(Note::Info(format!(
        "{name} was already imported as app {app_id}: pulled it from git instead (if-exists: sync)."
    )));
    let pull = Operation::Pull {
        app_id,
        branch: branch.clone(),
    };
    let response = attempts.send_for(&pull, &pull.request()).await?;
    Ok((response, pull))
}
