//! `deploy`: make one version of one app live on this instance, and prove it.
//!
//! The workspace listing read when the apps were looked up decides the path:
//! 1. the app is absent (given by name): import it from git, and read what it came with;
//! 2. the version is on the instance: release it by name, no pull, no save;
//! 3. it is not, given as `git-tag`: release with no version (ToolJet pulls its latest tag);
//! 4. it is not, given as `version-name`: pull the branch, save the draft under that name,
//!    release it;
//! 5. verify: the release answer's `currentVersionId` must be that version's id.
//!
//! So a re-run after a failure at any step finishes the deploy: what was created or saved is
//! in the listing then, and is released by name rather than made again.

use super::{Check, Failure, Step, Steps, ToolJet, Written};
use crate::desired::{Deploy, DeployApp, DeployVersion};
use crate::listing::Listing;
use crate::operation::{GitApp, Operation, ReleaseTarget, ResultIds};
use crate::tooljet::ApiRequest;

/// How a plan names the app `create` would make, as a route parameter: its id comes from the
/// create answer.
const NEW_APP: &str = ":new-app-id";

pub(super) async fn run<T: ToolJet>(
    steps: &mut Steps<T>,
    deploy: &Deploy,
) -> Result<ResultIds, Failure> {
    // Listed with every app of the step, before any app ran.
    steps.done(Step::Listed);
    let wanted = deploy.version.name();
    let (app_id, on_instance, imported) = match &deploy.app {
        DeployApp::Listed(app) => {
            steps.skip(Step::Created, "the app is in the workspace");
            (app.id.clone(), version_named(&app.versions, wanted), false)
        }
        DeployApp::Absent { name } => {
            let (id, versions) = create(steps, deploy, name).await?;
            (id, version_named(&versions, wanted), true)
        }
    };
    let (target, expected) = match (on_instance, &deploy.version) {
        (Some(id), _) => {
            let why = format!("version {wanted} is on the instance: it is released by name");
            steps.skip(Step::Pulled, &why);
            steps.skip(Step::Saved, why);
            (ReleaseTarget::VersionName(wanted.to_owned()), Some(id))
        }
        (None, DeployVersion::Tag { tag, .. }) => {
            steps.skip(
                Step::Pulled,
                "ToolJet pulls the app's latest tag as it releases",
            );
            steps.skip(
                Step::Saved,
                format!("{tag} was saved where the app is built"),
            );
            (ReleaseTarget::LatestTag, None)
        }
        (None, DeployVersion::Name(_)) => {
            if imported {
                steps.skip(Step::Pulled, "imported from git just now");
            } else {
                pull(steps, deploy, &app_id).await?;
            }
            let saved = save(steps, &app_id, wanted).await?;
            (ReleaseTarget::VersionName(wanted.to_owned()), saved)
        }
    };
    let release = Operation::Release {
        app_id: app_id.clone(),
        target,
    };
    let request = release.request();
    let Written::Answered(answer) = steps
        .write(Step::Released, &request, &release.describe())
        .await?
    else {
        steps.skip(Step::Verified, "a dry run releases nothing");
        return Ok(release.result_ids(None));
    };
    let mut ids = release.result_ids(answer.json.as_ref());
    let live = verify(steps, deploy, &app_id, expected, ids.version_id.clone()).await?;
    tracing::info!("{}: version {wanted} ({live}) is live", deploy.app.name());
    ids.version_id = Some(live);
    Ok(ids)
}

/// The id of the version named `name` among listed `(id, name)` versions.
fn version_named(versions: &[(String, String)], name: &str) -> Option<String> {
    versions
        .iter()
        .find(|(_, listed)| listed == name)
        .map(|(id, _)| id.clone())
}

