//! Reading the action's inputs and turning them into a validated [`Config`].
//!
//! The runner exports every declared input as `INPUT_<NAME>` with hyphens kept
//! (`INPUT_APP-ID`) and an empty value for "not given"; `envy` reads them after the prefix,
//! lower-cased, which `rename_all = "kebab-case"` maps onto the fields below.

mod apps;
mod connection;
pub mod diff;
pub mod flags;
pub mod manifest;
pub mod naming;
mod operation;
pub mod table;
mod values;

use std::time::Duration;

use serde::Deserialize;

pub use apps::{AppRef, DesiredApp, WorkspaceRef};
use connection::{parse_base_url, parse_ca_certificate, parse_token};
use operation::{parse_deploy_version, parse_operation, parse_operation_inputs, unescape_newlines};
use table::{Need, uses};
use values::{MAX_SECONDS, closest, given, parse_bool, parse_choice, parse_seconds, parse_whole};

use crate::desired::DeployVersion;
use crate::environment::{RunContext, env_var};
use crate::operation::{Operation, OperationKind};
use crate::redact::Secret;
use crate::tooljet::Connection;
use crate::tooljet::attempts::RetryBudget;

/// A bad input, named, with what is wrong. Shown as the step's `::error::`.
#[derive(Debug, PartialEq, Eq)]
pub struct InputError {
    pub input: &'static str,
    pub problem: String,
    /// More inputs with the same problem, so that one run names them all.
    pub also: Vec<&'static str>,
    /// The operation they are missing for, whose table names their alternatives.
    kind: Option<OperationKind>,
    /// The problem is a sentence of its own, about no input as such (`INPUT_DRYRUN is set …`).
    standalone: bool,
    /// The problem itself says what to do (set one of two ways), so no way to set it is added.
    pub says_how: bool,
}

impl std::error::Error for InputError {}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.standalone {
            return f.write_str(&self.problem);
        }
        if self.also.is_empty() {
            return write!(f, "input `{}` {}", self.input, self.problem);
        }
        let names: Vec<String> = std::iter::once(self.input)
            .chain(self.also.iter().copied())
            .map(|input| match alternative(self.kind, input) {
                Some(or) => format!("`{input}` (or {or})"),
                None => format!("`{input}`"),
            })
            .collect();
        let (last, rest) = names.split_last().expect("two or more");
        write!(f, "inputs {} and {last} {}", rest.join(", "), self.problem)
    }
}

/// What stands in for a required input of `kind` when it is empty.
fn alternative(kind: Option<OperationKind>, input: &str) -> Option<String> {
    match input {
        "tooljet-url" => Some("the TOOLJET_HOST variable".to_owned()),
        "access-token" => Some("the TOOLJET_ACCESS_TOKEN variable".to_owned()),
        _ => table::alternative(kind?, input).map(|or| format!("`{or}`")),
    }
}

impl InputError {
    pub(crate) fn new(input: &'static str, problem: impl Into<String>) -> Self {
        Self {
            input,
            problem: problem.into(),
            also: Vec::new(),
            kind: None,
            standalone: false,
            says_how: false,
        }
    }

    /// This error's problem says what to do.
    fn saying_how(self) -> Self {
        Self {
            says_how: true,
            ..self
        }
    }

    /// An error about `input` that is a sentence of its own (a manifest's, naming its file).
    pub(crate) fn standalone(input: &'static str, problem: String) -> Self {
        Self {
            standalone: true,
            ..Self::new(input, problem)
        }
    }

    /// A variable that names no input, `close` the input it is close to (how to set that one
    /// is what to do).
    pub fn unknown_variable(problem: String, close: Option<&'static str>) -> Self {
        Self {
            standalone: true,
            ..Self::new(close.unwrap_or_default(), problem)
        }
    }

    /// Several required inputs missing at once, named in one error.
    fn missing_all(inputs: Vec<&'static str>, kind: OperationKind) -> Self {
        let (first, also) = inputs.split_first().expect("at least one");
        Self {
            input: first,
            problem: format!("are required for `{kind}` but were not given"),
            also: also.to_vec(),
            kind: Some(kind),
            standalone: false,
            says_how: false,
        }
    }

    pub(crate) fn missing(input: &'static str, kind: OperationKind) -> Self {
        Self::new(input, format!("is required for `{kind}` but was not given"))
    }
}

