//! Carrying out the configured operation for every app, in two phases side by side up to
//! `max-parallel`: first each app's plan (deploy, check, apply: what is live is read, and the
//! path to the declared version decided; reads only), then what the plans allow (the one
//! request of other operations, or the plan's writes), live or as a dry run. `apply` writes
//! only when every app of the manifest could be planned: a manifest is one change. When SIGTERM
//! or SIGINT comes, what finished (apps, steps, plans) is kept and what was cut short is said.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::changes::Diff;
use crate::desired::Deploy;
use crate::inputs::{AppRef, Config, Work};
use crate::job::{Job, Subject};
use crate::operation::{OperationKind, ResultIds};
use crate::outcome::{AppRun, HeldBy, Lookups, Run, Verdict};
use crate::plan::{AppPlan, State, WhenUnread};
use crate::record::Note;
use crate::resolve::{self, LookupError, Target};
use crate::signals::Signal;
use crate::steps::{self, Failure, Planned, Prepared, Ready, Recorded, Seam, Step, StepEnd, Steps};
use crate::tooljet::Client;
use crate::tooljet::attempts::{Attempts, Progress, Stage};

/// Carries out the configured operation for every app, until done or until `cancel` resolves.
pub async fn execute(
    client: Arc<Client>,
    config: Arc<Config>,
    started: Instant,
    cancel: impl Future<Output = Signal>,
) -> Run {
    tokio::pin!(cancel);
    let mut attempts = Attempts::new(client.clone(), config.budget, config.heartbeat, started);
    let resolved = tokio::select! {
        targets = resolve::targets(&mut attempts, &config) => Ok(targets),
        signal = &mut cancel => Err(signal),
    };
    let mut lookups = Lookups {
        exchanges: attempts.exchanges,
        notes: attempts.notes,
        unmanaged: Vec::new(),
    };
    let apps = match resolved {
        Ok(Ok(resolved)) => {
            lookups.unmanaged = resolved.unmanaged;
            let apps = resolved
                .targets
                .into_iter()
                .map(|target| App::new(target, &client, &config, started))
                .collect();
            run_apps(&config, apps, cancel).await
        }
        // The dry run's access check failed: nothing else was tried.
        Ok(Err(err)) => each_app(&config, started, || Verdict::Unresolved(err.clone())),
        // Only lookups (reads) were under way: no app started.
        Err(signal) => each_app(&config, started, || Verdict::NotStarted(signal)),
    };
    Run {
        apps,
        lookups,
        dry_run: config.dry_run,
        plan_only: config.plan_only(),
    }
}

/// One part per app as given (one in all for configure-git and create), when the step ended
/// before the apps were resolved: each keeps its own row and output line.
fn each_app(config: &Config, started: Instant, verdict: impl Fn() -> Verdict) -> Vec<AppRun> {
    let apps = config.work.apps();
    if apps.is_empty() {
        return vec![AppRun::new(
            unresolved(config),
            "",
            started.elapsed(),
            verdict(),
        )];
    }
    apps.into_iter()
        .map(|(app, version)| {
            AppRun::new(
                as_given(config.kind, app, version),
                app.label(),
                started.elapsed(),
                verdict(),
            )
        })
        .collect()
}

/// What an app's part is about as the inputs give it, before names are looked up.
fn as_given(kind: OperationKind, app: &AppRef, version: Option<&str>) -> Subject {
    Subject {
        kind,
        app: match app {
            AppRef::Id(id) => Some(id.clone()),
            AppRef::Name(_) => None,
        },
        version: version.map(str::to_owned),
    }
}

/// What a part is about whose app is not known: the step's operation, and its version if the
/// inputs give one for every app.
fn unresolved(config: &Config) -> Subject {
    let version = match &config.work {
        Work::Single { operation, .. } => operation.version(),
        Work::Desired(_) => None,
    };
    Subject {
        kind: config.kind,
        app: None,
        version: version.map(str::to_owned),
    }
}

