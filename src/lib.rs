//! Runs one ToolJet GitSync CI/CD operation per GitHub Actions step.
//!
//! `inputs` validates what the workflow gave, `operation` knows what each operation sends,
//! `resolve` turns names into ids, `tooljet` talks HTTP to ToolJet, `run` carries the
//! operation out for every app (with `policies` where a failure can be recovered from) into
//! the result model of `outcome`, and `github` reports it through masks, annotations, outputs
//! and the step summary. `redact` is the one place that knows every secret. `main.rs` wires
//! them together.

pub mod github;
pub mod help;
pub mod inputs;
pub mod logging;
pub mod operation;
pub mod outcome;
pub mod policies;
mod random;
pub mod redact;
pub mod resolve;
pub mod run;
pub mod signals;
pub mod tooljet;
