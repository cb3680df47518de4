//! What changes in an app between two of its versions: per kind of entity (pages, components,
//! queries, data sources, event handlers, query folders, the version's settings, modules),
//! which are added, removed or changed, by name, and the risky changes a reviewer of a
//! production app must see, each with why. Never a value: only names of entities, of their
//! fields and of data source option keys.
//!
//! Fed by the export reader's digests ([`crate::tooljet::export::Content`]); it decides
//! nothing about what is deployed. Entities are matched by `co_relation_id`, else by name,
//! and compared by digest, so two versions whose every id differs but whose content is the
//! same have no change in content.

mod risk;

use std::collections::HashMap;

use serde::Serialize;

use crate::tooljet::export::{Content, Entity, Kind, Version};

pub use risk::Risk;

/// The most names listed per kind (and risks in all); the rest are counted.
pub const MAX_LISTED: usize = 100;

/// The longest name shown, in bytes.
const MAX_NAME: usize = 160;

/// What changes from one version of an app to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Changes {
    /// The version compared from (what is live) and to (what is declared).
    pub from: String,
    pub to: String,
    /// No change in content, every id aside.
    pub identical: bool,
    /// Per kind that either version holds, in the order of [`Kind::ALL`]; as JSON, only the
    /// kinds with a change.
    #[serde(serialize_with = "changed_only")]
    pub kinds: Vec<KindChanges>,
    pub risks: Vec<Risk>,
    /// Risks past [`MAX_LISTED`], counted.
    pub risks_unlisted: usize,
}

/// What changes in one kind of entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct KindChanges {
    #[serde(serialize_with = "plural")]
    pub kind: Kind,
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    pub unchanged: usize,
    /// At most [`MAX_LISTED`] names in all: removed first, then added, then changed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub removed_names: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub added_names: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changed_names: Vec<Changed>,
    /// Names past [`MAX_LISTED`], counted.
    pub unlisted: usize,
}

/// An entity whose content changed: its name, and what of it changed (its fields' names, in
/// words where they have some: `properties`, `layouts`, `data source`, `options`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Changed {
    pub name: String,
    pub what: Vec<String>,
}

/// The kinds with a change, for the JSON: the rest are as they were.
fn changed_only<S: serde::Serializer>(
    kinds: &[KindChanges],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(kinds.iter().filter(|kind| !kind.is_unchanged()))
}

impl Changes {
    /// The kinds with a change, in order.
    pub fn changed_kinds(&self) -> impl Iterator<Item = &KindChanges> {
        self.kinds.iter().filter(|kind| !kind.is_unchanged())
    }

    /// One line: "no change in content", or the counts per kind and the risky changes.
    pub fn headline(&self) -> String {
        if self.identical {
            return "no change in content".to_owned();
        }
        let kinds: Vec<String> = self
            .changed_kinds()
            .map(|kind| format!("{} {}", kind_label(kind.kind, true), kind.counts()))
            .collect();
        let risky = self.risks.len() + self.risks_unlisted;
        match risky {
            0 => kinds.join("; "),
            1 => format!("{}; 1 risky change", kinds.join("; ")),
            n => format!("{}; {n} risky changes", kinds.join("; ")),
        }
    }

    /// The changes as plain lines, for a log or a summary: the headline, then per kind what
    /// was added, removed and changed, by name, then each risky change with why.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!("{} → {}: {}", self.from, self.to, self.headline())];
        for kind in self.changed_kinds() {
            let mut parts = Vec::new();
            if !kind.added_names.is_empty() {
                parts.push(format!("added {}", kind.added_names.join(", ")));
            }
            if !kind.removed_names.is_empty() {
                parts.push(format!("removed {}", kind.removed_names.join(", ")));
            }
            if !kind.changed_names.is_empty() {
                let changed: Vec<String> = kind
                    .changed_names
                    .iter()
                    .map(|c| match c.what.is_empty() {
                        true => c.name.clone(),
                        false => format!("{} ({})", c.name, c.what.join(", ")),
                    })
                    .collect();
                parts.push(format!("changed {}", changed.join(", ")));
            }
            if kind.unlisted > 0 {
                parts.push(format!("and {} more", kind.unlisted));
            }
            lines.push(format!(
                "  {}: {}",
                kind_label(kind.kind, true),
                parts.join("; ")
            ));
        }
        for risk in &self.risks {
            lines.push(format!("  risky: {risk}"));
        }
        if self.risks_unlisted > 0 {
            lines.push(format!("  risky: and {} more", self.risks_unlisted));
        }
        lines
    }
}

