//! The fake instance's data and what each endpoint does to it.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::content::{self, Design, ENVIRONMENTS, ExportedApp, ExportedVersion, environment_id};
use super::{Answer, ApiError};

pub const ORG_ID: &str = "45892c81-c1f0-48c6-8875-c2e4fca516f8";
pub const APP_ID: &str = "0f5f3ad1-8f1e-4a53-9d0f-5a1e0c2b7d11";
pub const APP_SLUG: &str = "inventory";
pub const RELEASED_VERSION_ID: &str = "7c1d0a52-3b9e-4f7a-8d21-0e6b5c4a3f01";
pub const DRAFT_VERSION_ID: &str = "9e8d7c6b-5a49-4382-9170-fedcba987602";
/// An app that is in the git repository but not yet imported into the workspace.
pub const GIT_APP_ID_NEW: &str = "git-app-orders";
pub const GIT_APP_NAME_NEW: &str = "Orders";
/// The apps' portable git identities (`co_relation_id`), the first part of their version tags.
pub const INVENTORY_CO_RELATION_ID: &str = "3f0c1d2e-4b5a-4c6d-8e7f-0a1b2c3d9a1e";
pub const ORDERS_CO_RELATION_ID: &str = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d";

#[derive(Debug, Clone)]
pub struct Version {
    pub id: String,
    pub name: String,
    pub draft: bool,
    /// Index into [`ENVIRONMENTS`].
    pub environment: usize,
    /// What it holds, as its export shows it.
    pub design: Design,
    /// When it was made, in the fake's order: the newest is what an export holds by default.
    pub created: u64,
}

impl Version {
    /// A version holding the sample app, made now.
    pub fn new(id: &str, name: &str, draft: bool, environment: usize) -> Self {
        static MADE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
            draft,
            environment,
            design: Design::default(),
            created: MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }
}

#[derive(Debug, Clone)]
pub struct App {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub organization_id: String,
    pub git_app_id: Option<String>,
    pub versions: Vec<Version>,
    pub current_version_id: Option<String>,
    /// Commit messages pushed to git for this app.
    pub commits: Vec<String>,
}

impl App {
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "slug": self.slug,
            "organizationId": self.organization_id,
            "currentVersionId": self.current_version_id,
            "isPublic": false,
            "createdAt": "2026-01-05T10:00:00.000Z",
        })
    }
}

/// An app as stored in the workspace's git repository.
#[derive(Debug, Clone)]
pub struct RepoApp {
    pub git_app_id: String,
    pub name: String,
    /// The same on every instance that imports it; tags start with it.
    pub co_relation_id: String,
    /// The name of the version git holds for the app (its name where it was pushed from).
    pub version: String,
}

/// A tag in the repository, as saving a version makes it: `<co_relation_id>/<version name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub co_relation_id: String,
    pub version: String,
}

impl Tag {
    pub fn name(&self) -> String {
        format!("{}/{}", self.co_relation_id, self.version)
    }
}

/// The workspace's git connection, as configure-git stores it.
#[derive(Debug, Clone)]
pub struct GitConnection {
    pub git_url: String,
    pub branch_name: String,
    pub github_app_id: String,
}

#[derive(Debug, Clone)]
pub struct World {
    pub workspaces: Vec<(String, String)>,
    pub apps: Vec<App>,
    pub repo: Vec<RepoApp>,
    pub git: Option<GitConnection>,
    pub branches: Vec<String>,
    /// The repository's tags, oldest first: the last of an app's is its latest.
    pub tags: Vec<Tag>,
    /// ToolJet's app validation, per app name (as in the repository): its mode and the issues
    /// it finds in the app's content whenever it is imported (create, pull, a tag pulled as it
    /// is released).
    pub validation: Vec<(String, Validation)>,
    /// The warnings the last write's validation reported, for the answer's header.
    pub validated: Option<usize>,
    /// Bytes of app definition each export carries (components, queries, data sources), as a
    /// real app's export does: tens of KB to many MB.
    pub export_size: usize,
    /// The last export's text, answered as it is (too large to go through a `Value`).
    pub exported: Option<String>,
    next_id: u64,
}

