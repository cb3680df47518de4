//! `cargo run --example demo`: the action, for real, against a local fake ToolJet.
//!
//! Builds the action's binary, starts the fake ToolJet on loopback and runs one workflow step
//! per operation the way the GitHub runner does (push, save-version, release, pull, create,
//! promote, configure-git, then a step with a wrong token), printing for each what the
//! workflow log, the step's outputs and its summary would show.

use std::error::Error;
use std::path::PathBuf;

use harness::runner::Step;
use harness::tooljet::{APP_ID, DRAFT_VERSION_ID, FakeToolJet, GIT_APP_NAME_NEW, ORG_ID, Settings};

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let action = build_action()?;
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
    )
    .await;
    show(
        step("save-version")
            .with("app-id", APP_ID)
            .with("version-name", "v2"),
    )
    .await;
    show(
        step("release")
            .with("app-id", APP_ID)
            .with("version-name", "v2"),
    )
    .await;
    show(
        step("pull")
            .with("app-id", APP_ID)
            .with("git-branch", "main"),
    )
    .await;
    let created = show(
        step("create")
            .with("git-app-name", GIT_APP_NAME_NEW)
            .with("git-branch", "main"),
    )
    .await;
    show(step("promote").with("app-id", &created)).await;
    show(
        step("configure-git")
            .with("git-url", "https://github.com/acme/tooljet-apps.git")
            .with("branch-name", "main")
            .with("github-app-id", "123456")
            .with("github-app-installation-id", "78910")
            .with(
                "github-app-private-key",
                "-----BEGIN RSA PRIVATE KEY-----\\nMIIEdemo\\n-----END RSA PRIVATE KEY-----",
            ),
    )
    .await;
    println!("A failing step: the token is wrong.\n");
    show(
        step("pull")
            .with("app-id", APP_ID)
            .with("access-token", "wrong-token"),
    )
    .await;
    println!("ToolJet received {} requests.", fake.requests().len());
    Ok(())
}

/// Runs one step and prints it; returns the step's `app-id` output.
async fn show(step: Step) -> String {
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
    for (output, value) in ran
        .outputs
        .as_ref()
        .expect("the runner accepts GITHUB_OUTPUT")
    {
        let value: String = value.replace('\n', " ").chars().take(110).collect();
        println!("  {output} = {value}");
    }
    println!("Summary:");
    ran.summary.lines().for_each(|line| println!("  {line}"));
    println!();
    ran.outputs
        .ok()
        .and_then(|o| o.get("app-id").cloned())
        .unwrap_or_default()
}

/// Builds the action's binary with the cargo that runs this example, and finds it.
fn build_action() -> Result<PathBuf, Box<dyn Error>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = std::process::Command::new(cargo)
        .args(["build", "--quiet", "--bin", "tooljet-gitsync-action"])
        .status()?;
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
