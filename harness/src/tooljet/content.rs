//! What a version of an app holds, and its export as ToolJet's exporter writes it.
//!
//! Each version has a [`Design`]: pages, components, queries, data sources (the version's own
//! and the workspace's), event handlers, query folders and settings. Its export gives every row
//! a new id per version and rewrites every reference to it (`pageId`, `parent`, a query's
//! `dataSourceId`, an event's `sourceId` and `queryId`, `{{queries.<id>.data}}` in values,
//! `homePageId`), keeps each row's `co_relation_id` across versions, and gives the version's
//! own data sources new credential ids for the same secrets, as creating a version does in
//! ToolJet. Keys come in ToolJet's order. Data source options hold clear text as ToolJet's do:
//! a host, a user name and a header with a token in it.

use std::hash::{DefaultHasher, Hash, Hasher};

use serde::Serialize;
use serde_json::{Value, json};

/// Environments in priority order, as every ToolJet workspace has them.
pub const ENVIRONMENTS: [&str; 3] = ["development", "staging", "production"];

/// A host and a token that the sample app's data sources hold in clear text, as ToolJet's
/// exports do: tests check that neither ever leaves the action.
pub const SAMPLE_HOST: &str = "db.internal.acme.example";
pub const SAMPLE_TOKEN: &str = "Bearer tj_live_5f4e3d2c1b0a9f8e7d6c";

