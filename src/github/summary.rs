//! The step summary: a short Markdown report of what happened, safe whatever ToolJet sends.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::Path;

use super::Report;
use crate::run::{Note, Verdict};

/// Server text longer than this is cut, keeping the summary far below GitHub's 1 MiB limit.
const MAX_TEXT: usize = 2_000;

/// Makes untrusted text inert in Markdown: no HTML, no table breaks, no links or emphasis.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars().take(MAX_TEXT) {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '\r' | '\n' | '\t' => escaped.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '!' | '(' | ')' | '$' => {
                escaped.push('\\');
                escaped.push(c);
            }
            c if c.is_control() => {}
            c => escaped.push(c),
        }
    }
    if text.chars().count() > MAX_TEXT {
        escaped.push_str(" …");
    }
    escaped
}

/// Renders the summary for one run.
pub fn render(report: &Report) -> String {
    let outcome = report.outcome;
    let operation = outcome.operation;
    let (icon, result) = match &outcome.verdict {
        Verdict::Success => ("✅", "succeeded".to_owned()),
        Verdict::Failed(_) if outcome.outcome() == "unknown" => {
            ("⚠️", "outcome unknown".to_owned())
        }
        Verdict::Failed(_) => ("❌", "failed".to_owned()),
        Verdict::Cancelled { signal, .. } => ("⚠️", format!("cancelled ({signal})")),
    };
    let mut md = format!("### {icon} ToolJet `{operation}` {result}\n\n| | |\n|---|---|\n");
    let mut row = |name: &str, value: String| md.push_str(&format!("| {name} | {value} |\n"));
    row("Operation", operation.to_string());
    if let Some(app) = outcome.ids.app_id.as_deref().or(outcome.app.as_deref()) {
        let link = report
            .editor_url()
            .map(|url| format!(" ([open in ToolJet]({url}))"))
            .unwrap_or_default();
        row("App", format!("{}{link}", escape(app)));
    }
    if let Some(version) = outcome
        .ids
        .version_id
        .as_deref()
        .or(outcome.version.as_deref())
    {
        row("Version", escape(version));
    }
    if let Some(environment) = &outcome.ids.environment {
        row("Environment", escape(environment));
    }
    row("Result", outcome.outcome().to_owned());
    if let Some(status) = outcome.status {
        row("HTTP status", escape(&status.to_string()));
    }
    row("Duration", human_duration(outcome.duration));
    if let Some(url) = report.run.run_url() {
        row(
            "Workflow run",
            format!(
                "[{}]({url})",
                escape(report.run.run_id.as_deref().unwrap_or("run"))
            ),
        );
    }
    for note in &outcome.notes {
        let (Note::Retry(text) | Note::Info(text)) = note;
        md.push_str(&format!("\n> {}\n", escape(text)));
    }
    if let Some((message, hint)) = report.failure() {
        md.push_str(&format!(
            "\n**What happened:** {}\n\n**What to check:** {}\n",
            escape(&message),
            escape(&hint)
        ));
    }
    md
}

fn human_duration(duration: std::time::Duration) -> String {
    match duration.as_millis() {
        ms @ 0..1_000 => format!("{ms} ms"),
        _ => format!("{:.1} s", duration.as_secs_f64()),
    }
}

/// Appends to the runner's summary file.
pub fn append_to(path: &Path, markdown: &str) -> io::Result<()> {
    OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)?
        .write_all(markdown.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_text_cannot_inject_html_or_break_the_table() {
        let escaped = escape("<img src=x onerror=alert(1)> | col\n# heading [link](http://x)");
        assert!(!escaped.contains('<') && !escaped.contains('\n'));
        assert!(escaped.contains("\\|") && escaped.contains("\\[link\\]"));
    }

    #[test]
    fn long_server_text_is_cut() {
        let escaped = escape(&"a".repeat(1_000_000));
        assert!(escaped.len() < MAX_TEXT + 10);
    }
}
