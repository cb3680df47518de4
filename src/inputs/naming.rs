//! Who runs the action, and so how a person names its inputs there: a `with:` input on GitHub,
//! a template input in GitLab CI, a camelCase argument of the Jenkins step, a flag or an
//! `INPUT_` variable in a shell. Every message names inputs in backticks as action.yml does
//! (`app-name`, `version-name: v3`); [`Naming::rewrite`] turns them into the caller's words.

use crate::declared::{entries, variable};
use crate::environment::env_var;

/// Set by the GitLab CI template and the Jenkins step, so that errors name their inputs.
pub const CALLER_VARIABLE: &str = "TOOLJET_GITSYNC_CALLER";

/// Who runs the binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// A `uses:` step: inputs under `with:`.
    GitHub,
    /// `templates/tooljet-gitsync.yml`: template inputs of the same names.
    GitLabTemplate,
    /// `vars/toolJetGitSync.groovy`: the inputs' names in camelCase.
    JenkinsStep,
    /// A shell: flags, or `INPUT_` variables.
    Shell,
}

impl Caller {
    pub fn from_vars(vars: &[(String, String)]) -> Self {
        match env_var(vars, CALLER_VARIABLE) {
            Some("gitlab-template") => Self::GitLabTemplate,
            Some("jenkins-step") => Self::JenkinsStep,
            _ if env_var(vars, "GITHUB_ACTIONS") == Some("true") => Self::GitHub,
            _ => Self::Shell,
        }
    }
}

/// How this run's caller names each input.
#[derive(Debug, Clone)]
pub struct Naming {
    caller: Caller,
    /// In a shell: the inputs given as flags, and whether flags were used at all.
    flags: Vec<&'static str>,
    uses_flags: bool,
    /// In a shell: the variable each input given as a variable was set by.
    variables: Vec<(&'static str, String)>,
}

impl Default for Naming {
    fn default() -> Self {
        Self::of(Caller::GitHub)
    }
}

/// `app-name` -> `appName`.
pub fn camel_case(input: &str) -> String {
    let mut camel = String::with_capacity(input.len());
    let mut upper = false;
    for c in input.chars() {
        match c {
            '-' => upper = true,
            c if upper => {
                camel.extend(c.to_uppercase());
                upper = false;
            }
            c => camel.push(c),
        }
    }
    camel
}

/// `app-name` -> `INPUT_APP_NAME`, as a shell or GitLab can set it.
pub fn shell_variable(input: &str) -> String {
    variable(input).replace('-', "_")
}

impl Naming {
    /// Before anything says how the inputs came: flags for a shell, as an error about a flag is
    /// about the command line.
    pub fn of(caller: Caller) -> Self {
        Self {
            caller,
            flags: Vec::new(),
            uses_flags: true,
            variables: Vec::new(),
        }
    }

    /// How the inputs came in this run: `from_flags` are the `INPUT_` names the command line set.
    pub fn new(caller: Caller, vars: &[(String, String)], from_flags: &[(String, String)]) -> Self {
        let mut flags = Vec::new();
        let mut variables = Vec::new();
        for input in entries("inputs") {
            let runner = variable(input.name);
            if from_flags.iter().any(|(name, _)| *name == runner) {
                flags.push(input.name);
            } else if let Some(set) = [runner.clone(), shell_variable(input.name)]
                .into_iter()
                .find(|name| env_var(vars, name).is_some())
            {
                variables.push((input.name, set));
            } else if let Some((_, fallback)) = super::FALLBACKS
                .into_iter()
                .find(|(with, fallback)| *with == input.name && env_var(vars, fallback).is_some())
            {
                // Given by the variable that stands in for it: that is what to fix.
                variables.push((input.name, fallback.to_owned()));
            }
        }
        Self {
            caller,
            flags,
            uses_flags: !from_flags.is_empty(),
            variables,
        }
    }

    pub fn caller(&self) -> Caller {
        self.caller
    }

    fn by_flag(&self, input: &str) -> bool {
        self.flags.contains(&input)
            || (self.uses_flags && !self.variables.iter().any(|(given, _)| *given == input))
    }

