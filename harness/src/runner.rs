//! Runs the compiled action the way the GitHub runner runs a container action, and reads its
//! results back by the runner's own rules (see actions-runtime.md):
//! a clean environment, every input declared in action.yml present as `INPUT_<NAME>` with
//! hyphens kept (its default, or empty), fresh file-command files, cwd the workspace, no
//! stdin; afterwards `GITHUB_OUTPUT` parsed with the runner's heredoc parser and workflow
//! commands picked out of stdout and stderr.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;

use crate::composite::RunStep;
use crate::tooljet::{FakeToolJet, Settings};
use tempfile::TempDir;
use yaml_rust2::{Yaml, YamlLoader};

pub const REPOSITORY: &str = "acme/tooljet-apps";
pub const SHA: &str = "3f786850e387550fdab836ed7e6dc881de23001b";
pub const RUN_ID: &str = "4242";

/// action.yml, parsed.
pub fn action_yml() -> Yaml {
    repository_yaml("action.yml")
}

/// A YAML file of the repository (`path` from its root), parsed.
pub fn repository_yaml(path: &str) -> Yaml {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path))
        .unwrap_or_else(|err| panic!("{path}: {err}"));
    YamlLoader::load_from_str(&text)
        .unwrap_or_else(|err| panic!("{path} is not YAML: {err}"))
        .remove(0)
}

/// Declared inputs with their defaults ("" where none), read from action.yml once.
pub fn declared_inputs() -> &'static BTreeMap<String, String> {
    static DECLARED: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    DECLARED.get_or_init(|| {
        action_yml()["inputs"]
            .as_hash()
            .expect("inputs")
            .iter()
            .map(|(name, spec)| {
                let default = match &spec["default"] {
                    Yaml::String(s) | Yaml::Real(s) => s.clone(),
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    _ => String::new(),
                };
                (name.as_str().expect("input name").to_owned(), default)
            })
            .collect()
    })
}

/// One step of a workflow that uses the action.
pub struct Step {
    /// The action's binary, or with `image` set, the container engine (podman) that runs it.
    binary: PathBuf,
    image: Option<String>,
    with: BTreeMap<String, String>,
    env: Vec<(String, String)>,
    files: Vec<(String, String)>,
    on_github: bool,
    /// Where `GITHUB_OUTPUT` and `GITHUB_STEP_SUMMARY` point instead of the step's own files.
    output_file: Option<String>,
    summary_file: Option<String>,
    /// Run through the binary variant's last step instead of as a container action.
    composite: Option<RunStep>,
}

impl Step {
    /// A step of `binary` with `operation`, `tooljet-url` and `access-token` pointing at `fake`.
    pub fn new(binary: impl Into<PathBuf>, operation: &str, fake: &FakeToolJet) -> Self {
        Self::bare(binary)
            .with("operation", operation)
            .with("tooljet-url", &fake.url())
            .with("access-token", &Settings::default().token)
    }

    /// A step of `binary` with no inputs set.
    pub fn bare(binary: impl Into<PathBuf>) -> Self {
        Self {
            binary: binary.into(),
            image: None,
            with: BTreeMap::new(),
            env: Vec::new(),
            files: Vec::new(),
            on_github: true,
            output_file: None,
            summary_file: None,
            composite: None,
        }
    }

    /// Sets an input, as `with:` would. Panics on an input action.yml does not declare.
    pub fn with(mut self, name: &str, value: &str) -> Self {
        assert!(
            declared_inputs().contains_key(name),
            "action.yml declares no input {name:?}"
        );
        self.with.insert(name.to_owned(), value.to_owned());
        self
    }

    /// Runs the step in `image` with the container engine `engine` (podman), exactly as the
    /// runner's `docker run`: `--workdir /github/workspace --rm`, names-only `-e KEY` with the
    /// values in the engine's own environment, the `/github/*` mounts and paths translated to
    /// them. `--network=host` lets the container reach a fake ToolJet on the host's loopback.
    pub fn in_container(
        engine: impl Into<PathBuf>,
        image: &str,
        operation: &str,
        fake: &FakeToolJet,
    ) -> Self {
        let mut step = Self::new(engine, operation, fake);
        step.image = Some(image.to_owned());
        step
    }

    /// Runs the step through the binary variant (binary/action.yml): its last step's script,
    /// run as the runner runs a composite's `run:` step, with that step's `env:` (the inputs it
    /// maps, the install step's output as this step's binary) instead of the container action's
    /// `INPUT_` variables.
    pub fn in_binary_variant(mut self) -> Self {
        self.composite = Some(RunStep::read());
        self
    }

