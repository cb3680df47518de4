//! The operation and the inputs each one takes: versions, git apps, the GitHub App.

use reqwest::Url;

use super::apps::segment;
use super::values::{closest, given, required};
use super::{InputError, RawInputs};
use crate::desired::DeployVersion;
use crate::environment::RunContext;
use crate::operation::{GitApp, GitConfig, Operation, OperationKind, ReleaseTarget};
use crate::redact::Secret;
use crate::tooljet::is_uuid;

pub(super) fn parse_operation(value: &str) -> Result<OperationKind, InputError> {
    let choices = OperationKind::ALL.map(OperationKind::as_str).join(", ");
    let value = given(value).ok_or_else(|| {
        InputError::new(
            "operation",
            format!("is required; choose one of: {choices}"),
        )
    })?;
    value.parse().map_err(|_| {
        let lower = value.to_lowercase();
        let guess = closest(&lower, OperationKind::ALL.map(|kind| (kind.as_str(), kind)))
            .map(|kind| format!(" did you mean `{kind}`?"))
            .unwrap_or_default();
        InputError::new(
            "operation",
            format!("has an unknown value {value:?};{guess} Choose one of: {choices}"),
        )
    })
}

/// What breaks ToolJet's own rules for a saved version's name (`SaveVersionBodyDto`), in words
/// that never repeat the name.
pub(super) fn version_name_problem(name: &str) -> Option<String> {
    if name.chars().count() > 25 {
        return Some(format!(
            "must be at most 25 characters, got {}",
            name.chars().count()
        ));
    }
    name.chars()
        .find(|c| c.is_whitespace() || "~^:?*[]\\@{".contains(*c))
        .map(|bad| {
            format!(
                "contains {bad:?}; ToolJet version names cannot contain spaces or any of ~ ^ : ? * [ ] \\ @ {{"
            )
        })
}

/// ToolJet's own rules for a saved version's name, checked up front.
fn parse_version_name(value: &str) -> Result<Option<String>, InputError> {
    let Some(name) = given(value) else {
        return Ok(None);
    };
    match version_name_problem(name) {
        Some(problem) => Err(InputError::new("version-name", problem)),
        None => Ok(Some(name.to_owned())),
    }
}

/// Deploy's version: a name, or one of ToolJet's tags (the name is then taken from it).
pub(super) fn parse_deploy_version(raw: &RawInputs) -> Result<DeployVersion, InputError> {
    match (parse_version_name(&raw.version_name)?, given(&raw.git_tag)) {
        (Some(_), Some(_)) => Err(InputError::new(
            "version-name",
            "and `git-tag` were both given for `deploy`: give one, the version's name or the tag that \
             saving it made",
        )),
        (Some(name), None) => Ok(DeployVersion::Name(name)),
        (None, Some(tag)) => parse_git_tag(tag),
        (None, None) => Err(InputError::new(
            "version-name",
            "(or `git-tag`) is required for `deploy`: the version to make live",
        )),
    }
}

