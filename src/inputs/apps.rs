//! Which apps an app-level operation runs for, and the workspace names are looked up in.

use super::values::{given, lines};
use super::{InputError, RawInputs};
use crate::desired::DeployVersion;
use crate::operation::OperationKind;
use crate::tooljet::{is_one_segment, is_uuid};

/// An app as given: by id (or slug), or by name to look up in the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppRef {
    Id(String),
    Name(String),
}

impl AppRef {
    /// The app as the user wrote it.
    pub fn label(&self) -> &str {
        let (Self::Id(label) | Self::Name(label)) = self;
        label
    }
}

/// An app and the version of it that should be live, with where git holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredApp {
    pub app: AppRef,
    pub version: DeployVersion,
    /// The app's folder in git, for a first import; by default its name.
    pub git_app_name: Option<String>,
    /// The branch to pull when the version must be saved; by default the app's.
    pub branch: Option<String>,
}

/// The workspace names are looked up in: `organization-id`, or `workspace` by name or id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkspaceRef {
    Id(String),
    Name(String),
}

impl From<&str> for WorkspaceRef {
    /// A workspace given by name or id: a UUID is its id.
    fn from(workspace: &str) -> Self {
        match is_uuid(workspace) {
            true => Self::Id(workspace.to_owned()),
            false => Self::Name(workspace.to_owned()),
        }
    }
}

/// The apps an app-level operation runs for: ids first, then names, in the order given.
pub(super) fn parse_apps(
    raw: &RawInputs,
    kind: OperationKind,
    workspace: &Option<WorkspaceRef>,
) -> Result<Vec<AppRef>, InputError> {
    if !kind.takes_app() {
        return Ok(Vec::new());
    }
    let (ids, names) = (lines(&raw.app_id), lines(&raw.app_name));
    if let Some(id) = ids.iter().find(|id| !is_one_segment(id)) {
        return Err(not_one_segment("app-id", id));
    }
    if ids.is_empty() && names.is_empty() {
        return Err(InputError::new(
            "app-id",
            format!("is required for `{kind}` (or `app-name`) but was not given"),
        ));
    }
    // Push and promote only take the app's UUID: ToolJet does not resolve slugs there.
    if matches!(kind, OperationKind::Push | OperationKind::Promote)
        && let Some(id) = ids.iter().find(|id| !is_uuid(id))
    {
        return Err(InputError::new(
            "app-id",
            format!(
                "must be a UUID for `{kind}` (ToolJet does not look up slugs there), got {id:?}; give a name in `app-name` instead"
            ),
        ));
    }
    if !names.is_empty() && workspace.is_none() {
        return Err(InputError::new(
            "app-name",
            "needs `organization-id` or `workspace` to say which workspace to find the app in",
        ));
    }
    Ok(ids
        .into_iter()
        .map(AppRef::Id)
        .chain(names.into_iter().map(AppRef::Name))
        .collect())
}

/// An id that would not stay one segment of the request's path, so would reach another route.
fn not_one_segment(input: &'static str, value: &str) -> InputError {
    InputError::new(
        input,
        format!(
            "has {value:?}, which a URL resolves away (`.` and `..` name no app, version or workspace): give the id itself"
        ),
    )
}

/// `value` if it is given and stays one path segment.
pub(super) fn segment<'a>(
    value: &'a str,
    input: &'static str,
) -> Result<Option<&'a str>, InputError> {
    match given(value) {
        Some(value) if !is_one_segment(value) => Err(not_one_segment(input, value)),
        given => Ok(given),
    }
}
