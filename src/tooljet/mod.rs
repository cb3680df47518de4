//! ToolJet's external API over HTTP: one client, typed errors with hints.

pub mod attempts;
mod client;
mod error;
pub mod export;
pub mod fate;
pub mod proxy;
mod request;
pub mod retry;
pub mod validation;

pub use client::{ApiResponse, Client, Connection, TimeLeft};
pub use error::ApiError;
pub use request::{ApiRequest, Effect, Reading, is_one_segment, is_uuid};