    /// The value an input will have (its default, or empty, when not set).
    pub fn input(&self, name: &str) -> String {
        self.with
            .get(name)
            .cloned()
            .or_else(|| declared_inputs().get(name).cloned())
            .unwrap_or_default()
    }

    /// Puts a file in the workspace, as a checkout would.
    pub fn workspace_file(mut self, path: &str, contents: &str) -> Self {
        self.files.push((path.to_owned(), contents.to_owned()));
        self
    }

    /// Adds an environment variable, as the step's `env:` would.
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Points `GITHUB_OUTPUT` at `path` (one that cannot be written, or is no regular file).
    pub fn output_file(mut self, path: &str) -> Self {
        self.output_file = Some(path.to_owned());
        self
    }

    /// Points `GITHUB_STEP_SUMMARY` at `path`, as [`Step::output_file`] does `GITHUB_OUTPUT`.
    pub fn summary_file(mut self, path: &str) -> Self {
        self.summary_file = Some(path.to_owned());
        self
    }

    /// Runs as GitLab CI or Jenkins would: no GITHUB_* variables, no runner files.
    pub fn outside_github(mut self) -> Self {
        self.on_github = false;
        self
    }

    /// The environment the runner would give the container, and the step's directories.
    /// `root` is where the step's directories are as the action sees them.
    fn environment(&self, root: &Path) -> Vec<(String, String)> {
        let mut env = self.env.clone();
        match &self.composite {
            Some(run) => {
                env.extend(run.evaluated(|name| self.input(name), &self.binary));
                // A composite's steps inherit the runner's PATH.
                env.push(("PATH".to_owned(), "/usr/local/bin:/usr/bin:/bin".to_owned()));
            }
            None => env.extend(declared_inputs().iter().map(|(name, default)| {
                let value = self.with.get(name).unwrap_or(default).clone();
                (
                    format!("INPUT_{}", name.replace(' ', "_").to_uppercase()),
                    value,
                )
            })),
        }
        if !self.on_github {
            return env;
        }
        let path = |p: &str| root.join(p).display().to_string();
        env.extend(
            [
                ("HOME", path("home")),
                ("GITHUB_WORKSPACE", path("workspace")),
                (
                    "GITHUB_OUTPUT",
                    self.output_file
                        .clone()
                        .unwrap_or_else(|| path("file_commands/set_output_1")),
                ),
                (
                    "GITHUB_STEP_SUMMARY",
                    self.summary_file
                        .clone()
                        .unwrap_or_else(|| path("file_commands/step_summary_1")),
                ),
                ("GITHUB_ENV", path("file_commands/set_env_1")),
                ("GITHUB_PATH", path("file_commands/add_path_1")),
                ("GITHUB_STATE", path("file_commands/save_state_1")),
                ("GITHUB_EVENT_PATH", path("workflow/event.json")),
                ("GITHUB_REPOSITORY", REPOSITORY.to_owned()),
                ("GITHUB_SHA", SHA.to_owned()),
                ("GITHUB_RUN_ID", RUN_ID.to_owned()),
                ("GITHUB_SERVER_URL", "https://github.com".to_owned()),
                ("GITHUB_EVENT_NAME", "workflow_dispatch".to_owned()),
                ("RUNNER_OS", "Linux".to_owned()),
                ("GITHUB_ACTIONS", "true".to_owned()),
                ("CI", "true".to_owned()),
            ]
            .map(|(k, v)| (k.to_owned(), v)),
        );
        env
    }

