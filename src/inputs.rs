//! Reading the action's inputs and turning them into a validated [`Config`].
//!
//! The runner exports every declared input as `INPUT_<NAME>` with hyphens kept
//! (`INPUT_APP-ID`) and an empty value for "not given"; `envy` reads them after the prefix,
//! lower-cased, which `rename_all = "kebab-case"` maps onto the fields below.

use std::time::Duration;

use reqwest::Url;
use serde::Deserialize;

use crate::github::RunContext;
use crate::operation::{
    GitApp, GitConfig, Operation, OperationKind, ReleaseTarget, is_one_segment,
};

/// A bad input, named, with what is wrong. Shown as the step's `::error::`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("input `{input}` {problem}")]
pub struct InputError {
    pub input: &'static str,
    pub problem: String,
}

impl InputError {
    fn new(input: &'static str, problem: impl Into<String>) -> Self {
        Self {
            input,
            problem: problem.into(),
        }
    }

    fn missing(input: &'static str, kind: OperationKind) -> Self {
        Self::new(input, format!("is required for `{kind}` but was not given"))
    }
}

/// The inputs exactly as the runner hands them over: strings, empty meaning "not given".
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", default)]
pub struct RawInputs {
    pub operation: String,
    pub tooljet_url: String,
    pub access_token: String,
    pub app_id: String,
    pub version_id: String,
    pub version_name: String,
    pub commit_message: String,
    pub organization_id: String,
    pub git_app_id: String,
    pub git_app_name: String,
    pub git_branch: String,
    pub git_url: String,
    pub branch_name: String,
    pub github_app_id: String,
    pub github_app_installation_id: String,
    pub github_app_private_key: String,
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
const MAX_SECONDS: u64 = 6 * 60 * 60;
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
        if raw.access_token.trim().is_empty() {
            raw.access_token = fallback("TOOLJET_ACCESS_TOKEN");
        }
        Ok(raw)
    }

    /// The operation, if `operation` names one.
    pub fn operation_kind(&self) -> Option<OperationKind> {
        self.operation.trim().parse().ok()
    }

    /// Every secret among the inputs: the token as given and as sent, the private key as given,
    /// with real line breaks, and each of its lines (a server may quote one line of it).
    pub fn secrets(&self) -> Vec<String> {
        let token = self.access_token.trim();
        let key = self.github_app_private_key.trim();
        let unescaped = unescape_newlines(key);
        let mut secrets = vec![token.to_owned(), key.to_owned()];
        if !token.is_empty() {
            secrets.push(format!("Basic {token}"));
        }
        secrets.extend(unescaped.lines().map(|line| line.trim().to_owned()));
        secrets.push(unescaped);
        secrets
    }
}

/// The value of the environment variable `name` in `vars`, if it is set and not empty.
pub fn env_var<'a>(vars: &'a [(String, String)], name: &str) -> Option<&'a str> {
    vars.iter()
        .find(|(key, value)| key == name && !value.is_empty())
        .map(|(_, value)| value.as_str())
}

/// Where ToolJet is and how to reach it.
#[derive(Debug, Clone)]
pub struct Connection {
    /// The instance's base URL, sub path included, always ending in `/`.
    pub base_url: Url,
    pub access_token: String,
    /// Per attempt, from sending the request to the end of the answer.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Extra trusted roots (PEM), for a private CA.
    pub ca_certificates: Option<Vec<u8>>,
    pub skip_tls_verify: bool,
}

/// How many times, and for how long in all, to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryBudget {
    pub retries: u32,
    pub total: Duration,
}

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

/// The workspace names are looked up in: `organization-id`, or `workspace` by name or id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkspaceRef {
    Id(String),
    Name(String),
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

/// Everything one run needs, validated.
#[derive(Debug, Clone)]
pub struct Config {
    pub connection: Connection,
    pub budget: RetryBudget,
    pub operation: Operation,
    pub if_exists: IfExists,
    pub if_saved: IfSaved,
    /// Zero for no heartbeat.
    pub heartbeat: Duration,
    /// The apps an app-level operation runs for; `operation` is then the template.
    pub apps: Vec<AppRef>,
    pub workspace: Option<WorkspaceRef>,
    /// Apps handled at once.
    pub max_parallel: usize,
    /// Start no further app once one has failed.
    pub fail_fast: bool,
    /// Check, resolve and print the requests; send nothing that changes ToolJet.
    pub dry_run: bool,
}

