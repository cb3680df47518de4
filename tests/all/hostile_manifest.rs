//! A pull request's `tooljet.yml`, read by a trusted workflow beside production's token: a
//! hostile file ends the step with a clear error and its outputs, before any request; it never
//! crashes it, exhausts it, or makes it show part of a secret.

use crate::support::{Ran, fake, step};

/// Runs `check` on `manifest`, which must be refused with `error` before any request.
async fn refused(manifest: &str, error: &str) -> Ran {
    let fake = fake().await;
    let ran = step("check", &fake)
        .workspace_file("tooljet.yml", manifest)
        .run()
        .await;
    ran.assert_exit(2);
    ran.assert_error_contains(error);
    assert_eq!(ran.output("outcome"), "failure");
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
    ran
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_thousand_levels_of_nesting_are_refused_not_a_stack_overflow() {
    for deep in ["- ", "? ", "["] {
        let manifest = format!("{}v1\n", deep.repeat(20_000));
        refused(&manifest, "tooljet.yml, line 1").await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn aliases_to_a_large_scalar_are_refused_before_they_fill_the_memory() {
    let mut manifest = format!("a: &big {}\nb: [", "x".repeat(512 * 1024));
    manifest.push_str(&"*big, ".repeat(31_000));
    manifest.push_str("]\n");
    refused(
        &manifest,
        "tooljet.yml, line 2, `b:`: repeats more than 64 KiB of text with YAML aliases",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_saved_with_a_byte_order_mark_is_read() {
    let fake = fake().await;
    let manifest =
        "\u{feff}instances:\n  production:\n    workspace: Acme\n    apps:\n      Inventory: v1\n";
    let ran = step("check", &fake)
        .workspace_file("tooljet.yml", manifest)
        .run()
        .await;
    ran.assert_exit(0);
    assert_eq!(ran.output("in-sync"), "true");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_app_named_twice_beyond_ascii_case_is_refused_before_anything_is_applied() {
    let manifest = "instances:\n  production:\n    workspace: Acme\n    apps:\n      Über: v1\n      über: v2\n";
    refused(
        manifest,
        "tooljet.yml, line 6, `instances.production.apps.über`: is listed twice: `Über` on line 5",
    )
    .await;
}

/// A token as the README makes one (`openssl rand -hex 32`), pasted into the manifest.
const TOKEN: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

/// Asserts that no 16 characters of [`TOKEN`] in a row are anywhere the step wrote, on GitHub
/// or off it: the log (but the masks), the summary as written and as Markdown renders it, the
/// outputs and the dotenv report. Returns everything it looked at.
fn assert_no_part_of_the_token(ran: &Ran, dotenv: &std::path::Path) -> String {
    let log: Vec<&str> = ran
        .log_lines()
        .filter(|line| !line.trim_start().starts_with("::add-mask::"))
        .collect();
    let outputs = ran
        .outputs
        .as_ref()
        .map(|outputs| outputs.values().cloned().collect::<Vec<_>>().join("\n"))
        .unwrap_or_default();
    let everything = [
        log.join("\n"),
        ran.summary.clone(),
        ran.summary.replace('\\', ""),
        outputs,
        std::fs::read_to_string(dotenv).unwrap_or_default(),
    ]
    .join("\n");
    let chars: Vec<char> = TOKEN.chars().collect();
    for part in chars.windows(16) {
        let part: String = part.iter().collect();
        assert!(
            !everything.contains(&part),
            "{part} shown in:\n{everything}"
        );
    }
    everything
}

/// `tooljet.yml` with the token as the instance's name and as two apps' names, one of them
/// longer than the 60 characters names were once cut to.
fn with_the_token_as_names(apps_extra: &str) -> String {
    format!(
        "instances:\n  {TOKEN}:\n    workspace: Acme\n    apps:\n      {TOKEN}: v1\n      \
         Inventory-{TOKEN}: v1\n{apps_extra}"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_pasted_as_names_is_never_shown_in_whole_or_in_part() {
    let fake = crate::support::fake_with(harness::tooljet::Settings {
        token: TOKEN.to_owned(),
        ..harness::tooljet::Settings::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let dotenv = dir.path().join("out.env");
    let runs = [
        // Planned: each app's row, the plan's requests, the log, `results`, the dotenv report.
        (with_the_token_as_names(""), TOKEN, 0),
        // Refused at a key holding the token past its 60th character.
        (
            with_the_token_as_names(&format!("      Orders-{TOKEN}: has space\n")),
            TOKEN,
            2,
        ),
        // Refused: `instance` names none of the manifest's.
        (with_the_token_as_names(""), "production", 2),
    ];
    for on_github in [true, false] {
        for (manifest, instance, code) in &runs {
            let mut step = step("apply", &fake)
                .with("access-token", TOKEN)
                .with("dry-run", "true")
                .with("instance", instance)
                .workspace_file("tooljet.yml", manifest)
                .env("RUNNER_DEBUG", "1")
                .env("TOOLJET_DOTENV", &dotenv.display().to_string());
            if !on_github {
                step = step.outside_github();
            }
            let ran = step.run().await;
            ran.assert_exit(*code);
            let everything = assert_no_part_of_the_token(&ran, &dotenv);
            assert!(
                everything.contains("***"),
                "the token was there:\n{everything}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn with_150_instances_and_none_named_the_error_still_says_to_name_one() {
    let mut manifest = String::from("instances:\n");
    for n in 0..150 {
        manifest.push_str(&format!(
            "  an-instance-whose-name-is-long-enough-to-fill-a-line-{n:03}:\n    workspace: Acme\n    \
             apps: {{Inventory: v1}}\n"
        ));
    }
    let ran = refused(
        &manifest,
        "tooljet.yml, `instances:`: has 150 instances: name one in `instance` (it has",
    )
    .await;
    let error = ran.error();
    assert!(
        error.ends_with(", and 130 more). Nothing was sent to ToolJet."),
        "{error}"
    );
}