    /// The input as this caller names it.
    pub fn name(&self, input: &str) -> String {
        match (self.caller, input) {
            (Caller::GitHub | Caller::GitLabTemplate, _) => input.to_owned(),
            (Caller::JenkinsStep, "access-token") => "credentialsId".to_owned(),
            (Caller::JenkinsStep, "github-app-private-key") => {
                "githubAppPrivateKeyCredentialsId".to_owned()
            }
            (Caller::JenkinsStep, _) => camel_case(input),
            (Caller::Shell, "access-token" | "github-app-private-key") if self.by_flag(input) => {
                format!("--{input}-file")
            }
            (Caller::Shell, _) if self.by_flag(input) => format!("--{input}"),
            (Caller::Shell, _) => self
                .variables
                .iter()
                .find(|(given, _)| *given == input)
                .map_or_else(|| shell_variable(input), |(_, set)| set.clone()),
        }
    }

    /// The word for what an input is to this caller.
    fn noun(&self, input: &str) -> &'static str {
        match self.caller {
            Caller::GitHub | Caller::GitLabTemplate => "input",
            Caller::JenkinsStep => "argument",
            Caller::Shell if self.by_flag(input) => "flag",
            Caller::Shell => "variable",
        }
    }

    /// `input: value` as this caller writes it.
    fn setting(&self, input: &str, value: &str) -> String {
        match self.caller {
            Caller::GitHub | Caller::GitLabTemplate => format!("{input}: {value}"),
            Caller::JenkinsStep => format!("{}: '{value}'", camel_case(input)),
            Caller::Shell if self.by_flag(input) => format!("--{input} {value}"),
            Caller::Shell => format!("{}={value}", self.name(input)),
        }
    }

    /// How to set `input`, for an error that says it is missing or wrong; empty on GitHub,
    /// where the error's own words (`with:` inputs) are enough.
    pub fn how_to_set(&self, input: &str) -> String {
        match (self.caller, input) {
            (Caller::GitHub, _) => String::new(),
            (Caller::GitLabTemplate, "access-token") => {
                "Set the masked CI/CD variable TOOLJET_ACCESS_TOKEN".to_owned()
            }
            (Caller::GitLabTemplate, "github-app-private-key") => {
                "Set the masked CI/CD variable INPUT_GITHUB_APP_PRIVATE_KEY".to_owned()
            }
            (Caller::GitLabTemplate, _) => format!(
                "Set the template input `{input}` (or the CI/CD variable {})",
                shell_variable(input)
            ),
            (Caller::JenkinsStep, "access-token") => {
                "Give the step `credentialsId:`, the id of a Secret text credential".to_owned()
            }
            (Caller::JenkinsStep, "github-app-private-key") => {
                "Give the step `githubAppPrivateKeyCredentialsId:`, the id of a Secret text \
                 credential"
                    .to_owned()
            }
            (Caller::JenkinsStep, _) => format!("Give the step `{}:`", camel_case(input)),
            (Caller::Shell, "access-token") if self.by_flag(input) => {
                "Set the TOOLJET_ACCESS_TOKEN variable, or give --access-token-file <path>"
                    .to_owned()
            }
            (Caller::Shell, "access-token") => "Set the TOOLJET_ACCESS_TOKEN variable".to_owned(),
            (Caller::Shell, "github-app-private-key") if self.by_flag(input) => {
                "Set the INPUT_GITHUB_APP_PRIVATE_KEY variable, or give \
                 --github-app-private-key-file <path>"
                    .to_owned()
            }
            (Caller::Shell, "tooljet-url") if self.by_flag(input) => {
                "Set it with --tooljet-url <url>, or the TOOLJET_HOST variable".to_owned()
            }
            (Caller::Shell, _) if self.by_flag(input) => format!("Set it with --{input} <value>"),
            (Caller::Shell, _) => format!("Set the variable {}", shell_variable(input)),
        }
    }

    /// How to set several inputs an error names at once.
    pub fn how_to_set_each(&self) -> String {
        match self.caller {
            Caller::GitHub => String::new(),
            Caller::GitLabTemplate => "Set each as the template input of that name".to_owned(),
            Caller::JenkinsStep => "Give the step each as its camelCase argument".to_owned(),
            Caller::Shell if self.uses_flags => "Set each with --<input> <value>".to_owned(),
            Caller::Shell => {
                "Set each as the variable INPUT_<INPUT>, in upper case with underscores".to_owned()
            }
        }
    }

