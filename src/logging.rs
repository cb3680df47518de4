//! `tracing` to stderr; `RUNNER_DEBUG=1` (GitHub's step debug) turns on debug detail.
//!
//! Only this crate logs at debug: the HTTP stack's own debug output is never enabled, so
//! headers (and with them the token) cannot reach the log. Every record is written as one
//! line: the runner reads stderr for workflow commands, and a message that quotes ToolJet
//! must not be able to start a line of its own such as `::add-mask::` or `::set-output`, and
//! control characters in it are shown as escapes, never sent to a terminal raw.

use std::io::{self, Write};

use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::prelude::*;

use crate::redact::{bounded, printable, scrubbed};

/// One log record at most; a server's words beyond it are cut.
const MAX_RECORD: usize = 8_000;

pub fn init(debug: bool) {
    let ours = if debug {
        LevelFilter::DEBUG
    } else {
        LevelFilter::INFO
    };
    let filter = Targets::new()
        .with_target(env!("CARGO_CRATE_NAME"), ours)
        .with_default(LevelFilter::WARN);
    let format = tracing_subscriber::fmt::layer()
        .with_writer(|| OneLine(io::stderr()))
        .with_ansi(false)
        .without_time()
        .with_target(false);
    tracing_subscriber::registry()
        .with(format)
        .with(filter)
        .init();
}

/// Writes each record (one `write` call from the formatter) with its inner line breaks folded.
struct OneLine<W>(W);

impl<W: Write> Write for OneLine<W> {
    fn write(&mut self, record: &[u8]) -> io::Result<usize> {
        // Scrubbed before folding: a multi-line secret folded onto one line would not match.
        let text = String::from_utf8_lossy(record);
        let text = scrubbed(&text);
        let folded = text
            .trim_end_matches(['\r', '\n'])
            .replace("\r\n", " ⏎ ")
            .replace(['\r', '\n'], " ⏎ ");
        let shown = bounded(&printable(&folded), MAX_RECORD).into_owned();
        self.0.write_all(format!("{shown}\n").as_bytes())?;
        Ok(record.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_in_a_record_are_shown_as_escapes() {
        let mut out = OneLine(Vec::new());
        out.write_all(b" WARN ToolJet said \x1b[2J\x07done\n")
            .unwrap();
        assert_eq!(
            String::from_utf8(out.0).unwrap(),
            " WARN ToolJet said \\u{1b}[2J\\u{7}done\n"
        );
    }

    #[test]
    fn a_multi_line_secret_is_scrubbed_before_the_record_is_folded() {
        let key = "-----BEGIN KEY-----\nMIIEowIBAAKCAQEA7c2f0e9d\n-----END KEY-----";
        crate::redact::learn([key.to_owned()]);
        let mut out = OneLine(Vec::new());
        out.write_all(format!(" INFO app {key} done\n").as_bytes())
            .unwrap();
        assert_eq!(String::from_utf8(out.0).unwrap(), " INFO app *** done\n");
    }

    #[test]
    fn a_record_with_line_breaks_stays_one_line() {
        let mut out = OneLine(Vec::new());
        out.write_all(b" WARN retry: ToolJet said\n::set-output name=x::y\r\n")
            .unwrap();
        assert_eq!(
            String::from_utf8(out.0).unwrap(),
            " WARN retry: ToolJet said ⏎ ::set-output name=x::y\n"
        );
    }
}
