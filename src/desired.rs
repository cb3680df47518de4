//! Desired state: which version of an app should be live, as `deploy`'s inputs or a
//! `tooljet.yml` say it, once the workspace's listing has said what the instance holds; and
//! what was live before anything was sent. How the app stands, and what making the version
//! live takes, is the plan's (`plan.rs`).

use std::sync::Arc;

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
    /// Given by name and not in the workspace: imported from git first. `listed_ids` are the
    /// apps the workspace held before: a create answer naming one of them is about another app.
    Absent {
        name: String,
        listed_ids: Arc<[String]>,
    },
}

impl DeployApp {
    /// The app's name in the workspace.
    pub fn name(&self) -> &str {
        match self {
            Self::Listed(app) => &app.name,
            Self::Absent { name, .. } => name,
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

/// A version as ToolJet has it: its id, and its name where a listing or the export names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionLabel {
    pub id: String,
    pub name: Option<String>,
}

impl VersionLabel {
    /// The version among `(id, name)` versions, named if they name it with one line of text:
    /// a name holding a line break or another control character is no name to show, and would
    /// break the one-line-per-app outputs.
    pub fn among(id: &str, versions: &[(String, String)]) -> Self {
        Self {
            id: id.to_owned(),
            name: versions
                .iter()
                .find(|(listed, _)| listed.eq_ignore_ascii_case(id))
                .map(|(_, name)| name.clone())
                .filter(|name| !name.is_empty() && !name.chars().any(char::is_control)),
        }
    }

    /// Its name, or its id where nothing names it.
    pub fn shown(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }
}

/// The id of the version named exactly `name` among `(id, name)` versions.
pub fn version_named<'a>(versions: &'a [(String, String)], name: &str) -> Option<&'a str> {
    versions
        .iter()
        .find(|(_, listed)| listed == name)
        .map(|(id, _)| id.as_str())
}

/// What was live on the instance before anything was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Before {
    /// The app is not in the workspace.
    Absent,
    /// The export was read: the live version, or `None` when none was ever released.
    Live(Option<VersionLabel>),
    /// The export could not be read, and why.
    Unread(String),
}

impl Before {
    /// Why what was live could not be read, if it could not.
    pub fn unread(&self) -> Option<&str> {
        match self {
            Self::Unread(why) => Some(why),
            _ => None,
        }
    }

    /// The version that was live, if known.
    pub fn live(&self) -> Option<&VersionLabel> {
        match self {
            Self::Live(live) => live.as_ref(),
            Self::Absent | Self::Unread(_) => None,
        }
    }
}

impl Deploy {
    /// The id of the wanted version on the instance, as the listing names it exactly.
    pub fn wanted_id(&self) -> Option<&str> {
        version_named(self.app.versions(), self.version.name())
    }

    /// The folder in git a first import takes the app from.
    pub fn git_folder(&self) -> &str {
        self.git_app_name.as_deref().unwrap_or(self.app.name())
    }

    /// "deploy Inventory version v3", for progress lines.
    pub fn describe(&self) -> String {
        format!("deploy {} version {}", self.app.name(), self.version.name())
    }
}
