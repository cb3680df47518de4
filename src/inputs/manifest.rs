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
//! The file is checked whole before any request. Every error names the file, the line and the
//! key, and never echoes a value: someone will paste a token into it. Versions are taken
//! exactly as written (`1.10` stays `1.10`); YAML aliases to a mapping or a list, which could
//! expand without bound, are refused.

use std::collections::HashMap;
use std::path::Path;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::connection::read_bounded;
use super::operation::version_name_problem;
use super::values::closest;

/// The manifest's path when `manifest` is not given.
pub const DEFAULT: &str = "tooljet.yml";

/// The largest manifest read: thousands of apps fit many times over.
pub const MAX_MANIFEST: u64 = 1024 * 1024;
/// The deepest nesting read; the format needs five levels.
const MAX_DEPTH: usize = 16;

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
        if let Some(key) = &self.key {
            write!(f, ", `{key}`")?;
        }
        write!(f, ": {}", self.problem)
    }
}

/// A node of the file, with the line it starts on.
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

/// Builds the node tree from the parser's events, refusing what could expand without bound.
#[derive(Default)]
struct Builder {
    /// Open collections: a mapping's entries so far (with a key waiting for its value), or a
    /// sequence.
    open: Vec<Open>,
    root: Option<Node>,
    documents: usize,
    /// Scalars by anchor, which an alias may repeat; anchors of collections, which it may not.
    scalars: HashMap<usize, Node>,
    collections: Vec<usize>,
    error: Option<(usize, String)>,
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
    fn fail(&mut self, line: usize, problem: &str) {
        self.error.get_or_insert((line, problem.to_owned()));
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

    fn start(&mut self, open: Open, anchor: usize, line: usize) {
        if anchor > 0 {
            self.collections.push(anchor);
        }
        if self.open.len() >= MAX_DEPTH {
            self.fail(line, "nests deeper than any tooljet.yml needs");
        }
        self.open.push(open);
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        let line = mark.line();
        match event {
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents > 1 {
                    self.fail(line, "holds more than one YAML document; keep one");
                }
            }
            Event::Scalar(text, style, anchor, _) => {
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
            Event::Alias(anchor) => match self.scalars.get(&anchor) {
                Some(node) => {
                    let node = node.clone();
                    self.push(node);
                }
                None => self.fail(
                    line,
                    "repeats a mapping or list with a YAML alias (*name), which could expand \
                     without bound; write it out",
                ),
            },
            Event::MappingStart(anchor, _) => self.start(
                Open::Map {
                    entries: Vec::new(),
                    key: None,
                    line,
                },
                anchor,
                line,
            ),
            Event::SequenceStart(anchor, _) => self.start(Open::Seq { line }, anchor, line),
            Event::MappingEnd | Event::SequenceEnd => {
                let node = match self.open.pop() {
                    Some(Open::Map { entries, line, .. }) => Node::Map { entries, line },
                    Some(Open::Seq { line }) => Node::Seq { line },
                    None => return,
                };
                self.push(node);
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
        }
    }
}

/// Reads and checks the manifest at `path`; `file` is how errors name it.
pub fn read(path: &Path, file: &str) -> Result<Vec<Instance>, ManifestError> {
    let error = |line: Option<usize>, key: Option<String>, problem: String| ManifestError {
        file: file.to_owned(),
        line,
        key,
        problem,
    };
    let bytes = read_bounded(path, MAX_MANIFEST).map_err(|err| {
        let problem = match err.kind() {
            std::io::ErrorKind::NotFound => "there is no such file: give its path, relative to \
                the repository's root, in `manifest`"
                .to_owned(),
            _ => format!("it cannot be read: {err}"),
        };
        error(None, None, problem)
    })?;
    let text = String::from_utf8(bytes)
        .map_err(|_| error(None, None, "it is not UTF-8 text".to_owned()))?;
    parse(&text).map_err(|(line, key, problem)| error(line, key, problem))
}

/// A problem at a line, with its key.
type Problem = (Option<usize>, Option<String>, String);

fn parse(text: &str) -> Result<Vec<Instance>, Problem> {
    let mut builder = Builder::default();
    Parser::new_from_str(text)
        .load(&mut builder, true)
        .map_err(|err| {
            let mark = err.marker();
            (
                Some(mark.line()),
                None,
                format!(
                    "it is not YAML: {} at column {}",
                    err.info(),
                    mark.col() + 1
                ),
            )
        })?;
    if let Some((line, problem)) = builder.error {
        return Err((Some(line), None, problem));
    }
    let root = builder.root.filter(|root| !root.is_null()).ok_or((
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
    entries
        .into_iter()
        .map(|entry| instance(&entry.key, entry.value))
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
        let Node::Scalar { text: name, .. } = key else {
            return here(key.line(), "has a key that is not a plain word".to_owned());
        };
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

fn key_path(path: &str, key: Option<&str>) -> Option<String> {
    match (path, key) {
        ("", None) => None,
        ("", Some(key)) => Some(shown_key(key)),
        (path, None) => Some(path.to_owned()),
        (path, Some(key)) => Some(format!("{path}.{}", shown_key(key))),
    }
}

/// A key as an error shows it: at most 60 characters, control characters dropped.
fn shown_key(key: &str) -> String {
    let mut shown: String = key.chars().filter(|c| !c.is_control()).take(60).collect();
    if key.chars().count() > 60 {
        shown.push('…');
    }
    shown
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
    let guess = closest(&lower, allowed.iter().map(|known| (known, known)))
        .map(|known| format!("; did you mean `{known}`?"))
        .unwrap_or_default();
    format!(
        "is not a key here{guess} (allowed: {})",
        allowed
            .iter()
            .map(|known| format!("`{known}`"))
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

fn instance(name: &str, node: &Node) -> Result<Instance, Problem> {
    let path = format!("instances.{}", shown_key(name));
    let entries = mapping(node, &path, &["workspace", "apps"])?;
    let get = |key: &str| value_of(&entries, key);
    let missing = |key: &str| {
        (
            Some(node.line()),
            Some(path.clone()),
            format!("needs `{key}:`"),
        )
    };
    let workspace = scalar(
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
    let mut apps: Vec<ManifestApp> = Vec::new();
    // Each app's name in lower case, with its name as written: the same app in another case.
    let mut folded: HashMap<String, &str> = HashMap::new();
    for entry in &entries {
        if let Some(first) = folded.insert(entry.key.to_ascii_lowercase(), &entry.key) {
            return Err((
                Some(entry.line),
                key_path(&apps_path, Some(&entry.key)),
                format!(
                    "is listed twice: {first:?} is the same app in another letter case, and \
                     ToolJet names would not tell them apart here"
                ),
            ));
        }
        apps.push(app(&entry.key, entry.value, &apps_path)?);
    }
    Ok(Instance {
        name: name.to_owned(),
        workspace,
        apps,
    })
}

fn app(name: &str, node: &Node, apps_path: &str) -> Result<ManifestApp, Problem> {
    let path = format!("{apps_path}.{}", shown_key(name));
    let (version, git_app_name, git_branch) = match node {
        Node::Map { .. } => {
            let entries = mapping(node, &path, &["version", "git-app-name", "git-branch"])?;
            let get = |key: &str| value_of(&entries, key);
            let optional = |key: &str| {
                get(key)
                    .filter(|node| !node.is_null())
                    .map(|node| scalar(node, &format!("{path}.{key}")))
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
    if let Some(problem) = version_name_problem(&version) {
        return Err((Some(version_node.line()), Some(version_path), problem));
    }
    Ok(ManifestApp {
        name: name.to_owned(),
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
    let names = || {
        instances
            .iter()
            .map(|instance| format!("`{}`", shown_key(&instance.name)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let problem = match instance {
        Some(wanted) => match instances.iter().position(|i| i.name == wanted) {
            Some(found) => return Ok(instances.into_iter().nth(found).expect("found")),
            None => format!(
                "has no instance named {:?}; it has {}",
                shown_key(wanted),
                names()
            ),
        },
        None if instances.len() == 1 => {
            return Ok(instances.into_iter().next().expect("one"));
        }
        None => format!(
            "has {} instances ({}): name one in `instance`",
            instances.len(),
            names()
        ),
    };
    Err(ManifestError {
        file: file.to_owned(),
        line: None,
        key: Some("instances".to_owned()),
        problem,
    })
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
        assert!(problem.contains("did you mean `apps`?"), "{problem}");
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
        assert!(problem.contains("\"Orders\""), "{problem}");
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
            "tooljet.yml, `instances`: has 2 instances (`production`, `staging`): name one in \
             `instance`"
        );
        let err = select(instances.clone(), Some("prod"), "tooljet.yml").unwrap_err();
        assert!(
            err.problem
                .contains("has no instance named \"prod\"; it has `production`, `staging`")
        );
        assert_eq!(
            select(instances, Some("staging"), "f").unwrap().name,
            "staging"
        );
    }
}
