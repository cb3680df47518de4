//! ToolJet's external API over HTTP: one client, typed errors with hints.

mod client;
mod error;
pub mod retry;

pub use client::{ApiResponse, Client};
pub use error::ApiError;
