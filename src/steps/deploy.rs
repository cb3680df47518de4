//! `deploy` (and `apply`, app by app): make one version of one app live on this instance, and
//! prove it.
//!
//! What is live is read first (the app's export); then the workspace listing, read when the
//! apps were looked up, decides the path:
//! 1. the version wanted is live already: nothing is sent;
//! 2. the app is absent (given by name): import it from git, and read what it came with;
//! 3. the version is on the instance: release it by name, no pull, no save;
//! 4. it is not, given as `git-tag`: release with no version (ToolJet pulls its latest tag);
//! 5. it is not, given as `version-name`: pull the branch, save the draft under that name,
//!    release it;
//! 6. verify: the release answer's `currentVersionId` must be that version's id.
//!
//! So a re-run after a failure at any step finishes the deploy: what was created or saved is
//! in the listing then, and is released by name rather than made again.

use super::{Check, Failure, Step, Steps, Written, live};
use crate::desired::{
    Before, Deploy, DeployApp, DeployVersion, SyncState, VersionLabel, version_named,
};
use crate::listing::{ListedApp, Listing};
use crate::operation::{GitApp, Operation, ReleaseTarget, ResultIds};
use crate::tooljet::{ApiError, ApiRequest};

/// How a plan names the app `create` would make, as a route parameter: its id comes from the
/// create answer.
const NEW_APP: &str = ":new-app-id";

pub(super) async fn run(steps: &mut Steps, deploy: &Deploy) -> Result<ResultIds, Failure> {
    // Listed with every app of the step, before any app ran.
    steps.done(Step::Listed);
    let before = live::or_warn(steps, deploy).await;
    make_live(steps, deploy, &before).await
}

