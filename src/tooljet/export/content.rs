//! What an export holds, per version: for each page, component, query, data source, event
//! handler, query folder, module and the version's settings, its name and a digest of its
//! content, never the content.
//!
//! A digest is made field by field as the export streams in: ids are new in every version, so
//! each id met in a value is noted and replaced, once the whole export has been read, by what
//! it names (its `co_relation_id`, kept across versions, or else its name); timestamps, the
//! rows' own ids and credential ids are left out. Entities are matched across versions by
//! `co_relation_id`, else by name: a page by `handle`, a component by page and name, a query,
//! data source, folder or module by name, an event handler by its source, event, target and
//! index. For a version's own data sources, each option key's value is hashed per
//! environment, so that a comparison can say which keys changed, never what they hold.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use super::ids::{self, mix};
use super::tokens::{Text, Token};
use crate::redact;

/// The kinds of entity a version holds, in the order a reviewer reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Page,
    Component,
    Query,
    DataSource,
    Event,
    Folder,
    /// The version's own settings (global and page settings, the home page): one per version.
    Settings,
    /// A module the version's components show (an app of its own, exported within).
    Module,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Page,
        Kind::Component,
        Kind::Query,
        Kind::DataSource,
        Kind::Event,
        Kind::Folder,
        Kind::Settings,
        Kind::Module,
    ];
}

/// The arrays of the app's entity whose elements are read, one row each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    Components,
    Pages,
    Events,
    Queries,
    DataSources,
    Folders,
    /// Which folder each query or folder is in.
    Placements,
    /// `appVersions`: each version's name and settings.
    Versions,
    Environments,
    /// Each data source's options in each environment.
    Options,
    Modules,
}

impl Source {
    /// The array of the app's entity named `key`, if it is one that is read.
    pub fn of(key: &str) -> Option<Self> {
        Some(match key {
            "components" => Self::Components,
            "pages" => Self::Pages,
            "events" => Self::Events,
            "dataQueries" => Self::Queries,
            "dataSources" => Self::DataSources,
            "dataQueryFolders" => Self::Folders,
            "dataQueryFolderMappings" => Self::Placements,
            "appVersions" => Self::Versions,
            "appEnvironments" => Self::Environments,
            "dataSourceOptions" => Self::Options,
            "modules" => Self::Modules,
            _ => return None,
        })
    }

    /// The kind of entity its rows are, if they are compared.
    fn kind(self) -> Option<Kind> {
        Some(match self {
            Self::Components => Kind::Component,
            Self::Pages => Kind::Page,
            Self::Events => Kind::Event,
            Self::Queries => Kind::Query,
            Self::DataSources => Kind::DataSource,
            Self::Folders => Kind::Folder,
            Self::Versions => Kind::Settings,
            Self::Modules => Kind::Module,
            Self::Placements | Self::Environments | Self::Options => return None,
        })
    }
}

/// Keys left out wherever they are: each row's own id, timestamps, ids of stored secrets (new
/// for the same secret in every version), and which version a row belongs to.
const IGNORED: [&str; 10] = [
    "id",
    "createdAt",
    "updatedAt",
    "created_at",
    "updated_at",
    "publishedAt",
    "releasedAt",
    "co_relation_id",
    "credential_id",
    "appVersionId",
];

/// The fields of a version (`appVersions`) that are its content; the rest says where it is
/// and how it was made (status, environment, git state), which differs between versions.
const SETTINGS: [&str; 5] = [
    "definition",
    "globalSettings",
    "pageSettings",
    "showViewerNavigation",
    "homePageId",
];

/// The longest name kept for display, in bytes.
pub(super) const MAX_NAME: usize = 100;
/// The longest field or option key name kept, in bytes.
const MAX_KEY: usize = 64;
/// The most distinct field names kept; others are counted as one.
const MAX_FIELD_NAMES: usize = 512;
/// Roughly the most memory one export's digests may take; past it, its content is not read.
const MAX_BYTES: usize = 24 * 1024 * 1024;

/// No index: an id that names nothing in the export, a row of no version it holds.
const NONE: u32 = u32::MAX;
/// The version of a row shared by every version: a workspace data source, a module.
const EVERY: u32 = u32::MAX - 1;