/// One of the tags ToolJet makes when a version is saved, `<app co_relation_id>/<version
/// name>`: `refs/tags/` is dropped, the name checked by ToolJet's rules for version names.
fn parse_git_tag(tag: &str) -> Result<DeployVersion, InputError> {
    const INPUT: &str = "git-tag";
    let tag = tag.strip_prefix("refs/tags/").unwrap_or(tag);
    let not_a_tag = || {
        InputError::new(
            INPUT,
            format!(
                "must be one of ToolJet's version tags, `<app uuid>/<version name>` as saving a version \
                 makes them (`${{{{ github.ref_name }}}}` in a workflow on that tag's push), got {tag:?}"
            ),
        )
    };
    let (_, name) = tag
        .split_once('/')
        .filter(|(uuid, _)| is_uuid(uuid))
        .ok_or_else(not_a_tag)?;
    match parse_version_name(name) {
        Ok(Some(name)) => Ok(DeployVersion::Tag {
            tag: tag.to_owned(),
            name,
        }),
        Ok(None) => Err(not_a_tag()),
        Err(err) => Err(InputError::new(
            INPUT,
            format!("holds a version name that {}", err.problem),
        )),
    }
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

/// The one-request operation `kind` names, its app filled in per app later (`parse_apps` checks
/// the app inputs); `None` for `deploy`, `check` and `apply`, which are programs of their own,
/// and `diff`, which sends nothing.
pub(super) fn parse_operation_inputs(
    kind: OperationKind,
    raw: &RawInputs,
    context: &RunContext,
) -> Result<Option<Operation>, InputError> {
    let app_id = || Ok::<_, InputError>(String::new());
    Ok(Some(match kind {
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
            // Else the workspace given by name, looked up before anything is sent.
            organization_id: given(&raw.organization_id).unwrap_or_default().to_owned(),
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
        OperationKind::Deploy
        | OperationKind::Check
        | OperationKind::Apply
        | OperationKind::Diff => return Ok(None),
    }))
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
        // Else the workspace given by name, looked up before anything is sent.
        organization_id: given(&raw.organization_id).unwrap_or_default().to_owned(),
        git_url,
        branch_name: required(&raw.branch_name, "branch-name", KIND)?,
        github_app_id: required(&raw.github_app_id, "github-app-id", KIND)?,
        github_app_installation_id: required(
            &raw.github_app_installation_id,
            "github-app-installation-id",
            KIND,
        )?,
        github_app_private_key: parse_private_key(raw.github_app_private_key.expose())?,
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
pub(super) fn unescape_newlines(key: &str) -> String {
    if key.contains('\n') {
        key.to_owned()
    } else {
        key.replace("\\r\\n", "\n").replace("\\n", "\n")
    }
}

fn parse_private_key(value: &str) -> Result<Secret, InputError> {
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
    Ok(Secret::new(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_likely_typo_of_an_operation_gets_did_you_mean() {
        let err = parse_operation("pusg").unwrap_err();
        assert!(err.problem.contains("; did you mean `push`?"), "{err}");
        let err = parse_operation("save_version").unwrap_err();
        assert!(
            err.problem.contains("; did you mean `save-version`?"),
            "{err}"
        );
        let err = parse_operation("rollout").unwrap_err();
        assert!(!err.problem.contains("did you mean"), "{err}");
    }

    #[test]
    fn a_git_tag_gives_its_version_name() {
        let tag = "3f0c1d2e-0000-4000-8000-00000000a1e9/v3";
        assert_eq!(
            parse_git_tag(&format!("refs/tags/{tag}")),
            Ok(DeployVersion::Tag {
                tag: tag.to_owned(),
                name: "v3".to_owned()
            })
        );
    }

    #[test]
    fn a_git_tag_not_in_tooljets_form_is_refused_naming_the_form() {
        for bad in [
            "v3",
            "release/v3",
            "3f0c1d2e-0000-4000-8000-00000000a1e9/",
            "3f0c1d2e-0000-4000-8000-00000000a1e9/has space",
        ] {
            let err = parse_git_tag(bad).unwrap_err();
            assert_eq!(err.input, "git-tag", "{bad}");
        }
        assert!(
            parse_git_tag("v3")
                .unwrap_err()
                .problem
                .contains("`<app uuid>/<version name>`")
        );
    }

    #[test]
    fn version_name_follows_tooljets_rules() {
        assert!(parse_version_name("v1.2.0").unwrap().is_some());
        assert!(parse_version_name("has space").is_err());
        assert!(parse_version_name("a@b").is_err());
        assert!(parse_version_name(&"x".repeat(26)).is_err());
    }

    #[test]
    fn escaped_private_key_gets_real_newlines() {
        let key = parse_private_key(
            "-----BEGIN RSA PRIVATE KEY-----\\nabc\\n-----END RSA PRIVATE KEY-----",
        )
        .unwrap();
        assert_eq!(key.expose().lines().count(), 3);
    }
}
