//! Signs of life while ToolJet works: a heartbeat line during long calls, and a record of
//! every request for the log's collapsible details.

use std::future::Future;
use std::time::{Duration, Instant};

use reqwest::{Method, Url};

/// One request sent to ToolJet and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    pub method: Method,
    pub url: Url,
    /// `201 Created`, or the error when ToolJet gave no answer.
    pub result: String,
    pub duration: Duration,
}

impl std::fmt::Display for Exchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} -> {} in {} ms",
            self.method,
            self.url,
            self.result,
            self.duration.as_millis()
        )
    }
}

/// Runs `future`, logging "still waiting for ToolJet to <what>: N s" every `every` until it
/// completes; a call that finishes sooner logs nothing. `every` of zero turns it off.
pub async fn with_heartbeat<F: Future>(future: F, every: Duration, what: &str) -> F::Output {
    if every.is_zero() {
        return future.await;
    }
    let started = Instant::now();
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    tokio::pin!(future);
    loop {
        tokio::select! {
            output = &mut future => return output,
            _ = ticks.tick() => {
                tracing::info!("still waiting for ToolJet to {what}: {} s", started.elapsed().as_secs());
            }
        }
    }
}
