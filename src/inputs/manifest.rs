//! `tooljet.yml`: which version of each app is live on each ToolJet instance, kept in git.
//!
//! ```yaml
//! instances:
//!   production:
//!     workspace: Acme
//!     apps:
//!       Inventory: v1.4.0
//!       Orders:
//!         version: v2.0.1
//!         git-app-name: orders
//!         git-branch: release
//! ```
//!
//! A pull request controls this file, and a trusted workflow may read it beside production's
//! token: the reader is a security boundary. The file is checked whole before any request, in
//! time and memory bounded for any input: at most 1 MiB, read as events one at a time (the
//! YAML library's own loader recurses once per level, and a file nested 20,000 deep overflowed
//! the stack), refused at the first level deeper than any manifest needs, at the first alias
//! to a mapping or list, and once aliases have repeated more text than a manifest needs.
//! Every error names the file, the line and the key, and never echoes a value: someone will
//! paste a token into it. A name is shown whole or not at all, never cut, so no part of a
//! token typed as a name survives the scrubbing of what the step says. Versions are taken
//! exactly as written (`1.10` stays `1.10`); names are compared as a person reads them
//! ([`crate::names`]).

use std::collections::HashMap;
use std::path::Path;

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::operation::version_name_problem;
use super::values::closest;
use crate::names;
use crate::redact::is_hidden;

/// The manifest's path when `manifest` is not given.
pub const DEFAULT: &str = "tooljet.yml";

/// The largest manifest read: thousands of apps fit many times over.
pub const MAX_MANIFEST: u64 = 1024 * 1024;
/// The deepest nesting read; the format needs five levels.
const MAX_DEPTH: usize = 16;
/// What YAML aliases (`*name`) may repeat, in bytes, all together: a version or a workspace
/// named once and repeated for hundreds of apps fits many times over; 31,000 aliases to a
/// 512 KiB scalar do not.
const MAX_ALIASED: usize = 64 * 1024;
/// The longest name (instance, workspace, app, git folder or branch), in characters.
const MAX_NAME: usize = 100;
/// The most apps one instance lists: each unknown name is compared with every listed app.
const MAX_APPS: usize = 1_000;
/// Instances named in an error; the rest are counted.
const SHOWN_INSTANCES: usize = 20;

/// One instance's entry: its workspace and the version of each app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub name: String,
    /// The workspace's name or id on that instance.
    pub workspace: String,
    pub apps: Vec<ManifestApp>,
}

/// One app and the version that should be live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestApp {
    pub name: String,
    pub version: String,
    pub git_app_name: Option<String>,
    pub git_branch: Option<String>,
}

/// What is wrong with the manifest, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    pub file: String,
    pub line: Option<usize>,
    /// The key, as a path (`instances.production.apps.Orders.version`).
    pub key: Option<String>,
    pub problem: String,
}

impl std::fmt::Display for ManifestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        // A key as the file writes it: a top-level one with its colon (`instance:`), so that it
        // never reads as the input of that name.
        if let Some(key) = &self.key {
            match key.contains('.') {
                true => write!(f, ", `{key}`")?,
                false => write!(f, ", `{key}:`")?,
            }
        }
        write!(f, ": {}", self.problem)
    }
}

/// A node of the file, with the line it starts on. A list's items are not kept: no key of the
/// format takes a list.
#[derive(Debug, Clone)]
enum Node {
    Scalar {
        text: String,
        plain: bool,
        line: usize,
    },
    Map {
        entries: Vec<(Node, Node)>,
        line: usize,
    },
    Seq {
        line: usize,
    },
}

impl Node {
    fn line(&self) -> usize {
        match self {
            Self::Scalar { line, .. } | Self::Map { line, .. } | Self::Seq { line } => *line,
        }
    }

    /// A plain empty scalar, `~` or `null`: YAML's null, which says nothing.
    fn is_null(&self) -> bool {
        matches!(self, Self::Scalar { text, plain: true, .. } if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }
}

/// A problem at a line, with its key.
type Problem = (Option<usize>, Option<String>, String);

/// Builds the node tree one parser event at a time, refusing (before the parser takes another
/// step) what could exhaust the stack, the memory or the time of the step.
#[derive(Default)]
struct Builder {
    /// Open collections: a mapping's entries so far (with a key waiting for its value), or a
    /// sequence.
    open: Vec<Open>,
    root: Option<Node>,
    documents: usize,
    /// Scalars by anchor, which an alias may repeat; an alias to any other anchor (a mapping
    /// or a list) is refused.
    scalars: HashMap<usize, Node>,
    /// Bytes repeated by aliases so far.
    aliased: usize,
}

enum Open {
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        line: usize,
    },
    Seq {
        line: usize,
    },
}

impl Builder {
    /// Where the parser is: the keys of the open mappings, as an error names them.
    fn path(&self) -> Option<String> {
        let keys: Vec<String> = self
            .open
            .iter()
            .filter_map(|open| match open {
                Open::Map {
                    key: Some(Node::Scalar { text, .. }),
                    ..
                } => Some(shown_name(text)),
                _ => None,
            })
            .collect();
        (!keys.is_empty()).then(|| keys.join("."))
    }

    fn push(&mut self, node: Node) {
        match self.open.last_mut() {
            None => self.root = Some(node),
            Some(Open::Seq { .. }) => {}
            Some(Open::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(key) => entries.push((key, node)),
            },
        }
    }

    fn start(&mut self, open: Open) -> Result<(), String> {
        if self.open.len() >= MAX_DEPTH {
            return Err(format!(
                "nests deeper than {MAX_DEPTH} levels; the format needs five"
            ));
        }
        self.open.push(open);
        Ok(())
    }