    /// Starts the binary; the caller waits for it (or signals it).
    pub fn spawn(&self) -> (tokio::process::Child, TempDir) {
        let dir = tempfile::tempdir().expect("tempdir");
        for sub in ["home", "workspace", "workflow", "file_commands"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
        }
        for file in [
            "set_output_1",
            "step_summary_1",
            "set_env_1",
            "add_path_1",
            "save_state_1",
        ] {
            std::fs::write(dir.path().join("file_commands").join(file), "")
                .expect("file command file");
        }
        std::fs::write(dir.path().join("workflow/event.json"), "{}").expect("event");
        for (path, contents) in &self.files {
            let path = dir.path().join("workspace").join(path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, contents).expect("workspace file");
        }
        let mut command = tokio::process::Command::new(&self.binary);
        command.env_clear();
        match (&self.image, &self.composite) {
            (None, Some(run)) => {
                let script = dir.path().join("run-step.sh");
                std::fs::write(&script, &run.script).expect("the run step's script");
                command = tokio::process::Command::new("bash");
                command
                    .env_clear()
                    .args(["--noprofile", "--norc", "-eo", "pipefail"])
                    .arg(script)
                    .envs(self.environment(dir.path()))
                    .current_dir(dir.path().join("workspace"));
            }
            (None, None) => {
                command
                    .envs(self.environment(dir.path()))
                    .current_dir(dir.path().join("workspace"));
            }
            (Some(image), _) => {
                let env = self.environment(Path::new("/github"));
                command.args([
                    "run",
                    "--name",
                    &container_name(&dir),
                    "--workdir",
                    "/github/workspace",
                    "--rm",
                ]);
                for (key, _) in &env {
                    command.args(["-e", key]);
                }
                command.args([
                    "-e",
                    "GITHUB_ACTIONS=true",
                    "-e",
                    "CI=true",
                    "--network=host",
                ]);
                for sub in ["home", "workflow", "file_commands", "workspace"] {
                    command.args([
                        "-v",
                        &format!("{}:/github/{sub}", dir.path().join(sub).display()),
                    ]);
                }
                command.arg(image).envs(env);
                // The engine itself needs a PATH; -e KEY passes only the listed names on.
                command.env("PATH", std::env::var("PATH").unwrap_or_default());
            }
        }
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the action binary starts");
        (child, dir)
    }

    pub async fn run(self) -> Ran {
        let (child, dir) = self.spawn();
        Ran::collect(child, dir).await
    }
}

/// Reads one of the step's streams line by line (each line with its `\n`) into `lines`, marked
/// as stdout or not, until the stream ends.
async fn read_lines<R: tokio::io::AsyncRead + Unpin>(
    stream: Option<R>,
    is_stdout: bool,
    lines: std::sync::Arc<std::sync::Mutex<Vec<(bool, String)>>>,
) {
    use tokio::io::AsyncBufReadExt;
    let Some(stream) = stream else { return };
    let mut reader = tokio::io::BufReader::new(stream);
    let mut line = Vec::new();
    while reader
        .read_until(b'\n', &mut line)
        .await
        .is_ok_and(|n| n > 0)
    {
        let text = String::from_utf8_lossy(&line).into_owned();
        lines.lock().expect("lines").push((is_stdout, text));
        line.clear();
    }
}

/// Reads the running step's stderr until a line contains `needle` (at most [`STEP_BOUND`]),
/// and returns what it read; [`Ran::collect`] then reads the rest. Byte by byte, so that nothing
/// beyond that line is taken from the pipe.
pub async fn until_logged(child: &mut tokio::process::Child, needle: &str) -> String {
    use tokio::io::AsyncReadExt;
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let mut seen = Vec::new();
    let read = async {
        let mut byte = [0u8; 1];
        loop {
            let n = stderr.read(&mut byte).await.expect("stderr reads");
            assert!(n > 0, "the step ended without logging {needle:?}");
            seen.push(byte[0]);
            if byte[0] == b'\n'
                && String::from_utf8_lossy(&seen)
                    .lines()
                    .last()
                    .is_some_and(|l| l.contains(needle))
            {
                return;
            }
        }
    };
    tokio::time::timeout(STEP_BOUND, read)
        .await
        .unwrap_or_else(|_| panic!("no log line with {needle:?} within {STEP_BOUND:?}"));
    child.stderr = Some(stderr);
    String::from_utf8_lossy(&seen).into_owned()
}

/// The name of the container that runs a step in `dir` (see [`Step::in_container`]).
pub fn container_name(dir: &TempDir) -> String {
    let unique = dir
        .path()
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .to_lowercase();
    format!(
        "tooljet-gitsync-test{}",
        unique.replace(|c: char| !c.is_ascii_alphanumeric(), "-")
    )
}

/// A workflow command found in the step's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub name: String,
    pub properties: BTreeMap<String, String>,
    pub data: String,
}

/// What a finished step left behind.
#[derive(Debug)]
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// Every line of stdout and stderr in the order they arrived, as the runner's log shows
    /// them (stdout is line-buffered, stderr unbuffered, so lines arrive as written).
    lines: Vec<String>,
    /// `GITHUB_OUTPUT` parsed by the runner's rules; `Err` is the runner's failure message.
    pub outputs: Result<BTreeMap<String, String>, String>,
    pub summary: String,
    _dir: TempDir,
}