/// One app's part of the step as it goes through both phases.
struct App {
    label: String,
    subject: Subject,
    job: Result<Job, LookupError>,
    notes: Vec<Note>,
    /// Its requests and steps; with the task that runs a phase while it runs.
    steps: Option<Steps>,
    /// What a signal reads while a phase runs: the request in flight, the steps ended.
    progress: Progress,
    recorded: Recorded,
    /// Phase one's result: the plan, and the failed read where it holds.
    plan: Option<AppPlan>,
    /// What changes in the app's content from the live version to the declared one.
    diff: Option<Diff>,
    /// How the app ended, once it has.
    verdict: Option<Verdict>,
    /// `apply`'s first wave went through: what its release sends.
    ready: Option<Ready>,
    ids: ResultIds,
    duration: Duration,
    /// Its requests only read: the step's result is its plan.
    reads_only: bool,
}

impl App {
    fn new(target: Target, client: &Arc<Client>, config: &Config, started: Instant) -> Self {
        let Target {
            label,
            version,
            job,
            notes,
        } = target;
        let subject = job.as_ref().map_or_else(
            |_| Subject {
                version,
                ..unresolved(config)
            },
            Job::subject,
        );
        let (progress, recorded) = (Progress::default(), Recorded::default());
        let attempts = Attempts::new(client.clone(), config.budget, config.heartbeat, started)
            .reporting_to(progress.clone());
        // A plan that is the result never writes, whatever the inputs: its seam cannot.
        let seam = match config.plan_only() || config.dry_run {
            true => Seam::Plan(attempts),
            false => Seam::Live(attempts),
        };
        Self {
            label,
            subject,
            job,
            notes,
            steps: Some(Steps::new(seam, recorded.clone())),
            progress,
            recorded,
            plan: None,
            diff: None,
            verdict: None,
            ready: None,
            ids: ResultIds::default(),
            duration: Duration::ZERO,
            reads_only: config.plan_only(),
        }
    }

    /// Phase one's result: the plan, or the failed read that leaves the app unplanned.
    fn planned(&mut self, planned: Planned) {
        self.plan = Some(planned.plan);
        self.diff = planned.diff;
        if let Some(failure) = planned.failure {
            self.end(Verdict::Failed(failure), None);
        }
    }

    /// Ends the app's part with `verdict`, and the ids its steps learned.
    fn end(&mut self, verdict: Verdict, ids: Option<ResultIds>) {
        if let Some(ids) = ids {
            self.ids = ids;
        }
        self.verdict = Some(verdict);
    }

    /// The app's part could be planned: nothing stands in the way of writing for it.
    fn plan_is_complete(&self) -> bool {
        self.verdict.is_none()
            && self.job.is_ok()
            && self
                .plan
                .as_ref()
                .is_none_or(|plan| plan.state != State::Unknown)
    }

    /// What a signal that stopped the phase under way leaves of this app: not started, or
    /// cancelled with or without a request in flight, with the steps that had ended and the one
    /// under way.
    fn cut_short(&mut self, signal: Signal) {
        if self.verdict.is_some() {
            return;
        }
        let (_, under_way) = self.recorded.snapshot();
        let in_flight = self.progress.stage() == Stage::InFlight;
        let verdict = match self.progress.stage() {
            Stage::Waiting => Verdict::NotStarted(signal),
            _ => Verdict::Cancelled {
                signal,
                in_flight,
                reading: self.reads_only || under_way == Some(Step::Listed),
                step: under_way,
            },
        };
        if let Some(step) = under_way {
            let end = match in_flight {
                true => StepEnd::Cancelled,
                false => StepEnd::NotRun,
            };
            self.recorded.end(step, end);
        }
        self.verdict = Some(verdict);
    }

    /// The app's part as the reports take it.
    fn into_run(self) -> AppRun {
        let verdict = self.verdict.expect("every app has ended");
        let mut run = AppRun::new(self.subject, &self.label, self.duration, verdict);
        // The ids the steps learned (a new app's, even when a later step failed), else the
        // app as given.
        let learned = match &run.verdict {
            Verdict::Failed(failure) => failure.ids.app_id.clone(),
            _ => None,
        };
        let given = run.ids.app_id.take();
        run.ids = self.ids;
        run.ids.app_id = run.ids.app_id.take().or(learned).or(given);
        // The workspace the app was looked up in, for the link to ToolJet's editor.
        if let (None, Ok(job)) = (&run.ids.organization_id, &self.job)
            && let Some((deploy, _)) = planned(job)
        {
            run.ids.organization_id = Some(deploy.organization_id.clone());
        }
        run.plan = self.plan;
        run.diff = self.diff;
        run.steps = self.recorded.snapshot().0;
        run.notes = self.notes;
        if let Some(mut steps) = self.steps {
            // The last request's answer, whatever the operation's outcome.
            if let Some((status, body)) = steps.last.take() {
                run.status = Some(status);
                run.response = body;
            }
            run.validation = std::mem::take(&mut steps.validation);
            let attempts = steps.into_seam().into_attempts();
            run.notes.extend(attempts.notes);
            run.exchanges = attempts.exchanges;
        }
        run
    }
}

