//! The GitSync operations that are one request each: what each sends and what it reads back.
//! `deploy` and `apply` are several of them (`plan` decides which, `steps::make_live` sends
//! them).
//!
//! Paths, bodies and query strings follow ToolJet's server code (see tooljet-api.md), which
//! wins where its public page differs, while still sending what the page asks for.

use std::fmt;
use std::str::FromStr;

use reqwest::Method;
use serde_json::{Value, json};

use crate::redact::Secret;
use crate::tooljet::{ApiError, ApiRequest, ApiResponse};

/// The operation's name, as given in the `operation` input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationKind {
    ConfigureGit,
    Push,
    Create,
    Pull,
    SaveVersion,
    Release,
    Promote,
    Deploy,
    Check,
    Apply,
    /// What a change to the manifest changes, against the base branch's copy: no ToolJet.
    Diff,
}

impl OperationKind {
    pub const ALL: [OperationKind; 11] = [
        Self::Deploy,
        Self::Check,
        Self::Apply,
        Self::Diff,
        Self::ConfigureGit,
        Self::Push,
        Self::Create,
        Self::Pull,
        Self::SaveVersion,
        Self::Release,
        Self::Promote,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ConfigureGit => "configure-git",
            Self::Push => "push",
            Self::Create => "create",
            Self::Pull => "pull",
            Self::SaveVersion => "save-version",
            Self::Release => "release",
            Self::Promote => "promote",
            Self::Deploy => "deploy",
            Self::Check => "check",
            Self::Apply => "apply",
            Self::Diff => "diff",
        }
    }
}

impl OperationKind {
    /// It acts on apps given in `app-id` or `app-name` (`check` and `apply` take theirs from
    /// the manifest).
    pub fn takes_app(self) -> bool {
        !matches!(
            self,
            Self::ConfigureGit | Self::Create | Self::Check | Self::Apply | Self::Diff
        )
    }

    /// It talks to a ToolJet instance, and so needs its URL and token (`diff` reads files only).
    pub fn reaches_tooljet(self) -> bool {
        self != Self::Diff
    }

    /// It makes or checks a version live per app, from the desired state the inputs or the
    /// manifest say.
    pub fn desired(self) -> bool {
        matches!(self, Self::Deploy | Self::Check | Self::Apply)
    }

    /// It shows the manifest's plan (`check`, `apply`), in the summary, the log and the `plan`
    /// output.
    pub fn has_plan(self) -> bool {
        matches!(self, Self::Check | Self::Apply)
    }
}

impl fmt::Display for OperationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OperationKind {
    type Err = ();

    fn from_str(value: &str) -> Result<Self, ()> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(value))
            .ok_or(())
    }
}

/// Which app in the git repository `create` imports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitApp {
    pub id: Option<String>,
    pub name: Option<String>,
}

/// Which version `release` makes live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReleaseTarget {
    VersionId(String),
    VersionName(String),
    /// ToolJet releases the app's latest git tag.
    LatestTag,
}

/// The workspace's GitHub App connection, for `configure-git`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitConfig {
    pub organization_id: String,
    pub git_url: String,
    pub branch_name: String,
    pub github_app_id: String,
    pub github_app_installation_id: String,
    pub github_app_private_key: Secret,
    pub github_enterprise_url: Option<String>,
    pub github_enterprise_api_url: Option<String>,
}

/// One validated operation with everything it sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    ConfigureGit(GitConfig),
    Push {
        app_id: String,
        version: String,
        commit_message: String,
    },
    Create {
        organization_id: String,
        git_app: GitApp,
        branch: Option<String>,
    },
    Pull {
        app_id: String,
        branch: Option<String>,
    },
    SaveVersion {
        app_id: String,
        name: Option<String>,
    },
    Release {
        app_id: String,
        target: ReleaseTarget,
    },
    Promote {
        app_id: String,
    },
}

/// The longest id or slug taken from ToolJet's answer into an output; anything longer, or with
/// a line break or control character, is not an id and would break the one-line-per-app outputs.
const MAX_ID: usize = 200;

/// The plural path is what ToolJet serves; its public page shows this singular one, which
/// older instances may still serve. Tried once when the plural route does not exist.
pub const LEGACY_ORGANIZATION_GIT_PATH: [&str; 2] = ["organization", "git"];

