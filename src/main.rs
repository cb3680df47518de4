//! The action's entry point: read inputs, mask secrets, run the operation, report.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use tooljet_gitsync_action::diff;
use tooljet_gitsync_action::environment::{RunContext, env_var};
use tooljet_gitsync_action::github::{DiffReport, GitHub, Level, Report, Voice, commands};
use tooljet_gitsync_action::inputs::diff::DiffInputs;
use tooljet_gitsync_action::inputs::flags::{self, ArgError, Command};
use tooljet_gitsync_action::inputs::naming::{Caller, Naming};
use tooljet_gitsync_action::inputs::{self, Config, InputError, RawInputs};
use tooljet_gitsync_action::operation::OperationKind;
use tooljet_gitsync_action::tooljet::{Client, proxy};
use tooljet_gitsync_action::{help, logging, redact, run, signals};

/// Exit codes: 0 success (drift without `fail-on-drift` included; for `diff`, whatever
/// changes), 1 ToolJet or network failure, 2 invalid input, 3 apps out of sync with
/// `fail-on-drift` (and nothing else wrong), 130/143 cancelled.
const FAILED: u8 = 1;
const INVALID_INPUT: u8 = 2;
const DRIFTED: u8 = 3;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let started = Instant::now();
    let vars: Vec<(String, String)> = std::env::vars_os()
        .map(|(k, v)| {
            (
                k.to_string_lossy().into_owned(),
                v.to_string_lossy().into_owned(),
            )
        })
        .collect();
    let caller = Caller::from_vars(&vars);
    // The secrets the environment holds are known before anything can be said.
    let early = redact::learn(inputs::secrets_in(&vars).chain(proxy::credentials(&vars)));
    let github = GitHub::from_vars(&vars, Voice::new(early.clone(), Naming::of(caller)));
    let panics = github.report_panics();
    let args = flags::text(std::env::args_os().skip(1));
    let named = args.as_deref().ok().and_then(flags::operation_named);
    let from_flags = match args.and_then(flags::parse) {
        Ok(Command::Help) => {
            commands::line(true, format_args!("{}", help::help().trim_end()));
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            commands::line(true, format_args!("{}", help::version()));
            return ExitCode::SUCCESS;
        }
        Ok(Command::Run(from_flags)) => from_flags,
        Err(err) => {
            let how = match &err {
                ArgError::Input(err) => github.how_to_set(err),
                _ => String::new(),
            };
            github.input_error(named, &with_how(err.to_string(), how));
            return ExitCode::from(INVALID_INPUT);
        }
    };
    let github = github.speaking(Voice::new(early, Naming::new(caller, &vars, &from_flags)));
    let invalid = |err: InputError, operation| {
        github.input_error(
            operation,
            &with_how(err.to_string(), github.how_to_set(&err)),
        );
        ExitCode::from(INVALID_INPUT)
    };
    // Flags first, checked against the variables as they were set.
    let vars = match flags::with_flags(vars, from_flags).and_then(inputs::with_runner_names) {
        Ok(vars) => vars,
        Err(err) => return invalid(err, named),
    };
    if let Err(err) = unknown_variables(&github, &vars) {
        return invalid(err, inputs::operation_in(&vars));
    }
    let raw = match RawInputs::from_vars(vars.iter().cloned()) {
        Ok(raw) => raw,
        Err(err) => {
            github.input_error(inputs::operation_in(&vars), &err.to_string());
            return ExitCode::from(INVALID_INPUT);
        }
    };
    // A token in the environment is a secret whether it is used or not (an input wins over it).
    let secrets = redact::learn(
        raw.secrets()
            .into_iter()
            .chain(inputs::secrets_in(&vars))
            .chain(proxy::credentials(&vars)),
    );
    let naming = github.commands.voice.naming().clone();
    let github = github.speaking(Voice::new(secrets.clone(), naming));
    github.mask(secrets.values());
    logging::init(env_var(&vars, "RUNNER_DEBUG") == Some("1"));
    // Debug builds only: how the tests check what a panic shows. Release builds lack it.
    #[cfg(debug_assertions)]
    if let Some(message) = env_var(&vars, "TOOLJET_ACTION_PANIC_FOR_TESTS") {
        panic!("{message}");
    }

    let context = RunContext::from_vars(&vars);
    // Two files and no ToolJet: no client is built, nothing can be sent.
    if raw.operation_kind() == Some(OperationKind::Diff) {
        return run_diff(github, &raw, &vars, &context, started);
    }
    let config = match Config::from_raw(&raw, &context) {
        Ok(config) => config,
        Err(err) => {
            let problem = with_how(err.to_string(), github.how_to_set(&err));
            github.input_error(raw.operation_kind(), &problem);
            return ExitCode::from(INVALID_INPUT);
        }
    };
    let mut github = github;
    if let Some(problem) = github.unwritable_destinations().first() {
        github.input_error(Some(config.kind), problem);
        return ExitCode::from(INVALID_INPUT);
    }
    warn_unused(&github, inputs::unused(&vars, config.kind), config.kind);
    for (input, variable) in inputs::fallbacks_not_used(&vars) {
        github.commands.annotate(
            Level::Notice,
            "Variable not used",
            &format!(
                "the {variable} variable is set but not used: `{input}` is given for this step, and \
                 wins over it."
            ),
        );
    }
    if config.connection.skip_tls_verify {
        github.warn_insecure_tls();
    }
    let client = match Client::new(&config.connection, secrets) {
        Ok(client) => Arc::new(client),
        Err(err) => {
            github
                .commands
                .annotate(Level::Error, "Could not start", &format!("{err:#}"));
            return ExitCode::from(FAILED);
        }
    };

    let kind = config.kind;
    let plan = if config.dry_run {
        " (dry run: nothing that changes ToolJet is sent)"
    } else {
        ""
    };
    tracing::info!(
        "{kind}: calling ToolJet at {}{plan}",
        config.connection.base_url
    );
    let config = Arc::new(config);
    panics.requests_may_be_sent();
    let run = run::execute(client, config.clone(), started, signals::cancelled()).await;
    let organization_id = Some(raw.organization_id.trim()).filter(|id| !id.is_empty());
    let outputs_written = github.report(&Report {
        run: &run,
        instance: config.instance.as_deref(),
        tooljet_url: &config.connection.base_url,
        organization_id,
        context: &context,
        elapsed: started.elapsed(),
    });
    match run.cancelled_by() {
        Some(signal) => ExitCode::from(signal.exit_code()),
        // What later steps need is not where they look: the step must not pass.
        None if outputs_written.is_err() => ExitCode::from(FAILED),
        None if run.succeeded() => {
            tracing::info!("{kind}: done in {} ms", started.elapsed().as_millis());
            ExitCode::SUCCESS
        }
        None if run.only_drifted() => ExitCode::from(DRIFTED),
        None => ExitCode::from(FAILED),
    }
}