/// How long a step may run before the test gives up on it: a hang fails the test instead of
/// stalling the suite. Not a timing claim; every step here ends in seconds.
pub const STEP_BOUND: std::time::Duration = std::time::Duration::from_secs(120);

impl Ran {
    /// Waits for the step to end (at most [`STEP_BOUND`]) and reads what it left behind.
    pub async fn collect(mut child: tokio::process::Child, dir: TempDir) -> Self {
        let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let stdout = read_lines(child.stdout.take(), true, lines.clone());
        let stderr = read_lines(child.stderr.take(), false, lines.clone());
        // Read while the step runs, or a full pipe would stall it; in arrival order.
        let finished = async {
            let (status, (), ()) = tokio::join!(child.wait(), stdout, stderr);
            status.expect("the action binary runs")
        };
        let status = tokio::time::timeout(STEP_BOUND, finished)
            .await
            .unwrap_or_else(|_| panic!("the step did not end within {STEP_BOUND:?}"));
        let lines: Vec<(bool, String)> = std::mem::take(&mut *lines.lock().expect("lines"));
        let stream = |from_stdout: bool| -> String {
            lines
                .iter()
                .filter(|(out, _)| *out == from_stdout)
                .map(|(_, line)| line.as_str())
                .collect()
        };
        let read = |file: &str| {
            std::fs::read_to_string(dir.path().join("file_commands").join(file)).unwrap_or_default()
        };
        Self {
            code: status.code().unwrap_or(-1),
            stdout: stream(true),
            stderr: stream(false),
            lines: lines.into_iter().map(|(_, line)| line).collect(),
            outputs: parse_output_file(&read("set_output_1")),
            summary: read("step_summary_1"),
            _dir: dir,
        }
    }

    /// Puts back what [`until_logged`] read from stderr before the step was collected.
    pub fn with_earlier_stderr(mut self, seen: &str) -> Self {
        self.stderr.insert_str(0, seen);
        let earlier = seen.split_inclusive('\n').map(str::to_owned);
        self.lines.splice(0..0, earlier);
        self
    }

    /// Asserts the step's exit code, showing the whole log when it differs.
    pub fn assert_exit(&self, code: i32) {
        assert_eq!(self.code, code, "exit code\n{}", self.log());
    }

    /// Asserts that the one `::error::` annotation says `text`.
    pub fn assert_error_contains(&self, text: &str) {
        let error = self.error();
        assert!(error.contains(text), "the error lacks {text:?}: {error}");
    }

    /// An output's value; panics if the output file was invalid or lacks it.
    pub fn output(&self, name: &str) -> &str {
        let outputs = self
            .outputs
            .as_ref()
            .expect("GITHUB_OUTPUT parses by the runner's rules");
        outputs
            .get(name)
            .unwrap_or_else(|| panic!("no output {name:?} in {outputs:?}"))
    }

    /// Workflow commands in stdout and stderr, in the order they arrived.
    pub fn commands(&self) -> Vec<Command> {
        self.log_lines().filter_map(parse_command).collect()
    }

    pub fn annotations(&self, level: &str) -> Vec<Command> {
        self.commands()
            .into_iter()
            .filter(|c| c.name == level)
            .collect()
    }

    /// The one `::error::` annotation's message.
    pub fn error(&self) -> String {
        let errors = self.annotations("error");
        assert_eq!(
            errors.len(),
            1,
            "expected one error annotation\n{}",
            self.log()
        );
        errors[0].data.clone()
    }

    pub fn masks(&self) -> Vec<String> {
        self.commands()
            .into_iter()
            .filter(|c| c.name == "add-mask")
            .map(|c| c.data)
            .collect()
    }

    /// Lines the runner would show, split as .NET's ReadLine does.
    pub fn log_lines(&self) -> impl Iterator<Item = &str> {
        self.lines
            .iter()
            .flat_map(|line| line.split(['\n', '\r']))
            .filter(|l| !l.is_empty())
    }

