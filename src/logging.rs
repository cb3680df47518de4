//! `tracing` to stderr; `RUNNER_DEBUG=1` (GitHub's step debug) turns on debug detail.
//!
//! Only this crate logs at debug: the HTTP stack's own debug output is never enabled, so
//! headers (and with them the token) cannot reach the log.

use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::prelude::*;

pub fn init(debug: bool) {
    let ours = if debug {
        LevelFilter::DEBUG
    } else {
        LevelFilter::INFO
    };
    let filter = Targets::new()
        .with_target(env!("CARGO_CRATE_NAME"), ours)
        .with_default(LevelFilter::WARN);
    let format = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .without_time()
        .with_target(false);
    tracing_subscriber::registry()
        .with(format)
        .with(filter)
        .init();
}