/// What a version of an app holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    pub pages: Vec<Page>,
    pub components: Vec<Component>,
    pub queries: Vec<Query>,
    pub sources: Vec<DataSource>,
    pub events: Vec<Event>,
    pub folders: Vec<String>,
    /// The home page's handle.
    pub home: String,
    pub maintenance: bool,
    /// Tables repeated on the home page, as many as make this many bytes: a large app.
    pub filler_bytes: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// What it was first called: its `co_relation_id` comes from it, so a renamed page keeps it.
    pub lineage: String,
    pub name: String,
    pub handle: String,
    /// The groups that may see it, if it is restricted.
    pub groups: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Component {
    pub lineage: String,
    pub name: String,
    /// `Button`, `Table`, `Text`, `Container`.
    pub kind: String,
    /// The handle of its page.
    pub page: String,
    /// The component it sits in, by name.
    pub parent: Option<String>,
    pub text: String,
    /// The query whose data it shows, by name.
    pub query: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub lineage: String,
    pub name: String,
    /// Its data source, by name.
    pub source: String,
    /// `postgresql`, `restapi`.
    pub kind: String,
    pub sql: String,
    pub folder: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DataSource {
    pub name: String,
    pub kind: String,
    /// The workspace's (the same in every version) rather than the version's own.
    pub global: bool,
    /// Its options, the same in every environment.
    pub options: Vec<(String, OptionValue)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum OptionValue {
    /// Stored as it is: ToolJet exports it in clear text.
    Clear(Value),
    /// A stored secret: exported as a credential id only.
    Secret,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The component whose event it is, by name.
    pub component: String,
    /// `onClick`.
    pub event: String,
    /// The query it runs, by name.
    pub query: String,
}

fn page(name: &str, handle: &str) -> Page {
    Page {
        lineage: handle.to_owned(),
        name: name.to_owned(),
        handle: handle.to_owned(),
        groups: None,
    }
}

fn component(name: &str, kind: &str, page: &str, text: &str, query: Option<&str>) -> Component {
    Component {
        lineage: name.to_owned(),
        name: name.to_owned(),
        kind: kind.to_owned(),
        page: page.to_owned(),
        parent: None,
        text: text.to_owned(),
        query: query.map(str::to_owned),
    }
}

fn query(name: &str, source: &str, kind: &str, sql: &str) -> Query {
    Query {
        lineage: name.to_owned(),
        name: name.to_owned(),
        source: source.to_owned(),
        kind: kind.to_owned(),
        sql: sql.to_owned(),
        folder: None,
    }
}

fn clear(value: Value) -> OptionValue {
    OptionValue::Clear(value)
}

impl Default for Design {
    /// A small inventory app: three pages, a table of orders, buttons that run queries against
    /// a Postgres database and two REST APIs (one the workspace's).
    fn default() -> Self {
        let mut saved = component("savedText", "Text", "home", "Saved", None);
        saved.parent = Some("card".to_owned());
        let mut settings = page("Settings", "settings");
        settings.groups = Some(vec!["admins".to_owned()]);
        let mut save = query(
            "saveSettings",
            "inventory_db",
            "postgresql",
            "update settings set value = {{components.savedText.text}}",
        );
        save.folder = Some("admin".to_owned());
        Self {
            pages: vec![page("Home", "home"), page("Orders", "orders"), settings],
            components: vec![
                component("title", "Text", "home", "Inventory", None),
                component("card", "Container", "home", "", None),
                saved,
                component(
                    "ordersTable",
                    "Table",
                    "orders",
                    "Orders",
                    Some("listOrders"),
                ),
                component("refreshButton", "Button", "orders", "Refresh", None),
                component("saveButton", "Button", "settings", "Save", None),
            ],
            queries: vec![
                query(
                    "listOrders",
                    "inventory_db",
                    "postgresql",
                    "select * from orders",
                ),
                query("refreshStock", "stock_api", "restapi", "GET /stock"),
                query("notifyShipping", "orders_api", "restapi", "POST /notify"),
                save,
            ],
            sources: vec![
                DataSource {
                    name: "inventory_db".to_owned(),
                    kind: "postgresql".to_owned(),
                    global: false,
                    options: vec![
                        ("host".to_owned(), clear(json!(SAMPLE_HOST))),
                        ("port".to_owned(), clear(json!(5432))),
                        ("database".to_owned(), clear(json!("inventory"))),
                        ("username".to_owned(), clear(json!("tooljet_ro"))),
                        ("password".to_owned(), OptionValue::Secret),
                        ("ssl_enabled".to_owned(), clear(json!(true))),
                    ],
                },
                DataSource {
                    name: "orders_api".to_owned(),
                    kind: "restapi".to_owned(),
                    global: false,
                    options: vec![
                        (
                            "url".to_owned(),
                            clear(json!("https://orders.internal.acme.example/v2")),
                        ),
                        (
                            "headers".to_owned(),
                            clear(json!([["Authorization", SAMPLE_TOKEN]])),
                        ),
                        ("client_secret".to_owned(), OptionValue::Secret),
                    ],
                },
                DataSource {
                    name: "stock_api".to_owned(),
                    kind: "restapi".to_owned(),
                    global: true,
                    options: vec![(
                        "url".to_owned(),
                        clear(json!("https://stock.acme.example/api")),
                    )],
                },
            ],
            events: vec![
                Event {
                    component: "refreshButton".to_owned(),
                    event: "onClick".to_owned(),
                    query: "refreshStock".to_owned(),
                },
                Event {
                    component: "saveButton".to_owned(),
                    event: "onClick".to_owned(),
                    query: "saveSettings".to_owned(),
                },
            ],
            folders: vec!["admin".to_owned()],
            home: "home".to_owned(),
            maintenance: false,
            filler_bytes: 0,
        }
    }
}

impl Design {
    pub fn page_mut(&mut self, handle: &str) -> &mut Page {
        self.pages
            .iter_mut()
            .find(|page| page.handle == handle)
            .expect("the design has the page")
    }

    pub fn query_mut(&mut self, name: &str) -> &mut Query {
        self.queries
            .iter_mut()
            .find(|query| query.name == name)
            .expect("the design has the query")
    }

    pub fn component_mut(&mut self, name: &str) -> &mut Component {
        self.components
            .iter_mut()
            .find(|component| component.name == name)
            .expect("the design has the component")
    }

    /// Adds a page with a text on it.
    pub fn add_page(&mut self, name: &str, handle: &str) {
        self.pages.push(page(name, handle));
        let text = format!("{handle}Title");
        self.components
            .push(component(&text, "Text", handle, name, None));
    }

    /// Removes a page and what is on it.
    pub fn remove_page(&mut self, handle: &str) {
        self.pages.retain(|page| page.handle != handle);
        let gone: Vec<String> = self
            .components
            .iter()
            .filter(|component| component.page == handle)
            .map(|component| component.name.clone())
            .collect();
        self.components.retain(|component| component.page != handle);
        self.events.retain(|event| !gone.contains(&event.component));
    }

    /// Sets a data source's option, clear text, in every environment.
    pub fn set_option(&mut self, source: &str, key: &str, value: Value) {
        let source = self
            .sources
            .iter_mut()
            .find(|s| s.name == source)
            .expect("the design has the data source");
        match source.options.iter_mut().find(|(k, _)| k == key) {
            Some((_, option)) => *option = clear(value),
            None => source.options.push((key.to_owned(), clear(value))),
        }
    }

    /// The changes `--content-changes` makes to a draft: a page added and one removed, a
    /// component changed, a query moved to the workspace's API, the database's host and the
    /// API's token changed, the home page moved.
    pub fn sample_changes(&mut self) {
        self.add_page("Reports", "reports");
        self.remove_page("settings");
        self.component_mut("title").text = "Inventory (new)".to_owned();
        self.query_mut("notifyShipping").source = "stock_api".to_owned();
        self.set_option("inventory_db", "host", json!("db2.internal.acme.example"));
        self.set_option(
            "orders_api",
            "headers",
            json!([["Authorization", "Bearer tj_live_0a1b2c3d4e5f6a7b8c9d"]]),
        );
        self.home = "orders".to_owned();
    }
}

/// The app an export is of.
pub struct ExportedApp<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub slug: &'a str,
    pub organization_id: &'a str,
    pub current_version_id: Option<&'a str>,
    pub co_relation_id: Option<&'a str>,
}

/// A version in an export: what the listing knows of it, and its design.
pub struct ExportedVersion<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub draft: bool,
    pub environment: usize,
    pub design: &'a Design,
}