/// How ToolJet's app validation treats an app's content.
#[derive(Debug, Clone)]
pub struct Validation {
    /// Refuse the write when a certain, critical or high issue is found (else report only).
    pub enforce: bool,
    /// The issues found, as ToolJet's `Issue` objects.
    pub issues: Vec<Value>,
}

impl Validation {
    /// An issue as ToolJet's validation reports it.
    pub fn issue(code: &str, severity: &str, path: &str, message: &str, fix: &str) -> Value {
        json!({"code": code, "severity": severity, "confidence": "certain", "path": path,
               "message": message, "fix": fix, "entity": {"type": "component"}})
    }
}

/// The routes of ToolJet's v1 external API that the fake serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    OrganizationGit,
    Push { app: String, version: String },
    Create,
    Pull { app: String },
    SaveVersion { app: String },
    Release { app: String },
    Promote { app: String },
    Workspaces,
    WorkspaceApps { workspace: String },
    Export { workspace: String, app: String },
}

impl Endpoint {
    pub fn match_route(method: &Method, segments: &[&str], singular_org_git: bool) -> Option<Self> {
        let s = |value: &str| value.to_owned();
        Some(match (method.as_str(), segments) {
            ("POST", ["organizations", "git"]) if !singular_org_git => Self::OrganizationGit,
            ("POST", ["organization", "git"]) if singular_org_git => Self::OrganizationGit,
            ("POST", ["apps", app, "versions", version, "git-sync", "push"]) => Self::Push {
                app: s(app),
                version: s(version),
            },
            ("POST", ["apps"]) => Self::Create,
            ("PUT", ["apps", app]) => Self::Pull { app: s(app) },
            ("POST", ["apps", app, "versions", "save"]) => Self::SaveVersion { app: s(app) },
            ("POST", ["apps", app, "git-sync", "release"]) => Self::Release { app: s(app) },
            ("POST", ["apps", app, "promote"]) => Self::Promote { app: s(app) },
            ("GET", ["workspaces"]) => Self::Workspaces,
            ("GET", ["workspace", workspace, "apps"]) => Self::WorkspaceApps {
                workspace: s(workspace),
            },
            ("POST", ["export", "workspace", workspace, "apps", app]) => Self::Export {
                workspace: s(workspace),
                app: s(app),
            },
            _ => return None,
        })
    }
}

const CREATED: StatusCode = StatusCode::CREATED;

/// class-validator's checks for one DTO field.
struct Check<'a> {
    body: &'a Value,
    errors: Vec<String>,
}

impl<'a> Check<'a> {
    fn new(body: &'a Value) -> Self {
        Self {
            body,
            errors: Vec::new(),
        }
    }

    /// `@IsString()`, plus `@IsNotEmpty()` when `not_empty`; `@IsOptional()` when `optional`.
    fn string(&mut self, field: &str, not_empty: bool, optional: bool) -> Option<&'a str> {
        let value = self.body.get(field).filter(|v| !v.is_null());
        match value {
            None if optional => None,
            Some(Value::String(s)) if !(not_empty && s.is_empty()) => Some(s),
            Some(Value::String(_)) => {
                self.errors.push(format!("{field} should not be empty"));
                None
            }
            _ => {
                if not_empty && value.is_none() {
                    self.errors.push(format!("{field} should not be empty"));
                }
                self.errors.push(format!("{field} must be a string"));
                None
            }
        }
    }

    fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.errors))
        }
    }
}

