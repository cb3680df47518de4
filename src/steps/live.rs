//! Reading what is live before anything is sent (the app's export), and the app's plan
//! decided from it: shared by `deploy`, `check` and `apply`.

use super::{Check, Failure, Step, Steps};
use crate::desired::{Before, Deploy, DeployApp, VersionLabel};
use crate::listing::ListedApp;
use crate::plan::{AppPlan, WhenUnread};
use crate::record::Note;
use crate::tooljet::export::Current;
use crate::tooljet::{ApiRequest, ApiResponse};

const WHAT: &str = "read which version is live";

/// An app's plan, and, where the plan could not be read and nothing may be written
/// (`WhenUnread::Hold`), the failed read that says why.
pub struct Planned {
    pub plan: AppPlan,
    pub failure: Option<Failure>,
}

/// Reads what is live and decides the app's plan. With `WhenUnread::Hold` a read that fails
/// fails the step it is, and the plan holds; with `GoOn` (deploy) an export that cannot be
/// read, or an instance without the route, leaves what was live unknown, with a warning that
/// says why, and the plan goes on without it.
pub(super) async fn plan(steps: &mut Steps, deploy: &Deploy, unread: WhenUnread) -> Planned {
    // Listed with every app of the step, before any app ran.
    steps.done(Step::Listed);
    let (before, failure) = match unread {
        WhenUnread::Hold => match read(steps, deploy).await {
            Ok(before) => (before, None),
            Err(failure) => (Before::Unread(failure.error.to_string()), Some(failure)),
        },
        WhenUnread::GoOn => (or_warn(steps, deploy).await, None),
    };
    Planned {
        plan: AppPlan::decide(deploy, before, unread),
        failure,
    }
}

/// What is live, or the failed read (or unreadable answer) that fails the step.
async fn read(steps: &mut Steps, deploy: &Deploy) -> Result<Before, Failure> {
    let DeployApp::Listed(app) = &deploy.app else {
        return Ok(Before::Absent);
    };
    let answer = steps.read(Step::Listed, &export(deploy, app), WHAT).await?;
    match of(app, answer) {
        Before::Unread(why) => Err(steps.fail(Step::Listed, Check::LiveUnknown(why))),
        before => Ok(before),
    }
}

/// What is live, or unread with a warning that says why.
async fn or_warn(steps: &mut Steps, deploy: &Deploy) -> Before {
    let DeployApp::Listed(app) = &deploy.app else {
        return Before::Absent;
    };
    let before = match steps
        .try_read(Step::Listed, &export(deploy, app), WHAT)
        .await
    {
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

fn export(deploy: &Deploy, app: &ListedApp) -> ApiRequest {
    ApiRequest::export(&deploy.organization_id, &app.id)
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