impl Config {
    /// Validates the raw inputs: every problem found here is reported before any network call.
    pub fn from_raw(raw: &RawInputs, context: &RunContext) -> Result<Self, InputError> {
        let kind = parse_operation(&raw.operation)?;
        let allow_insecure_http = parse_bool(&raw.allow_insecure_http, "allow-insecure-http")?;
        let connection = Connection {
            base_url: parse_base_url(&raw.tooljet_url, allow_insecure_http)?,
            access_token: parse_token(&raw.access_token)?,
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
        let workspace = match (
            segment(&raw.organization_id, "organization-id")?,
            segment(&raw.workspace, "workspace")?,
        ) {
            (Some(id), _) => Some(WorkspaceRef::Id(id.to_owned())),
            (None, Some(w)) if is_uuid(w) => Some(WorkspaceRef::Id(w.to_owned())),
            (None, Some(name)) => Some(WorkspaceRef::Name(name.to_owned())),
            (None, None) => None,
        };
        let apps = parse_apps(raw, kind, &workspace)?;
        let operation = parse_operation_inputs(kind, raw, context)?;
        if apps.len() > 1 && given(&raw.version_id).is_some() {
            return Err(InputError::new(
                "version-id",
                "names one app's version, but several apps were given: use `version-name` instead",
            ));
        }
        Ok(Self {
            connection,
            budget,
            operation,
            if_exists,
            if_saved,
            apps,
            workspace,
            max_parallel: parse_whole(
                &raw.max_parallel,
                "max-parallel",
                DEFAULT_MAX_PARALLEL,
                1..=MAX_PARALLEL,
            )? as usize,
            fail_fast: parse_bool(&raw.fail_fast, "fail-fast")?,
            dry_run: parse_bool(&raw.dry_run, "dry-run")?,
            heartbeat: Duration::from_secs(parse_whole(
                &raw.heartbeat_seconds,
                "heartbeat-seconds",
                DEFAULT_HEARTBEAT_SECONDS,
                0..=MAX_SECONDS,
            )?),
        })
    }
}

fn given(value: &str) -> Option<&str> {
    let value = value.trim();
    (!value.is_empty()).then_some(value)
}

fn required(value: &str, input: &'static str, kind: OperationKind) -> Result<String, InputError> {
    given(value)
        .map(str::to_owned)
        .ok_or_else(|| InputError::missing(input, kind))
}

fn parse_operation(value: &str) -> Result<OperationKind, InputError> {
    let choices = OperationKind::ALL.map(OperationKind::as_str).join(", ");
    let value = given(value).ok_or_else(|| {
        InputError::new(
            "operation",
            format!("is required; choose one of: {choices}"),
        )
    })?;
    value.parse().map_err(|_| {
        InputError::new(
            "operation",
            format!("has an unknown value {value:?}; choose one of: {choices}"),
        )
    })
}

fn parse_base_url(value: &str, allow_insecure_http: bool) -> Result<Url, InputError> {
    const INPUT: &str = "tooljet-url";
    let value = given(value).ok_or_else(|| {
        InputError::new(
            INPUT,
            "is required (or set the TOOLJET_HOST environment variable), e.g. https://tooljet.example.com",
        )
    })?;
    let mut url = Url::parse(value).map_err(|err| {
        InputError::new(
            INPUT,
            format!("is not a valid URL ({err}); expected e.g. https://tooljet.example.com"),
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(InputError::new(
            INPUT,
            "must be an http:// or https:// URL with a host name",
        ));
    }
    if url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(InputError::new(
            INPUT,
            "must be the instance's base URL only, without credentials, query or fragment",
        ));
    }
    let path = url.path().trim_end_matches('/').to_owned();
    if path.ends_with("/api") || path.ends_with("/api/ext") {
        return Err(InputError::new(
            INPUT,
            format!(
                "must be the instance's base URL, without the API path: drop {path:?}'s trailing /api"
            ),
        ));
    }
    if url.scheme() == "http" && !allow_insecure_http && !is_loopback(&url) {
        return Err(InputError::new(
            INPUT,
            "uses plain http:// to a host that is not this machine, which would send the token unencrypted: \
             use https://, or set `allow-insecure-http: true` for a trusted private network",
        ));
    }
    url.set_path(&format!("{path}/"));
    Ok(url)
}

fn is_loopback(url: &Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn parse_token(value: &str) -> Result<String, InputError> {
    const INPUT: &str = "access-token";
    let token = given(value).ok_or_else(|| {
        InputError::new(
            INPUT,
            "is required (or set the TOOLJET_ACCESS_TOKEN environment variable): ToolJet's EXTERNAL_API_ACCESS_TOKEN",
        )
    })?;
    if token.len() >= 6 && token[..6].eq_ignore_ascii_case("basic ") {
        return Err(InputError::new(
            INPUT,
            "must be the token alone, without the \"Basic \" prefix",
        ));
    }
    if !token.bytes().all(|byte| byte.is_ascii_graphic()) {
        return Err(InputError::new(
            INPUT,
            "contains spaces, line breaks or non-ASCII characters; ToolJet tokens are one word of printable ASCII",
        ));
    }
    Ok(token.to_owned())
}

/// A whole number in `range`, or `default` when not given.
fn parse_whole(
    value: &str,
    input: &'static str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, InputError> {
    let Some(value) = given(value) else {
        return Ok(default);
    };
    value
        .parse::<u64>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            InputError::new(
                input,
                format!(
                    "must be a whole number from {} to {}, got {value:?}",
                    range.start(),
                    range.end()
                ),
            )
        })
}

fn parse_seconds(value: &str, input: &'static str, default: u64) -> Result<Duration, InputError> {
    parse_whole(value, input, default, 1..=MAX_SECONDS).map(Duration::from_secs)
}

/// Booleans as the Actions toolkit reads them (YAML 1.2 core schema): empty means false.
fn parse_bool(value: &str, input: &'static str) -> Result<bool, InputError> {
    match value.trim() {
        "" | "false" | "False" | "FALSE" => Ok(false),
        "true" | "True" | "TRUE" => Ok(true),
        other => Err(InputError::new(
            input,
            format!("must be true or false, got {other:?}"),
        )),
    }
}

/// One of a fixed set of words; empty means the first.
fn parse_choice<T: Copy>(
    value: &str,
    input: &'static str,
    choices: &[(&str, T)],
) -> Result<T, InputError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(choices[0].1);
    }
    choices
        .iter()
        .find(|(word, _)| word.eq_ignore_ascii_case(value))
        .map(|(_, choice)| *choice)
        .ok_or_else(|| {
            let words: Vec<&str> = choices.iter().map(|(word, _)| *word).collect();
            InputError::new(
                input,
                format!("must be one of {}, got {value:?}", words.join(", ")),
            )
        })
}

