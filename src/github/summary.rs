//! The step summary: a short Markdown report of what happened, safe whatever ToolJet sends.

use super::Report;
use super::report::{self, failure};
use super::validation::warnings;
use crate::operation::OperationKind;
use crate::outcome::{AppRun, Outcome, Verdict};
use crate::plan::State;
use crate::redact::{is_hidden, scrubbed};
use crate::steps::{self, StepEnd};

/// ToolJet's environments in priority order, as every workspace has them.
const ENVIRONMENTS: [&str; 3] = ["development", "staging", "production"];

/// Server text longer than this is cut, keeping the summary far below GitHub's 1 MiB limit.
const MAX_TEXT: usize = 2_000;
/// A table cell holds less: one row per app.
const MAX_CELL: usize = 200;
/// Issues of ToolJet's app validation listed per app, and apps given a part; the rest are
/// counted.
const MAX_ISSUES: usize = 10;
const MAX_WARNED: usize = 20;
/// Unmanaged apps named in the summary; the rest are counted.
const MAX_UNMANAGED: usize = 20;
/// Rows in the table of apps; the rest are counted below it. With [`MAX_CELL`] this keeps the
/// summary under about 300 KB for any number of apps.
pub(super) const MAX_ROWS: usize = 100;

/// Makes untrusted text inert in Markdown: no HTML, no table breaks, no links or emphasis, no
/// hidden characters (shown as `\u{..}`).
pub fn escape(text: &str) -> String {
    escape_within(text, MAX_TEXT)
}

/// [`escape`] for a table cell, which holds at most [`MAX_CELL`] characters.
pub(super) fn cell(text: &str) -> String {
    escape_within(text, MAX_CELL)
}

/// [`escape`], keeping at most `limit` characters of `text` once it is scrubbed: a secret cut
/// or escaped first would no longer match when the whole summary is scrubbed.
fn escape_within(text: &str, limit: usize) -> String {
    let text = scrubbed(text);
    let mut escaped = String::with_capacity(text.len().min(limit));
    for c in text.chars().take(limit) {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '\r' | '\n' | '\t' => escaped.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '!' | '(' | ')' | '$' => {
                escaped.push('\\');
                escaped.push(c);
            }
            c if is_hidden(c) => escaped.push_str(&format!("\\\\u{{{:x}}}", u32::from(c))),
            c => escaped.push(c),
        }
    }
    if text.chars().nth(limit).is_some() {
        escaped.push_str(" …");
    }
    escaped
}

/// A Markdown link to `url` with `label` (Markdown already made inert). URLs here carry values
/// from ToolJet's answers (slugs, workspace ids); every character that could end the link's
/// destination or start Markdown of its own is percent-encoded, which leaves the URL's meaning.
fn link(label: &str, url: &str) -> String {
    // Scrubbed before it is percent-encoded: an id given as an input may be a pasted token.
    let url = scrubbed(url);
    let mut destination = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            '(' | ')' | '[' | ']' | '<' | '>' | '\\' | '`' | '"' | '\'' | '*' | '_' | '|' | '!' => {
                destination.push_str(&format!("%{:02X}", u32::from(c)));
            }
            c if c.is_whitespace() || c.is_control() => {
                let mut bytes = [0; 4];
                for byte in c.encode_utf8(&mut bytes).bytes() {
                    destination.push_str(&format!("%{byte:02X}"));
                }
            }
            c => destination.push(c),
        }
    }
    format!("[{label}]({destination})")
}

/// Renders the summary: the result at a glance, the facts, the links, what triggered it, and
/// on failure what happened and what to do. Several apps get one row each.
pub fn render(report: &Report) -> String {
    let mut md = match (report.run.apps.as_slice(), report.operation()) {
        (apps, OperationKind::Check | OperationKind::Apply) => render_plan(report, apps),
        ([only], _) => render_one(report, only),
        (many, _) => render_many(report, many),
    };
    md.push_str(&what_changes(&report.run.apps));
    md.push_str(&unmanaged(report));
    md.push_str(&validation(&report.run.apps));
    // Lookups are requests like the apps': their retries are told the same way.
    for note in &report.run.lookups.notes {
        md.push_str(&format!("\n> {}\n", escape(note.text())));
    }
    md
}

