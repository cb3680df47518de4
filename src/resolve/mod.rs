//! Turning the apps as given into requests: names looked up in the workspace (requests like any
//! other, with retries and records), versions by name for push, and an app given twice merged.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::desired::{Deploy, DeployApp};
use crate::inputs::{AppRef, Config, DesiredApp, Work, WorkspaceRef};
use crate::job::Job;
use crate::listing::{self, ListedApp, Listing, NameError};
use crate::operation::{Operation, OperationKind, ReleaseTarget};
use crate::record::Note;
use crate::tooljet::attempts::Attempts;
use crate::tooljet::{ApiError, ApiRequest, ApiResponse, is_uuid};

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
    #[error("{message}")]
    NoMatch { of: Named, message: String },
}

/// What a name was looked up as: each has its own way to avoid the lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    App,
    Version,
    Workspace,
    /// Several entries of a manifest name one app.
    Duplicate,
}

impl LookupError {
    fn request(what: &'static str) -> impl FnOnce(ApiError) -> Self {
        move |err| Self::Request {
            what,
            source: Arc::new(err),
        }
    }

    fn no_match(of: Named) -> impl FnOnce(NameError) -> Self {
        move |err| Self::NoMatch {
            of,
            message: err.to_string(),
        }
    }

    /// An app name that matched no single app; a comma in it says two names were meant.
    fn no_app(name: &str, err: NameError) -> Self {
        let one_per_line = match (&err, name.contains(',')) {
            (NameError::Unknown { .. }, true) => {
                "; `app-name` takes one name per line, not a list with commas"
            }
            _ => "",
        };
        Self::NoMatch {
            of: Named::App,
            message: format!("{err}{one_per_line}"),
        }
    }

    /// What to check: the failed request's own hint, or how names are matched, in the words of
    /// what gave the name: `kind`'s inputs, or for `check` and `apply` the manifest.
    pub fn hint(&self, kind: OperationKind) -> String {
        match self {
            // Lookups only read.
            Self::Request { source, .. } => source.read_hint(),
            Self::NoMatch { of, .. } if kind.has_plan() => match of {
                Named::App => "Write the app's name in the manifest exactly as ToolJet lists it \
                    (the close matches are listed); for an app that is new to the instance, add \
                    \"git-app-name: <its folder in git>\" to its entry. Nothing is applied until \
                    every entry resolves."
                    .to_owned(),
                Named::Version => "Write the version's name in the manifest exactly as ToolJet \
                    lists it (the close matches are listed). Nothing is applied until every entry \
                    resolves."
                    .to_owned(),
                Named::Workspace => "Write the workspace's name in the manifest exactly as ToolJet \
                    lists it (the close matches are listed), or its id."
                    .to_owned(),
                Named::Duplicate => "Keep one entry per app in the manifest. Nothing is applied \
                    until every entry resolves to an app of its own."
                    .to_owned(),
            },
            Self::NoMatch { of, .. } => match of {
                Named::App => "App names must match the app's name in ToolJet; the close matches \
                    are listed. The app's id in `app-id` avoids the lookup.",
                Named::Version => "Version names must match a version of the app in ToolJet exactly; \
                    the close matches are listed. The version's id in `version-id` avoids the lookup.",
                Named::Workspace => "Workspace names must match the workspace's name in ToolJet; the \
                    close matches are listed. The workspace's id in `organization-id` avoids the lookup.",
                Named::Duplicate => "Give each app once.",
            }
            .to_owned(),
        }
    }
}

/// One app's part of the step before it runs: the app as given, and its job with names turned
/// into ids, or why it cannot run.
#[derive(Debug)]
pub struct Target {
    pub label: String,
    /// The version as given for it, kept when the job could not be resolved.
    pub version: Option<String>,
    pub job: Result<Job, LookupError>,
    pub notes: Vec<Note>,
}

impl Target {
    fn new(label: String, version: Option<&str>, job: Result<Job, LookupError>) -> Self {
        Self {
            label,
            version: version.map(str::to_owned),
            job,
            notes: Vec::new(),
        }
    }

    /// What makes two targets the same app: its resolved id, else the words it was given as.
    /// A UUID in either letter case is one app, as ToolJet reads it.
    fn key(&self) -> String {
        let key = match &self.job {
            Ok(job) => job.app_id().unwrap_or(&self.label),
            Err(_) => &self.label,
        };
        if is_uuid(key) {
            key.to_ascii_lowercase()
        } else {
            key.to_owned()
        }
    }
}

pub const LIST_WORKSPACES: &str = "list workspaces";
const LIST_APPS: &str = "list the workspace's apps";