/// `diff`: the manifest against the base branch's copy, reported; exit 0 whatever changes, 2 for
/// a bad input or manifest, or outputs that cannot be written (1 when writing them fails even so).
fn run_diff(
    mut github: GitHub,
    raw: &RawInputs,
    vars: &[(String, String)],
    context: &RunContext,
    started: Instant,
) -> ExitCode {
    const KIND: OperationKind = OperationKind::Diff;
    if let Some(problem) = github.unwritable_destinations().first() {
        github.input_error(Some(KIND), problem);
        return ExitCode::from(INVALID_INPUT);
    }
    let (connection, unused): (Vec<&str>, Vec<&str>) = inputs::unused(vars, KIND)
        .into_iter()
        .partition(|input| matches!(*input, "tooljet-url" | "access-token"));
    warn_unused(&github, unused, KIND);
    let fallback = ["TOOLJET_HOST", "TOOLJET_ACCESS_TOKEN"];
    if !connection.is_empty() || fallback.iter().any(|name| env_var(vars, name).is_some()) {
        github.connection_not_used();
    }
    let read = match DiffInputs::from_raw(raw, context) {
        Ok(read) => read,
        Err(err) => {
            let problem = with_how(err.to_string(), github.how_to_set(&err));
            github.input_error(Some(KIND), &problem);
            return ExitCode::from(INVALID_INPUT);
        }
    };
    let diff = diff::compare(&read.base, &read.head);
    let report = DiffReport {
        diff: &diff,
        inputs: &read,
        elapsed: started.elapsed(),
    };
    match github.report_diff(&report) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(FAILED),
    }
}

/// A warning for each input set that `kind` does not read.
fn warn_unused(github: &GitHub, unused: Vec<&str>, kind: OperationKind) {
    for input in unused {
        github.commands.annotate(
            Level::Warning,
            "Input not used",
            &format!(
                "input `{input}` is not used by `{kind}` and was ignored; remove it, or check the \
                 operation."
            ),
        );
    }
}

/// An input error, and how the caller sets the input where it says so (not on GitHub, where
/// inputs are under `with:`).
fn with_how(problem: String, how: String) -> String {
    match how.is_empty() {
        true => problem,
        false => format!("{} {how}", commands::sentence(&problem)),
    }
}

/// `INPUT_` variables that are no input: on GitHub, where the runner sets only what `with:` has,
/// a warning; elsewhere a mistyped name (`INPUT_DRYRUN`) would be silently ignored, and what it
/// meant (a dry run) not done, so the step stops before sending anything.
fn unknown_variables(github: &GitHub, vars: &[(String, String)]) -> Result<(), InputError> {
    for (variable, close) in inputs::unknown_variables(vars) {
        let meant = close
            .map(|input| format!("; did you mean `{input}`?"))
            .unwrap_or_default();
        let problem = format!("{variable} is set, but it is no input of this action{meant}");
        if github.commands.on_github {
            github
                .commands
                .annotate(Level::Warning, "Unknown input", &problem);
        } else {
            return Err(InputError::unknown_variable(problem, close));
        }
    }
    Ok(())
}