fn heading(app: &AppRun) -> (&'static str, String) {
    match &app.verdict {
        Verdict::Succeeded => ("✅", "succeeded".to_owned()),
        Verdict::Planned => ("📝", "planned (dry run: nothing was sent)".to_owned()),
        Verdict::Failed(_) if app.outcome() == Outcome::Unknown => {
            ("⚠️", "outcome unknown".to_owned())
        }
        Verdict::Cancelled { signal, .. } | Verdict::NotStarted(signal) => {
            ("⚠️", format!("cancelled ({signal})"))
        }
        _ => ("❌", "failed".to_owned()),
    }
}

fn render_one(report: &Report, outcome: &AppRun) -> String {
    let operation = outcome.operation;
    let (icon, result) = heading(outcome);
    let mut md = format!("### {icon} ToolJet `{operation}` {result}\n\n| | |\n|---|---|\n");
    let mut row = |name: &str, value: String| md.push_str(&format!("| {name} | {value} |\n"));
    row("Operation", operation.to_string());
    let ids = &outcome.ids;
    let id = ids.app_id.as_deref().or(outcome.app.as_deref());
    if let Some(app) = named(&outcome.label, id) {
        row("App", app);
    }
    if operation.desired() {
        row("Version", version_change(outcome));
    } else if let Some(version) = named(
        outcome.version.as_deref().unwrap_or_default(),
        ids.version_id.as_deref(),
    ) {
        row("Version", version);
    }
    if let Some(environment) = &ids.environment {
        row("Environment", pipeline(environment));
    }
    row("Result", outcome.outcome().to_string());
    if let Some(status) = outcome.status {
        row("HTTP status", escape(&status.to_string()));
    }
    // The step's whole time, as `duration-ms` reports it.
    row("Duration", human_duration(report.elapsed));
    if let Some(trigger) = triggered_by(report) {
        row("Triggered by", trigger);
    }
    if operation.desired() {
        row("Steps", steps_line(outcome, true));
    }
    if let (Verdict::Planned, Some(plan)) = (&outcome.verdict, report.message(outcome)) {
        row("Would send", escape(&plan));
    }
    let links: Vec<String> = [
        ("Open the released app", report.app_url(outcome)),
        ("Open in ToolJet's editor", report.editor_url(outcome)),
    ]
    .into_iter()
    .filter_map(|(label, url)| Some(link(label, url?.as_str())))
    .collect();
    if !links.is_empty() {
        md.push_str(&format!("\n{}\n", links.join(" · ")));
    }
    for note in &outcome.notes {
        md.push_str(&format!("\n> {}\n", escape(note.text())));
    }
    if let Some((message, hint)) = failure(outcome) {
        let next = if outcome.outcome() == Outcome::Unknown {
            format!(
                "Open the app in ToolJet and check whether the {operation} happened before re-running the job."
            )
        } else {
            "Fix what the message points at, then re-run the failed job.".to_owned()
        };
        md.push_str(&format!(
            "\n**What happened:** {}\n\n**What to check:** {}\n\n**Next:** {}\n",
            escape(&message),
            escape(&hint),
            escape(&next)
        ));
    }
    md
}

/// "1 app", "3 apps".
fn apps_counted(count: usize) -> String {
    match count {
        1 => "1 app".to_owned(),
        n => format!("{n} apps"),
    }
}

/// "2 succeeded, 1 failed": how many of `outcomes` ended each way.
fn tally<'a>(outcomes: impl Iterator<Item = &'a AppRun> + Clone) -> String {
    let count = |name: &str| {
        outcomes
            .clone()
            .filter(|o| o.verdict.name() == name)
            .count()
    };
    let counts: Vec<String> = Verdict::NAMES
        .into_iter()
        .filter(|name| count(name) > 0)
        .map(|name| format!("{} {name}", count(name)))
        .collect();
    counts.join(", ")
}

/// The apps that get a row: all of them up to [`MAX_ROWS`], else those that did not succeed
/// first, in the order given.
fn listed(outcomes: &[AppRun]) -> Vec<usize> {
    let mut listed: Vec<usize> = (0..outcomes.len()).collect();
    if listed.len() > MAX_ROWS {
        listed.sort_by_key(|&i| (outcomes[i].succeeded(), i));
        listed.truncate(MAX_ROWS);
        listed.sort_unstable();
    }
    listed
}