/// Every app's part, in order: plans first, then what they allow.
async fn run_apps(
    config: &Arc<Config>,
    mut apps: Vec<App>,
    mut cancel: Pin<&mut impl Future<Output = Signal>>,
) -> Vec<AppRun> {
    for app in &mut apps {
        if let Err(why) = &app.job {
            app.end(Verdict::Unresolved(why.clone()), None);
        }
    }
    // Phase one: each app's plan, read side by side.
    let cancelled = match wave(config, &mut apps, Wave::Plan, cancel.as_mut()).await {
        Some(signal) => Some(signal),
        None => {
            let writes = Writes::of(config, &apps);
            carry_out_all(config, &mut apps, writes, cancel).await
        }
    };
    if let Some(signal) = cancelled {
        for app in &mut apps {
            app.cut_short(signal);
        }
    }
    apps.into_iter().map(App::into_run).collect()
}

/// Which apps phase two may write for, or run at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Writes {
    /// Each app that is ready goes on by itself (deploy and the one-request operations).
    Each,
    /// Every app's plan is complete: `apply` carries them all out.
    All,
    /// `check`: the plans are the result.
    PlanOnly,
    /// `apply` with an app that could not be planned: nothing is written for any.
    Held,
}

impl Writes {
    fn of(config: &Config, apps: &[App]) -> Self {
        match config.kind {
            OperationKind::Check => Self::PlanOnly,
            // A manifest is one change.
            OperationKind::Apply if apps.iter().all(App::plan_is_complete) => Self::All,
            OperationKind::Apply => Self::Held,
            _ => Self::Each,
        }
    }
}

/// Phase two: for every app still under way, what `writes` allows, side by side; the signal
/// that stopped it, if one did. `apply` goes in two waves: every app's import, pull and save,
/// none of which changes what is live, and only once all went through, every release.
async fn carry_out_all(
    config: &Arc<Config>,
    apps: &mut [App],
    writes: Writes,
    mut cancel: Pin<&mut impl Future<Output = Signal>>,
) -> Option<Signal> {
    for app in apps.iter_mut().filter(|app| app.verdict.is_none()) {
        match writes {
            Writes::PlanOnly => {
                let verdict = plan_verdict(config, app.plan.as_ref());
                app.end(verdict, None);
            }
            Writes::Held => app.end(Verdict::Held(HeldBy::Plan), None),
            Writes::Each | Writes::All => {}
        }
    }
    match writes {
        Writes::PlanOnly | Writes::Held => None,
        Writes::Each => wave(config, apps, Wave::Whole, cancel).await,
        Writes::All => {
            if let Some(signal) = wave(config, apps, Wave::Prepare, cancel.as_mut()).await {
                return Some(signal);
            }
            let prepared = apps.iter().all(|app| {
                matches!(
                    app.verdict,
                    None | Some(Verdict::Succeeded | Verdict::Planned)
                )
            });
            if !prepared {
                for app in apps.iter_mut().filter(|app| app.ready.is_some()) {
                    app.ready = None;
                    app.end(Verdict::Held(HeldBy::Preparation), None);
                }
                return None;
            }
            if let Some(signal) = wave(config, apps, Wave::Release, cancel.as_mut()).await {
                return Some(signal);
            }
            match config.dry_run {
                true => None,
                false => wave(config, apps, Wave::Review, cancel).await,
            }
        }
    }
}

/// What one wave does for each app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wave {
    /// Phase one: what is live read, the plan decided (deploy, check, apply).
    Plan,
    /// The whole job: its one request, or its plan prepared and released.
    Whole,
    /// The plan's writes before its release.
    Prepare,
    /// The release of what the first wave prepared.
    Release,
    /// What changed in an app whose plan could not say (its version saved just now, or the app
    /// new), once it is live.
    Review,
}

