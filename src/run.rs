//! Carrying out the configured operation for every app: look names up, run each app's step
//! program side by side up to `max-parallel`, live or as a plan, and when SIGTERM or SIGINT
//! comes, keep what finished (apps and steps) and say what was cut short.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::desired::SyncState;
use crate::inputs::{AppRef, Config, Work};
use crate::job::{Job, Subject};
use crate::operation::OperationKind;
use crate::outcome::{AppRun, Lookups, Run, Verdict};
use crate::resolve::{self, Target};
use crate::signals::Signal;
use crate::steps::{self, Recorded, Seam, StepEnd, Steps};
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
            run_all(&client, &config, resolved.targets, started, cancel).await
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

/// An app's part as the step last saw it, for when a signal stops it before it ends.
struct Pending {
    label: String,
    subject: Subject,
    progress: Progress,
    steps: Recorded,
}

impl Pending {
    /// The part of an app that `signal` stopped: not started, or cancelled with or without a
    /// request in flight, with the steps that had ended and the one under way.
    fn cut_short(&self, signal: Signal, duration: Duration) -> AppRun {
        let (mut steps, under_way) = self.steps.snapshot();
        let in_flight = self.progress.stage() == Stage::InFlight;
        let verdict = match self.progress.stage() {
            Stage::Waiting => Verdict::NotStarted(signal),
            _ => Verdict::Cancelled {
                signal,
                in_flight,
                step: under_way,
            },
        };
        if let Some(step) = under_way {
            let end = if in_flight {
                StepEnd::Cancelled
            } else {
                StepEnd::NotRun
            };
            steps.push(steps::StepRecord { step, end });
        }
        let mut run = AppRun::new(self.subject.clone(), &self.label, duration, verdict);
        run.steps = steps;
        run
    }
}

/// Runs every target, at most `max-parallel` at once, and returns their parts in order. Each
/// app has its own retries; the time budget is the step's, counted from `step_started`.
async fn run_all(
    client: &Arc<Client>,
    config: &Arc<Config>,
    targets: Vec<Target>,
    step_started: Instant,
    mut cancel: Pin<&mut impl Future<Output = Signal>>,
) -> Vec<AppRun> {
    let permits = Arc::new(Semaphore::new(config.max_parallel));
    let failed = Arc::new(AtomicBool::new(false));
    let mut pending = Vec::new();
    let mut tasks = JoinSet::new();
    for (index, target) in targets.into_iter().enumerate() {
        let (progress, steps) = (Progress::default(), Recorded::default());
        pending.push(Pending {
            label: target.label.clone(),
            subject: target
                .job
                .as_ref()
                .map_or_else(|_| unresolved(config), Job::subject),
            progress: progress.clone(),
            steps: steps.clone(),
        });
        let (client, config, permits, failed) = (
            client.clone(),
            config.clone(),
            permits.clone(),
            failed.clone(),
        );
        tasks.spawn(async move {
            let _permit = permits.acquire().await.expect("never closed");
            progress.set(Stage::Running);
            let skip = config.fail_fast && failed.load(Ordering::SeqCst);
            let attempts = Attempts::new(client, config.budget, config.heartbeat, step_started)
                .reporting_to(progress);
            let run = one_target(attempts, &config, target, skip, steps).await;
            if !run.succeeded() {
                failed.store(true, Ordering::SeqCst);
            }
            (index, run)
        });
    }
    let mut runs: Vec<Option<AppRun>> = pending.iter().map(|_| None).collect();
    let cancelled = loop {
        let joined = tokio::select! {
            joined = tasks.join_next() => joined,
            signal = &mut cancel => break Some(signal),
        };
        match joined {
            Some(finished) => {
                let (index, run) = finished.expect("an app's task never panics");
                runs[index] = Some(run);
            }
            None => break None,
        }
    };
    if let Some(signal) = cancelled {
        tasks.abort_all();
        // Apps that finished as the signal came keep their result.
        while let Some(joined) = tasks.join_next().await {
            if let Ok((index, run)) = joined {
                runs[index] = Some(run);
            }
        }
        for (slot, app) in runs.iter_mut().zip(&pending) {
            slot.get_or_insert_with(|| app.cut_short(signal, step_started.elapsed()));
        }
    }
    runs.into_iter()
        .map(|run| run.expect("every app has a part"))
        .collect()
}

/// One target: skipped, unresolved, or run; with the notes its resolution left.
async fn one_target(
    attempts: Attempts,
    config: &Config,
    target: Target,
    skip: bool,
    steps: Recorded,
) -> AppRun {
    let Target { label, job, notes } = target;
    let subject = job
        .as_ref()
        .map_or_else(|_| unresolved(config), Job::subject);
    let mut run = match job {
        _ if skip => AppRun::new(subject, &label, Duration::ZERO, Verdict::Skipped),
        Err(why) => AppRun::new(subject, &label, Duration::ZERO, Verdict::Unresolved(why)),
        // A check never writes, whatever its inputs: its seam cannot.
        Ok(job) if matches!(job, Job::Check(_)) || config.dry_run => {
            one(
                Steps::new(Seam::Plan(attempts), steps),
                config,
                &job,
                &label,
            )
            .await
        }
        Ok(job) => {
            one(
                Steps::new(Seam::Live(attempts), steps),
                config,
                &job,
                &label,
            )
            .await
        }
    };
    run.notes.splice(0..0, notes);
    run
}

/// One app: its job's steps, through the seam `steps` sends them by.
async fn one(mut steps: Steps, config: &Config, job: &Job, label: &str) -> AppRun {
    let started = Instant::now();
    let subject = job.subject();
    let mut run = match steps::run(&mut steps, config, job).await {
        // A check says how the app stands; with fail-on-drift, out of sync is a failure.
        Ok(ids) if matches!(job, Job::Check(_)) => {
            let drifted = config.fail_on_drift && ids.state != Some(SyncState::InSync);
            let verdict = match drifted {
                true => Verdict::Drifted,
                false => Verdict::Succeeded,
            };
            let mut run = AppRun::new(subject, label, started.elapsed(), verdict);
            run.ids = ids;
            run
        }
        // A plan keeps the ids its inputs name and what was live: nothing was released, pulled
        // or created.
        Ok(ids) if config.dry_run => {
            let mut run = AppRun::new(subject, label, started.elapsed(), Verdict::Planned);
            run.ids.previous = ids.previous;
            run.ids.state = ids.state;
            run
        }
        Ok(ids) => {
            let mut run = AppRun::new(subject, label, started.elapsed(), Verdict::Succeeded);
            run.ids = ids;
            run
        }
        Err(failure) => {
            let learned = failure.ids.clone();
            let mut run = AppRun::new(subject, label, started.elapsed(), Verdict::Failed(failure));
            run.ids.app_id = learned.app_id.or(run.ids.app_id);
            run.ids.previous = learned.previous;
            run
        }
    };
    // The last request's answer, whatever the operation's outcome.
    if let Some((status, body)) = steps.last.take() {
        run.status = Some(status);
        run.response = body;
    }
    run.steps = steps.recorded().snapshot().0;
    run.validation = std::mem::take(&mut steps.validation);
    let attempts = steps.into_seam().into_attempts();
    run.notes = attempts.notes;
    run.exchanges = attempts.exchanges;
    run
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
