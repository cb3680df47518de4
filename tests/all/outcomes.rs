//! One outcome rule for every request of every step program: each step of each operation is
//! answered with each kind of fault, and the step's outcome, its retries and its hint are what
//! the rule says. A request is retried when its failure can pass and sending it again cannot
//! act twice; otherwise a write that may have been acted on is `unknown`, a read that fails
//! after a write went through is `unknown`, and the rest is `failure`.

use std::time::Duration;

use harness::tooljet::{APP_ID, FakeToolJet, INVENTORY_CO_RELATION_ID, Injected, ORG_ID, World};

use crate::support::{Ran, Step, configure_git, create_orders, fake, step};

/// What a request does, as the rule judges it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A read before any write.
    Read,
    /// A read after a write of the same app went through.
    ReadAfterWrite,
    /// A read the step can do without: `deploy`'s read of what is live, and a version's
    /// content read to say what changes in the app.
    LiveRead,
    /// A write that leaves ToolJet the same when sent twice (pull, release).
    Idempotent,
    /// A write that could act twice (push, create, save, promote, configure-git).
    Once,
}

/// Each kind of fault, injected once at one request.
#[derive(Debug, Clone, Copy)]
enum Fault {
    /// A gateway's HTML error page.
    Page(u16),
    /// A 502 or 504 in ToolJet's JSON shape.
    Json(u16),
    /// ToolJet's own 503: busy, refused before acting.
    Busy,
    /// The connection dropped after the request was sent.
    Dropped,
    /// 2xx that is not JSON.
    NotJson,
    /// 2xx JSON cut short.
    Cut,
    /// ToolJet refused it (400).
    Refused,
}

const FAULTS: [Fault; 10] = [
    Fault::Page(502),
    Fault::Page(503),
    Fault::Page(504),
    Fault::Json(502),
    Fault::Json(504),
    Fault::Busy,
    Fault::Dropped,
    Fault::NotJson,
    Fault::Cut,
    Fault::Refused,
];

impl Fault {
    fn inject(self) -> Injected {
        match self {
            Self::Page(status) => Injected::Page {
                status,
                title: format!("{status} Gateway Error"),
            },
            Self::Json(status) => Injected::Status {
                status,
                retry_after: Some("0".to_owned()),
                message: None,
            },
            Self::Busy => Injected::Status {
                status: 503,
                retry_after: Some("0".to_owned()),
                message: None,
            },
            Self::Dropped => Injected::Drop,
            Self::NotJson => Injected::Plain {
                status: 200,
                body: "ok".to_owned(),
            },
            Self::Cut => Injected::Json {
                status: 201,
                body: "{\"id\":\"0f5f".to_owned(),
            },
            Self::Refused => Injected::Status {
                status: 400,
                retry_after: None,
                message: Some("Refused for the test".to_owned()),
            },
        }
    }

    /// It can pass by itself: the same request may do better a moment later.
    fn passes(self) -> bool {
        matches!(
            self,
            Self::Page(_) | Self::Json(_) | Self::Busy | Self::Dropped
        )
    }

    /// The request may have reached ToolJet and been acted on.
    fn maybe_acted(self) -> bool {
        !matches!(self, Self::Busy | Self::Refused)
    }
}

/// What the rule says of a step whose request in `role` met `fault` once: retried (and so the
/// step succeeds), or the outcome it ends with.
fn expected(role: Role, fault: Fault) -> (bool, &'static str) {
    let retried = fault.passes() && (!fault.maybe_acted() || role != Role::Once);
    let outcome = match role {
        _ if retried => "success",
        Role::LiveRead => "success",
        Role::Read => "failure",
        Role::ReadAfterWrite => "unknown",
        Role::Idempotent | Role::Once if fault.maybe_acted() => "unknown",
        Role::Idempotent | Role::Once => "failure",
    };
    (retried, outcome)
}

/// Runs `program` (its requests in `roles`, in order) with each fault at each request.
async fn each_fault_at_each_request(
    name: &str,
    roles: &[Role],
    setup: impl Fn(&FakeToolJet),
    program: impl Fn(&FakeToolJet) -> Step,
) {
    for (at, role) in roles.iter().enumerate() {
        for fault in FAULTS {
            let fake = fake().await;
            setup(&fake);
            let mut injected = vec![Injected::Delay(Duration::ZERO); at];
            injected.push(fault.inject());
            fake.inject(injected);
            let ran = program(&fake).with("retries", "1").run().await;
            let (retried, outcome) = expected(*role, fault);
            let case = format!("{name}, request {at} ({role:?}), {fault:?}");
            assert_eq!(ran.output("outcome"), outcome, "{case}\n{}", ran.log());
            assert_eq!(retries(&ran), usize::from(retried), "{case}\n{}", ran.log());
            match outcome {
                "success" => ran.assert_exit(0),
                _ => ran.assert_exit(1),
            }
            if outcome == "unknown" {
                let error = ran.error();
                assert!(
                    error.contains("before re-running") || error.contains("check the app"),
                    "{case}: the hint says to look first: {error}"
                );
            }
        }
    }
}

fn retries(ran: &Ran) -> usize {
    ran.annotations("warning")
        .iter()
        .filter(|w| w.properties["title"] == "Retried")
        .count()
}

fn deploy(fake: &FakeToolJet, version: &str) -> Step {
    step("deploy", fake)
        .with("app-name", "Inventory")
        .with("organization-id", ORG_ID)
        .with("version-name", version)
}

fn nothing(_: &FakeToolJet) {}

