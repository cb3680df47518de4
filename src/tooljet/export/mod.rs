//! What an export says: which version is live, and what each version it holds contains.
//!
//! `POST /api/ext/export/workspace/:ws/apps/:app?exportTJDB=false` changes nothing and is the
//! only v1 read that names the live version: `app[0].definition.appV2.currentVersionId`. Its
//! answer is the whole app (tens of KB to many MB, data-source hosts and user names included),
//! so it is read as it streams in, in one pass and bounded memory whatever its size: the app's
//! id, the live version's id and the versions' ids and names (each at most [`MAX_TEXT`] bytes),
//! and, when asked, a digest of each entity of each version it holds ([`content`]). Reading
//! stops once the app's entity has closed. No byte of it is ever logged or shown: only ids,
//! version names and entity names leave this module.

mod content;
pub(super) mod ids;
mod tokens;

pub use content::{Content, ContentError, Entity, Kind, Version};

use content::{Builder, Source};
use tokens::{Flow, MAX_DEPTH, Token, Tokens};

/// What the export says of the app.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveApp {
    /// The app's id, as the export names it.
    pub id: Option<String>,
    /// What `currentVersionId` says is live.
    pub current: Current,
    /// The app's versions, `(id, name)`, in the order ToolJet made them.
    pub versions: Vec<(String, String)>,
}

/// The entity's `currentVersionId`: only `null` says that nothing was ever released; a key
/// that is missing or holds no id says nothing at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Current {
    /// The live version's id.
    Id(String),
    /// `null`: no version was ever released.
    NoneReleased,
    /// The entity has no `currentVersionId`.
    #[default]
    Missing,
    /// It holds something that is no id: another type, text too long or with a control
    /// character.
    NotAnId,
}

/// An export as read: what is live, and the content of its versions when it was asked for.
#[derive(Debug, Clone)]
pub struct Export {
    pub live: LiveApp,
    /// `None` when only what is live was read.
    pub content: Option<Result<Content, ContentError>>,
}

/// The longest id or name kept; anything longer is no id and is not kept.
const MAX_TEXT: usize = 256;
/// The most versions kept.
const MAX_VERSIONS: usize = 10_000;

/// Why an export could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    #[error("it is not JSON (at byte {0})")]
    NotJson(u64),
    #[error("it nests deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("it ended before the app's entity was read")]
    Ended,
    #[error("it names no app entity (app[0].definition.appV2)")]
    NoEntity,
}

/// What an open object or array is, from the export's root down to the app's entity and its
/// arrays of entities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Root,
    /// `app`.
    Apps,
    /// `app[0]`.
    App,
    /// `app[0].definition`.
    Definition,
    /// `app[0].definition.appV2`, the app's entity.
    Entity,
    /// One of the entity's arrays of rows.
    Rows(Source),
    /// One row; its tokens go to the content's builder.
    Row(Source),
    /// Inside a row.
    InRow,
    /// Anything else.
    Other,
}

/// An open object or array.
#[derive(Debug, Clone, Copy)]
struct Open {
    role: Role,
    object: bool,
    /// In an object of the path to the entity, the key being read ([`Key::Other`] elsewhere).
    key: Key,
    /// In an array, how many values it has had.
    index: usize,
}

/// The keys that lead to or sit in the app's entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    App,
    Definition,
    AppV2,
    Id,
    Name,
    CurrentVersionId,
    Rows(Source),
    Other,
}

impl Key {
    fn of(role: Role, text: &str) -> Self {
        match (role, text) {
            (Role::Root, "app") => Self::App,
            (Role::App, "definition") => Self::Definition,
            (Role::Definition, "appV2") => Self::AppV2,
            (Role::Entity | Role::Row(Source::Versions), "id") => Self::Id,
            (Role::Row(Source::Versions), "name") => Self::Name,
            (Role::Entity, "currentVersionId") => Self::CurrentVersionId,
            (Role::Entity, key) => Source::of(key).map_or(Self::Other, Self::Rows),
            _ => Self::Other,
        }
    }
}

/// Reads an export as it arrives, chunk by chunk.
pub struct Reader {
    tokens: Tokens,
    path: Path,
}

/// Where the reader is, and what it found.
struct Path {
    /// The open objects and arrays, innermost last.
    open: Vec<Open>,
    /// How deep the row being read is (`open.len()` inside it at its own keys).
    row_depth: usize,
    live: LiveApp,
    /// The version being read from `appVersions`: its id and name as found.
    version: (Option<String>, Option<String>),
    content: Option<Builder>,
    /// The entity was opened; once closed, reading is done.
    entered: bool,
    done: bool,
}

impl Reader {
    /// A reader of what is live only.
    pub fn live() -> Self {
        Self::new(None)
    }