impl Operation {
    pub fn kind(&self) -> OperationKind {
        match self {
            Self::ConfigureGit(_) => OperationKind::ConfigureGit,
            Self::Push { .. } => OperationKind::Push,
            Self::Create { .. } => OperationKind::Create,
            Self::Pull { .. } => OperationKind::Pull,
            Self::SaveVersion { .. } => OperationKind::SaveVersion,
            Self::Release { .. } => OperationKind::Release,
            Self::Promote { .. } => OperationKind::Promote,
        }
    }

    /// The app this operation acts on, as given (an id, or a slug where ToolJet accepts one).
    pub fn app_id(&self) -> Option<&str> {
        match self {
            Self::Push { app_id, .. }
            | Self::Pull { app_id, .. }
            | Self::SaveVersion { app_id, .. }
            | Self::Release { app_id, .. }
            | Self::Promote { app_id } => Some(app_id),
            Self::ConfigureGit(_) | Self::Create { .. } => None,
        }
    }

    /// The version this operation names, as given.
    pub fn version(&self) -> Option<&str> {
        match self {
            Self::Push { version, .. } => Some(version),
            Self::SaveVersion { name, .. } => name.as_deref(),
            Self::Release {
                target: ReleaseTarget::VersionId(v) | ReleaseTarget::VersionName(v),
                ..
            } => Some(v),
            _ => None,
        }
    }

    /// This operation for one app: the template's app id replaced.
    pub fn for_app(&self, id: &str) -> Self {
        let mut operation = self.clone();
        match &mut operation {
            Self::Push { app_id, .. }
            | Self::Pull { app_id, .. }
            | Self::SaveVersion { app_id, .. }
            | Self::Release { app_id, .. }
            | Self::Promote { app_id } => *app_id = id.to_owned(),
            Self::ConfigureGit(_) | Self::Create { .. } => {}
        }
        operation
    }

    /// The app of the repository `create` imports, by the name or id given.
    pub fn git_app(&self) -> Option<&str> {
        match self {
            Self::Create { git_app, .. } => git_app.name.as_deref().or(git_app.id.as_deref()),
            _ => None,
        }
    }

    /// This operation in the workspace `id`, for those that act on a workspace (`create`,
    /// `configure-git`) and were given it by name.
    pub fn in_workspace(&self, id: &str) -> Self {
        let mut operation = self.clone();
        match &mut operation {
            Self::Create {
                organization_id, ..
            }
            | Self::ConfigureGit(GitConfig {
                organization_id, ..
            }) => *organization_id = id.to_owned(),
            _ => {}
        }
        operation
    }

    /// What ToolJet is doing, for progress lines: "push app X version Y".
    pub fn describe(&self) -> String {
        match self {
            Self::ConfigureGit(config) => {
                format!("configure git for workspace {}", config.organization_id)
            }
            Self::Push {
                app_id, version, ..
            } => format!("push app {app_id} version {version}"),
            Self::Create { git_app, .. } => {
                format!(
                    "create {} from git",
                    git_app
                        .name
                        .as_deref()
                        .or(git_app.id.as_deref())
                        .unwrap_or("the app")
                )
            }
            Self::Pull { app_id, .. } => format!("pull app {app_id} from git"),
            Self::SaveVersion { app_id, .. } => format!("save a version of app {app_id}"),
            Self::Release { app_id, .. } => format!("release app {app_id}"),
            Self::Promote { app_id } => format!("promote app {app_id}"),
        }
    }

