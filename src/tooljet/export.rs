//! What is live: an app's current version, read from ToolJet's export of the app.
//!
//! `POST /api/ext/export/workspace/:ws/apps/:app?exportTJDB=false` changes nothing and is the
//! only v1 read that names the live version: `app[0].definition.appV2.currentVersionId`. Its
//! answer is the whole app (tens of KB to many MB, data-source hosts and user names included),
//! so it is scanned as it streams in, in a few KB of memory whatever its size: only the app's
//! id, the live version's id and the versions' ids and names are kept, each at most
//! [`MAX_TEXT`] bytes, and reading stops once the app's entity has closed. No byte of it is
//! ever logged or shown.

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

/// The longest id or name kept; anything longer is no id and is not kept.
const MAX_TEXT: usize = 256;
/// The deepest nesting read; an app definition is far shallower.
const MAX_DEPTH: usize = 512;
/// The most versions kept.
const MAX_VERSIONS: usize = 10_000;

/// The path of the app's entity, where its ids are.
const ENTITY: [Seg; 4] = [
    Seg::Key(Key::App),
    Seg::Index(0),
    Seg::Key(Key::Definition),
    Seg::Key(Key::AppV2),
];

/// The keys the scanner looks for; every other key is `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    App,
    Definition,
    AppV2,
    Id,
    Name,
    CurrentVersionId,
    AppVersions,
    Other,
}

impl Key {
    fn of(text: &str) -> Self {
        match text {
            "app" => Self::App,
            "definition" => Self::Definition,
            "appV2" => Self::AppV2,
            "id" => Self::Id,
            "name" => Self::Name,
            "currentVersionId" => Self::CurrentVersionId,
            "appVersions" => Self::AppVersions,
            _ => Self::Other,
        }
    }
}

/// One step of the path to a value: a key of an object, or an index of an array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seg {
    Key(Key),
    Index(usize),
}

/// Where the scanner is in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// A value comes next.
    Value,
    /// Just inside `{`: a key or `}`.
    ObjectStart,
    /// After `,` in an object: a key.
    Key,
    /// After a key: `:`.
    Colon,
    /// Just inside `[`: a value or `]`.
    ArrayStart,
    /// After a value: `,` or the container's end.
    After,
    /// Inside a string (a key when `key`); `escaped` after a backslash.
    Text { key: bool, escaped: bool },
    /// Inside a number or `true`, `false`, `null`.
    Word,
    /// Every value has been read.
    End,
}

/// An open object or array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Open {
    object: bool,
    /// In an object, the key of the value being read.
    key: Key,
    /// It pushed its key onto the path (an array's elements are on the path as its index).
    keyed: bool,
}

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

/// Scans an export as it arrives, chunk by chunk.
#[derive(Debug)]
pub struct Scanner {
    state: State,
    /// The path to where the scanner is: the key or index of each value on the way.
    path: Vec<Seg>,
    /// The open containers, innermost last.
    containers: Vec<Open>,
    /// The string being read, when it is a key or a value worth keeping (raw, escapes kept).
    text: Option<Vec<u8>>,
    /// The version being read from `appVersions`: its id and name as found.
    version: (Option<String>, Option<String>),
    live: LiveApp,
    /// The entity was opened; once closed, the scan is done.
    entered: bool,
    done: bool,
    /// Bytes read so far, for where an error is.
    offset: u64,
}

impl Default for Scanner {
    fn default() -> Self {
        Self {
            state: State::Value,
            path: Vec::new(),
            containers: Vec::new(),
            text: None,
            version: (None, None),
            live: LiveApp::default(),
            entered: false,
            done: false,
            offset: 0,
        }
    }
}

