//! One app's part of the step once names are resolved: one request, or a version made live.

use crate::desired::Deploy;
use crate::operation::{Operation, OperationKind};

/// What one app's program carries out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    /// An operation that is one request (`steps::single`).
    Single(Operation),
    /// `deploy` (`steps::deploy`).
    Deploy(Deploy),
    /// `apply`: `deploy`'s program for an app of the manifest.
    Apply(Deploy),
    /// `check` (`steps::check`): what is live against the manifest, sending no write.
    Check(Deploy),
}

/// What the reports say an app's part was about, known before or after it is resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub kind: OperationKind,
    /// The app's id as sent (or as given), if known.
    pub app: Option<String>,
    /// The version as given.
    pub version: Option<String>,
}

impl Job {
    pub fn kind(&self) -> OperationKind {
        match self {
            Self::Single(operation) => operation.kind(),
            Self::Deploy(_) => OperationKind::Deploy,
            Self::Apply(_) => OperationKind::Apply,
            Self::Check(_) => OperationKind::Check,
        }
    }

    /// The app this job acts on, as sent: its id, or a slug where ToolJet takes one.
    pub fn app_id(&self) -> Option<&str> {
        match self {
            Self::Single(operation) => operation.app_id(),
            Self::Deploy(deploy) | Self::Apply(deploy) | Self::Check(deploy) => deploy.app.id(),
        }
    }

    pub fn subject(&self) -> Subject {
        let version = match self {
            Self::Single(operation) => operation.version(),
            Self::Deploy(deploy) | Self::Apply(deploy) | Self::Check(deploy) => {
                Some(deploy.version.name())
            }
        };
        Subject {
            kind: self.kind(),
            app: self.app_id().filter(|id| !id.is_empty()).map(str::to_owned),
            version: version.map(str::to_owned),
        }
    }
}