    fn event(&mut self, event: Event, line: usize) -> Result<(), String> {
        match event {
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err("holds more than one YAML document; keep one".to_owned());
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                if tag.is_some_and(|tag| !is_str(&tag)) {
                    return Err(TAGGED.to_owned());
                }
                let node = Node::Scalar {
                    text,
                    plain: style == TScalarStyle::Plain,
                    line,
                };
                if anchor > 0 {
                    self.scalars.insert(anchor, node.clone());
                }
                self.push(node);
            }
            Event::Alias(anchor) => {
                let Some(Node::Scalar { text, plain, .. }) = self.scalars.get(&anchor) else {
                    return Err(
                        "repeats a mapping or list with a YAML alias (*name), which \
                                could expand without bound; write it out"
                            .to_owned(),
                    );
                };
                self.aliased += text.len().max(1);
                if self.aliased > MAX_ALIASED {
                    return Err(format!(
                        "repeats more than {} KiB of text with YAML aliases (*name); write it out",
                        MAX_ALIASED / 1024
                    ));
                }
                let node = Node::Scalar {
                    text: text.clone(),
                    plain: *plain,
                    line,
                };
                self.push(node);
            }
            Event::MappingStart(_, Some(_)) | Event::SequenceStart(_, Some(_)) => {
                return Err(TAGGED.to_owned());
            }
            Event::MappingStart(..) => self.start(Open::Map {
                entries: Vec::new(),
                key: None,
                line,
            })?,
            Event::SequenceStart(..) => self.start(Open::Seq { line })?,
            Event::MappingEnd | Event::SequenceEnd => {
                let node = match self.open.pop() {
                    Some(Open::Map { entries, line, .. }) => Node::Map { entries, line },
                    Some(Open::Seq { line }) => Node::Seq { line },
                    None => return Ok(()),
                };
                self.push(node);
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
        }
        Ok(())
    }
}

const TAGGED: &str = "has a YAML tag (`!…`), which this file does not use: write the value plainly";

/// `!!str`, the one tag that says no more than the reader assumes.
fn is_str(tag: &Tag) -> bool {
    tag.handle == "tag:yaml.org,2002:" && tag.suffix == "str"
}

/// Reads and checks the manifest at `path`; `file` is how errors name it.
pub fn read(path: &Path, file: &str) -> Result<Vec<Instance>, ManifestError> {
    let error = |line: Option<usize>, key: Option<String>, problem: String| ManifestError {
        file: file.to_owned(),
        line,
        key,
        problem,
    };
    let bytes = linked_dirs(path, file)
        .and_then(|()| read_file(path))
        .map_err(|err| {
            let problem = match err.kind() {
                std::io::ErrorKind::NotFound => {
                    "there is no such file: give its path, relative to \
                the repository's root, in `manifest`"
                        .to_owned()
                }
                _ => format!("it cannot be read: {err}"),
            };
            error(None, None, problem)
        })?;
    from_bytes(&bytes, file)
}

/// The manifest in `bytes`; `file` is how errors name it.
fn from_bytes(bytes: &[u8], file: &str) -> Result<Vec<Instance>, ManifestError> {
    let error = |line: Option<usize>, key: Option<String>, problem: String| ManifestError {
        file: file.to_owned(),
        line,
        key,
        problem,
    };
    let text = utf8(bytes).map_err(|(line, column)| {
        error(
            Some(line),
            None,
            format!("column {column}: a byte is not UTF-8; save the file as UTF-8"),
        )
    })?;
    parse(text).map_err(|(line, key, problem)| error(line, key, problem))
}

/// The reader on bytes, for the fuzz target in `fuzz/`, which cargo-fuzz builds with
/// `--cfg fuzzing`; no other build has it.
#[cfg(fuzzing)]
pub fn read_bytes(bytes: &[u8], file: &str) -> Result<Vec<Instance>, ManifestError> {
    from_bytes(bytes, file)
}

/// Refuses a directory of `file`'s own path (relative to the repository, as `path` ends in
/// it) that is a symbolic link: git stores links to directories too, and `procdir/environ`
/// with `procdir` a link to `/proc/self` reaches the token as surely as a link to the file.
fn linked_dirs(path: &Path, file: &str) -> std::io::Result<()> {
    let relative = Path::new(file);
    if relative.is_absolute() {
        return Ok(());
    }
    let dirs = relative.components().count().saturating_sub(1);
    for dir in path.ancestors().skip(1).take(dirs) {
        if std::fs::symlink_metadata(dir)?.file_type().is_symlink() {
            return Err(std::io::Error::other(format!(
                "its directory {} is a symbolic link; give a path without one",
                dir.file_name().unwrap_or_default().to_string_lossy()
            )));
        }
    }
    Ok(())
}

