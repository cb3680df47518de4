//! `diff`: what a change to `tooljet.yml` changes in the desired state, instance by instance
//! and app by app, from two readings of the file (the change's and the base branch's). It knows
//! no ToolJet: the two files are all it reads, so it needs no URL and no token.
//!
//! Names are compared exactly as written, as the files say them: an app whose name is spelt
//! anew (even in letter case only) is one app removed and one added.

use std::collections::{HashMap, HashSet};

use crate::inputs::manifest::{Instance, ManifestApp};
use crate::names;

/// The base branch's copy, as read; `None` when there is no such file (no instances yet).
pub type Base = Option<Vec<Instance>>;

/// How one app's entry changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppChangeKind {
    /// In the change, not in the base: `apply` will make it live (importing it if need be).
    Added,
    /// In the base, not in the change: no longer managed; `apply` never deletes an app.
    Removed,
    /// Its declared version changes.
    Version,
    /// Same version, another `git-app-name` or `git-branch`: where `apply` takes it from.
    Source,
}

impl AppChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::Removed => "removed",
            Self::Version => "version",
            Self::Source => "source",
        }
    }
}

/// One app whose entry differs between the two files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppChange {
    pub name: String,
    /// Its entry in the base; `None` when added.
    pub from: Option<ManifestApp>,
    /// Its entry in the change; `None` when removed.
    pub to: Option<ManifestApp>,
}

impl AppChange {
    pub fn kind(&self) -> AppChangeKind {
        match (&self.from, &self.to) {
            (None, _) => AppChangeKind::Added,
            (_, None) => AppChangeKind::Removed,
            (Some(from), Some(to)) if from.version != to.version => AppChangeKind::Version,
            _ => AppChangeKind::Source,
        }
    }

    /// The declared version before and after (`None` where there is no entry).
    pub fn versions(&self) -> (Option<&str>, Option<&str>) {
        (version(&self.from), version(&self.to))
    }

    /// `git-app-name` before and after, when both entries exist and it changes.
    pub fn git_app_name(&self) -> Option<(Option<&str>, Option<&str>)> {
        self.field(|app| app.git_app_name.as_deref())
    }

    /// `git-branch` before and after, when both entries exist and it changes.
    pub fn git_branch(&self) -> Option<(Option<&str>, Option<&str>)> {
        self.field(|app| app.git_branch.as_deref())
    }

    fn field<'a>(
        &'a self,
        get: impl Fn(&'a ManifestApp) -> Option<&'a str>,
    ) -> Option<(Option<&'a str>, Option<&'a str>)> {
        let (from, to) = (get(self.from.as_ref()?), get(self.to.as_ref()?));
        (from != to).then_some((from, to))
    }
}

fn version(app: &Option<ManifestApp>) -> Option<&str> {
    app.as_ref().map(|app| app.version.as_str())
}

fn apps_of(instance: Option<&Instance>) -> &[ManifestApp] {
    instance.map_or(&[], |instance| instance.apps.as_slice())
}

/// How an instance's entry stands between the two files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceChangeKind {
    Added,
    Removed,
    Changed,
}

/// One instance whose entry differs: its workspace on each side and its apps that change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceChange {
    pub name: String,
    /// Its workspace in the base; `None` when the instance is new.
    pub base_workspace: Option<String>,
    /// Its workspace in the change; `None` when the instance is removed.
    pub workspace: Option<String>,
    pub apps: Vec<AppChange>,
}

impl InstanceChange {
    pub fn kind(&self) -> InstanceChangeKind {
        match (&self.base_workspace, &self.workspace) {
            (None, _) => InstanceChangeKind::Added,
            (_, None) => InstanceChangeKind::Removed,
            _ => InstanceChangeKind::Changed,
        }
    }

    /// The workspace before and after, when the instance is in both files and it changes.
    pub fn workspace_change(&self) -> Option<(&str, &str)> {
        match (&self.base_workspace, &self.workspace) {
            (Some(from), Some(to)) if from != to => Some((from, to)),
            _ => None,
        }
    }
}