impl World {
    pub fn seeded() -> Self {
        let version = Version::new;
        Self {
            workspaces: vec![(ORG_ID.to_owned(), "Acme".to_owned())],
            apps: vec![App {
                id: APP_ID.to_owned(),
                name: "Inventory".to_owned(),
                slug: APP_SLUG.to_owned(),
                organization_id: ORG_ID.to_owned(),
                git_app_id: Some("git-app-inventory".to_owned()),
                versions: vec![
                    version(RELEASED_VERSION_ID, "v1", false, 2),
                    version(DRAFT_VERSION_ID, "v2-draft", true, 0),
                ],
                current_version_id: Some(RELEASED_VERSION_ID.to_owned()),
                commits: Vec::new(),
            }],
            repo: vec![
                RepoApp {
                    git_app_id: "git-app-inventory".to_owned(),
                    name: "Inventory".to_owned(),
                    co_relation_id: INVENTORY_CO_RELATION_ID.to_owned(),
                    version: "v1".to_owned(),
                },
                RepoApp {
                    git_app_id: GIT_APP_ID_NEW.to_owned(),
                    name: GIT_APP_NAME_NEW.to_owned(),
                    co_relation_id: ORDERS_CO_RELATION_ID.to_owned(),
                    version: "v1".to_owned(),
                },
            ],
            git: Some(GitConnection {
                git_url: "https://github.com/acme/tooljet-apps.git".to_owned(),
                branch_name: "main".to_owned(),
                github_app_id: "123456".to_owned(),
            }),
            branches: vec!["main".to_owned(), "feature-x".to_owned()],
            tags: vec![Tag {
                co_relation_id: INVENTORY_CO_RELATION_ID.to_owned(),
                version: "v1".to_owned(),
            }],
            export_size: 16 * 1024,
            exported: None,
            validation: Vec::new(),
            validated: None,
            next_id: 1,
        }
    }

    /// Adds an app with a released version `v1` and a draft, as a workspace accumulates them.
    pub fn add_app(&mut self, name: &str) -> String {
        let (id, released, draft) = (self.new_id(), self.new_id(), self.new_id());
        let version = Version::new;
        self.apps.push(App {
            id: id.clone(),
            name: name.to_owned(),
            slug: name.to_lowercase().replace(' ', "-"),
            organization_id: ORG_ID.to_owned(),
            git_app_id: None,
            versions: vec![
                version(&released, "v1", false, 2),
                version(&draft, "draft", true, 0),
            ],
            current_version_id: Some(released),
            commits: Vec::new(),
        });
        id
    }

    /// Adds a saved version to an app, in development: on the instance, not live, holding what
    /// the newest version holds, as ToolJet copies a version. Its id.
    pub fn add_version(&mut self, app_id: &str, name: &str) -> String {
        let id = self.new_id();
        let app = self
            .apps
            .iter_mut()
            .find(|app| app.id == app_id)
            .expect("the app is in the world");
        let mut version = Version::new(&id, name, false, 0);
        if let Some(newest) = app.versions.iter().max_by_key(|v| v.created) {
            version.design = newest.design.clone();
        }
        app.versions.insert(0, version);
        id
    }

    /// What a version of an app holds, to change it: `app` by id, `version` by name.
    pub fn design_mut(&mut self, app_id: &str, version: &str) -> &mut Design {
        let app = self
            .apps
            .iter_mut()
            .find(|app| app.id == app_id)
            .expect("the app is in the world");
        &mut app
            .versions
            .iter_mut()
            .find(|v| v.name == version)
            .expect("the app has the version")
            .design
    }

    fn new_id(&mut self) -> String {
        self.next_id += 1;
        format!("{:08x}-0000-4000-8000-{:012x}", self.next_id, self.next_id)
    }

    pub fn app(&self, id_or_slug: &str) -> Option<&App> {
        self.apps
            .iter()
            .find(|app| app.id == id_or_slug || app.slug == id_or_slug)
    }

    /// Tags `version` of the repository app `co_relation_id`, as a save elsewhere would; an
    /// existing tag name is skipped, as ToolJet skips it. The tag's name.
    pub fn add_tag(&mut self, co_relation_id: &str, version: &str) -> String {
        let tag = Tag {
            co_relation_id: co_relation_id.to_owned(),
            version: version.to_owned(),
        };
        if !self.tags.contains(&tag) {
            self.tags.push(tag.clone());
        }
        tag.name()
    }

    /// The co_relation id of an instance's app, through the repository app it was imported from.
    fn co_relation_id(&self, app: &App) -> Option<String> {
        let git_app_id = app.git_app_id.as_deref()?;
        self.repo
            .iter()
            .find(|repo| repo.git_app_id == git_app_id)
            .map(|repo| repo.co_relation_id.clone())
    }

    fn app_mut(&mut self, id: &str, by_slug: bool) -> Option<&mut App> {
        self.apps
            .iter_mut()
            .find(|app| app.id == id || (by_slug && app.slug == id))
    }

