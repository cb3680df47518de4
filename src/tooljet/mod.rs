//! ToolJet's external API over HTTP: one client, typed errors with hints.

pub mod attempts;
mod client;
mod error;
pub mod proxy;
pub mod retry;

pub use client::{ApiResponse, Client, TimeLeft};
pub use error::ApiError;
