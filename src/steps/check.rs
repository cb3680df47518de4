//! `check`: how each app of the manifest stands on this instance, sending no write.
//!
//! What is live is read (the app's export) and compared with the declared version: in sync,
//! drift (another version live, the declared one on the instance), version absent, or app
//! absent. With `dry-run`, what `apply` would send is planned too. A check that cannot read
//! what is live fails: it cannot claim anything.

use super::{Failure, Step, Steps, deploy, live};
use crate::desired::{Deploy, SyncState};
use crate::operation::ResultIds;

pub(super) async fn run(
    steps: &mut Steps,
    deploy: &Deploy,
    plan: bool,
) -> Result<ResultIds, Failure> {
    // Listed with every app of the step, before any app ran.
    steps.done(Step::Listed);
    let before = live::read(steps, deploy).await?;
    let state = deploy
        .state(&before)
        .expect("what is live was read, or the app is absent");
    if plan && state != SyncState::InSync {
        deploy::make_live(steps, deploy, &before).await?;
    }
    Ok(ResultIds {
        app_id: deploy.app.id().map(str::to_owned),
        organization_id: Some(deploy.organization_id.clone()),
        previous: before.live().cloned(),
        state: Some(state),
        would: Some(deploy.what_it_takes(state)),
        ..ResultIds::default()
    })
}
