//! What the process was started with: its environment variables, and the facts about the
//! workflow run they carry (the default commit message, the summary's links, where relative
//! paths in inputs point). Below every module that reads them.

/// The value of the environment variable `name` in `vars`, if it is set and not empty.
pub fn env_var<'a>(vars: &'a [(String, String)], name: &str) -> Option<&'a str> {
    vars.iter()
        .find(|(key, value)| key == name && !value.is_empty())
        .map(|(_, value)| value.as_str())
}

/// Facts about the workflow run, used for the default commit message and the summary.
#[derive(Debug, Clone, Default)]
pub struct RunContext {
    pub repository: Option<String>,
    pub sha: Option<String>,
    pub run_id: Option<String>,
    pub server_url: Option<String>,
    /// Where relative paths in inputs point: GITHUB_WORKSPACE, else the working directory.
    pub workspace: Option<std::path::PathBuf>,
}

impl RunContext {
    pub fn from_vars(vars: &[(String, String)]) -> Self {
        let get = |name: &str| {
            env_var(vars, name)
                .map(str::trim)
                .filter(|value| !value.is_empty())
                .map(str::to_owned)
        };
        Self {
            repository: get("GITHUB_REPOSITORY"),
            sha: get("GITHUB_SHA"),
            run_id: get("GITHUB_RUN_ID"),
            server_url: get("GITHUB_SERVER_URL"),
            workspace: get("GITHUB_WORKSPACE").map(Into::into),
        }
    }

    /// Where a path given in an input points: relative paths are in the workspace
    /// (GITHUB_WORKSPACE), else in the working directory.
    pub fn path_of(&self, path: &str) -> std::path::PathBuf {
        match &self.workspace {
            Some(workspace) => workspace.join(path),
            None => std::path::PathBuf::from(path),
        }
    }

    /// The link to the workflow run, when running on GitHub.
    pub fn run_url(&self) -> Option<String> {
        let (repository, run_id) = (self.repository.as_ref()?, self.run_id.as_ref()?);
        let server = self.server_url.as_deref().unwrap_or("https://github.com");
        Some(format!("{server}/{repository}/actions/runs/{run_id}"))
    }

    /// The link to the commit that triggered the run.
    pub fn commit_url(&self) -> Option<String> {
        let (repository, sha) = (self.repository.as_ref()?, self.sha.as_ref()?);
        let server = self.server_url.as_deref().unwrap_or("https://github.com");
        Some(format!("{server}/{repository}/commit/{sha}"))
    }

    /// The commit message used for `push` when `commit-message` is empty.
    pub fn default_commit_message(&self) -> String {
        match (&self.repository, &self.sha) {
            (Some(repository), Some(sha)) => {
                let short: String = sha.chars().take(7).collect();
                let mut message = format!("Sync from {repository}@{short}");
                if let Some(url) = self.run_url() {
                    message.push_str(&format!(" (GitHub Actions run {url})"));
                }
                message
            }
            _ => "Sync from CI with tooljet-gitsync-action".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_commit_message_names_repository_commit_and_run() {
        let context = RunContext {
            repository: Some("octo/apps".into()),
            sha: Some("0123456789abcdef".into()),
            run_id: Some("42".into()),
            server_url: Some("https://github.com".into()),
            workspace: None,
        };
        assert_eq!(
            context.default_commit_message(),
            "Sync from octo/apps@0123456 (GitHub Actions run https://github.com/octo/apps/actions/runs/42)"
        );
    }
}