impl KindChanges {
    pub fn is_unchanged(&self) -> bool {
        self.added + self.removed + self.changed == 0
    }

    /// "1 added, 2 changed".
    pub fn counts(&self) -> String {
        let counts: Vec<String> = [
            (self.added, "added"),
            (self.removed, "removed"),
            (self.changed, "changed"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        counts.join(", ")
    }
}

/// What a reviewer is told of an app's content: what changes, or why that cannot be said.
/// Its JSON has `available`, and then the [`Changes`] or `why`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Diff {
    Changes(Changes),
    Unavailable(Unavailable),
}

/// Why the content of two versions cannot be compared: nothing is claimed then.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unavailable {
    #[error("the app is not on the instance yet: there is nothing to compare with")]
    AppAbsent,
    #[error("the declared version is not on the instance yet: there is nothing to compare with")]
    VersionAbsent,
    #[error("no version of the app was ever released: there is nothing to compare with")]
    NothingLive,
    /// After `apply`: the app was new on the instance, or had no version live before.
    #[error("nothing was live before: all of it is new")]
    NothingBefore,
    /// An export could not be read; the server's words, scrubbed and bounded by the client.
    #[error("an export could not be read: {0}")]
    ExportFailed(String),
}

impl Diff {
    /// It says only what could not be known before the declared version was live: that the
    /// version, or the app, was not on the instance yet, or nothing was live.
    pub fn said_before_it_was_live(&self) -> bool {
        matches!(
            self,
            Self::Unavailable(
                Unavailable::AppAbsent | Unavailable::VersionAbsent | Unavailable::NothingLive
            )
        )
    }
}

impl Serialize for Diff {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Available<'a> {
            available: bool,
            #[serde(flatten)]
            changes: &'a Changes,
        }
        #[derive(Serialize)]
        struct Missing {
            available: bool,
            why: String,
        }
        match self {
            Diff::Changes(changes) => Available {
                available: true,
                changes,
            }
            .serialize(serializer),
            Diff::Unavailable(why) => Missing {
                available: false,
                why: why.to_string(),
            }
            .serialize(serializer),
        }
    }
}

/// The versions whose exports a comparison of `live` with `declared` still needs, given the
/// content of the first export (which holds the app's newest version): none for an app in
/// sync, and none for a version that export already holds. At most one export per version.
pub fn exports_needed<'a>(first: &Content, live: &'a str, declared: &'a str) -> Vec<&'a str> {
    if live == declared {
        return Vec::new();
    }
    [live, declared]
        .into_iter()
        .filter(|name| first.version(name).is_none())
        .collect()
}

/// What changes from version `old` to version `new` of an app.
pub fn compare(old: Version<'_>, new: Version<'_>) -> Changes {
    let mut kinds = Vec::new();
    let mut risks = Vec::new();
    for kind in Kind::ALL {
        let pairs = pair(old.entities(kind).collect(), new.entities(kind).collect());
        if pairs.is_empty() {
            continue;
        }
        risks.extend(risk::of(kind, &pairs));
        kinds.push(pairs.changes(kind));
    }
    let risks_unlisted = risks.len().saturating_sub(MAX_LISTED);
    risks.truncate(MAX_LISTED);
    Changes {
        from: shown(old.name()),
        to: shown(new.name()),
        identical: kinds.iter().all(KindChanges::is_unchanged),
        kinds,
        risks,
        risks_unlisted,
    }
}