/// Why the content of an export could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContentError {
    #[error("it holds more entities than can be compared in bounded memory")]
    TooLarge,
}

/// One field of an entity: its name (interned), the hash of its value, and how many
/// references it holds (in `refs`, in order). 32 bits of hash are plenty to tell one field's
/// value from another's, and keep a 100 MB export's fields in a few MB.
#[derive(Debug, Clone, Copy)]
struct Field {
    hash: u32,
    name: u16,
    refs: u16,
}

/// One row of the export.
#[derive(Debug, Clone)]
struct Row {
    source: Source,
    /// Its own id (interned), or [`NONE`].
    own: u32,
    /// Its `co_relation_id`; 0 when it has none (two halves: a `u128` would align the row to
    /// 16 bytes).
    co_relation: [u64; 2],
    /// The version it belongs to: while reading, the id it names; then the version's index.
    version: u32,
    /// What it belongs to or uses (a component's page, an event's source, a query's data
    /// source, the settings' home page, a placement's query or folder): while reading, the id
    /// it names; then that entity's index.
    link: u32,
    /// Its name as shown (control characters stripped, at most [`MAX_NAME`] bytes): where it
    /// is in [`Content::names`], one string for all, and how long.
    name: (u32, u16),
    /// Hashes of what identifies it by name: its name, and a page's handle or an event's
    /// target and index. After reading, `name_hash` holds its natural key: how it is matched
    /// without a `co_relation_id`.
    name_hash: u64,
    key_hash: u64,
    /// Its fields: `fields[start..start + len]`.
    start: u32,
    len: u32,
    /// After reading: what references to it resolve to, and the digest of its content.
    identity: u64,
    digest: u64,
    flags: u8,
}

/// A data source (`scope: global`) of the workspace, the same in every version.
const GLOBAL: u8 = 1;
/// Settings whose `globalSettings.appInMaintenance` is true.
const MAINTENANCE: u8 = 2;

/// One data source's options in one environment: each key's name and the hash of its value
/// (credential ids left out).
#[derive(Debug, Clone)]
struct Options {
    /// While reading, the ids named; then the data source's and environment's indexes.
    source: u32,
    environment: u32,
    keys: Vec<(Box<str>, u64)>,
}

/// The content of the versions an export holds: per entity, a name and digests.
#[derive(Clone, Default)]
pub struct Content {
    rows: Vec<Row>,
    /// Every row's name, one after another.
    names: String,
    fields: Vec<Field>,
    field_names: Vec<Box<str>>,
    options: Vec<Options>,
    /// The versions, in the export's order: name, and their settings' row.
    versions: Vec<(Box<str>, u32)>,
    /// For a query or folder in a folder: its placement's row.
    placements: HashMap<u32, u32>,
}

/// What a depth-1 scalar of a row is kept as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Capture {
    None,
    Own,
    CoRelation,
    Version,
    Name,
    Handle,
    /// Part of an event's key: its target or index.
    Key,
    Link,
    Environment,
    Scope,
}

/// The field being hashed.
struct Open {
    slot: u32,
    hasher: DefaultHasher,
    /// Ids in it are references (not in a module, whose ids are its own and stable).
    refs: bool,
    /// The top-level field's name, for what is read inside it.
    name: Inner,
}

/// Fields whose insides are read for more than a hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Inner {
    Plain,
    /// A version's `globalSettings`: `appInMaintenance`.
    GlobalSettings,
    /// A module's `appV2`: its name and `co_relation_id`.
    Module,
}

/// The option key being hashed, in a data source's `options`.
struct OptionKey {
    name: Box<str>,
    hasher: DefaultHasher,
}

/// Reads rows as their tokens stream in, into [`Content`].
#[derive(Default)]
pub(super) struct Builder {
    content: Content,
    /// Every id met, interned, and the row it is the own id of ([`NONE`] if none).
    ids: HashMap<[u64; 2], u32>,
    targets: Vec<u32>,
    /// References, the ids in the order of the fields that hold them.
    refs: Vec<u32>,
    field_names: HashMap<Box<str>, u16>,
    row: Option<RowState>,
    /// Roughly the memory taken so far.
    used: usize,
    too_large: bool,
}