    /// The one request that carries out this operation.
    pub fn request(&self) -> ApiRequest {
        use Method as M;
        match self {
            Self::ConfigureGit(config) => {
                let mut body = json!({
                    "organizationId": config.organization_id,
                    "gitUrl": config.git_url,
                    "branchName": config.branch_name,
                    "githubAppId": config.github_app_id,
                    "githubAppInstallationId": config.github_app_installation_id,
                    "githubAppPrivateKey": config.github_app_private_key.expose(),
                });
                if let Some(url) = &config.github_enterprise_url {
                    body["githubEnterpriseUrl"] = json!(url);
                }
                if let Some(url) = &config.github_enterprise_api_url {
                    body["githubEnterpriseApiUrl"] = json!(url);
                }
                ApiRequest::new(M::POST, &["organizations", "git"]).body(body)
            }
            Self::Push {
                app_id,
                version,
                commit_message,
            } => ApiRequest::new(
                M::POST,
                &["apps", app_id, "versions", version, "git-sync", "push"],
            )
            .body(json!({ "commitMessage": commit_message })),
            Self::Create {
                organization_id,
                git_app,
                branch,
            } => {
                let mut body = json!({ "organizationId": organization_id });
                if let Some(id) = &git_app.id {
                    body["gitAppId"] = json!(id);
                }
                if let Some(name) = &git_app.name {
                    body["gitAppName"] = json!(name);
                }
                if let Some(branch) = branch {
                    // The server reads `gitBranchName`; the public page documents `gitVersionId`.
                    body["gitBranchName"] = json!(branch);
                    body["gitVersionId"] = json!(branch);
                }
                // Without createMode=git ToolJet answers 201 and does nothing.
                ApiRequest::new(M::POST, &["apps"])
                    .query("createMode", "git")
                    .body(body)
            }
            Self::Pull { app_id, branch } => {
                // Pulling the same commit again leaves the app as one pull would.
                let request = ApiRequest::new(M::PUT, &["apps", app_id])
                    .query("createMode", "git")
                    .idempotent();
                match branch {
                    Some(branch) => request.query("branchName", branch),
                    None => request,
                }
            }
            Self::SaveVersion { app_id, name } => {
                let body = name
                    .as_ref()
                    .map_or_else(|| json!({}), |name| json!({ "name": name }));
                ApiRequest::new(M::POST, &["apps", app_id, "versions", "save"]).body(body)
            }
            Self::Release { app_id, target } => {
                let body = match target {
                    ReleaseTarget::VersionId(id) => json!({ "versionId": id }),
                    ReleaseTarget::VersionName(name) => json!({ "versionName": name }),
                    ReleaseTarget::LatestTag => json!({}),
                };
                // Releasing the version already live is accepted again, and changes nothing.
                ApiRequest::new(M::POST, &["apps", app_id, "git-sync", "release"])
                    .body(body)
                    .idempotent()
            }
            Self::Promote { app_id } => ApiRequest::new(M::POST, &["apps", app_id, "promote"]),
        }
    }

    /// The ids of a successful answer, or why the answer cannot count as success: a `create`
    /// answered without the new app's id (ToolJet's answer when it ignores a request is a bare
    /// 201) may or may not have made the app, and a later step would get nothing.
    pub fn check_answer(&self, response: &ApiResponse) -> Result<ResultIds, ApiError> {
        let ids = self.result_ids(response.json.as_ref());
        let unreadable = |why: String| ApiError::Unreadable {
            status: response.status,
            why,
            body: response.body.clone(),
        };
        match self {
            Self::Create { .. } if ids.app_id.is_none() => Err(unreadable(
                "its answer names no id for the new app: ToolJet may have imported it, or done \
                 nothing"
                    .to_owned(),
            )),
            // Something (ToolJet, or what answers in its place) answered about another app: what
            // it did to this one cannot be told.
            Self::Release { app_id, .. } => match another_app(response.json.as_ref(), app_id) {
                Some(other) => Err(unreadable(format!(
                    "its answer is about another app ({other}), not {app_id}: what it released \
                     cannot be told"
                ))),
                None => Ok(ids),
            },
            _ => Ok(ids),
        }
    }