/// What the lookups made of the inputs: a target per app, and, for `check` and `apply`, the
/// workspace's apps that the manifest does not name.
#[derive(Debug, Default)]
pub struct Resolved {
    pub targets: Vec<Target>,
    pub unmanaged: Vec<String>,
}

/// Every app's target, one per app. A dry run first checks the URL and the token with a call
/// that changes nothing: `Err` when that check fails.
pub async fn targets(lookups: &mut Attempts, config: &Config) -> Result<Resolved, LookupError> {
    let workspaces = if config.dry_run {
        Some(
            lookups
                .send(&ApiRequest::workspaces(), LIST_WORKSPACES)
                .await
                .map_err(LookupError::request(LIST_WORKSPACES))?,
        )
    } else {
        None
    };
    let (targets, unmanaged) = match &config.work {
        Work::Single { operation, apps } if apps.is_empty() => {
            let job = in_workspace(lookups, config, operation, workspaces).await;
            let label = operation.git_app().unwrap_or_default().to_owned();
            let target = Target::new(label, operation.version(), job.map(Job::Single));
            (vec![target], Vec::new())
        }
        Work::Single { operation, apps } => (
            resolve_apps(lookups, config, operation, apps, workspaces).await,
            Vec::new(),
        ),
        Work::Desired(apps) => resolve_desired(lookups, config, apps, workspaces).await,
    };
    let targets = match config.kind.has_plan() {
        true => refuse_duplicates(targets),
        false => merge_duplicates(targets),
    };
    Ok(Resolved { targets, unmanaged })
}

/// An operation on a workspace (`create`, `configure-git`) with the workspace's id, looked up
/// when it was given by name.
async fn in_workspace(
    lookups: &mut Attempts,
    config: &Config,
    operation: &Operation,
    workspaces: Option<ApiResponse>,
) -> Result<Operation, LookupError> {
    match &config.workspace {
        Some(workspace) => {
            Ok(operation.in_workspace(&workspace_id(lookups, workspace, workspaces).await?))
        }
        None => Ok(operation.clone()),
    }
}

/// Each app's deploy, check or apply, decided by what the workspace holds; for `check` and
/// `apply`, also the workspace's apps the manifest does not name.
async fn resolve_desired(
    lookups: &mut Attempts,
    config: &Config,
    apps: &[DesiredApp],
    workspaces: Option<ApiResponse>,
) -> (Vec<Target>, Vec<String>) {
    let listing = workspace_listing(lookups, config, workspaces).await;
    let job = |deploy: Deploy| match config.kind {
        OperationKind::Check => Job::Check(deploy),
        OperationKind::Apply => Job::Apply(deploy),
        _ => Job::Deploy(deploy),
    };
    // One copy of the listed ids, shared by every app that is absent from the workspace.
    let listed_ids: Arc<[String]> = match &listing {
        Ok((_, listing)) => listing.apps.iter().map(|app| app.id.clone()).collect(),
        Err(_) => Arc::new([]),
    };
    let targets: Vec<Target> = apps
        .iter()
        .map(|desired| {
            let deploy = match &listing {
                Ok((workspace, listing)) => deploy_of(
                    desired,
                    (workspace, listing, &listed_ids),
                    config.kind.has_plan(),
                ),
                Err(why) => Err(why.clone()),
            };
            Target::new(
                desired.app.label().to_owned(),
                Some(desired.version.name()),
                deploy.map(job),
            )
        })
        .collect();
    let unmanaged = match (&listing, config.kind) {
        (Ok((_, listing)), OperationKind::Check | OperationKind::Apply) => {
            let managed: HashSet<String> = targets
                .iter()
                .filter_map(|target| target.job.as_ref().ok()?.app_id())
                .map(str::to_ascii_lowercase)
                .collect();
            listing
                .apps
                .iter()
                .filter(|app| !managed.contains(&app.id.to_ascii_lowercase()))
                .map(|app| app.name.clone())
                .collect()
        }
        _ => Vec::new(),
    };
    (targets, unmanaged)
}

