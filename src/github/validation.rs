//! What ToolJet's app validation reported, as warning annotations: one per issue, one per app
//! and step for the warnings ToolJet counted without listing them (at most [`MAX_ANNOTATIONS`]
//! a step), then one that counts the rest and says whose they are. The summary's part is
//! `summary::validation`. All of it is server text, bounded and made inert as every report does.

use super::{Commands, Level};
use crate::outcome::AppRun;
use crate::tooljet::validation::Warnings;

/// Warning annotations of the validation per step; GitHub shows ten warnings.
const MAX_ANNOTATIONS: usize = 10;

/// "1 warning", "4 warnings".
pub(super) fn warnings(count: usize) -> String {
    match count {
        1 => "1 warning".to_owned(),
        _ => format!("{count} warnings"),
    }
}

/// What an annotation says of warnings ToolJet counted but did not list: their number, the
/// only thing its answer gave.
fn counted_only(found: &Warnings) -> String {
    let what = match found.listed {
        0 => "without listing any: its answer gave only the number".to_owned(),
        listed => format!(
            "but listed only {listed}: its answer says nothing more of the other {}",
            found.unlisted()
        ),
    };
    format!(
        "ToolJet counted {} in the app's content {what}. The step went on.",
        warnings(found.count)
    )
}

/// One `::warning::` per issue, titled with its app and step; one per app and step for those
/// ToolJet only counted; then one counting the warnings not shown, naming their app.
pub fn annotate(commands: &Commands, apps: &[AppRun]) {
    for (title, message) in annotations(apps) {
        commands.annotate(Level::Warning, &title, &message);
    }
}

/// The annotations [`annotate`] makes, as title and message.
fn annotations(apps: &[AppRun]) -> Vec<(String, String)> {
    let mut made = Vec::new();
    let (mut shown, mut total) = (0, 0);
    let mut unshown_apps: Vec<&str> = Vec::new();
    for app in apps {
        for (step, found) in &app.validation {
            total += found.count;
            let title = format!("ToolJet's app validation: {} ({step})", app.label);
            let room = MAX_ANNOTATIONS - made.len();
            let mut told = found.issues.len().min(room);
            made.extend(
                found.issues[..told]
                    .iter()
                    .map(|issue| (title.clone(), issue.line())),
            );
            if found.unlisted() > 0 && made.len() < MAX_ANNOTATIONS {
                made.push((title, counted_only(found)));
                told += found.unlisted();
            }
            shown += told;
            if told < found.count && !unshown_apps.contains(&app.label.as_str()) {
                unshown_apps.push(&app.label);
            }
        }
    }
    if total > shown {
        let whose = match unshown_apps.as_slice() {
            [one] if !one.is_empty() => (*one).to_owned(),
            [_] => "its app".to_owned(),
            several => format!("{} apps", several.len()),
        };
        made.push((
            format!("ToolJet's app validation: {} more", total - shown),
            format!(
                "Not shown here: {}, for {whose}; ToolJet's app validation reported {} in all. \
                 The step summary and the `results` output count them per app.",
                warnings(total - shown),
                warnings(total),
            ),
        ));
    }
    made
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Verdict;
    use crate::steps::Step;
    use crate::tooljet::validation::Issue;

    fn issue(code: &str) -> Issue {
        Issue {
            code: code.to_owned(),
            severity: "info".to_owned(),
            path: "components.button1".to_owned(),
            message: "is unknown".to_owned(),
            fix: None,
        }
    }

    /// An app pulled, whose pull drew `count` warnings, `listed` of them listed.
    fn pulled(label: &str, count: usize, listed: usize) -> AppRun {
        let pull = crate::operation::Operation::Pull {
            app_id: format!("id-{label}"),
            branch: None,
        };
        let mut app = AppRun::new(
            crate::job::Job::Single(pull).subject(),
            label,
            std::time::Duration::from_millis(5),
            Verdict::Succeeded,
        );
        let issues = (0..listed).map(|n| issue(&format!("C{n}"))).collect();
        app.validation.push((
            Step::Pulled,
            Warnings {
                count,
                listed,
                issues,
            },
        ));
        app
    }

    #[test]
    fn warnings_only_counted_are_told_with_their_app_and_count_and_nothing_more() {
        assert_eq!(
            annotations(&[pulled("Inventory", 4, 0)]),
            [(
                "ToolJet's app validation: Inventory (pulled)".to_owned(),
                "ToolJet counted 4 warnings in the app's content without listing any: its answer \
                 gave only the number. The step went on."
                    .to_owned()
            )]
        );
        let some_listed = annotations(&[pulled("Inventory", 3, 2)]);
        assert_eq!(some_listed.len(), 3, "{some_listed:?}");
        assert!(
            some_listed[2].1.starts_with(
                "ToolJet counted 3 warnings in the app's content but listed only 2: its answer \
                 says nothing more of the other 1."
            ),
            "{some_listed:?}"
        );
    }

    #[test]
    fn the_warnings_past_the_bound_are_counted_for_their_app() {
        let made = annotations(&[pulled("Inventory", 1, 1), pulled("Orders", 30, 20)]);
        assert_eq!(made.len(), MAX_ANNOTATIONS + 1);
        assert_eq!(
            made[MAX_ANNOTATIONS],
            (
                "ToolJet's app validation: 21 more".to_owned(),
                "Not shown here: 21 warnings, for Orders; ToolJet's app validation reported 31 \
                 warnings in all. The step summary and the `results` output count them per app."
                    .to_owned()
            )
        );
        let made = annotations(&[pulled("Inventory", 12, 12), pulled("Orders", 2, 2)]);
        assert!(made[MAX_ANNOTATIONS].1.contains("for 2 apps;"), "{made:?}");
    }
}