/// The inputs exactly as the runner hands them over: strings, empty meaning "not given".
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct RawInputs {
    pub operation: String,
    pub tooljet_url: String,
    pub access_token: Secret,
    pub app_id: String,
    pub version_id: String,
    pub version_name: String,
    pub commit_message: String,
    pub organization_id: String,
    pub git_app_id: String,
    pub git_app_name: String,
    pub git_branch: String,
    pub git_tag: String,
    pub git_url: String,
    pub branch_name: String,
    pub github_app_id: String,
    pub github_app_installation_id: String,
    pub github_app_private_key: Secret,
    pub github_enterprise_url: String,
    pub github_enterprise_api_url: String,
    pub timeout_seconds: String,
    pub connect_timeout_seconds: String,
    pub total_timeout_seconds: String,
    pub retries: String,
    pub if_exists: String,
    pub if_saved: String,
    pub ca_certificate: String,
    pub insecure_skip_tls_verify: String,
    pub allow_insecure_http: String,
    pub heartbeat_seconds: String,
    pub app_name: String,
    pub workspace: String,
    pub max_parallel: String,
    pub fail_fast: String,
    pub dry_run: String,
    pub manifest: String,
    pub base_manifest: String,
    pub instance: String,
    pub fail_on_drift: String,
}

/// Seconds to wait for one ToolJet call when `timeout-seconds` is not given. ToolJet clones,
/// commits and pushes inside the request; its own test clients allow 120 s.
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 300;
/// Seconds to wait for a TCP and TLS connection; kept short as nothing is sent before.
pub const DEFAULT_CONNECT_TIMEOUT_SECONDS: u64 = 10;
/// The whole step's budget: every attempt and every wait between them.
pub const DEFAULT_TOTAL_TIMEOUT_SECONDS: u64 = 900;
pub const DEFAULT_RETRIES: u64 = 3;
pub const DEFAULT_MAX_PARALLEL: u64 = 4;
const MAX_PARALLEL: u64 = 20;
/// A "still waiting" line this often while a call is in flight.
pub const DEFAULT_HEARTBEAT_SECONDS: u64 = 15;
const MAX_RETRIES: u64 = 10;

impl RawInputs {
    /// Reads `INPUT_*` from `vars`, falling back to `TOOLJET_HOST` and `TOOLJET_ACCESS_TOKEN`
    /// for the URL and token (handy in GitLab CI and Jenkins).
    pub fn from_vars(vars: impl IntoIterator<Item = (String, String)>) -> anyhow::Result<Self> {
        let vars: Vec<(String, String)> = vars.into_iter().collect();
        let mut raw: RawInputs = envy::prefixed("INPUT_").from_iter(vars.iter().cloned())?;
        let fallback = |name: &str| env_var(&vars, name).unwrap_or_default().to_owned();
        if raw.tooljet_url.trim().is_empty() {
            raw.tooljet_url = fallback("TOOLJET_HOST");
        }
        if raw.access_token.expose().trim().is_empty() {
            raw.access_token = Secret::new(fallback("TOOLJET_ACCESS_TOKEN"));
        }
        Ok(raw)
    }

    /// The value of `input` as given, by its name in action.yml ("" for no such input).
    fn value(&self, input: &str) -> &str {
        match input {
            "operation" => &self.operation,
            "tooljet-url" => &self.tooljet_url,
            "access-token" => self.access_token.expose(),
            "app-id" => &self.app_id,
            "version-id" => &self.version_id,
            "version-name" => &self.version_name,
            "commit-message" => &self.commit_message,
            "organization-id" => &self.organization_id,
            "git-app-id" => &self.git_app_id,
            "git-app-name" => &self.git_app_name,
            "git-branch" => &self.git_branch,
            "git-tag" => &self.git_tag,
            "git-url" => &self.git_url,
            "branch-name" => &self.branch_name,
            "github-app-id" => &self.github_app_id,
            "github-app-installation-id" => &self.github_app_installation_id,
            "github-app-private-key" => self.github_app_private_key.expose(),
            "github-enterprise-url" => &self.github_enterprise_url,
            "github-enterprise-api-url" => &self.github_enterprise_api_url,
            "timeout-seconds" => &self.timeout_seconds,
            "connect-timeout-seconds" => &self.connect_timeout_seconds,
            "total-timeout-seconds" => &self.total_timeout_seconds,
            "retries" => &self.retries,
            "if-exists" => &self.if_exists,
            "if-saved" => &self.if_saved,
            "ca-certificate" => &self.ca_certificate,
            "insecure-skip-tls-verify" => &self.insecure_skip_tls_verify,
            "allow-insecure-http" => &self.allow_insecure_http,
            "heartbeat-seconds" => &self.heartbeat_seconds,
            "app-name" => &self.app_name,
            "workspace" => &self.workspace,
            "max-parallel" => &self.max_parallel,
            "fail-fast" => &self.fail_fast,
            "dry-run" => &self.dry_run,
            "manifest" => &self.manifest,
            "base-manifest" => &self.base_manifest,
            "instance" => &self.instance,
            "fail-on-drift" => &self.fail_on_drift,
            _ => "",
        }
    }