    /// `text` with every input it names in backticks (`app-name`, `version-name: v3`, and the
    /// word "input" before one) named as this caller names it. On GitHub, `text` itself.
    pub fn rewrite(&self, text: &str) -> String {
        if self.caller == Caller::GitHub {
            return text.to_owned();
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some((before, opened)) = rest.split_once('`') {
            let Some((span, after)) = opened.split_once('`') else {
                break;
            };
            match self.named(span) {
                Some((noun, named)) => match before.strip_suffix("input ") {
                    Some(lead) => out.push_str(&format!("{lead}{noun} `{named}`")),
                    None => out.push_str(&format!("{before}`{named}`")),
                },
                None => out.push_str(&format!("{before}`{span}`")),
            }
            rest = after;
        }
        out.push_str(rest);
        out
    }

    /// A backticked span that names an input (`app-name`, or `version-name: v3`), as this caller
    /// names it, with the word for what an input is here.
    fn named(&self, span: &str) -> Option<(&'static str, String)> {
        let (input, value) = match span.split_once(": ") {
            Some((input, value)) => (input, Some(value)),
            None => (span, None),
        };
        let input = entries("inputs")
            .iter()
            .find(|declared| declared.name == input)?
            .name;
        let named = match value {
            Some(value) => self.setting(input, value),
            None => self.name(input),
        };
        Some((self.noun(input), named))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    const ERROR: &str = "input `tooljet-url` is missing; set `version-name: v3` and `git-tag`";

    #[test]
    fn each_caller_reads_the_inputs_named_its_own_way() {
        let cases = [
            (Caller::GitHub, ERROR),
            (
                Caller::GitLabTemplate,
                "input `tooljet-url` is missing; set `version-name: v3` and `git-tag`",
            ),
            (
                Caller::JenkinsStep,
                "argument `tooljetUrl` is missing; set `versionName: 'v3'` and `gitTag`",
            ),
        ];
        for (caller, expected) in cases {
            assert_eq!(Naming::of(caller).rewrite(ERROR), expected, "{caller:?}");
        }
    }

    #[test]
    fn a_shell_names_the_flag_to_who_used_flags_and_the_variable_as_set_to_who_did_not() {
        let flags = vars(&[("INPUT_VERSION-NAME", "v2")]);
        let by_flags = Naming::new(Caller::Shell, &[], &flags);
        assert_eq!(
            by_flags.rewrite(ERROR),
            "flag `--tooljet-url` is missing; set `--version-name v3` and `--git-tag`"
        );
        let by_variables = Naming::new(Caller::Shell, &vars(&[("INPUT_TOOLJET-URL", "x")]), &[]);
        assert_eq!(
            by_variables.rewrite(ERROR),
            "variable `INPUT_TOOLJET-URL` is missing; set `INPUT_VERSION_NAME=v3` and \
             `INPUT_GIT_TAG`"
        );
        assert!(!by_variables.how_to_set("app-id").contains("--"));
        assert!(by_flags.how_to_set("app-id").contains("--app-id"));
    }

    #[test]
    fn an_input_set_by_its_fallback_variable_is_named_by_it_whatever_else_came_as_flags() {
        let naming = Naming::new(
            Caller::Shell,
            &vars(&[("TOOLJET_ACCESS_TOKEN", "t")]),
            &vars(&[("INPUT_OPERATION", "check")]),
        );
        assert_eq!(
            naming.rewrite("`access-token` must equal the server's token"),
            "`TOOLJET_ACCESS_TOKEN` must equal the server's token"
        );
    }

    #[test]
    fn a_backticked_word_that_is_no_input_is_left_alone() {
        let text = "run `release` with `operation: release` or `unknown: x`";
        assert_eq!(
            Naming::of(Caller::JenkinsStep).rewrite(text),
            text.replace("`operation: release`", "`operation: 'release'`")
        );
        assert_eq!(
            Naming::of(Caller::Shell).rewrite("a lone ` stays"),
            "a lone ` stays"
        );
    }

    #[test]
    fn github_is_told_nothing_about_flags_or_variables() {
        assert_eq!(Naming::of(Caller::GitHub).how_to_set("app-id"), "");
        assert_eq!(
            camel_case("github-app-installation-id"),
            "githubAppInstallationId"
        );
    }
}
