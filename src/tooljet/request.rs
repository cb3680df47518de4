//! One request to ToolJet's external API: method, path, query, body, and what it does to
//! ToolJet, which decides whether it may be sent again once it may have reached ToolJet.

use reqwest::Method;
use serde_json::{Value, json};

/// One HTTP call to ToolJet's external API, relative to `<tooljet-url>/api/ext/`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiRequest {
    pub method: Method,
    pub path: Vec<String>,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<Value>,
    /// What it does to ToolJet (see `fate`).
    pub effect: Effect,
    /// How its answer is read.
    pub reading: Reading,
}

/// How an answer is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Whole, up to a bound, as JSON.
    Json,
    /// Read as it streams for what is live (`export`), never kept.
    LiveApp,
    /// Read as it streams for what is live and a digest of the content of each version it
    /// holds (`export_content`, `export_version`), never kept.
    Content,
}

/// What a request does to ToolJet, which decides whether it may be sent again after ToolJet may
/// have acted on it, and what a failure means. Every request may be retried when it certainly
/// never reached ToolJet (see `fate`); this is about the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Changes nothing: a listing, an export.
    Read,
    /// Changes ToolJet, and sent twice leaves it as one would: a pull of the same commit, the
    /// release of the version already live.
    Idempotent,
    /// A second one could act twice: a push, a create, a save.
    Once,
}

impl ApiRequest {
    /// A request to `path` under `/api/ext/`: a GET reads, anything else acts once until it says
    /// otherwise ([`ApiRequest::idempotent`], [`ApiRequest::read_only`]).
    pub fn new(method: Method, path: &[&str]) -> Self {
        let effect = if method == Method::GET {
            Effect::Read
        } else {
            Effect::Once
        };
        Self {
            method,
            path: path.iter().map(|s| (*s).to_owned()).collect(),
            query: Vec::new(),
            body: None,
            effect,
            reading: Reading::Json,
        }
    }

    /// This request leaves ToolJet as it was when sent twice.
    pub fn idempotent(mut self) -> Self {
        self.effect = Effect::Idempotent;
        self
    }

    /// This request changes nothing, whatever its method.
    pub fn read_only(mut self) -> Self {
        self.effect = Effect::Read;
        self
    }

    /// True when it may change ToolJet: what a dry run prints instead of sending.
    pub fn writes(&self) -> bool {
        self.effect != Effect::Read
    }

    /// The instance's workspaces: `GET /api/ext/workspaces`, a read that checks URL and token.
    pub fn workspaces() -> Self {
        Self::new(Method::GET, &["workspaces"])
    }

    /// The body as a plan shows it (" {json}"), the private key redacted; "" without a body.
    pub fn body_for_display(&self) -> String {
        let Some(body) = &self.body else {
            return String::new();
        };
        let mut body = body.clone();
        if let Some(key) = body.get_mut("githubAppPrivateKey") {
            *key = json!("<redacted>");
        }
        format!(" {body}")
    }

    /// What is live of an app: its export, `POST /api/ext/export/workspace/:ws/apps/:app`, which
    /// changes nothing. Without ToolJet's own database tables, which the live version does not
    /// need.
    pub fn export(organization_id: &str, app_id: &str) -> Self {
        let mut export = Self::new(
            Method::POST,
            &["export", "workspace", organization_id, "apps", app_id],
        )
        .query("exportTJDB", "false")
        .read_only();
        export.reading = Reading::LiveApp;
        export
    }

    /// What is live of an app and the content of its newest version (by creation), which its
    /// export holds: the same request as [`ApiRequest::export`], read for more.
    pub fn export_content(organization_id: &str, app_id: &str) -> Self {
        let mut export = Self::export(organization_id, app_id);
        export.reading = Reading::Content;
        export
    }

    /// The content of one version of an app, by name: its export with `appVersion=<name>`
    /// (URL-encoded), which holds exactly that version; ToolJet answers 400 for a name the app
    /// lacks. It changes nothing.
    pub fn export_version(organization_id: &str, app_id: &str, version: &str) -> Self {
        Self::export_content(organization_id, app_id).query("appVersion", version)
    }

    /// The apps of a workspace: `GET /api/ext/workspace/:id/apps`, a bare array.
    pub fn workspace_apps(organization_id: &str) -> Self {
        Self::new(Method::GET, &["workspace", organization_id, "apps"])
    }

    pub fn query(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.query.push((name, value.into()));
        self
    }

    pub fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
}

/// True when `value` stays exactly one segment of a request's path. Slashes are encoded, but
/// URL parsers resolve `.` and `..` (in any spelling, `%2e` included) away, which would send
/// the request to another route; an empty segment would too.
pub fn is_one_segment(value: &str) -> bool {
    let dots = value.to_ascii_lowercase().replace("%2e", ".");
    !value.is_empty() && dots != "." && dots != ".."
}

/// True for a UUID in either letter case, as ToolJet's ids are.
pub fn is_uuid(value: &str) -> bool {
    super::export::ids::parse(value.as_bytes()).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_segments_in_any_spelling_are_not_one_segment() {
        for bad in ["", ".", "..", "%2e", "%2E%2e", ".%2E"] {
            assert!(!is_one_segment(bad), "{bad:?}");
        }
        for good in [
            "inventory",
            "a/b",
            "...",
            "v1.2",
            "0f5f3ad1-8f1e-4a53-9d0f-5a1e0c2b7d11",
        ] {
            assert!(is_one_segment(good), "{good:?}");
        }
    }

    #[test]
    fn a_get_reads_and_anything_else_acts_once_unless_it_says_otherwise() {
        assert_eq!(
            ApiRequest::new(Method::GET, &["workspaces"]).effect,
            Effect::Read
        );
        let release = ApiRequest::new(Method::POST, &["apps", "a", "git-sync", "release"]);
        assert_eq!(release.effect, Effect::Once);
        assert_eq!(release.clone().idempotent().effect, Effect::Idempotent);
        assert!(!release.read_only().writes());
    }
}
