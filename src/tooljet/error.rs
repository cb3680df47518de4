//! What can go wrong talking to ToolJet, each with the server's own words and what to check.

use std::error::Error as _;
use std::io;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use super::proxy::Proxy;
use super::validation::{self, Refusal};
use crate::redact::Secrets;

/// The most of one answer the client reads; the rest is never received, whatever the server
/// sends. The errors say so in their messages.
pub const MAX_ANSWER: usize = 1024 * 1024;

/// A time limit, as the input that sets it and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub input: &'static str,
    pub after: Duration,
}

impl Limit {
    pub fn connect(after: Duration) -> Self {
        Self {
            input: "connect-timeout-seconds",
            after,
        }
    }

    pub fn answer(after: Duration) -> Self {
        Self {
            input: "timeout-seconds",
            after,
        }
    }

    pub fn total(after: Duration) -> Self {
        Self {
            input: "total-timeout-seconds",
            after,
        }
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` ({} s)", self.input, self.after.as_secs())
    }
}

/// A failure below HTTP, with what is needed to say which part failed.
pub(crate) struct Transport<'a> {
    pub source: reqwest::Error,
    /// ToolJet's `host:port`.
    pub host: String,
    /// The limit that bounded this request's answer.
    pub limit: Limit,
    pub connect_limit: Limit,
    pub proxy: Option<Proxy>,
    pub secrets: &'a Secrets,
}

/// A failed call to ToolJet.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// ToolJet (or something in front of it) answered with an error status.
    #[error("{}", status_message(*.status, .message, *.from_tooljet))]
    Status {
        status: StatusCode,
        /// ToolJet's `message`, a list joined with "; " (validation errors come as a list).
        message: String,
        /// The raw body, for the `response` output.
        body: String,
        /// The body has the shape of ToolJet's own errors (`statusCode`, `message`), so ToolJet,
        /// not something in front of it, answered.
        from_tooljet: bool,
        /// How long the server asked to wait before trying again (`Retry-After`).
        retry_after: Option<Duration>,
    },
    /// ToolJet's app validation refused the app's content before anything was written.
    #[error("{}", refused(.refusal))]
    ValidationFailed {
        status: StatusCode,
        refusal: Refusal,
        body: String,
    },
    /// An HTML page or other non-JSON body where ToolJet's API always answers JSON.
    #[error("expected JSON from ToolJet's API but got {status} with {content_type}{}", title_suffix(.title))]
    NotJson {
        status: StatusCode,
        content_type: String,
        title: Option<String>,
        body: String,
    },
    /// ToolJet's API never redirects; something in front of it did.
    #[error("got a redirect ({status}) to {location} instead of an answer from ToolJet's API")]
    Redirect {
        status: StatusCode,
        location: String,
    },
    /// The request could not be made at all (a URL too long to send, say): nothing was sent,
    /// and sending it again would fail the same way.
    #[error("the request could not be made, so nothing was sent: {detail}")]
    NotBuilt { detail: String },
    /// The step's time budget ran out before this request could be sent.
    #[error("the step's time budget (total-timeout-seconds, {} s) ran out before this request was sent", .budget.as_secs())]
    OutOfTime { budget: Duration },
    #[error("could not connect to {host}: connection refused")]
    ConnectionRefused {
        host: String,
        source: reqwest::Error,
    },
    #[error("could not resolve the host name {host}")]
    Dns {
        host: String,
        source: reqwest::Error,
    },
    #[error("TLS with {host} failed: {detail}")]
    Tls {
        host: String,
        detail: String,
        source: reqwest::Error,
    },
    #[error("{}", timeout_message(*.connecting, .limit))]
    Timeout {
        /// The limit that ran out.
        limit: Limit,
        /// Still connecting, so nothing was sent.
        connecting: bool,
        source: reqwest::Error,
    },
    /// The proxy from the environment refused or failed before ToolJet was reached.
    #[error("could not reach ToolJet through the proxy {proxy}: {detail}")]
    Proxy {
        proxy: Proxy,
        detail: String,
        source: reqwest::Error,
    },
    /// A 2xx answer that cannot be read (not JSON, or without the id it must carry): ToolJet
    /// may have acted, but what it said is lost.
    #[error("ToolJet answered {status}, but {why}")]
    Unreadable {
        status: StatusCode,
        why: String,
        body: String,
    },
    /// A 2xx answer longer than the action reads: ToolJet acted, but what it said is lost.
    #[error("ToolJet answered {status} with more than {} MiB, which was cut there and not read", MAX_ANSWER / (1024 * 1024))]
    Oversized { status: StatusCode, body: String },
    #[error("the connection to {host} failed{}: {detail}", if *.connecting { "" } else { " after the request was sent" })]
    Connection {
        host: String,
        detail: String,
        /// Still connecting, so nothing was sent.
        connecting: bool,
        source: reqwest::Error,
    },
}

/// The blocking issues a refusal lists in its error, at most this many; the rest are counted.
const MAX_BLOCKING: usize = 10;

fn refused(refusal: &Refusal) -> String {
    let mut message = format!(
        "ToolJet's app validation refused the app's content: {}",
        refusal.summary.trim_end_matches('.')
    );
    if !refusal.issues.is_empty() {
        let lines: Vec<String> = refusal
            .issues
            .iter()
            .take(MAX_BLOCKING)
            .map(|issue| issue.line())
            .collect();
        message.push_str(&format!(". Blocking: {}", lines.join("; ")));
        let more = refusal.blocking.saturating_sub(MAX_BLOCKING);
        if more > 0 {
            message.push_str(&format!("; and {more} more"));
        }
    }
    if refusal.warnings > 0 {
        message.push_str(&format!(" ({} warnings besides)", refusal.warnings));
    }
    message
}

fn status_message(status: StatusCode, message: &str, from_tooljet: bool) -> String {
    match (from_tooljet, status.as_u16()) {
        (false, 502..=504) => format!("a gateway in front of ToolJet answered {status}: {message}"),
        _ => format!("ToolJet answered {status}: {message}"),
    }
}

/// An HTML page's title, where it has one.
pub(super) fn page_title(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let start = lower.find("<title>")? + "<title>".len();
    let end = start + lower.get(start..)?.find("</title>")?;
    // ASCII lower-casing keeps every byte where it was: these are positions in `html` too.
    let title = html.get(start..end)?.trim();
    (!title.is_empty()).then(|| title.chars().take(80).collect())
}

fn timeout_message(connecting: bool, limit: &Limit) -> String {
    match (connecting, limit.input) {
        (true, _) => format!("could not connect to ToolJet within {limit}"),
        (false, "total-timeout-seconds") => {
            format!("no answer from ToolJet before the step's {limit} ran out")
        }
        (false, _) => format!("no answer from ToolJet within {limit}"),
    }
}

fn title_suffix(title: &Option<String>) -> String {
    title
        .as_ref()
        .map(|t| format!(" (page title {t:?})"))
        .unwrap_or_default()
}

impl ApiError {
    /// Builds the error for a non-2xx answer, keeping ToolJet's message; `cut` when the body
    /// was longer than the action reads.
    pub(crate) fn from_status(
        status: StatusCode,
        body: String,
        retry_after: Option<Duration>,
        cut: bool,
    ) -> Self {
        let reason = status.canonical_reason().unwrap_or("no message");
        let json = serde_json::from_str::<Value>(&body).ok();
        if let Some(refusal) = validation::refusal(json.as_ref()) {
            return Self::ValidationFailed {
                status,
                refusal,
                body,
            };
        }
        let from_tooljet = json
            .as_ref()
            .is_some_and(|json| json.get("statusCode").is_some() && json.get("message").is_some());
        let message = json
            .as_ref()
            .and_then(server_message)
            .or_else(|| page_title(&body).map(|title| format!("a page titled {title:?}")))
            .unwrap_or_else(|| match cut {
                true => format!(
                    "{reason} (an answer of more than {} MiB, cut there)",
                    MAX_ANSWER / (1024 * 1024)
                ),
                false => reason.to_owned(),
            });
        Self::Status {
            status,
            message,
            body,
            from_tooljet,
            retry_after,
        }
    }

    /// Sorts a transport failure into what the user has to check. The details come from the
    /// network stack, which may quote what it was given: they are scrubbed too.
    pub(crate) fn from_transport(failure: Transport<'_>) -> Self {
        let Transport {
            source,
            host,
            limit,
            connect_limit,
            proxy,
            secrets,
        } = failure;
        if source.is_builder() {
            return Self::NotBuilt {
                detail: "its address cannot be made from the inputs (too long, or not a valid URL)"
                    .to_owned(),
            };
        }
        let connecting = source.is_connect();
        let mut tls = None;
        let mut refused = false;
        let mut chain = Vec::new();
        let mut next: Option<&(dyn std::error::Error + 'static)> = source.source();
        while let Some(err) = next {
            chain.push(secrets.scrub(&err.to_string()).into_owned());
            if let Some(rustls) = err.downcast_ref::<rustls::Error>() {
                tls.get_or_insert(rustls.to_string());
            }
            // io::Error's source() skips the error it wraps, and TLS errors come wrapped twice.
            next = match err.downcast_ref::<io::Error>() {
                Some(io) => {
                    refused |= io.kind() == io::ErrorKind::ConnectionRefused;
                    io.get_ref()
                        .map(|inner| inner as &(dyn std::error::Error + 'static))
                }
                None => err.source(),
            };
        }
        chain.dedup();
        let detail = if chain.is_empty() {
            secrets.scrub(&source.to_string()).into_owned()
        } else {
            chain.join(": ")
        };
        match proxy {
            // Connecting goes to the proxy: whatever failed there, ToolJet was never reached.
            Some(proxy) if connecting => {
                let detail = if source.is_timeout() {
                    format!("no connection within {connect_limit}")
                } else {
                    detail
                };
                return Self::Proxy {
                    proxy,
                    detail,
                    source,
                };
            }
            _ => {}
        }
        if source.is_timeout() {
            return Self::Timeout {
                limit: if connecting { connect_limit } else { limit },
                connecting,
                source,
            };
        }
        if let Some(detail) = tls {
            Self::Tls {
                host,
                detail,
                source,
            }
        } else if refused {
            Self::ConnectionRefused { host, source }
        } else if detail.contains("dns error") || detail.contains("failed to lookup address") {
            Self::Dns { host, source }
        } else {
            Self::Connection {
                host,
                detail,
                connecting,
                source,
            }
        }
    }

    /// The HTTP status ToolJet answered with, if it answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Status { status, .. }
            | Self::ValidationFailed { status, .. }
            | Self::NotJson { status, .. }
            | Self::Redirect { status, .. }
            | Self::Unreadable { status, .. }
            | Self::Oversized { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The body ToolJet answered with, if any.
    pub fn body(&self) -> Option<&str> {
        match self {
            Self::Status { body, .. }
            | Self::ValidationFailed { body, .. }
            | Self::NotJson { body, .. }
            | Self::Unreadable { body, .. }
            | Self::Oversized { body, .. } => Some(body),
            _ => None,
        }
    }

    /// True for Nest's own 404 for a route that does not exist ("Cannot POST /api/ext/..."),
    /// as opposed to a 404 for an app or version that does not exist.
    pub fn is_missing_route(&self) -> bool {
        matches!(self, Self::Status { status: StatusCode::NOT_FOUND, message, .. } if message.starts_with("Cannot "))
    }

    /// The wait the server asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// What to check or do next, in the user's terms.
    pub fn hint(&self) -> String {
        match self {
            Self::Status {
                status: StatusCode::NOT_FOUND,
                from_tooljet: false,
                ..
            } => "Something other than ToolJet's API answered 404 (its answer is not ToolJet's JSON error): check \
                that `tooljet-url` is the instance's base URL, with its sub path if it has one, and what a proxy or \
                ingress in front of ToolJet forwards."
                .to_owned(),
            Self::Status { .. } if super::fate::is_gateway(self) => "A proxy or gateway in front of ToolJet \
                gave up waiting (ingresses often cut requests at 60 s) or lost ToolJet, and ToolJet may have gone \
                on and completed the request: check the app in ToolJet before re-running. If this recurs on long \
                pushes or pulls, raise the gateway's read timeout above `timeout-seconds`."
                .to_owned(),
            Self::Status { status, message, .. } => status_hint(*status, message, self.is_missing_route()),
            Self::ValidationFailed { .. } => "ToolJet's app validation refused the app's content from \
                git: nothing was written. Fix the app in the repository (the issues above say where), \
                or ask the ToolJet admin about the validation mode for git, and re-run."
                .to_owned(),
            Self::NotJson { .. } => "`tooljet-url` probably points at ToolJet's web front end, a login page or a \
                proxy error page rather than ToolJet's server: use the address ToolJet itself is served on, with its \
                sub path if it has one."
                .to_owned(),
            Self::Redirect { location, .. } => format!(
                "Set `tooljet-url` to the address ToolJet is really served on (the redirect points at {location}); \
                 redirects are not followed so that the token is never sent anywhere else."
            ),
            Self::NotBuilt { .. } => "Nothing was sent: the request itself could not be made from the \
                inputs. Check the values that go into its address (app, version, workspace): an id or slug \
                is short, one word."
                .to_owned(),
            Self::OutOfTime { .. } => "Nothing was sent. Raise `total-timeout-seconds`, or split the apps over \
                several steps."
                .to_owned(),
            Self::ConnectionRefused { .. } => "Nothing is listening there. Check the scheme, host and port of \
                `tooljet-url` and that ToolJet is running; a GitHub-hosted runner can only reach an instance that is \
                reachable from the internet (use a self-hosted runner otherwise)."
                .to_owned(),
            Self::Dns { .. } => "Check the host name in `tooljet-url`. A name that only resolves inside your \
                network needs a self-hosted runner there."
                .to_owned(),
            Self::Tls { host, detail, .. } if detail.contains("InvalidContentType") => format!(
                "{host} answered in plain HTTP, not TLS: if that port serves plain HTTP, use http:// in \
                 `tooljet-url` (with `allow-insecure-http: true` for a host other than this machine); otherwise use \
                 the port ToolJet serves HTTPS on."
            ),
            Self::Tls { detail, .. } if detail.contains("CaUsedAsEndEntity") => "The server presents a CA \
                certificate (basicConstraints CA:TRUE) as its own, which TLS refuses even when it is trusted: the \
                usual `openssl req -x509` certificate is one. Give the server a certificate without CA:TRUE and \
                the host name in subjectAltName, e.g. `openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj \
                /CN=tooljet.example.com -addext subjectAltName=DNS:tooljet.example.com -addext \
                basicConstraints=critical,CA:FALSE -keyout key.pem -out cert.pem`, and give that cert.pem in \
                `ca-certificate`; or sign the server's certificate with that CA and keep the CA in `ca-certificate`."
                .to_owned(),
            Self::Tls { .. } => "The server's certificate is not trusted or does not match the host name. Use the \
                host name the certificate was issued for; for a private CA, give its certificate in `ca-certificate`."
                .to_owned(),
            Self::Timeout { connecting: true, limit, .. } => format!(
                "Nothing was sent: the connection could not be set up within {limit}. Check `tooljet-url` and \
                 the network path; raise `{}` for a slow link.",
                limit.input
            ),
            Self::Connection { connecting: true, .. } => "Nothing was sent: the connection could not be set up. \
                Check `tooljet-url` and the network path."
                .to_owned(),
            Self::Timeout { limit, .. } if limit.input == "total-timeout-seconds" => format!(
                "ToolJet may still be working and may have completed the operation: check the app in ToolJet \
                 before re-running. The step's whole budget ran out: raise `{}`, or split the apps over \
                 several steps.",
                limit.input
            ),
            Self::Timeout { limit, .. } => format!(
                "ToolJet may still be working and may have completed the operation: check the app in ToolJet \
                 before re-running. Large apps or repositories take longer; raise `{}`.",
                limit.input
            ),
            Self::Proxy { proxy, .. } => format!(
                "Nothing reached ToolJet: the proxy at {proxy}, from the HTTPS_PROXY, HTTP_PROXY or ALL_PROXY \
                 environment variable, refused or failed the connection. Check that the proxy runs and can \
                 reach ToolJet, or add ToolJet's host to NO_PROXY."
            ),
            Self::Unreadable { .. } => "ToolJet may have acted on the request, but its answer could not be \
                read, so the ids it holds are not in the outputs: check the app in ToolJet before re-running. For \
                `create`, an app now in the workspace was imported: `pull` it by its id rather than creating it again."
                .to_owned(),
            Self::Oversized { .. } => "ToolJet acted on the request, but its answer was too large to read, so \
                its ids are not in the outputs: check the app in ToolJet. An answer this large usually comes \
                from something other than ToolJet's API at `tooljet-url`."
                .to_owned(),
            Self::Connection { .. } => "The connection broke before ToolJet answered: ToolJet may have acted on the \
                request. Check the app in ToolJet before re-running, and check any proxy between the runner and ToolJet."
                .to_owned(),
        }
    }
}

impl ApiError {
    /// What to check when a request that only reads failed, before anything was written:
    /// nothing was changed, whatever the error, so the hints that say ToolJet may have acted do
    /// not apply.
    pub fn read_hint(&self) -> String {
        let may_have_acted = match self {
            Self::Unreadable { .. } | Self::Oversized { .. } => true,
            Self::Timeout { connecting, .. } | Self::Connection { connecting, .. } => !connecting,
            Self::Status { status, .. } => {
                super::fate::is_gateway(self) || status.is_server_error()
            }
            _ => false,
        };
        match may_have_acted {
            true => "This request only reads, and changed nothing: ToolJet, or something in front \
                of it, gave no readable answer. If it recurs, ToolJet's server log, and any proxy in \
                front of it, say why."
                .to_owned(),
            false => self.hint(),
        }
    }
}

fn status_hint(status: StatusCode, message: &str, missing_route: bool) -> String {
    let lower = message.to_ascii_lowercase();
    match status.as_u16() {
        403 if lower.contains("external api is disabled") => {
            "Set ENABLE_EXTERNAL_API=true in the ToolJet server's environment and restart it.".to_owned()
        }
        403 if lower.contains("do not have access") => {
            "The instance's licence does not grant the external API; check the licence key in ToolJet's settings."
                .to_owned()
        }
        403 => "The access token was refused. `access-token` must equal the server's EXTERNAL_API_ACCESS_TOKEN \
            exactly (it is sent as `Authorization: Basic <token>`, not base64-encoded); check the secret for \
            typos and trailing characters."
            .to_owned(),
        451 => "This ToolJet plan does not include the GitSync CI/CD API (a paid feature). Upgrade the plan or \
            apply a licence that includes the external API."
            .to_owned(),
        404 if missing_route => "ToolJet has no such route: the instance is probably the Community Edition (the \
            GitSync API is Enterprise only) or too old, or `tooljet-url` is missing the sub path ToolJet is served on."
            .to_owned(),
        404 => "Check the app and version: `app-id` must name an app in this instance, and `version-id` a \
            version of that app."
            .to_owned(),
        409 => "It already exists. For `create`, the app is already imported: use `pull` with its app id. For \
            `save-version`, the draft is already saved: release it, or make changes and save again."
            .to_owned(),
        400 | 422 => "ToolJet refused the request; its message says which value or precondition is wrong (git \
            configured and enabled for the workspace, app and version ids, branch names)."
            .to_owned(),
        401 => "The request was refused for lack of credentials: something between the runner and ToolJet may \
            require its own authentication."
            .to_owned(),
        429 | 503 => "ToolJet or a proxy in front of it is overloaded or unavailable; try again later."
            .to_owned(),
        500..=599 => "ToolJet failed while handling the request; its server log has the details. Check the app in \
            ToolJet before re-running: part of the work may be done."
            .to_owned(),
        _ => format!("Unexpected answer {status} from ToolJet."),
    }
}

/// ToolJet's error body is `{statusCode, timestamp, path, message}` where `message` is a string
/// or, for validation errors, a list of strings.
fn server_message(json: &Value) -> Option<String> {
    match json.get("message")? {
        Value::String(message) => Some(message.clone()),
        Value::Array(items) => Some(
            items
                .iter()
                .map(|item| {
                    item.as_str()
                        .map_or_else(|| item.to_string(), str::to_owned)
                })
                .collect::<Vec<_>>()
                .join("; "),
        ),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_messages_are_joined() {
        let body = r#"{"statusCode":400,"timestamp":"t","path":"/p","message":["a must be a string","b should not be empty"]}"#;
        let err = ApiError::from_status(StatusCode::BAD_REQUEST, body.into(), None, false);
        assert_eq!(
            err.to_string(),
            "ToolJet answered 400 Bad Request: a must be a string; b should not be empty"
        );
    }

    #[test]
    fn nest_route_404_is_told_apart_from_a_missing_app() {
        let route = ApiError::from_status(
            StatusCode::NOT_FOUND,
            r#"{"statusCode":404,"message":"Cannot POST /api/ext/x"}"#.into(),
            None,
            false,
        );
        let app = ApiError::from_status(
            StatusCode::NOT_FOUND,
            r#"{"message":"App not found"}"#.into(),
            None,
            false,
        );
        assert!(route.is_missing_route());
        assert!(!app.is_missing_route());
        assert!(route.hint().contains("Community Edition"));
    }

    #[test]
    fn a_404_not_from_tooljet_points_at_the_url_and_the_proxy() {
        let bare = ApiError::from_status(StatusCode::NOT_FOUND, "Not Found".into(), None, false);
        assert!(
            bare.hint()
                .contains("Something other than ToolJet's API answered 404")
        );
        let tooljet = ApiError::from_status(
            StatusCode::NOT_FOUND,
            r#"{"statusCode":404,"message":"App not found"}"#.into(),
            None,
            false,
        );
        assert!(
            tooljet.hint().contains("`app-id` must name an app"),
            "{}",
            tooljet.hint()
        );
    }

    #[test]
    fn each_403_gets_its_own_hint() {
        let hint = |message: &str| {
            ApiError::from_status(
                StatusCode::FORBIDDEN,
                format!(r#"{{"message":"{message}"}}"#),
                None,
                false,
            )
            .hint()
        };
        assert!(hint("Unauthorized").contains("EXTERNAL_API_ACCESS_TOKEN"));
        assert!(hint("External API is disabled").contains("ENABLE_EXTERNAL_API=true"));
        assert!(hint("You do not have access to this resource").contains("licence"));
    }

    #[test]
    fn a_gateways_answer_says_to_check_before_re_running() {
        for status in [StatusCode::BAD_GATEWAY, StatusCode::GATEWAY_TIMEOUT] {
            let err = ApiError::from_status(status, "upstream timed out".into(), None, false);
            assert!(err.hint().contains("before re-running"), "{}", err.hint());
        }
        let busy = ApiError::from_status(
            StatusCode::SERVICE_UNAVAILABLE,
            r#"{"statusCode":503,"message":"busy"}"#.into(),
            None,
            false,
        );
        assert!(busy.hint().contains("try again later"), "{}", busy.hint());
    }

    #[test]
    fn body_without_message_falls_back_to_the_reason_phrase() {
        let err =
            ApiError::from_status(StatusCode::BAD_GATEWAY, "upstream down".into(), None, false);
        assert_eq!(
            err.to_string(),
            "a gateway in front of ToolJet answered 502 Bad Gateway: Bad Gateway"
        );
    }

    #[test]
    fn a_cut_error_answer_says_so() {
        let err = ApiError::from_status(
            StatusCode::BAD_REQUEST,
            "{\"message\":\"xx".into(),
            None,
            true,
        );
        assert_eq!(
            err.to_string(),
            "ToolJet answered 400 Bad Request: Bad Request (an answer of more than 1 MiB, cut there)"
        );
    }
}
