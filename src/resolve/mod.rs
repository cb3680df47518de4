//! Turning the apps as given into requests: names looked up in the workspace (requests like any
//! other, with retries and records), versions by name for push, and an app given twice merged.

pub mod listing;

use std::sync::Arc;

use crate::inputs::{AppRef, Config, WorkspaceRef};
use crate::operation::{ApiRequest, Operation};
use crate::outcome::Note;
use crate::tooljet::attempts::Attempts;
use crate::tooljet::{ApiError, ApiResponse};
use listing::{ListedApp, Listing};

/// Why an app given by name cannot run. Nothing was sent for it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LookupError {
    /// The lookup request itself failed; ToolJet's error is kept whole.
    #[error("could not {what}: {source}")]
    Request {
        what: &'static str,
        source: Arc<ApiError>,
    },
    /// ToolJet answered, but no single app, version or workspace has that name.
    #[error("{0}")]
    NoMatch(String),
}

impl LookupError {
    fn request(what: &'static str) -> impl FnOnce(ApiError) -> Self {
        move |err| Self::Request {
            what,
            source: Arc::new(err),
        }
    }

    /// What to check: the failed request's own hint, or how names are matched.
    pub fn hint(&self) -> String {
        match self {
            Self::Request { source, .. } => source.hint(),
            Self::NoMatch(_) => {
                "Names must match the app's (or workspace's) name in ToolJet; the close \
                matches are listed. An app id in `app-id` avoids the lookup."
                    .to_owned()
            }
        }
    }
}

/// One app's part of the step before it runs: the app as given, and its operation with names
/// turned into ids, or why it cannot run.
#[derive(Debug)]
pub struct Target {
    pub label: String,
    pub operation: Result<Operation, LookupError>,
    pub notes: Vec<Note>,
}

impl Target {
    fn new(label: String, operation: Result<Operation, LookupError>) -> Self {
        Self {
            label,
            operation,
            notes: Vec::new(),
        }
    }

    /// What makes two targets the same app: its resolved id, else the words it was given as.
    fn key(&self) -> &str {
        match &self.operation {
            Ok(operation) => operation.app_id().unwrap_or(&self.label),
            Err(_) => &self.label,
        }
    }
}

const LIST_WORKSPACES: &str = "list workspaces";
const LIST_APPS: &str = "list the workspace's apps";

/// Every app's target, one per app. A dry run first checks the URL and the token with a call
/// that changes nothing: `Err` when that check fails.
pub async fn targets(lookups: &mut Attempts<'_>, config: &Config) -> Result<Vec<Target>, ApiError> {
    let workspaces = if config.dry_run {
        Some(
            lookups
                .send(&ApiRequest::workspaces(), true, LIST_WORKSPACES)
                .await?,
        )
    } else {
        None
    };
    if config.apps.is_empty() {
        return Ok(vec![Target::new(
            String::new(),
            Ok(config.operation.clone()),
        )]);
    }
    Ok(merge_duplicates(
        resolve_apps(lookups, config, workspaces).await,
    ))
}

/// Each app's operation with names turned into ids, or why it cannot run.
async fn resolve_apps(
    lookups: &mut Attempts<'_>,
    config: &Config,
    workspaces: Option<ApiResponse>,
) -> Vec<Target> {
    let has_names = config.apps.iter().any(|app| matches!(app, AppRef::Name(_)));
    let resolves_versions =
        matches!(config.operation, Operation::Push { .. }) && config.workspace.is_some();
    let listing = if has_names || resolves_versions {
        Some(workspace_listing(lookups, config, workspaces).await)
    } else {
        None
    };
    config
        .apps
        .iter()
        .map(|app| {
            let resolved = match (app, &listing) {
                (AppRef::Id(id), None) => Ok(config.operation.for_app(id)),
                (AppRef::Id(id), Some(Ok(listing))) => {
                    with_version_id(config.operation.for_app(id), listing.app_with_id(id))
                }
                // Ids do not need the listing; only push's version name does, and ToolJet resolves it too.
                (AppRef::Id(id), Some(Err(_))) => Ok(config.operation.for_app(id)),
                (AppRef::Name(name), Some(Ok(listing))) => listing
                    .app_named(name)
                    .map_err(LookupError::NoMatch)
                    .and_then(|app| with_version_id(config.operation.for_app(&app.id), Some(app))),
                (AppRef::Name(_), Some(Err(why))) => Err(why.clone()),
                (AppRef::Name(_), None) => unreachable!("names always fetch the listing"),
            };
            Target::new(app.label().to_owned(), resolved)
        })
        .collect()
}

/// Push names its version in the path; a listed version name becomes its id.
fn with_version_id(
    operation: Operation,
    app: Option<&ListedApp>,
) -> Result<Operation, LookupError> {
    match (operation, app) {
        (
            Operation::Push {
                app_id,
                version,
                commit_message,
            },
            Some(app),
        ) => {
            let version = app
                .version_id(&version)
                .map_err(LookupError::NoMatch)?
                .unwrap_or(version);
            Ok(Operation::Push {
                app_id,
                version,
                commit_message,
            })
        }
        (operation, _) => Ok(operation),
    }
}

/// The workspace's apps, the workspace found by name first if need be (in `workspaces`, the
/// answer of `GET /api/ext/workspaces` when the step already has it).
async fn workspace_listing(
    lookups: &mut Attempts<'_>,
    config: &Config,
    workspaces: Option<ApiResponse>,
) -> Result<Listing, LookupError> {
    let workspace = match config.workspace.as_ref().expect("checked with the inputs") {
        WorkspaceRef::Id(id) => id.clone(),
        WorkspaceRef::Name(name) => {
            let answer = match workspaces {
                Some(answer) => answer,
                None => lookups
                    .send(&ApiRequest::workspaces(), true, LIST_WORKSPACES)
                    .await
                    .map_err(LookupError::request(LIST_WORKSPACES))?,
            };
            listing::workspace_named(answer.json.as_ref(), name).map_err(LookupError::NoMatch)?
        }
    };
    let answer = lookups
        .send(&ApiRequest::workspace_apps(&workspace), true, LIST_APPS)
        .await
        .map_err(LookupError::request(LIST_APPS))?;
    Ok(Listing::parse(answer.json.as_ref()))
}

/// One target per app: an app given twice (the same id twice, or its id and its name) runs
/// once, under its first label, with a warning naming every way it was given.
fn merge_duplicates(targets: Vec<Target>) -> Vec<Target> {
    let mut merged: Vec<(Target, Vec<String>)> = Vec::new();
    for target in targets {
        match merged
            .iter_mut()
            .find(|(kept, _)| kept.key() == target.key())
        {
            Some((_, labels)) => labels.push(target.label),
            None => {
                let label = target.label.clone();
                merged.push((target, vec![label]));
            }
        }
    }
    merged
        .into_iter()
        .map(|(mut target, labels)| {
            if labels.len() > 1 {
                let given = labels
                    .iter()
                    .map(|label| format!("`{label}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let note = format!(
                    "App {} was listed {} times ({given}): it runs once.",
                    target.key(),
                    labels.len()
                );
                tracing::warn!("{note}");
                target.notes.push(Note::Duplicate(note));
            }
            target
        })
        .collect()
}