/// ToolJet's export of `app` holding `versions`: `{"tooljet_version", "app": [{"definition":
/// {"appV2": ...}}]}`, the entity's keys in ToolJet's order, `tooljet_database` after it
/// unless left out.
pub fn export(app: &ExportedApp<'_>, versions: &[ExportedVersion<'_>], tjdb: bool) -> String {
    let mut out =
        String::from(r#"{"tooljet_version":"3.20.216-lts","app":[{"definition":{"appV2":"#);
    let mut entity = Object::new(&mut out);
    entity.field("id", app.id);
    entity.field("type", "front-end");
    entity.field("name", app.name);
    entity.field("slug", app.slug);
    entity.field("isPublic", false);
    entity.field("isMaintenanceOn", false);
    entity.field("icon", "apps");
    entity.field("organizationId", app.organization_id);
    entity.field("currentVersionId", app.current_version_id);
    entity.field("userId", "71006fd7-a521-4a70-a9e8-50bf1b2feb7a");
    entity.field("co_relation_id", app.co_relation_id);
    entity.field("createdAt", "2026-01-05T10:00:00.000Z");
    entity.field("creationMode", "DEFAULT");
    if let Some(editing) = versions.last() {
        entity.field(
            "editingVersion",
            json!({"id": editing.id, "name": editing.name}),
        );
    }
    let made: Vec<Made<'_>> = versions
        .iter()
        .map(|version| Made::new(app, version))
        .collect();
    entity.rows("components", &made, Made::components);
    entity.rows("pages", &made, Made::pages);
    entity.rows("events", &made, Made::events);
    entity.rows("dataQueries", &made, Made::queries);
    entity.rows("dataSources", &made, Made::sources);
    entity.rows("dataQueryFolders", &made, Made::folders);
    entity.rows("dataQueryFolderMappings", &made, Made::placements);
    entity.rows("appVersions", &made, Made::version);
    entity.list(
        "appEnvironments",
        ENVIRONMENTS.iter().enumerate().map(|(i, name)| {
            json!({"id": environment_id(i), "name": name, "priority": i + 1,
                   "isDefault": i == 0, "enabled": true})
        }),
    );
    entity.rows("dataSourceOptions", &made, Made::options);
    entity.field(
        "schemaDetails",
        json!({"multiPages": true, "multiEnv": true, "globalDataSources": true}),
    );
    entity.field("modules", json!([]));
    entity.end();
    out.push_str("}}]");
    if tjdb {
        out.push_str(r#","tooljet_database":[]"#);
    }
    out.push('}');
    out
}

/// An environment's id, the same in every export of the workspace.
pub fn environment_id(index: usize) -> String {
    format!("e0000000-0000-4000-8000-00000000000{}", index + 1)
}

fn hash(value: &impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// A UUID made from what it is the id of: the same words give the same id.
fn uuid(parts: &[&str]) -> String {
    let half = |salt: u8| {
        let mut hasher = DefaultHasher::new();
        salt.hash(&mut hasher);
        parts.hash(&mut hasher);
        hasher.finish()
    };
    let hex = format!("{:016x}{:016x}", half(1), half(2));
    let part = |range: std::ops::Range<usize>| hex.get(range).unwrap_or_default().to_owned();
    format!(
        "{}-{}-4{}-8{}-{}",
        part(0..8),
        part(8..12),
        part(13..16),
        part(17..20),
        part(20..32)
    )
}

/// One version as exported: its rows, with this version's ids.
struct Made<'a> {
    app: &'a ExportedApp<'a>,
    version: &'a ExportedVersion<'a>,
}

impl<'a> Made<'a> {
    fn new(app: &'a ExportedApp<'a>, version: &'a ExportedVersion<'a>) -> Self {
        Self { app, version }
    }

    fn design(&self) -> &'a Design {
        self.version.design
    }

    /// The id, in this version, of what `what` names.
    fn id(&self, what: &str) -> String {
        uuid(&[self.version.id, what])
    }

    /// The `co_relation_id` of what `what` names: the same in every version of the app.
    fn co_relation(&self, what: &str) -> String {
        uuid(&[self.app.id, what])
    }

    fn page_id(&self, handle: &str) -> String {
        self.id(&format!("page:{handle}"))
    }

    fn component_id(&self, name: &str) -> String {
        self.id(&format!("component:{name}"))
    }

    fn query_id(&self, name: &str) -> String {
        self.id(&format!("query:{name}"))
    }

    /// A data source's id: the workspace's keep theirs in every version.
    fn source_id(&self, name: &str) -> String {
        match self.design().sources.iter().find(|s| s.name == name) {
            Some(source) if source.global => uuid(&[self.app.organization_id, "source", name]),
            _ => self.id(&format!("source:{name}")),
        }
    }

    fn components(&self) -> Vec<String> {
        let design = self.design();
        let mut rows: Vec<String> = design
            .components
            .iter()
            .map(|c| self.component(c))
            .collect();
        let filler = filler_component(0);
        let each = self.component(&filler).len().max(1);
        rows.extend((0..design.filler_bytes / each).map(|n| self.component(&filler_component(n))));
        rows
    }

    fn component(&self, c: &Component) -> String {
        let id = self.component_id(&c.name);
        let data = c.query.as_deref().map_or(String::new(), |query| {
            format!("{{{{queries.{}.data}}}}", self.query_id(query))
        });
        let mut out = String::new();
        let mut row = Object::new(&mut out);
        row.field("id", &id);
        row.field("name", &c.name);
        row.field("type", &c.kind);
        row.field("pageId", self.page_id(&c.page));
        row.field("parent", c.parent.as_deref().map(|p| self.component_id(p)));
        row.field(
            "properties",
            json!({"text": {"value": c.text}, "data": {"value": data},
                   "visibility": {"value": "{{true}}"}, "disabledState": {"value": "{{false}}"},
                   "tooltip": {"value": ""}, "loadingState": {"value": "{{false}}"}}),
        );
        row.field(
            "styles",
            json!({"textColor": {"value": "#1B1F24"}, "borderRadius": {"value": "{{6}}"},
                   "backgroundColor": {"value": "#fff"}, "boxShadow": {"value": "0px 0px 0px 0px #00000040"}}),
        );
        row.field("general", json!({}));
        row.field(
            "generalStyles",
            json!({"boxShadow": {"value": "0px 0px 0px 0px #00000040"}}),
        );
        row.field(
            "validation",
            json!({"mandatory": {"value": "{{false}}"}, "regex": {"value": ""}}),
        );
        row.field(
            "displayPreferences",
            json!({"showOnDesktop": {"value": "{{true}}"}, "showOnMobile": {"value": "{{false}}"}}),
        );
        row.field(
            "co_relation_id",
            self.co_relation(&format!("component:{}", c.lineage)),
        );
        let layouts: Vec<Value> = ["desktop", "mobile"]
            .iter()
            .map(|kind| {
                json!({"id": self.id(&format!("layout:{}:{kind}", c.name)), "type": kind,
                       "top": 120, "left": 4, "width": 12, "height": 40, "componentId": id,
                       "dimensionUnit": "count", "updatedAt": super::world::iso_timestamp()})
            })
            .collect();
        row.field("layouts", layouts);
        row.end();
        out
    }

    fn pages(&self) -> Vec<String> {
        let design = self.design();
        design
            .pages
            .iter()
            .enumerate()
            .map(|(index, page)| {
                let mut out = String::new();
                let mut row = Object::new(&mut out);
                row.field("id", self.page_id(&page.handle));
                row.field("name", &page.name);
                row.field("handle", &page.handle);
                row.field("index", index + 1);
                row.field("disabled", Value::Null);
                row.field("hidden", Value::Null);
                row.field("icon", Value::Null);
                row.field("type", "default");
                row.field("url", Value::Null);
                row.field("openIn", "same_tab");
                row.field("pageGroupId", Value::Null);
                row.field("isPageGroup", false);
                row.field("appVersionId", self.version.id);
                row.field(
                    "co_relation_id",
                    self.co_relation(&format!("page:{}", page.lineage)),
                );
                if let Some(groups) = &page.groups {
                    row.field("permissions", json!({"permissionGroup": groups}));
                }
                row.end();
                out
            })
            .collect()
    }

    fn events(&self) -> Vec<String> {
        let design = self.design();
        design
            .events
            .iter()
            .enumerate()
            .map(|(n, event)| {
                let index = design.events[..n]
                    .iter()
                    .filter(|e| e.component == event.component)
                    .count();
                let mut out = String::new();
                let mut row = Object::new(&mut out);
                row.field("id", self.id(&format!("event:{n}")));
                row.field("name", &event.event);
                row.field("index", index);
                row.field(
                    "event",
                    json!({"eventId": event.event, "actionId": "run-query",
                           "queryId": self.query_id(&event.query), "queryName": event.query,
                           "parameters": {}}),
                );
                row.field("sourceId", self.component_id(&event.component));
                row.field("target", "component");
                row.field("appVersionId", self.version.id);
                row.field(
                    "co_relation_id",
                    self.co_relation(&format!(
                        "event:{}:{}:{index}",
                        event.component, event.event
                    )),
                );
                row.end();
                out
            })
            .collect()
    }

    fn queries(&self) -> Vec<String> {
        let design = self.design();
        design
            .queries
            .iter()
            .map(|query| {
                let mut out = String::new();
                let mut row = Object::new(&mut out);
                row.field("id", self.query_id(&query.name));
                row.field("name", &query.name);
                row.field(
                    "options",
                    json!({"mode": "sql", "query": query.sql, "runOnPageLoad": false,
                           "transformationLanguage": "javascript", "enableTransformation": false}),
                );
                row.field("dataSourceId", self.source_id(&query.source));
                row.field("appVersionId", self.version.id);
                row.field("kind", &query.kind);
                row.field("dataSourceType", "default");
                row.field(
                    "co_relation_id",
                    self.co_relation(&format!("query:{}", query.lineage)),
                );
                row.end();
                out
            })
            .collect()
    }

    /// The version's own data sources, then the workspace's that its queries use.
    fn sources(&self) -> Vec<String> {
        let design = self.design();
        let used = |source: &&DataSource| {
            !source.global || design.queries.iter().any(|q| q.source == source.name)
        };
        let (local, global): (Vec<&DataSource>, Vec<&DataSource>) =
            design.sources.iter().filter(used).partition(|s| !s.global);
        local
            .into_iter()
            .chain(global)
            .map(|source| {
                let mut out = String::new();
                let mut row = Object::new(&mut out);
                row.field("id", self.source_id(&source.name));
                row.field("name", &source.name);
                row.field("kind", &source.kind);
                row.field("type", "default");
                row.field("pluginId", Value::Null);
                match source.global {
                    true => {
                        row.field("appVersionId", Value::Null);
                        row.field("organizationId", self.app.organization_id);
                        row.field("scope", "global");
                    }
                    false => {
                        row.field("appVersionId", self.version.id);
                        row.field("organizationId", Value::Null);
                        row.field("scope", "local");
                    }
                }
                row.field(
                    "co_relation_id",
                    uuid(&[self.app.organization_id, "source-co", &source.name]),
                );
                row.end();
                out
            })
            .collect()
    }

    fn folders(&self) -> Vec<String> {
        self.design()
            .folders
            .iter()
            .map(|name| {
                let mut out = String::new();
                let mut row = Object::new(&mut out);
                row.field("id", self.id(&format!("folder:{name}")));
                row.field("name", name);
                row.field("appVersionId", self.version.id);
                row.field(
                    "co_relation_id",
                    self.co_relation(&format!("folder:{name}")),
                );
                row.end();
                out
            })
            .collect()
    }

    fn placements(&self) -> Vec<String> {
        self.design()
            .queries
            .iter()
            .enumerate()
            .map(|(index, query)| {
                let parent = query
                    .folder
                    .as_deref()
                    .map(|folder| self.id(&format!("folder:{folder}")));
                json!({"id": self.id(&format!("placement:{}", query.name)), "parentId": parent,
                       "childId": self.query_id(&query.name), "childType": "query", "index": index})
                .to_string()
            })
            .collect()
    }

    fn version(&self) -> Vec<String> {
        let (version, design) = (self.version, self.design());
        let mut out = String::new();
        let mut row = Object::new(&mut out);
        row.field("id", version.id);
        row.field("name", version.name);
        row.field("status", if version.draft { "DRAFT" } else { "PUBLISHED" });
        row.field("currentEnvironmentId", environment_id(version.environment));
        row.field("publishedAt", super::world::iso_timestamp());
        row.field("releasedAt", Value::Null);
        row.field("co_relation_id", uuid(&[version.id, "version"]));
        row.field("definition", Value::Null);
        row.field(
            "globalSettings",
            json!({"appInMaintenance": design.maintenance, "canvasMaxWidth": 100,
                   "canvasMaxWidthType": "%", "backgroundFxQuery": "", "appMode": "light"}),
        );
        row.field("pageSettings", Value::Null);
        row.field("showViewerNavigation", true);
        row.field("homePageId", self.page_id(&design.home));
        row.field("appId", self.app.id);
        row.end();
        vec![out]
    }

    /// One row per data source and environment; a secret is a credential id, new in every
    /// version for the version's own data sources.
    fn options(&self) -> Vec<String> {
        let design = self.design();
        let mut rows = Vec::new();
        for source in &design.sources {
            if source.global && !design.queries.iter().any(|q| q.source == source.name) {
                continue;
            }
            let (owner, made) = match source.global {
                true => (
                    self.app.organization_id,
                    "2026-01-05T10:00:00.000Z".to_owned(),
                ),
                false => (self.version.id, super::world::iso_timestamp()),
            };
            for environment in 0..ENVIRONMENTS.len() {
                let mut options = String::new();
                let mut object = Object::new(&mut options);
                for (key, value) in &source.options {
                    let value = match value {
                        OptionValue::Clear(value) => json!({"value": value, "encrypted": false}),
                        OptionValue::Secret => json!({
                            "credential_id": uuid(&[owner, "credential", &source.name, key, &environment.to_string()]),
                            "encrypted": true,
                        }),
                    };
                    object.field(key, value);
                }
                object.end();
                let mut out = String::new();
                let mut row = Object::new(&mut out);
                row.field(
                    "id",
                    uuid(&[owner, "options", &source.name, &environment.to_string()]),
                );
                row.field("dataSourceId", self.source_id(&source.name));
                row.field("environmentId", environment_id(environment));
                row.raw("options", &options);
                row.field("createdAt", &made);
                row.field("updatedAt", &made);
                row.end();
                rows.push(out);
            }
        }
        rows
    }
}

/// The `n`th of the tables a large app repeats.
fn filler_component(n: usize) -> Component {
    let mut table = component(
        &format!("table{n}"),
        "Table",
        "home",
        "Stock by warehouse: quantities, reorder points and suppliers",
        Some("listOrders"),
    );
    table.text.push_str(&" with notes".repeat(40));
    table
}

/// A JSON object written key by key, in the order given (`serde_json::Value` sorts keys).
struct Object<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Object<'a> {
    fn new(out: &'a mut String) -> Self {
        out.push('{');
        Self { out, first: true }
    }

    fn key(&mut self, key: &str) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        self.out.push_str(&Value::from(key).to_string());
        self.out.push(':');
    }

    fn field(&mut self, key: &str, value: impl Serialize) {
        self.key(key);
        let value = serde_json::to_string(&value).expect("JSON");
        self.out.push_str(&value);
    }

    /// A value already written as JSON.
    fn raw(&mut self, key: &str, json: &str) {
        self.key(key);
        self.out.push_str(json);
    }

    /// An array of rows written as JSON, each version's in turn; a row two versions share (a
    /// workspace data source, its options) once, as ToolJet lists it.
    fn rows<'m>(&mut self, key: &str, made: &[Made<'m>], rows: impl Fn(&Made<'m>) -> Vec<String>) {
        self.key(key);
        self.out.push('[');
        let mut first = true;
        let mut seen = std::collections::HashSet::new();
        for version in made {
            for row in rows(version) {
                if !seen.insert(hash(&row)) {
                    continue;
                }
                if !first {
                    self.out.push(',');
                }
                first = false;
                self.out.push_str(&row);
            }
        }
        self.out.push(']');
    }

    fn list(&mut self, key: &str, values: impl Iterator<Item = Value>) {
        self.key(key);
        let values: Vec<Value> = values.collect();
        self.out.push_str(&Value::from(values).to_string());
    }

    fn end(self) {
        self.out.push('}');
    }
}