/// What one app takes into a wave.
struct Part {
    index: usize,
    job: Job,
    plan: Option<AppPlan>,
    ready: Option<Ready>,
    steps: Steps,
}

/// How an app's part of a wave ended: planned, done, or ready for its release.
enum Waved {
    Planned(Box<Planned>),
    Reviewed(Diff),
    Ended(Result<ResultIds, Failure>),
    Ready(Ready),
}

/// One wave: `wave`'s work for every app still under way (and, for the plans, each whose job
/// starts with one), side by side; the signal that stopped it, if one did.
async fn wave(
    config: &Arc<Config>,
    apps: &mut [App],
    wave: Wave,
    cancel: Pin<&mut impl Future<Output = Signal>>,
) -> Option<Signal> {
    let failed = Arc::new(AtomicBool::new(false));
    let work: Vec<Part> = apps
        .iter_mut()
        .enumerate()
        .filter(|(_, app)| match wave {
            Wave::Plan => {
                app.verdict.is_none() && app.job.as_ref().is_ok_and(|job| planned(job).is_some())
            }
            Wave::Review => {
                matches!(app.verdict, Some(Verdict::Succeeded))
                    && app.diff.as_ref().is_some_and(Diff::said_before_it_was_live)
            }
            Wave::Whole | Wave::Prepare | Wave::Release => app.verdict.is_none(),
        })
        .filter_map(|(index, app)| {
            Some(Part {
                index,
                job: app.job.as_ref().ok()?.clone(),
                plan: app.plan.clone(),
                ready: app.ready.take(),
                steps: app.steps.take()?,
            })
        })
        .collect();
    let progress: Vec<Progress> = work
        .iter()
        .map(|part| apps[part.index].progress.clone())
        .collect();
    let (done, signal) = side_by_side(
        config.max_parallel,
        work,
        progress,
        cancel,
        |Part {
             index,
             job,
             plan,
             ready,
             mut steps,
         }| {
            let (config, failed) = (config.clone(), failed.clone());
            async move {
                let started = Instant::now();
                // fail-fast: no further app starts writing once one has failed.
                let writes = matches!(wave, Wave::Whole | Wave::Prepare | Wave::Release);
                if writes && config.fail_fast && failed.load(Ordering::SeqCst) {
                    return (index, steps, None, started.elapsed());
                }
                let waved = carry_out(&mut steps, &config, &job, plan.as_ref(), ready, wave).await;
                if matches!(waved, Waved::Ended(Err(_))) {
                    failed.store(true, Ordering::SeqCst);
                }
                (index, steps, Some(waved), started.elapsed())
            }
        },
    )
    .await;
    for (index, steps, waved, took) in done {
        let app = &mut apps[index];
        app.steps = Some(steps);
        app.duration += took;
        match waved {
            Some(Waved::Reviewed(diff)) => app.diff = Some(diff),
            Some(Waved::Planned(planned)) => {
                app.planned(*planned);
                // Phase two starts afresh: a signal between the phases finds it not started.
                app.progress.set(Stage::Waiting);
            }
            None => app.end(Verdict::Skipped, None),
            Some(Waved::Ready(ready)) => app.ready = Some(ready),
            // A dry run released, pulled and created nothing: the ids stay those given.
            Some(Waved::Ended(Ok(_))) if config.dry_run => app.end(Verdict::Planned, None),
            Some(Waved::Ended(Ok(ids))) => app.end(Verdict::Succeeded, Some(ids)),
            Some(Waved::Ended(Err(failure))) => app.end(Verdict::Failed(failure), None),
        }
    }
    signal
}

/// What a plan that is the result says: with `fail-on-drift`, an app out of sync fails; a dry
/// run planned; else the check succeeded.
fn plan_verdict(config: &Config, plan: Option<&AppPlan>) -> Verdict {
    let in_sync = plan.is_some_and(|plan| plan.state == State::InSync);
    match (config.fail_on_drift && !in_sync, config.dry_run) {
        (true, _) => Verdict::Drifted,
        (false, true) => Verdict::Planned,
        (false, false) => Verdict::Succeeded,
    }
}