/// A row being read.
struct RowState {
    row: Row,
    field: Option<Open>,
    capture: Capture,
    /// Skipping a value whose key is at this depth.
    skip: Option<usize>,
    options: Option<Options>,
    option: Option<OptionKey>,
    /// The depth-2 key just read, in a field whose insides matter.
    inner_key: Option<&'static str>,
}

impl Builder {
    /// A row of `source` opens.
    pub fn begin(&mut self, source: Source) {
        if self.too_large {
            return;
        }
        let row = Row {
            source,
            own: NONE,
            co_relation: [0; 2],
            version: NONE,
            link: NONE,
            name: (0, 0),
            name_hash: 0,
            key_hash: 0,
            start: self.content.fields.len() as u32,
            len: 0,
            identity: 0,
            digest: 0,
            flags: 0,
        };
        self.row = Some(RowState {
            options: (source == Source::Options).then(|| Options {
                source: NONE,
                environment: NONE,
                keys: Vec::new(),
            }),
            row,
            field: None,
            capture: Capture::None,
            skip: None,
            option: None,
            inner_key: None,
        });
    }

    /// A token inside the row, at `depth` (1 for the row's own keys and values).
    pub fn token(&mut self, depth: usize, token: Token<'_>) {
        let Some(mut state) = self.row.take() else {
            return;
        };
        self.read(&mut state, depth, token);
        self.row = Some(state);
    }

    /// The row has closed.
    pub fn end(&mut self) {
        let Some(state) = self.row.take() else {
            return;
        };
        let RowState {
            mut row, options, ..
        } = state;
        let index = self.content.rows.len() as u32;
        if row.own != NONE
            && let Some(target) = self.targets.get_mut(row.own as usize)
        {
            *target = index;
        }
        row.len = self.content.fields.len() as u32 - row.start;
        if let Some(options) = options {
            self.used += options
                .keys
                .iter()
                .map(|(k, _)| k.len() + 32)
                .sum::<usize>();
            self.content.options.push(options);
        }
        self.used += std::mem::size_of::<Row>() + usize::from(row.name.1);
        self.content.rows.push(row);
        if self.used > MAX_BYTES {
            self.too_large = true;
        }
    }

    fn read(&mut self, state: &mut RowState, depth: usize, token: Token<'_>) {
        if let Some(at) = state.skip {
            match token {
                _ if depth > at => {}
                Token::StartObject | Token::StartArray => {}
                _ => state.skip = None,
            }
            return;
        }
        if depth == 1 {
            return self.top(state, token);
        }
        let options = state.options.is_some() && state.field.is_none();
        if options && depth == 2 {
            return self.option(state, depth, token);
        }
        if let Token::Name(name) = token
            && IGNORED.contains(&name.head)
        {
            state.skip = Some(depth);
            return;
        }
        if options {
            return self.option(state, depth, token);
        }
        self.inner(state, depth, token);
        if let Some(open) = &mut state.field {
            self.hash(open, token);
        }
    }

    /// A key or value of the row itself.
    fn top(&mut self, state: &mut RowState, token: Token<'_>) {
        match token {
            Token::Name(name) => self.field(state, name),
            Token::StartObject | Token::StartArray => {
                if let Some(open) = &mut state.field {
                    self.hash(open, token);
                } else {
                    // A value kept whole (an id, a name) that is no text.
                    state.capture = Capture::None;
                }
            }
            Token::EndObject | Token::EndArray => {
                if let Some(mut open) = state.field.take() {
                    self.hash(&mut open, token);
                    self.close(open);
                }
                if let (Some(options), Some(key)) = (&mut state.options, state.option.take()) {
                    options.keys.push((key.name, key.hasher.finish()));
                }
            }
            scalar => {
                self.capture(state, scalar);
                if let Some(mut open) = state.field.take() {
                    self.hash(&mut open, scalar);
                    self.close(open);
                }
            }
        }
    }

