//! What the action's tests and demo run it against: a fake ToolJet ([`tooljet`]) and the
//! GitHub runner's way of running a container action and reading its results ([`runner`]).

pub mod runner;
pub mod tooljet;
