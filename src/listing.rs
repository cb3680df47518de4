//! Apps, versions and workspaces by name: ToolJet's listings turned into ids, or a clear
//! error listing the close matches.

use serde_json::Value;

use crate::names;
use crate::tooljet::is_one_segment;

/// `id`, unless a hostile or broken server listed something that is no usable id.
fn usable<'a>(what: &'static str, name: &str, id: &'a str) -> Result<&'a str, NameError> {
    if is_one_segment(id) {
        Ok(id)
    } else {
        Err(NameError::Unusable {
            what,
            name: name.to_owned(),
            id: id.to_owned(),
        })
    }
}

/// One app of `GET /api/ext/workspace/:id/apps`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedApp {
    pub id: String,
    pub name: String,
    pub slug: String,
    /// `(id, name)`; empty on ToolJet versions with the listing bug that drops versions.
    pub versions: Vec<(String, String)>,
}

/// A workspace's apps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    pub apps: Vec<ListedApp>,
}

fn text(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap_or_default().to_owned()
}

/// Why a name found no single app, version or workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameError {
    /// Nothing has that name; `close` are the names near it, nearest first.
    Unknown {
        what: &'static str,
        name: String,
        /// Where it was looked for: " in the workspace".
        place: String,
        close: Vec<Near>,
    },
    /// Several differ from it only in letter case or accent encoding: never guessed between.
    Ambiguous {
        what: &'static str,
        name: String,
        matches: Vec<String>,
    },
    /// Several have exactly that name: the listing cannot tell them apart.
    Duplicate {
        what: &'static str,
        name: String,
        ids: Vec<String>,
    },
    /// One differs from it only in letter case or accent encoding, where names must match
    /// exactly (versions).
    CaseOnly {
        what: &'static str,
        name: String,
        listed: String,
    },
    /// The one with that name has an id that cannot name it in a request.
    Unusable {
        what: &'static str,
        name: String,
        id: String,
    },
}

/// A name near the one asked for, and how many edits away.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Near {
    pub distance: usize,
    pub name: String,
}

impl NameError {
    /// An unknown name that is a slip of a listed one: a letter or two off, not merely a
    /// name that contains another.
    pub fn is_slip(&self) -> bool {
        match self {
            Self::Unknown { name, close, .. } => close
                .iter()
                .any(|near| near.distance <= typo_distance(name)),
            _ => false,
        }
    }
}

impl std::fmt::Display for NameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unknown {
                what,
                name,
                place,
                close,
            } => {
                write!(f, "no {what} named {name:?}{place}")?;
                if !close.is_empty() {
                    let names = quoted(close.iter().take(5).map(|near| near.name.as_str()));
                    write!(f, "; close matches: {names}")?;
                }
                Ok(())
            }
            Self::Ambiguous {
                what,
                name,
                matches,
            } => write!(
                f,
                "the {what} name {name:?} is ambiguous: it matches {}; give the exact name or the \
                 {what}'s id",
                quoted(matches.iter().map(String::as_str))
            ),
            Self::Duplicate { what, name, ids } => write!(
                f,
                "{} {what}s are named {name:?} exactly (ids {}): a name cannot tell them apart; \
                 give the {what}'s id, or rename one in ToolJet",
                ids.len(),
                ids.join(", ")
            ),
            Self::CaseOnly { what, name, listed } => write!(
                f,
                "no {what} named {name:?}, but {listed:?} differs from it {}: give the name \
                 exactly as ToolJet lists it",
                names::difference(name, listed)
            ),
            Self::Unusable { what, name, id } => write!(
                f,
                "ToolJet listed {what} {name:?} with the id {id:?}, which cannot name it in a \
                 request"
            ),
        }
    }
}

/// Edits that make a slip of the pen rather than another name: a third of the name's length.
fn typo_distance(name: &str) -> usize {
    name.chars().count().max(3) / 3
}

impl Listing {
    /// Reads ToolJet's answer, a bare array of apps.
    pub fn parse(json: Option<&Value>) -> Self {
        let apps = json
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let apps = apps
            .iter()
            .map(|app| ListedApp {
                id: text(app, "id"),
                name: text(app, "name"),
                slug: text(app, "slug"),
                versions: app["versions"]
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                    .iter()
                    .map(|v| (text(v, "id"), text(v, "name")))
                    .collect(),
            })
            .collect();
        Self { apps }
    }