/// Imports the absent app from git, by `git-app-name` or else its own name: its new id, and
/// the versions the import brought, read from the listing (a plan has neither).
async fn create<T: ToolJet>(
    steps: &mut Steps<T>,
    deploy: &Deploy,
    name: &str,
) -> Result<(String, Vec<(String, String)>), Failure> {
    let create = Operation::Create {
        organization_id: deploy.organization_id.clone(),
        git_app: GitApp {
            id: None,
            name: Some(
                deploy
                    .git_app_name
                    .clone()
                    .unwrap_or_else(|| name.to_owned()),
            ),
        },
        branch: deploy.branch.clone(),
    };
    let request = create.request();
    match steps
        .write(Step::Created, &request, &create.describe())
        .await?
    {
        Written::Answered(answer) => {
            let ids = create
                .check_answer(&answer)
                .map_err(|err| steps.refuse_answer(Step::Created, &request, err))?;
            // check_answer refuses a create answer that names no app.
            let id = ids.app_id.unwrap_or_default();
            steps.learned.app_id = Some(id.clone());
            let listing = ApiRequest::workspace_apps(&deploy.organization_id);
            let answer = steps
                .read(Step::Created, &listing, "list the workspace's apps")
                .await?;
            let versions = Listing::parse(answer.json.as_ref())
                .app_with_id(&id)
                .map(|app| app.versions.clone())
                .unwrap_or_default();
            Ok((id, versions))
        }
        Written::Planned(_) => Ok((NEW_APP.to_owned(), Vec::new())),
    }
}

async fn pull<T: ToolJet>(
    steps: &mut Steps<T>,
    deploy: &Deploy,
    app_id: &str,
) -> Result<(), Failure> {
    let pull = Operation::Pull {
        app_id: app_id.to_owned(),
        branch: deploy.branch.clone(),
    };
    let request = pull.request();
    steps
        .write(Step::Pulled, &request, &pull.describe())
        .await
        .map(drop)
}

/// Saves the draft as `name`: the new version's id, when ToolJet's answer has it.
async fn save<T: ToolJet>(
    steps: &mut Steps<T>,
    app_id: &str,
    name: &str,
) -> Result<Option<String>, Failure> {
    let save = Operation::SaveVersion {
        app_id: app_id.to_owned(),
        name: Some(name.to_owned()),
    };
    let request = save.request();
    match steps.write(Step::Saved, &request, &save.describe()).await? {
        Written::Answered(answer) => Ok(save.result_ids(answer.json.as_ref()).version_id),
        Written::Planned(_) => Ok(None),
    }
}

/// Checks that `live`, the version the release answer names, is the one named: its id from
/// the save answer or the first listing, else (a tag ToolJet pulled as it released) from the
/// workspace listing read again. The live version's id.
async fn verify<T: ToolJet>(
    steps: &mut Steps<T>,
    deploy: &Deploy,
    app_id: &str,
    expected: Option<String>,
    live: Option<String>,
) -> Result<String, Failure> {
    let wanted = deploy.version.name();
    let Some(live) = live else {
        return Err(steps.fail(
            Step::Verified,
            Check::Unverified(
                "ToolJet's release answer names no current version, so what is live cannot be checked"
                    .to_owned(),
            ),
        ));
    };
    let (expected, versions) = match expected {
        Some(id) => (Some(id), deploy.app.versions().to_vec()),
        None => {
            let listing = ApiRequest::workspace_apps(&deploy.organization_id);
            let answer = steps
                .read(Step::Verified, &listing, "list the workspace's apps")
                .await?;
            let versions = Listing::parse(answer.json.as_ref())
                .app_with_id(app_id)
                .map(|app| app.versions.clone())
                .unwrap_or_default();
            (version_named(&versions, wanted), versions)
        }
    };
    if expected.as_deref() == Some(live.as_str()) {
        steps.done(Step::Verified);
        return Ok(live);
    }
    let live_name = versions
        .iter()
        .find(|(id, _)| *id == live)
        .map_or_else(|| live.clone(), |(_, name)| format!("{name} ({live})"));
    let next = match (&expected, &deploy.version) {
        (Some(_), _) => format!(
            "Re-run this step: version {wanted} is on the instance now, so deploy releases it by \
             name (as `operation: release` with `version-name: {wanted}` would)."
        ),
        (None, DeployVersion::Tag { .. }) => format!(
            "Version {wanted} is not on this instance: a release by tag pulls only the app's \
             latest tag, which is {live_name}. Deploy it with `version-name: {wanted}` (which \
             pulls the branch's head and saves it), or save it again where the app is built so \
             that its tag is the latest."
        ),
        (None, DeployVersion::Name(_)) => format!(
            "The workspace lists no version {wanted}: check the save in ToolJet, then re-run \
             this step."
        ),
    };
    Err(steps.fail(
        Step::Verified,
        Check::OtherVersionLive {
            wanted: wanted.to_owned(),
            live: live_name,
            next,
        },
    ))
}