    /// A reader of what is live and of the content of each version the export holds, its
    /// names scrubbed of every secret learnt before they are cut.
    pub fn with_content() -> Self {
        Self::new(Some(Builder::default()))
    }

    fn new(content: Option<Builder>) -> Self {
        Self {
            tokens: Tokens::default(),
            path: Path {
                open: Vec::new(),
                row_depth: 0,
                live: LiveApp::default(),
                version: (None, None),
                content,
                entered: false,
                done: false,
            },
        }
    }

    /// Reads the next chunk; `Ok(true)` once the app's entity has been read whole, when nothing
    /// more need be read.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<bool, ExportError> {
        let path = &mut self.path;
        self.tokens.feed(chunk, &mut |token| Ok(path.token(token)))
    }

    /// What was found, once the export has ended.
    pub fn finish(mut self) -> Result<Export, ExportError> {
        let path = &mut self.path;
        let whole = self.tokens.end(&mut |token| Ok(path.token(token)))?;
        let Path {
            live,
            content,
            entered,
            done,
            ..
        } = self.path;
        match (done, entered, whole) {
            (true, _, _) => Ok(Export {
                live,
                content: content.map(Builder::finish),
            }),
            (false, false, true) => Err(ExportError::NoEntity),
            _ => Err(ExportError::Ended),
        }
    }
}

impl Path {
    fn token(&mut self, token: Token<'_>) -> Flow {
        match token {
            Token::StartObject | Token::StartArray => self.start(token),
            Token::EndObject | Token::EndArray => self.end(token),
            Token::Name(text) => {
                if self.in_row() {
                    self.row_token(token);
                }
                if let Some(open) = self.open.last_mut() {
                    open.key = match open.role {
                        Role::InRow | Role::Other => Key::Other,
                        role => text.whole().map_or(Key::Other, |text| Key::of(role, text)),
                    };
                }
            }
            scalar => {
                self.scalar(scalar);
                self.row_token(scalar);
                self.next_value();
            }
        }
        match self.done {
            true => Flow::Done,
            false => Flow::More,
        }
    }

    fn in_row(&self) -> bool {
        self.row_depth > 0 && self.open.len() >= self.row_depth
    }

    /// Gives a token inside a row to the content's builder, at its depth in the row.
    fn row_token(&mut self, token: Token<'_>) {
        if !self.in_row() {
            return;
        }
        let depth = self.open.len() + 1 - self.row_depth;
        if let Some(content) = &mut self.content {
            content.token(depth, token);
        }
    }

    fn start(&mut self, token: Token<'_>) {
        let object = token == Token::StartObject;
        let parent = self.open.last().copied();
        if self.at(Key::CurrentVersionId) {
            self.live.current = Current::NotAnId;
        }
        self.row_token(token);
        let role = match parent {
            None if object => Role::Root,
            None => Role::Other,
            Some(parent) => match (parent.role, parent.key, object) {
                (Role::Root, Key::App, false) => Role::Apps,
                (Role::Apps, _, true) if parent.index == 0 => Role::App,
                (Role::App, Key::Definition, true) => Role::Definition,
                (Role::Definition, Key::AppV2, true) => Role::Entity,
                (Role::Entity, Key::Rows(source), false) => Role::Rows(source),
                (Role::Rows(source), _, true) => Role::Row(source),
                (Role::Row(_) | Role::InRow, _, _) => Role::InRow,
                _ => Role::Other,
            },
        };
        match role {
            Role::Entity => self.entered = true,
            Role::Row(source) => {
                self.row_depth = self.open.len() + 1;
                if source == Source::Versions {
                    self.version = (None, None);
                }
                if let Some(content) = &mut self.content {
                    content.begin(source);
                }
            }
            _ => {}
        }
        self.open.push(Open {
            role,
            object,
            key: Key::Other,
            index: 0,
        });
    }

    fn end(&mut self, token: Token<'_>) {
        let Some(open) = self.open.pop() else {
            return;
        };
        match open.role {
            Role::Entity => self.done = true,
            Role::Row(source) => {
                self.row_depth = 0;
                if source == Source::Versions {
                    self.keep_version();
                }
                if let Some(content) = &mut self.content {
                    content.end();
                }
            }
            _ => self.row_token(token),
        }
        self.next_value();
    }

    /// A value has been read in the innermost array.
    fn next_value(&mut self) {
        if let Some(open) = self.open.last_mut()
            && !open.object
        {
            open.index += 1;
        }
    }

    /// True when the value about to be read is that of `key` in the innermost object.
    fn at(&self, key: Key) -> bool {
        self.open
            .last()
            .is_some_and(|open| open.object && open.key == key)
    }

