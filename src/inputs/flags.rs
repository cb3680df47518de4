//! The command line, for a plain shell, GitLab CI or Jenkins: the operation as the first word
//! (or `--operation`), then `--name value` or `--name=value` for any input action.yml declares,
//! a list input's flag repeated for each value. Secrets never come as a flag's value: a command
//! line is seen by every process on the machine and kept in shell history, so the token comes
//! from the environment or `--access-token-file`, the key from `--github-app-private-key-file`.

use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::connection::read_bounded;
use super::values::closest;
use super::{InputError, given_once};
use crate::declared::{Entry, entries, variable};
use crate::environment::env_var;
use crate::operation::OperationKind;

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
    /// A secret given as a flag's value; the message says where it goes instead.
    #[error(
        "--{input} is never given a secret as its value: a command line is visible to every \
         process on the machine and kept in shell history. Set {instead}, or give --{input}-file \
         with the path of a file that holds it"
    )]
    Secret {
        input: &'static str,
        instead: &'static str,
    },
    /// No input of that name, or a word where a flag belongs.
    #[error(
        "{arg:?} is not an argument of this action{guess}: it takes the operation first, then \
         --name value or --name=value for any input (see --help)"
    )]
    Unknown { arg: String, guess: String },
    /// An argument that is not UTF-8 text, which no input can hold.
    #[error("argument {position} is not UTF-8 text; every input is text")]
    NotText { position: usize },
}

/// A secret file is one token or one PEM key: far below this.
const MAX_SECRET_FILE: u64 = 64 * 1024;

/// The arguments after the program's name as text; bytes that are not UTF-8 are an input error
/// that names the flag they are the value of.
pub fn text(args: impl IntoIterator<Item = OsString>) -> Result<Vec<String>, ArgError> {
    let mut words: Vec<String> = Vec::new();
    for arg in args {
        match arg.into_string() {
            Ok(word) => words.push(word),
            Err(arg) => return Err(not_text(arg.as_bytes(), &words)),
        }
    }
    Ok(words)
}

/// An argument that is not UTF-8 after the `words` before it: the value of the flag it follows
/// or carries (`--git-branch <bytes>`, `--git-branch=<bytes>`), the operation as the first
/// word, else only its place (a flag's own name).
fn not_text(arg: &[u8], words: &[String]) -> ArgError {
    let not_text = "has a value that is not UTF-8 text; every input is text";
    let flag = match (arg.strip_prefix(b"--"), words.last()) {
        (Some(flag), _) => flag
            .iter()
            .position(|byte| *byte == b'=')
            .and_then(|equals| std::str::from_utf8(&flag[..equals]).ok()),
        (None, Some(before)) => before.strip_prefix("--").filter(|flag| !flag.contains('=')),
        (None, None) => return InputError::new("operation", not_text).into(),
    };
    match flag.map(input_of) {
        Some(Ok((input, _))) => InputError::new(input, not_text).into(),
        Some(Err(err)) => err,
        None => ArgError::NotText {
            position: words.len() + 1,
        },
    }
}

/// The operation a command line names, as its first word or `--operation`, even where the
/// rest of it is wrong: the outputs of a refused step still say which it was.
pub fn operation_named(args: &[String]) -> Option<OperationKind> {
    let named = match args.first().map(String::as_str) {
        Some(word) if !word.starts_with('-') => Some(word),
        _ => args.iter().enumerate().find_map(|(at, word)| {
            word.strip_prefix("--operation=")
                .or_else(|| match word.as_str() {
                    "--operation" => args.get(at + 1).map(String::as_str),
                    _ => None,
                })
        }),
    };
    named?.parse().ok()
}

/// True for a word that is one of this action's own flags (`--dry-run`, `--app-id=x`,
/// `--help`): where a value belongs, it means the value is missing.
fn is_flag(word: &str) -> bool {
    if matches!(word, "--help" | "-h" | "--version" | "-V") {
        return true;
    }
    let Some(flag) = word.strip_prefix("--") else {
        return false;
    };
    let name = flag.split_once('=').map_or(flag, |(name, _)| name);
    let name = name.strip_suffix("-file").unwrap_or(name);
    entries("inputs").iter().any(|input| input.name == name)
}

