//! A local stand-in for ToolJet's GitSync external API, for the action's tests and demo.
//!
//! It answers as ToolJet's server code does (see tooljet-api.md): Nest's 404 for routes the
//! edition lacks, the licence guard (451) before the token guard (403), class-validator
//! errors as lists of strings, unknown body fields ignored, POSTs answering 201,
//! `{statusCode, timestamp, path, message}` error bodies, and the silent no-op of create
//! without `createMode=git`. It records every request so tests can count and inspect them.

mod content;
mod world;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::oneshot;

pub use content::{
    Component, DataSource, Design, ENVIRONMENTS, Event, ExportedApp, ExportedVersion, OptionValue,
    Page, Query, SAMPLE_HOST, SAMPLE_TOKEN, export,
};
pub use world::{
    APP_ID, APP_SLUG, DRAFT_VERSION_ID, GIT_APP_ID_NEW, GIT_APP_NAME_NEW, INVENTORY_CO_RELATION_ID,
    ORDERS_CO_RELATION_ID, ORG_ID, RELEASED_VERSION_ID, Tag, Validation, Version, World,
};

/// Which ToolJet the fake pretends to be.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The server's EXTERNAL_API_ACCESS_TOKEN.
    pub token: String,
    /// ToolJet's SUB_PATH, e.g. "/tooljet"; empty for none.
    pub sub_path: String,
    /// Community Edition: the /api/ext routes do not exist at all.
    pub community_edition: bool,
    /// The licence includes the external API (otherwise 451).
    pub licensed: bool,
    /// ENABLE_EXTERNAL_API=true (otherwise 403 "External API is disabled").
    pub external_api_enabled: bool,
    /// Serve the org git route only at the page's singular path, as an older instance would.
    pub singular_org_git_route: bool,
    /// Serve the export route, which names the live version; older instances lack it.
    pub export_route: bool,
    /// Every export is an answer that never ends.
    pub endless_export: bool,
    /// Answer everything with a 200 HTML page, as a web front end or proxy would.
    pub html_everywhere: bool,
    /// Wait this long before answering each API call (a slow clone or push).
    pub delay: Duration,
    /// Hold every API call until this many have been in progress at once (0: never hold).
    /// Makes a client's concurrency observable without timing: a client that never reaches it
    /// never gets an answer.
    pub hold_until_concurrent: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            token: "test-token".to_owned(),
            sub_path: String::new(),
            community_edition: false,
            licensed: true,
            external_api_enabled: true,
            singular_org_git_route: false,
            export_route: true,
            endless_export: false,
            html_everywhere: false,
            delay: Duration::ZERO,
            hold_until_concurrent: 0,
        }
    }
}

/// One request as the fake received it.
#[derive(Debug, Clone, Serialize)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub authorization: Option<String>,
    pub body: Option<Value>,
    /// When it arrived, in milliseconds since the Unix epoch.
    pub received_at_ms: u128,
}

/// A scripted misbehaviour for the next API request, instead of (or before) ToolJet's answer.
#[derive(Debug, Clone)]
pub enum Injected {
    /// Answer this status with a ToolJet-style error body (its reason phrase, or `message`),
    /// and `Retry-After` if given.
    Status {
        status: u16,
        retry_after: Option<String>,
        message: Option<String>,
    },
    /// Read the request, then close the connection without answering, as when ToolJet or a
    /// proxy dies mid-request. ToolJet may or may not have acted.
    Drop,
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Answer 302 with this `Location`.
    Redirect(String),
    /// Answer this status with a plain-text body, as a web server or proxy in front of ToolJet
    /// would: not ToolJet's JSON error.
    Plain { status: u16, body: String },
    /// Answer this status with this body as `application/json`, well-formed or not: a byte
    /// order mark, an answer cut short, fields a test chooses.
    Json { status: u16, body: String },
    /// Answer an export whose definition never ends, before it names the live version.
    EndlessExport,
    /// Answer this status with an HTML error page titled `title`, as nginx or an ingress in
    /// front of ToolJet does, asking to retry at once.
    Page { status: u16, title: String },
    /// Something else changes the instance first (another run, a person in ToolJet's editor),
    /// then the request is answered normally.
    Meanwhile(fn(&mut World)),
}

/// An export's answer that never ends: an app entity whose components go on for ever.
struct EndlessExport {
    started: bool,
}

