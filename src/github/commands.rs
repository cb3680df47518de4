//! Workflow commands (`::add-mask::`, `::error::`, ...) on stdout, escaped as the toolkit does.
//!
//! Off GitHub (GitLab CI, Jenkins) they would be plain text in the log, and `::add-mask::`
//! would print the very secret it means to hide, so they are only emitted when
//! `GITHUB_ACTIONS=true`; elsewhere annotations become plain lines on stderr.

use std::io::Write;
use std::sync::Arc;

use crate::inputs::naming::Naming;
use crate::redact::{Secrets, bounded, printable};

/// GitHub keeps the first 4,096 characters of an annotation; the log line stops there too.
pub const MAX_ANNOTATION: usize = 4_000;
/// A title is one short line.
const MAX_TITLE: usize = 200;
/// A line of the request log.
const MAX_LINE: usize = 2_000;

/// One line on stdout (`true`) or stderr. A stream whose reader went away (`| head`) loses the
/// line, never the step: `println!` would panic there.
pub fn line(stdout: bool, text: std::fmt::Arguments) {
    let _ = match stdout {
        true => writeln!(std::io::stdout().lock(), "{text}"),
        false => writeln!(std::io::stderr().lock(), "{text}"),
    };
}

/// `text` as a sentence: ended by its own `.`, `?` or `!`, else by a `.`.
pub fn sentence(text: &str) -> String {
    let text = text.trim_end();
    match text.ends_with(['.', '?', '!']) {
        true => text.to_owned(),
        false => format!("{text}."),
    }
}

/// Server text as one log line may show it: control characters visible, at most `limit` bytes.
fn shown(text: &str, limit: usize) -> String {
    bounded(&printable(text), limit).into_owned()
}

/// Escapes a command's message: `%` first, then CR and LF, so the runner reads one line.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property such as `title=`: also `:` and `,`, which separate properties.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Annotation levels the runner turns into marks on the run page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Notice,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Notice => "notice",
        }
    }

    pub fn plural(self) -> &'static str {
        match self {
            Self::Error => "errors",
            Self::Warning => "warnings",
            Self::Notice => "notices",
        }
    }
}

/// What every word the step shows goes through: each secret scrubbed (a token typed where a
/// word belongs is never echoed), and inputs named as the caller names them.
#[derive(Debug, Clone, Default)]
pub struct Voice {
    secrets: Arc<Secrets>,
    naming: Arc<Naming>,
}

impl Voice {
    pub fn new(secrets: Arc<Secrets>, naming: Naming) -> Self {
        Self {
            secrets,
            naming: Arc::new(naming),
        }
    }

    /// `text` as a person may read it.
    pub fn say(&self, text: &str) -> String {
        self.naming.rewrite(&self.secrets.scrub(text))
    }

    pub fn naming(&self) -> &Naming {
        &self.naming
    }

    pub fn secrets(&self) -> &Secrets {
        &self.secrets
    }
}

/// Writes workflow commands, or their plain-text stand-ins off GitHub.
#[derive(Debug, Clone, Default)]
pub struct Commands {
    pub on_github: bool,
    pub voice: Voice,
}

impl Commands {
    /// Registers a secret with the runner's masker: the whole value and each of its lines, as
    /// the runner masks line by line and older runners do not split multi-line masks themselves.
    pub fn add_mask(&self, secret: &str) {
        if !self.on_github {
            return;
        }
        let mut lines = vec![secret.trim()];
        lines.extend(secret.lines().map(str::trim));
        lines.sort_unstable();
        lines.dedup();
        let mut out = std::io::stdout().lock();
        for line in lines.into_iter().filter(|line| !line.is_empty()) {
            let _ = writeln!(out, "::add-mask::{}", escape_data(line));
        }
        let _ = out.flush();
    }

    /// Lines folded under a title in GitHub's log (`::group::`); plain lines on stderr elsewhere.
    pub fn group(&self, title: &str, lines: impl IntoIterator<Item = String>) {
        if self.on_github {
            line(true, format_args!("::group::{}", escape_data(title)));
            for text in lines {
                // One line each, whatever it holds, so none can pass for a command.
                let text = escape_data(&shown(&self.voice.say(&text), MAX_LINE));
                line(true, format_args!("{text}"));
            }
            line(true, format_args!("::endgroup::"));
        } else {
            for text in lines {
                let text = shown(&self.voice.say(&text), MAX_LINE);
                line(false, format_args!("{title}: {text}"));
            }
        }
    }

    /// Lines in the log, each behind `label` so that none can pass for a workflow command,
    /// whatever it quotes: on stdout on GitHub, on stderr elsewhere (where stdout is the JSON).
    pub fn lines(&self, label: &str, lines: impl IntoIterator<Item = String>) {
        for text in lines {
            let text = shown(&self.voice.say(&text), MAX_LINE);
            // Behind its label no line can start a workflow command, and `shown` made every
            // control character visible: the text needs no escapes (`%` stays `%`).
            line(self.on_github, format_args!("{label}: {text}"));
        }
    }

    /// An annotation with a title; its message may span lines. Control characters in either
    /// are made visible, and both are cut to what GitHub keeps.
    pub fn annotate(&self, level: Level, title: &str, message: &str) {
        self.annotate_with_hint(level, title, message, None);
    }

    /// An annotation whose message ends in `hint`: the message is cut first, so that however
    /// long it is, the hint stays and the whole stays within [`MAX_ANNOTATION`] bytes.
    pub fn annotate_with_hint(&self, level: Level, title: &str, message: &str, hint: Option<&str>) {
        let title = shown(&self.voice.say(title), MAX_TITLE);
        let message = match hint {
            Some(hint) => {
                let hint = shown(
                    &format!("\nHint: {}", self.voice.say(hint)),
                    MAX_ANNOTATION / 2,
                );
                let room = MAX_ANNOTATION.saturating_sub(hint.len());
                format!("{}{hint}", shown(&self.voice.say(message), room))
            }
            None => shown(&self.voice.say(message), MAX_ANNOTATION),
        };
        if self.on_github {
            line(
                true,
                format_args!(
                    "::{} title={}::{}",
                    level.as_str(),
                    escape_property(&title),
                    escape_data(&message)
                ),
            );
        } else {
            line(
                false,
                format_args!("{}: {title}: {message}", level.as_str()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escaping_keeps_the_command_on_one_line() {
        assert_eq!(escape_data("50%\r\nnext"), "50%25%0D%0Anext");
    }

    #[test]
    fn server_text_is_made_printable_and_cut() {
        assert_eq!(shown("a\u{1b}[2Jb", 100), "a\\u{1b}[2Jb");
        assert!(shown(&"x".repeat(10_000), MAX_ANNOTATION).len() <= MAX_ANNOTATION);
    }

    #[test]
    fn property_escaping_also_covers_separators() {
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
