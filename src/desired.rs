//! Desired state: which version of an app should be live, as `deploy`'s inputs or a
//! `tooljet.yml` say it, once the workspace's listing has said what the instance holds.

use crate::listing::ListedApp;

/// Which version should be live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeployVersion {
    /// A version name: released by name if on the instance, else pulled and saved under it.
    Name(String),
    /// One of ToolJet's `<app co_relation_id>/<version name>` tags: released by name if on
    /// the instance, else ToolJet releases the app's latest tag.
    Tag { tag: String, name: String },
}

impl DeployVersion {
    /// The version's name in ToolJet.
    pub fn name(&self) -> &str {
        let (Self::Name(name) | Self::Tag { name, .. }) = self;
        name
    }
}

/// The app, as the workspace's listing has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeployApp {
    Listed(ListedApp),
    /// Given by name and not in the workspace: imported from git first.
    Absent {
        name: String,
    },
}

impl DeployApp {
    /// The app's name in the workspace.
    pub fn name(&self) -> &str {
        match self {
            Self::Listed(app) => &app.name,
            Self::Absent { name } => name,
        }
    }

    /// The app's id, once it is in the workspace.
    pub fn id(&self) -> Option<&str> {
        match self {
            Self::Listed(app) => Some(&app.id),
            Self::Absent { .. } => None,
        }
    }

    /// The versions the listing had for the app.
    pub fn versions(&self) -> &[(String, String)] {
        match self {
            Self::Listed(app) => &app.versions,
            Self::Absent { .. } => &[],
        }
    }
}

/// One version of one app made (or checked) live on this instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deploy {
    /// The workspace, as its id (looked up when given by name).
    pub organization_id: String,
    pub app: DeployApp,
    pub version: DeployVersion,
    /// Which app of the repository to import when it is absent (`git-app-name`); by default
    /// the app's own name.
    pub git_app_name: Option<String>,
    pub branch: Option<String>,
}

impl Deploy {
    /// "deploy Inventory version v3", for progress lines.
    pub fn describe(&self) -> String {
        format!("deploy {} version {}", self.app.name(), self.version.name())
    }
}
