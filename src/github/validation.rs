//! What ToolJet's app validation reported, as warning annotations: one per issue (at most
//! [`MAX_ANNOTATIONS`] a step), then one that counts the rest. The summary's part is
//! `summary::validation`. All of it is server text, bounded and made inert as every report does.

use super::{Commands, Level};
use crate::outcome::AppRun;

/// Warning annotations of the validation per step; GitHub shows ten warnings.
const MAX_ANNOTATIONS: usize = 10;

/// One `::warning::` per issue, titled with its app, then one counting those not shown.
pub fn annotate(commands: &Commands, apps: &[AppRun]) {
    let mut shown = 0;
    let mut total = 0;
    for app in apps {
        for (step, warnings) in &app.validation {
            total += warnings.count;
            for issue in &warnings.issues {
                if shown == MAX_ANNOTATIONS {
                    break;
                }
                commands.annotate(
                    Level::Warning,
                    &format!("ToolJet's app validation: {} ({step})", app.label),
                    &issue.line(),
                );
                shown += 1;
            }
        }
    }
    if total > shown {
        commands.annotate(
            Level::Warning,
            &format!("ToolJet's app validation: {} more", total - shown),
            &format!(
                "ToolJet's app validation reported {total} warnings in all; {} more than shown \
                 here. The step summary and the `results` output count them per app.",
                total - shown
            ),
        );
    }
}
