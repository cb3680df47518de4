//! Carrying out an app's plan (`deploy`, and `apply` app by app): the writes of its path, in
//! order, then the proof that the declared version is live. The plan decided the path
//! (`plan.rs`); this program only follows it, and says why each step it does not need is
//! skipped:
//! - nothing: the version is live already, and nothing is sent;
//! - release: the version is on the instance, released by name;
//! - pull, save, release: the branch is pulled, the draft saved under the name, released;
//! - release the latest tag: ToolJet pulls the app's latest git tag as it releases;
//! - import: the app is created from git first (ToolJet's import brings git's version as
//!   the app's draft, never released), its draft saved under the name, released;
//! - verify: the release answer's `currentVersionId` must be that version's id.
//!
//! So a re-run after a failure at any step finishes the deploy: what was created or saved is
//! in the listing then, and the plan releases it by name rather than making it again. A save
//! refused because the version exists (another run saved it) releases what is there; one
//! refused because there is no draft to save fails with what would fix it.

use super::{Check, Failure, NoDraft, Step, Steps, Written};
use crate::desired::{Deploy, DeployApp, DeployVersion, VersionLabel, version_named};
use crate::listing::{ListedApp, Listing};
use crate::operation::{GitApp, Operation, ReleaseTarget, ResultIds};
use crate::plan::{AfterImport, AppPlan, Path};
use crate::tooljet::{ApiError, ApiRequest};

/// How a plan names the app `create` would make, as a route parameter: its id comes from the
/// create answer.
const NEW_APP: &str = ":new-app-id";

/// An app made ready for its release: what the release sends and what it must make live, or
/// the result as it stands when the version is live already.
#[derive(Debug)]
pub enum Prepared {
    Done(ResultIds),
    Release(Ready),
}

/// What an app's release sends, once its import, pull and save went through.
#[derive(Debug)]
pub struct Ready {
    app_id: String,
    target: ReleaseTarget,
    /// The id the version must have once live, where a save or a listing named it.
    expected: Option<String>,
}

/// The plan carried out at once: prepared, then released (`deploy`, app by app).
pub async fn run(steps: &mut Steps, deploy: &Deploy, plan: &AppPlan) -> Result<ResultIds, Failure> {
    match prepare(steps, deploy, plan).await? {
        Prepared::Done(ids) => Ok(ids),
        Prepared::Release(ready) => release(steps, deploy, ready).await,
    }
}

/// Everything of the plan's path before its release: the import, pull and save it needs,
/// none of which changes what is live.
pub async fn prepare(
    steps: &mut Steps,
    deploy: &Deploy,
    plan: &AppPlan,
) -> Result<Prepared, Failure> {
    let wanted = plan.declared.as_str();
    let on_instance = || deploy.wanted_id().map(str::to_owned);
    let (app_id, target, expected) = match &plan.path {
        Path::Nothing => return Ok(Prepared::Done(already_live(steps, deploy, plan))),
        Path::Hold => {
            return Err(steps.fail(
                Step::Listed,
                Check::LiveUnknown("the plan holds: nothing may be written".to_owned()),
            ));
        }
        Path::Release => {
            let app_id = listed(steps, deploy);
            skip_to_release(steps, wanted);
            (
                app_id,
                ReleaseTarget::VersionName(wanted.to_owned()),
                on_instance(),
            )
        }
        Path::ReleaseLatestTag => {
            let app_id = listed(steps, deploy);
            skip_to_latest_tag(steps, deploy);
            (app_id, ReleaseTarget::LatestTag, None)
        }
        Path::PullSaveRelease => {
            let app_id = listed(steps, deploy);
            pull(steps, deploy, &app_id).await?;
            let saved = save(steps, deploy, &app_id, wanted).await?;
            (app_id, ReleaseTarget::VersionName(wanted.to_owned()), saved)
        }
        Path::Import { then, .. } => import_then(steps, deploy, *then).await?,
    };
    Ok(Prepared::Release(Ready {
        app_id,
        target,
        expected,
    }))
}

/// The release of a prepared app, and the proof that the declared version is live.
pub async fn release(
    steps: &mut Steps,
    deploy: &Deploy,
    ready: Ready,
) -> Result<ResultIds, Failure> {
    let Ready {
        app_id,
        target,
        expected,
    } = ready;
    let wanted = deploy.version.name();
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
    let mut ids = release
        .check_answer(&answer)
        .map_err(|err| steps.refuse_answer(Step::Released, &request, err))?;
    let live = verify(steps, deploy, &app_id, expected, ids.version_id.clone()).await?;
    tracing::info!("{}: version {wanted} ({live}) is live", deploy.app.name());
    ids.version_id = Some(live);
    Ok(ids)
}

/// The app's id, as listed: `create` is not needed.
fn listed(steps: &mut Steps, deploy: &Deploy) -> String {
    steps.skip(Step::Created, "the app is in the workspace");
    deploy.app.id().unwrap_or_default().to_owned()
}

/// The version is on the instance: nothing to pull or save.
fn skip_to_release(steps: &mut Steps, wanted: &str) {
    let why = format!("version {wanted} is on the instance: it is released by name");
    steps.skip(Step::Pulled, &why);
    steps.skip(Step::Saved, why);
}

/// A tag's version is not on the instance: ToolJet pulls it as it releases.
fn skip_to_latest_tag(steps: &mut Steps, deploy: &Deploy) {
    steps.skip(
        Step::Pulled,
        "ToolJet pulls the app's latest tag as it releases",
    );
    let tag = match &deploy.version {
        DeployVersion::Tag { tag, .. } => tag.as_str(),
        DeployVersion::Name(name) => name.as_str(),
    };
    steps.skip(
        Step::Saved,
        format!("{tag} was saved where the app is built"),
    );
}

