//! Every integration test in one binary (one build and link instead of one per file): the
//! compiled action run against the fake ToolJet the way the GitHub runner runs it. Each module
//! is one concern; `support` holds the shared steps and helpers.

mod support;

mod binary_install;
mod binary_variant;
mod cancellation;
mod changes;
mod container;
mod deploy;
mod desired;
mod diff;
mod errors;
mod example_safety;
mod examples;
mod hostile;
mod hostile_manifest;
mod inputs;
mod intent;
mod many_apps;
mod operations;
mod other_ci;
mod outcomes;
mod outputs;
mod plan;
mod presentation;
mod readme;
mod release;
mod reliability;
mod secrets;
mod shell;
mod slips;
mod validation;