/// An input that is true or false (its action.yml default is `false`): its flag alone means true.
fn is_switch(input: &Entry) -> bool {
    input.default == Some("false")
}

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
        let switch = entries("inputs")
            .iter()
            .any(|entry| entry.name == input && is_switch(entry));
        let value = match inline {
            Some(value) => value,
            // A switch alone is true, as every command line reads one; `--dry-run false` too.
            // A word after it is its value, as no word but the first stands alone.
            None if switch => match args.next_if(|next| !next.starts_with('-')) {
                Some(word) => switch_value(input, word)?,
                None => "true".to_owned(),
            },
            None => match args.next_if(|next| !is_flag(next)) {
                Some(value) => value,
                None => {
                    let next = args
                        .peek()
                        .map(|flag| format!(": {flag} is a flag of its own"))
                        .unwrap_or_default();
                    return Err(InputError::new(
                        input,
                        format!(
                            "has no value after --{name}{next} (an empty variable left unquoted \
                             vanishes from a command line; write --{name}=\"$VALUE\")"
                        ),
                    )
                    .into());
                }
            },
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

/// The word after a switch, which must be true or false: an operation there was meant first.
fn switch_value(input: &'static str, word: String) -> Result<String, InputError> {
    if super::values::parse_bool(&word, input).is_ok() {
        return Ok(word);
    }
    let first = match word.parse::<crate::operation::OperationKind>() {
        Ok(_) => format!("; the operation comes first: {word} --{input}"),
        Err(_) => String::new(),
    };
    Err(InputError::new(
        input,
        format!("takes true or false (or nothing, for true), not {word:?}{first}"),
    )
    .saying_how())
}

/// The input a flag sets, and whether its value is a file to read the secret from.
fn input_of(flag: &str) -> Result<(&'static str, bool), ArgError> {
    let declared = entries("inputs");
    if let Some((input, instead)) = SECRETS.iter().find(|(secret, _)| *secret == flag) {
        return Err(ArgError::Secret { input, instead });
    }
    if let Some(secret) = flag.strip_suffix("-file")
        && let Some((secret, _)) = SECRETS.iter().find(|(name, _)| *name == secret)
    {
        return Ok((secret, true));
    }
    if let Some(input) = declared.iter().find(|input| input.name == flag) {
        return Ok((input.name, false));
    }
    let guess = closest(flag, declared.iter().map(|input| (input.name, input.name)))
        .map(|name| format!(" (did you mean --{name}?)"))
        .unwrap_or_default();
    Err(ArgError::Unknown {
        arg: format!("--{flag}"),
        guess,
    })
}

/// The secret in the file at `path`, line breaks around it dropped. Neither the secret nor the
/// path is echoed: someone in a hurry types the token where its path belongs.
fn read_secret(input: &'static str, path: &str) -> Result<String, InputError> {
    let flag = format!("--{input}-file");
    let bytes = read_bounded(Path::new(path), MAX_SECRET_FILE).map_err(|err| {
        let why = match err.kind() {
            std::io::ErrorKind::NotFound => "there is no such file".to_owned(),
            _ => err.to_string(),
        };
        InputError::new(
            input,
            format!("could not be read from the file given to {flag}: {why}"),
        )
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        InputError::new(
            input,
            format!("in the file given to {flag} is not UTF-8 text"),
        )
    })?;
    let secret = text.trim();
    if secret.is_empty() {
        // Never a quiet fall back to a variable, which may hold another instance's token.
        return Err(InputError::new(
            input,
            format!("in the file given to {flag} is empty"),
        ));
    }
    Ok(secret.to_owned())
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
        let flag = match SECRETS.iter().any(|(secret, _)| *secret == input.name) {
            true => format!("--{}-file", input.name),
            false => format!("--{}", input.name),
        };
        let shell = name.replace('-', "_");
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

    #[test]
    fn the_operation_is_found_in_a_command_line_that_is_wrong_elsewhere() {
        let words = |line: &str| line.split(' ').map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(
            operation_named(&words("check --fail-on-drift maybe")),
            Some(OperationKind::Check)
        );
        assert_eq!(
            operation_named(&words("--dry-run --operation apply")),
            Some(OperationKind::Apply)
        );
        assert_eq!(
            operation_named(&words("--operation=pull --x")),
            Some(OperationKind::Pull)
        );
        assert_eq!(operation_named(&words("rollout")), None);
    }

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
    fn a_switch_alone_is_true_and_takes_true_or_false_after_it() {
        for (args, expected) in [
            (&["deploy", "--dry-run"][..], "true"),
            (&["deploy", "--dry-run", "--app-id", "a"][..], "true"),
            (&["deploy", "--dry-run", "true"][..], "true"),
            (&["deploy", "--dry-run", "false"][..], "false"),
            (&["deploy", "--dry-run=true"][..], "true"),
        ] {
            let vars = run(args);
            let dry_run = vars.iter().find(|(k, _)| k == "INPUT_DRY-RUN").unwrap();
            assert_eq!(dry_run.1, expected, "{args:?}");
        }
    }

    #[test]
    fn a_word_after_a_switch_that_is_not_true_or_false_is_that_switchs_bad_value() {
        let err = parse_all(&["check", "--fail-on-drift", "maybe"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "input `fail-on-drift` takes true or false (or nothing, for true), not \"maybe\""
        );
        let err = parse_all(&["--dry-run", "deploy", "--app-name", "A"]).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("not \"deploy\"; the operation comes first: deploy --dry-run"),
            "{err}"
        );
    }

    #[test]
    fn a_flag_where_a_value_belongs_means_the_value_is_missing() {
        let err = parse_all(&["deploy", "--version-name", "--dry-run=true"]).unwrap_err();
        assert!(
            err.to_string()
                .contains("has no value after --version-name: --dry-run=true is a flag of its own"),
            "{err}"
        );
        let vars = run(&["push", "--commit-message", "--not-a-flag"]);
        assert_eq!(
            vars[1].1, "--not-a-flag",
            "a value that only looks like a flag"
        );
    }

    #[test]
    fn an_empty_secret_file_is_an_error_and_a_path_is_never_echoed() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("token");
        std::fs::write(&empty, "\n").unwrap();
        let err =
            parse_all(&["pull", "--access-token-file", &empty.display().to_string()]).unwrap_err();
        assert!(err.to_string().contains("is empty"), "{err}");
        let err = parse_all(&["pull", "--access-token-file", "tok-typed-as-a-path"]).unwrap_err();
        assert!(err.to_string().contains("there is no such file"), "{err}");
        assert!(!err.to_string().contains("tok-typed"), "{err}");
    }

    #[test]
    fn a_value_that_is_not_utf8_names_its_flag() {
        use std::os::unix::ffi::OsStringExt;
        let bad = |bytes: &[u8]| OsString::from_vec(bytes.to_vec());
        let words = |args: &[&str]| args.iter().map(OsString::from).collect::<Vec<_>>();
        for (args, input) in [
            (words(&["pull", "--git-branch"]), "git-branch"),
            (words(&["pull", "--dry-run"]), "dry-run"),
            (words(&["pull"]), "git-branch"),
            (Vec::new(), "operation"),
        ] {
            let last = match args.len() {
                1 => bad(b"--git-branch=f\xffo"),
                _ => bad(b"f\xffo"),
            };
            let err = text(args.into_iter().chain([last])).unwrap_err();
            let ArgError::Input(err) = err else {
                panic!("{err}")
            };
            assert_eq!(err.input, input);
            assert_eq!(
                err.problem,
                "has a value that is not UTF-8 text; every input is text"
            );
        }
        assert_eq!(
            text(
                words(&["pull", "--app-id=a"])
                    .into_iter()
                    .chain([bad(b"f\xffo")])
            ),
            Err(ArgError::NotText { position: 3 }),
            "a stray word is named by its place"
        );
        assert_eq!(
            text(words(&["pull"]).into_iter().chain([bad(b"--gi\xfft")])),
            Err(ArgError::NotText { position: 2 }),
            "so is a flag's own name"
        );
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
