//! The action's entry point: read inputs, mask secrets, run the operation, report.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use tooljet_gitsync_action::environment::{RunContext, env_var};
use tooljet_gitsync_action::github::{GitHub, Level, Report};
use tooljet_gitsync_action::inputs::flags::{self, ArgError, Command};
use tooljet_gitsync_action::inputs::{self, Config, RawInputs};
use tooljet_gitsync_action::redact::Secrets;
use tooljet_gitsync_action::tooljet::{Client, proxy};
use tooljet_gitsync_action::{help, logging, run, signals};

/// Exit codes: 0 success, 1 ToolJet or network failure, 2 invalid input, 130/143 cancelled.
const FAILED: u8 = 1;
const INVALID_INPUT: u8 = 2;

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
    let github = GitHub::from_vars(&vars);
    let panics = github.report_panics();
    let from_flags = match flags::parse(std::env::args().skip(1)) {
        Ok(Command::Help) => {
            print!("{}", help::help());
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            println!("{}", help::version());
            return ExitCode::SUCCESS;
        }
        Ok(Command::Run(from_flags)) => from_flags,
        Err(err) => {
            let how = match &err {
                ArgError::Input(err) => err.how_to_set(),
                ArgError::Unknown { .. } => String::new(),
            };
            github.input_error(None, &with_how(&github, err.to_string(), how));
            return ExitCode::from(INVALID_INPUT);
        }
    };
    // Flags first, checked against the variables as they were set.
    let vars = match flags::with_flags(vars, from_flags).and_then(inputs::with_runner_names) {
        Ok(vars) => vars,
        Err(err) => {
            github.input_error(None, &with_how(&github, err.to_string(), err.how_to_set()));
            return ExitCode::from(INVALID_INPUT);
        }
    };
    let raw = match RawInputs::from_vars(vars.iter().cloned()) {
        Ok(raw) => raw,
        Err(err) => {
            github.input_error(None, &err.to_string());
            return ExitCode::from(INVALID_INPUT);
        }
    };
    let secrets = Arc::new(Secrets::new(
        raw.secrets().into_iter().chain(proxy::credentials(&vars)),
    ));
    github.mask(secrets.values());
    logging::init(env_var(&vars, "RUNNER_DEBUG") == Some("1"));
    // Debug builds only: how the tests check what a panic shows. Release builds lack it.
    #[cfg(debug_assertions)]
    if let Some(message) = env_var(&vars, "TOOLJET_ACTION_PANIC_FOR_TESTS") {
        panic!("{message}");
    }

    let context = RunContext::from_vars(&vars);
    let config = match Config::from_raw(&raw, &context) {
        Ok(config) => config,
        Err(err) => {
            let problem = with_how(&github, err.to_string(), err.how_to_set());
            github.input_error(raw.operation_kind(), &problem);
            return ExitCode::from(INVALID_INPUT);
        }
    };
    for input in inputs::unused(&vars, config.kind) {
        github.commands.annotate(
            Level::Warning,
            "Input not used",
            &format!(
                "`{input}` is not used by `{}` and was ignored; remove it, or check the operation.",
                config.kind
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
        None => ExitCode::from(FAILED),
    }
}

/// Off GitHub Actions, an input error also says which flag or variable sets the input: there
/// is no `with:` there.
fn with_how(github: &GitHub, problem: String, how: String) -> String {
    match github.commands.on_github {
        true => problem,
        false => format!("{problem}. {how}"),
    }
}
