//! A pull request's `tooljet.yml`, read by a trusted workflow beside production's token: a
//! hostile file ends the step with a clear error and its outputs, before any request; it never
//! crashes it, exhausts it, or makes it show part of a secret.

use crate::support::{fake, step};

/// Runs `check` on `manifest`, which must be refused with `error` before any request.
async fn refused(manifest: &str, error: &str) {
    let fake = fake().await;
    let ran = step("check", &fake)
        .workspace_file("tooljet.yml", manifest)
        .run()
        .await;
    ran.assert_exit(2);
    ran.assert_error_contains(error);
    assert_eq!(ran.output("outcome"), "failure");
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
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
        "tooljet.yml, line 2, `b`: repeats more than 64 KiB of text with YAML aliases",
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