/// One kind's entities of two versions, matched.
struct Pairs<'a> {
    matched: Vec<(Entity<'a>, Entity<'a>)>,
    removed: Vec<Entity<'a>>,
    added: Vec<Entity<'a>>,
}

impl Pairs<'_> {
    fn is_empty(&self) -> bool {
        self.matched.is_empty() && self.removed.is_empty() && self.added.is_empty()
    }

    fn changes(&self, kind: Kind) -> KindChanges {
        let changed: Vec<&(Entity<'_>, Entity<'_>)> = self
            .matched
            .iter()
            .filter(|(old, new)| old.digest() != new.digest())
            .collect();
        let mut room = MAX_LISTED;
        let mut list = |entities: Vec<String>| {
            let mut names = entities;
            names.sort();
            names.truncate(room);
            room -= names.len();
            names
        };
        let removed_names = list(self.removed.iter().map(display).collect());
        let added_names = list(self.added.iter().map(display).collect());
        let mut changed_names: Vec<Changed> = changed
            .iter()
            .map(|(old, new)| Changed {
                name: display(new),
                what: what_changed(old, new),
            })
            .collect();
        changed_names.sort_by(|a, b| a.name.cmp(&b.name));
        changed_names.truncate(room);
        let listed = removed_names.len() + added_names.len() + changed_names.len();
        let total = self.removed.len() + self.added.len() + changed.len();
        KindChanges {
            kind,
            added: self.added.len(),
            removed: self.removed.len(),
            changed: changed.len(),
            unchanged: self.matched.len() - changed.len(),
            removed_names,
            added_names,
            changed_names,
            unlisted: total - listed,
        }
    }
}

/// Matches entities of two versions: by `co_relation_id` where both have one, then by name
/// (in order, where several share one).
fn pair<'a>(old: Vec<Entity<'a>>, new: Vec<Entity<'a>>) -> Pairs<'a> {
    let mut taken = vec![false; new.len()];
    let mut by_co_relation = Index::new(&new, |entity| entity.co_relation());
    let mut matched = Vec::new();
    let mut unmatched = Vec::new();
    for entity in old {
        match entity.co_relation().and_then(|id| by_co_relation.take(&id)) {
            Some(at) => {
                taken[at] = true;
                matched.push((entity, new[at]));
            }
            None => unmatched.push(entity),
        }
    }
    drop(by_co_relation);
    let mut by_name = Index::new(&new, |entity| Some(entity.natural_key()));
    let mut removed = Vec::new();
    for entity in unmatched {
        // Skipping those taken by their co_relation_id.
        let mut found = by_name.take(&entity.natural_key());
        while found.is_some_and(|at| taken[at]) {
            found = by_name.take(&entity.natural_key());
        }
        match found {
            Some(at) => {
                taken[at] = true;
                matched.push((entity, new[at]));
            }
            None => removed.push(entity),
        }
    }
    let added = new
        .into_iter()
        .zip(taken)
        .filter(|(_, taken)| !taken)
        .map(|(entity, _)| entity)
        .collect();
    Pairs {
        matched,
        removed,
        added,
    }
}

/// Entities by a key, each key's in order: a map to the first and a chain to the next, in a
/// few bytes per entity.
struct Index<K> {
    first: HashMap<K, usize>,
    next: Vec<usize>,
}

impl<K: std::hash::Hash + Eq + Copy> Index<K> {
    fn new(entities: &[Entity<'_>], key: impl Fn(&Entity<'_>) -> Option<K>) -> Self {
        let mut first = HashMap::new();
        let mut next = vec![usize::MAX; entities.len()];
        for (at, entity) in entities.iter().enumerate().rev() {
            if let Some(key) = key(entity)
                && let Some(previous) = first.insert(key, at)
            {
                next[at] = previous;
            }
        }
        Self { first, next }
    }

    /// The first entity with `key` not yet taken, taken.
    fn take(&mut self, key: &K) -> Option<usize> {
        let at = *self.first.get(key)?;
        match self.next.get(at).copied() {
            Some(usize::MAX) | None => self.first.remove(key),
            Some(next) => self.first.insert(*key, next),
        };
        Some(at)
    }
}

