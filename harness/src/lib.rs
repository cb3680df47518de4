//! What the action's tests and demo run it against: a fake ToolJet ([`tooljet`]) and the
//! GitHub runner's way of running a container action and reading its results ([`runner`]),
//! and what can stand between them: TLS with a private CA, a forward proxy ([`network`]).

pub mod network;
pub mod runner;
pub mod tooljet;