/// Every instance whose entry differs, in the change's order, then those removed in the
/// base's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    pub instances: Vec<InstanceChange>,
    /// The base file does not exist: every instance is new.
    pub base_missing: bool,
}

impl Diff {
    /// The instances the change has whose entry differs: what a plan or an apply runs for. An
    /// instance removed is not among them: the manifest no longer names it.
    pub fn touched(&self) -> impl Iterator<Item = &str> {
        self.instances
            .iter()
            .filter(|instance| instance.kind() != InstanceChangeKind::Removed)
            .map(|instance| instance.name.as_str())
    }

    /// How many apps change, across every instance.
    pub fn app_changes(&self) -> usize {
        self.instances
            .iter()
            .map(|instance| instance.apps.len())
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.instances.is_empty()
    }
}

/// What the change `head` makes of the desired state `base`.
pub fn compare(base: &Base, head: &[Instance]) -> Diff {
    let base_instances: &[Instance] = base.as_deref().unwrap_or_default();
    // Names pair as `check` and `apply` match them: under Unicode case folding and
    // normalisation, so a name respelled is no change.
    let in_base: HashMap<String, &Instance> = base_instances
        .iter()
        .map(|instance| (names::folded(&instance.name), instance))
        .collect();
    let in_head: HashSet<String> = head
        .iter()
        .map(|instance| names::folded(&instance.name))
        .collect();
    let mut instances: Vec<InstanceChange> = head
        .iter()
        .map(|instance| {
            let base = in_base.get(&names::folded(&instance.name)).copied();
            changes(base, Some(instance))
        })
        .collect();
    instances.extend(
        base_instances
            .iter()
            .filter(|instance| !in_head.contains(&names::folded(&instance.name)))
            .map(|instance| changes(Some(instance), None)),
    );
    instances.retain(|change| {
        change.kind() != InstanceChangeKind::Changed
            || !change.apps.is_empty()
            || change.workspace_change().is_some()
    });
    Diff {
        instances,
        base_missing: base.is_none(),
    }
}

/// One instance's entry on each side, and its apps that differ: the change's order first,
/// then the apps it drops in the base's order.
fn changes(base: Option<&Instance>, head: Option<&Instance>) -> InstanceChange {
    let (base_apps, head_apps) = (apps_of(base), apps_of(head));
    let by_name = |apps: &[ManifestApp]| -> HashMap<String, ManifestApp> {
        apps.iter()
            .map(|app| (names::folded(&app.name), app.clone()))
            .collect()
    };
    let (mut before, after) = (by_name(base_apps), by_name(head_apps));
    let mut apps: Vec<AppChange> = head_apps
        .iter()
        .filter_map(|app| {
            let from = before.remove(&names::folded(&app.name));
            (!from
                .as_ref()
                .is_some_and(|from| same_declaration(from, app)))
            .then(|| AppChange {
                name: app.name.clone(),
                from,
                to: Some(app.clone()),
            })
        })
        .collect();
    apps.extend(
        base_apps
            .iter()
            .filter(|app| !after.contains_key(&names::folded(&app.name)))
            .map(|app| AppChange {
                name: app.name.clone(),
                from: Some(app.clone()),
                to: None,
            }),
    );
    InstanceChange {
        name: head.or(base).map(|i| i.name.clone()).unwrap_or_default(),
        base_workspace: base.map(|i| i.workspace.clone()),
        workspace: head.map(|i| i.workspace.clone()),
        apps,
    }
}

/// The same version from the same source, whatever the name's spelling.
fn same_declaration(a: &ManifestApp, b: &ManifestApp) -> bool {
    (&a.version, &a.git_app_name, &a.git_branch) == (&b.version, &b.git_app_name, &b.git_branch)
}

