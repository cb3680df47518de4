//! `cargo run --example demo`: the action, for real, against a local fake ToolJet.
//!
//! Builds the action's binary, starts the fake ToolJet on loopback and runs one workflow step
//! at a time the way the GitHub runner does: push, save-version, release, pull, create (and a
//! save of the draft it brings), promote, configure-git, two apps by name as a dry-run plan and then for real, a deploy of
//! the version saved above as a plan and then for real, the desired state of a tooljet.yml
//! (check, apply, check again), and a step with a wrong token. For each it prints what the
//! workflow log, the step's outputs and its summary would show, and it fails if any step ends
//! other than expected.
//!
//! `cargo run --example demo -- serve [--port N]` instead starts the fake ToolJet (on port 8089
//! by default), says what it holds and which commands to try against it, and serves until
//! Ctrl-C.

use std::error::Error;
use std::path::PathBuf;

use harness::runner::Step;
use harness::tooljet::{APP_ID, DRAFT_VERSION_ID, FakeToolJet, GIT_APP_NAME_NEW, ORG_ID, Settings};

const PRIVATE_KEY: &str =
    "-----BEGIN RSA PRIVATE KEY-----\\nMIIEdemo\\n-----END RSA PRIVATE KEY-----";

/// The desired state the demo checks and applies: Inventory back at v1 (v2 was deployed above),
/// Orders (imported above) at v1.
const MANIFEST: &str = "instances:\n  production:\n    workspace: Acme\n    apps:\n      \
                        Inventory: v1\n      Orders: v1\n";
/// The base branch's copy, before the change that added Orders: what `diff` compares with.
const BASE_MANIFEST: &str =
    "instances:\n  production:\n    workspace: Acme\n    apps:\n      Inventory: v1\n";

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let action = build_action()?;
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("serve") {
        let port = match (args.next().as_deref(), args.next()) {
            (Some("--port"), Some(port)) => port.parse()?,
            _ => 8089,
        };
        return serve(&action, port).await;
    }
    let fake = FakeToolJet::start(Settings::default()).await?;
    println!(
        "Fake ToolJet (Enterprise, GitSync configured) listening at {}\n",
        fake.url()
    );
    let step =
        |operation: &str| Step::new(&action, operation, &fake).with("organization-id", ORG_ID);
    show(
        step("push")
            .with("app-id", APP_ID)
            .with("version-id", DRAFT_VERSION_ID),
        0,
    )
    .await?;
    show(
        step("save-version")
            .with("app-id", APP_ID)
            .with("version-name", "v2"),
        0,
    )
    .await?;
    show(
        step("release")
            .with("app-id", APP_ID)
            .with("version-name", "v2"),
        0,
    )
    .await?;
    show(
        step("pull")
            .with("app-id", APP_ID)
            .with("git-branch", "main"),
        0,
    )
    .await?;
    let created = show(
        step("create")
            .with("git-app-name", GIT_APP_NAME_NEW)
            .with("git-branch", "main"),
        0,
    )
    .await?;
    // An import brings git's version as a draft: saved, it can be promoted.
    show(
        step("save-version")
            .with("app-id", &created)
            .with("version-name", "v2"),
        0,
    )
    .await?;
    show(step("promote").with("app-id", &created), 0).await?;
    show(
        step("configure-git")
            .with("git-url", "https://github.com/acme/tooljet-apps.git")
            .with("branch-name", "main")
            .with("github-app-id", "123456")
            .with("github-app-installation-id", "78910")
            .with("github-app-private-key", PRIVATE_KEY),
        0,
    )
    .await?;
    println!("Two apps by name: first the plan (dry-run), then for real.\n");
    let both = || step("pull").with("app-name", &format!("Inventory\n{GIT_APP_NAME_NEW}"));
    show(both().with("dry-run", "true"), 0).await?;
    show(both(), 0).await?;
    println!("deploy: make v2 of Inventory live and check it, first the plan, then for real.\n");
    let deploy = || {
        step("deploy")
            .with("app-name", "Inventory")
            .with("version-name", "v2")
    };
    show(deploy().with("dry-run", "true"), 0).await?;
    show(deploy(), 0).await?;
    println!(
        "Desired state: tooljet.yml says Inventory v1 and Orders v1; check it, apply it, check again.\n"
    );
    println!(
        "What the pull request that wrote it changes, against the base branch's copy (which had \
         Inventory v1 only): diff, with no URL and no token.\n"
    );
    show(
        Step::bare(&action)
            .with("operation", "diff")
            .with("base-manifest", "base-tooljet.yml")
            .workspace_file("tooljet.yml", MANIFEST)
            .workspace_file("base-tooljet.yml", BASE_MANIFEST),
        0,
    )
    .await?;
    let desired = |operation: &str| {
        Step::new(&action, operation, &fake).workspace_file("tooljet.yml", MANIFEST)
    };
    show(desired("check"), 0).await?;
    show(desired("apply"), 0).await?;
    show(desired("check").with("fail-on-drift", "true"), 0).await?;
    println!("A failing step: the token is wrong.\n");
    show(
        step("pull")
            .with("app-id", APP_ID)
            .with("access-token", "wrong-token"),
        1,
    )
    .await?;
    println!(
        "Demo finished: ToolJet received {} requests.",
        fake.requests().len()
    );
    Ok(())
}