    /// The required inputs that `kind` lacks (with their alternatives empty too), in the
    /// order of its table.
    fn missing(&self, kind: OperationKind) -> Vec<&'static str> {
        let empty = |input: &str| self.value(input).trim().is_empty();
        table::takes(kind)
            .into_iter()
            .filter(|takes| match takes.need {
                Need::Required { or } => empty(takes.input) && or.is_none_or(empty),
                Need::Optional => false,
            })
            .map(|takes| takes.input)
            // `operation` is checked before this: the table is the operation's.
            .filter(|input| *input != "operation")
            .collect()
    }

    /// The operation, if `operation` names one.
    pub fn operation_kind(&self) -> Option<OperationKind> {
        self.operation.trim().parse().ok()
    }

    /// Every secret among the inputs, in every form it may show in (see [`secret_forms`]).
    pub fn secrets(&self) -> Vec<String> {
        secret_forms(
            self.access_token.expose(),
            self.github_app_private_key.expose(),
        )
    }
}

/// A token and a private key in every form a server may quote them: the token as given and as
/// sent, the key as given, with real line breaks, and each of its lines.
fn secret_forms(token: &str, key: &str) -> Vec<String> {
    let (token, key) = (token.trim(), key.trim());
    let unescaped = unescape_newlines(key);
    let mut secrets = vec![token.to_owned(), key.to_owned()];
    if !token.is_empty() {
        secrets.push(format!("Basic {token}"));
    }
    secrets.extend(unescaped.lines().map(|line| line.trim().to_owned()));
    secrets.push(unescaped);
    secrets
}

/// The secrets the variables hold before any input is read, in every form: so that an error
/// about a flag or a variable never echoes a token typed where a word belongs.
pub fn secrets_in(vars: &[(String, String)]) -> impl Iterator<Item = String> {
    const TOKENS: [&str; 3] = [
        "INPUT_ACCESS-TOKEN",
        "INPUT_ACCESS_TOKEN",
        "TOOLJET_ACCESS_TOKEN",
    ];
    const KEYS: [&str; 2] = [
        "INPUT_GITHUB-APP-PRIVATE-KEY",
        "INPUT_GITHUB_APP_PRIVATE_KEY",
    ];
    let value = |name: &str| env_var(vars, name).unwrap_or_default().to_owned();
    let mut secrets: Vec<String> = TOKENS
        .iter()
        .flat_map(|name| secret_forms(&value(name), ""))
        .collect();
    secrets.extend(KEYS.iter().flat_map(|name| secret_forms("", &value(name))));
    secrets.into_iter()
}

/// The operation `INPUT_OPERATION` names in `vars`, if it names one: the outputs of a step
/// refused before its inputs were read still say which it was.
pub fn operation_in(vars: &[(String, String)]) -> Option<OperationKind> {
    env_var(vars, "INPUT_OPERATION")?.trim().parse().ok()
}

/// The inputs set in `vars` that `kind` does not read, in action.yml's order. An input left at
/// its action.yml default counts as not given: the runner sets every declared input.
pub fn unused(vars: &[(String, String)], kind: OperationKind) -> Vec<&'static str> {
    crate::declared::entries("inputs")
        .iter()
        .filter(|input| !uses(kind, input.name))
        .filter(|input| {
            env_var(vars, &crate::declared::variable(input.name))
                .map(str::trim)
                .is_some_and(|value| !value.is_empty() && Some(value) != input.default)
        })
        .map(|input| input.name)
        .collect()
}