fn render_many(report: &Report, outcomes: &[AppRun]) -> String {
    let operation = outcomes[0].operation;
    let icon = match report.run.outcome() {
        Outcome::Success if report.run.dry_run => "📝",
        Outcome::Success => "✅",
        Outcome::Unknown => "⚠️",
        Outcome::Failure => "❌",
    };
    let mut md = format!(
        "### {icon} ToolJet `{operation}`{} for {}: {}\n\n| App | Version | Result | HTTP status | Duration | Message |\n|---|---|---|---|---|---|\n",
        of_instance(report),
        apps_counted(outcomes.len()),
        tally(outcomes.iter())
    );
    let listed = listed(outcomes);
    for outcome in listed.iter().map(|&i| &outcomes[i]) {
        let app = match report.editor_url(outcome) {
            Some(url) => link(&cell(&outcome.label), url.as_str()),
            None => cell(&outcome.label),
        };
        let version = match operation.desired() {
            true => version_change(outcome),
            false => cell(outcome.version.as_deref().unwrap_or_default()),
        };
        let status = outcome.status.map(|s| s.to_string()).unwrap_or_default();
        let message = report.message(outcome);
        let result = match operation.desired() {
            true => format!("{}: {}", outcome.verdict.name(), steps_line(outcome, false)),
            false => outcome.verdict.name().to_owned(),
        };
        md.push_str(&format!(
            "| {app} | {} | {} | {} | {} | {} |\n",
            version,
            result,
            cell(&status),
            human_duration(outcome.duration),
            cell(&message.unwrap_or_default()),
        ));
    }
    if listed.len() < outcomes.len() {
        let unlisted = outcomes
            .iter()
            .enumerate()
            .filter(|(i, _)| listed.binary_search(i).is_err())
            .map(|(_, o)| o);
        md.push_str(&format!(
            "\n{} more apps are not listed here ({}): the table shows {MAX_ROWS}, those that did not succeed first.\n",
            outcomes.len() - listed.len(),
            tally(unlisted)
        ));
    }
    // The step's whole time, as `duration-ms` reports it; the rows are each app's own.
    md.push_str(&format!(
        "\nThe step took {}.\n",
        human_duration(report.elapsed)
    ));
    if let Some(trigger) = triggered_by(report) {
        md.push_str(&format!("\nTriggered by {trigger}.\n"));
    }
    md
}

/// The summary's "ToolJet's app validation" part: per app, its issues as a table, and how many
/// ToolJet counted without listing them.
fn validation(apps: &[AppRun]) -> String {
    let warned: Vec<&AppRun> = apps.iter().filter(|app| app.warnings() > 0).collect();
    if warned.is_empty() {
        return String::new();
    }
    let mut md = String::from("\n#### ToolJet's app validation\n");
    for app in warned.iter().take(MAX_WARNED) {
        md.push_str(&format!(
            "\n{}: {}; the step went on.\n",
            cell(&app.label),
            warnings(app.warnings())
        ));
        let issues = app
            .validation
            .iter()
            .flat_map(|(step, found)| found.issues.iter().map(move |issue| (step, issue)));
        let mut rows = 0;
        for (step, issue) in issues.take(MAX_ISSUES) {
            if rows == 0 {
                md.push_str(
                    "\n| Step | Code | Severity | Path | Message | Fix |\n|---|---|---|---|---|---|\n",
                );
            }
            md.push_str(&format!(
                "| {step} | {} | {} | {} | {} | {} |\n",
                cell(&issue.code),
                cell(&issue.severity),
                cell(&issue.path),
                cell(&issue.message),
                cell(issue.fix.as_deref().unwrap_or_default()),
            ));
            rows += 1;
        }
        let listed: usize = app.validation.iter().map(|(_, found)| found.listed).sum();
        if listed > rows {
            md.push_str(&format!("\n{} more not listed here.\n", listed - rows));
        }
        let unlisted = app.warnings() - listed;
        if unlisted > 0 {
            md.push_str(&match listed {
                0 => "\nToolJet listed none of them: its answer gave only the number.\n".to_owned(),
                _ => format!(
                    "\nToolJet listed {listed} of them: its answer says nothing more of the other \
                     {unlisted}.\n"
                ),
            });
        }
    }
    if warned.len() > MAX_WARNED {
        md.push_str(&format!(
            "\n{} more apps have warnings; `results` counts them.\n",
            warned.len() - MAX_WARNED
        ));
    }
    md
}

