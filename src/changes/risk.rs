//! The changes a reviewer of a production app must see called out, each with why: a page
//! removed or moved to another URL, a query moved to another data source or to another kind
//! of plugin, a version-local data source's connection options changed (by key, never by
//! value), a workspace data source newly used, an event handler removed, permissions changed,
//! the home page moved, maintenance mode switched on.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use serde::Serialize;

use super::{Pairs, display, kind_label};
use crate::tooljet::export::{Entity, Kind};

/// The most option keys named in one risk.
const MAX_KEYS: usize = 20;

/// A risky change: what it is about, and why it is risky, in a few words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Risk {
    #[serde(serialize_with = "singular")]
    pub kind: Kind,
    pub name: String,
    pub why: String,
}

impl fmt::Display for Risk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            kind_label(self.kind, false),
            self.name,
            self.why
        )
    }
}

fn singular<S: serde::Serializer>(kind: &Kind, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(kind_label(*kind, false))
}

/// The risky changes among one kind's entities.
pub(super) fn of(kind: Kind, pairs: &Pairs<'_>) -> Vec<Risk> {
    let mut risks = Vec::new();
    let mut risk = |entity: &Entity<'_>, why: String| {
        risks.push(Risk {
            kind,
            name: display(entity),
            why,
        })
    };
    for entity in &pairs.removed {
        match kind {
            Kind::Page => risk(
                entity,
                "removed: its users lose it, and links to it break".to_owned(),
            ),
            Kind::Event => risk(
                entity,
                "removed: what it triggered no longer happens".to_owned(),
            ),
            Kind::DataSource if !entity.is_global() => risk(
                entity,
                "removed: queries that used it can no longer run".to_owned(),
            ),
            _ => {}
        }
    }
    for entity in &pairs.added {
        if kind == Kind::DataSource && entity.is_global() {
            risk(
                entity,
                "newly used: the app reaches this workspace data source from now on".to_owned(),
            );
        }
        if kind == Kind::Settings && entity.in_maintenance() {
            risk(entity, MAINTENANCE.to_owned());
        }
    }
    for (old, new) in &pairs.matched {
        if old.digest() == new.digest() {
            continue;
        }
        let changed = |field: &str| field_differs(old, new, field);
        match kind {
            Kind::Page if changed("handle") => risk(
                new,
                "its URL handle changed: links and bookmarks to it break".to_owned(),
            ),
            Kind::Query => {
                if let Some(why) = moved(old, new) {
                    risk(new, why);
                }
                if changed("kind") {
                    risk(
                        new,
                        "its kind changed: it runs on another plugin".to_owned(),
                    );
                }
            }
            Kind::DataSource => {
                if let Some((keys, environments)) = option_keys(old, new) {
                    risk(
                        new,
                        format!("connection options changed: {keys} (in {environments})"),
                    );
                }
                if changed("kind") {
                    risk(new, "its kind changed: another plugin".to_owned());
                }
            }
            Kind::Settings => {
                if changed("homePageId") {
                    let page = |e: &Entity<'_>| {
                        e.linked()
                            .map_or("?".to_owned(), |page| page.name().to_owned())
                    };
                    risk(
                        new,
                        format!(
                            "the home page changes from {} to {}: users land elsewhere",
                            page(old),
                            page(new)
                        ),
                    );
                }
                if new.in_maintenance() && !old.in_maintenance() {
                    risk(new, MAINTENANCE.to_owned());
                }
            }
            _ => {}
        }
        if changed("permissions") {
            risk(
                new,
                "who may see or run it changed (permissions)".to_owned(),
            );
        }
    }
    risks
}

const MAINTENANCE: &str = "the app goes into maintenance mode: its users see a maintenance page";

fn field_differs(old: &Entity<'_>, new: &Entity<'_>, field: &str) -> bool {
    let hash = |entity: &Entity<'_>| {
        entity
            .fields()
            .find(|(name, _)| *name == field)
            .map(|(_, hash)| hash)
    };
    hash(old) != hash(new)
}

/// A query now run against another data source: from which to which.
fn moved(old: &Entity<'_>, new: &Entity<'_>) -> Option<String> {
    let (before, after) = (old.linked(), new.linked());
    if before.map(|s| s.identity()) == after.map(|s| s.identity()) {
        return None;
    }
    let name = |source: Option<Entity<'_>>| source.map_or("(none)", |s| s.name()).to_owned();
    Some(format!(
        "moved from data source {} to {}: it now reads or writes elsewhere",
        name(before),
        name(after)
    ))
}

/// A version-local data source's option keys whose values differ, and the environments where
/// they do: "host, headers" and "production, staging". Never a value.
pub(super) fn option_keys(old: &Entity<'_>, new: &Entity<'_>) -> Option<(String, String)> {
    if old.kind() != Kind::DataSource || old.is_global() || new.is_global() {
        return None;
    }
    let table = |entity: &Entity<'_>| -> HashMap<(String, String), u64> {
        entity
            .options()
            .flat_map(|(environment, keys)| {
                keys.iter()
                    .map(move |(key, hash)| ((environment.to_owned(), key.to_string()), *hash))
            })
            .collect()
    };
    let (before, after) = (table(old), table(new));
    let mut keys = BTreeSet::new();
    let mut environments = BTreeSet::new();
    for key in before.keys().chain(after.keys()) {
        if before.get(key) != after.get(key) {
            environments.insert(key.0.clone());
            keys.insert(key.1.clone());
        }
    }
    if keys.is_empty() {
        return None;
    }
    let more = keys.len().saturating_sub(MAX_KEYS);
    let mut named: Vec<String> = keys.into_iter().take(MAX_KEYS).collect();
    if more > 0 {
        named.push(format!("and {more} more"));
    }
    let environments: Vec<String> = environments.into_iter().collect();
    Some((named.join(", "), environments.join(", ")))
}