    /// The row's own key `name`: what its value is kept as.
    fn field(&mut self, state: &mut RowState, name: Text<'_>) {
        let source = state.row.source;
        let key = name.whole().unwrap_or_default();
        state.capture = Capture::None;
        state.inner_key = None;
        let capture = match (source, key) {
            (_, "id") => Some(Capture::Own),
            // A version's own: it says nothing of its content.
            (Source::Versions, "co_relation_id") => Some(Capture::None),
            (_, "co_relation_id") => Some(Capture::CoRelation),
            (_, "appVersionId") => Some(Capture::Version),
            (Source::Options, "dataSourceId") | (Source::Placements, "childId") => {
                Some(Capture::Link)
            }
            (Source::Options, "environmentId") => Some(Capture::Environment),
            (Source::Options, "options") => {
                state.option = None;
                return;
            }
            (Source::Options, _) => Some(Capture::None),
            (Source::Versions, "name") => Some(Capture::Name),
            (Source::Versions, _) if !SETTINGS.contains(&key) => Some(Capture::None),
            _ if IGNORED.contains(&key) => Some(Capture::None),
            _ => None,
        };
        if let Some(capture) = capture {
            state.capture = capture;
            state.skip = (capture == Capture::None).then_some(1);
            return;
        }
        state.capture = match (source, key) {
            (Source::Pages, "handle") => Capture::Handle,
            (Source::Events, "target" | "index") => Capture::Key,
            (Source::Components, "pageId")
            | (Source::Events, "sourceId")
            | (Source::Queries, "dataSourceId")
            | (Source::Versions, "homePageId") => Capture::Link,
            (Source::DataSources, "scope") => Capture::Scope,
            (Source::Modules, _) => Capture::None,
            (_, "name") => Capture::Name,
            _ => Capture::None,
        };
        let inner = match (source, key) {
            (Source::Versions, "globalSettings") => Inner::GlobalSettings,
            (Source::Modules, "appV2") => Inner::Module,
            _ => Inner::Plain,
        };
        let slot = self.content.fields.len() as u32;
        let name = self.field_name(key, name);
        self.content.fields.push(Field {
            hash: 0,
            name,
            refs: 0,
        });
        self.used += std::mem::size_of::<Field>();
        state.field = Some(Open {
            slot,
            hasher: DefaultHasher::new(),
            refs: source != Source::Modules,
            name: inner,
        });
    }

    /// Keeps what a depth-1 scalar says of the row.
    fn capture(&mut self, state: &mut RowState, token: Token<'_>) {
        let row = &mut state.row;
        let text = match token {
            Token::String(text) => text.whole(),
            _ => None,
        };
        let id = || text.and_then(|text| ids::parse(text.as_bytes()));
        match state.capture {
            Capture::None => {}
            Capture::Own => {
                if let Some(id) = id() {
                    row.own = self.intern(id);
                }
            }
            Capture::CoRelation => row.co_relation = halves(id().unwrap_or(0)),
            Capture::Version => row.version = id().map_or(NONE, |id| self.intern(id)),
            Capture::Link => row.link = id().map_or(NONE, |id| self.intern(id)),
            Capture::Environment => {
                if let Some(options) = &mut state.options {
                    options.environment = id().map_or(NONE, |id| self.intern(id));
                }
            }
            Capture::Name => {
                row.name_hash = hash_token(token);
                row.name = self.content.keep_name(text.unwrap_or_default());
            }
            Capture::Handle => row.key_hash = hash_token(token),
            Capture::Key => row.key_hash = mix(row.key_hash, hash_token(token)),
            Capture::Scope => {
                if text == Some("global") {
                    row.flags |= GLOBAL;
                }
            }
        }
        if state.capture == Capture::Link
            && let Some(options) = &mut state.options
        {
            options.source = row.link;
        }
        state.capture = Capture::None;
    }