/// `vars` with every input given as `INPUT_APP_ID` also under the runner's name, `INPUT_APP-ID`:
/// a shell cannot `export` a name with a hyphen, and GitLab CI/CD variables cannot hold one.
/// The hyphenated form left empty or at its action.yml default (the runner sets every input)
/// yields to the other; with another value of its own, the input was given twice and is
/// refused, naming both variables and neither value, which may be a secret.
pub fn with_runner_names(
    mut vars: Vec<(String, String)>,
) -> Result<Vec<(String, String)>, InputError> {
    for input in crate::declared::entries("inputs") {
        let runner = crate::declared::variable(input.name);
        let shell = naming::shell_variable(input.name);
        let Some(value) = env_var(&vars, &shell).map(str::to_owned) else {
            continue;
        };
        let Some(slot) = vars.iter().position(|(name, _)| *name == runner) else {
            vars.push((runner, value));
            continue;
        };
        given_once(input, &value, &vars[slot].1, [&runner, &shell])?;
        vars[slot].1 = value;
    }
    Ok(vars)
}

/// The variables that stand in for an input left empty, as GitLab CI and Jenkins set them.
pub(crate) const FALLBACKS: [(&str, &str); 2] = [
    ("tooljet-url", "TOOLJET_HOST"),
    ("access-token", "TOOLJET_ACCESS_TOKEN"),
];

/// Each input given for the step whose stand-in variable is set too, to another value, with
/// that variable. As a flag wins over the environment on every command line, the input is used
/// and the variable is not (a job-wide `TOOLJET_HOST`, one step pointed elsewhere); the step
/// says so, naming the variable and never its value, which may be a token. Two spellings of
/// one input are another matter: neither is more explicit, so they must agree (`given_once`).
pub fn fallbacks_not_used(vars: &[(String, String)]) -> Vec<(&'static str, &'static str)> {
    let value = |name: &str| Some(env_var(vars, name)?.trim()).filter(|value| !value.is_empty());
    FALLBACKS
        .into_iter()
        .filter(|(input, fallback)| {
            let (Some(given), Some(stands_in)) =
                (value(&crate::declared::variable(input)), value(fallback))
            else {
                return false;
            };
            match *input {
                // A URL with and without its trailing slash is one.
                "tooljet-url" => given.trim_end_matches('/') != stands_in.trim_end_matches('/'),
                _ => given != stands_in,
            }
        })
        .collect()
}

/// The `INPUT_` variables that name no input of this action, each with the input its name is
/// close to, if any: `INPUT_DRYRUN` for `dry-run`.
pub fn unknown_variables(vars: &[(String, String)]) -> Vec<(String, Option<&'static str>)> {
    let declared = crate::declared::entries("inputs");
    vars.iter()
        .filter_map(|(name, _)| name.strip_prefix("INPUT_").map(|rest| (name, rest)))
        .filter(|(name, _)| {
            !declared.iter().any(|input| {
                let runner = crate::declared::variable(input.name);
                **name == runner || **name == naming::shell_variable(input.name)
            })
        })
        .map(|(name, rest)| {
            let folded = rest.to_lowercase().replace(['_', '-'], "");
            let close = closest(
                &folded,
                declared
                    .iter()
                    .map(|input| (input.name.replace('-', ""), input.name)),
            );
            (name.clone(), close)
        })
        .collect()
}

/// One input given two ways (`ways`, as the error names them): `value`, and `other`, which
/// yields when empty or at its action.yml default, as the runner sets every input. Another
/// value is refused, naming both ways and neither value: either may be a secret.
pub(super) fn given_once(
    input: &crate::declared::Entry,
    value: &str,
    other: &str,
    ways: [&str; 2],
) -> Result<(), InputError> {
    let other = other.trim();
    if other.is_empty() || Some(other) == input.default || other == value.trim() {
        return Ok(());
    }
    Err(InputError::new(
        input.name,
        format!(
            "is given twice with different values, as {} and {}: set one of them",
            ways[0], ways[1]
        ),
    )
    .saying_how())
}

/// What `create` does when the app was already imported (HTTP 409).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfExists {
    Fail,
    /// Find the existing app by name and pull it instead.
    Sync,
}

/// What `save-version` does when the draft is already saved (HTTP 409).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfSaved {
    Fail,
    /// Succeed without saving anything.
    Skip,
}

/// What the step does, for which apps.
#[derive(Debug, Clone)]
pub enum Work {
    /// A one-request operation, for each app given (none for configure-git and create): the
    /// operation is the template, its app filled in per app.
    Single {
        operation: Operation,
        apps: Vec<AppRef>,
    },
    /// `deploy`: a version of each app made live.
    Desired(Vec<DesiredApp>),
}