    pub(crate) fn answer(
        &mut self,
        endpoint: Endpoint,
        query: &[(String, String)],
        body: &Value,
    ) -> Answer {
        let param = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        match endpoint {
            Endpoint::OrganizationGit => self.configure_git(body),
            Endpoint::Push { app, version } => self.push(&app, &version, body),
            Endpoint::Create if param("createMode") != Some("git") => Ok((CREATED, None)),
            Endpoint::Create => self.create(body),
            Endpoint::Pull { app } => self.pull(&app, param("branchName")),
            Endpoint::SaveVersion { app } => self.save_version(&app, body),
            Endpoint::Release { app } => self.release(&app, body),
            Endpoint::Promote { app } => self.promote(&app),
            Endpoint::Workspaces => Ok((
                StatusCode::OK,
                Some(Value::Array(
                    self.workspaces
                        .iter()
                        .map(|(id, name)| json!({"id": id, "name": name, "status": "active", "groups": []}))
                        .collect(),
                )),
            )),
            Endpoint::WorkspaceApps { workspace } => self.workspace_apps(&workspace),
            Endpoint::Export { workspace, app } => self.export(&workspace, &app, query),
        }
    }

    /// The app's export, as ToolJet's `exportApp` answers it: the app entity under
    /// `app[0].definition.appV2` with its live version as `currentVersionId`, the content of the
    /// newest version (by creation), of the version named by `appVersion` (400 for a name the
    /// app lacks), or of every version with `exportAllVersions=true`, each row with ids of its
    /// version, and the live version's status left at PUBLISHED as a v1 release leaves it. Its
    /// text is answered as it is ([`World::exported`]).
    fn export(&mut self, workspace: &str, app_id: &str, query: &[(String, String)]) -> Answer {
        let param = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        if !looks_like_uuid(workspace) || !looks_like_uuid(app_id) {
            return Err(ApiError::new(400, "Validation failed (uuid is expected)"));
        }
        let app = self
            .apps
            .iter()
            .find(|app| app.id == app_id && app.organization_id == workspace)
            .ok_or_else(|| ApiError::new(400, "App not found in this workspace"))?;
        let mut versions: Vec<&Version> = app.versions.iter().collect();
        versions.sort_by_key(|v| v.created);
        let versions: Vec<&Version> = match (param("appVersion"), param("exportAllVersions")) {
            (Some(name), _) => vec![
                *versions
                    .iter()
                    .find(|v| v.name == name)
                    .ok_or_else(|| ApiError::new(400, "App version not found"))?,
            ],
            (None, Some("true")) => versions,
            (None, _) => versions.into_iter().last().into_iter().collect(),
        };
        let designs: Vec<Design> = versions
            .iter()
            .map(|v| Design {
                filler_bytes: self.export_size,
                ..v.design.clone()
            })
            .collect();
        let exported: Vec<ExportedVersion<'_>> = versions
            .iter()
            .zip(&designs)
            .map(|(v, design)| ExportedVersion {
                id: &v.id,
                name: &v.name,
                draft: v.draft,
                environment: v.environment,
                design,
            })
            .collect();
        let co_relation_id = self.co_relation_id(app);
        let text = content::export(
            &ExportedApp {
                id: &app.id,
                name: &app.name,
                slug: &app.slug,
                organization_id: &app.organization_id,
                current_version_id: app.current_version_id.as_deref(),
                co_relation_id: co_relation_id.as_deref(),
            },
            &exported,
            param("exportTJDB") != Some("false"),
        );
        self.exported = Some(text);
        Ok((CREATED, None))
    }

    fn configure_git(&mut self, body: &Value) -> Answer {
        let mut check = Check::new(body);
        let organization_id = check.string("organizationId", false, false);
        let git_url = check.string("gitUrl", false, false);
        let branch_name = check.string("branchName", true, false);
        let github_app_id = check.string("githubAppId", true, false);
        check.string("githubAppInstallationId", true, false);
        let key = check.string("githubAppPrivateKey", true, false);
        for field in ["githubEnterpriseUrl", "githubEnterpriseApiUrl"] {
            if let Some(url) = check.string(field, false, true)
                && !(url.starts_with("https://") || url.starts_with("http://"))
            {
                check.errors.push(format!("{field} must be a URL address"));
            }
        }
        check.finish()?;
        let key = key.unwrap_or_default();
        // node-forge's privateKeyFromPem needs real line breaks.
        if !key.starts_with("-----BEGIN") || !key.contains('\n') {
            return Err(ApiError::new(400, "Invalid PEM formatted message."));
        }
        if !self
            .workspaces
            .iter()
            .any(|(id, _)| Some(id.as_str()) == organization_id)
        {
            return Err(ApiError::new(400, "Workspace not found"));
        }
        self.git = Some(GitConnection {
            git_url: git_url.unwrap_or_default().to_owned(),
            branch_name: branch_name.unwrap_or_default().to_owned(),
            github_app_id: github_app_id.unwrap_or_default().to_owned(),
        });
        Ok((CREATED, None))
    }

