//! The command line, for a plain shell, GitLab CI or Jenkins: the operation as the first word
//! (or `--operation`), then `--name value` or `--name=value` for any input action.yml declares,
//! a list input's flag repeated for each value. Secrets never come as a flag's value: a command
//! line is seen by every process on the machine and kept in shell history, so the token comes
//! from the environment or `--access-token-file`, the key from `--github-app-private-key-file`.

use std::path::Path;

use super::connection::read_bounded;
use super::{InputError, given_once};
use crate::declared::{entries, variable};
use crate::environment::env_var;

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Help,
    Version,
    /// Run, with these inputs from flags, as `INPUT_<NAME>` variables.
    Run(Vec<(String, String)>),
}

/// The inputs that take one value per line, so that their flag may be repeated.
const LISTS: [&str; 2] = ["app-id", "app-name"];

/// Secret inputs: never a flag's value, read from the file a `-file` flag names instead.
const SECRETS: [(&str, &str); 2] = [
    ("access-token", "the TOOLJET_ACCESS_TOKEN variable"),
    (
        "github-app-private-key",
        "the INPUT_GITHUB_APP_PRIVATE_KEY variable",
    ),
];

/// A command line the action cannot read.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ArgError {
    /// A flag's input, with what is wrong with it.
    #[error(transparent)]
    Input(#[from] InputError),
    /// No input of that name, or a word where a flag belongs.
    #[error(
        "{arg:?} is not an argument of this action{guess}: it takes the operation first, then \
         --name value or --name=value for any input (see --help)"
    )]
    Unknown { arg: String, guess: String },
}

/// A secret file is one token or one PEM key: far below this.
const MAX_SECRET_FILE: u64 = 64 * 1024;

/// Reads the arguments after the program's name.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, ArgError> {
    let mut given: Vec<(&'static str, String)> = Vec::new();
    let mut args = args.into_iter().peekable();
    if let Some(first) = args.next_if(|arg| !arg.starts_with('-')) {
        given.push(("operation", first));
    }
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--help" | "-h" => return Ok(Command::Help),
            "--version" | "-V" => return Ok(Command::Version),
            _ => {}
        }
        let Some(flag) = arg.strip_prefix("--") else {
            return Err(ArgError::Unknown {
                arg,
                guess: String::new(),
            });
        };
        let (name, inline) = match flag.split_once('=') {
            Some((name, value)) => (name, Some(value.to_owned())),
            None => (flag, None),
        };
        let (input, from_file) = input_of(name)?;
        let value = match inline {
            Some(value) => value,
            None => args
                .next()
                .ok_or_else(|| InputError::new(input, format!("has no value after --{name}")))?,
        };
        let value = if from_file {
            read_secret(input, &value)?
        } else {
            value
        };
        given.push((input, value));
    }
    Ok(Command::Run(merge(given)?))
}

/// The input a flag sets, and whether its value is a file to read the secret from.
fn input_of(flag: &str) -> Result<(&'static str, bool), ArgError> {
    let declared = entries("inputs");
    if let Some((secret, instead)) = SECRETS.iter().find(|(secret, _)| *secret == flag) {
        return Err(InputError::new(
            secret,
            format!(
                "is never taken as a flag's value: a command line is visible to every process on the \
                 machine and kept in shell history. Set {instead}, or give --{secret}-file with the \
                 path of a file that holds it"
            ),
        )
        .into());
    }
    if let Some(secret) = flag.strip_suffix("-file")
        && let Some((secret, _)) = SECRETS.iter().find(|(name, _)| *name == secret)
    {
        return Ok((secret, true));
    }
    if let Some(input) = declared.iter().find(|input| input.name == flag) {
        return Ok((input.name, false));
    }
    let guess = declared
        .iter()
        .map(|input| (strsim::levenshtein(flag, input.name), input.name))
        .min()
        .filter(|(distance, _)| *distance <= 2)
        .map(|(_, name)| format!(" (did you mean --{name}?)"))
        .unwrap_or_default();
    Err(ArgError::Unknown {
        arg: format!("--{flag}"),
        guess,
    })
}