impl Work {
    /// The apps as given, in order, each with the version given for it.
    pub fn apps(&self) -> Vec<(&AppRef, Option<&str>)> {
        match self {
            Self::Single { operation, apps } => {
                apps.iter().map(|app| (app, operation.version())).collect()
            }
            Self::Desired(apps) => apps
                .iter()
                .map(|desired| (&desired.app, Some(desired.version.name())))
                .collect(),
        }
    }
}

/// Everything one run needs, validated.
#[derive(Debug, Clone)]
pub struct Config {
    pub connection: Connection,
    pub budget: RetryBudget,
    pub kind: OperationKind,
    pub work: Work,
    pub if_exists: IfExists,
    pub if_saved: IfSaved,
    /// Zero for no heartbeat.
    pub heartbeat: Duration,
    pub workspace: Option<WorkspaceRef>,
    /// Apps handled at once.
    pub max_parallel: usize,
    /// Start no further app once one has failed.
    pub fail_fast: bool,
    /// Check, resolve and print the requests; send nothing that changes ToolJet.
    pub dry_run: bool,
    /// `check`: an app out of sync fails the step.
    pub fail_on_drift: bool,
    /// `check`, `apply`: the manifest's instance this step is about.
    pub instance: Option<String>,
}

impl Config {
    /// Validates the raw inputs: every problem found here is reported before any network call.
    pub fn from_raw(raw: &RawInputs, context: &RunContext) -> Result<Self, InputError> {
        let kind = parse_operation(&raw.operation)?;
        // One missing input gets its own, more specific message below; several are named at once.
        let missing = raw.missing(kind);
        if missing.len() > 1 {
            return Err(InputError::missing_all(missing, kind));
        }
        let allow_insecure_http = parse_bool(&raw.allow_insecure_http, "allow-insecure-http")?;
        let connection = Connection {
            base_url: parse_base_url(&raw.tooljet_url, allow_insecure_http)?,
            access_token: parse_token(raw.access_token.expose())?,
            timeout: parse_seconds(
                &raw.timeout_seconds,
                "timeout-seconds",
                DEFAULT_TIMEOUT_SECONDS,
            )?,
            connect_timeout: parse_seconds(
                &raw.connect_timeout_seconds,
                "connect-timeout-seconds",
                DEFAULT_CONNECT_TIMEOUT_SECONDS,
            )?,
            ca_certificates: parse_ca_certificate(&raw.ca_certificate, context)?,
            skip_tls_verify: parse_bool(&raw.insecure_skip_tls_verify, "insecure-skip-tls-verify")?,
        };
        let budget = RetryBudget {
            retries: parse_whole(&raw.retries, "retries", DEFAULT_RETRIES, 0..=MAX_RETRIES)? as u32,
            total: parse_seconds(
                &raw.total_timeout_seconds,
                "total-timeout-seconds",
                DEFAULT_TOTAL_TIMEOUT_SECONDS,
            )?,
        };
        let if_exists = parse_choice(
            &raw.if_exists,
            "if-exists",
            &[("fail", IfExists::Fail), ("sync", IfExists::Sync)],
        )?;
        let if_saved = parse_choice(
            &raw.if_saved,
            "if-saved",
            &[("fail", IfSaved::Fail), ("skip", IfSaved::Skip)],
        )?;
        if kind == OperationKind::Create
            && if_exists == IfExists::Sync
            && given(&raw.git_app_name).is_none()
        {
            return Err(InputError::new(
                "git-app-name",
                "is required with `if-exists: sync`: the existing app is found by that name",
            ));
        }
        let (work, workspace, instance) = match kind {
            OperationKind::Check | OperationKind::Apply => {
                let (work, workspace, instance) = from_manifest(raw, kind, context)?;
                (work, Some(workspace), Some(instance))
            }
            _ => {
                let (work, workspace) = from_inputs(raw, kind, context)?;
                (work, workspace, None)
            }
        };
        Ok(Self {
            connection,
            budget,
            kind,
            work,
            if_exists,
            if_saved,
            workspace,
            max_parallel: parse_whole(
                &raw.max_parallel,
                "max-parallel",
                DEFAULT_MAX_PARALLEL,
                1..=MAX_PARALLEL,
            )? as usize,
            fail_fast: parse_bool(&raw.fail_fast, "fail-fast")?,
            dry_run: parse_bool(&raw.dry_run, "dry-run")?,
            // Only where the operation reads it: elsewhere it is warned of as not used.
            fail_on_drift: parse_bool(&raw.fail_on_drift, "fail-on-drift")?
                && uses(kind, "fail-on-drift"),
            instance,
            heartbeat: Duration::from_secs(parse_whole(
                &raw.heartbeat_seconds,
                "heartbeat-seconds",
                DEFAULT_HEARTBEAT_SECONDS,
                0..=MAX_SECONDS,
            )?),
        })
    }
}

