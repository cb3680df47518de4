//! What `diff` says: the changes to the desired state as outputs (`results`, `instances`), as
//! plain lines in the log (every CI and a shell has one) and as a table in the step summary.
//! The same words in each, from one list of rows.

use std::time::Duration;

use super::outputs::bounded_list;
use super::report::MAX_RESULTS;
use super::summary::{MAX_ROWS, cell, escape};
use super::{GitHub, Level, Outputs};
use crate::diff::{AppChange, AppChangeKind, Diff, InstanceChange, InstanceChangeKind};
use crate::inputs::diff::DiffInputs;
use crate::operation::OperationKind;
use crate::outcome::Outcome;

/// Lines of changes in the log; beyond, they are counted (the summary and `results` list more).
const MAX_LOG_LINES: usize = 1_000;

/// A `diff` run with what is needed to describe it.
pub struct DiffReport<'a> {
    pub diff: &'a Diff,
    pub inputs: &'a DiffInputs,
    pub elapsed: Duration,
}

/// One change, in words: a row of the summary's table, a line of the log.
struct Row {
    instance: String,
    app: Option<String>,
    change: String,
    from: Option<String>,
    to: Option<String>,
    /// What the change means, where it is not plain.
    note: Option<&'static str>,
}

/// What removing an app or an instance from the manifest means.
const NO_LONGER_MANAGED: &str = "no longer managed: apply deletes nothing, what is live stays";

impl Row {
    fn line(&self) -> String {
        let app = self
            .app
            .as_deref()
            .map(|app| format!(" {app}:"))
            .unwrap_or_default();
        let versions = match (&self.from, &self.to) {
            (Some(from), Some(to)) if from == to => format!(" (version {to})"),
            (Some(from), Some(to)) => format!(" {from} → {to}"),
            (None, Some(to)) => format!(" {to}"),
            (Some(from), None) => format!(" (was {from})"),
            (None, None) => String::new(),
        };
        let note = self
            .note
            .map(|note| format!("; {note}"))
            .unwrap_or_default();
        format!("{}:{app} {}{versions}{note}", self.instance, self.change)
    }

    /// The change, with its note, for a cell of the summary.
    fn change_cell(&self) -> String {
        match self.note {
            Some(note) => cell(&format!("{} ({note})", self.change)),
            None => cell(&self.change),
        }
    }
}

