//! Runs one ToolJet GitSync CI/CD operation per GitHub Actions step.
//!
//! `inputs` validates what the workflow gave, `operation` knows what each operation sends,
//! `tooljet` talks HTTP to ToolJet, `run` carries an operation out, and `github` reports it
//! through masks, annotations, outputs and the step summary. `main.rs` wires them together.

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