    fn scalar(&mut self, token: Token<'_>) {
        let Some(open) = self.open.last().copied() else {
            return;
        };
        let text = || match token {
            Token::String(text) => text
                .whole()
                .filter(|text| text.len() <= MAX_TEXT)
                .filter(|text| !text.is_empty() && !text.chars().any(char::is_control)),
            _ => None,
        };
        match (open.role, open.key) {
            (Role::Entity, Key::CurrentVersionId) => {
                self.live.current = match (token, text()) {
                    (Token::Null, _) => Current::NoneReleased,
                    (_, Some(id)) => Current::Id(id.to_owned()),
                    _ => Current::NotAnId,
                }
            }
            (Role::Entity, Key::Id) => {
                if let Some(id) = text() {
                    self.live.id = Some(id.to_owned());
                }
            }
            (Role::Row(Source::Versions), Key::Id) => self.version.0 = text().map(str::to_owned),
            (Role::Row(Source::Versions), Key::Name) => self.version.1 = text().map(str::to_owned),
            _ => {}
        }
    }

    fn keep_version(&mut self) {
        if let (Some(id), Some(name)) = std::mem::take(&mut self.version)
            && self.live.versions.len() < MAX_VERSIONS
        {
            self.live.versions.push((id, name));
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    fn scan_in(chunks: &[&[u8]]) -> Result<LiveApp, ExportError> {
        let mut scanner = Reader::live();
        for chunk in chunks {
            if scanner.feed(chunk)? {
                break;
            }
        }
        scanner.finish().map(|export| export.live)
    }

    const EXPORT: &str = r#"{"tooljet_version":"3.20.1","app":[{"definition":{"appV2":{
        "id":"a1","name":"Inventory","components":[{"id":"not-this","name":"x"}],
        "appVersions":[{"id":"v1id","name":"v1","definition":{"id":"deep","name":"n"}},
                       {"name":"v2","id":"v2id","dataSources":[{"host":"db.internal"}]}],
        "currentVersionId":"v1id","appEnvironments":[{"id":"e1","name":"production"}]}}}]}"#;

    #[test]
    fn the_live_version_and_the_versions_are_read_in_any_key_order() {
        let live = scan_in(&[EXPORT.as_bytes()]).unwrap();
        assert_eq!(
            live,
            LiveApp {
                id: Some("a1".into()),
                current: Current::Id("v1id".into()),
                versions: vec![("v1id".into(), "v1".into()), ("v2id".into(), "v2".into())],
            }
        );
    }

    #[test]
    fn chunks_split_anywhere_read_the_same() {
        let bytes = EXPORT.as_bytes();
        let whole = scan_in(&[bytes]).unwrap();
        for cut in 1..bytes.len() {
            let (a, b) = bytes.split_at(cut);
            assert_eq!(scan_in(&[a, b]).unwrap(), whole, "cut at {cut}");
        }
    }

    fn current_in(entity: &str) -> Current {
        let export = format!(r#"{{"app":[{{"definition":{{"appV2":{{"id":"a",{entity}}}}}}}]}}"#);
        scan_in(&[export.as_bytes()]).unwrap().current
    }

    #[test]
    fn nothing_released_is_a_null_current_version() {
        assert_eq!(
            current_in(r#""currentVersionId":null,"appVersions":[]"#),
            Current::NoneReleased
        );
    }

    #[test]
    fn a_current_version_missing_or_no_id_is_told_apart_from_nothing_released() {
        assert_eq!(current_in(r#""appVersions":[]"#), Current::Missing);
        for value in [
            r#""a\nb""#,
            r#""""#,
            "12",
            "true",
            r#"{"id":"x"}"#,
            r#"["x"]"#,
        ] {
            assert_eq!(
                current_in(&format!(r#""currentVersionId":{value}"#)),
                Current::NotAnId,
                "{value}"
            );
        }
        let long = "x".repeat(MAX_TEXT + 1);
        assert_eq!(
            current_in(&format!(r#""currentVersionId":"{long}""#)),
            Current::NotAnId
        );
    }

    #[test]
    fn escapes_are_read_and_a_quote_inside_a_string_ends_nothing() {
        let export = r#"{"app":[{"definition":{"appV2":{"note":"a \"}]} b\\","appVersions":[{"id":"x","name":"v\u00e9"}],"currentVersionId":"x"}}}]}"#;
        let live = scan_in(&[export.as_bytes()]).unwrap();
        assert_eq!(live.versions, [("x".to_owned(), "vé".to_owned())]);
    }

    #[test]
    fn reading_stops_once_the_entity_has_closed() {
        let mut scanner = Reader::live();
        let head = r#"{"app":[{"definition":{"appV2":{"id":"a","currentVersionId":"v"}}"#;
        assert!(
            scanner.feed(head.as_bytes()).unwrap(),
            "done, the rest never read"
        );
        assert!(scanner.feed(b"garbage that is never looked at").unwrap());
    }

    #[test]
    fn an_export_without_the_entity_or_cut_short_or_not_json_is_an_error() {
        assert_eq!(scan_in(&[b"{\"app\":[]}"]), Err(ExportError::NoEntity));
        assert_eq!(
            scan_in(&[br#"{"app":[{"definition":{"appV2":{"id":"a""#]),
            Err(ExportError::Ended)
        );
        assert!(matches!(
            scan_in(&[b"<html>"]),
            Err(ExportError::NotJson(0))
        ));
        assert_eq!(
            scan_in(&["[".repeat(MAX_DEPTH + 1).as_bytes()]),
            Err(ExportError::TooDeep)
        );
    }

    #[test]
    fn long_or_control_texts_are_not_kept() {
        let long = "x".repeat(MAX_TEXT + 1);
        let export = format!(
            r#"{{"app":[{{"definition":{{"appV2":{{"id":"{long}","currentVersionId":"a\nb"}}}}}}]}}"#
        );
        let live = scan_in(&[export.as_bytes()]).unwrap();
        assert_eq!((live.id, live.current), (None, Current::NotAnId));
    }

    #[test]
    fn a_row_of_a_version_the_export_does_not_hold_is_in_none_of_its_versions() {
        let (v1, v2, v3) = (
            "7c1d0a52-3b9e-4f7a-8d21-0e6b5c4a3f01",
            "9e8d7c6b-5a49-4382-9170-fedcba987602",
            "5e0d7c6b-5a49-4382-9170-fedcba987699",
        );
        let export = format!(
            r#"{{"app":[{{"definition":{{"appV2":{{"id":"a","currentVersionId":null,"pages":[
            {{"id":"0f5f3ad1-8f1e-4a53-9d0f-5a1e0c2b7d11","name":"Home","handle":"home","appVersionId":"{v1}"}},
            {{"id":"1f5f3ad1-8f1e-4a53-9d0f-5a1e0c2b7d11","name":"Ghost","handle":"ghost","appVersionId":"{v3}"}}],
            "appVersions":[{{"id":"{v1}","name":"v1"}},{{"id":"{v2}","name":"v2"}}]}}}}}}]}}"#
        );
        let mut reader = Reader::with_content();
        reader.feed(export.as_bytes()).unwrap();
        let content = reader.finish().unwrap().content.unwrap().unwrap();
        let pages = |version: &str| -> Vec<String> {
            let version = content.version(version).unwrap();
            version
                .entities(Kind::Page)
                .map(|page| page.name().to_owned())
                .collect()
        };
        assert_eq!(
            (pages("v1"), pages("v2")),
            (vec!["Home".to_owned()], vec![])
        );
    }

    #[test]
    fn names_lose_control_characters_and_are_bounded() {
        let mut design = harness::tooljet::Design::default();
        design.page_mut("home").name = format!("Ho\u{1b}[2Jme\u{202e}{}", "x".repeat(300));
        let content = sample::read(&[sample::version(sample::V1, "v1", &design)]);
        let page = content.only().unwrap().entities(Kind::Page).next().unwrap();
        assert!(page.name().starts_with("Ho[2Jmexxx") && page.name().ends_with('…'));
        assert!(page.name().len() <= 100, "{}", page.name().len());
    }
}