/// The version wanted is live already: nothing is sent, and what the export said is the proof.
fn already_live(steps: &mut Steps, deploy: &Deploy, plan: &AppPlan) -> ResultIds {
    let wanted = &plan.declared;
    let why = format!("version {wanted} is live already");
    for step in [Step::Created, Step::Pulled, Step::Saved] {
        steps.skip(step, &why);
    }
    steps.skip(Step::Released, "already live: nothing was sent");
    steps.done(Step::Verified);
    tracing::info!("{}: version {wanted} is live already", deploy.app.name());
    let app = match &deploy.app {
        DeployApp::Listed(app) => Some(app),
        DeployApp::Absent { .. } => None,
    };
    ResultIds {
        app_id: deploy.app.id().map(str::to_owned),
        version_id: plan.before.live().map(|live| live.id.clone()),
        environment: Some("production".to_owned()),
        organization_id: Some(deploy.organization_id.clone()),
        slug: app
            .map(|app| app.slug.clone())
            .filter(|slug| !slug.is_empty()),
        released: true,
    }
}

/// Imports the absent app: its id (in a dry run, a stand-in), what to release, and the id
/// expected live. ToolJet's import brings the version git holds as the app's draft, never
/// released: it is saved under the declared name (a version of that name that came with the
/// import is found by the save's refusal, and released as it is), or the latest tag released.
async fn import_then(
    steps: &mut Steps,
    deploy: &Deploy,
    then: AfterImport,
) -> Result<(String, ReleaseTarget, Option<String>), Failure> {
    let wanted = deploy.version.name();
    let created = create(steps, deploy).await?;
    steps.skip(Step::Pulled, "imported from git just now");
    let app_id = created.unwrap_or_else(|| NEW_APP.to_owned());
    Ok(match then {
        AfterImport::SaveRelease => {
            let saved = save(steps, deploy, &app_id, wanted).await?;
            (app_id, ReleaseTarget::VersionName(wanted.to_owned()), saved)
        }
        AfterImport::ReleaseLatestTag => {
            skip_to_latest_tag(steps, deploy);
            (app_id, ReleaseTarget::LatestTag, None)
        }
    })
}

/// Imports the absent app from git, by `git-app-name` or else its own name: its new id (none in
/// a plan). An answer that names an app the workspace already had is about another app.
async fn create(steps: &mut Steps, deploy: &Deploy) -> Result<Option<String>, Failure> {
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
            return Ok(None);
        }
    };
    let ids = create
        .check_answer(&answer)
        .map_err(|err| steps.refuse_answer(Step::Created, &request, err))?;
    // check_answer refuses a create answer that names no app.
    let id = ids.app_id.unwrap_or_default();
    let listed_ids = match &deploy.app {
        DeployApp::Absent { listed_ids, .. } => &listed_ids[..],
        DeployApp::Listed(_) => &[],
    };
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
    Ok(Some(id))
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

/// Saves the draft as `name`: the new version's id, when ToolJet's answer has it. A save
/// refused because a version of that name exists (409 "already saved", or 422 "Already
/// exists!": another run saved it meanwhile) is looked up in the listing: there, it is
/// released by name; not there, the app has no draft to save, and the step fails saying what
/// would fix it.
async fn save(
    steps: &mut Steps,
    deploy: &Deploy,
    app_id: &str,
    name: &str,
) -> Result<Option<String>, Failure> {
    let save = Operation::SaveVersion {
        app_id: app_id.to_owned(),
        name: Some(name.to_owned()),
    };
    let request = save.request();
    let failure = match steps.write(Step::Saved, &request, &save.describe()).await {
        Ok(Written::Answered(answer)) => {
            return Ok(save.result_ids(answer.json.as_ref()).version_id);
        }
        Ok(Written::Planned(_)) => return Ok(None),
        Err(failure) if failure.refused_as_saved() => failure,
        Err(failure) => return Err(failure),
    };
    let answered = failure.error.to_string();
    let versions = versions_after_refusal(steps, deploy, app_id).await?;
    if let Some(id) = version_named(&versions, name) {
        steps.skip(
            Step::Saved,
            format!("version {name} was saved meanwhile ({answered}): it is released by name"),
        );
        return Ok(Some(id.to_owned()));
    }
    Err(steps.fail(
        Step::Saved,
        Check::NoDraft(Box::new(NoDraft {
            wanted: name.to_owned(),
            answered,
            versions: versions.into_iter().map(|(_, name)| name).collect(),
        })),
    ))
}

/// The app's versions as the workspace lists them after a refused save, read inside the save's
/// step.
async fn versions_after_refusal(
    steps: &mut Steps,
    deploy: &Deploy,
    app_id: &str,
) -> Result<Vec<(String, String)>, Failure> {
    let listing = ApiRequest::workspace_apps(&deploy.organization_id);
    let answer = steps
        .read_within(
            Step::Saved,
            &listing,
            "list the workspace's apps after the refused save",
        )
        .await?;
    Ok(versions_of(answer.json.as_ref(), app_id))
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
    let listing = ApiRequest::workspace_apps(&deploy.organization_id);
    let answer = steps
        .read(Step::Verified, &listing, "list the workspace's apps")
        .await?;
    let versions = versions_of(answer.json.as_ref(), app_id);
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

/// The versions a listing has for `app_id`.
fn versions_of(json: Option<&serde_json::Value>, app_id: &str) -> Vec<(String, String)> {
    Listing::parse(json)
        .app_with_id(app_id)
        .map(|app: &ListedApp| app.versions.clone())
        .unwrap_or_default()
}
