//! What the step remembers as it goes, for the reports: the requests it sent and the notes
//! worth telling beside a result. Below the modules that write and read them.

use std::time::Duration;

use reqwest::{Method, Url};

/// One request sent to ToolJet and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    pub method: Method,
    pub url: Url,
    /// `201 Created`, or the error when ToolJet gave no answer.
    pub result: String,
    pub duration: Duration,
}

impl std::fmt::Display for Exchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} -> {} in {} ms",
            self.method,
            self.url,
            self.result,
            self.duration.as_millis()
        )
    }
}

/// Something worth telling beside the result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// An attempt failed and was tried again.
    Retry(String),
    /// The app was listed more than once and runs once.
    Duplicate(String),
    /// A re-run policy or a lookup changed what happened.
    Info(String),
    /// Something went less well than it should, and the step went on.
    Warning(String),
}

impl Note {
    pub fn text(&self) -> &str {
        let (Self::Retry(text) | Self::Duplicate(text) | Self::Info(text) | Self::Warning(text)) =
            self;
        text
    }
}
