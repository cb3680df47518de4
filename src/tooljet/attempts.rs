//! Sending requests within the step's limits, and remembering what happened: the retry loop,
//! the time budget, the heartbeat during long calls, and a record of every exchange.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use super::{ApiError, ApiRequest, ApiResponse, Client, TimeLeft, fate, retry};
use crate::record::{Exchange, Note};

/// How many times, and for how long in all, to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryBudget {
    pub retries: u32,
    pub total: Duration,
}

/// Where one app's part of the step stands, so that a signal can tell what it cut short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Waiting for its turn (`max-parallel`).
    Waiting = 0,
    /// Running, between requests or waiting to retry.
    Running = 1,
    /// A request is in flight: ToolJet may be acting on it.
    InFlight = 2,
}

/// A [`Stage`] shared between an app's task and the step that may cancel it.
#[derive(Debug, Clone, Default)]
pub struct Progress(Arc<AtomicU8>);

impl Progress {
    pub fn stage(&self) -> Stage {
        match self.0.load(Ordering::SeqCst) {
            n if n == Stage::Waiting as u8 => Stage::Waiting,
            n if n == Stage::Running as u8 => Stage::Running,
            _ => Stage::InFlight,
        }
    }

    pub fn set(&self, stage: Stage) {
        self.0.store(stage as u8, Ordering::SeqCst);
    }
}

/// Runs `future`, calling `beat` with the time waited so far every `every` until it completes;
/// a call that finishes sooner gets no beat. `every` of zero turns it off.
pub async fn with_heartbeat<F: Future>(
    future: F,
    every: Duration,
    mut beat: impl FnMut(Duration),
) -> F::Output {
    if every.is_zero() {
        return future.await;
    }
    let started = tokio::time::Instant::now();
    let mut ticks = tokio::time::interval_at(started + every, every);
    tokio::pin!(future);
    loop {
        tokio::select! {
            output = &mut future => return output,
            _ = ticks.tick() => beat(started.elapsed()),
        }
    }
}

/// Sends requests within the retry budget, remembering what happened for the report.
pub struct Attempts {
    client: Arc<Client>,
    budget: RetryBudget,
    heartbeat: Duration,
    /// When the step started: the time budget is the step's.
    started: Instant,
    progress: Progress,
    pub notes: Vec<Note>,
    pub exchanges: Vec<Exchange>,
}

impl Attempts {
    /// `heartbeat` of zero for none.
    pub fn new(
        client: Arc<Client>,
        budget: RetryBudget,
        heartbeat: Duration,
        started: Instant,
    ) -> Self {
        Self {
            client,
            budget,
            heartbeat,
            started,
            progress: Progress::default(),
            notes: Vec::new(),
            exchanges: Vec::new(),
        }
    }

    /// Reports in-flight requests through `progress`.
    pub fn reporting_to(mut self, progress: Progress) -> Self {
        self.progress = progress;
        self
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Sends `request`, retrying what `fate` allows for it by its own effect; `what` names the
    /// work for heartbeats.
    pub async fn send(
        &mut self,
        request: &ApiRequest,
        what: &str,
    ) -> Result<ApiResponse, ApiError> {
        let mut retries = 0;
        loop {
            let err = match self.attempt(request, what).await {
                Ok(response) => return Ok(response),
                Err(err) => err,
            };
            let Some(reason) = fate::retry_reason(&err, request.effect) else {
                return Err(err);
            };
            if retries >= self.budget.retries {
                return Err(err);
            }
            let wait = retry::delay(retries, &err);
            if self.started.elapsed() + wait >= self.budget.total {
                self.notes.push(Note::Info(format!(
                    "Not retried: waiting {:.1} s would exceed `total-timeout-seconds`.",
                    wait.as_secs_f64()
                )));
                return Err(err);
            }
            retries += 1;
            let note = format!(
                "{reason}. Retrying in {:.1} s{} (retry {retries} of {}).",
                wait.as_secs_f64(),
                if err.retry_after().is_some() {
                    ", as Retry-After asked"
                } else {
                    ""
                },
                self.budget.retries
            );
            tracing::warn!("{note}");
            self.notes.push(Note::Retry(note));
            tokio::time::sleep(wait).await;
        }
    }

    /// One attempt within what is left of the step's time, recorded.
    async fn attempt(&mut self, request: &ApiRequest, what: &str) -> Result<ApiResponse, ApiError> {
        let remaining = self.budget.total.saturating_sub(self.started.elapsed());
        if remaining.is_zero() {
            return Err(ApiError::OutOfTime {
                budget: self.budget.total,
            });
        }
        let time = TimeLeft {
            remaining,
            total: self.budget.total,
        };
        let sent = Instant::now();
        self.progress.set(Stage::InFlight);
        let beat = |waited: Duration| {
            tracing::info!(
                "still waiting for ToolJet to {what}: {} s",
                waited.as_secs()
            );
        };
        let answer = with_heartbeat(self.client.send(request, time), self.heartbeat, beat).await;
        self.progress.set(Stage::Running);
        self.exchanges.push(Exchange {
            method: request.method.clone(),
            url: self.client.url(request),
            result: match &answer {
                Ok(response) => response.status.to_string(),
                Err(err) => err
                    .status()
                    .map_or_else(|| err.to_string(), |status| status.to_string()),
            },
            duration: sent.elapsed(),
        });
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_heartbeat_comes_every_period_while_the_call_lasts() {
        let mut beats = Vec::new();
        // Paused time: the clock jumps from timer to timer, so this is exact and instant.
        let call = tokio::time::sleep(Duration::from_millis(3_500));
        with_heartbeat(call, Duration::from_secs(1), |waited| {
            beats.push(waited.as_secs())
        })
        .await;
        assert_eq!(beats, [1, 2, 3]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_quick_call_gets_no_heartbeat() {
        let mut beats = 0;
        let call = tokio::time::sleep(Duration::from_millis(999));
        with_heartbeat(call, Duration::from_secs(1), |_| beats += 1).await;
        assert_eq!(beats, 0);
    }

    #[test]
    fn progress_moves_through_its_stages() {
        let progress = Progress::default();
        assert_eq!(progress.stage(), Stage::Waiting);
        progress.set(Stage::InFlight);
        assert_eq!(progress.clone().stage(), Stage::InFlight);
    }
}