/// The app as the listing has it: an app given by name and absent is imported from git
/// first; an id that is absent has nothing to import from.
fn deploy_of(
    desired: &DesiredApp,
    (workspace, listing, listed_ids): (&str, &Listing, &Arc<[String]>),
    from_manifest: bool,
) -> Result<Deploy, LookupError> {
    let app = match &desired.app {
        AppRef::Id(id) => listing
            .app_with_id(id)
            .cloned()
            .map(DeployApp::Listed)
            .ok_or_else(|| LookupError::NoMatch {
                of: Named::App,
                message: format!(
                    "no app with the id {id:?} in the workspace: deploy imports an absent app only \
                     when it is given by name, in `app-name`"
                ),
            })?,
        AppRef::Name(name) => match listing.app_named(name) {
            Ok(app) => DeployApp::Listed(app.clone()),
            // A slip of a listed name would import a second app: only a name with no close
            // match, or one whose git folder is named, is taken for a new app.
            Err(err) if err.is_slip() && desired.git_app_name.is_none() => {
                let say_so = match from_manifest {
                    true => "add \"git-app-name: <its folder in git>\" to its entry",
                    false => "give `git-app-name` (its folder in git)",
                };
                return Err(LookupError::NoMatch {
                    of: Named::App,
                    message: format!(
                        "{err}: a new app is imported only for a name with no close match; if \
                         {name:?} is a new app, {say_so} to say so"
                    ),
                });
            }
            Err(NameError::Unknown { .. }) if !name.contains(',') => DeployApp::Absent {
                name: name.clone(),
                listed_ids: listed_ids.clone(),
            },
            Err(err) => return Err(LookupError::no_app(name, err)),
        },
    };
    if let DeployApp::Listed(app) = &app {
        app.version_named(desired.version.name())
            .map_err(LookupError::no_match(Named::Version))?;
    }
    Ok(Deploy {
        organization_id: workspace.to_owned(),
        app,
        version: desired.version.clone(),
        git_app_name: desired.git_app_name.clone(),
        branch: desired.branch.clone(),
    })
}

/// Each app's operation with names turned into ids, or why it cannot run.
async fn resolve_apps(
    lookups: &mut Attempts,
    config: &Config,
    operation: &Operation,
    apps: &[AppRef],
    workspaces: Option<ApiResponse>,
) -> Vec<Target> {
    let has_names = apps.iter().any(|app| matches!(app, AppRef::Name(_)));
    let names_version = matches!(
        operation,
        Operation::Push { .. }
            | Operation::Release {
                target: ReleaseTarget::VersionName(_),
                ..
            }
    );
    let saves_name = matches!(operation, Operation::SaveVersion { name: Some(_), .. });
    let resolves_versions = (names_version || saves_name) && config.workspace.is_some();
    let listing = if has_names || resolves_versions {
        Some(workspace_listing(lookups, config, workspaces).await)
    } else {
        None
    };
    apps.iter()
        .map(|app| {
            let resolved = match (app, &listing) {
                (AppRef::Id(id), None) => Ok(operation.for_app(id)),
                (AppRef::Id(id), Some(Ok((_, listing)))) => {
                    with_version_id(operation.for_app(id), listing.app_with_id(id))
                }
                // Ids do not need the listing; only a version name does, and ToolJet resolves it too.
                (AppRef::Id(id), Some(Err(_))) => Ok(operation.for_app(id)),
                (AppRef::Name(name), Some(Ok((_, listing)))) => listing
                    .app_named(name)
                    .map_err(|err| LookupError::no_app(name, err))
                    .and_then(|app| with_version_id(operation.for_app(&app.id), Some(app))),
                (AppRef::Name(_), Some(Err(why))) => Err(why.clone()),
                (AppRef::Name(_), None) => unreachable!("names always fetch the listing"),
            };
            Target::new(
                app.label().to_owned(),
                operation.version(),
                resolved.map(Job::Single),
            )
        })
        .collect()
}

/// A version named for push or release must be one of the app's, as listed: a wrong name fails
/// here with its close matches rather than as ToolJet's bare 400. Push names its version in the
/// path, so a listed name becomes its id there. A name to save under must be new, in any
/// letter case.
fn with_version_id(
    operation: Operation,
    app: Option<&ListedApp>,
) -> Result<Operation, LookupError> {
    let listed = |app: &ListedApp, version: &str| {
        app.version_id(version)
            .map_err(LookupError::no_match(Named::Version))
    };
    match (operation, app) {
        (
            Operation::Push {
                app_id,
                version,
                commit_message,
            },
            Some(app),
        ) => {
            let version = listed(app, &version)?.unwrap_or(version);
            Ok(Operation::Push {
                app_id,
                version,
                commit_message,
            })
        }
        (
            release @ Operation::Release {
                target: ReleaseTarget::VersionName(_),
                ..
            },
            Some(app),
        ) => {
            listed(app, release.version().unwrap_or_default())?;
            Ok(release)
        }
        (
            Operation::SaveVersion {
                app_id,
                name: Some(name),
            },
            Some(app),
        ) => match app.version_named(&name) {
            Ok(None) => Ok(Operation::SaveVersion {
                app_id,
                name: Some(name),
            }),
            Ok(Some(id)) => Err(LookupError::NoMatch {
                of: Named::Version,
                message: format!(
                    "app {:?} already has a version named {name:?} ({id}): saving the draft under \
                     that name again would fail; release it by name (`operation: release`, \
                     `version-name: {name}`), or save under a new name",
                    app.name
                ),
            }),
            Err(err) => Err(LookupError::no_match(Named::Version)(err)),
        },
        (operation, _) => Ok(operation),
    }
}