    /// What is read inside a field besides its hash: a version's maintenance mode, a module's
    /// name and `co_relation_id`.
    fn inner(&mut self, state: &mut RowState, depth: usize, token: Token<'_>) {
        let Some(open) = &state.field else {
            return;
        };
        if depth != 2 || open.name == Inner::Plain {
            return;
        }
        let key = state.inner_key.take();
        match (open.name, key, token) {
            (_, _, Token::Name(name)) => {
                state.inner_key = match (open.name, name.head) {
                    (Inner::GlobalSettings, "appInMaintenance") => Some("appInMaintenance"),
                    (Inner::Module, "name") => Some("name"),
                    (Inner::Module, "co_relation_id") => Some("co_relation_id"),
                    _ => None,
                };
            }
            (Inner::GlobalSettings, Some(_), Token::Bool(true)) => state.row.flags |= MAINTENANCE,
            (Inner::Module, Some("name"), Token::String(text)) => {
                state.row.name_hash = hash_token(token);
                state.row.name = self.content.keep_name(text.head);
            }
            (Inner::Module, Some("co_relation_id"), Token::String(text)) => {
                state.row.co_relation = halves(
                    text.whole()
                        .and_then(|text| ids::parse(text.as_bytes()))
                        .unwrap_or(0),
                );
            }
            _ => {}
        }
    }

    /// Inside a data source's `options`: each key's value hashed apart.
    fn option(&mut self, state: &mut RowState, depth: usize, token: Token<'_>) {
        let Some(options) = &mut state.options else {
            return;
        };
        match (depth, token) {
            (2, Token::Name(name)) => {
                if let Some(key) = state.option.take() {
                    options.keys.push((key.name, key.hasher.finish()));
                }
                state.option = Some(OptionKey {
                    name: shown(name.head, MAX_KEY),
                    hasher: DefaultHasher::new(),
                });
            }
            (_, token) => {
                if let Some(key) = &mut state.option {
                    hash_into(&mut key.hasher, token);
                }
            }
        }
    }

    /// Hashes a token of a field, noting the ids in its text as references.
    fn hash(&mut self, open: &mut Open, token: Token<'_>) {
        let text = match token {
            Token::Name(text) | Token::String(text) if open.refs => text,
            token => return hash_into(&mut open.hasher, token),
        };
        open.hasher.write_u8(tag(token));
        let bytes = text.head.as_bytes();
        let mut from = 0;
        for (start, id) in ids::find(bytes) {
            let Some(field) = self.content.fields.get_mut(open.slot as usize) else {
                break;
            };
            if field.refs == u16::MAX {
                // No field holds that many: the rest of its ids are hashed as text.
                break;
            }
            field.refs += 1;
            open.hasher
                .write(bytes.get(from..start).unwrap_or_default());
            open.hasher.write_u8(0xff);
            let id = self.intern(id);
            self.refs.push(id);
            self.used += 4;
            from = start + 36;
        }
        open.hasher.write(bytes.get(from..).unwrap_or_default());
        open.hasher.write_u8(0xfe);
        if let Some(tail) = text.tail {
            open.hasher.write_u64(tail);
        }
    }

    fn close(&mut self, open: Open) {
        if let Some(field) = self.content.fields.get_mut(open.slot as usize) {
            field.hash = open.hasher.finish() as u32;
        }
    }

    fn intern(&mut self, id: u128) -> u32 {
        let next = self.targets.len() as u32;
        *self.ids.entry(halves(id)).or_insert_with(|| {
            self.targets.push(NONE);
            self.used += 48;
            next
        })
    }

    /// The interned name of a field; past [`MAX_FIELD_NAMES`], one shared name.
    fn field_name(&mut self, key: &str, name: Text<'_>) -> u16 {
        let key = match key {
            "" => shown(name.head, MAX_KEY),
            key => Box::from(key),
        };
        if let Some(&index) = self.field_names.get(&key) {
            return index;
        }
        if self.content.field_names.len() >= MAX_FIELD_NAMES {
            return u16::MAX;
        }
        let index = self.content.field_names.len() as u16;
        self.content.field_names.push(shown(&key, MAX_KEY));
        self.field_names.insert(key, index);
        index
    }

