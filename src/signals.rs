//! SIGTERM and SIGINT: the runner's cancel and timeout path.
//!
//! In the container the binary is PID 1, for which Linux ignores signals that have no
//! handler, so without these the step would hang until the runner kills it.

use std::fmt;

use tokio::signal::unix::{SignalKind, signal};

/// A signal that cancels the step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// The runner's cancel, and its second step on a timeout.
    Term,
    /// The runner's first step on a timeout; Ctrl-C by hand.
    Int,
}

impl Signal {
    /// The conventional exit code for a process ended by a signal: 128 + its number.
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Int => 130,
            Self::Term => 143,
        }
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Term => "SIGTERM",
            Self::Int => "SIGINT",
        })
    }
}

/// Resolves when SIGTERM or SIGINT arrives.
pub async fn cancelled() -> Signal {
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => Signal::Term,
        _ = int.recv() => Signal::Int,
    }
}