/// The names of an entity's fields whose content differs, in words.
fn what_changed(old: &Entity<'_>, new: &Entity<'_>) -> Vec<String> {
    let before: HashMap<&str, u64> = old.fields().collect();
    let after: HashMap<&str, u64> = new.fields().collect();
    let mut what: Vec<String> = after
        .iter()
        .filter(|(name, hash)| before.get(*name) != Some(hash))
        .map(|(name, _)| *name)
        .chain(
            before
                .keys()
                .filter(|name| !after.contains_key(*name))
                .copied(),
        )
        .map(field_label)
        .collect();
    if risk::option_keys(old, new).is_some() {
        what.push("options".to_owned());
    }
    what.sort();
    what.dedup();
    what
}

/// A field's name as a reviewer reads it.
fn field_label(name: &str) -> String {
    match name {
        "pageId" => "page",
        "dataSourceId" => "data source",
        "sourceId" => "source",
        "homePageId" => "home page",
        "globalSettings" => "global settings",
        "pageSettings" => "page settings",
        "showViewerNavigation" => "viewer navigation",
        "generalStyles" => "general styles",
        "displayPreferences" => "display preferences",
        "event" => "action",
        "appV2" => "content",
        other => other,
    }
    .to_owned()
}

/// How an entity is named to a reviewer: a component with its page, an event handler with
/// what it is on.
fn display(entity: &Entity<'_>) -> String {
    let name = match entity.name() {
        "" => "(unnamed)",
        name => name,
    };
    let owner = entity.linked().map(|owner| owner.name());
    shown(&match (entity.kind(), owner) {
        (Kind::Component, Some(page)) => format!("{name} on {page}"),
        (Kind::Event, Some(source)) => format!("{name} on {source}"),
        (Kind::Settings, _) => "app settings".to_owned(),
        _ => name.to_owned(),
    })
}

/// At most [`MAX_NAME`] bytes of a name, cut at a character boundary.
fn shown(text: &str) -> String {
    let text = crate::redact::bounded(text, MAX_NAME);
    text.into_owned()
}

/// A kind as a reviewer reads it: "pages", "data source".
pub fn kind_label(kind: Kind, many: bool) -> &'static str {
    match (kind, many) {
        (Kind::Page, false) => "page",
        (Kind::Page, true) => "pages",
        (Kind::Component, false) => "component",
        (Kind::Component, true) => "components",
        (Kind::Query, false) => "query",
        (Kind::Query, true) => "queries",
        (Kind::DataSource, false) => "data source",
        (Kind::DataSource, true) => "data sources",
        (Kind::Event, false) => "event handler",
        (Kind::Event, true) => "event handlers",
        (Kind::Folder, false) => "query folder",
        (Kind::Folder, true) => "query folders",
        (Kind::Settings, _) => "settings",
        (Kind::Module, false) => "module",
        (Kind::Module, true) => "modules",
    }
}

fn plural<S: serde::Serializer>(kind: &Kind, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(kind_label(*kind, true))
}

#[cfg(test)]
mod tests {
    use harness::tooljet::{Design, SAMPLE_HOST, SAMPLE_TOKEN};
    use serde_json::json;

    use super::*;
    use crate::tooljet::export::Content;
    use crate::tooljet::export::sample::{V1, V2, read, version};

    /// The content of an export of one version holding `design`.
    fn content(id: &str, name: &str, design: &Design) -> Content {
        read(&[version(id, name, design)])
    }

    /// What changes from the sample app to `change`d sample app, as two versions exported.
    fn changes_to(change: impl FnOnce(&mut Design)) -> Changes {
        let before = Design::default();
        let mut after = before.clone();
        change(&mut after);
        let old = content(V1, "v1.4.0", &before);
        let new = content(V2, "v1.5.0", &after);
        compare(old.only().unwrap(), new.only().unwrap())
    }