    /// Resolves every reference, now that every row has been read.
    pub fn finish(self) -> Result<Content, ContentError> {
        if self.too_large {
            return Err(ContentError::TooLarge);
        }
        let Builder {
            mut content,
            ids,
            targets,
            refs,
            ..
        } = self;
        let target = |id: u32| targets.get(id as usize).copied().unwrap_or(NONE);
        for row in &mut content.rows {
            row.link = target(row.link);
            row.version = target(row.version);
        }
        for options in &mut content.options {
            options.source = target(options.source);
            options.environment = target(options.environment);
        }
        content.resolve_versions();
        content.resolve_identities();
        let mut literal = vec![0u128; targets.len()];
        for ([high, low], at) in ids {
            literal[at as usize] = u128::from(high) << 64 | u128::from(low);
        }
        let mut refs = refs.into_iter();
        for at in 0..content.fields.len() {
            let field = content.fields[at];
            if field.refs == 0 {
                continue;
            }
            let mut hash = u64::from(field.hash);
            for id in refs.by_ref().take(usize::from(field.refs)) {
                hash = mix(
                    hash,
                    match target(id) {
                        NONE => hash_of(&literal.get(id as usize)),
                        row => content.rows[row as usize].identity,
                    },
                );
            }
            content.fields[at].hash = hash as u32;
        }
        content.resolve_digests();
        Ok(content)
    }
}

impl Content {
    /// Each row's version index: the export's only version, or the one it names (a component
    /// through its page, a placement through what it places).
    fn resolve_versions(&mut self) {
        let settings: Vec<u32> = (0..self.rows.len() as u32)
            .filter(|&at| self.rows[at as usize].source == Source::Versions)
            .collect();
        self.versions = settings
            .iter()
            .map(|&at| (Box::from(self.name_of(at)), at))
            .collect();
        let only = settings.len() == 1;
        let position = |row: u32| {
            settings
                .iter()
                .position(|&s| s == row)
                .map_or(NONE, |i| i as u32)
        };
        let mut versions: Vec<u32> = self
            .rows
            .iter()
            .enumerate()
            .map(|(at, row)| match row.source {
                Source::Environments | Source::Modules | Source::Options => EVERY,
                Source::DataSources if row.flags & GLOBAL != 0 => EVERY,
                _ if only => 0,
                Source::Versions => position(at as u32),
                Source::Components | Source::Placements => NONE,
                _ => position(row.version),
            })
            .collect();
        if !only {
            for (at, row) in self.rows.iter().enumerate() {
                if matches!(row.source, Source::Components | Source::Placements) {
                    versions[at] = versions.get(row.link as usize).copied().unwrap_or(NONE);
                }
            }
        }
        for (row, version) in self.rows.iter_mut().zip(versions) {
            row.version = version;
        }
    }

    /// How each row is matched and what references to it mean: its `co_relation_id`, or else
    /// its name (with what it belongs to), in an order where what a row depends on comes first.
    fn resolve_identities(&mut self) {
        let order = [
            Source::Environments,
            Source::Pages,
            Source::Folders,
            Source::DataSources,
            Source::Queries,
            Source::Components,
            Source::Events,
            Source::Versions,
            Source::Modules,
            Source::Placements,
        ];
        for source in order {
            for at in 0..self.rows.len() {
                if self.rows[at].source != source {
                    continue;
                }
                let linked = self.rows.get(self.rows[at].link as usize);
                let owner = linked.map_or(0, |row| row.identity);
                let row = &self.rows[at];
                let natural = match source {
                    Source::Pages if row.key_hash != 0 => row.key_hash,
                    Source::Components => mix(owner, row.name_hash),
                    Source::Events => mix(mix(owner, row.name_hash), row.key_hash),
                    Source::Versions => 0,
                    Source::Placements => owner,
                    _ => row.name_hash,
                };
                let identity = match (source, row.co_relation) {
                    // The version itself: the same thing in every version.
                    (Source::Versions, _) => hash_of(&"version"),
                    (_, [0, 0]) => hash_of(&(source as u8, 0u8, natural)),
                    (_, co_relation) => hash_of(&(source as u8, 1u8, co_relation)),
                };
                let row = &mut self.rows[at];
                row.name_hash = natural;
                row.identity = identity;
                if source == Source::Placements && row.link != NONE {
                    self.placements.insert(row.link, at as u32);
                }
            }
        }
    }