/// The file's bytes: at most [`MAX_MANIFEST`] of a regular file. Git stores symbolic links, so
/// a pull request could point the manifest at any file on the runner (`/proc/self/environ`
/// holds the token) or at a pipe that never ends: a link or anything but a file is refused.
fn read_file(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::MetadataExt;
    let link = std::fs::symlink_metadata(path)?;
    if !link.file_type().is_file() {
        return Err(std::io::Error::other(if link.file_type().is_symlink() {
            "it is a symbolic link; give the path of the file itself"
        } else {
            "it is not a regular file"
        }));
    }
    let file = std::fs::File::open(path)?;
    let opened = file.metadata()?;
    if (opened.dev(), opened.ino()) != (link.dev(), link.ino()) {
        return Err(std::io::Error::other("it changed while it was read"));
    }
    let mut bytes = Vec::new();
    file.take(MAX_MANIFEST + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_MANIFEST {
        return Err(std::io::Error::other(format!(
            "it is larger than {} KiB",
            MAX_MANIFEST / 1024
        )));
    }
    Ok(bytes)
}

/// The text, without the byte order mark YAML allows (Windows editors write one), or the line
/// and column of the first byte that is not UTF-8.
fn utf8(bytes: &[u8]) -> Result<&str, (usize, usize)> {
    let text = std::str::from_utf8(bytes).map_err(|err| {
        let valid = bytes.get(..err.valid_up_to()).unwrap_or_default();
        position(std::str::from_utf8(valid).unwrap_or_default())
    })?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// The line and column just after `before`, counting line breaks as YAML does (LF, CR LF, CR).
fn position(before: &str) -> (usize, usize) {
    let breaks = before.matches('\n').count() + before.matches('\r').count()
        - before.matches("\r\n").count();
    let line_start = before.rfind(['\n', '\r']).map_or(0, |at| at + 1);
    let column = before.get(line_start..).unwrap_or_default().chars().count() + 1;
    (breaks + 1, column)
}

/// The file's one document as a tree, or the first problem found in it.
fn tree(text: &str) -> Result<Option<Node>, Problem> {
    let mut parser = Parser::new_from_str(text);
    let mut builder = Builder::default();
    loop {
        let (event, mark): (Event, Marker) = parser.next_token().map_err(|err| {
            let mark = err.marker();
            (
                Some(mark.line()),
                builder.path(),
                format!(
                    "it is not YAML: {} at column {}",
                    err.info(),
                    mark.col() + 1
                ),
            )
        })?;
        if event == Event::StreamEnd {
            return Ok(builder.root);
        }
        let line = mark.line();
        builder
            .event(event, line)
            .map_err(|problem| (Some(line), builder.path(), problem))?;
    }
}

/// The line and column of the first character YAML does not allow in a file (outside its
/// printable set: C0 controls but tab and line breaks, DEL, C1 controls but NEL, U+FFFE,
/// U+FFFF). The parser would take a NUL for the end of the file and ignore what follows it.
fn unprintable(text: &str) -> Option<(usize, usize, char)> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{fffd}')
            || c >= '\u{10000}'
    };
    let (at, c) = text.char_indices().find(|&(_, c)| !allowed(c))?;
    let (line, column) = position(text.get(..at).unwrap_or_default());
    Some((line, column, c))
}

fn parse(text: &str) -> Result<Vec<Instance>, Problem> {
    if let Some((line, column, c)) = unprintable(text) {
        return Err((
            Some(line),
            None,
            format!(
                "column {column}: holds U+{:04X}, which YAML does not allow in a file",
                u32::from(c)
            ),
        ));
    }
    let root = tree(text)?.filter(|root| !root.is_null()).ok_or((
        None,
        None,
        "it is empty; it needs `instances:`".to_owned(),
    ))?;
    let top = mapping(&root, "", &["instances"])?;
    let instances = value_of(&top, "instances").ok_or((
        Some(root.line()),
        None,
        "it needs `instances:`".to_owned(),
    ))?;
    let entries = mapping(instances, "instances", &[])?;
    if entries.is_empty() {
        return Err((
            Some(instances.line()),
            Some("instances".to_owned()),
            "names no instance".to_owned(),
        ));
    }
    once_each(&entries, "instances", "instance")?;
    entries
        .iter()
        .map(|entry| instance(entry, "instances"))
        .collect()
}

/// One entry of a mapping: its key, the line the key is on, and its value.
struct Keyed<'a> {
    key: String,
    line: usize,
    value: &'a Node,
}

/// The value of `key` among `entries`.
fn value_of<'a>(entries: &[Keyed<'a>], key: &str) -> Option<&'a Node> {
    entries
        .iter()
        .find(|entry| entry.key == key)
        .map(|entry| entry.value)
}

/// The entries of a mapping at `path`, each key once, only `allowed` keys (any when empty).
fn mapping<'a>(node: &'a Node, path: &str, allowed: &[&str]) -> Result<Vec<Keyed<'a>>, Problem> {
    let here = |line: usize, problem: String| Err((Some(line), key_path(path, None), problem));
    let Node::Map { entries, .. } = node else {
        return here(
            node.line(),
            "must be a mapping of keys to values".to_owned(),
        );
    };
    let mut keys: Vec<Keyed> = Vec::new();
    // Each key's first line, found at once in a mapping of thousands of apps.
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (key, value) in entries {
        let Node::Scalar {
            text: name, plain, ..
        } = key
        else {
            return here(key.line(), "has a key that is not a plain word".to_owned());
        };
        if *plain && name == "<<" {
            return here(
                key.line(),
                "has YAML's merge key (`<<`), which this file does not use: write the entries \
                 out"
                .to_owned(),
            );
        }
        if let Some(first) = seen.insert(name, key.line()) {
            return Err((
                Some(key.line()),
                key_path(path, Some(name)),
                format!("is given twice (first on line {first})"),
            ));
        }
        if !allowed.is_empty() && !allowed.contains(&name.as_str()) {
            return Err((
                Some(key.line()),
                key_path(path, Some(name)),
                unknown_key(name, allowed),
            ));
        }
        keys.push(Keyed {
            key: name.clone(),
            line: key.line(),
            value,
        });
    }
    Ok(keys)
}

/// Refuses two keys that are one name to a person (`Über` and `über`, `Café` with its accent
/// composed and combined): ToolJet would hold one app (or instance) for both, half-applied.
fn once_each(entries: &[Keyed], path: &str, what: &str) -> Result<(), Problem> {
    let mut first: HashMap<String, &Keyed> = HashMap::new();
    for entry in entries {
        if let Some(earlier) = first.insert(names::folded(&entry.key), entry) {
            return Err((
                Some(entry.line),
                key_path(path, Some(&entry.key)),
                format!(
                    "is listed twice: `{}` on line {} is the same {what}, differing {}; ToolJet \
                     names would not tell them apart",
                    shown_name(&earlier.key),
                    earlier.line,
                    names::difference(&entry.key, &earlier.key),
                ),
            ));
        }
    }
    Ok(())
}

fn key_path(path: &str, key: Option<&str>) -> Option<String> {
    match (path, key) {
        ("", None) => None,
        ("", Some(key)) => Some(shown_name(key)),
        (path, None) => Some(path.to_owned()),
        (path, Some(key)) => Some(format!("{path}.{}", shown_name(key))),
    }
}