/// `check` and `apply`: the plan's tally first, as reviewers read it, then how each app stands
/// against the manifest and what `apply` does about it; after an `apply` that ran, how each
/// app's steps ended.
fn render_plan(report: &Report, apps: &[AppRun]) -> String {
    let operation = report.operation();
    let executed = !report.plan_is_the_result();
    let in_sync = apps
        .iter()
        .filter(|app| {
            app.plan
                .as_ref()
                .is_some_and(|plan| plan.state == State::InSync)
        })
        .count();
    let icon = match report.run.outcome() {
        Outcome::Success if !executed && in_sync < apps.len() => "📝",
        Outcome::Success => "✅",
        Outcome::Unknown => "⚠️",
        Outcome::Failure if report.run.only_drifted() => "⚠️",
        Outcome::Failure => "❌",
    };
    let dry = match (operation, report.run.dry_run) {
        (OperationKind::Apply, true) => " (dry run: nothing was written)",
        _ => "",
    };
    let (live, does, result) = match executed {
        true => ("Live before", "What `apply` did", " Result |"),
        false => ("Live", "What `apply` would do", ""),
    };
    let outcome = match executed {
        true => format!("for {}: {}", apps_counted(apps.len()), tally(apps.iter())),
        false => format!("{in_sync} of {} in sync", apps_counted(apps.len())),
    };
    let mut md = format!(
        "### {icon} ToolJet `{operation}`{}{dry}: {outcome}\n\n**{}**\n\n\
         | App | Declared | {live} | State | {does} |{result}\n|---|---|---|---|---|{}\n",
        of_instance(report),
        escape(&report.tally().to_string()),
        if executed { "---|" } else { "" },
    );
    let listed = listed(apps);
    for app in listed.iter().map(|&i| &apps[i]) {
        let plan = app.plan.as_ref();
        let live = match plan.map(|plan| (plan.live(), plan.state)) {
            Some((Some(live), _)) => cell(live),
            Some((None, State::AppAbsent)) => "(no app)".to_owned(),
            Some((None, State::Unknown)) | None => "?".to_owned(),
            Some((None, _)) => "(none released)".to_owned(),
        };
        let state = plan.map_or(State::Unknown, |plan| plan.state);
        let does = match (plan, &app.verdict) {
            (_, Verdict::Unresolved(_)) | (None, _) => report.message(app).unwrap_or_default(),
            (Some(plan), _) => plan.words(),
        };
        md.push_str(&format!(
            "| {} | {} | {live} | {state} | {} |",
            cell(&app.label),
            cell(app.version.as_deref().unwrap_or_default()),
            cell(&does),
        ));
        if executed {
            md.push_str(&format!(
                " {}: {} |",
                app.verdict.name(),
                steps_line(app, false)
            ));
        }
        md.push('\n');
    }
    if listed.len() < apps.len() {
        md.push_str(&format!(
            "\n{} more apps are not listed here: the table shows {MAX_ROWS}, those that did not succeed first.\n",
            apps.len() - listed.len()
        ));
    }
    if executed {
        md.push_str(&format!(
            "\nThe step took {}.\n",
            human_duration(report.elapsed)
        ));
    }
    if let Some(trigger) = triggered_by(report) {
        md.push_str(&format!("\nTriggered by {trigger}.\n"));
    }
    md
}

/// Apps whose changes the summary details; the rest have their one line in the log and all of
/// it in `results`.
const MAX_DIFFS: usize = 20;
/// A line of an app's changes holds at most this much.
const MAX_CHANGE_LINE: usize = 500;

/// `check`, `apply`: what changes in each app's content, from the live version to the declared
/// one, by kind and name, its risky changes called out; or why that cannot be said.
fn what_changes(apps: &[AppRun]) -> String {
    let with_diff: Vec<&AppRun> = apps.iter().filter(|app| app.diff.is_some()).collect();
    if with_diff.is_empty() {
        return String::new();
    }
    let mut md = String::from("\n#### What changes in the apps\n");
    for app in with_diff.iter().take(MAX_DIFFS) {
        let lines = report::change_lines(app);
        let Some((head, rest)) = lines.split_first() else {
            continue;
        };
        md.push_str(&format!(
            "\n**{}**: {}\n",
            cell(&app.label),
            escape_within(head, MAX_CHANGE_LINE)
        ));
        for line in rest {
            let line = line.trim_start();
            let line = match line.strip_prefix("risky: ") {
                Some(risk) => format!("⚠️ risky: {}", escape_within(risk, MAX_CHANGE_LINE)),
                None => escape_within(line, MAX_CHANGE_LINE),
            };
            md.push_str(&format!("- {line}\n"));
        }
    }
    if with_diff.len() > MAX_DIFFS {
        md.push_str(&format!(
            "\n{} more apps change too: the log and `results` say how.\n",
            with_diff.len() - MAX_DIFFS
        ));
    }
    md
}