impl Config {
    /// The manifest's plan is the step's whole result, and nothing is to be written: `check`,
    /// and `apply`'s dry run.
    pub fn plan_only(&self) -> bool {
        match self.kind {
            OperationKind::Check => true,
            OperationKind::Apply => self.dry_run,
            _ => false,
        }
    }
}

/// The workspace given as `organization-id`, or by name or id as `workspace`.
fn workspace_of(raw: &RawInputs) -> Result<Option<WorkspaceRef>, InputError> {
    Ok(
        match (
            apps::segment(&raw.organization_id, "organization-id")?,
            apps::segment(&raw.workspace, "workspace")?,
        ) {
            (Some(id), _) => Some(WorkspaceRef::Id(id.to_owned())),
            (None, Some(workspace)) => Some(WorkspaceRef::from(workspace)),
            (None, None) => None,
        },
    )
}

/// What the inputs say to do, and to which apps, for every operation but `check` and `apply`.
fn from_inputs(
    raw: &RawInputs,
    kind: OperationKind,
    context: &RunContext,
) -> Result<(Work, Option<WorkspaceRef>), InputError> {
    let workspace = workspace_of(raw)?;
    if kind == OperationKind::Deploy && workspace.is_none() {
        return Err(InputError::new(
            "organization-id",
            "(or `workspace`) is required for `deploy`: the workspace's listing says which apps and \
             versions exist there",
        ));
    }
    let apps = apps::parse_apps(raw, kind, &workspace)?;
    if apps.len() > 1 && given(&raw.version_id).is_some() {
        return Err(InputError::new(
            "version-id",
            "names one app's version, but several apps were given: use `version-name` instead",
        ));
    }
    let work = match parse_operation_inputs(kind, raw, context)? {
        Some(operation) => Work::Single { operation, apps },
        None => {
            let version = parse_deploy_version(raw)?;
            Work::Desired(
                apps.into_iter()
                    .map(|app| DesiredApp {
                        app,
                        version: version.clone(),
                        git_app_name: given(&raw.git_app_name).map(str::to_owned),
                        branch: given(&raw.git_branch).map(str::to_owned),
                    })
                    .collect(),
            )
        }
    };
    Ok((work, workspace))
}

/// The inputs that name apps or versions for the other operations: beside a manifest, which
/// names them for `check` and `apply`, each would say something the step does not do.
const NAMED_BY_THE_MANIFEST: [&str; 8] = [
    "app-id",
    "app-name",
    "version-id",
    "version-name",
    "git-tag",
    "git-app-id",
    "git-app-name",
    "git-branch",
];

/// What the manifest says is live on the instance: its apps, its workspace and its name.
fn from_manifest(
    raw: &RawInputs,
    kind: OperationKind,
    context: &RunContext,
) -> Result<(Work, WorkspaceRef, String), InputError> {
    if let Some(input) = NAMED_BY_THE_MANIFEST
        .into_iter()
        .find(|input| given(raw.value(input)).is_some())
    {
        return Err(InputError::new(
            input,
            format!(
                "is not read by `{kind}`, which takes every app and version from the manifest: \
                 `{kind}` would act on all of them. Remove it; to change one app, edit its entry \
                 in the manifest, or use `operation: deploy` for that app"
            ),
        )
        .saying_how());
    }
    let file = given(&raw.manifest).unwrap_or(manifest::DEFAULT);
    let path = context.path_of(file);
    // Every error about the file says what to write where: no way to set an input is added.
    let wrong = |err: manifest::ManifestError| {
        InputError::standalone("manifest", err.to_string()).saying_how()
    };
    let instances = manifest::read(&path, file).map_err(wrong)?;
    let instance = manifest::select(instances, given(&raw.instance), file).map_err(wrong)?;
    if let Some(err) = unusable_workspace(&instance, file) {
        return Err(wrong(err));
    }
    let apps = instance
        .apps
        .into_iter()
        .map(|app| DesiredApp {
            app: AppRef::Name(app.name),
            version: DeployVersion::Name(app.version),
            git_app_name: app.git_app_name,
            branch: app.git_branch,
        })
        .collect();
    Ok((
        Work::Desired(apps),
        WorkspaceRef::from(instance.workspace.as_str()),
        instance.name,
    ))
}

