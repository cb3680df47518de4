//! The operations that are one request each, and what each does when that request fails in a
//! way it can recover from: configure-git's older route, `if-exists: sync`, `if-saved: skip`.

use reqwest::StatusCode;

use super::{Failure, Step, StepError, Steps, Written};
use crate::inputs::{Config, IfExists, IfSaved};
use crate::listing::Listing;
use crate::operation::{LEGACY_ORGANIZATION_GIT_PATH, Operation, OperationKind, ResultIds};
use crate::record::Note;
use crate::tooljet::ApiRequest;

/// Carries out a one-request operation.
pub async fn run(
    steps: &mut Steps,
    config: &Config,
    operation: &Operation,
) -> Result<ResultIds, Failure> {
    let step = step_of(operation.kind());
    let request = operation.request();
    let failure = match steps.write(step, &request, &operation.describe()).await {
        Ok(written) => return finish(steps, operation, step, &request, written),
        Err(failure) => failure,
    };
    let StepError::Api(err) = &failure.error else {
        return Err(failure);
    };
    match operation {
        Operation::ConfigureGit(_) if err.is_missing_route() => {
            older_configure_git_route(steps, operation, request).await
        }
        Operation::Create { .. }
            if err.status() == Some(StatusCode::CONFLICT) && config.if_exists == IfExists::Sync =>
        {
            pull_the_imported_app(steps, operation, failure).await
        }
        Operation::SaveVersion { .. }
            if err.status() == Some(StatusCode::CONFLICT) && config.if_saved == IfSaved::Skip =>
        {
            steps.note(Note::Info(
                "The draft was already saved: nothing to save (if-saved: skip).".to_owned(),
            ));
            Ok(operation.result_ids(None))
        }
        _ => Err(failure),
    }
}

/// The one step a one-request operation is.
fn step_of(kind: OperationKind) -> Step {
    Step::of(kind)[0]
}

/// The ids a successful answer to `request` holds; a plan has only those its inputs name.
fn finish(
    steps: &mut Steps,
    operation: &Operation,
    step: Step,
    request: &ApiRequest,
    written: Written,
) -> Result<ResultIds, Failure> {
    let ids = match written {
        Written::Answered(answer) => operation
            .check_answer(&answer)
            .map_err(|err| steps.refuse_answer(step, request, err))?,
        Written::Planned(_) => operation.result_ids(None),
    };
    Ok(ids)
}

/// ToolJet serves the plural path; its public page shows this singular one, which older
/// instances may still serve. Tried once when the plural route does not exist.
async fn older_configure_git_route(
    steps: &mut Steps,
    operation: &Operation,
    request: ApiRequest,
) -> Result<ResultIds, Failure> {
    tracing::warn!(
        "POST /api/ext/organizations/git does not exist on this instance; trying /api/ext/organization/git, \
         the path on ToolJet's public page"
    );
    let legacy = ApiRequest {
        path: LEGACY_ORGANIZATION_GIT_PATH.map(str::to_owned).to_vec(),
        ..request
    };
    let written = steps
        .write(Step::Configured, &legacy, &operation.describe())
        .await?;
    finish(steps, operation, Step::Configured, &legacy, written)
}

/// `if-exists: sync`: the app is already imported, so it is found by name and pulled instead.
async fn pull_the_imported_app(
    steps: &mut Steps,
    operation: &Operation,
    conflict: Failure,
) -> Result<ResultIds, Failure> {
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
    let apps = steps
        .read(Step::Listed, &listing, "list the workspace's apps")
        .await?;
    let app_id = match Listing::parse(apps.json.as_ref()).app_named(name) {
        Ok(app) => app.id.clone(),
        Err(why) => {
            steps.note(Note::Info(format!(
                "ToolJet says the app exists, but {why}."
            )));
            return Err(conflict);
        }
    };
    steps.note(Note::Info(format!(
        "{name} was already imported as app {app_id}: pulled it from git instead (if-exists: sync)."
    )));
    let pull = Operation::Pull {
        app_id,
        branch: branch.clone(),
    };
    let request = pull.request();
    let written = steps
        .write(Step::Pulled, &request, &pull.describe())
        .await?;
    finish(steps, &pull, Step::Pulled, &request, written)
}