#[tokio::test(flavor = "multi_thread")]
async fn push() {
    each_fault_at_each_request("push", &[Role::Once], nothing, |fake| {
        step("push", fake)
            .with("app-id", APP_ID)
            .with("version-id", "v1")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn create() {
    each_fault_at_each_request("create", &[Role::Once], nothing, create_orders).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn configure_git_() {
    let key = "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----";
    each_fault_at_each_request("configure-git", &[Role::Once], nothing, |fake| {
        configure_git(fake, key)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn pull() {
    each_fault_at_each_request("pull", &[Role::Idempotent], nothing, |fake| {
        step("pull", fake).with("app-id", APP_ID)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn save_version() {
    each_fault_at_each_request("save-version", &[Role::Once], nothing, |fake| {
        step("save-version", fake)
            .with("app-id", APP_ID)
            .with("version-name", "v9")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn release() {
    each_fault_at_each_request("release", &[Role::Idempotent], nothing, |fake| {
        step("release", fake)
            .with("app-id", APP_ID)
            .with("version-name", "v1")
    })
    .await;
}

/// An app whose newest saved version is in development, so that promote has somewhere to go.
fn promotable(fake: &FakeToolJet) {
    let mut world = fake.world();
    let app = world.apps.iter_mut().find(|app| app.id == APP_ID).unwrap();
    app.versions.retain(|version| !version.draft);
    app.versions.push(harness::tooljet::Version::new(
        "5e0d7c6b-5a49-4382-9170-fedcba987699",
        "v2",
        false,
        0,
    ));
    drop::<std::sync::MutexGuard<'_, World>>(world);
}

#[tokio::test(flavor = "multi_thread")]
async fn promote() {
    each_fault_at_each_request("promote", &[Role::Once], promotable, |fake| {
        step("promote", fake).with("app-id", APP_ID)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn deploy_of_a_new_version() {
    use Role::*;
    let roles = [Read, LiveRead, Idempotent, Once, Idempotent];
    each_fault_at_each_request("deploy v3", &roles, nothing, |fake| deploy(fake, "v3")).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn deploy_that_imports_the_app() {
    use Role::*;
    // The listing, the import, the save of its draft, the release.
    let roles = [Read, Once, Once, Idempotent];
    each_fault_at_each_request("deploy import", &roles, nothing, |fake| {
        step("deploy", fake)
            .with("app-name", "Orders")
            .with("organization-id", ORG_ID)
            .with("version-name", "v1")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn deploy_of_a_tag_pulled_as_it_is_released() {
    use Role::*;
    let roles = [Read, LiveRead, Idempotent, ReadAfterWrite];
    let tag = format!("{INVENTORY_CO_RELATION_ID}/v5");
    each_fault_at_each_request(
        "deploy tag",
        &roles,
        |fake| {
            fake.world().add_tag(INVENTORY_CO_RELATION_ID, "v5");
        },
        |fake| {
            step("deploy", fake)
                .with("app-name", "Inventory")
                .with("organization-id", ORG_ID)
                .with("git-tag", &tag)
        },
    )
    .await;
}

const MANIFEST: &str =
    "instances:\n  production:\n    workspace: Acme\n    apps:\n      Inventory: v0\n";

#[tokio::test(flavor = "multi_thread")]
async fn apply_after_drift() {
    use Role::*;
    // apply writes nothing for an app whose live version it could not read: a plain read. The
    // live version's content, read to say what changes, it can do without.
    let roles = [Read, Read, Read, LiveRead, Idempotent];
    each_fault_at_each_request(
        "apply",
        &roles,
        |fake| {
            fake.world().add_version(APP_ID, "v0");
        },
        |fake| step("apply", fake).workspace_file("tooljet.yml", MANIFEST),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn check() {
    use Role::*;
    // A check cannot go on without what is live: its export read is a plain read.
    let roles = [Read, Read, Read];
    each_fault_at_each_request("check", &roles, nothing, |fake| {
        step("check", fake).workspace_file("tooljet.yml", MANIFEST)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_connection_is_retried_for_any_request_and_fails_when_it_lasts() {
    for operation in ["push", "pull"] {
        let ran = crate::support::push_v1_to(crate::support::REFUSED_URL)
            .with("operation", operation)
            .with("retries", "1")
            .run()
            .await;
        ran.assert_exit(1);
        assert_eq!(
            ran.output("outcome"),
            "failure",
            "{operation}: nothing was sent"
        );
        assert_eq!(retries(&ran), 1, "{operation}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_timeout_after_sending_is_unknown_for_a_write_and_retried_for_a_read() {
    let fake = fake().await;
    fake.inject([Injected::Delay(Duration::from_secs(30))]);
    let ran = step("push", &fake)
        .with("app-id", APP_ID)
        .with("version-id", "v1")
        .with("timeout-seconds", "1")
        .run()
        .await;
    assert_eq!(ran.output("outcome"), "unknown");
    assert_eq!(retries(&ran), 0, "a push is never sent twice");
    let fake = fake_timing_out_once().await;
    let ran = deploy(&fake, "v1").with("timeout-seconds", "1").run().await;
    ran.assert_exit(0);
    assert_eq!(retries(&ran), 1, "the listing is read again");
}

async fn fake_timing_out_once() -> FakeToolJet {
    let fake = fake().await;
    fake.inject([Injected::Delay(Duration::from_secs(30))]);
    fake
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_that_could_not_be_made_is_a_failure_never_retried() {
    let fake = fake().await;
    let long = "a".repeat(70_000);
    let ran = step("pull", &fake).with("app-id", &long).run().await;
    ran.assert_exit(1);
    assert_eq!(ran.output("outcome"), "failure");
    assert_eq!(retries(&ran), 0);
    ran.assert_error_contains("the request could not be made, so nothing was sent");
    assert!(fake.requests().is_empty());
}
