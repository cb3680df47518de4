//! The plan: how each app stands on the instance against the version declared for it, and what
//! making that version live takes, decided once from what was read. `check` shows it, `apply`'s
//! dry run shows it, `apply` and `deploy` carry it out (`steps::make_live`), and the `plan`
//! output is it as JSON: the four can never disagree.

use std::fmt;

use crate::desired::{Before, Deploy, DeployApp, DeployVersion};

/// How an app stands against the version declared for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// The declared version is live.
    InSync,
    /// Another version (or none) is live, and the declared one is on the instance.
    Drift,
    /// The declared version is not on the instance.
    VersionAbsent,
    /// No app of that name is in the workspace.
    AppAbsent,
    /// What is live could not be read.
    Unknown,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InSync => "in-sync",
            Self::Drift => "drift",
            Self::VersionAbsent => "version-absent",
            Self::AppAbsent => "app-absent",
            Self::Unknown => "unknown",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One write of a path, as the `plan` output names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Pull,
    Save,
    Release,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Pull => "pull",
            Self::Save => "save",
            Self::Release => "release",
        }
    }
}

/// What follows the import of an absent app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterImport {
    /// Save the imported draft under the declared name, and release it.
    SaveRelease,
    /// Release the app's latest git tag.
    ReleaseLatestTag,
}

/// What making the declared version live takes: the writes, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Path {
    /// It is live: nothing is sent.
    Nothing,
    /// It is on the instance: release it by name.
    Release,
    /// Given by name and not on the instance: pull the app's branch, save the draft under that
    /// name, release it.
    PullSaveRelease,
    /// A git tag whose version is not on the instance: release with no version, and ToolJet
    /// pulls the app's latest tag.
    ReleaseLatestTag,
    /// The app is not in the workspace: import it from its folder in git, then `then`.
    Import { folder: String, then: AfterImport },
    /// What is live could not be read: nothing may be written.
    Hold,
}

impl Path {
    /// The writes this path sends, in order.
    pub fn actions(&self) -> &'static [Action] {
        use Action::*;
        match self {
            Self::Nothing | Self::Hold => &[],
            Self::Release | Self::ReleaseLatestTag => &[Release],
            Self::PullSaveRelease => &[Pull, Save, Release],
            Self::Import {
                then: AfterImport::SaveRelease,
                ..
            } => &[Create, Save, Release],
            Self::Import {
                then: AfterImport::ReleaseLatestTag,
                ..
            } => &[Create, Release],
        }
    }

    /// What the path does, in words, for `declared`: "release v2 by name".
    pub fn words(&self, declared: &str) -> String {
        match self {
            Self::Nothing => "nothing: it is live".to_owned(),
            Self::Hold => "nothing: what is live could not be read".to_owned(),
            Self::Release => format!("release {declared} by name"),
            Self::PullSaveRelease => {
                format!("pull the app's branch, save the draft as {declared}, release it")
            }
            Self::ReleaseLatestTag => {
                "release the app's latest git tag (ToolJet pulls it)".to_owned()
            }
            Self::Import {
                folder,
                then: AfterImport::SaveRelease,
            } => format!(
                "import a NEW app from git folder {folder:?}, save its draft as {declared}, \
                 release it"
            ),
            Self::Import {
                folder,
                then: AfterImport::ReleaseLatestTag,
            } => format!("import a NEW app from git folder {folder:?}, release its latest git tag"),
        }
    }
}

/// What to do for an app whose live version could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenUnread {
    /// Desired state (`check`, `apply`): nothing may be written for what was not read.
    Hold,
    /// `deploy`: make the version live all the same (an instance without the export route
    /// cannot say what is live).
    GoOn,
}

/// One app's plan: how it stands, and the path to its declared version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppPlan {
    /// The app's id, when it is in the workspace.
    pub app_id: Option<String>,
    /// The version declared for it, by name.
    pub declared: String,
    /// What was live before anything was sent.
    pub before: Before,
    pub state: State,
    pub path: Path,
}

