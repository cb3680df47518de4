//! Runs the fake ToolJet on loopback until SIGTERM or SIGINT, for the container and act tests.
//!
//! Usage: fake-tooljet [--port N] [--token T] [--sub-path /p] [--community] [--unlicensed]
//!                     [--disabled] [--singular-org-git] [--no-export] [--html] [--delay-ms N]
//!                     [--apps N] [--export-kb N] [--endless-export] [--content-changes]
//! `--apps N` adds N apps, `App 1` to `App N`, each with a released `v1` and a draft;
//! `--export-kb N` makes each app's export carry N KB of definition; `--content-changes` makes
//! Inventory's draft differ from its live `v1` (pages, a component, a query's data source, data
//! source options, the home page).
//! Prints `listening on <url>` once ready. `GET /__fake/requests` lists what it received.

use std::time::Duration;

use harness::tooljet::{FakeToolJet, Settings};

const USAGE: &str = "Usage: fake-tooljet [--port N] [--token T] [--sub-path /p] [--community] \
[--unlicensed] [--disabled] [--singular-org-git] [--no-export] [--html] [--delay-ms N] [--apps N] \
[--export-kb N] [--endless-export] [--content-changes]
  --port N            the port on 127.0.0.1 (default: any free one, printed)
  --token T           its EXTERNAL_API_ACCESS_TOKEN (default: test-token)
  --sub-path /p       ToolJet's SUB_PATH
  --community         the Community Edition: no /api/ext routes (404)
  --unlicensed        a plan without the feature (451)
  --disabled          ENABLE_EXTERNAL_API is not true (403)
  --singular-org-git  only the older /api/ext/organization/git route
  --no-export         no export route (an older ToolJet): what is live cannot be read
  --html              an HTML page for every request, as a front end or a proxy answers
  --delay-ms N        every answer N ms late
  --apps N            N more apps, App 1 to App N, each with a released v1 and a draft
  --export-kb N       each export carries N KB of definition
  --endless-export    an export that never ends
  --content-changes   Inventory's draft differs from its live v1 (pages, a component, a query's
                      data source, data source options, the home page): save it as a version
                      to see what changes
Prints `listening on <url>` once ready. GET /__fake/requests lists what it received.";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut settings = Settings::default();
    let mut port = 0u16;
    let mut apps = 0usize;
    let mut export_kb = None;
    let mut content_changes = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--port" => port = value()?.parse()?,
            "--token" => settings.token = value()?,
            "--sub-path" => settings.sub_path = value()?,
            "--delay-ms" => settings.delay = Duration::from_millis(value()?.parse()?),
            "--apps" => apps = value()?.parse()?,
            "--export-kb" => export_kb = Some(value()?.parse::<usize>()?),
            "--community" => settings.community_edition = true,
            "--unlicensed" => settings.licensed = false,
            "--disabled" => settings.external_api_enabled = false,
            "--singular-org-git" => settings.singular_org_git_route = true,
            "--no-export" => settings.export_route = false,
            "--endless-export" => settings.endless_export = true,
            "--html" => settings.html_everywhere = true,
            "--content-changes" => content_changes = true,
            "--help" | "-h" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?}\n{USAGE}").into()),
        }
    }
    let fake = FakeToolJet::start_on(([127, 0, 0, 1], port).into(), settings).await?;
    for n in 1..=apps {
        fake.world().add_app(&format!("App {n}"));
    }
    if let Some(kb) = export_kb {
        fake.world().export_size = kb * 1024;
    }
    if content_changes {
        let mut world = fake.world();
        world
            .design_mut(harness::tooljet::APP_ID, "v2-draft")
            .sample_changes();
    }
    println!("listening on {}", fake.url());
    harness::until_stopped().await?;
    Ok(())
}