/// The apps of the workspace the manifest does not name, which `check` and `apply` never touch.
fn unmanaged(report: &Report) -> String {
    let unmanaged = &report.run.lookups.unmanaged;
    if unmanaged.is_empty() {
        return String::new();
    }
    let shown: Vec<String> = unmanaged
        .iter()
        .take(MAX_UNMANAGED)
        .map(|name| cell(name))
        .collect();
    let more = match unmanaged.len().saturating_sub(MAX_UNMANAGED) {
        0 => String::new(),
        more => format!(" and {more} more"),
    };
    format!(
        "\n{} apps of the workspace are not in the manifest (unmanaged, never touched): {}{more}.\n",
        unmanaged.len(),
        shown.join(", ")
    )
}

/// " of production", the manifest's instance the step is about, if any.
fn of_instance(report: &Report) -> String {
    report
        .instance
        .map(|instance| format!(" of {}", cell(instance)))
        .unwrap_or_default()
}

/// A name as given, with its id beside it where the two differ: "Inventory (0f5f…)".
fn named(name: &str, id: Option<&str>) -> Option<String> {
    match (name, id) {
        ("", None) => None,
        ("", Some(id)) => Some(escape(id)),
        (name, Some(id)) if !id.eq_ignore_ascii_case(name) => {
            Some(format!("{} ({})", escape(name), escape(id)))
        }
        (name, _) => Some(escape(name)),
    }
}

/// The version before and after a deploy: "v1.3.0 → v1.4.0", or the version alone.
fn version_change(app: &AppRun) -> String {
    let wanted = cell(app.version.as_deref().unwrap_or_default());
    match app.plan.as_ref().and_then(|plan| plan.live()) {
        Some(before) if before != app.version.as_deref().unwrap_or_default() => {
            format!("{} → {wanted}", cell(before))
        }
        _ => wanted,
    }
}