impl DiffReport<'_> {
    /// Every output action.yml declares, in its order: those about ToolJet's apps empty, as
    /// every step writes them all.
    pub fn outputs(&self) -> Outputs {
        let touched: Vec<&str> = self.diff.touched().collect();
        let value = |name: &str| match name {
            "operation" => OperationKind::Diff.to_string(),
            "outcome" => Outcome::Success.to_string(),
            "duration-ms" => self.elapsed.as_millis().to_string(),
            "results" => self.results(),
            "instances" => serde_json::json!(touched).to_string(),
            _ => String::new(),
        };
        Outputs(
            crate::declared::entries("outputs")
                .iter()
                .map(|output| (output.name, value(output.name)))
                .collect(),
        )
    }

    /// One JSON object per change: an app's (`added`, `removed`, `version`, `source`) or an
    /// instance's workspace (`workspace`, no `app`); at most [`MAX_RESULTS`] bytes, the
    /// changes beyond counted in a last object.
    fn results(&self) -> String {
        let entries: Vec<String> = self
            .diff
            .instances
            .iter()
            .flat_map(|instance| {
                let workspace = instance.workspace_change().map(|(from, to)| {
                    serde_json::json!({
                        "instance": instance.name, "change": "workspace", "from": from, "to": to,
                    })
                });
                workspace
                    .into_iter()
                    .chain(instance.apps.iter().map(|app| app_result(instance, app)))
            })
            .map(|entry| entry.to_string())
            .collect();
        bounded_list(entries.into_iter(), MAX_RESULTS, omitted)
    }

    /// What was compared, in one sentence.
    fn compared(&self) -> String {
        format!(
            "{} against {} (the base branch's copy)",
            self.inputs.manifest, self.inputs.base_manifest
        )
    }

    /// The base missing, said so that a mistyped path cannot pass for a first manifest.
    fn base_missing(&self) -> Option<String> {
        self.diff.base_missing.then(|| {
            format!(
                "{} does not exist: read as no instances yet, so every instance of {} is new. \
                 If the base branch has a manifest, `base-manifest` names the wrong file.",
                self.inputs.base_manifest, self.inputs.manifest
            )
        })
    }

    /// "3 apps change on 2 instances", or that nothing does.
    fn headline(&self) -> String {
        match self.diff.is_empty() {
            true => "no change to the desired state".to_owned(),
            false => format!(
                "{} on {}",
                counted(self.rows().count(), "change"),
                counted(self.diff.instances.len(), "instance")
            ),
        }
    }

    fn rows(&self) -> impl Iterator<Item = Row> + '_ {
        self.diff.instances.iter().flat_map(|instance| {
            let name = match instance.kind() {
                InstanceChangeKind::Added => format!("{} (new instance)", instance.name),
                InstanceChangeKind::Removed => format!("{} (instance removed)", instance.name),
                InstanceChangeKind::Changed => instance.name.clone(),
            };
            let workspace = instance.workspace_change().map(|(from, to)| Row {
                instance: name.clone(),
                app: None,
                change: "workspace".to_owned(),
                from: Some(from.to_owned()),
                to: Some(to.to_owned()),
                note: None,
            });
            workspace
                .into_iter()
                .chain(instance.apps.iter().map(move |app| {
                    let (from, to) = app.versions();
                    Row {
                        instance: name.clone(),
                        app: Some(app.name.clone()),
                        change: change_words(app),
                        from: from.map(str::to_owned),
                        to: to.map(str::to_owned),
                        note: (app.kind() == AppChangeKind::Removed).then_some(NO_LONGER_MANAGED),
                    }
                }))
        })
    }

    /// The instances to plan or apply, and those no longer in the manifest.
    fn instances_line(&self) -> String {
        let touched: Vec<&str> = self.diff.touched().collect();
        let removed: Vec<&str> = self
            .diff
            .instances
            .iter()
            .filter(|instance| instance.kind() == InstanceChangeKind::Removed)
            .map(|instance| instance.name.as_str())
            .collect();
        let mut line = match touched.is_empty() {
            true => "no instance to plan or apply".to_owned(),
            false => format!("instances to plan or apply: {}", touched.join(", ")),
        };
        if !removed.is_empty() {
            line.push_str(&format!(
                "; removed from the manifest, so no longer applied (what is live there stays): {}",
                removed.join(", ")
            ));
        }
        line
    }

    /// Plain lines for the log.
    pub fn log_lines(&self) -> Vec<String> {
        let mut lines = vec![format!("{}: {}", self.compared(), self.headline())];
        lines.extend(self.base_missing());
        let total = self.rows().count();
        lines.extend(self.rows().take(MAX_LOG_LINES).map(|row| row.line()));
        if total > MAX_LOG_LINES {
            lines.push(format!(
                "{} more changes are not listed here; the `results` output lists as many as fit in \
                 its 256 KiB and counts the rest",
                total - MAX_LOG_LINES
            ));
        }
        if !self.diff.is_empty() {
            lines.push(self.instances_line());
        }
        lines
    }

    /// The step summary: the headline, what was compared, and a row per change.
    pub fn summary(&self) -> String {
        let icon = if self.diff.is_empty() { "✅" } else { "📝" };
        let mut md = format!(
            "### {icon} ToolJet `diff`: {}\n\n{}. Nothing was sent to ToolJet: `diff` reads \
             these two files only.\n",
            escape(&self.headline()),
            escape(&self.compared())
        );
        if let Some(missing) = self.base_missing() {
            md.push_str(&format!("\n> **{}**\n", escape(&missing)));
        }
        if self.diff.is_empty() {
            return md;
        }
        md.push_str("\n| Instance | App | Change | From | To |\n|---|---|---|---|---|\n");
        let optional = |text: &Option<String>| cell(text.as_deref().unwrap_or_default());
        for row in self.rows().take(MAX_ROWS) {
            md.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                cell(&row.instance),
                optional(&row.app),
                row.change_cell(),
                optional(&row.from),
                optional(&row.to)
            ));
        }
        let total = self.rows().count();
        if total > MAX_ROWS {
            md.push_str(&format!(
                "\n{} more changes are not listed here: the table shows {MAX_ROWS}; the \
                 `results` output lists as many as fit in its 256 KiB and counts the rest.\n",
                total - MAX_ROWS
            ));
        }
        md.push_str(&format!(
            "\n{}.\n",
            escape(&capitalised(&self.instances_line()))
        ));
        md
    }
}

