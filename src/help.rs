//! `--help` and `--version`, for people exploring the image by hand (`docker run --rm <image>
//! --help`). The inputs and outputs come from the action.yml compiled in, and which operation
//! takes which from the inputs' one table, so neither can drift.

use crate::declared::{entries, variable};
use crate::inputs::table::{self, Need};
use crate::operation::OperationKind;

/// The version and the commit it was built from, when the build knew it.
pub fn version() -> String {
    match env!("BUILD_COMMIT") {
        "" => format!("tooljet-gitsync-action {}", env!("CARGO_PKG_VERSION")),
        commit => format!(
            "tooljet-gitsync-action {} (commit {commit})",
            env!("CARGO_PKG_VERSION")
        ),
    }
}

/// Each operation with the inputs it requires (`a|b`: either) and those it may take, beyond
/// what every operation reads (the URL, the token, timeouts, TLS, dry-run).
fn operations() -> String {
    let mut text = String::from(
        "\nOperations: the inputs each requires (a|b: either); may take, besides the URL, the token, \
         timeouts, TLS and dry-run:\n",
    );
    for kind in OperationKind::ALL {
        let takes = table::particular(kind);
        // An input that stands in for a required one is shown with it, as `a|b`.
        let alternatives: Vec<&str> = takes
            .iter()
            .filter_map(|takes| match takes.need {
                Need::Required { or } => or,
                Need::Optional => None,
            })
            .collect();
        let (mut required, mut optional) = (Vec::new(), Vec::new());
        for takes in &takes {
            match takes.need {
                Need::Required { or: Some(or) } => required.push(format!("{}|{or}", takes.input)),
                Need::Required { or: None } => required.push(takes.input.to_owned()),
                Need::Optional if alternatives.contains(&takes.input) => {}
                Need::Optional => optional.push(takes.input.to_owned()),
            }
        }
        let mut optional = match optional.is_empty() {
            true => String::new(),
            false => format!("; may take {}", optional.join(", ")),
        };
        if !kind.reaches_tooljet() {
            optional.push_str("; no URL, no token: it reads these files and sends nothing");
        }
        text.push_str(&format!(
            "  {:<14} {}{optional}\n",
            kind.as_str(),
            required.join(", "),
        ));
    }
    text
}

pub fn help() -> String {
    let mut text = format!(
        "{}\nRuns one ToolJet GitSync CI/CD operation: deploy, check, apply, diff, configure-git, push, create, pull, save-version, release or promote.\n\n\
         Usage: the operation first, then any input as a flag, --name value or --name=value (a list \
         input's flag once per value):\n  \
         tooljet-gitsync-action deploy --app-name Inventory --workspace Acme --version-name v3\n\
         or as an environment variable INPUT_ and the input in upper case (INPUT_APP-ID as GitHub Actions sets it, or \
         INPUT_APP_ID as a shell can export it):\n  \
         docker run --rm -e INPUT_OPERATION=pull -e INPUT_APP_ID -e TOOLJET_HOST -e TOOLJET_ACCESS_TOKEN <image>\n\
         The token comes from the TOOLJET_ACCESS_TOKEN variable (from your secret store) or --access-token-file <path>, \
         never as a flag's value: a command line is visible to every process. An input given (a flag or an INPUT_ \
         variable) wins over TOOLJET_HOST and TOOLJET_ACCESS_TOKEN. Off GitHub Actions the outputs are one \
         JSON object on stdout and errors plain lines on stderr.\n\n\
         Inputs (flag, environment variable; default):\n",
        version()
    );
    for input in entries("inputs") {
        let flag = match input.name {
            "access-token" | "github-app-private-key" => format!("--{}-file", input.name),
            name => format!("--{name}"),
        };
        let mut variable = format!("{flag}, {}", variable(input.name));
        match input.name {
            "tooljet-url" => variable.push_str(" or TOOLJET_HOST"),
            "access-token" => variable.push_str(" or TOOLJET_ACCESS_TOKEN"),
            _ => {}
        }
        let default = match (&input.default, input.required) {
            (Some(default), _) => format!("default {default}"),
            (None, true) => "required".to_owned(),
            (None, false) => "optional".to_owned(),
        };
        text.push_str(&format!(
            "  {:<28} {variable}; {default}\n      {}\n",
            input.name, input.description
        ));
    }
    text.push_str(&operations());
    let outputs: Vec<&str> = entries("outputs")
        .iter()
        .map(|output| output.name)
        .collect();
    text.push_str(&format!(
        "\nOutputs: written to GITHUB_OUTPUT on GitHub Actions, else printed on stdout as one JSON object; with \
         TOOLJET_DOTENV=<file> also written there as TOOLJET_GITSYNC_<NAME>=value lines (GitLab's dotenv report; \
         not response, results or plan):\n  {}\n\n\
         Exit codes: 0 success (drift without fail-on-drift included), 1 ToolJet or network failure (an app \
         whose live version could not be read included), 2 invalid input, 3 apps out of sync with \
         fail-on-drift and nothing else wrong, 130/143 cancelled.\n",
        outputs.join(", ")
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_lists_each_operations_inputs_from_the_table() {
        let help = help();
        for kind in OperationKind::ALL {
            let line = help
                .lines()
                .find(|line| line.starts_with(&format!("  {:<14} ", kind.as_str())))
                .unwrap_or_else(|| panic!("no line for {kind}"));
            for takes in table::particular(kind) {
                assert!(
                    line.contains(takes.input),
                    "{kind}: {} missing in {line:?}",
                    takes.input
                );
            }
        }
        assert!(help.contains(
            "deploy         organization-id|workspace, app-id|app-name, version-name|git-tag"
        ));
        assert!(help.contains(
            "diff           base-manifest; may take manifest; no URL, no token: it reads these \
             files and sends nothing"
        ));
    }
}