/// Makes the version live, given what was live `before`.
pub(super) async fn make_live(
    steps: &mut Steps,
    deploy: &Deploy,
    before: &Before,
) -> Result<ResultIds, Failure> {
    steps.learned.previous = before.live().cloned();
    if let (DeployApp::Listed(app), Some(SyncState::InSync)) = (&deploy.app, deploy.state(before)) {
        return Ok(already_live(steps, deploy, app, before));
    }
    let wanted = deploy.version.name();
    let (app_id, on_instance, imported) = match &deploy.app {
        DeployApp::Listed(app) => {
            steps.skip(Step::Created, "the app is in the workspace");
            (app.id.clone(), deploy.wanted_id().map(str::to_owned), false)
        }
        DeployApp::Absent { listed_ids, .. } => {
            let (id, versions) = create(steps, deploy, listed_ids).await?;
            let on_instance = version_named(&versions, wanted).map(str::to_owned);
            (id, on_instance, true)
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
            if imported && saved.is_none() {
                // A plan cannot know what the import will bring.
                steps.qualify(
                    Step::Saved,
                    &format!("only if the imported app has no version {wanted}"),
                );
            }
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
        return Ok(ResultIds {
            previous: before.live().cloned(),
            ..release.result_ids(None)
        });
    };
    let mut ids = release
        .check_answer(&answer)
        .map_err(|err| steps.refuse_answer(Step::Released, &request, err))?;
    let live = verify(steps, deploy, &app_id, expected, ids.version_id.clone()).await?;
    tracing::info!("{}: version {wanted} ({live}) is live", deploy.app.name());
    ids.version_id = Some(live);
    ids.previous = before.live().cloned();
    Ok(ids)
}

/// The version wanted is live already: nothing is sent, and what the export said is the proof.
fn already_live(steps: &mut Steps, deploy: &Deploy, app: &ListedApp, before: &Before) -> ResultIds {
    let wanted = deploy.version.name();
    let why = format!("version {wanted} is live already");
    for step in [Step::Created, Step::Pulled, Step::Saved] {
        steps.skip(step, &why);
    }
    steps.skip(Step::Released, "already live: nothing was sent");
    steps.done(Step::Verified);
    tracing::info!("{}: version {wanted} is live already", app.name);
    ResultIds {
        app_id: Some(app.id.clone()),
        version_id: before.live().map(|live| live.id.clone()),
        environment: Some("production".to_owned()),
        organization_id: Some(deploy.organization_id.clone()),
        slug: Some(app.slug.clone()).filter(|slug| !slug.is_empty()),
        released: true,
        previous: before.live().cloned(),
        state: Some(SyncState::InSync),
        would: None,
    }
}

/// Imports the absent app from git, by `git-app-name` or else its own name: its new id, and
/// the versions the import brought, read from the listing (a plan has neither). An answer that
/// names an app the workspace already had (`listed_ids`) is about another app.
async fn create(
    steps: &mut Steps,
    deploy: &Deploy,
    listed_ids: &[String],
) -> Result<(String, Vec<(String, String)>), Failure> {
    let create = Operation::Create {
        organization_id: deploy.organization_id.clone(),
        git_app: GitApp {
            id: None,
            name: Some(deploy.git_folder().to_owned()),
        },
        branch: deploy.branch.clone(),
    };
    let request = create.request();
    let answer = match steps
        .write(Step::Created, &request, &create.describe())
        .await?
    {
        Written::Answered(answer) => answer,
        Written::Planned(_) => {
            steps.qualify(
                Step::Created,
                &format!(
                    "imports a NEW app {:?} from git folder {:?}",
                    deploy.app.name(),
                    deploy.git_folder()
                ),
            );
            return Ok((NEW_APP.to_owned(), Vec::new()));
        }
    };
    let ids = create
        .check_answer(&answer)
        .map_err(|err| steps.refuse_answer(Step::Created, &request, err))?;
    // check_answer refuses a create answer that names no app.
    let id = ids.app_id.unwrap_or_default();
    if listed_ids
        .iter()
        .any(|listed| listed.eq_ignore_ascii_case(&id))
    {
        let err = ApiError::Unreadable {
            status: answer.status,
            why: format!(
                "its answer names app {id}, which was in the workspace before: not a new app, so \
                 what the import did cannot be told"
            ),
            body: answer.body,
        };
        return Err(steps.refuse_answer(Step::Created, &request, err));
    }
    steps.learned.app_id = Some(id.clone());
    let versions = listed_versions(steps, Step::Created, deploy, &id).await?;
    Ok((id, versions))
}

async fn pull(steps: &mut Steps, deploy: &Deploy, app_id: &str) -> Result<(), Failure> {
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
async fn save(steps: &mut Steps, app_id: &str, name: &str) -> Result<Option<String>, Failure> {
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
/// workspace listing read again. The live version's id. Another version is named as live only
/// when a listing names it with another name: a version never is "not" itself.
async fn verify(
    steps: &mut Steps,
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
    if expected
        .as_deref()
        .is_some_and(|id| id.eq_ignore_ascii_case(&live))
    {
        steps.done(Step::Verified);
        return Ok(live);
    }
    let versions = listed_versions(steps, Step::Verified, deploy, app_id).await?;
    if expected.is_none() && version_named(&versions, wanted) == Some(live.as_str()) {
        steps.done(Step::Verified);
        return Ok(live);
    }
    let label = VersionLabel::among(&live, &versions);
    let Some(name) = label.name.clone().filter(|name| name != wanted) else {
        return Err(steps.fail(
            Step::Verified,
            Check::Unverified(format!(
                "ToolJet made version {live} live, and its listing does not show that this is \
                 {wanted}"
            )),
        ));
    };
    let on_instance = version_named(&versions, wanted).is_some();
    let next = match (on_instance, &deploy.version) {
        (true, _) => format!(
            "Re-run this step: version {wanted} is on the instance now, so deploy releases it by \
             name (as `operation: release` with `version-name: {wanted}` would)."
        ),
        (false, DeployVersion::Tag { .. }) => format!(
            "Version {wanted} is not on this instance: a release by tag pulls only the app's \
             latest tag, which is {name}. Deploy it with `version-name: {wanted}` (which \
             pulls the branch's head and saves it), or save it again where the app is built so \
             that its tag is the latest."
        ),
        (false, DeployVersion::Name(_)) => format!(
            "The workspace lists no version {wanted}: check the save in ToolJet, then re-run \
             this step."
        ),
    };
    Err(steps.fail(
        Step::Verified,
        Check::OtherVersionLive {
            wanted: wanted.to_owned(),
            live: format!("{name} ({live})"),
            next,
        },
    ))
}

/// The app's versions as the workspace lists them now, read as `step`.
async fn listed_versions(
    steps: &mut Steps,
    step: Step,
    deploy: &Deploy,
    app_id: &str,
) -> Result<Vec<(String, String)>, Failure> {
    let listing = ApiRequest::workspace_apps(&deploy.organization_id);
    let answer = steps
        .read(step, &listing, "list the workspace's apps")
        .await?;
    Ok(Listing::parse(answer.json.as_ref())
        .app_with_id(app_id)
        .map(|app| app.versions.clone())
        .unwrap_or_default())
}