    pub fn log(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}--- stderr\n{}--- summary\n{}",
            self.code, self.stdout, self.stderr, self.summary
        )
    }

    /// Asserts that `secret` shows nowhere a person could read it: every log line except the
    /// runner-consumed `::add-mask::` commands, the outputs and the summary.
    pub fn assert_hidden(&self, secret: &str) {
        for line in self.log_lines() {
            let is_mask = line.trim_start().starts_with("::add-mask::");
            assert!(
                is_mask || !line.contains(secret),
                "secret shown in log line {line:?}"
            );
        }
        assert!(
            !self.summary.contains(secret),
            "secret shown in the summary"
        );
        if let Ok(outputs) = &self.outputs {
            assert!(
                outputs.values().all(|v| !v.contains(secret)),
                "secret in an output"
            );
        }
    }
}

fn unescape_data(text: &str) -> String {
    text.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%25", "%")
}

fn unescape_property(text: &str) -> String {
    text.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

/// The runner's `ActionCommand.TryParseV2`: `::name k=v,k2=v2::data` after leading whitespace.
fn parse_command(line: &str) -> Option<Command> {
    let rest = line.trim_start().strip_prefix("::")?;
    let (info, data) = rest.split_once("::")?;
    let (name, props) = info.split_once(' ').unwrap_or((info, ""));
    let properties = props
        .trim()
        .split(',')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.to_lowercase(), unescape_property(v)))
        .collect();
    Some(Command {
        name: name.to_lowercase(),
        properties,
        data: unescape_data(data),
    })
}

/// The runner's parser for `GITHUB_OUTPUT` on Linux (`FileCommandManager.EnvFileKeyValuePairs`).
pub fn parse_output_file(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut outputs = BTreeMap::new();
    let lines: Vec<&str> = text.split('\n').collect();
    let mut i = 0;
    // A trailing newline leaves one empty last element that is not a line.
    let count = if text.ends_with('\n') {
        lines.len() - 1
    } else {
        lines.len()
    };
    while i < count {
        let line = lines[i];
        i += 1;
        if line.is_empty() {
            continue;
        }
        let equals = line.find('=');
        let heredoc = line.find("<<");
        match (equals, heredoc) {
            (Some(e), h) if h.is_none_or(|h| e < h) => {
                outputs.insert(line[..e].to_owned(), line[e + 1..].to_owned());
            }
            (_, Some(h)) => {
                let (name, delimiter) = (&line[..h], &line[h + 2..]);
                if name.is_empty() || delimiter.is_empty() {
                    return Err(format!(
                        "Invalid format '{line}'. Name must not be empty and delimiter must not be empty"
                    ));
                }
                let mut value = Vec::new();
                loop {
                    if i >= count {
                        return Err(if i < lines.len() && !lines[i].is_empty() {
                            "Invalid value. EOF marker missing new line.".to_owned()
                        } else {
                            format!("Invalid value. Matching delimiter not found '{delimiter}'")
                        });
                    }
                    let next = lines[i];
                    i += 1;
                    if next == delimiter {
                        break;
                    }
                    value.push(next);
                }
                outputs.insert(name.to_owned(), value.join("\n"));
            }
            _ => return Err(format!("Invalid format '{line}'")),
        }
    }
    Ok(outputs)
}

impl Ran {
    /// The log as GitHub shows it: masks applied, `::add-mask::` consumed, annotations
    /// rendered as `Error:` / `Warning:` / `Notice:` lines, groups as a `▶ title` line with
    /// their lines indented under it.
    pub fn rendered_log(&self) -> Vec<String> {
        let masks = self.masks();
        let mask = |text: &str| {
            masks.iter().fold(text.to_owned(), |text, secret| {
                text.replace(secret.as_str(), "***")
            })
        };
        let mut in_group = false;
        let mut lines = Vec::new();
        for line in self.log_lines() {
            let rendered = match parse_command(line) {
                Some(c) if c.name == "add-mask" => continue,
                Some(c) if c.name == "group" => {
                    in_group = true;
                    format!("▶ {}", c.data)
                }
                Some(c) if c.name == "endgroup" => {
                    in_group = false;
                    continue;
                }
                Some(c) if ["error", "warning", "notice"].contains(&c.name.as_str()) => {
                    let label = format!("{}{}", c.name[..1].to_uppercase(), &c.name[1..]);
                    let title = c
                        .properties
                        .get("title")
                        .map(|t| format!("{t}: "))
                        .unwrap_or_default();
                    format!("{label}: {title}{}", c.data)
                }
                _ if in_group => format!("    {line}"),
                _ => line.to_owned(),
            };
            lines.push(mask(&rendered));
        }
        lines
    }
}