/// The workspace's id and apps, the workspace found by name first if need be (in
/// `workspaces`, the answer of `GET /api/ext/workspaces` when the step already has it).
async fn workspace_listing(
    lookups: &mut Attempts,
    config: &Config,
    workspaces: Option<ApiResponse>,
) -> Result<(String, Listing), LookupError> {
    let workspace = config.workspace.as_ref().expect("checked with the inputs");
    let workspace = workspace_id(lookups, workspace, workspaces).await?;
    let answer = lookups
        .send(&ApiRequest::workspace_apps(&workspace), LIST_APPS)
        .await
        .map_err(LookupError::request(LIST_APPS))?;
    Ok((workspace, Listing::parse(answer.json.as_ref())))
}

/// The workspace's id, looked up by its name in `GET /api/ext/workspaces` (the answer in
/// `workspaces` when the step has it already).
async fn workspace_id(
    lookups: &mut Attempts,
    workspace: &WorkspaceRef,
    workspaces: Option<ApiResponse>,
) -> Result<String, LookupError> {
    let name = match workspace {
        WorkspaceRef::Id(id) => return Ok(id.clone()),
        WorkspaceRef::Name(name) => name,
    };
    let answer = match workspaces {
        Some(answer) => answer,
        None => lookups
            .send(&ApiRequest::workspaces(), LIST_WORKSPACES)
            .await
            .map_err(LookupError::request(LIST_WORKSPACES))?,
    };
    listing::workspace_named(answer.json.as_ref(), name)
        .map_err(LookupError::no_match(Named::Workspace))
}

/// A manifest's entries that name one app (a listing that names it twice, two names for one
/// id): which declared version is meant cannot be told, so every entry of such an app is
/// refused, and none runs.
fn refuse_duplicates(mut targets: Vec<Target>) -> Vec<Target> {
    let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
    for (index, target) in targets.iter().enumerate() {
        if target.job.is_ok() {
            by_key.entry(target.key()).or_default().push(index);
        }
    }
    for (key, indexes) in by_key.into_iter().filter(|(_, at)| at.len() > 1) {
        let labels: Vec<String> = indexes
            .iter()
            .map(|&index| format!("{:?}", targets[index].label))
            .collect();
        let message = format!(
            "the manifest's entries {} name one app ({key}): one app cannot have two declared \
             versions",
            labels.join(" and ")
        );
        for index in indexes {
            targets[index].job = Err(LookupError::NoMatch {
                of: Named::Duplicate,
                message: message.clone(),
            });
        }
    }
    targets
}

/// One target per app: an app given twice (the same id twice, or its id and its name) runs
/// once, under its first label, with a warning naming every way it was given.
fn merge_duplicates(targets: Vec<Target>) -> Vec<Target> {
    // By key, so that a manifest of thousands of apps is not compared pair by pair.
    let mut merged: Vec<(Target, Vec<String>)> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    for target in targets {
        match at.entry(target.key()) {
            Entry::Occupied(kept) => merged[*kept.get()].1.push(target.label),
            Entry::Vacant(slot) => {
                slot.insert(merged.len());
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

#[cfg(test)]
mod tests {
    use super::*;

    fn pull(id: &str) -> Result<Job, LookupError> {
        Ok(Job::Single(Operation::Pull {
            app_id: id.to_owned(),
            branch: None,
        }))
    }

    #[test]
    fn one_app_in_any_spelling_of_its_uuid_or_by_name_is_merged_under_its_first_label() {
        let id = "0f5f3ad1-8f1e-4a53-9d0f-5a1e0c2b7d11";
        let merged = merge_duplicates(vec![
            Target::new(id.to_owned(), None, pull(id)),
            Target::new(id.to_uppercase(), None, pull(&id.to_uppercase())),
            Target::new("Inventory".to_owned(), None, pull(id)),
            Target::new("inventory-slug".to_owned(), None, pull("inventory-slug")),
        ]);
        let labels: Vec<&str> = merged.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, [id, "inventory-slug"]);
        let [Note::Duplicate(note)] = merged[0].notes.as_slice() else {
            panic!("{:?}", merged[0].notes);
        };
        assert!(note.contains("listed 3 times"), "{note}");
        assert!(merged[1].notes.is_empty());
    }
}
