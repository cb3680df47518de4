//! Runs one ToolJet GitSync CI/CD operation per GitHub Actions step.
//!
//! From the bottom up: `environment` (the process's variables and the workflow run), `record`
//! (requests sent, notes), `names` (when two names are one), `listing` (workspace listings
//! and how names match), `redact` (the one place that knows every secret) and `tooljet` (HTTP
//! to ToolJet, each request with its own replay rule, and what an export holds); `changes`
//! (what changes between two versions of an app, from their exports); `operation` (what each
//! operation sends); `desired` (which version should be live) and `plan` (how each app stands,
//! and what making its version live takes); `inputs` (validated inputs); `resolve` (names to
//! ids); `steps` (each operation as a program of steps, live or planned); `outcome` (the result
//! model); `run` (every app, side by side, cancellable); `github` (masks, annotations, outputs,
//! the summary). No module imports one above it (`.ci/module-cycles`). `main.rs` wires them
//! together.

pub mod changes;
pub mod declared;
pub mod desired;
pub mod diff;
pub mod environment;
pub mod github;
pub mod help;
pub mod inputs;
pub mod job;
pub mod listing;
pub mod logging;
pub mod names;
pub mod operation;
pub mod outcome;
pub mod plan;
mod random;
pub mod record;
pub mod redact;
pub mod resolve;
pub mod run;
pub mod signals;
pub mod steps;
pub mod tooljet;