    /// The app with this name: an exact match, else the only one that is the same name to a
    /// person (see [`names`]).
    pub fn app_named(&self, name: &str) -> Result<&ListedApp, NameError> {
        let app = by_name(
            &self.apps,
            name,
            |app| (&app.id, &app.name),
            "app",
            " in the workspace",
        )?;
        usable("app", &app.name, &app.id)?;
        Ok(app)
    }

    /// The app with this id (in either letter case, as UUIDs are) or slug, if listed.
    pub fn app_with_id(&self, id: &str) -> Option<&ListedApp> {
        self.apps
            .iter()
            .find(|app| app.id.eq_ignore_ascii_case(id) || app.slug == id)
    }

    /// True when some app has this id, in either letter case.
    pub fn has_id(&self, id: &str) -> bool {
        self.apps.iter().any(|app| app.id.eq_ignore_ascii_case(id))
    }

    /// The names of the apps, in the listing's order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.apps.iter().map(|app| app.name.as_str())
    }
}

impl ListedApp {
    /// The id of the version named exactly `name`: `Ok(None)` when the app has no such
    /// version; an error for a name that differs from a listed one only in letter case or
    /// accent encoding (a slip that would save a second version) or that two versions share.
    pub fn version_named(&self, name: &str) -> Result<Option<String>, NameError> {
        let exact: Vec<&(String, String)> = self
            .versions
            .iter()
            .filter(|(_, listed)| listed == name)
            .collect();
        match exact.as_slice() {
            [(id, listed)] => return Ok(Some(usable("version", listed, id)?.to_owned())),
            [] => {}
            several => {
                return Err(NameError::Duplicate {
                    what: "version",
                    name: name.to_owned(),
                    ids: several.iter().map(|(id, _)| id.clone()).collect(),
                });
            }
        }
        match self
            .versions
            .iter()
            .find(|(_, listed)| names::same(listed, name))
        {
            Some((_, listed)) => Err(NameError::CaseOnly {
                what: "version",
                name: name.to_owned(),
                listed: listed.clone(),
            }),
            None => Ok(None),
        }
    }

    /// The id of the version named (or with the id) `version`. `Ok(None)` when the listing
    /// holds no versions, so ToolJet has to resolve the name itself.
    pub fn version_id(&self, version: &str) -> Result<Option<String>, NameError> {
        if self.versions.is_empty() {
            return Ok(None);
        }
        if let Some((id, _)) = self.versions.iter().find(|(id, _)| id == version) {
            return Ok(Some(id.clone()));
        }
        match self.version_named(version)? {
            Some(id) => Ok(Some(id)),
            None => Err(NameError::Unknown {
                what: "version",
                name: version.to_owned(),
                place: format!(" in app {:?}", self.name),
                close: near(version, self.versions.iter().map(|(_, name)| name.as_str())),
            }),
        }
    }
}

/// The id of the workspace named `name` in `GET /api/ext/workspaces`, matched as app names are.
pub fn workspace_named(json: Option<&Value>, name: &str) -> Result<String, NameError> {
    let workspaces: Vec<(String, String)> = json
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|w| (text(w, "id"), text(w, "name")))
        .collect();
    let (id, _) = by_name(&workspaces, name, |(id, name)| (id, name), "workspace", "")?;
    usable("workspace", name, id).map(str::to_owned)
}

/// The one rule for names (apps, workspaces): an exact match wins, else the only one that is
/// the same name to a person, whatever its letter case and accent encoding ([`names::same`]);
/// several such are ambiguous, never guessed, and several with exactly the name are
/// duplicates, listed by id. `place` says where it was
/// looked for (" in the workspace"); `id_name` gives an item's id and name.
fn by_name<'a, T>(
    items: &'a [T],
    name: &str,
    id_name: impl Fn(&T) -> (&String, &String),
    what: &'static str,
    place: &str,
) -> Result<&'a T, NameError> {
    let name_of = |item: &'a T| id_name(item).1.as_str();
    let exact: Vec<&T> = items.iter().filter(|item| name_of(item) == name).collect();
    match exact.as_slice() {
        [item] => return Ok(item),
        [] => {}
        several => {
            return Err(NameError::Duplicate {
                what,
                name: name.to_owned(),
                ids: several.iter().map(|item| id_name(item).0.clone()).collect(),
            });
        }
    }
    let wanted = names::folded(name);
    let folded: Vec<&T> = items
        .iter()
        .filter(|item| names::folded(name_of(item)) == wanted)
        .collect();
    match folded.as_slice() {
        [item] => Ok(item),
        [] => Err(NameError::Unknown {
            what,
            name: name.to_owned(),
            place: place.to_owned(),
            close: near(name, items.iter().map(name_of)),
        }),
        several => Err(NameError::Ambiguous {
            what,
            name: name.to_owned(),
            matches: several
                .iter()
                .map(|item| name_of(item).to_owned())
                .collect(),
        }),
    }
}

