//! Text from outside the action made fit to show: the one place that knows every secret.
//!
//! ToolJet, a proxy or the network stack may echo what they were sent: the token in an error,
//! a key line in a validation message, proxy credentials in a transport error. The client
//! scrubs every answer with [`Secrets::scrub`] as it reads it, so nothing downstream (log,
//! annotations, summary, outputs) ever holds a secret. [`printable`] and [`bounded`] make the
//! rest of that text safe for a log line.
//!
//! Scrub, then cut or escape: a secret cut in two, or with a backslash inserted, no longer
//! matches, and its part would be shown. Secrets typed where a word belongs (an app name in
//! `tooljet.yml`, `instance`) reach the text before any scrubbing, so every function that cuts
//! or escapes text for a person ([`printable`], [`bounded`], the summary's Markdown escaping,
//! the log's line folding) first scrubs it of every secret the process has [learnt](learn),
//! as the runner's masker does for the whole log once told.

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, RwLock};

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
    values: Vec<String>,
    /// Each value, and each as Rust's `{:?}` and JSON quote it (`\"`, `\\`, `\n`, `\u{..}`),
    /// as a message or an output may have written it before it is scrubbed; longest first,
    /// so a secret that contains another is replaced whole.
    forms: Vec<String>,
}

impl Secrets {
    /// Keeps the values that are not blank, each once.
    pub fn new(values: impl IntoIterator<Item = String>) -> Self {
        let longest_first = |texts: &mut Vec<String>| {
            texts.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
            texts.dedup();
        };
        let mut values: Vec<String> = values
            .into_iter()
            .filter(|value| !value.trim().is_empty())
            .collect();
        longest_first(&mut values);
        let mut forms: Vec<String> = values
            .iter()
            .flat_map(|value| quoted_forms(value))
            .collect();
        longest_first(&mut forms);
        Self { values, forms }
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

    /// `text` with every secret replaced by `***`, in any ASCII letter case: a hex token
    /// shown upper-cased (as a name compared without case may be) is the token all the same.
    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut text = Cow::Borrowed(text);
        for secret in &self.forms {
            if let Some(replaced) = replace_any_case(&text, secret) {
                text = Cow::Owned(replaced);
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

/// `text` with every occurrence of `needle`, in any ASCII letter case, replaced by `***`;
/// `None` where there is none. ASCII lower-casing keeps every byte offset, and a match of
/// UTF-8 text in UTF-8 text starts and ends on character boundaries.
fn replace_any_case(text: &str, needle: &str) -> Option<String> {
    let (haystack, needle) = (text.to_ascii_lowercase(), needle.to_ascii_lowercase());
    let mut found = haystack.match_indices(&needle).peekable();
    found.peek()?;
    let mut replaced = String::with_capacity(text.len());
    let mut rest = 0;
    for (at, matched) in found {
        replaced.push_str(text.get(rest..at).unwrap_or_default());
        replaced.push_str(REPLACEMENT);
        rest = at + matched.len();
    }
    replaced.push_str(text.get(rest..).unwrap_or_default());
    Some(replaced)
}

/// `value`, and how `{:?}` and JSON write it inside their quotes where that differs.
fn quoted_forms(value: &str) -> Vec<String> {
    let inside = |quoted: String| {
        quoted
            .strip_prefix('"')
            .and_then(|rest| rest.strip_suffix('"'))
            .map(str::to_owned)
    };
    let mut forms = vec![value.to_owned()];
    forms.extend(inside(format!("{value:?}")));
    forms.extend(serde_json::to_string(value).ok().and_then(inside));
    forms
}

/// Every secret the process has learnt, for the functions that cut or escape text.
static LEARNT: RwLock<Option<Arc<Secrets>>> = RwLock::new(None);

/// Adds `values` to what every cut and escape scrubs first, and returns every secret learnt so
/// far: call it as soon as secrets are known, before anything is said.
pub fn learn(values: impl IntoIterator<Item = String>) -> Arc<Secrets> {
    let mut learnt = LEARNT
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let known = learnt.as_ref().map(|known| known.values.clone());
    let secrets = Arc::new(Secrets::new(
        values.into_iter().chain(known.into_iter().flatten()),
    ));
    *learnt = Some(secrets.clone());
    secrets
}

/// `text` scrubbed of every secret learnt: what a function that cuts or escapes text does
/// first.
pub fn scrubbed(text: &str) -> Cow<'_, str> {
    let learnt = LEARNT
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    match learnt.as_ref() {
        Some(secrets) => match secrets.scrub(text) {
            Cow::Borrowed(_) => Cow::Borrowed(text),
            Cow::Owned(scrubbed) => Cow::Owned(scrubbed),
        },
        None => Cow::Borrowed(text),
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

/// `text`, [scrubbed](scrubbed), with every [hidden](is_hidden) character written as a visible
/// `\u{..}` escape; line breaks and tabs stay.
pub fn printable(text: &str) -> Cow<'_, str> {
    let hidden = |c: char| c != '\n' && c != '\t' && is_hidden(c);
    let text = scrubbed(text);
    if !text.chars().any(hidden) {
        return text;
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

/// At most `limit` bytes of `text`, [scrubbed](scrubbed), its mark included: cut at a
/// character boundary and marked when cut.
pub fn bounded(text: &str, limit: usize) -> Cow<'_, str> {
    let text = scrubbed(text);
    if text.len() <= limit {
        return text;
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

    #[test]
    fn a_secret_is_scrubbed_in_any_ascii_letter_case() {
        let secrets = Secrets::new(["d7169ef4abc".to_owned()]);
        assert_eq!(
            secrets.scrub("`D7169EF4ABC` and d7169Ef4aBc, é before"),
            "`***` and ***, é before"
        );
        assert!(matches!(secrets.scrub("nothing here"), Cow::Borrowed(_)));
    }

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
    fn a_secret_quoted_by_debug_or_json_formatting_is_scrubbed() {
        let secret = "tok\"en\\with\nbreak";
        let secrets = Secrets::new([secret.to_owned()]);
        for quoted in [
            format!("got {secret:?}"),
            serde_json::json!({ "app": secret }).to_string(),
        ] {
            let scrubbed = secrets.scrub(&quoted);
            assert!(scrubbed.contains("***"), "{scrubbed}");
            assert!(
                !scrubbed.contains("tok") && !scrubbed.contains("break"),
                "{scrubbed}"
            );
        }
        assert_eq!(secrets.values(), [secret], "masks are the values only");
    }

    #[test]
    fn cutting_or_escaping_scrubs_first_every_secret_learnt() {
        let token = "8c1f7e2d9a4b6c3e5f0a1d2c7b8e9f4a6d5c3b2a1e0f9d8c7b6a5e4d3c2b1a0f";
        learn([token.to_owned()]);
        let text = format!("{}{token}\u{1b}", "x".repeat(30));
        for shown in [bounded(&text, 60), printable(&text)] {
            assert!(!shown.contains(token.get(..12).unwrap()), "{shown}");
            assert!(
                shown.starts_with(&format!("{}***", "x".repeat(30))),
                "{shown}"
            );
        }
    }

    #[test]
    fn what_is_learnt_adds_to_what_was() {
        let first = "first-learnt-secret-3f9e1c";
        learn([first.to_owned()]);
        let all = learn(["second-learnt-secret-7a2d4b".to_owned()]);
        assert_eq!(all.scrub(first), "***");
        assert_eq!(scrubbed("second-learnt-secret-7a2d4b!"), "***!");
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
