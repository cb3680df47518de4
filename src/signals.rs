//! SIGTERM and SIGINT: the runner's cancel and timeout path.
//!
//! In the container the binary is PID 1, for which Linux ignores signals that have no
//! handler, so without these the step would hang until the runner kills it.

use tokio::signal::unix::{SignalKind, signal};

/// Resolves with the signal's name when SIGTERM or SIGINT arrives.
pub async fn cancelled() -> &'static str {
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    }
}

/// The conventional exit code for a process ended by a signal: 128 + its number.
pub fn exit_code(signal: &str) -> u8 {
    match signal {
        "SIGINT" => 130,
        _ => 143,
    }
}
