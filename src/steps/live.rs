//! Reading what is live before anything is sent (the app's export), and the app's plan
//! decided from it: shared by `deploy`, `check` and `apply`. For `check` and `apply`, also
//! what changes in the app's content from the live version to the declared one (`changes`),
//! read from the same export and at most one more per version; never part of the plan.

use std::sync::Arc;

use super::{Check, Failure, Step, Steps};
use crate::changes::{self, Diff, Unavailable};
use crate::desired::{Before, Deploy, DeployApp, VersionLabel};
use crate::listing::ListedApp;
use crate::plan::{AppPlan, State, WhenUnread};
use crate::record::Note;
use crate::tooljet::export::{Content, ContentError, Current};
use crate::tooljet::{ApiRequest, ApiResponse};

const WHAT: &str = "read which version is live";
const WHAT_CHANGES: &str = "read a version's content";

/// An app's plan, and, where the plan could not be read and nothing may be written
/// (`WhenUnread::Hold`), the failed read that says why; for `check` and `apply`, what changes
/// in the app's content, or why that cannot be said.
pub struct Planned {
    pub plan: AppPlan,
    pub failure: Option<Failure>,
    pub diff: Option<Diff>,
}

/// The content the first export held, or why it could not be read.
type First = Result<Arc<Content>, String>;

/// Reads what is live and decides the app's plan. With `WhenUnread::Hold` a read that fails
/// fails the step it is, and the plan holds; with `GoOn` (deploy) an export that cannot be
/// read, or an instance without the route, leaves what was live unknown, with a warning that
/// says why, and the plan goes on without it.
pub async fn plan(steps: &mut Steps, deploy: &Deploy, unread: WhenUnread) -> Planned {
    // Listed with every app of the step, before any app ran.
    steps.done(Step::Listed);
    let (before, first, failure) = match unread {
        WhenUnread::Hold => match read(steps, deploy).await {
            Ok((before, first)) => (before, first, None),
            Err(failure) => {
                let why = failure.error.to_string();
                (Before::Unread(why.clone()), Err(why), Some(failure))
            }
        },
        WhenUnread::GoOn => (or_warn(steps, deploy).await, Err(String::new()), None),
    };
    let plan = AppPlan::decide(deploy, before, unread);
    let diff = match unread {
        WhenUnread::Hold => diff(steps, deploy, &plan, first).await,
        WhenUnread::GoOn => None,
    };
    Planned {
        plan,
        failure,
        diff,
    }
}

/// What is live, with the content the export holds (the declared version's, or the newest's),
/// or the failed read (or unreadable answer) that fails the step.
async fn read(steps: &mut Steps, deploy: &Deploy) -> Result<(Before, First), Failure> {
    let DeployApp::Listed(app) = &deploy.app else {
        return Ok((Before::Absent, Err(String::new())));
    };
    // Any export names the live version. One of the declared version, where the instance has
    // it, also holds that version's content, so a drift costs one more export (the live
    // version's), an app in sync none; else the newest version's (often a draft).
    let request = match deploy.wanted_id() {
        Some(_) => {
            ApiRequest::export_version(&deploy.organization_id, &app.id, deploy.version.name())
        }
        None => ApiRequest::export_content(&deploy.organization_id, &app.id),
    };
    let mut answer = steps.read(Step::Listed, &request, WHAT).await?;
    let first = content_of(answer.content.take());
    match of(app, answer) {
        Before::Unread(why) => Err(steps.fail(Step::Listed, Check::LiveUnknown(why))),
        before => Ok((before, first)),
    }
}

/// The content an export answer holds, or why it does not.
fn content_of(content: Option<Result<Arc<Content>, ContentError>>) -> First {
    match content {
        Some(Ok(content)) => Ok(content),
        Some(Err(err)) => Err(err.to_string()),
        None => Err("the export held no content".to_owned()),
    }
}

/// What changes from the live version to the declared one, from the first export and, for
/// a version it does not hold, that version's own export: nothing for an app in sync (it
/// costs no request), and why not where no comparison can be made. A failed read here never
/// changes the plan: it only says that the comparison is not available.
async fn diff(steps: &mut Steps, deploy: &Deploy, plan: &AppPlan, first: First) -> Option<Diff> {
    let unavailable = |why| Some(Diff::Unavailable(why));
    let live = match (plan.state, plan.before.live()) {
        (State::InSync, _) => return None,
        (State::AppAbsent, _) => return unavailable(Unavailable::AppAbsent),
        (State::VersionAbsent, _) => return unavailable(Unavailable::VersionAbsent),
        (State::Unknown, _) => {
            return unavailable(Unavailable::ExportFailed(
                plan.before.unread().unwrap_or_default().to_owned(),
            ));
        }
        (State::Drift, None) => return unavailable(Unavailable::NothingLive),
        (State::Drift, Some(live)) => live,
    };
    let Some(live) = live.name.as_deref() else {
        return unavailable(Unavailable::ExportFailed(
            "the live version has no name to export it by".to_owned(),
        ));
    };
    let first = match first {
        Ok(first) => first,
        Err(why) => return unavailable(Unavailable::ExportFailed(why)),
    };
    Some(compared(steps, deploy, first, live).await)
}