impl AppPlan {
    /// The plan for `deploy` given what was live `before`: decided here and only here.
    pub fn decide(deploy: &Deploy, before: Before, unread: WhenUnread) -> Self {
        let state = state(deploy, &before);
        let path = match (state, unread) {
            (State::InSync, _) => Path::Nothing,
            (State::Unknown, WhenUnread::Hold) => Path::Hold,
            (State::AppAbsent, _) => Path::Import {
                folder: deploy.git_folder().to_owned(),
                then: match deploy.version {
                    DeployVersion::Name(_) => AfterImport::SaveRelease,
                    DeployVersion::Tag { .. } => AfterImport::ReleaseLatestTag,
                },
            },
            _ => match (deploy.wanted_id(), &deploy.version) {
                (Some(_), _) => Path::Release,
                (None, DeployVersion::Tag { .. }) => Path::ReleaseLatestTag,
                (None, DeployVersion::Name(_)) => Path::PullSaveRelease,
            },
        };
        Self {
            app_id: deploy.app.id().map(str::to_owned),
            declared: deploy.version.name().to_owned(),
            before,
            state,
            path,
        }
    }

    /// The live version's name as shown (its id where nothing names it), if one is live.
    pub fn live(&self) -> Option<&str> {
        self.before.live().map(|live| live.shown())
    }

    /// What apply does for the app, in words.
    pub fn words(&self) -> String {
        self.path.words(&self.declared)
    }
}

/// How the app stands, given what was live `before`.
fn state(deploy: &Deploy, before: &Before) -> State {
    match (before, &deploy.app, deploy.wanted_id()) {
        (Before::Absent, _, _) | (_, DeployApp::Absent { .. }, _) => State::AppAbsent,
        (Before::Unread(_), _, _) => State::Unknown,
        (Before::Live(_), _, None) => State::VersionAbsent,
        (Before::Live(Some(live)), _, Some(id)) if live.id.eq_ignore_ascii_case(id) => {
            State::InSync
        }
        (Before::Live(_), _, Some(_)) => State::Drift,
    }
}

/// How many apps a plan changes, and how: the line a reviewer reads first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub import: usize,
    pub save: usize,
    pub release: usize,
    pub unchanged: usize,
    /// Apps that could not be planned: what is live was not read, or the name not resolved.
    pub unknown: usize,
}

impl Tally {
    /// Counts `plans`; `None` for an app that could not be planned at all.
    pub fn of<'a>(plans: impl IntoIterator<Item = Option<&'a AppPlan>>) -> Self {
        let mut tally = Self::default();
        for plan in plans {
            let count = match plan.map(|plan| &plan.path) {
                Some(Path::Nothing) => &mut tally.unchanged,
                Some(Path::Release | Path::ReleaseLatestTag) => &mut tally.release,
                Some(Path::PullSaveRelease) => &mut tally.save,
                Some(Path::Import { .. }) => &mut tally.import,
                Some(Path::Hold) | None => &mut tally.unknown,
            };
            *count += 1;
        }
        tally
    }

    /// True when applying it would change nothing, and every app was planned.
    pub fn no_changes(&self) -> bool {
        self.import + self.save + self.release + self.unknown == 0
    }
}