/// Serves the fake ToolJet on `port` until Ctrl-C, saying what it holds and what to try.
async fn serve(action: &std::path::Path, port: u16) -> Result<(), Box<dyn Error>> {
    let fake = FakeToolJet::start_on(([127, 0, 0, 1], port).into(), Settings::default()).await?;
    let url = fake.url();
    let world = fake.world().clone();
    println!("Fake ToolJet listening at {url}");
    println!(
        "  token: {} (its EXTERNAL_API_ACCESS_TOKEN)",
        Settings::default().token
    );
    for (id, name) in &world.workspaces {
        println!("  workspace {name} ({id})");
        for app in world.apps.iter().filter(|app| app.organization_id == *id) {
            let versions: Vec<String> = app
                .versions
                .iter()
                .map(|version| match (&app.current_version_id, version.draft) {
                    (Some(live), _) if *live == version.id => format!("{} (live)", version.name),
                    (_, true) => format!("{} (draft)", version.name),
                    _ => version.name.clone(),
                })
                .collect();
            println!("    app {} ({}): {}", app.name, app.id, versions.join(", "));
        }
    }
    let imported: Vec<&str> = world
        .repo
        .iter()
        .filter(|repo| !world.apps.iter().any(|app| app.name == repo.name))
        .map(|repo| repo.name.as_str())
        .collect();
    println!("  in git, not imported yet: {}", imported.join(", "));
    let deploy = format!(
        "{} deploy --tooljet-url {url} --workspace Acme --app-name Inventory --version-name v2",
        action.display()
    );
    println!("\nTry, in another shell:\n  export TOOLJET_ACCESS_TOKEN=test-token");
    println!("  {deploy} --dry-run   # the plan");
    println!("  {deploy}             # pull, save v2, release it, check it");
    println!("  {deploy}             # v2 is live already: no write");
    println!("\nServing until Ctrl-C.");
    harness::until_stopped().await?;
    Ok(())
}

/// Runs one step and prints it; returns the step's `app-id` output. Fails if the step's exit
/// code is not `expected`.
async fn show(step: Step, expected: i32) -> Result<String, Box<dyn Error>> {
    let (name, ran) = (step.input("operation"), step.run().await);
    println!(
        "━━━ uses: tooljet-gitsync-action  with: operation: {name}  (exit code {})",
        ran.code
    );
    println!("Log:");
    ran.rendered_log()
        .iter()
        .for_each(|line| println!("  {line}"));
    println!("Outputs:");
    let outputs = ran
        .outputs
        .as_ref()
        .map_err(|err| format!("the runner would refuse GITHUB_OUTPUT: {err}"))?;
    for (output, value) in outputs {
        let value = value.replace('\n', " ⏎ ");
        match value.chars().count() {
            count @ 111.. => println!(
                "  {output} = {} … [{count} characters in all]",
                value.chars().take(110).collect::<String>(),
            ),
            _ => println!("  {output} = {value}"),
        }
    }
    println!("Summary:");
    ran.summary.lines().for_each(|line| println!("  {line}"));
    println!();
    if ran.code != expected {
        return Err(format!("the {name} step exited {} instead of {expected}", ran.code).into());
    }
    Ok(outputs.get("app-id").cloned().unwrap_or_default())
}

/// What `cargo run` sets for the program it runs, beside `CARGO_PKG_*`.
const RUN_VARIABLES: [&str; 7] = [
    "OUT_DIR",
    "CARGO_TARGET_TMPDIR",
    "CARGO_MANIFEST_DIR",
    "CARGO_MANIFEST_PATH",
    "CARGO_CRATE_NAME",
    "CARGO_BIN_NAME",
    "CARGO_PRIMARY_PACKAGE",
];

/// Builds the action's binary with the cargo that runs this example, and finds it.
fn build_action() -> Result<PathBuf, Box<dyn Error>> {
    println!("Building the action's binary (cargo build; quick when it is up to date)…");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    // With the example in the same build, the binary gets the features the example's and the
    // tests' builds unify (dev-dependencies on), so neither build recompiles what the other made.
    let mut build = std::process::Command::new(cargo);
    build.args([
        "build",
        "--quiet",
        "--bin",
        "tooljet-gitsync-action",
        "--example",
        "demo",
    ]);
    // `cargo run` gives this process the package's own variables; a build script that watches
    // one (ring's watches CARGO_MANIFEST_DIR and OUT_DIR) would run again, and everything above it rebuild,
    // once here and once more in the next build from a shell.
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if RUN_VARIABLES.contains(&name.as_ref()) || name.starts_with("CARGO_PKG_") {
            build.env_remove(name.as_ref());
        }
    }
    let status = build.status()?;
    if !status.success() {
        return Err("building the action failed".into());
    }
    // This example runs from target/<profile>/examples/; the binary is in target/<profile>/.
    let exe = std::env::current_exe()?;
    let binary = exe
        .parent()
        .and_then(|examples| examples.parent())
        .ok_or("no target directory")?;
    Ok(binary.join("tooljet-gitsync-action"))
}