    fn kind(changes: &Changes, kind: Kind) -> &KindChanges {
        changes.kinds.iter().find(|k| k.kind == kind).unwrap()
    }

    fn risks(changes: &Changes) -> Vec<String> {
        changes.risks.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn an_export_of_every_version_holds_each_versions_content_apart() {
        let (before, mut after) = (Design::default(), Design::default());
        after.add_page("Reports", "reports");
        let both = read(&[version(V1, "v1", &before), version(V2, "v2", &after)]);
        assert_eq!(both.versions().collect::<Vec<_>>(), ["v1", "v2"]);
        let alone = read(&[version(V2, "v2", &after)]);
        let same = compare(both.version("v2").unwrap(), alone.only().unwrap());
        assert!(same.identical, "{:?}", same.lines());
        let changes = compare(both.version("v1").unwrap(), both.version("v2").unwrap());
        assert_eq!(changes.headline(), "pages 1 added; components 1 added");
    }

    #[test]
    fn a_value_longer_than_what_reaches_the_parser_is_compared_whole() {
        let image = |end: &str| {
            let mut design = Design::default();
            design.component_mut("title").text = format!("data:{}{end}", "A".repeat(3 << 20));
            design
        };
        let (one, same, other) = (image("x"), image("x"), image("y"));
        let compared = |a: &Design, b: &Design| {
            let (a, b) = (read(&[version(V1, "v1", a)]), read(&[version(V2, "v2", b)]));
            compare(a.only().unwrap(), b.only().unwrap()).identical
        };
        assert!(compared(&one, &same));
        assert!(!compared(&one, &other));
    }

    #[test]
    fn the_same_content_with_every_id_credential_and_timestamp_new_is_no_change() {
        let changes = changes_to(|_| {});
        assert!(changes.identical, "{:?}", changes.lines());
        assert_eq!(changes.headline(), "no change in content");
        assert_eq!(kind(&changes, Kind::Component).unchanged, 6);
        assert!(changes.risks.is_empty());
    }

    #[test]
    fn pages_added_and_removed_are_named_and_a_removed_page_is_risky() {
        let changes = changes_to(|design| {
            design.add_page("Reports", "reports");
            design.remove_page("settings");
        });
        let pages = kind(&changes, Kind::Page);
        assert_eq!((pages.added, pages.removed, pages.unchanged), (1, 1, 2));
        assert_eq!(pages.added_names, ["Reports"]);
        assert_eq!(pages.removed_names, ["Settings"]);
        let components = kind(&changes, Kind::Component);
        assert_eq!(components.added_names, ["reportsTitle on Reports"]);
        assert_eq!(components.removed_names, ["saveButton on Settings"]);
        assert_eq!(
            risks(&changes),
            [
                "page Settings: removed: its users lose it, and links to it break",
                "event handler onClick on saveButton: removed: what it triggered no longer happens",
            ]
        );
    }

    #[test]
    fn a_changed_component_says_what_of_it_changed_and_keeps_its_name_when_renamed() {
        let changes = changes_to(|design| {
            design.component_mut("title").text = "Stock".to_owned();
            design.component_mut("refreshButton").name = "reloadButton".to_owned();
        });
        let components = kind(&changes, Kind::Component);
        assert_eq!((components.added, components.removed), (0, 0));
        assert_eq!(
            components.changed_names,
            [
                Changed {
                    name: "reloadButton on Orders".to_owned(),
                    what: vec!["name".to_owned()],
                },
                Changed {
                    name: "title on Home".to_owned(),
                    what: vec!["properties".to_owned()],
                },
            ]
        );
    }

    #[test]
    fn changed_options_of_a_version_data_source_name_the_keys_and_environments_never_a_value() {
        let changes = changes_to(|design| {
            design.set_option("inventory_db", "host", json!("db2.internal.acme.example"));
            design.set_option(
                "orders_api",
                "headers",
                json!([["Authorization", "Bearer tj_live_0a1b2c3d4e5f6a7b8c9d"]]),
            );
        });
        assert_eq!(
            risks(&changes),
            [
                "data source inventory_db: connection options changed: host (in development, \
                 production, staging)",
                "data source orders_api: connection options changed: headers (in development, \
                 production, staging)",
            ]
        );
        let sources = kind(&changes, Kind::DataSource);
        assert_eq!(sources.changed_names[0].what, ["options"]);
        let shown = format!(
            "{}\n{}",
            changes.lines().join("\n"),
            serde_json::to_string(&changes).unwrap()
        );
        for value in [
            SAMPLE_HOST,
            "db2.internal",
            SAMPLE_TOKEN,
            "tj_live",
            "Bearer",
        ] {
            assert!(!shown.contains(value), "{value} in {shown}");
        }
    }

    #[test]
    fn a_query_moved_to_another_data_source_is_risky_and_says_from_which_to_which() {
        let changes = changes_to(|design| {
            design.query_mut("notifyShipping").source = "inventory_db".to_owned();
        });
        assert_eq!(
            kind(&changes, Kind::Query).changed_names[0],
            Changed {
                name: "notifyShipping".to_owned(),
                what: vec!["data source".to_owned()],
            }
        );
        assert_eq!(
            risks(&changes),
            [
                "query notifyShipping: moved from data source orders_api to inventory_db: it now \
              reads or writes elsewhere"
            ]
        );
    }

    #[test]
    fn a_workspace_data_source_newly_used_is_risky() {
        let changes = changes_to(|design| {
            design.sources.push(harness::tooljet::DataSource {
                name: "billing_api".to_owned(),
                kind: "restapi".to_owned(),
                global: true,
                options: Vec::new(),
            });
            design.query_mut("listOrders").source = "billing_api".to_owned();
        });
        assert_eq!(
            kind(&changes, Kind::DataSource).added_names,
            ["billing_api"]
        );
        assert!(
            risks(&changes).contains(
                &"data source billing_api: newly used: the app reaches this workspace data \
                  source from now on"
                    .to_owned()
            ),
            "{:?}",
            risks(&changes)
        );
    }

    #[test]
    fn the_home_page_moved_maintenance_and_permissions_are_risky() {
        let changes = changes_to(|design| {
            design.home = "orders".to_owned();
            design.maintenance = true;
            design.page_mut("settings").groups = Some(vec!["everyone".to_owned()]);
        });
        assert_eq!(
            risks(&changes),
            [
                "page Settings: who may see or run it changed (permissions)",
                "settings app settings: the home page changes from Home to Orders: users land \
                 elsewhere",
                "settings app settings: the app goes into maintenance mode: its users see a \
                 maintenance page",
            ]
        );
        assert_eq!(
            kind(&changes, Kind::Settings).changed_names[0].what,
            ["global settings", "home page"]
        );
    }

    #[test]
    fn thousands_of_changes_are_counted_and_at_most_a_hundred_named() {
        let changes = changes_to(|design| {
            for n in 0..1500 {
                design.add_page(&format!("Page {n}"), &format!("page{n}"));
            }
        });
        let pages = kind(&changes, Kind::Page);
        assert_eq!(pages.added, 1500);
        assert_eq!(
            (pages.added_names.len(), pages.unlisted),
            (MAX_LISTED, 1400)
        );
        assert!(
            changes.lines()[1].ends_with("and 1400 more"),
            "{}",
            changes.lines()[1]
        );
    }

    #[test]
    fn the_first_export_spares_a_request_for_the_version_it_holds_and_an_app_in_sync_needs_none() {
        let newest = content(V2, "v2", &Design::default());
        assert_eq!(exports_needed(&newest, "v1", "v2"), ["v1"]);
        assert_eq!(exports_needed(&newest, "v2", "v1"), ["v1"]);
        assert_eq!(exports_needed(&newest, "v1", "v0"), ["v1", "v0"]);
        assert!(exports_needed(&newest, "v1", "v1").is_empty());
    }

    #[test]
    fn a_diff_says_whether_it_is_available_and_why_not() {
        let unavailable = Diff::Unavailable(Unavailable::VersionAbsent);
        assert_eq!(
            serde_json::to_value(&unavailable).unwrap(),
            json!({"available": false, "why": "the declared version is not on the instance yet: \
                   there is nothing to compare with"})
        );
        let changes = changes_to(|_| {});
        let json = serde_json::to_value(Diff::Changes(changes)).unwrap();
        assert_eq!(
            (json["available"].clone(), json["to"].clone()),
            (json!(true), json!("v1.5.0"))
        );
    }

    /// Exports of one version each, read from the fake ToolJet by the action's own client.
    mod read_from_tooljet {
        use std::sync::Arc;
        use std::time::Duration;

        use harness::tooljet::{APP_ID, FakeToolJet, ORG_ID, Settings};

        use super::*;
        use crate::redact::Secret;
        use crate::tooljet::{ApiError, ApiRequest, ApiResponse, Client, Connection, TimeLeft};

        async fn send(fake: &FakeToolJet, request: ApiRequest) -> Result<ApiResponse, ApiError> {
            let connection = Connection {
                base_url: format!("{}/", fake.url()).parse().unwrap(),
                access_token: Secret::new("test-token"),
                timeout: Duration::from_secs(30),
                connect_timeout: Duration::from_secs(5),
                ca_certificates: None,
                skip_tls_verify: false,
            };
            let client = Client::new(&connection, Arc::default()).unwrap();
            let time = Duration::from_secs(60);
            client
                .send(
                    &request,
                    TimeLeft {
                        remaining: time,
                        total: time,
                    },
                )
                .await
        }

        async fn version(fake: &FakeToolJet, name: &str) -> Arc<Content> {
            let answer = send(fake, ApiRequest::export_version(ORG_ID, APP_ID, name))
                .await
                .unwrap();
            assert!(answer.body.is_empty() && answer.json.is_none());
            answer.content.unwrap().unwrap()
        }

        #[tokio::test]
        async fn one_version_by_its_name_is_exported_and_compared_with_the_live_one() {
            let fake = FakeToolJet::start(Settings::default()).await.unwrap();
            let name = "v1.5+rc&1#b";
            fake.world().add_version(APP_ID, name);
            fake.world().design_mut(APP_ID, name).sample_changes();
            let (live, declared) = (version(&fake, "v1").await, version(&fake, name).await);
            let changes = compare(live.only().unwrap(), declared.only().unwrap());
            assert_eq!((changes.from.as_str(), changes.to.as_str()), ("v1", name));
            assert_eq!(
                changes.headline(),
                "pages 1 added, 1 removed; components 1 added, 1 removed, 1 changed; \
                 queries 1 changed; data sources 2 changed; event handlers 1 removed; \
                 settings 1 changed; 6 risky changes"
            );
            let requests = fake.requests();
            let queries: Vec<&str> = requests
                .iter()
                .filter_map(|r| r.query.as_deref())
                .map(|q| q.split('&').find(|p| p.starts_with("appVersion")).unwrap())
                .collect();
            assert_eq!(queries, ["appVersion=v1", "appVersion=v1.5%2Brc%261%23b"]);
        }

        #[tokio::test]
        async fn the_first_export_holds_the_newest_version_and_what_is_live() {
            let fake = FakeToolJet::start(Settings::default()).await.unwrap();
            let answer = send(&fake, ApiRequest::export_content(ORG_ID, APP_ID))
                .await
                .unwrap();
            let content = answer.content.unwrap().unwrap();
            assert_eq!(content.versions().collect::<Vec<_>>(), ["v2-draft"]);
            assert!(answer.live.unwrap().current != Default::default());
        }

        #[tokio::test]
        async fn a_version_the_app_lacks_is_a_400() {
            let fake = FakeToolJet::start(Settings::default()).await.unwrap();
            let err = send(&fake, ApiRequest::export_version(ORG_ID, APP_ID, "v9"))
                .await
                .unwrap_err();
            assert!(err.to_string().contains("400"), "{err}");
        }
    }
}
