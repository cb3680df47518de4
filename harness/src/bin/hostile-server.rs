//! Serves one hostile answer to every request on loopback until SIGTERM or SIGINT, for
//! `.ci/memory`, which measures the action's peak memory against it.
//!
//! Usage: hostile-server endless|drip|huge-error [--port N]
//! Prints `listening on <url>` once ready.

use harness::network::{HostileServer, Misbehaviour};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let misbehaviour = match args.next().as_deref() {
        Some("endless") => Misbehaviour::EndlessBody,
        Some("drip") => Misbehaviour::Drip,
        Some("huge-error") => Misbehaviour::HugeError(50_000_000),
        other => return Err(format!("unknown mode {other:?}: endless, drip or huge-error").into()),
    };
    let port: u16 = match (args.next().as_deref(), args.next()) {
        (Some("--port"), Some(port)) => port.parse()?,
        (None, _) => 0,
        _ => return Err("usage: hostile-server MODE [--port N]".into()),
    };
    let server = HostileServer::start_on(([127, 0, 0, 1], port).into(), misbehaviour).await?;
    println!("listening on {}", server.url());
    harness::until_stopped().await?;
    Ok(())
}