impl fmt::Display for Tally {
    /// "Plan: 1 to import, 2 to release; 3 unchanged." or "No changes: …".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let planned = self.import + self.save + self.release + self.unchanged;
        if planned == 0 {
            return write!(
                f,
                "No plan: none of the {} apps could be planned (each one's error says why), so \
                 apply writes nothing.",
                self.unknown
            );
        }
        if self.no_changes() {
            return match self.unchanged {
                1 => write!(f, "No changes: the app's declared version is live."),
                n => write!(
                    f,
                    "No changes: the declared version of all {n} apps is live."
                ),
            };
        }
        let changes: Vec<String> = [
            (self.import, "to import"),
            (self.save, "to save and release"),
            (self.release, "to release"),
        ]
        .into_iter()
        .filter(|(count, _)| *count > 0)
        .map(|(count, what)| format!("{count} {what}"))
        .collect();
        let mut line = match changes.is_empty() {
            true => "Plan: nothing to change".to_owned(),
            false => format!("Plan: {}", changes.join(", ")),
        };
        line.push_str(&format!("; {} unchanged", self.unchanged));
        if self.unknown > 0 {
            line.push_str(&format!(
                "; {} could not be planned, so apply writes nothing",
                self.unknown
            ));
        }
        write!(f, "{line}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::VersionLabel;
    use crate::listing::ListedApp;

    fn listed(versions: &[(&str, &str)]) -> DeployApp {
        DeployApp::Listed(ListedApp {
            id: "app".to_owned(),
            name: "Inventory".to_owned(),
            slug: "inventory".to_owned(),
            versions: versions
                .iter()
                .map(|(id, name)| ((*id).to_owned(), (*name).to_owned()))
                .collect(),
        })
    }

    fn deploy(app: DeployApp, version: DeployVersion) -> Deploy {
        Deploy {
            organization_id: "ws".to_owned(),
            app,
            version,
            git_app_name: None,
            branch: None,
        }
    }

    fn live(id: &str) -> Before {
        Before::Live(Some(VersionLabel {
            id: id.to_owned(),
            name: None,
        }))
    }

    fn name(version: &str) -> DeployVersion {
        DeployVersion::Name(version.to_owned())
    }

    #[test]
    fn each_state_has_its_one_path() {
        let app = || listed(&[("id1", "v1"), ("id2", "v2")]);
        let cases = [
            (
                deploy(app(), name("v2")),
                live("ID2"),
                State::InSync,
                Path::Nothing,
            ),
            (
                deploy(app(), name("v2")),
                live("id1"),
                State::Drift,
                Path::Release,
            ),
            (
                deploy(app(), name("v2")),
                Before::Live(None),
                State::Drift,
                Path::Release,
            ),
            (
                deploy(app(), name("v3")),
                live("id1"),
                State::VersionAbsent,
                Path::PullSaveRelease,
            ),
            (
                deploy(
                    app(),
                    DeployVersion::Tag {
                        tag: "c/v3".to_owned(),
                        name: "v3".to_owned(),
                    },
                ),
                live("id1"),
                State::VersionAbsent,
                Path::ReleaseLatestTag,
            ),
            (
                deploy(app(), name("v2")),
                Before::Unread("500".to_owned()),
                State::Unknown,
                Path::Hold,
            ),
        ];
        for (deploy, before, state, path) in cases {
            let plan = AppPlan::decide(&deploy, before, WhenUnread::Hold);
            assert_eq!((plan.state, plan.path), (state, path));
        }
    }

    #[test]
    fn an_absent_app_is_imported_from_its_folder_in_git() {
        let absent = DeployApp::Absent {
            name: "Orders".to_owned(),
            listed_ids: std::sync::Arc::new([]),
        };
        let mut deploy = deploy(absent, name("v1"));
        deploy.git_app_name = Some("orders-folder".to_owned());
        let plan = AppPlan::decide(&deploy, Before::Absent, WhenUnread::Hold);
        assert_eq!(plan.state, State::AppAbsent);
        assert_eq!(
            plan.path.actions(),
            [Action::Create, Action::Save, Action::Release]
        );
        assert!(
            plan.words().contains("\"orders-folder\""),
            "{}",
            plan.words()
        );
    }

    #[test]
    fn deploy_goes_on_where_apply_holds_when_what_is_live_was_not_read() {
        let deploy = deploy(listed(&[("id2", "v2")]), name("v2"));
        let unread = || Before::Unread("no export route".to_owned());
        let held = AppPlan::decide(&deploy, unread(), WhenUnread::Hold);
        let gone_on = AppPlan::decide(&deploy, unread(), WhenUnread::GoOn);
        assert_eq!((held.path.actions(), held.state), (&[][..], State::Unknown));
        assert_eq!(gone_on.path, Path::Release);
    }

    #[test]
    fn a_tally_with_nothing_planned_says_so() {
        let nothing = Tally {
            unknown: 2,
            ..Tally::default()
        };
        assert_eq!(
            nothing.to_string(),
            "No plan: none of the 2 apps could be planned (each one's error says why), so apply \
             writes nothing."
        );
    }

    #[test]
    fn the_tally_reads_like_a_plan_and_says_no_changes_in_words() {
        let tally = Tally {
            import: 1,
            release: 2,
            unchanged: 3,
            ..Tally::default()
        };
        assert_eq!(
            tally.to_string(),
            "Plan: 1 to import, 2 to release; 3 unchanged."
        );
        let none = Tally {
            unchanged: 4,
            ..Tally::default()
        };
        assert_eq!(
            none.to_string(),
            "No changes: the declared version of all 4 apps is live."
        );
        let blocked = Tally {
            release: 1,
            unknown: 1,
            ..Tally::default()
        };
        assert_eq!(
            blocked.to_string(),
            "Plan: 1 to release; 0 unchanged; 1 could not be planned, so apply writes nothing."
        );
    }
}