impl Scanner {
    /// Reads the next chunk; `Ok(true)` once the app's entity has been read whole, when nothing
    /// more need be read.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<bool, ExportError> {
        for &byte in chunk {
            if self.done {
                return Ok(true);
            }
            self.byte(byte)?;
            self.offset += 1;
        }
        Ok(self.done)
    }

    /// What was found, once the export has ended.
    pub fn finish(self) -> Result<LiveApp, ExportError> {
        match (self.done, self.entered) {
            (true, _) => Ok(self.live),
            (false, true) => Err(ExportError::Ended),
            (false, false) if self.state == State::End => Err(ExportError::NoEntity),
            (false, false) => Err(ExportError::Ended),
        }
    }

    fn bad(&self) -> ExportError {
        ExportError::NotJson(self.offset)
    }

    fn byte(&mut self, byte: u8) -> Result<(), ExportError> {
        match self.state {
            State::Text { key, escaped } => {
                self.text_byte(byte, key, escaped);
                return Ok(());
            }
            State::Word if byte.is_ascii_alphanumeric() || b"+-.".contains(&byte) => {
                return Ok(());
            }
            State::Word => self.value_done(),
            _ => {}
        }
        if byte.is_ascii_whitespace() {
            return Ok(());
        }
        match (self.state, byte) {
            (State::Value | State::ArrayStart, b'{') => self.open(true),
            (State::Value | State::ArrayStart, b'[') => self.open(false),
            (State::Value | State::ArrayStart, b'"') => {
                self.text = self.keeps_value().then(Vec::new);
                self.state = State::Text {
                    key: false,
                    escaped: false,
                };
                Ok(())
            }
            (State::Value | State::ArrayStart, b't' | b'f' | b'n' | b'-' | b'0'..=b'9') => {
                if self.at(&ENTITY, Key::CurrentVersionId) {
                    self.live.current = match byte {
                        b'n' => Current::NoneReleased,
                        _ => Current::NotAnId,
                    };
                }
                self.state = State::Word;
                Ok(())
            }
            (State::ArrayStart, b']') | (State::After, b']') if self.in_array() => self.close(),
            (State::ObjectStart, b'}') | (State::After, b'}') if self.in_object() => self.close(),
            (State::ObjectStart | State::Key, b'"') => {
                self.text = Some(Vec::new());
                self.state = State::Text {
                    key: true,
                    escaped: false,
                };
                Ok(())
            }
            (State::Colon, b':') => {
                self.state = State::Value;
                Ok(())
            }
            (State::After, b',') if self.in_object() => {
                self.state = State::Key;
                Ok(())
            }
            (State::After, b',') if self.in_array() => {
                if let Some(Seg::Index(index)) = self.path.last_mut() {
                    *index += 1;
                }
                self.state = State::Value;
                Ok(())
            }
            _ => Err(self.bad()),
        }
    }

    fn in_object(&self) -> bool {
        self.containers.last().is_some_and(|open| open.object)
    }

    fn in_array(&self) -> bool {
        self.containers.last().is_some_and(|open| !open.object)
    }

    /// Inside a string: its end is the first `"` not escaped. Kept bytes stop at [`MAX_TEXT`].
    fn text_byte(&mut self, byte: u8, key: bool, escaped: bool) {
        if !escaped && byte == b'"' {
            let text = self.text.take();
            if key {
                let key = text
                    .as_deref()
                    .and_then(decode)
                    .map_or(Key::Other, |k| Key::of(&k));
                if let Some(open) = self.containers.last_mut() {
                    open.key = key;
                }
                self.state = State::Colon;
            } else {
                self.keep(text.as_deref().and_then(decode));
                self.value_done();
            }
            return;
        }
        if let Some(text) = &mut self.text {
            match text.len() < MAX_TEXT + 1 {
                true => text.push(byte),
                false => self.text = None,
            }
        }
        self.state = State::Text {
            key,
            escaped: !escaped && byte == b'\\',
        };
    }

    fn open(&mut self, object: bool) -> Result<(), ExportError> {
        if self.containers.len() >= MAX_DEPTH {
            return Err(ExportError::TooDeep);
        }
        if self.at(&ENTITY, Key::CurrentVersionId) {
            self.live.current = Current::NotAnId;
        }
        // In an object the value's key goes on the path; in an array its index is there.
        let keyed = match self.containers.last() {
            Some(open) if open.object => {
                self.path.push(Seg::Key(open.key));
                true
            }
            _ => false,
        };
        if self.path.as_slice() == ENTITY {
            self.entered = true;
        }
        if self.is_version() {
            self.version = (None, None);
        }
        self.containers.push(Open {
            object,
            key: Key::Other,
            keyed,
        });
        if !object {
            self.path.push(Seg::Index(0));
        }
        self.state = match object {
            true => State::ObjectStart,
            false => State::ArrayStart,
        };
        Ok(())
    }

    fn close(&mut self) -> Result<(), ExportError> {
        let open = self.containers.pop().ok_or_else(|| self.bad())?;
        if !open.object {
            self.path.pop();
        }
        if self.is_version()
            && let (Some(id), Some(name)) = std::mem::take(&mut self.version)
            && self.live.versions.len() < MAX_VERSIONS
        {
            self.live.versions.push((id, name));
        }
        if self.entered && open.object && self.path.as_slice() == ENTITY {
            self.done = true;
        }
        if open.keyed {
            self.path.pop();
        }
        self.value_done();
        Ok(())
    }

    /// True when the value about to be read sits at `path` within its container, `key` given.
    fn at(&self, path: &[Seg], key: Key) -> bool {
        self.path.as_slice() == path
            && self
                .containers
                .last()
                .is_some_and(|open| open.object && open.key == key)
    }

    /// True at an element of `appVersions`: about to open, inside, or just closed.
    fn is_version(&self) -> bool {
        self.path.len() == ENTITY.len() + 2
            && self.path.starts_with(&ENTITY)
            && self.path.get(ENTITY.len()) == Some(&Seg::Key(Key::AppVersions))
    }

    /// The string about to be read is worth keeping: the entity's id or live version, or a
    /// version's id or name.
    fn keeps_value(&self) -> bool {
        self.at(&ENTITY, Key::Id)
            || self.at(&ENTITY, Key::CurrentVersionId)
            || (self.is_version()
                && self
                    .containers
                    .last()
                    .is_some_and(|open| open.object && matches!(open.key, Key::Id | Key::Name)))
    }

    fn keep(&mut self, text: Option<String>) {
        let text = text.filter(|text| !text.is_empty() && !text.chars().any(char::is_control));
        if self.at(&ENTITY, Key::CurrentVersionId) {
            self.live.current = text.map_or(Current::NotAnId, Current::Id);
            return;
        }
        let Some(text) = text else {
            return;
        };
        if self.at(&ENTITY, Key::Id) {
            self.live.id = Some(text);
        } else if self.is_version() {
            match self.containers.last().map(|open| open.key) {
                Some(Key::Id) => self.version.0 = Some(text),
                Some(Key::Name) => self.version.1 = Some(text),
                _ => {}
            }
        }
    }

    fn value_done(&mut self) {
        self.state = match self.containers.is_empty() {
            true => State::End,
            false => State::After,
        };
    }
}

/// A string's raw bytes (escapes kept) as text, if it is no longer than [`MAX_TEXT`].
fn decode(raw: &[u8]) -> Option<String> {
    if raw.len() > MAX_TEXT {
        return None;
    }
    let mut quoted = Vec::with_capacity(raw.len() + 2);
    quoted.push(b'"');
    quoted.extend_from_slice(raw);
    quoted.push(b'"');
    serde_json::from_slice(&quoted).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_in(chunks: &[&[u8]]) -> Result<LiveApp, ExportError> {
        let mut scanner = Scanner::default();
        for chunk in chunks {
            if scanner.feed(chunk)? {
                break;
            }
        }
        scanner.finish()
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
        let mut scanner = Scanner::default();
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
}