impl http_body::Body for EndlessExport {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let chunk = match std::mem::replace(&mut self.started, true) {
            false => Bytes::from_static(br#"{"app":[{"definition":{"appV2":{"components":["#),
            true => Bytes::from(r#"{"id":"c","type":"Table"},"#.repeat(2048)),
        };
        std::task::Poll::Ready(Some(Ok(http_body::Frame::data(chunk))))
    }
}

fn endless_export() -> Response {
    (
        StatusCode::CREATED,
        [(header::CONTENT_TYPE, "application/json")],
        axum::body::Body::new(EndlessExport { started: false }),
    )
        .into_response()
}

struct Shared {
    settings: Settings,
    world: Mutex<World>,
    requests: Mutex<Vec<Recorded>>,
    injected: Mutex<VecDeque<Injected>>,
    /// API requests being handled now, and the most ever handled at once.
    concurrent: Mutex<(usize, usize)>,
}

/// A running fake; stops when dropped.
pub struct FakeToolJet {
    addr: SocketAddr,
    shared: Arc<Shared>,
    _stop: oneshot::Sender<()>,
}

impl FakeToolJet {
    /// Starts on 127.0.0.1 with a random port.
    pub async fn start(settings: Settings) -> std::io::Result<Self> {
        Self::start_on("127.0.0.1:0".parse().expect("address"), settings).await
    }

    pub async fn start_on(addr: SocketAddr, settings: Settings) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            settings,
            world: Mutex::new(World::seeded()),
            requests: Mutex::new(Vec::new()),
            injected: Mutex::new(VecDeque::new()),
            concurrent: Mutex::new((0, 0)),
        });
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Self {
            addr,
            shared,
            _stop: stop,
        })
    }

    /// The URL to give the action as `tooljet-url`, sub path included.
    pub fn url(&self) -> String {
        format!("http://{}{}", self.addr, self.shared.settings.sub_path)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().expect("requests").clone()
    }

    /// The most API requests the fake was handling at one time.
    pub fn max_concurrency(&self) -> usize {
        self.shared.concurrent.lock().expect("concurrent").1
    }

    /// Makes the next API requests misbehave, one injection per request, in order.
    pub fn inject(&self, injections: impl IntoIterator<Item = Injected>) {
        self.shared
            .injected
            .lock()
            .expect("injected")
            .extend(injections);
    }

    /// The fake's data, to inspect or change between calls.
    pub fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.shared.world.lock().expect("world")
    }
}

/// A ToolJet error: what Nest's AllExceptionsFilter would send.
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub message: Value,
    /// More fields of the body, as an exception with its own carries them.
    pub extra: Option<Value>,
}

impl ApiError {
    pub(crate) fn new(status: u16, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::from_u16(status).expect("status"),
            message: Value::String(message.into()),
            extra: None,
        }
    }

    pub(crate) fn validation(messages: Vec<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: json!(messages),
            extra: None,
        }
    }

    /// ToolJet's app validation refusing content in enforce mode.
    pub(crate) fn refused(summary: String, issues: Vec<Value>, warnings: Vec<Value>) -> Self {
        Self {
            extra: Some(
                json!({"code": "APP_VALIDATION_FAILED", "issues": issues, "warnings": warnings}),
            ),
            ..Self::new(400, summary)
        }
    }
}

/// A successful answer: a status and an optional JSON body.
pub(crate) type Answer = Result<(StatusCode, Option<Value>), ApiError>;

/// Counts a request as in progress while it lives.
struct InProgress(Arc<Shared>);

impl InProgress {
    fn start(shared: &Arc<Shared>) -> Self {
        let mut counts = shared.concurrent.lock().expect("concurrent");
        counts.0 += 1;
        counts.1 = counts.1.max(counts.0);
        Self(shared.clone())
    }
}