/// An app declared at `version`, with no git source of its own: the tests' manifests.
#[cfg(test)]
pub(crate) fn app(name: &str, version: &str) -> ManifestApp {
    ManifestApp {
        name: name.to_owned(),
        version: version.to_owned(),
        git_app_name: None,
        git_branch: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(name: &str, apps: &[ManifestApp]) -> Instance {
        Instance {
            name: name.to_owned(),
            workspace: "Acme".to_owned(),
            apps: apps.to_vec(),
        }
    }

    /// Each change as `instance/app: kind from → to`.
    fn lines(diff: &Diff) -> Vec<String> {
        diff.instances
            .iter()
            .flat_map(|instance| {
                instance.apps.iter().map(move |app| {
                    let (from, to) = app.versions();
                    format!(
                        "{}/{}: {} {} → {}",
                        instance.name,
                        app.name,
                        app.kind().as_str(),
                        from.unwrap_or("-"),
                        to.unwrap_or("-")
                    )
                })
            })
            .collect()
    }

    #[test]
    fn a_version_changed_an_app_added_and_one_removed_are_each_told() {
        let base = vec![instance(
            "production",
            &[
                app("Inventory", "v1"),
                app("Orders", "v2"),
                app("Stock", "v3"),
            ],
        )];
        let head = vec![instance(
            "production",
            &[
                app("Inventory", "v2"),
                app("Stock", "v3"),
                app("Billing", "v1"),
            ],
        )];
        let diff = compare(&Some(base), &head);
        assert_eq!(
            lines(&diff),
            [
                "production/Inventory: version v1 → v2",
                "production/Billing: added - → v1",
                "production/Orders: removed v2 → -",
            ]
        );
        assert_eq!(diff.touched().collect::<Vec<_>>(), ["production"]);
    }

    #[test]
    fn an_unchanged_instance_is_not_touched() {
        let both = vec![
            instance("production", &[app("Inventory", "v1")]),
            instance("staging", &[app("Inventory", "v1")]),
        ];
        let mut head = both.clone();
        head[1].apps[0].version = "v2".to_owned();
        let diff = compare(&Some(both.clone()), &head);
        assert_eq!(diff.touched().collect::<Vec<_>>(), ["staging"]);
        assert!(compare(&Some(both.clone()), &both).is_empty());
    }

    #[test]
    fn a_missing_base_makes_every_instance_new() {
        let head = vec![instance("production", &[app("Inventory", "v1")])];
        let diff = compare(&None, &head);
        assert!(diff.base_missing);
        assert_eq!(diff.instances[0].kind(), InstanceChangeKind::Added);
        assert_eq!(lines(&diff), ["production/Inventory: added - → v1"]);
    }

    #[test]
    fn an_instance_removed_is_told_but_is_nothing_to_plan() {
        let base = vec![
            instance("production", &[app("Inventory", "v1")]),
            instance("qa", &[app("Inventory", "v1")]),
        ];
        let head = vec![instance("production", &[app("Inventory", "v1")])];
        let diff = compare(&Some(base), &head);
        assert_eq!(diff.instances[0].kind(), InstanceChangeKind::Removed);
        assert_eq!(lines(&diff), ["qa/Inventory: removed v1 → -"]);
        assert_eq!(diff.touched().count(), 0);
    }

    #[test]
    fn a_new_workspace_or_git_source_is_a_change_without_a_new_version() {
        let base = vec![instance("production", &[app("Orders", "v2")])];
        let mut head = base.clone();
        head[0].workspace = "Beta".to_owned();
        head[0].apps[0].git_branch = Some("release".to_owned());
        let diff = compare(&Some(base), &head);
        assert_eq!(diff.instances[0].workspace_change(), Some(("Acme", "Beta")));
        let orders = &diff.instances[0].apps[0];
        assert_eq!(orders.kind(), AppChangeKind::Source);
        assert_eq!(orders.git_branch(), Some((None, Some("release"))));
        assert_eq!(orders.git_app_name(), None);
    }

    #[test]
    fn a_name_respelled_in_letter_case_or_unicode_form_is_no_change() {
        let base = vec![instance(
            "production",
            &[app("Cafe\u{301}", "v1"), app("Orders", "v1")],
        )];
        let head = vec![instance(
            "Production",
            &[app("Caf\u{e9}", "v1"), app("orders", "v2")],
        )];
        let diff = compare(&Some(base), &head);
        assert_eq!(lines(&diff), ["Production/orders: version v1 → v2"]);
    }
}