/// The names near `wanted`, nearest first: a few edits away, or one containing the other.
fn near<'a>(wanted: &str, candidates: impl Iterator<Item = &'a str>) -> Vec<Near> {
    let wanted_folded = names::folded(wanted);
    let wanted_length = wanted_folded.chars().count();
    let typos = typo_distance(wanted);
    let mut near: Vec<Near> = candidates
        .filter_map(|candidate| {
            let folded = names::folded(candidate);
            let contains = folded.contains(&wanted_folded) || wanted_folded.contains(&folded);
            // Names further apart in length than the typos allowed are as many edits apart at
            // least: only measured when one contains the other.
            if !contains && folded.chars().count().abs_diff(wanted_length) > typos {
                return None;
            }
            let distance = strsim::levenshtein(&wanted_folded, &folded);
            let close = distance <= typos || contains;
            (close && !candidate.is_empty()).then(|| Near {
                distance,
                name: candidate.to_owned(),
            })
        })
        .collect();
    near.sort();
    near.dedup_by(|a, b| a.name == b.name);
    near
}

fn quoted<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names
        .map(|name| format!("{name:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn listing() -> Listing {
        Listing::parse(Some(&json!([
            {"id": "1", "name": "Inventory", "slug": "inventory", "versions": [{"id": "v1id", "name": "v1"}]},
            {"id": "2", "name": "Orders", "slug": "orders", "versions": []},
            {"id": "3", "name": "orders", "slug": "orders-2", "versions": []},
            {"id": "4", "name": "Invoices", "slug": "invoices", "versions": []},
        ])))
    }

    #[test]
    fn exact_names_win_over_case_insensitive_ones() {
        assert_eq!(listing().app_named("orders").unwrap().id, "3");
        assert_eq!(listing().app_named("inventory").unwrap().id, "1");
    }

    #[test]
    fn several_case_insensitive_matches_are_ambiguous() {
        let err = listing().app_named("ORDERS").unwrap_err().to_string();
        assert!(
            err.contains("ambiguous") && err.contains("\"Orders\", \"orders\""),
            "{err}"
        );
    }

    #[test]
    fn unknown_names_list_close_matches() {
        let err = listing().app_named("Inventry").unwrap_err();
        assert!(err.is_slip());
        let err = err.to_string();
        assert!(err.contains("close matches: \"Inventory\""), "{err}");
        assert!(!err.contains("Orders"), "{err}");
        let payroll = listing().app_named("Payroll").unwrap_err();
        assert!(!payroll.is_slip());
        assert_eq!(
            payroll.to_string(),
            "no app named \"Payroll\" in the workspace"
        );
    }

    #[test]
    fn version_names_resolve_unless_the_listing_has_none() {
        let apps = listing();
        assert_eq!(apps.apps[0].version_id("v1"), Ok(Some("v1id".to_owned())));
        assert_eq!(
            apps.apps[0].version_id("v2").unwrap_err().to_string(),
            "no version named \"v2\" in app \"Inventory\"; close matches: \"v1\""
        );
        assert_eq!(apps.apps[1].version_id("v2"), Ok(None));
    }

    #[test]
    fn two_apps_or_versions_with_exactly_one_name_are_refused_listing_both_ids() {
        let apps = Listing::parse(Some(&json!([
            {"id": "a1", "name": "Inventory", "versions": [
                {"id": "x1", "name": "v3"}, {"id": "x2", "name": "v3"}
            ]},
            {"id": "a2", "name": "Inventory", "versions": []},
        ])));
        assert_eq!(
            apps.app_named("Inventory").unwrap_err().to_string(),
            "2 apps are named \"Inventory\" exactly (ids a1, a2): a name cannot tell them apart; \
             give the app's id, or rename one in ToolJet"
        );
        let err = apps.apps[0].version_named("v3").unwrap_err().to_string();
        assert!(err.contains("(ids x1, x2)"), "{err}");
    }

    #[test]
    fn a_version_name_that_differs_only_in_letter_case_is_a_slip_naming_the_listed_one() {
        let apps = Listing::parse(Some(&json!([
            {"id": "a1", "name": "Inventory", "versions": [{"id": "x1", "name": "v3"}]},
        ])));
        assert_eq!(
            apps.apps[0].version_named("V3").unwrap_err().to_string(),
            "no version named \"V3\", but \"v3\" differs from it only in letter case: give the \
             name exactly as ToolJet lists it"
        );
        assert_eq!(apps.apps[0].version_named("v4"), Ok(None));
    }

    #[test]
    fn an_app_name_matches_beyond_ascii_case_and_whatever_its_accent_encoding() {
        let apps = Listing::parse(Some(&json!([
            {"id": "1", "name": "Über", "versions": []},
            {"id": "2", "name": "Café", "versions": []},
            {"id": "3", "name": "STRASSE", "versions": []},
        ])));
        assert_eq!(apps.app_named("über").unwrap().id, "1");
        assert_eq!(
            apps.app_named("Cafe\u{301}").unwrap().id,
            "2",
            "a combining accent is the listed app, never an absent one to import"
        );
        assert_eq!(apps.app_named("straße").unwrap().id, "3");
    }

    #[test]
    fn an_exact_name_wins_over_one_that_differs_only_in_accent_encoding() {
        let apps = Listing::parse(Some(&json!([
            {"id": "composed", "name": "Café", "versions": []},
            {"id": "decomposed", "name": "Cafe\u{301}", "versions": []},
        ])));
        assert_eq!(apps.app_named("Cafe\u{301}").unwrap().id, "decomposed");
        assert_eq!(apps.app_named("Café").unwrap().id, "composed");
        let err = apps.app_named("CAFÉ").unwrap_err().to_string();
        assert!(err.contains("ambiguous"), "{err}");
    }

    #[test]
    fn a_version_name_that_differs_only_in_accent_encoding_is_a_slip_naming_the_listed_one() {
        let apps = Listing::parse(Some(&json!([
            {"id": "a1", "name": "Inventory", "versions": [{"id": "x1", "name": "été"}]},
        ])));
        assert_eq!(
            apps.apps[0]
                .version_named("e\u{301}te\u{301}")
                .unwrap_err()
                .to_string(),
            "no version named \"e\\u{301}te\\u{301}\", but \"été\" differs from it only in how its \
             accented letters are encoded (Unicode normalisation): give the name exactly as ToolJet \
             lists it"
        );
        assert!(matches!(
            apps.apps[0].version_named("ÉTÉ"),
            Err(NameError::CaseOnly { .. })
        ));
    }

    #[test]
    fn a_listed_id_that_is_no_path_segment_is_refused() {
        let apps = Listing::parse(Some(&json!([{"id": "..", "name": "Evil", "versions": []}])));
        assert!(
            apps.app_named("Evil")
                .unwrap_err()
                .to_string()
                .contains("cannot name it")
        );
    }

    #[test]
    fn a_workspace_name_matching_several_but_for_case_is_ambiguous() {
        let json = json!([{"id": "w1", "name": "Acme"}, {"id": "w2", "name": "ACME"}]);
        let err = workspace_named(Some(&json), "acme")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("ambiguous") && err.contains("\"Acme\", \"ACME\""),
            "{err}"
        );
        assert_eq!(workspace_named(Some(&json), "ACME"), Ok("w2".to_owned()));
    }

    #[test]
    fn an_app_id_matches_in_either_letter_case() {
        let apps = Listing::parse(Some(
            &json!([{"id": "0f5f3ad1-8f1e-4a53-9d0f-5a1e0c2b7d11", "name": "A"}]),
        ));
        assert!(
            apps.app_with_id("0F5F3AD1-8F1E-4A53-9D0F-5A1E0C2B7D11")
                .is_some()
        );
    }

    #[test]
    fn workspaces_resolve_by_name() {
        let json = json!([{"id": "w1", "name": "Acme"}, {"id": "w2", "name": "Beta"}]);
        assert_eq!(workspace_named(Some(&json), "acme"), Ok("w1".to_owned()));
        assert!(
            workspace_named(Some(&json), "Acne")
                .unwrap_err()
                .to_string()
                .contains("close matches: \"Acme\"")
        );
    }
}