    fn push(&mut self, app_id: &str, version: &str, body: &Value) -> Answer {
        let mut check = Check::new(body);
        let message = check.string("commitMessage", false, false);
        check.finish()?;
        let has_git = self.git.is_some();
        let app = self
            .app_mut(app_id, false)
            .ok_or_else(|| ApiError::new(400, "App not found"))?;
        if !app
            .versions
            .iter()
            .any(|v| v.id == version || v.name == version)
        {
            return Err(ApiError::new(400, "Wrong version Id"));
        }
        if !has_git {
            return Err(ApiError::new(400, "No git configuration found"));
        }
        app.commits.push(message.unwrap_or_default().to_owned());
        Ok((CREATED, None))
    }

    fn create(&mut self, body: &Value) -> Answer {
        let mut check = Check::new(body);
        let organization_id = check.string("organizationId", false, false);
        let git_app_id = check.string("gitAppId", false, true);
        let git_app_name = check.string("gitAppName", false, true);
        let branch = check.string("gitBranchName", false, true);
        check.finish()?;
        if self.git.is_none() {
            return Err(ApiError::new(400, "No git configuration found"));
        }
        if let Some(branch) = branch
            && !self.branches.iter().any(|b| b == branch)
        {
            return Err(ApiError::new(
                400,
                format!("Branch \"{branch}\" does not exist in this workspace"),
            ));
        }
        let repo_app = self
            .repo
            .iter()
            .find(|a| {
                Some(a.git_app_id.as_str()) == git_app_id || Some(a.name.as_str()) == git_app_name
            })
            .cloned()
            .ok_or_else(|| ApiError::new(400, "App not found in the git repository"))?;
        if self
            .apps
            .iter()
            .any(|a| a.git_app_id.as_deref() == Some(&repo_app.git_app_id))
        {
            return Err(ApiError::new(
                409,
                format!("App with name {} already exists", repo_app.name),
            ));
        }
        let warnings = self.validate(&repo_app.name)?;
        let (id, version_id) = (self.new_id(), self.new_id());
        // As ToolJet's importer: "the imported apps will not have any released versions", and
        // with git sync on, the version git holds (under its name there) comes in as the draft,
        // in development.
        let app = App {
            id,
            name: repo_app.name.clone(),
            slug: repo_app.name.to_lowercase(),
            organization_id: organization_id.unwrap_or_default().to_owned(),
            git_app_id: Some(repo_app.git_app_id),
            versions: vec![Version::new(&version_id, &repo_app.version, true, 0)],
            current_version_id: None,
            commits: Vec::new(),
        };
        let mut answer = app.to_json();
        self.apps.push(app);
        // A plain-object answer carries the list; the header counts it.
        if let Some(warnings) = warnings {
            answer["validationWarnings"] = Value::Array(warnings);
        }
        Ok((CREATED, Some(answer)))
    }

    /// Runs the app's validation on its content as it is imported: a refusal in enforce mode,
    /// else the warnings (counted in the answer's header), if any.
    fn validate(&mut self, app: &str) -> Result<Option<Vec<Value>>, ApiError> {
        let Some((_, validation)) = self.validation.iter().find(|(name, _)| name == app) else {
            return Ok(None);
        };
        let blocks = |issue: &Value| {
            issue["confidence"] == "certain"
                && matches!(issue["severity"].as_str(), Some("critical" | "high"))
        };
        let (blocking, warnings): (Vec<Value>, Vec<Value>) =
            validation.issues.iter().cloned().partition(blocks);
        if validation.enforce && !blocking.is_empty() {
            return Err(ApiError::refused(
                format!(
                    "{} validation problem{} in components: {}",
                    blocking.len(),
                    if blocking.len() == 1 { "" } else { "s" },
                    blocking[0]["message"].as_str().unwrap_or_default()
                ),
                blocking,
                warnings,
            ));
        }
        let all = validation.issues.clone();
        self.validated = Some(all.len());
        Ok(Some(all))
    }