    /// The ids a later step needs, from ToolJet's answer where it has them, else from the inputs.
    pub fn result_ids(&self, body: Option<&Value>) -> ResultIds {
        let field = |pointers: &[&str]| {
            pointers
                .iter()
                .find_map(|pointer| match body?.pointer(pointer)? {
                    Value::String(s)
                        if !s.is_empty()
                            && s.len() <= MAX_ID
                            && !s.chars().any(char::is_control) =>
                    {
                        Some(s.clone())
                    }
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
        };
        let given_app = self.app_id().map(str::to_owned);
        let (app_id, version_id, environment) = match self {
            Self::ConfigureGit(_) => (None, None, None),
            Self::Create { .. } => (
                field(&["/id", "/app/id"]),
                field(&["/currentVersionId", "/app/currentVersionId"]),
                None,
            ),
            Self::Push { version, .. } => (given_app, Some(version.clone()), None),
            Self::Pull { .. } => (
                field(&["/id"]).or(given_app),
                field(&["/currentVersionId"]),
                None,
            ),
            Self::SaveVersion { .. } => (field(&["/appId"]).or(given_app), field(&["/id"]), None),
            Self::Release { target, .. } => (
                field(&["/id"]).or(given_app),
                field(&["/currentVersionId"]).or(match target {
                    ReleaseTarget::VersionId(id) => Some(id.clone()),
                    _ => None,
                }),
                // Release puts the version straight into the highest environment.
                Some("production".to_owned()),
            ),
            Self::Promote { .. } => (
                given_app,
                field(&["/editorVersion/id", "/versionId"]),
                field(&["/editorEnvironment/name"]),
            ),
        };
        ResultIds {
            app_id,
            version_id,
            environment,
            organization_id: field(&["/organizationId", "/app/organizationId"]),
            slug: field(&["/slug", "/app/slug"]),
            released: matches!(self, Self::Release { .. }),
        }
    }
}

/// The app an answer is about, when it names one other than `app_id` (an id, or a slug).
fn another_app(body: Option<&Value>, app_id: &str) -> Option<String> {
    let app = body?.as_object()?;
    let (key, named) = match crate::tooljet::is_uuid(app_id) {
        true => ("id", app.get("id")?.as_str()?),
        false => ("slug", app.get("slug")?.as_str()?),
    };
    (!named.eq_ignore_ascii_case(app_id)).then(|| format!("{key} {named:?}"))
}

/// Ids reported as the step's outputs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResultIds {
    pub app_id: Option<String>,
    pub version_id: Option<String>,
    pub environment: Option<String>,
    /// The app's workspace and slug, where ToolJet's answer has them (for links).
    pub organization_id: Option<String>,
    pub slug: Option<String>,
    /// The operation made this version the live, released one.
    pub released: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_round_trip() {
        for kind in OperationKind::ALL {
            assert_eq!(kind.as_str().parse::<OperationKind>(), Ok(kind));
        }
        assert!("rollout".parse::<OperationKind>().is_err());
    }

    #[test]
    fn create_always_sends_create_mode_git_and_both_branch_fields() {
        let request = Operation::Create {
            organization_id: "org".into(),
            git_app: GitApp {
                id: None,
                name: Some("Inventory".into()),
            },
            branch: Some("main".into()),
        }
        .request();
        assert_eq!(request.query, vec![("createMode", "git".to_owned())]);
        let body = request.body.unwrap();
        assert_eq!(
            (
                body["gitBranchName"].as_str(),
                body["gitVersionId"].as_str()
            ),
            (Some("main"), Some("main"))
        );
    }

    #[test]
    fn created_app_id_falls_back_to_the_nested_app() {
        let create = Operation::Create {
            organization_id: "org".into(),
            git_app: GitApp {
                id: Some("g".into()),
                name: None,
            },
            branch: None,
        };
        assert_eq!(
            create
                .result_ids(Some(&json!({"app": {"id": "new"}})))
                .app_id
                .as_deref(),
            Some("new")
        );
        assert_eq!(
            create
                .result_ids(Some(&json!({"id": "top", "app": {"id": "n"}})))
                .app_id
                .as_deref(),
            Some("top")
        );
    }

    #[test]
    fn ids_in_an_answer_that_cannot_be_ids_are_ignored() {
        let pull = Operation::Pull {
            app_id: "given".into(),
            branch: None,
        };
        let ids = pull.result_ids(Some(
            &json!({"id": "evil\nline", "currentVersionId": "x".repeat(500)}),
        ));
        assert_eq!(
            (ids.app_id.as_deref(), ids.version_id),
            (Some("given"), None)
        );
    }

    #[test]
    fn git_config_debug_hides_the_private_key() {
        let config = GitConfig {
            organization_id: String::new(),
            git_url: String::new(),
            branch_name: String::new(),
            github_app_id: String::new(),
            github_app_installation_id: String::new(),
            github_app_private_key: Secret::new("SECRET-KEY"),
            github_enterprise_url: None,
            github_enterprise_api_url: None,
        };
        assert!(!format!("{config:?}").contains("SECRET-KEY"));
    }
}