/// The app's deploy, if its job starts with a plan, and how an unread live version is taken.
fn planned(job: &Job) -> Option<(&Deploy, WhenUnread)> {
    match job {
        Job::Deploy(deploy) => Some((deploy, WhenUnread::GoOn)),
        Job::Check(deploy) | Job::Apply(deploy) => Some((deploy, WhenUnread::Hold)),
        Job::Single(_) => None,
    }
}

/// One app's part of a wave: its one request, or its plan carried out, prepared or released.
async fn carry_out(
    steps: &mut Steps,
    config: &Config,
    job: &Job,
    plan: Option<&AppPlan>,
    ready: Option<Ready>,
    wave: Wave,
) -> Waved {
    if let (Wave::Plan, Some((deploy, unread))) = (wave, planned(job)) {
        return Waved::Planned(Box::new(steps::plan(steps, deploy, unread).await));
    }
    let deploy = match job {
        Job::Single(operation) => {
            return Waved::Ended(steps::single(steps, config, operation).await);
        }
        Job::Deploy(deploy) | Job::Apply(deploy) | Job::Check(deploy) => deploy,
    };
    let plan = plan.expect("phase one plans every deploy, check and apply");
    match (wave, ready) {
        (Wave::Review, _) => Waved::Reviewed(steps::review(steps, deploy, plan).await),
        (Wave::Release, Some(ready)) => Waved::Ended(steps::release(steps, deploy, ready).await),
        (Wave::Prepare, _) => match steps::prepare(steps, deploy, plan).await {
            Ok(Prepared::Release(ready)) => Waved::Ready(ready),
            Ok(Prepared::Done(ids)) => Waved::Ended(Ok(ids)),
            Err(failure) => Waved::Ended(Err(failure)),
        },
        (Wave::Whole | Wave::Plan, _) | (Wave::Release, None) => {
            Waved::Ended(steps::make_live(steps, deploy, plan).await)
        }
    }
}