/// Exports of the sample app as the fake writes them, read: for the tests of what reads and
/// compares them.
#[cfg(test)]
pub(crate) mod sample {
    use harness::tooljet::{Design, ExportedApp, ExportedVersion, export};

    use super::{Content, Reader};

    pub const V1: &str = "7c1d0a52-3b9e-4f7a-8d21-0e6b5c4a3f01";
    pub const V2: &str = "9e8d7c6b-5a49-4382-9170-fedcba987602";

    const APP: ExportedApp<'static> = ExportedApp {
        id: "0f5f3ad1-8f1e-4a53-9d0f-5a1e0c2b7d11",
        name: "Inventory",
        slug: "inventory",
        organization_id: "45892c81-c1f0-48c6-8875-c2e4fca516f8",
        current_version_id: Some(V1),
        co_relation_id: None,
    };

    /// A saved version `name` with id `id`, holding `design`.
    pub fn version<'a>(id: &'a str, name: &'a str, design: &'a Design) -> ExportedVersion<'a> {
        ExportedVersion {
            id,
            name,
            draft: false,
            environment: 0,
            design,
        }
    }

    /// The content of one export holding `versions`, read in chunks of 4 KiB.
    pub fn read(versions: &[ExportedVersion<'_>]) -> Content {
        let text = export(&APP, versions, false);
        let mut reader = Reader::with_content();
        for chunk in text.as_bytes().chunks(4096) {
            reader.feed(chunk).unwrap();
        }
        reader.finish().unwrap().content.unwrap().unwrap()
    }
}
