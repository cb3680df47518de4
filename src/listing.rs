//! Apps, versions and workspaces by name: ToolJet's listings turned into ids, or a clear
//! error listing the close matches.

use serde_json::Value;

use crate::tooljet::is_one_segment;

/// `id`, unless a hostile or broken server listed something that is no usable id.
fn usable<'a>(what: &str, name: &str, id: &'a str) -> Result<&'a str, String> {
    if is_one_segment(id) {
        Ok(id)
    } else {
        Err(format!(
            "ToolJet listed {what} {name:?} with the id {id:?}, which cannot name it in a request"
        ))
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

    /// The app with this name: an exact match, else the only case-insensitive one.
    pub fn app_named(&self, name: &str) -> Result<&ListedApp, String> {
        let app = by_name(
            &self.apps,
            name,
            |app| &app.name,
            "app",
            " in the workspace",
        )?;
        usable("app", &app.name, &app.id)?;
        Ok(app)
    }

    /// True when some app has this name, in any letter case: `app_named` then finds it or
    /// says it is ambiguous; otherwise the app is absent.
    pub fn has_name_like(&self, name: &str) -> bool {
        self.apps
            .iter()
            .any(|app| app.name.eq_ignore_ascii_case(name))
    }

    /// The app with this id (in either letter case, as UUIDs are) or slug, if listed.
    pub fn app_with_id(&self, id: &str) -> Option<&ListedApp> {
        self.apps
            .iter()
            .find(|app| app.id.eq_ignore_ascii_case(id) || app.slug == id)
    }
}

impl ListedApp {
    /// The id of the version named (or with the id) `version`. `Ok(None)` when the listing
    /// holds no versions, so ToolJet has to resolve the name itself.
    pub fn version_id(&self, version: &str) -> Result<Option<String>, String> {
        if self.versions.is_empty() {
            return Ok(None);
        }
        match self
            .versions
            .iter()
            .find(|(id, name)| id == version || name == version)
        {
            Some((id, name)) => Ok(Some(usable("version", name, id)?.to_owned())),
            None => Err(format!(
                "app {:?} has no version named {version:?}{}",
                self.name,
                suggestions(version, self.versions.iter().map(|(_, name)| name.as_str()))
            )),
        }
    }
}

/// The id of the workspace named `name` in `GET /api/ext/workspaces`, matched as app names are.
pub fn workspace_named(json: Option<&Value>, name: &str) -> Result<String, String> {
    let workspaces: Vec<(String, String)> = json
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|w| (text(w, "id"), text(w, "name")))
        .collect();
    let (id, _) = by_name(&workspaces, name, |(_, name)| name, "workspace", "")?;
    usable("workspace", name, id).map(str::to_owned)
}

/// The one rule for names (apps, workspaces): an exact match wins, else the only
/// case-insensitive one; several that differ only in case are ambiguous, never guessed.
/// `place` says where it was looked for (" in the workspace").
fn by_name<'a, T>(
    items: &'a [T],
    name: &str,
    name_of: impl Fn(&T) -> &str,
    what: &str,
    place: &str,
) -> Result<&'a T, String> {
    if let Some(item) = items.iter().find(|item| name_of(item) == name) {
        return Ok(item);
    }
    let folded: Vec<&T> = items
        .iter()
        .filter(|item| name_of(item).eq_ignore_ascii_case(name))
        .collect();
    match folded.as_slice() {
        [item] => Ok(item),
        [] => Err(format!(
            "no {what} named {name:?}{place}{}",
            suggestions(name, items.iter().map(&name_of))
        )),
        several => Err(format!(
            "the {what} name {name:?} is ambiguous: it matches {}; give the exact name or the {what}'s id",
            quoted(several.iter().map(|item| name_of(item)))
        )),
    }
}

/// "; close matches: "A", "B"" for names near `wanted`, or "" when none is near.
fn suggestions<'a>(wanted: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    let wanted_lower = wanted.to_lowercase();
    let mut near: Vec<(usize, &str)> = candidates
        .filter_map(|candidate| {
            let lower = candidate.to_lowercase();
            let distance = strsim::levenshtein(&wanted_lower, &lower);
            let close = distance <= wanted.chars().count().max(3) / 3
                || lower.contains(&wanted_lower)
                || wanted_lower.contains(&lower);
            (close && !candidate.is_empty()).then_some((distance, candidate))
        })
        .collect();
    near.sort();
    near.dedup_by_key(|(_, name)| *name);
    if near.is_empty() {
        String::new()
    } else {
        format!(
            "; close matches: {}",
            quoted(near.into_iter().take(5).map(|(_, name)| name))
        )
    }
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
        let err = listing().app_named("ORDERS").unwrap_err();
        assert!(
            err.contains("ambiguous") && err.contains("\"Orders\", \"orders\""),
            "{err}"
        );
    }

    #[test]
    fn unknown_names_list_close_matches() {
        let err = listing().app_named("Inventry").unwrap_err();
        assert!(err.contains("close matches: \"Inventory\""), "{err}");
        assert!(!err.contains("Orders"), "{err}");
        assert_eq!(
            listing().app_named("Payroll").unwrap_err(),
            "no app named \"Payroll\" in the workspace"
        );
    }

    #[test]
    fn version_names_resolve_unless_the_listing_has_none() {
        let apps = listing();
        assert_eq!(apps.apps[0].version_id("v1"), Ok(Some("v1id".to_owned())));
        assert!(
            apps.apps[0]
                .version_id("v2")
                .unwrap_err()
                .contains("no version named \"v2\"")
        );
        assert_eq!(apps.apps[1].version_id("v2"), Ok(None));
    }

    #[test]
    fn a_listed_id_that_is_no_path_segment_is_refused() {
        let apps = Listing::parse(Some(&json!([{"id": "..", "name": "Evil", "versions": []}])));
        assert!(
            apps.app_named("Evil")
                .unwrap_err()
                .contains("cannot name it")
        );
    }

    #[test]
    fn a_workspace_name_matching_several_but_for_case_is_ambiguous() {
        let json = json!([{"id": "w1", "name": "Acme"}, {"id": "w2", "name": "ACME"}]);
        let err = workspace_named(Some(&json), "acme").unwrap_err();
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
                .contains("close matches: \"Acme\"")
        );
    }
}