/// The secret in the file at `path`, line breaks around it dropped; never echoed.
fn read_secret(input: &'static str, path: &str) -> Result<String, InputError> {
    let bytes = read_bounded(Path::new(path), MAX_SECRET_FILE)
        .map_err(|err| InputError::new(input, format!("could not be read from {path:?}: {err}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| InputError::new(input, format!("in {path:?} is not UTF-8 text")))?;
    Ok(text.trim().to_owned())
}

/// One value per input: a list input's values joined a line each, any other input given twice
/// refused.
fn merge(given: Vec<(&'static str, String)>) -> Result<Vec<(String, String)>, InputError> {
    let mut merged: Vec<(&'static str, String)> = Vec::new();
    for (input, value) in given {
        match merged.iter_mut().find(|(kept, _)| *kept == input) {
            Some((_, kept)) if LISTS.contains(&input) => {
                kept.push('\n');
                kept.push_str(&value);
            }
            Some((_, kept)) if *kept == value => {}
            Some(_) => {
                return Err(InputError::new(
                    input,
                    format!(
                        "was given twice on the command line with different values{}",
                        if input == "operation" {
                            ", as the first word and as --operation"
                        } else {
                            ""
                        }
                    ),
                ));
            }
            None => merged.push((input, value)),
        }
    }
    Ok(merged
        .into_iter()
        .map(|(input, value)| (variable(input), value))
        .collect())
}

/// `vars` with the inputs from flags set. A flag and an `INPUT_` variable for the same input
/// with different values are refused, naming both; a variable left empty or at its default (a
/// runner sets every input) yields to the flag.
pub fn with_flags(
    mut vars: Vec<(String, String)>,
    flags: Vec<(String, String)>,
) -> Result<Vec<(String, String)>, InputError> {
    let declared = entries("inputs");
    for (name, value) in flags {
        let input = declared
            .iter()
            .find(|input| variable(input.name) == name)
            .expect("flags name declared inputs");
        let (shell, flag) = (name.replace('-', "_"), format!("--{}", input.name));
        for set in [&name, &shell] {
            let other = env_var(&vars, set).unwrap_or_default();
            given_once(input, &value, other, [&flag, set])?;
        }
        vars.retain(|(key, _)| *key != name && *key != shell);
        vars.push((name, value));
    }
    Ok(vars)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(args: &[&str]) -> Result<Command, ArgError> {
        parse(args.iter().map(|arg| (*arg).to_owned()))
    }

    fn run(args: &[&str]) -> Vec<(String, String)> {
        match parse_all(args).unwrap() {
            Command::Run(vars) => vars,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_first_word_is_the_operation_and_flags_take_either_form() {
        assert_eq!(
            run(&["deploy", "--app-name", "Inventory", "--version-name=v3"]),
            [
                ("INPUT_OPERATION", "deploy"),
                ("INPUT_APP-NAME", "Inventory"),
                ("INPUT_VERSION-NAME", "v3")
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
    }

    #[test]
    fn a_list_flag_repeats_and_any_other_given_twice_is_refused() {
        assert_eq!(
            run(&["pull", "--app-name", "A", "--app-name", "B"])[1].1,
            "A\nB"
        );
        let err = parse_all(&["pull", "--retries", "1", "--retries", "2"]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("input `retries` was given twice"),
            "{err}"
        );
        let err = parse_all(&["pull", "--operation", "push"]).unwrap_err();
        assert!(
            err.to_string()
                .contains("as the first word and as --operation"),
            "{err}"
        );
    }

    #[test]
    fn a_secret_is_never_a_flags_value_and_says_where_to_put_it() {
        let err = parse_all(&["pull", "--access-token", "s3cret"]).unwrap_err();
        assert!(err.to_string().contains("TOOLJET_ACCESS_TOKEN"), "{err}");
        assert!(err.to_string().contains("--access-token-file"), "{err}");
        assert!(!err.to_string().contains("s3cret"), "{err}");
    }

    #[test]
    fn a_secret_file_is_read_and_trimmed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "tok-from-file\n").unwrap();
        let path = path.display().to_string();
        assert_eq!(
            run(&["pull", "--access-token-file", &path])[1],
            ("INPUT_ACCESS-TOKEN".to_owned(), "tok-from-file".to_owned())
        );
    }

    #[test]
    fn an_unknown_flag_gets_did_you_mean() {
        let err = parse_all(&["pull", "--app-nmae", "A"]).unwrap_err();
        assert_eq!(
            err,
            ArgError::Unknown {
                arg: "--app-nmae".to_owned(),
                guess: " (did you mean --app-name?)".to_owned()
            }
        );
    }

    #[test]
    fn help_and_version_are_asked_for_anywhere() {
        assert_eq!(parse_all(&["deploy", "--help"]), Ok(Command::Help));
        assert_eq!(parse_all(&["-V"]), Ok(Command::Version));
    }

    #[test]
    fn a_flag_and_a_variable_with_different_values_are_refused_naming_both() {
        let vars = vec![("INPUT_APP_ID".to_owned(), "one".to_owned())];
        let flags = vec![("INPUT_APP-ID".to_owned(), "two".to_owned())];
        let err = with_flags(vars, flags).unwrap_err();
        assert!(
            err.problem.contains("as --app-id and INPUT_APP_ID"),
            "{err}"
        );
        let vars = vec![("INPUT_RETRIES".to_owned(), "3".to_owned())];
        let flags = vec![("INPUT_RETRIES".to_owned(), "5".to_owned())];
        assert_eq!(
            with_flags(vars, flags).unwrap(),
            [("INPUT_RETRIES".to_owned(), "5".to_owned())],
            "a variable at its default yields"
        );
    }
}