    fn pull(&mut self, app_id: &str, branch: Option<&str>) -> Answer {
        if let Some(branch) = branch
            && !self.branches.iter().any(|b| b == branch)
        {
            return Err(ApiError::new(
                400,
                format!("Branch \"{branch}\" does not exist in this workspace"),
            ));
        }
        let name = self
            .app_mut(app_id, false)
            .map(|app| app.name.clone())
            .ok_or_else(|| ApiError::new(400, "App not found"))?;
        // The answer is the app entity: the header alone counts the warnings.
        self.validate(&name)?;
        let app = self.app_mut(app_id, false).expect("found above");
        Ok((StatusCode::OK, Some(app.to_json())))
    }

    /// Saves the app's draft as `name`, as a save from another run or from ToolJet's editor
    /// does.
    pub fn save_draft(&mut self, app_id: &str, name: &str) {
        let saved = self.save_version(app_id, &json!({ "name": name }));
        assert!(saved.is_ok(), "the app has a draft to save as {name}");
    }

    fn save_version(&mut self, app_id: &str, body: &Value) -> Answer {
        let mut check = Check::new(body);
        let name = check.string("name", false, true);
        if let Some(name) = name {
            if name.chars().count() > 25 {
                check
                    .errors
                    .push("Version name cannot be longer than 25 characters".to_owned());
            }
            if name.is_empty()
                || name
                    .chars()
                    .any(|c| c.is_whitespace() || "~^:?*[]\\@{".contains(c))
            {
                check.errors.push(
                    "Version name contains invalid characters (spaces, ~, ^, :, ?, *, [, ], \\, @, { are not allowed)."
                        .to_owned(),
                );
            }
        }
        check.finish()?;
        let index = self
            .apps
            .iter()
            .position(|app| app.id == app_id || app.slug == app_id)
            .ok_or_else(|| ApiError::new(404, "App not found"))?;
        let co_relation_id = self.co_relation_id(&self.apps[index]);
        let app = &mut self.apps[index];
        // A unique (app, name) index: TypeORM's QueryFailedError, which ToolJet answers as 422.
        if let Some(name) = name
            && app.versions.iter().any(|v| !v.draft && v.name == name)
        {
            return Err(ApiError::new(422, "Already exists!"));
        }
        let app_id = app.id.clone();
        let draft = app
            .versions
            .iter_mut()
            .find(|v| v.draft)
            .ok_or_else(|| ApiError::new(409, "Version is already saved"))?;
        draft.draft = false;
        if let Some(name) = name {
            draft.name = name.to_owned();
        }
        let answer = json!({
            "id": draft.id,
            "name": draft.name,
            "appId": app_id,
            "status": "PUBLISHED",
            "currentEnvironmentId": environment_id(draft.environment),
        });
        // Best effort, as ToolJet's: no tag for an app that is not in git.
        let saved = draft.name.clone();
        // A git-synced app gets its next draft at once, named by a new id, as ToolJet seeds it.
        if app.git_app_id.is_some() {
            let id = self.new_id();
            self.apps[index]
                .versions
                .push(Version::new(&id, &format!("{id}-draft"), true, 0));
        }
        if let Some(co_relation_id) = co_relation_id {
            self.add_tag(&co_relation_id, &saved);
        }
        Ok((CREATED, Some(answer)))
    }