impl Drop for InProgress {
    fn drop(&mut self) {
        self.0.concurrent.lock().expect("concurrent").0 -= 1;
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let settings = &shared.settings;
    let url = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_owned(), |pq| pq.as_str().to_owned());
    if uri.path() == "/__fake/requests" {
        return axum::Json(shared.requests.lock().expect("requests").clone()).into_response();
    }
    let _in_progress = InProgress::start(&shared);
    while shared.concurrent.lock().expect("concurrent").1 < settings.hold_until_concurrent {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let parsed_body = (!body.is_empty())
        .then(|| serde_json::from_slice::<Value>(&body).ok())
        .flatten();
    shared.requests.lock().expect("requests").push(Recorded {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query: uri.query().map(str::to_owned),
        authorization: authorization.clone(),
        body: parsed_body.clone(),
        received_at_ms: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis(),
    });
    if settings.html_everywhere {
        let page = "<!DOCTYPE html><html><head><title>ToolJet</title></head><body><div id=\"app\"></div></body></html>";
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            page,
        )
            .into_response();
    }
    if !settings.delay.is_zero() {
        tokio::time::sleep(settings.delay).await;
    }
    if settings.endless_export && uri.path().contains("/api/ext/export/") {
        return endless_export();
    }
    let injected = shared.injected.lock().expect("injected").pop_front();
    match injected {
        None => {}
        Some(Injected::Delay(delay)) => tokio::time::sleep(delay).await,
        Some(Injected::Meanwhile(change)) => change(&mut shared.world.lock().expect("world")),
        Some(Injected::Drop) => {
            // Unwinding without the panic hook ends this connection's task quietly: the socket
            // closes with no answer.
            std::panic::resume_unwind(Box::new("fake ToolJet drops the connection"));
        }
        Some(Injected::Redirect(location)) => {
            return (StatusCode::FOUND, [(header::LOCATION, location)]).into_response();
        }
        Some(Injected::Plain { status, body }) => {
            let status = StatusCode::from_u16(status).expect("status");
            return (status, [(header::CONTENT_TYPE, "text/plain")], body).into_response();
        }
        Some(Injected::EndlessExport) => return endless_export(),
        Some(Injected::Page { status, title }) => {
            let status = StatusCode::from_u16(status).expect("status");
            let page = format!(
                "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
            );
            return (
                status,
                [
                    (header::CONTENT_TYPE, "text/html"),
                    (header::RETRY_AFTER, "0"),
                ],
                page,
            )
                .into_response();
        }
        Some(Injected::Json { status, body }) => {
            let status = StatusCode::from_u16(status).expect("status");
            return (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
        }
        Some(Injected::Status {
            status,
            retry_after,
            message,
        }) => {
            let status = StatusCode::from_u16(status).expect("status");
            let message =
                message.unwrap_or_else(|| status.canonical_reason().unwrap_or("Error").into());
            let body = error_body(status, message.into(), &url);
            let mut response = (status, axum::Json(body)).into_response();
            if let Some(value) = retry_after {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, value.parse().expect("header value"));
            }
            return response;
        }
    }
    let answer = route(
        &shared,
        &method,
        uri.path(),
        uri.query().unwrap_or(""),
        authorization,
        parsed_body,
        &body,
    );
    let validated = shared.world.lock().expect("world").validated.take();
    let mut response = match answer {
        Ok((status, Some(Body::Text(text)))) => (
            status,
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            text,
        )
            .into_response(),
        Ok((status, Some(Body::Json(body)))) => (status, axum::Json(body)).into_response(),
        Ok((status, None)) => status.into_response(),
        Err(err) => {
            let mut body = error_body(err.status, err.message, &url);
            if let (Some(Value::Object(extra)), Some(fields)) = (err.extra, body.as_object_mut()) {
                fields.extend(extra);
            }
            (err.status, axum::Json(body)).into_response()
        }
    };
    if let Some(count) = validated {
        response.headers_mut().insert(
            "x-tooljet-validation-warnings",
            count.to_string().parse().expect("header value"),
        );
    }
    response
}

/// What Nest's AllExceptionsFilter sends: `{statusCode, timestamp, path, message}`.
fn error_body(status: StatusCode, message: Value, url: &str) -> Value {
    json!({
        "statusCode": status.as_u16(),
        "timestamp": world::iso_timestamp(),
        "path": url,
        "message": message,
    })
}

fn route(
    shared: &Shared,
    method: &Method,
    path: &str,
    query: &str,
    authorization: Option<String>,
    body: Option<Value>,
    raw_body: &[u8],
) -> Result<(StatusCode, Option<Body>), ApiError> {
    let settings = &shared.settings;
    let cannot = || {
        let url = if query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{query}")
        };
        ApiError::new(404, format!("Cannot {method} {url}"))
    };
    let prefix = format!("{}/api/ext/", settings.sub_path);
    let Some(rest) = path.strip_prefix(&prefix) else {
        return Err(cannot());
    };
    let segments: Vec<String> = rest.split('/').map(percent_decode).collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let endpoint =
        match world::Endpoint::match_route(method, &segments, settings.singular_org_git_route) {
            Some(world::Endpoint::Export { .. }) if !settings.export_route => {
                return Err(cannot());
            }
            Some(endpoint) if !settings.community_edition => endpoint,
            _ => return Err(cannot()),
        };
    // Guards in Nest's order: the class-level feature (licence) guard, then the token guard.
    if !settings.licensed {
        return Err(ApiError::new(
            451,
            "Oops! Your current plan doesn't have access to this feature. Please upgrade your plan now to use this.",
        ));
    }
    if !settings.external_api_enabled {
        return Err(ApiError::new(403, "External API is disabled"));
    }
    if authorization.as_deref() != Some(&format!("Basic {}", settings.token)) {
        return Err(ApiError::new(403, "Unauthorized"));
    }
    if !raw_body.is_empty() && body.is_none() {
        return Err(ApiError::new(400, "Unexpected token in JSON"));
    }
    let query: Vec<(String, String)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (
                percent_decode(&k.replace('+', " ")),
                percent_decode(&v.replace('+', " ")),
            )
        })
        .collect();
    let body = body.unwrap_or_else(|| json!({}));
    let mut world = shared.world.lock().expect("world");
    let (status, json) = world.answer(endpoint, &query, &body)?;
    // Taken under the same lock: another request's export must never answer this one.
    let text = world.exported.take();
    Ok((status, text.map(Body::Text).or(json.map(Body::Json))))
}

/// What a route answers with: JSON, or an export's text as it was written.
enum Body {
    Json(Value),
    Text(String),
}

/// Decodes `%XX` escapes; `+` is a space only in query strings.
fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}
