//! `--help` and `--version`, for people exploring the image by hand (`docker run --rm <image>
//! --help`). The inputs and outputs come from the action.yml compiled in, and which operation
//! takes which from the inputs' one table, so neither can drift.

use crate::declared::{entries, variable};

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

pub fn help() -> String {
    let mut text = format!(
        "{}\nRuns one ToolJet GitSync CI/CD operation: configure-git, push, create, pull, save-version, release or promote.\n\n\
         Usage: give the inputs as environment variables named INPUT_ and the input in upper case, hyphens \
         kept (INPUT_APP-ID). A shell cannot set such a name with `export`, so use env(1) or docker's -e:\n  \
         env INPUT_OPERATION=pull 'INPUT_APP-ID=<app id>' TOOLJET_HOST=https://tooljet.example.com tooljet-gitsync-action\n  \
         docker run --rm -e INPUT_OPERATION=pull -e 'INPUT_APP-ID=<app id>' -e TOOLJET_HOST -e TOOLJET_ACCESS_TOKEN <image>\n\
         with the token exported as TOOLJET_ACCESS_TOKEN from your secret store (never on the command line). Off GitHub \
         Actions the outputs are one JSON object on stdout and errors plain lines on stderr.\n\n\
         Inputs (environment variable; default):\n",
        version()
    );
    for input in entries("inputs") {
        let mut variable = variable(input.name);
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
    let outputs: Vec<&str> = entries("outputs")
        .into_iter()
        .map(|output| output.name)
        .collect();
    text.push_str(&format!(
        "\nOutputs: written to GITHUB_OUTPUT on GitHub Actions, else printed on stdout as one JSON object:\n  {}\n\n\
         Exit codes: 0 success, 1 ToolJet or network failure, 2 invalid input, 130/143 cancelled.\n",
        outputs.join(", ")
    ));
    text
}
