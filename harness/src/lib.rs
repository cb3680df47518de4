//! What the action's tests and demo run it against: a fake ToolJet ([`tooljet`]) and the
//! GitHub runner's way of running a container action and reading its results ([`runner`]), or
//! the binary variant's composite step ([`composite`]),
//! and what can stand between them: TLS with a private CA, a forward proxy ([`network`]).

pub mod composite;
pub mod network;
pub mod runner;
pub mod tooljet;

/// Waits for SIGTERM or SIGINT: how the servers the scripts start are stopped.
pub async fn until_stopped() -> std::io::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(())
}