    fn release(&mut self, app_id: &str, body: &Value) -> Answer {
        let mut check = Check::new(body);
        let version_id = check.string("versionId", false, true);
        let version_name = check.string("versionName", false, true);
        check.finish()?;
        let index = self
            .apps
            .iter()
            .position(|app| app.id == app_id || app.slug == app_id)
            .ok_or_else(|| ApiError::new(404, "App not found"))?;
        let latest = match (version_id, version_name) {
            (None, None) => Some(self.pull_latest_tag(index)?),
            _ => None,
        };
        let app = &mut self.apps[index];
        let version = match (version_id, version_name.or(latest.as_deref())) {
            (Some(id), _) => app
                .versions
                .iter_mut()
                .find(|v| v.id == id)
                .ok_or_else(|| ApiError::new(404, format!("Version {id} not found in this app")))?,
            (None, Some(name)) => app
                .versions
                .iter_mut()
                .find(|v| v.name == name)
                .ok_or_else(|| ApiError::new(400, format!("Version with name {name} not found")))?,
            (None, None) => unreachable!("a release with no version takes the latest tag's"),
        };
        if version.draft {
            return Err(ApiError::new(
                400,
                "Cannot release a draft version: save it first",
            ));
        }
        version.environment = ENVIRONMENTS.len() - 1;
        app.current_version_id = Some(version.id.clone());
        Ok((CREATED, Some(app.to_json())))
    }

    /// A release with no version: the name of the app's latest tag's version, pulled onto the
    /// instance first when it is not there.
    fn pull_latest_tag(&mut self, index: usize) -> Result<String, ApiError> {
        let co_relation_id = match (&self.git, self.co_relation_id(&self.apps[index])) {
            (Some(_), Some(id)) => id,
            _ => return Err(ApiError::new(400, "App is not synced with Git")),
        };
        let latest = self
            .tags
            .iter()
            .rev()
            .find(|tag| tag.co_relation_id == co_relation_id)
            .cloned()
            .ok_or_else(|| ApiError::new(400, "Latest tag not found"))?;
        if !self.apps[index]
            .versions
            .iter()
            .any(|v| v.name == latest.version)
        {
            let name = self.apps[index].name.clone();
            self.validate(&name)?;
            let id = self.new_id();
            let pulled = Version::new(&id, &latest.version, false, 0);
            self.apps[index].versions.push(pulled);
        }
        Ok(latest.version)
    }

    fn promote(&mut self, app_id: &str) -> Answer {
        if !looks_like_uuid(app_id) {
            return Err(ApiError::new(400, "Validation failed (uuid is expected)"));
        }
        let app = self
            .app_mut(app_id, false)
            .ok_or_else(|| ApiError::new(404, "App not found"))?;
        let version = app
            .versions
            .iter_mut()
            .rev()
            .find(|v| !v.draft)
            .ok_or_else(|| {
                ApiError::new(
                    400,
                    "The latest version is still a draft: save it before promoting",
                )
            })?;
        if version.environment + 1 >= ENVIRONMENTS.len() {
            return Err(ApiError::new(
                500,
                "There is no environment with a higher priority to promote to",
            ));
        }
        version.environment += 1;
        let current = version.environment;
        let environments: Vec<Value> = ENVIRONMENTS
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let count = app.versions.iter().filter(|v| v.environment == i).count();
                json!({"id": environment_id(i), "name": name, "priority": i + 1, "enabled": true, "appVersionsCount": count})
            })
            .collect();
        Ok((
            CREATED,
            Some(json!({
                "editorEnvironment": {"id": environment_id(current), "name": ENVIRONMENTS[current], "priority": current + 1},
                "environments": environments,
            })),
        ))
    }

    fn workspace_apps(&self, workspace: &str) -> Answer {
        if !looks_like_uuid(workspace) || !self.workspaces.iter().any(|(id, _)| id == workspace) {
            return Err(ApiError::new(400, "Invalid workspace id"));
        }
        let apps = self
            .apps
            .iter()
            .filter(|app| app.organization_id == workspace)
            .map(|app| {
                let versions: Vec<Value> = app.versions.iter().map(|v| json!({"id": v.id, "name": v.name})).collect();
                json!({
                    "id": app.id, "name": app.name, "slug": app.slug, "organizationId": app.organization_id,
                    "versions": versions, "versionCount": app.versions.len(), "createdAt": "2026-01-05T10:00:00.000Z",
                })
            })
            .collect();
        Ok((StatusCode::OK, Some(Value::Array(apps))))
    }
}

fn looks_like_uuid(value: &str) -> bool {
    let lengths: Vec<usize> = value.split('-').map(str::len).collect();
    lengths == [8, 4, 4, 4, 12] && value.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

/// The current time as ISO-8601 in UTC with milliseconds, as JavaScript's toISOString.
pub fn iso_timestamp() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let (secs, millis) = (now.as_secs() as i64, now.subsec_millis());
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}