/// What changes for an app, in words.
fn change_words(app: &AppChange) -> String {
    match app.kind() {
        AppChangeKind::Added | AppChangeKind::Removed => app.kind().as_str().to_owned(),
        kind => {
            let mut words = vec![kind.as_str().to_owned()];
            for (key, change) in [
                ("git-app-name", app.git_app_name()),
                ("git-branch", app.git_branch()),
            ] {
                if let Some((from, to)) = change {
                    words.push(format!(
                        "{key} {} → {}",
                        from.unwrap_or("(none)"),
                        to.unwrap_or("(none)")
                    ));
                }
            }
            words.join(", ")
        }
    }
}

/// One app's change as JSON: `git-app-name` and `git-branch` only when they change.
fn app_result(instance: &InstanceChange, app: &AppChange) -> serde_json::Value {
    let (from, to) = app.versions();
    let mut entry = serde_json::json!({
        "instance": instance.name,
        "app": app.name,
        "change": app.kind().as_str(),
        "from": from,
        "to": to,
    });
    match instance.kind() {
        InstanceChangeKind::Added => entry["instance-change"] = "added".into(),
        InstanceChangeKind::Removed => entry["instance-change"] = "removed".into(),
        InstanceChangeKind::Changed => {}
    }
    for (key, change) in [
        ("git-app-name", app.git_app_name()),
        ("git-branch", app.git_branch()),
    ] {
        if let Some((from, to)) = change {
            entry[key] = serde_json::json!({"from": from, "to": to});
        }
    }
    entry
}

/// The last object of a `results` that could not list every change.
fn omitted(count: usize) -> String {
    serde_json::json!({
        "omitted": count,
        "message": format!(
            "{count} more changes are not listed: this output is capped at {} KiB",
            MAX_RESULTS / 1024
        ),
    })
    .to_string()
}

