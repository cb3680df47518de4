//! The shapes every input shares: given or not, whole numbers, seconds, booleans, choices and
//! one-value-per-line lists, read as the Actions toolkit reads them.

use std::time::Duration;

use super::InputError;
use crate::operation::OperationKind;

pub(super) const MAX_SECONDS: u64 = 6 * 60 * 60;

/// The known word that `word` is a slip of: the nearest of `known`, each given as `(how it is
/// spelled, what it is)`, if at most two edits away; the first of equals wins.
pub(super) fn closest<S: AsRef<str>, T>(
    word: &str,
    known: impl IntoIterator<Item = (S, T)>,
) -> Option<T> {
    known
        .into_iter()
        .map(|(spelled, known)| (strsim::levenshtein(word, spelled.as_ref()), known))
        .min_by_key(|(distance, _)| *distance)
        .filter(|(distance, _)| *distance <= 2)
        .map(|(_, known)| known)
}

pub(super) fn given(value: &str) -> Option<&str> {
    let value = value.trim();
    (!value.is_empty()).then_some(value)
}

pub(super) fn required(
    value: &str,
    input: &'static str,
    kind: OperationKind,
) -> Result<String, InputError> {
    given(value)
        .map(str::to_owned)
        .ok_or_else(|| InputError::missing(input, kind))
}

/// A whole number in `range`, or `default` when not given.
pub(super) fn parse_whole(
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

pub(super) fn parse_seconds(
    value: &str,
    input: &'static str,
    default: u64,
) -> Result<Duration, InputError> {
    parse_whole(value, input, default, 1..=MAX_SECONDS).map(Duration::from_secs)
}

/// Booleans as the Actions toolkit reads them (YAML 1.2 core schema): empty means false.
pub(super) fn parse_bool(value: &str, input: &'static str) -> Result<bool, InputError> {
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
pub(super) fn parse_choice<T: Copy>(
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

/// One value per line, trimmed, empty lines dropped (the toolkit's `getMultilineInput`).
pub(super) fn lines(value: &str) -> Vec<String> {
    value
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}