    /// Each row's digest: its fields' names and hashes, and its data source options.
    fn resolve_digests(&mut self) {
        let names: Vec<u64> = self.field_names.iter().map(hash_of).collect();
        let mut options: HashMap<u32, u64> = HashMap::new();
        for set in &self.options {
            let environment = self
                .rows
                .get(set.environment as usize)
                .map_or(0, |row| row.identity);
            let sum = options.entry(set.source).or_default();
            for (key, hash) in &set.keys {
                // Order-free: rows and keys may come in any order.
                *sum = sum.wrapping_add(hash_of(&(environment, key, hash)));
            }
        }
        for at in 0..self.rows.len() {
            let row = &self.rows[at];
            let fields = self
                .fields
                .get(row.start as usize..(row.start + row.len) as usize)
                .unwrap_or_default();
            let mut digest = hash_of(&(row.source as u8));
            for field in fields {
                let name = names.get(field.name as usize).copied().unwrap_or(0);
                digest = mix(digest, mix(name, u64::from(field.hash)));
            }
            if let Some(&sum) = options.get(&(at as u32)) {
                digest = mix(digest, sum);
            }
            self.rows[at].digest = digest;
        }
    }

    /// Keeps a name as shown, in the one string of all names.
    fn keep_name(&mut self, text: &str) -> (u32, u16) {
        let start = self.names.len();
        self.names.push_str(&shown(text, MAX_NAME));
        (start as u32, (self.names.len() - start) as u16)
    }

    /// The name of row `at` as shown; "" for none.
    fn name_of(&self, at: u32) -> &str {
        self.rows.get(at as usize).map_or("", |row| {
            let (start, len) = (row.name.0 as usize, usize::from(row.name.1));
            self.names.get(start..start + len).unwrap_or_default()
        })
    }

    /// The names of the versions it holds, in the export's order.
    pub fn versions(&self) -> impl Iterator<Item = &str> {
        self.versions.iter().map(|(name, _)| &**name)
    }

    /// The version named `name`, if the export holds it.
    pub fn version(&self, name: &str) -> Option<Version<'_>> {
        let index = self.versions.iter().position(|(n, _)| &**n == name)?;
        Some(Version {
            content: self,
            index: index as u32,
        })
    }

    /// The only version it holds, as an export of one version does.
    pub fn only(&self) -> Option<Version<'_>> {
        match self.versions.len() {
            1 => Some(Version {
                content: self,
                index: 0,
            }),
            _ => None,
        }
    }

    fn entity(&self, at: u32) -> Option<Entity<'_>> {
        let row = self.rows.get(at as usize)?;
        row.source.kind().map(|kind| Entity {
            content: self,
            row,
            at,
            kind,
        })
    }
}

impl std::fmt::Debug for Content {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Content({} versions, {} rows)",
            self.versions.len(),
            self.rows.len()
        )
    }
}

/// One version of an export's content.
#[derive(Debug, Clone, Copy)]
pub struct Version<'a> {
    content: &'a Content,
    index: u32,
}

impl<'a> Version<'a> {
    pub fn name(&self) -> &'a str {
        self.content
            .versions
            .get(self.index as usize)
            .map_or("", |(name, _)| name)
    }

    /// Its entities of `kind`, in the export's order.
    pub fn entities(&self, kind: Kind) -> impl Iterator<Item = Entity<'a>> + 'a {
        let (content, index) = (self.content, self.index);
        (0..content.rows.len() as u32).filter_map(move |at| {
            let entity = content.entity(at)?;
            let version = entity.row.version;
            (entity.kind == kind && (version == index || version == EVERY)).then_some(entity)
        })
    }
}

/// One entity of a version: names and digests.
#[derive(Clone, Copy)]
pub struct Entity<'a> {
    content: &'a Content,
    row: &'a Row,
    at: u32,
    kind: Kind,
}

impl std::fmt::Debug for Entity<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} {:?}", self.kind, self.name())
    }
}