/// What is wrong with `instance`'s workspace for a request, if anything: checked before any
/// request, and by `diff`, so that a pull request learns it before the merge.
fn unusable_workspace(
    instance: &manifest::Instance,
    file: &str,
) -> Option<manifest::ManifestError> {
    (!crate::tooljet::is_one_segment(&instance.workspace)).then(|| manifest::ManifestError {
        file: file.to_owned(),
        line: None,
        key: Some(format!("instances.{}.workspace", instance.name)),
        problem: "resolves away in a URL (`.` and `..` name no workspace)".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(&str, &str)]) -> RawInputs {
        RawInputs::from_vars(
            pairs
                .iter()
                .map(|(k, v)| (format!("INPUT_{}", k.to_uppercase()), v.to_string())),
        )
        .unwrap()
    }

    fn config(pairs: &[(&str, &str)]) -> Result<Config, InputError> {
        let mut all = vec![
            ("tooljet-url", "https://tj.example.com"),
            ("access-token", "tok"),
        ];
        all.extend_from_slice(pairs);
        Config::from_raw(&raw(&all), &RunContext::default())
    }

    #[test]
    fn defaults_match_action_yml_so_docker_steps_behave_alike() {
        // A `docker://` step or a GitLab job gets no action.yml defaults: the binary's must agree.
        let raw = raw(&[("operation", "pull"), ("app-id", "a")]);
        let config = Config::from_raw(
            &RawInputs {
                tooljet_url: "https://h.example.com".into(),
                access_token: Secret::new("t"),
                ..raw
            },
            &RunContext::default(),
        )
        .unwrap();
        let default = |name: &str| {
            crate::declared::entries("inputs")
                .iter()
                .find(|i| i.name == name)
                .and_then(|i| i.default)
                .unwrap()
        };
        let seconds = |d: Duration| d.as_secs().to_string();
        assert_eq!(
            seconds(config.connection.timeout),
            default("timeout-seconds")
        );
        assert_eq!(
            seconds(config.connection.connect_timeout),
            default("connect-timeout-seconds")
        );
        assert_eq!(
            seconds(config.budget.total),
            default("total-timeout-seconds")
        );
        assert_eq!(config.budget.retries.to_string(), default("retries"));
        assert_eq!(seconds(config.heartbeat), default("heartbeat-seconds"));
        assert_eq!(config.max_parallel.to_string(), default("max-parallel"));
        assert_eq!(
            (config.if_exists, default("if-exists")),
            (IfExists::Fail, "fail")
        );
        assert_eq!(
            (config.if_saved, default("if-saved")),
            (IfSaved::Fail, "fail")
        );
        for flag in [
            "fail-fast",
            "dry-run",
            "insecure-skip-tls-verify",
            "allow-insecure-http",
        ] {
            assert_eq!(default(flag), "false", "{flag}");
        }
        assert!(!config.fail_fast && !config.dry_run && !config.connection.skip_tls_verify);
    }

    #[test]
    fn every_missing_input_is_named_in_one_error() {
        let raw = raw(&[("operation", "configure-git"), ("branch-name", "main")]);
        let err = Config::from_raw(&raw, &RunContext::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "inputs `tooljet-url` (or the TOOLJET_HOST variable), `access-token` (or the \
             TOOLJET_ACCESS_TOKEN variable), `organization-id` (or `workspace`), `git-url`, \
             `github-app-id`, \
             `github-app-installation-id` and `github-app-private-key` are required for \
             `configure-git` but were not given"
        );
    }

    fn runner_names(pairs: &[(&str, &str)]) -> Result<Vec<(String, String)>, InputError> {
        with_runner_names(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn an_input_named_with_underscores_is_read_as_the_runner_names_it() {
        let vars = runner_names(&[
            ("INPUT_APP_ID", "a1"),
            ("INPUT_TIMEOUT-SECONDS", "300"),
            ("INPUT_TIMEOUT_SECONDS", "60"),
        ])
        .unwrap();
        assert_eq!(env_var(&vars, "INPUT_APP-ID"), Some("a1"));
        assert_eq!(
            env_var(&vars, "INPUT_TIMEOUT-SECONDS"),
            Some("60"),
            "the default yields"
        );
    }

    #[test]
    fn an_input_given_both_ways_with_different_values_names_both_and_neither_value() {
        let err = runner_names(&[
            ("INPUT_ACCESS-TOKEN", "tok-one"),
            ("INPUT_ACCESS_TOKEN", "tok-two"),
        ])
        .unwrap_err();
        assert_eq!(err.input, "access-token");
        assert!(
            err.problem
                .contains("INPUT_ACCESS-TOKEN and INPUT_ACCESS_TOKEN"),
            "{err}"
        );
        assert!(!err.to_string().contains("tok-"), "{err}");
        assert!(runner_names(&[("INPUT_APP-ID", "a"), ("INPUT_APP_ID", "a")]).is_ok());
    }

    #[test]
    fn every_declared_input_has_its_value_by_name() {
        let inputs = crate::declared::entries("inputs");
        let raw = raw(&inputs.iter().map(|i| (i.name, i.name)).collect::<Vec<_>>());
        for input in inputs {
            assert_eq!(raw.value(input.name), input.name);
        }
    }

    #[test]
    fn hyphenated_input_names_are_read() {
        let raw = raw(&[("app-id", "a1"), ("github-app-installation-id", "9")]);
        assert_eq!(raw.app_id, "a1");
        assert_eq!(raw.github_app_installation_id, "9");
    }

    #[test]
    fn url_and_token_fall_back_to_tooljet_environment_variables() {
        let vars = [
            ("INPUT_TOOLJET-URL", ""),
            ("INPUT_ACCESS-TOKEN", ""),
            ("TOOLJET_HOST", "https://h.example.com"),
            ("TOOLJET_ACCESS_TOKEN", "t"),
        ];
        let raw = RawInputs::from_vars(vars.map(|(k, v)| (k.to_owned(), v.to_owned()))).unwrap();
        assert_eq!(
            (raw.tooljet_url.as_str(), raw.access_token.expose()),
            ("https://h.example.com", "t")
        );
    }

    #[test]
    fn an_input_given_for_the_step_wins_over_its_fallback_variable_which_is_named() {
        let vars = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        let both = vars(&[
            ("INPUT_TOOLJET-URL", "https://staging.example.com"),
            ("TOOLJET_HOST", "https://tooljet.example.com"),
            ("INPUT_ACCESS-TOKEN", "step-token"),
            ("TOOLJET_ACCESS_TOKEN", "job-token"),
        ]);
        assert_eq!(
            fallbacks_not_used(&both),
            [
                ("tooljet-url", "TOOLJET_HOST"),
                ("access-token", "TOOLJET_ACCESS_TOKEN")
            ]
        );
        let raw = RawInputs::from_vars(both).unwrap();
        assert_eq!(
            (raw.tooljet_url.as_str(), raw.access_token.expose()),
            ("https://staging.example.com", "step-token")
        );
        let alike = vars(&[
            ("INPUT_TOOLJET-URL", "https://tooljet.example.com/"),
            ("TOOLJET_HOST", "https://tooljet.example.com"),
            ("INPUT_ACCESS-TOKEN", ""),
            ("TOOLJET_ACCESS_TOKEN", "job-token"),
        ]);
        assert!(fallbacks_not_used(&alike).is_empty(), "used, or one value");
    }

    #[test]
    fn push_needs_a_uuid_app_id() {
        let err = config(&[
            ("operation", "push"),
            ("app-id", "my-app"),
            ("version-id", "v"),
        ])
        .unwrap_err();
        assert_eq!(err.input, "app-id");
        assert!(err.problem.contains("UUID"));
    }

    #[test]
    fn an_app_id_that_a_url_would_resolve_away_is_refused() {
        for id in ["..", ".", "%2e%2E"] {
            let err = config(&[("operation", "release"), ("app-id", id)]).unwrap_err();
            assert_eq!(err.input, "app-id", "{id}");
            assert!(err.problem.contains("resolves away"), "{err}");
        }
    }

    #[test]
    fn release_refuses_both_version_id_and_name() {
        let app = "0f5f3ad1-8f1e-4a53-9d0f-111111111111";
        let err = config(&[
            ("operation", "release"),
            ("app-id", app),
            ("version-id", "1"),
            ("version-name", "v1"),
        ])
        .unwrap_err();
        assert_eq!(err.input, "version-id");
    }
}
