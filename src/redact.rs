//! Text from outside the action made fit to show: the one place that knows every secret.
//!
//! ToolJet, a proxy or the network stack may echo what they were sent: the token in an error,
//! a key line in a validation message, proxy credentials in a transport error. The client
//! scrubs every answer with [`Secrets::scrub`] as it reads it, so nothing downstream (log,
//! annotations, summary, outputs) ever holds a secret. [`printable`] and [`bounded`] make the
//! rest of that text safe for a log line.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde_json::Value;

/// What replaces a secret, as the runner's own masker writes it.
pub const REPLACEMENT: &str = "***";

/// One secret input (the token, the private key). `Debug` never shows it; [`Secret::expose`]
/// is the one way to read it, so every place that does is easy to find.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Every secret value this step knows. `Debug` shows how many, never what.
#[derive(Clone, Default)]
pub struct Secrets {
    /// Longest first, so a secret that contains another is replaced whole.
    values: Vec<String>,
}

impl Secrets {
    /// Keeps the values that are not blank, each once.
    pub fn new(values: impl IntoIterator<Item = String>) -> Self {
        let mut values: Vec<String> = values
            .into_iter()
            .filter(|value| !value.trim().is_empty())
            .collect();
        values.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        values.dedup();
        Self { values }
    }

    /// The values, for the runner's `::add-mask::`.
    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// Scrubs every string and key inside decoded JSON; true when anything changed. A body is
    /// scrubbed as text first, but JSON may spell a secret with escapes (`\"`, `\/`,
    /// `\u002B`) that only decoding turns back into the secret.
    pub fn scrub_json(&self, value: &mut Value) -> bool {
        match value {
            Value::String(text) => self.scrub_in_place(text),
            Value::Array(items) => items
                .iter_mut()
                .fold(false, |changed, item| self.scrub_json(item) | changed),
            Value::Object(map) => {
                let mut changed = false;
                let entries = std::mem::take(map);
                for (mut key, mut item) in entries {
                    changed |= self.scrub_in_place(&mut key);
                    changed |= self.scrub_json(&mut item);
                    map.insert(key, item);
                }
                changed
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => false,
        }
    }

    fn scrub_in_place(&self, text: &mut String) -> bool {
        match self.scrub(text) {
            Cow::Borrowed(_) => false,
            Cow::Owned(scrubbed) => {
                *text = scrubbed;
                true
            }
        }
    }

    /// `text` with every secret replaced by `***`.
    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut text = Cow::Borrowed(text);
        for secret in &self.values {
            if text.contains(secret.as_str()) {
                text = Cow::Owned(text.replace(secret.as_str(), REPLACEMENT));
            }
        }
        text
    }
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secrets({} values, redacted)", self.values.len())
    }
}

/// A character no one reading the text sees as it acts: a control character (ESC sequences,
/// BEL, NUL, C1 codes), a direction mark, embedding, override or isolate that reorders the text
/// around it (Trojan Source), an invisible space or joiner, a line or paragraph separator, or
/// a byte order mark. The joiners that some scripts and emoji need (U+200C, U+200D) are not.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200b}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
        )
}

/// `text` with every [hidden](is_hidden) character written as a visible `\u{..}` escape; line
/// breaks and tabs stay.
pub fn printable(text: &str) -> Cow<'_, str> {
    let hidden = |c: char| c != '\n' && c != '\t' && is_hidden(c);
    if !text.chars().any(hidden) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if c == '\r' {
            // A lone CR would let the rest of the line pass for a new one.
            shown.push_str("\\r");
        } else if hidden(c) {
            shown.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            shown.push(c);
        }
    }
    Cow::Owned(shown)
}

/// At most `limit` bytes of `text`, its mark included: cut at a character boundary and marked
/// when cut.
pub fn bounded(text: &str, limit: usize) -> Cow<'_, str> {
    if text.len() <= limit {
        return Cow::Borrowed(text);
    }
    let mark = format!(" … [cut: {} bytes in all]", text.len());
    let mut end = limit.saturating_sub(mark.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}{mark}", text.get(..end).unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> Secrets {
        Secrets::new(["tok".to_owned(), "Basic tok".to_owned(), " ".to_owned()])
    }

    #[test]
    fn every_secret_is_replaced_longest_first() {
        assert_eq!(
            secrets().scrub("sent Basic tok; got tok, tokens"),
            "sent ***; got ***, ***ens"
        );
    }

    #[test]
    fn a_secret_spelled_with_json_escapes_is_scrubbed_once_decoded() {
        let secrets = Secrets::new([r#"t/o"k+\n"#.to_owned()]);
        let body = r#"{"message":["bad t\/o\"k\u002B\\n"],"t\/o\"k\u002b\\n":1}"#;
        assert_eq!(
            secrets.scrub(body),
            body,
            "the escaped text does not contain it"
        );
        let mut json: Value = serde_json::from_str(body).unwrap();
        assert!(secrets.scrub_json(&mut json));
        assert_eq!(json.to_string(), r#"{"***":1,"message":["bad ***"]}"#);
    }

    #[test]
    fn blank_values_are_not_secrets() {
        assert_eq!(secrets().values(), ["Basic tok", "tok"]);
    }

    #[test]
    fn a_secret_input_never_shows_in_debug() {
        assert_eq!(format!("{:?}", Secret::new("tok")), "Secret(***)");
    }

    #[test]
    fn debug_never_shows_a_secret() {
        assert_eq!(format!("{:?}", secrets()), "Secrets(2 values, redacted)");
    }

    #[test]
    fn control_characters_become_visible_escapes() {
        assert_eq!(
            printable("a\u{1b}[31mred\u{7}\u{0}\u{9b}\r\n\tb\u{202e}"),
            "a\\u{1b}[31mred\\u{7}\\u{0}\\u{9b}\\r\n\tb\\u{202e}"
        );
        assert!(matches!(printable("plain é ✓"), Cow::Borrowed(_)));
    }

    #[test]
    fn long_text_is_cut_at_a_character_boundary_with_a_marker() {
        let long = "é".repeat(40);
        let cut = bounded(&long, 40);
        assert_eq!(cut, format!("{} … [cut: 80 bytes in all]", "é".repeat(6)));
        assert!(cut.len() <= 40, "{}", cut.len());
        assert_eq!(bounded("short", 10), "short");
    }
}