impl<'a> Entity<'a> {
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Its name as shown (control characters stripped, bounded); a page's or component's
    /// `name`, an event handler's event (`onClick`).
    pub fn name(&self) -> &'a str {
        self.content.name_of(self.at)
    }

    /// Its `co_relation_id`, kept across versions, where the export has one.
    pub fn co_relation(&self) -> Option<u128> {
        let [high, low] = self.row.co_relation;
        let id = u128::from(high) << 64 | u128::from(low);
        (id != 0).then_some(id)
    }

    /// What matches it across versions when it has no `co_relation_id`.
    pub fn natural_key(&self) -> u64 {
        self.row.name_hash
    }

    /// What it is across versions: the same for the same entity in two versions.
    pub fn identity(&self) -> u64 {
        self.row.identity
    }

    /// The digest of its content: equal in two versions when nothing in it changed.
    pub fn digest(&self) -> u64 {
        let placed = self
            .content
            .placements
            .get(&self.at)
            .and_then(|&at| self.content.rows.get(at as usize));
        placed.map_or(self.row.digest, |placement| {
            mix(self.row.digest, placement.digest)
        })
    }

    /// Its fields' names and hashes, and `folder` for where it is placed.
    pub fn fields(&self) -> impl Iterator<Item = (&'a str, u64)> + 'a {
        let content = self.content;
        let range = self.row.start as usize..(self.row.start + self.row.len) as usize;
        let fields = content.fields.get(range).unwrap_or_default();
        let placement = content.placements.get(&self.at).map(|&at| {
            let digest = content.rows.get(at as usize).map_or(0, |row| row.digest);
            ("folder", digest)
        });
        fields
            .iter()
            .map(move |field| {
                let name = content.field_names.get(field.name as usize);
                (name.map_or("other", |name| &**name), u64::from(field.hash))
            })
            .chain(placement)
    }

    /// What it belongs to or uses: a component's page, an event handler's source, a query's
    /// data source, the settings' home page.
    pub fn linked(&self) -> Option<Entity<'a>> {
        self.content.entity(self.row.link)
    }

    /// A data source of the workspace (the same in every version), not the version's own.
    pub fn is_global(&self) -> bool {
        self.row.flags & GLOBAL != 0
    }

    /// Settings that put the app in maintenance mode.
    pub fn in_maintenance(&self) -> bool {
        self.row.flags & MAINTENANCE != 0
    }

    /// A data source's options: per environment (by name), each key's name and hash.
    pub fn options(&self) -> impl Iterator<Item = (&'a str, &'a [(Box<str>, u64)])> + 'a {
        let (content, at) = (self.content, self.at);
        content
            .options
            .iter()
            .filter(move |set| set.source == at)
            .map(move |set| (content.name_of(set.environment), &*set.keys))
    }
}

/// The tag a token's hash starts with, so that `"1"` and `1` differ.
fn tag(token: Token<'_>) -> u8 {
    match token {
        Token::StartObject => b'{',
        Token::EndObject => b'}',
        Token::StartArray => b'[',
        Token::EndArray => b']',
        Token::Name(_) => b'k',
        Token::String(_) => b's',
        Token::Number(_) => b'n',
        Token::Bool(true) => b't',
        Token::Bool(false) => b'f',
        Token::Null => b'z',
    }
}

/// Hashes a token as written, ids and all.
fn hash_into(hasher: &mut DefaultHasher, token: Token<'_>) {
    hasher.write_u8(tag(token));
    match token {
        Token::Name(text) | Token::String(text) => {
            hasher.write(text.head.as_bytes());
            hasher.write_u8(0xfe);
            if let Some(tail) = text.tail {
                hasher.write_u64(tail);
            }
        }
        Token::Number(number) => {
            hasher.write(number.as_bytes());
            hasher.write_u8(0xfe);
        }
        _ => {}
    }
}

fn hash_token(token: Token<'_>) -> u64 {
    let mut hasher = DefaultHasher::new();
    hash_into(&mut hasher, token);
    hasher.finish()
}

/// A `u128` as two halves, high first.
fn halves(id: u128) -> [u64; 2] {
    [(id >> 64) as u64, id as u64]
}

fn hash_of(value: &impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// Server text as it may be shown: scrubbed of every secret first (a cut token would escape
/// the scrubber), hidden characters stripped, at most `limit` bytes (cut at a character
/// boundary, marked with `…`).
pub(super) fn shown(text: &str, limit: usize) -> Box<str> {
    let text = redact::scrubbed(text);
    let mut shown = String::with_capacity(text.len().min(limit));
    for c in text.chars() {
        if redact::is_hidden(c) {
            continue;
        }
        if shown.len() + c.len_utf8() > limit.saturating_sub('…'.len_utf8()) {
            shown.push('…');
            break;
        }
        shown.push(c);
    }
    shown.into_boxed_str()
}