/// PEM text, or the path of a PEM file (relative paths are in the workspace).
fn parse_ca_certificate(value: &str, context: &RunContext) -> Result<Option<Vec<u8>>, InputError> {
    const INPUT: &str = "ca-certificate";
    let Some(value) = given(value) else {
        return Ok(None);
    };
    let pem = if value.contains("-----BEGIN") {
        value.as_bytes().to_vec()
    } else {
        let path = std::path::Path::new(value);
        let path = match (&context.workspace, path.is_relative()) {
            (Some(workspace), true) => workspace.join(path),
            _ => path.to_owned(),
        };
        std::fs::read(&path).map_err(|err| {
            InputError::new(
                INPUT,
                format!(
                    "is neither PEM text nor a readable file: {}: {err}",
                    path.display()
                ),
            )
        })?
    };
    let text = String::from_utf8_lossy(&pem);
    if !text.contains("-----BEGIN CERTIFICATE-----") {
        return Err(InputError::new(
            INPUT,
            "holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
        ));
    }
    if let Err(err) = reqwest::Certificate::from_pem_bundle(&pem) {
        return Err(InputError::new(
            INPUT,
            format!("holds a certificate that cannot be parsed: {err}"),
        ));
    }
    Ok(Some(pem))
}

/// One value per line, trimmed, empty lines dropped (the toolkit's `getMultilineInput`).
fn lines(value: &str) -> Vec<String> {
    value
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The apps an app-level operation runs for: ids first, then names, in the order given.
fn parse_apps(
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
fn segment<'a>(value: &'a str, input: &'static str) -> Result<Option<&'a str>, InputError> {
    match given(value) {
        Some(value) if !is_one_segment(value) => Err(not_one_segment(input, value)),
        given => Ok(given),
    }
}

pub fn is_uuid(value: &str) -> bool {
    let groups: Vec<&str> = value.split('-').collect();
    groups.iter().map(|group| group.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|group| group.bytes().all(|byte| byte.is_ascii_hexdigit()))
}

/// ToolJet's own rules for a saved version's name (`SaveVersionBodyDto`), checked up front.
fn parse_version_name(value: &str) -> Result<Option<String>, InputError> {
    const INPUT: &str = "version-name";
    let Some(name) = given(value) else {
        return Ok(None);
    };
    if name.chars().count() > 25 {
        return Err(InputError::new(
            INPUT,
            format!(
                "must be at most 25 characters, got {}",
                name.chars().count()
            ),
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| c.is_whitespace() || "~^:?*[]\\@{".contains(*c))
    {
        return Err(InputError::new(
            INPUT,
            format!(
                "contains {bad:?}; ToolJet version names cannot contain spaces or any of ~ ^ : ? * [ ] \\ @ {{"
            ),
        ));
    }
    Ok(Some(name.to_owned()))
}

fn parse_https_url(value: &str, input: &'static str) -> Result<Option<String>, InputError> {
    let Some(value) = given(value) else {
        return Ok(None);
    };
    match Url::parse(value) {
        Ok(url) if matches!(url.scheme(), "https" | "http") && url.host_str().is_some() => {
            Ok(Some(value.to_owned()))
        }
        _ => Err(InputError::new(
            input,
            format!("must be a full http(s) URL, got {value:?}"),
        )),
    }
}

fn parse_operation_inputs(
    kind: OperationKind,
    raw: &RawInputs,
    context: &RunContext,
) -> Result<Operation, InputError> {
    // The app is filled in per app later (see `Config::apps`); `parse_apps` checks the inputs.
    let app_id = || Ok::<_, InputError>(String::new());
    Ok(match kind {
        OperationKind::ConfigureGit => Operation::ConfigureGit(parse_git_config(raw)?),
        OperationKind::Push => Operation::Push {
            app_id: app_id()?,
            version: match (
                segment(&raw.version_id, "version-id")?,
                segment(&raw.version_name, "version-name")?,
            ) {
                (Some(id), _) => id.to_owned(),
                // ToolJet resolves the version segment by id or by name.
                (None, Some(name)) => name.to_owned(),
                (None, None) => {
                    return Err(InputError::new(
                        "version-id",
                        "is required for `push` (or give `version-name`): the app version to push",
                    ));
                }
            },
            commit_message: given(&raw.commit_message)
                .map(str::to_owned)
                .unwrap_or_else(|| context.default_commit_message()),
        },
        OperationKind::Create => Operation::Create {
            organization_id: required(&raw.organization_id, "organization-id", kind)?,
            git_app: match (given(&raw.git_app_id), given(&raw.git_app_name)) {
                (Some(id), name) => GitApp {
                    id: Some(id.to_owned()),
                    name: name.map(str::to_owned),
                },
                (None, Some(name)) => GitApp {
                    id: None,
                    name: Some(name.to_owned()),
                },
                (None, None) => {
                    return Err(InputError::new(
                        "git-app-name",
                        "or `git-app-id` is required for `create`: which app in the repository to import",
                    ));
                }
            },
            branch: given(&raw.git_branch).map(str::to_owned),
        },
        OperationKind::Pull => Operation::Pull {
            app_id: app_id()?,
            branch: given(&raw.git_branch).map(str::to_owned),
        },
        OperationKind::SaveVersion => Operation::SaveVersion {
            app_id: app_id()?,
            name: parse_version_name(&raw.version_name)?,
        },
        OperationKind::Release => Operation::Release {
            app_id: app_id()?,
            target: match (given(&raw.version_id), given(&raw.version_name)) {
                (Some(_), Some(_)) => {
                    return Err(InputError::new(
                        "version-id",
                        "and `version-name` were both given for `release`; give one of them, or neither to release the latest git tag",
                    ));
                }
                (Some(id), None) => ReleaseTarget::VersionId(id.to_owned()),
                (None, Some(name)) => ReleaseTarget::VersionName(name.to_owned()),
                (None, None) => ReleaseTarget::LatestTag,
            },
        },
        OperationKind::Promote => Operation::Promote { app_id: app_id()? },
    })
}

fn parse_git_config(raw: &RawInputs) -> Result<GitConfig, InputError> {
    const KIND: OperationKind = OperationKind::ConfigureGit;
    let git_url = required(&raw.git_url, "git-url", KIND)?;
    if !git_url.starts_with("https://") {
        return Err(InputError::new(
            "git-url",
            format!(
                "must be the repository's HTTPS URL, e.g. https://github.com/owner/repo.git, got {git_url:?} \
                 (the API only configures GitHub App over HTTPS; SSH and GitLab are set up in ToolJet's UI)"
            ),
        ));
    }
    Ok(GitConfig {
        organization_id: required(&raw.organization_id, "organization-id", KIND)?,
        git_url,
        branch_name: required(&raw.branch_name, "branch-name", KIND)?,
        github_app_id: required(&raw.github_app_id, "github-app-id", KIND)?,
        github_app_installation_id: required(
            &raw.github_app_installation_id,
            "github-app-installation-id",
            KIND,
        )?,
        github_app_private_key: parse_private_key(&raw.github_app_private_key)?,
        github_enterprise_url: parse_https_url(
            &raw.github_enterprise_url,
            "github-enterprise-url",
        )?,
        github_enterprise_api_url: parse_https_url(
            &raw.github_enterprise_api_url,
            "github-enterprise-api-url",
        )?,
    })
}

/// A key pasted with literal `\n` escapes (common when it was stored as one line) gets real
/// newlines back: ToolJet's PEM parser rejects the escaped form.
fn unescape_newlines(key: &str) -> String {
    if key.contains('\n') {
        key.to_owned()
    } else {
        key.replace("\\r\\n", "\n").replace("\\n", "\n")
    }
}

fn parse_private_key(value: &str) -> Result<String, InputError> {
    const INPUT: &str = "github-app-private-key";
    let key = unescape_newlines(&required(value, INPUT, OperationKind::ConfigureGit)?);
    let is_pem = key.starts_with("-----BEGIN ")
        && key.contains("PRIVATE KEY-----")
        && key.contains("-----END ");
    if !is_pem {
        // Never echo the value: it is a secret even when malformed.
        return Err(InputError::new(
            INPUT,
            "is not a PEM private key: expected the GitHub App's .pem file contents, from -----BEGIN ... PRIVATE KEY----- to -----END ... PRIVATE KEY-----",
        ));
    }
    Ok(key)
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
                access_token: "t".into(),
                ..raw
            },
            &RunContext::default(),
        )
        .unwrap();
        let default = |name: &str| {
            crate::help::entries("inputs")
                .into_iter()
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
            (config.if_exists, default("if-exists").as_str()),
            (IfExists::Fail, "fail")
        );
        assert_eq!(
            (config.if_saved, default("if-saved").as_str()),
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
            (raw.tooljet_url.as_str(), raw.access_token.as_str()),
            ("https://h.example.com", "t")
        );
    }

    #[test]
    fn base_url_keeps_its_sub_path_and_gains_a_trailing_slash() {
        assert_eq!(
            parse_base_url("https://h.example.com/tooljet", false)
                .unwrap()
                .as_str(),
            "https://h.example.com/tooljet/"
        );
        assert_eq!(
            parse_base_url("https://h.example.com//", false)
                .unwrap()
                .as_str(),
            "https://h.example.com/"
        );
    }

    #[test]
    fn base_url_with_the_api_path_is_refused() {
        assert_eq!(
            parse_base_url("https://h.example.com/api/", false)
                .unwrap_err()
                .input,
            "tooljet-url"
        );
    }

    #[test]
    fn token_with_basic_prefix_is_refused_without_echoing_it() {
        let err = parse_token("Basic s3cret").unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
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
    fn version_name_follows_tooljets_rules() {
        assert!(parse_version_name("v1.2.0").unwrap().is_some());
        assert!(parse_version_name("has space").is_err());
        assert!(parse_version_name("a@b").is_err());
        assert!(parse_version_name(&"x".repeat(26)).is_err());
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

    #[test]
    fn escaped_private_key_gets_real_newlines() {
        let key = parse_private_key(
            "-----BEGIN RSA PRIVATE KEY-----\\nabc\\n-----END RSA PRIVATE KEY-----",
        )
        .unwrap();
        assert_eq!(key.lines().count(), 3);
    }
}