/// The app's steps in order, each with a mark for how it ended (`✓ listed · ✗ saved ·
/// · released (not run)`); with `why`, a skipped step says why.
fn steps_line(app: &AppRun, why: bool) -> String {
    steps::with_unrun(app.operation, &app.steps)
        .iter()
        .map(|record| {
            let mark = match &record.end {
                StepEnd::Done => "✓",
                StepEnd::Planned(_) => "📝",
                StepEnd::Skipped(_) => "–",
                StepEnd::Failed => "✗",
                StepEnd::Cancelled => "⚠️",
                StepEnd::NotRun => "·",
            };
            match &record.end {
                StepEnd::Skipped(reason) if why => {
                    format!("{mark} {} (skipped: {})", record.step, cell(reason))
                }
                StepEnd::Done | StepEnd::Planned(_) | StepEnd::Failed => {
                    format!("{mark} {}", record.step)
                }
                end => format!("{mark} {} ({})", record.step, end.name()),
            }
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Where the version now stands in ToolJet's environments, the current one in bold.
fn pipeline(environment: &str) -> String {
    if !ENVIRONMENTS.contains(&environment) {
        return escape(environment);
    }
    let stages: Vec<String> = ENVIRONMENTS
        .iter()
        .map(|e| {
            if *e == environment {
                format!("**{e}**")
            } else {
                (*e).to_owned()
            }
        })
        .collect();
    stages.join(" → ")
}

/// The commit and workflow run that started this step, as links.
fn triggered_by(report: &Report) -> Option<String> {
    let run = report.context;
    let commit = match (run.commit_url(), &run.sha) {
        (Some(url), Some(sha)) => {
            let short: String = sha.chars().take(7).collect();
            let label = format!("{}@{}", run.repository.as_deref()?, short);
            link(&escape(&label), &url)
        }
        _ => return None,
    };
    Some(match (run.run_url(), &run.run_id) {
        (Some(url), Some(id)) => {
            format!("{commit} in {}", link(&escape(&format!("run {id}")), &url))
        }
        _ => commit,
    })
}

fn human_duration(duration: std::time::Duration) -> String {
    match duration.as_millis() {
        ms @ 0..1_000 => format!("{ms} ms"),
        _ => format!("{:.1} s", duration.as_secs_f64()),
    }
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
    fn a_url_from_server_values_cannot_plant_a_link() {
        let planted =
            "https://tj.example.com/applications/x)[Re-authenticate here](http:evil.example";
        let md = link("Open the released app", planted);
        assert_eq!(
            md,
            "[Open the released app](https://tj.example.com/applications/x%29%5BRe-authenticate%20here%5D%28http:evil.example)"
        );
        assert_eq!(md.matches("](").count(), 1, "{md}");
    }

    fn run_of(verdicts: Vec<(&str, Verdict)>) -> crate::outcome::Run {
        let apps = verdicts
            .into_iter()
            .map(|(label, verdict)| {
                let pull = crate::operation::Operation::Pull {
                    app_id: format!("id-{label}"),
                    branch: None,
                };
                AppRun::new(
                    crate::job::Job::Single(pull).subject(),
                    label,
                    std::time::Duration::from_millis(5),
                    verdict,
                )
            })
            .collect();
        crate::outcome::Run {
            apps,
            lookups: crate::outcome::Lookups::default(),
            dry_run: false,
            plan_only: false,
        }
    }

    #[test]
    fn several_apps_get_a_tally_and_a_row_each_with_their_labels_escaped() {
        let run = run_of(vec![
            ("Inventory", Verdict::Succeeded),
            ("Orders | Admin", Verdict::Skipped),
            ("Billing", Verdict::NotStarted(crate::signals::Signal::Term)),
        ]);
        let url = reqwest::Url::parse("https://tj.example.com/").unwrap();
        let context = crate::environment::RunContext::default();
        let md = render(&Report {
            run: &run,
            instance: None,
            tooljet_url: &url,
            organization_id: None,
            context: &context,
            elapsed: std::time::Duration::from_millis(1_500),
        });
        assert!(
            md.starts_with(
                "### ❌ ToolJet `pull` for 3 apps: 1 succeeded, 1 skipped, 1 not started\n"
            ),
            "{md}"
        );
        let rows: Vec<&str> = md
            .lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| App"))
            .collect();
        assert_eq!(rows.len(), 3, "{md}");
        assert!(rows[1].starts_with("| Orders \\| Admin |"), "{}", rows[1]);
        assert!(md.contains("The step took 1.5 s."), "{md}");
    }

    #[test]
    fn a_secret_is_scrubbed_before_a_cell_is_cut_or_escaped() {
        let hex = "3e7a9c1f5b2d8e4a6c0f9b3d7e1a5c8f2b6d0e4a9c3f7b1d5e8a2c6f0b4d9e3a";
        let marked = "tj_5b2d*8e4a_6c0f9b3d7e1a5c8f2b6d0e4a9c3f7b1d5e8a2c6f0b4d9e3a1f0c";
        crate::redact::learn([hex.to_owned(), marked.to_owned()]);
        // At the cut, the hex token's first 30 characters would stay; `_` and `*` would be
        // escaped with backslashes, which the whole summary's scrubbing would no longer match.
        for text in [
            format!("{}{hex}", "a".repeat(MAX_CELL - 30)),
            format!("app {marked}"),
        ] {
            let shown = cell(&text);
            assert!(shown.contains("\\*\\*\\*"), "{shown}");
            let rendered = shown.replace('\\', "");
            for secret in [hex, marked] {
                assert!(!rendered.contains(secret.get(6..18).unwrap()), "{shown}");
            }
        }
    }

    #[test]
    fn a_secret_in_a_link_is_scrubbed_before_it_is_percent_encoded() {
        let secret = "tok(en)_7c2e9a4f1b8d3e6a0c5f9b2d7e4a1c8f3b6d0e9a";
        crate::redact::learn([secret.to_owned()]);
        let md = link("Open", &format!("https://tj.example.com/{secret}/apps/1"));
        assert_eq!(md, "[Open](https://tj.example.com/%2A%2A%2A/apps/1)");
    }

    #[test]
    fn a_character_that_reorders_text_is_shown_not_obeyed() {
        assert_eq!(cell("Inven\u{202e}yrot"), "Inven\\\\u{202e}yrot");
    }

    #[test]
    fn long_server_text_is_cut() {
        let escaped = escape(&"a".repeat(1_000_000));
        assert!(escaped.len() < MAX_TEXT + 10);
    }
}