/// What changes from version `live` to the declared one, from `first` (the content an export
/// already held) and the export of each version it does not hold.
async fn compared(steps: &mut Steps, deploy: &Deploy, first: Arc<Content>, live: &str) -> Diff {
    let declared = deploy.version.name();
    let mut held = vec![first];
    for version in changes::exports_needed(&held[0], live, declared) {
        match export_of(steps, deploy, version).await {
            Ok(content) => held.push(content),
            Err(why) => return Diff::Unavailable(Unavailable::ExportFailed(why)),
        }
    }
    let version = |name: &str| held.iter().find_map(|content| content.version(name));
    match (version(live), version(declared)) {
        (Some(old), Some(new)) => Diff::Changes(changes::compare(old, new)),
        _ => Diff::Unavailable(Unavailable::ExportFailed(
            "an export did not hold the version asked for".to_owned(),
        )),
    }
}

/// What changed once the declared version was made live, where the plan could not say: a
/// version saved from git just now, compared with the one live before; or an app new to the
/// instance, with nothing live before it.
pub async fn review(steps: &mut Steps, deploy: &Deploy, plan: &AppPlan) -> Diff {
    let Some(live) = plan.before.live().and_then(|live| live.name.as_deref()) else {
        return Diff::Unavailable(Unavailable::NothingBefore);
    };
    match export_of(steps, deploy, deploy.version.name()).await {
        Ok(first) => compared(steps, deploy, first, live).await,
        Err(why) => Diff::Unavailable(Unavailable::ExportFailed(why)),
    }
}

/// The content of the app's `version`, from that version's own export, or why it could not
/// be read.
async fn export_of(steps: &mut Steps, deploy: &Deploy, version: &str) -> First {
    let app_id = deploy.app.id().unwrap_or_default();
    let request = ApiRequest::export_version(&deploy.organization_id, app_id, version);
    match steps.read_aside(&request, WHAT_CHANGES).await {
        Ok(mut answer) => content_of(answer.content.take()),
        Err(err) => Err(err.to_string()),
    }
}

/// What is live, or unread with a warning that says why.
async fn or_warn(steps: &mut Steps, deploy: &Deploy) -> Before {
    let DeployApp::Listed(app) = &deploy.app else {
        return Before::Absent;
    };
    let request = ApiRequest::export(&deploy.organization_id, &app.id);
    let before = match steps.try_read(Step::Listed, &request, WHAT).await {
        Ok(answer) => of(app, answer),
        Err(err) if err.is_missing_route() => Before::Unread(format!(
            "{err}: this ToolJet has no export route, being older or the Community Edition"
        )),
        Err(err) => Before::Unread(err.to_string()),
    };
    if let Before::Unread(why) = &before {
        steps.note(Note::Warning(format!(
            "Which version of {} was live could not be read ({why}): `previous-version` is left \
             empty, and the deploy goes on without it.",
            app.name
        )));
    }
    before
}

/// What an export of `app` says is live.
fn of(app: &ListedApp, answer: ApiResponse) -> Before {
    let live = answer.live.unwrap_or_default();
    if live
        .id
        .as_deref()
        .is_some_and(|id| !id.eq_ignore_ascii_case(&app.id))
    {
        return Before::Unread(
            "ToolJet's export is about another app, so it says nothing of this one".to_owned(),
        );
    }
    // The export's own versions name what the listing may not (its bug, a version made since).
    let mut versions = app.versions.clone();
    versions.extend(live.versions);
    match live.current {
        Current::Id(id) => Before::Live(Some(VersionLabel::among(&id, &versions))),
        Current::NoneReleased => Before::Live(None),
        Current::Missing => Before::Unread(
            "ToolJet's export of the app names no current version (`currentVersionId` is missing)"
                .to_owned(),
        ),
        Current::NotAnId => Before::Unread(
            "ToolJet's export of the app holds something that is no version id as its current \
             version"
                .to_owned(),
        ),
    }
}