/// Runs `work` on every item, at most `max` at once, each reporting through its `progress`;
/// what finished, and the signal that stopped the rest, if one did. Items whose task was
/// stopped are not returned.
async fn side_by_side<I, O, F, Fut>(
    max: usize,
    items: Vec<I>,
    progress: Vec<Progress>,
    mut cancel: Pin<&mut impl Future<Output = Signal>>,
    work: F,
) -> (Vec<O>, Option<Signal>)
where
    F: Fn(I) -> Fut,
    Fut: Future<Output = O> + Send + 'static,
    O: Send + 'static,
{
    let permits = Arc::new(Semaphore::new(max));
    let mut tasks = JoinSet::new();
    for (item, progress) in items.into_iter().zip(progress) {
        let (permits, task) = (permits.clone(), work(item));
        tasks.spawn(async move {
            let _permit = permits.acquire().await.expect("never closed");
            progress.set(Stage::Running);
            task.await
        });
    }
    let mut done = Vec::new();
    let signal = loop {
        let joined = tokio::select! {
            joined = tasks.join_next() => joined,
            signal = &mut cancel => break Some(signal),
        };
        match joined {
            Some(finished) => done.push(finished.expect("an app's task never panics")),
            None => break None,
        }
    };
    if signal.is_some() {
        tasks.abort_all();
        // Apps that finished as the signal came keep their result.
        while let Some(joined) = tasks.join_next().await {
            if let Ok(output) = joined {
                done.push(output);
            }
        }
    }
    (done, signal)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use harness::tooljet::{APP_ID, FakeToolJet, Injected, ORG_ID, Settings};
    use reqwest::StatusCode;

    use super::*;
    use crate::environment::RunContext;
    use crate::inputs::RawInputs;
    use crate::outcome::Outcome;
    use crate::record::Note;
    use crate::resolve::LookupError;

    fn config(fake: &FakeToolJet, inputs: &[(&str, &str)]) -> Arc<Config> {
        let mut vars = vec![
            ("INPUT_TOOLJET-URL".to_owned(), fake.url()),
            ("INPUT_ACCESS-TOKEN".to_owned(), Settings::default().token),
        ];
        vars.extend(
            inputs
                .iter()
                .map(|(k, v)| (format!("INPUT_{}", k.to_uppercase()), v.to_string())),
        );
        let raw = RawInputs::from_vars(vars).unwrap();
        Arc::new(Config::from_raw(&raw, &RunContext::default()).unwrap())
    }

    async fn run(config: Arc<Config>, cancel: impl Future<Output = Signal>) -> Run {
        let client = Arc::new(Client::new(&config.connection, Arc::default()).unwrap());
        execute(client, config, Instant::now(), cancel).await
    }

    /// Pull the seeded app, given by name: the lookup comes first.
    fn pull_by_name(fake: &FakeToolJet) -> Arc<Config> {
        config(
            fake,
            &[
                ("operation", "pull"),
                ("app-name", "Inventory"),
                ("organization-id", ORG_ID),
            ],
        )
    }

    fn never() -> impl Future<Output = Signal> {
        std::future::pending()
    }

    #[tokio::test]
    async fn a_signal_keeps_finished_apps_and_tells_in_flight_from_not_started() {
        let fake = FakeToolJet::start(Settings::default()).await.unwrap();
        let ids: Vec<String> = (0..3)
            .map(|n| fake.world().add_app(&format!("A{n}")))
            .collect();
        fake.inject([
            Injected::Delay(Duration::ZERO),
            Injected::Delay(Duration::from_secs(60)),
        ]);
        let config = config(
            &fake,
            &[
                ("operation", "pull"),
                ("app-id", &ids.join("\n")),
                ("max-parallel", "1"),
            ],
        );
        // The signal comes once the second request is held: the first app has finished.
        let cancel = async {
            while fake.requests().len() < 2 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            Signal::Term
        };
        let run = tokio::time::timeout(Duration::from_secs(60), run(config, cancel))
            .await
            .expect("the run stops");
        let verdicts: Vec<&Verdict> = run.apps.iter().map(|app| &app.verdict).collect();
        assert!(matches!(verdicts[0], Verdict::Succeeded), "{verdicts:?}");
        assert!(
            matches!(
                verdicts[1],
                Verdict::Cancelled {
                    signal: Signal::Term,
                    in_flight: true,
                    reading: false,
                    step: Some(crate::steps::Step::Pulled),
                }
            ),
            "{verdicts:?}"
        );
        assert!(
            matches!(verdicts[2], Verdict::NotStarted(Signal::Term)),
            "{verdicts:?}"
        );
        assert_eq!(run.apps[0].status, Some(StatusCode::OK));
        assert_eq!(run.outcome(), Outcome::Unknown);
        assert_eq!(run.cancelled_by(), Some(Signal::Term));
    }

    #[tokio::test]
    async fn a_failed_lookup_keeps_the_servers_error() {
        let fake = FakeToolJet::start(Settings {
            token: "another".to_owned(),
            ..Settings::default()
        })
        .await
        .unwrap();
        let config = pull_by_name(&fake);
        let run = run(config, never()).await;
        let Verdict::Unresolved(LookupError::Request { what, source }) = &run.apps[0].verdict
        else {
            panic!("{:?}", run.apps[0].verdict);
        };
        assert_eq!(*what, "list the workspace's apps");
        assert_eq!(source.status(), Some(StatusCode::FORBIDDEN));
        assert_eq!(run.apps[0].verdict.name(), "failed");
    }

    #[tokio::test]
    async fn lookup_retries_are_noted_on_the_run() {
        let fake = FakeToolJet::start(Settings::default()).await.unwrap();
        fake.inject([Injected::Status {
            status: 503,
            retry_after: Some("0".to_owned()),
            message: None,
        }]);
        let config = pull_by_name(&fake);
        let run = run(config, never()).await;
        assert!(run.succeeded(), "{:?}", run.apps[0].verdict);
        assert_eq!(run.lookups.exchanges.len(), 2);
        assert!(matches!(run.lookups.notes.as_slice(), [Note::Retry(_)]));
    }

    #[tokio::test]
    async fn an_app_given_by_id_and_by_name_runs_once() {
        let fake = FakeToolJet::start(Settings::default()).await.unwrap();
        let config = config(
            &fake,
            &[
                ("operation", "release"),
                ("app-id", APP_ID),
                ("app-name", "Inventory"),
                ("organization-id", ORG_ID),
            ],
        );
        let run = run(config, never()).await;
        assert_eq!(run.apps.len(), 1);
        assert!(matches!(run.apps[0].notes.as_slice(), [Note::Duplicate(_)]));
        let posts = fake
            .requests()
            .iter()
            .filter(|r| r.method == "POST")
            .count();
        assert_eq!(posts, 1);
    }
}