/// A name as an error shows it: whole, or, beyond [`MAX_NAME`] characters, not at all. Never
/// cut: a token typed as a name is scrubbed from what the step says only when it is whole.
/// What the output makes visible of control characters is the output's business.
fn shown_name(name: &str) -> String {
    match name.chars().count() {
        ..=MAX_NAME => name.to_owned(),
        long => format!("(a name of {long} characters)"),
    }
}

/// Why a key is not allowed, with the one it is close to, and where URLs and tokens go.
fn unknown_key(key: &str, allowed: &[&str]) -> String {
    let lower = key.to_lowercase();
    if ["url", "token", "secret", "password", "host"]
        .iter()
        .any(|word| lower.contains(word))
    {
        return "is not allowed: URLs and tokens stay in the step's inputs and secrets, never in \
                the repository"
            .to_owned();
    }
    // Keys as the file writes them, with their colon: `git-app-name:` is a key of the entry,
    // not the input of that name.
    let guess = closest(&lower, allowed.iter().map(|known| (known, known)))
        .map(|known| format!("; did you mean `{known}:`?"))
        .unwrap_or_default();
    format!(
        "is not a key here{guess} (allowed: {})",
        allowed
            .iter()
            .map(|known| format!("`{known}:`"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// A scalar's text as written, or a problem naming `path`.
fn scalar(node: &Node, path: &str) -> Result<String, Problem> {
    match node {
        Node::Scalar { text, .. } if !node.is_null() => Ok(text.clone()),
        Node::Scalar { line, .. } => {
            Err((Some(*line), Some(path.to_owned()), "is empty".to_owned()))
        }
        other => Err((
            Some(other.line()),
            Some(path.to_owned()),
            "must be a single value, not a mapping or list".to_owned(),
        )),
    }
}

/// What makes `text` no word a reviewer can read as it is meant: empty, or holding a character
/// no one sees (a control character, an invisible space, or a direction mark that reorders the
/// text around it, as in Trojan Source).
fn unseen_problem(text: &str) -> Option<String> {
    if text.trim().is_empty() {
        return Some("is empty".to_owned());
    }
    let hidden = text.chars().find(|&c| is_hidden(c))?;
    Some(format!(
        "holds U+{:04X}, a character no one reviewing the file can see (a control character, \
         an invisible space or a mark that reorders text); remove it",
        u32::from(hidden)
    ))
}

/// What makes `text` no name: [`unseen_problem`], a space at an end, or too long.
fn name_problem(text: &str) -> Option<String> {
    if let Some(problem) = unseen_problem(text) {
        return Some(problem);
    }
    if text.trim() != text {
        return Some(
            "starts or ends with a space, which no one reviewing the file can see; remove it"
                .to_owned(),
        );
    }
    let length = text.chars().count();
    (length > MAX_NAME)
        .then(|| format!("is {length} characters long; a name has at most {MAX_NAME}"))
}

/// A name: the key itself (an instance's, an app's) or a value (`workspace`, `git-app-name`).
fn name(text: String, line: usize, path: &str) -> Result<String, Problem> {
    match name_problem(&text) {
        Some(problem) => Err((Some(line), Some(path.to_owned()), problem)),
        None => Ok(text),
    }
}

/// A name given as a value.
fn named(node: &Node, path: &str) -> Result<String, Problem> {
    name(scalar(node, path)?, node.line(), path)
}

fn instance(entry: &Keyed, parent: &str) -> Result<Instance, Problem> {
    let path = format!("{parent}.{}", shown_name(&entry.key));
    let instance_name = name(entry.key.clone(), entry.line, &path)?;
    let node = entry.value;
    let entries = mapping(node, &path, &["workspace", "apps"])?;
    let get = |key: &str| value_of(&entries, key);
    let missing = |key: &str| {
        (
            Some(node.line()),
            Some(path.clone()),
            format!("needs `{key}:`"),
        )
    };
    let workspace = named(
        get("workspace").ok_or_else(|| missing("workspace"))?,
        &format!("{path}.workspace"),
    )?;
    let apps_node = get("apps").ok_or_else(|| missing("apps"))?;
    let apps_path = format!("{path}.apps");
    let entries = if apps_node.is_null() {
        Vec::new()
    } else {
        mapping(apps_node, &apps_path, &[])?
    };
    if entries.is_empty() {
        return Err((
            Some(apps_node.line()),
            Some(apps_path),
            "lists no app: name at least one, `App name: version`".to_owned(),
        ));
    }
    if entries.len() > MAX_APPS {
        return Err((
            Some(apps_node.line()),
            Some(apps_path),
            format!(
                "lists {} apps; an instance lists at most {MAX_APPS}",
                entries.len()
            ),
        ));
    }
    once_each(&entries, &apps_path, "app")?;
    let apps = entries
        .iter()
        .map(|entry| app(entry, &apps_path))
        .collect::<Result<_, _>>()?;
    Ok(Instance {
        name: instance_name,
        workspace,
        apps,
    })
}

fn app(entry: &Keyed, apps_path: &str) -> Result<ManifestApp, Problem> {
    let path = format!("{apps_path}.{}", shown_name(&entry.key));
    let app_name = name(entry.key.clone(), entry.line, &path)?;
    let node = entry.value;
    let (version, git_app_name, git_branch) = match node {
        Node::Map { .. } => {
            let entries = mapping(node, &path, &["version", "git-app-name", "git-branch"])?;
            let get = |key: &str| value_of(&entries, key);
            let optional = |key: &str| {
                get(key)
                    .filter(|node| !node.is_null())
                    .map(|node| named(node, &format!("{path}.{key}")))
                    .transpose()
            };
            let version = get("version").ok_or((
                Some(node.line()),
                Some(path.clone()),
                "needs `version:`".to_owned(),
            ))?;
            (
                (version, format!("{path}.version")),
                optional("git-app-name")?,
                optional("git-branch")?,
            )
        }
        node => ((node, path.clone()), None, None),
    };
    let (version_node, version_path) = version;
    let version = scalar(version_node, &version_path)?;
    if let Some(problem) = unseen_problem(&version).or_else(|| version_name_problem(&version)) {
        return Err((Some(version_node.line()), Some(version_path), problem));
    }
    Ok(ManifestApp {
        name: app_name,
        version,
        git_app_name,
        git_branch,
    })
}

/// The instance named `instance`, or the only one when none is named.
pub fn select(
    instances: Vec<Instance>,
    instance: Option<&str>,
    file: &str,
) -> Result<Instance, ManifestError> {
    let problem = match instance {
        Some(wanted) => {
            if let Some(found) = instances.iter().position(|i| i.name == wanted) {
                return Ok(instances.into_iter().nth(found).expect("found"));
            }
            match instances.iter().find(|i| names::same(&i.name, wanted)) {
                Some(listed) => format!(
                    "has no instance named `{}`, but `{}` differs from it {}: give its name \
                     exactly",
                    shown_name(wanted),
                    shown_name(&listed.name),
                    names::difference(wanted, &listed.name)
                ),
                None => format!(
                    "has no instance named `{}`; it has {}",
                    shown_name(wanted),
                    some_of(&instances)
                ),
            }
        }
        None if instances.len() == 1 => {
            return Ok(instances.into_iter().next().expect("one"));
        }
        None => format!(
            "has {} instances: name one in `instance` (it has {})",
            instances.len(),
            some_of(&instances)
        ),
    };
    Err(ManifestError {
        file: file.to_owned(),
        line: None,
        key: Some("instances".to_owned()),
        problem,
    })
}

/// The first instances' names, and how many more: a list that an annotation's bound cannot
/// cut in the middle, whatever the file holds.
fn some_of(instances: &[Instance]) -> String {
    let mut shown: Vec<String> = instances
        .iter()
        .take(SHOWN_INSTANCES)
        .map(|instance| format!("`{}`", shown_name(&instance.name)))
        .collect();
    if instances.len() > SHOWN_INSTANCES {
        shown.push(format!("and {} more", instances.len() - SHOWN_INSTANCES));
    }
    shown.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = "\
# Which version of each app is live on each ToolJet instance.
instances:
  production:
    workspace: Acme          # the workspace's name or id on that instance
    apps:
      Inventory: v1.4.0      # app name: version name
      Orders:
        version: v2.0.1
        git-app-name: orders # optional: the app's folder in git, for a first import
        git-branch: release  # optional: the branch to pull when the version must be saved
  staging:
    workspace: Acme
    apps:
      Inventory: 1.10
";

    fn problem(text: &str) -> Problem {
        parse(text).unwrap_err()
    }

    #[test]
    fn the_documented_format_reads_every_instance_and_app() {
        let instances = parse(EXAMPLE).unwrap();
        assert_eq!(instances.len(), 2);
        assert_eq!(
            instances[0].apps,
            [
                ManifestApp {
                    name: "Inventory".into(),
                    version: "v1.4.0".into(),
                    git_app_name: None,
                    git_branch: None
                },
                ManifestApp {
                    name: "Orders".into(),
                    version: "v2.0.1".into(),
                    git_app_name: Some("orders".into()),
                    git_branch: Some("release".into())
                },
            ]
        );
    }

    #[test]
    fn a_version_yaml_would_read_as_a_number_is_taken_as_written() {
        let instances = parse(EXAMPLE).unwrap();
        assert_eq!(instances[1].apps[0].version, "1.10", "never 1.1");
    }

    #[test]
    fn an_unknown_key_is_named_at_its_line_with_what_it_is_close_to() {
        let (line, key, problem) =
            problem("instances:\n  prod:\n    workspace: A\n    aps:\n      X: v1\n");
        assert_eq!(
            (line, key.as_deref()),
            (Some(4), Some("instances.prod.aps"))
        );
        assert!(problem.contains("did you mean `apps:`?"), "{problem}");
    }

    #[test]
    fn a_token_key_is_refused_without_its_value() {
        let text = "instances:\n  prod:\n    workspace: A\n    access-token: s3cr3t\n    apps:\n      X: v1\n";
        let (line, _, problem) = problem(text);
        assert_eq!(line, Some(4));
        assert!(problem.contains("never in the repository"), "{problem}");
        assert!(!problem.contains("s3cr3t"), "{problem}");
    }

    #[test]
    fn an_app_listed_twice_is_named_at_its_second_line_also_in_another_case() {
        let twice = "instances:\n  p:\n    workspace: A\n    apps:\n      X: v1\n      Y: v1\n      X: v2\n";
        let (line, key, problem) = super::tests::problem(twice);
        assert_eq!(
            (line, key.as_deref()),
            (Some(7), Some("instances.p.apps.X"))
        );
        assert!(problem.contains("first on line 5"), "{problem}");
        let cased =
            "instances:\n  p:\n    workspace: A\n    apps:\n      Orders: v1\n      orders: v2\n";
        let (line, key, problem) = super::tests::problem(cased);
        assert_eq!(
            (line, key.as_deref()),
            (Some(6), Some("instances.p.apps.orders"))
        );
        assert_eq!(
            problem,
            "is listed twice: `Orders` on line 5 is the same app, differing only in letter case; \
             ToolJet names would not tell them apart"
        );
    }

    #[test]
    fn an_app_listed_twice_beyond_ascii_case_or_accent_encoding_is_refused() {
        for (first, second, differing) in [
            ("Über", "über", "only in letter case"),
            ("STRASSE", "Straße", "only in letter case"),
            (
                "Café",
                "Cafe\u{301}",
                "only in how its accented letters are encoded",
            ),
        ] {
            let (line, key, problem) = problem(&with_apps(&format!("{first}: v1\n{second}: v2")));
            assert_eq!(
                (line, key),
                (Some(6), Some(format!("instances.p.apps.{second}")))
            );
            assert!(
                problem.contains(&format!(
                    "`{first}` on line 5 is the same app, differing {differing}"
                )),
                "{problem}"
            );
        }
    }

    #[test]
    fn an_instance_listed_twice_in_another_case_is_refused() {
        let text = "instances:\n  Prod:\n    workspace: A\n    apps: {X: v1}\n  prod:\n    workspace: A\n    apps: {X: v1}\n";
        let (line, key, problem) = problem(text);
        assert_eq!((line, key.as_deref()), (Some(5), Some("instances.prod")));
        assert!(
            problem.contains("`Prod` on line 2 is the same instance"),
            "{problem}"
        );
    }

    #[test]
    fn a_version_breaking_tooljets_rules_is_named_without_its_value() {
        let text = "instances:\n  p:\n    workspace: A\n    apps:\n      X: has a space\n";
        let (line, key, problem) = problem(text);
        assert_eq!(
            (line, key.as_deref()),
            (Some(5), Some("instances.p.apps.X"))
        );
        assert!(!problem.contains("has a space"), "{problem}");
    }

    #[test]
    fn empty_apps_a_missing_version_and_a_missing_workspace_are_named() {
        for (text, expected) in [
            (
                "instances:\n  p:\n    workspace: A\n    apps:\n",
                "lists no app",
            ),
            (
                "instances:\n  p:\n    workspace: A\n    apps:\n      X:\n        git-branch: b\n",
                "needs `version:`",
            ),
            (
                "instances:\n  p:\n    apps:\n      X: v1\n",
                "needs `workspace:`",
            ),
            (
                "instances:\n  p:\n    workspace: A\n    apps:\n      X:\n",
                "is empty",
            ),
        ] {
            let (_, _, problem) = problem(text);
            assert!(problem.contains(expected), "{text}: {problem}");
        }
    }

    #[test]
    fn not_yaml_says_where() {
        let (line, _, problem) = problem("instances:\n  p: [unclosed\n");
        assert!(line.is_some());
        assert!(problem.starts_with("it is not YAML: "), "{problem}");
    }

    #[test]
    fn an_alias_that_could_expand_is_refused_quickly() {
        let mut laughs = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        let mut previous = 'a';
        for name in 'b'..='j' {
            laughs.push_str(&format!("{name}: &{name} [*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous}]\n"));
            previous = name;
        }
        let (_, _, problem) = problem(&laughs);
        assert!(problem.contains("YAML alias"), "{problem}");
        let scalar = "instances:\n  p:\n    workspace: &ws Acme\n    apps:\n      X: v1\n  q:\n    workspace: *ws\n    apps:\n      X: v2\n";
        assert_eq!(
            parse(scalar).unwrap()[1].workspace,
            "Acme",
            "an alias to a word is fine"
        );
    }

    #[test]
    fn an_instance_is_chosen_by_name_or_as_the_only_one() {
        let instances = parse(EXAMPLE).unwrap();
        let err = select(instances.clone(), None, "tooljet.yml").unwrap_err();
        assert_eq!(
            err.to_string(),
            "tooljet.yml, `instances:`: has 2 instances: name one in `instance` (it has \
             `production`, `staging`)"
        );
        let err = select(instances.clone(), Some("prod"), "tooljet.yml").unwrap_err();
        assert_eq!(
            err.problem,
            "has no instance named `prod`; it has `production`, `staging`"
        );
        assert_eq!(
            select(instances, Some("staging"), "f").unwrap().name,
            "staging"
        );
    }

    #[test]
    fn an_instance_named_in_another_case_is_a_slip_naming_the_listed_one() {
        let err = select(parse(EXAMPLE).unwrap(), Some("Production"), "f").unwrap_err();
        assert_eq!(
            err.problem,
            "has no instance named `Production`, but `production` differs from it only in letter \
             case: give its name exactly"
        );
    }

    fn instances(count: usize) -> String {
        let mut text = String::from("instances:\n");
        for n in 0..count {
            text.push_str(&format!(
                "  instance-with-a-long-name-{n:03}:\n    workspace: A\n    apps: {{X: v1}}\n"
            ));
        }
        text
    }

    #[test]
    fn with_many_instances_and_none_named_the_instruction_comes_first_and_the_rest_are_counted() {
        let err = select(parse(&instances(150)).unwrap(), None, "tooljet.yml").unwrap_err();
        let message = err.to_string();
        assert!(
            message.starts_with(
                "tooljet.yml, `instances:`: has 150 instances: name one in `instance` (it has \
                 `instance-with-a-long-name-000`, "
            ),
            "{message}"
        );
        assert!(message.ends_with(", and 130 more)"), "{message}");
        assert!(message.len() < 1_000, "{}", message.len());
        let err = select(parse(&instances(150)).unwrap(), Some("x"), "f").unwrap_err();
        assert!(err.problem.ends_with(", and 130 more"), "{}", err.problem);
    }

    /// A manifest of one instance, `p`, with `apps` under `apps:` (lines `Name: version`),
    /// the first on line 5.
    fn with_apps(apps: &str) -> String {
        let apps: String = apps.lines().map(|line| format!("      {line}\n")).collect();
        format!("instances:\n  p:\n    workspace: A\n    apps:\n{apps}")
    }

    #[test]
    fn nesting_twenty_thousand_levels_deep_is_refused_without_recursing() {
        // Each is about 40 KB; read by a recursive loader, any of them overflows the stack.
        for deep in [
            format!("{}v1\n", "- ".repeat(20_000)),
            format!("{}v1\n", "? ".repeat(20_000)),
            format!("{}v1{}\n", "[".repeat(20_000), "]".repeat(20_000)),
            format!("{}v1{}\n", "{a: ".repeat(10_000), "}".repeat(10_000)),
            format!(
                "instances:\n  p:\n    apps:\n      X:\n        {}v1\n",
                "- ".repeat(20_000)
            ),
        ] {
            let (line, _, problem) = problem(&deep);
            assert!(line.is_some());
            assert!(
                problem.starts_with("nests deeper than 16 levels")
                    || problem.contains("recursion limit"),
                "{problem}"
            );
        }
    }

    #[test]
    fn aliases_repeating_a_large_scalar_are_refused_before_they_are_copied() {
        // 31,000 aliases to one 512 KiB scalar: 16 GB once expanded.
        let mut bomb = format!("a: &big {}\nb: [", "x".repeat(512 * 1024));
        bomb.push_str(&"*big, ".repeat(31_000));
        bomb.push_str("]\n");
        assert!(bomb.len() as u64 <= MAX_MANIFEST);
        let (line, key, problem) = problem(&bomb);
        assert_eq!((line, key.as_deref()), (Some(2), Some("b")));
        assert_eq!(
            problem,
            "repeats more than 64 KiB of text with YAML aliases (*name); write it out"
        );
    }

    #[test]
    fn aliases_repeating_a_version_for_many_apps_are_read() {
        let mut apps = String::from("App-0: &v v1.4.0-rc.1\n");
        for n in 1..1_000 {
            apps.push_str(&format!("App-{n}: *v\n"));
        }
        let instances = parse(&with_apps(&apps)).unwrap();
        assert_eq!(instances[0].apps.len(), 1_000);
        assert!(
            instances[0]
                .apps
                .iter()
                .all(|app| app.version == "v1.4.0-rc.1")
        );
    }

    #[test]
    fn an_anchor_defined_again_is_repeated_as_last_defined() {
        let text = with_apps("A: &v v1\nB: &v v2\nC: *v");
        assert_eq!(parse(&text).unwrap()[0].apps[2].version, "v2");
    }

    #[test]
    fn an_alias_as_a_key_that_repeats_another_is_given_twice() {
        let (line, key, problem) = problem(&with_apps("&k Inventory: v1\n*k : v2"));
        assert_eq!(
            (line, key.as_deref()),
            (Some(6), Some("instances.p.apps.Inventory"))
        );
        assert!(
            problem.contains("is given twice (first on line 5)"),
            "{problem}"
        );
    }

    #[test]
    fn an_empty_app_name_or_version_is_refused_at_its_line_and_key() {
        for (apps, key) in [
            ("\"\": v1", "instances.p.apps."),
            ("\"  \": v1", "instances.p.apps.  "),
            ("Inventory: \"\"", "instances.p.apps.Inventory"),
            ("Inventory: ' '", "instances.p.apps.Inventory"),
            (
                "Inventory: {version: ''}",
                "instances.p.apps.Inventory.version",
            ),
            (
                "Inventory: {version: v1, git-app-name: ''}",
                "instances.p.apps.Inventory.git-app-name",
            ),
        ] {
            let (line, found, problem) = problem(&with_apps(apps));
            assert_eq!((line, found.as_deref()), (Some(5), Some(key)), "{apps}");
            assert_eq!(problem, "is empty", "{apps}");
        }
        for (text, line, key) in [
            (
                "instances:\n  '':\n    workspace: A\n    apps: {X: v1}\n",
                2,
                "instances.",
            ),
            (
                "instances:\n  p:\n    workspace: ''\n    apps: {X: v1}\n",
                3,
                "instances.p.workspace",
            ),
        ] {
            let found = problem(text);
            assert_eq!(
                found,
                (Some(line), Some(key.to_owned()), "is empty".to_owned())
            );
        }
    }

    #[test]
    fn a_name_a_reviewer_cannot_see_as_it_is_is_refused() {
        for (apps, problem_starts) in [
            (
                "\"Inven\\u202Eyrot\": v1",
                "holds U+202E, a character no one reviewing",
            ),
            ("\"Inven\\u200Btory\": v1", "holds U+200B"),
            ("\"Inven\\0tory\": v1", "holds U+0000"),
            ("\"Inven\\ttory\": v1", "holds U+0009"),
            ("\"Inventory \": v1", "starts or ends with a space"),
            ("Inventory: \"v1\\u2066\"", "holds U+2066"),
            (
                "Inventory: {version: v1, git-branch: \"main\\u202E\"}",
                "holds U+202E",
            ),
        ] {
            let (line, _, problem) = problem(&with_apps(apps));
            assert_eq!(line, Some(5), "{apps}");
            assert!(problem.starts_with(problem_starts), "{apps}: {problem}");
        }
    }

    #[test]
    fn a_character_yaml_does_not_allow_is_named_at_its_line_and_column() {
        // The parser would take the NUL for the end of the file and never read `Orders`.
        let text = with_apps("Inventory: v1\0\nOrders: v2");
        assert_eq!(
            problem(&text),
            (
                Some(5),
                None,
                "column 20: holds U+0000, which YAML does not allow in a file".to_owned()
            )
        );
        let (line, _, escape) = problem("instances:\r\n  p: \u{1b}[2J\r\n");
        assert_eq!(line, Some(2));
        assert!(escape.starts_with("column 6: holds U+001B"), "{escape}");
    }

    #[test]
    fn a_byte_order_mark_is_read_as_yaml_allows() {
        let bytes = format!("\u{feff}{EXAMPLE}").into_bytes();
        let text = utf8(&bytes).unwrap();
        assert_eq!(parse(text).unwrap().len(), 2);
    }

    #[test]
    fn a_byte_that_is_not_utf8_is_named_at_its_line_and_column() {
        let mut bytes = b"instances:\n  p:\n    workspace: Caf".to_vec();
        bytes.push(0xe9);
        bytes.extend_from_slice(b"\n");
        assert_eq!(utf8(&bytes).unwrap_err(), (3, 19));
        assert_eq!(utf8(b"\xff\xfei\0").unwrap_err(), (1, 1), "UTF-16");
    }

    #[test]
    fn crlf_and_cr_line_breaks_keep_lines_right() {
        let crlf = with_apps("X: v1\nY: has space").replace('\n', "\r\n");
        assert_eq!(problem(&crlf).0, Some(6));
        let cr = with_apps("X: v1\nY: has space").replace('\n', "\r");
        assert_eq!(problem(&cr).0, Some(6));
    }

    #[test]
    fn a_tab_used_for_indentation_is_not_yaml_at_its_line() {
        let (line, _, problem) = problem("instances:\n\tp:\n");
        assert_eq!(line, Some(2));
        assert!(problem.starts_with("it is not YAML: "), "{problem}");
    }

    #[test]
    fn yaml_tags_are_refused_but_a_string_tag() {
        for tagged in [
            "Inventory: !!binary djE=",
            "Inventory: !!python/object:os.system v1",
            "Inventory: !custom v1",
            "Inventory: !!map {version: v1}",
        ] {
            let (line, _, problem) = problem(&with_apps(tagged));
            assert_eq!(line, Some(5), "{tagged}");
            assert!(problem.starts_with("has a YAML tag"), "{tagged}: {problem}");
        }
        let text = with_apps("Inventory: !!str 1.10");
        assert_eq!(parse(&text).unwrap()[0].apps[0].version, "1.10");
        let redefined = format!(
            "%TAG !! tag:example.com,2000:\n---\n{}",
            with_apps("X: !!str v1")
        );
        assert!(problem(&redefined).2.starts_with("has a YAML tag"));
    }

    #[test]
    fn a_merge_key_is_refused() {
        let (line, key, problem) = problem(&with_apps("<<: {Inventory: v1}"));
        assert_eq!((line, key.as_deref()), (Some(5), Some("instances.p.apps")));
        assert!(problem.contains("merge key"), "{problem}");
    }

    #[test]
    fn a_second_document_is_refused() {
        let text = format!("{EXAMPLE}---\n{EXAMPLE}");
        let (line, _, problem) = problem(&text);
        assert_eq!(line, Some(15));
        assert!(problem.contains("more than one YAML document"), "{problem}");
    }

    #[test]
    fn a_key_given_twice_is_refused_at_every_level() {
        for (text, line, key) in [
            (format!("{EXAMPLE}instances: {{}}\n"), 15, "instances"),
            (
                "instances:\n  p:\n    workspace: A\n    workspace: B\n    apps: {X: v1}\n".to_owned(),
                4,
                "instances.p.workspace",
            ),
            (with_apps("X: {version: v1, version: v2}"), 5, "instances.p.apps.X.version"),
            (
                "instances:\n  p: {workspace: A, apps: {X: v1}}\n  p: {workspace: A, apps: {X: v1}}\n"
                    .to_owned(),
                3,
                "instances.p",
            ),
        ] {
            let (found_line, found_key, problem) = problem(&text);
            assert_eq!((found_line, found_key.as_deref()), (Some(line), Some(key)), "{text}");
            assert!(problem.starts_with("is given twice"), "{problem}");
        }
    }

    #[test]
    fn flow_collections_read_as_blocks_do() {
        let text = "instances: {p: {workspace: A, apps: {Inventory: v1, Orders: {version: v2, git-branch: b}}}}";
        let apps = &parse(text).unwrap()[0].apps;
        assert_eq!(
            (apps[0].version.as_str(), apps[1].git_branch.as_deref()),
            ("v1", Some("b"))
        );
    }

    #[test]
    fn a_name_is_shown_whole_or_not_at_all() {
        let token = "5f0c3d9e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d";
        let (_, key, _) = problem(&with_apps(&format!("{token}: has space")));
        assert_eq!(
            key,
            Some(format!("instances.p.apps.{token}")),
            "whole: scrubbed whole"
        );
        // YAML keys up to 1,024 characters may be implicit (`key: value`); longer ones are `? key`.
        let huge = "x".repeat(1024 * 1024 - 100);
        let (line, key, problem) = problem(&with_apps(&format!("? {huge}\n: v1")));
        assert_eq!(
            (line, key.as_deref()),
            (
                Some(5),
                Some("instances.p.apps.(a name of 1048476 characters)")
            )
        );
        assert_eq!(
            problem,
            "is 1048476 characters long; a name has at most 100"
        );
        let err = select(parse(EXAMPLE).unwrap(), Some(&"y".repeat(101)), "f").unwrap_err();
        assert!(
            err.problem
                .starts_with("has no instance named `(a name of 101 characters)`")
        );
    }

    #[test]
    fn a_directory_of_the_path_that_is_a_symbolic_link_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("real")).unwrap();
        std::fs::write(dir.path().join("real/tooljet.yml"), EXAMPLE).unwrap();
        std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("linked")).unwrap();
        let err = read(&dir.path().join("linked/tooljet.yml"), "linked/tooljet.yml").unwrap_err();
        assert_eq!(
            err.problem,
            "it cannot be read: its directory linked is a symbolic link; give a path without one"
        );
        assert!(read(&dir.path().join("real/tooljet.yml"), "real/tooljet.yml").is_ok());
    }

    #[test]
    fn more_apps_than_an_instance_lists_are_refused() {
        let apps: String = (0..=MAX_APPS).map(|n| format!("App-{n}: v1\n")).collect();
        let (line, key, problem) = problem(&with_apps(&apps));
        assert_eq!((line, key.as_deref()), (Some(5), Some("instances.p.apps")));
        assert_eq!(problem, "lists 1001 apps; an instance lists at most 1000");
    }

    #[test]
    fn a_symbolic_link_or_a_pipe_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("tooljet.yml");
        std::os::unix::fs::symlink("/proc/self/environ", &link).unwrap();
        let err = read(&link, "tooljet.yml").unwrap_err();
        assert_eq!(
            err.to_string(),
            "tooljet.yml: it cannot be read: it is a symbolic link; give the path of the file itself"
        );
        let pipe = dir.path().join("pipe.yml");
        let made = std::process::Command::new("mkfifo")
            .arg(&pipe)
            .status()
            .unwrap();
        assert!(made.success());
        let err = read(&pipe, "pipe.yml").unwrap_err();
        assert!(err.problem.ends_with("it is not a regular file"), "{err}");
    }
}