/// "1 change", "3 changes".
fn counted(count: usize, thing: &str) -> String {
    match count {
        1 => format!("1 {thing}"),
        n => format!("{n} {thing}s"),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

impl GitHub {
    /// `diff`'s outputs, log lines and summary, and a notice when the base file is missing.
    /// `Err` when the outputs could not be written: the step must fail.
    pub fn report_diff(&self, report: &DiffReport) -> std::io::Result<()> {
        let written = self.write_outputs(&report.outputs());
        if let Some(missing) = report.base_missing() {
            self.commands
                .annotate(Level::Notice, "No base manifest", &missing);
        }
        self.commands.lines("diff", report.log_lines());
        self.append_summary(&report.summary());
        written
    }

    /// A URL or token set for `diff`, which sends nothing: said once, as a notice. The token
    /// is masked and scrubbed all the same.
    pub fn connection_not_used(&self) {
        self.commands.annotate(
            Level::Notice,
            "Not used by diff",
            "a ToolJet URL or token is set, but `diff` reads two files and sends nothing: \
             neither is used. A job that only diffs needs no token: keep it out of that job's \
             reach.",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::app;
    use crate::inputs::manifest::{Instance, ManifestApp};

    fn inputs(base: Option<Vec<Instance>>, head: Vec<Instance>) -> DiffInputs {
        DiffInputs {
            manifest: "tooljet.yml".to_owned(),
            base_manifest: "base.yml".to_owned(),
            head,
            base,
        }
    }

    fn production(apps: &[ManifestApp]) -> Instance {
        Instance {
            name: "production".to_owned(),
            workspace: "Acme".to_owned(),
            apps: apps.to_vec(),
        }
    }

    fn output(report: &DiffReport, name: &str) -> String {
        let outputs = report.outputs().0;
        outputs
            .into_iter()
            .find(|(output, _)| *output == name)
            .map(|(_, value)| value)
            .unwrap_or_else(|| panic!("no output {name}"))
    }

    fn report_of(inputs: &DiffInputs, check: impl Fn(&DiffReport)) {
        let diff = crate::diff::compare(&inputs.base, &inputs.head);
        check(&DiffReport {
            diff: &diff,
            inputs,
            elapsed: Duration::from_millis(3),
        });
    }

    #[test]
    fn each_change_is_a_row_a_log_line_and_a_result() {
        let inputs = inputs(
            Some(vec![production(&[
                app("Inventory", "v1"),
                app("Orders", "v2"),
            ])]),
            vec![production(&[app("Inventory", "v2"), app("Billing", "v1")])],
        );
        report_of(&inputs, |report| {
            assert_eq!(
                report.log_lines(),
                [
                    "tooljet.yml against base.yml (the base branch's copy): 3 changes on 1 instance",
                    "production: Inventory: version v1 → v2",
                    "production: Billing: added v1",
                    "production: Orders: removed (was v2); no longer managed: apply deletes nothing, what is live stays",
                    "instances to plan or apply: production",
                ]
            );
            let summary = report.summary();
            assert!(
                summary.contains("| production | Inventory | version | v1 | v2 |"),
                "{summary}"
            );
            let results: serde_json::Value =
                serde_json::from_str(&output(report, "results")).unwrap();
            assert_eq!(
                results[0],
                serde_json::json!({"instance": "production", "app": "Inventory",
                    "change": "version", "from": "v1", "to": "v2"})
            );
            assert_eq!(output(report, "instances"), r#"["production"]"#);
        });
    }

    #[test]
    fn a_missing_base_is_said_in_the_log_and_the_summary() {
        let inputs = inputs(None, vec![production(&[app("Inventory", "v1")])]);
        report_of(&inputs, |report| {
            let said = "base.yml does not exist: read as no instances yet";
            assert!(report.log_lines()[1].starts_with(said));
            assert!(report.summary().contains(said), "{}", report.summary());
            assert!(
                report
                    .log_lines()
                    .contains(&"production (new instance): Inventory: added v1".to_owned())
            );
        });
    }

    #[test]
    fn no_change_is_success_with_an_empty_matrix() {
        let one = vec![production(&[app("Inventory", "v1")])];
        let inputs = inputs(Some(one.clone()), one);
        report_of(&inputs, |report| {
            assert_eq!(output(report, "outcome"), "success");
            assert_eq!(output(report, "results"), "[]");
            assert_eq!(output(report, "instances"), "[]");
            assert_eq!(
                output(report, "in-sync"),
                "",
                "no app of ToolJet's was read"
            );
            assert!(report.summary().contains("no change to the desired state"));
        });
    }

    #[test]
    fn results_stay_within_their_bound_and_count_the_rest() {
        let many: Vec<ManifestApp> = (0..5_000)
            .map(|n| app(&format!("App{n:05}-{}", "x".repeat(60)), "v1"))
            .collect();
        let inputs = inputs(None, vec![production(&many)]);
        report_of(&inputs, |report| {
            let results = output(report, "results");
            assert!(results.len() <= MAX_RESULTS, "{} bytes", results.len());
            let json: serde_json::Value = serde_json::from_str(&results).expect("whole JSON");
            let items = json.as_array().unwrap();
            let omitted = items.last().unwrap()["omitted"].as_u64().unwrap() as usize;
            assert_eq!(
                items.len() - 1 + omitted,
                5_000,
                "each change listed or counted"
            );
        });
    }

    #[test]
    fn a_name_is_markdown_inert_in_the_summary() {
        let inputs = inputs(
            None,
            vec![production(&[app("[x](https://evil)|<b>", "v1")])],
        );
        report_of(&inputs, |report| {
            let summary = report.summary();
            assert!(!summary.contains("[x](https://evil)"), "{summary}");
            assert!(!summary.contains("<b>"), "{summary}");
        });
    }
}
