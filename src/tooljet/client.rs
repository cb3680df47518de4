//! The HTTP client for `<tooljet-url>/api/ext/...`.
//!
//! Everything ToolJet (or whatever answers in its place) sends is read here, and only here:
//! at most [`MAX_ANSWER`] bytes of it, with every secret scrubbed before it goes further.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue, LOCATION, RETRY_AFTER,
};
use reqwest::{StatusCode, Url, redirect};
use serde_json::Value;

use super::error::{Limit, MAX_ANSWER, Transport};
use super::export::{Content, ContentError, Export, LiveApp, Reader};
use super::proxy::{self, Proxy};
use super::validation::{self, Warnings};
use super::{ApiError, ApiRequest, Reading, retry};
use crate::redact::{Secret, Secrets};

const USER_AGENT: &str = concat!("tooljet-gitsync-action/", env!("CARGO_PKG_VERSION"));

/// Where ToolJet is and how to reach it.
#[derive(Debug, Clone)]
pub struct Connection {
    /// The instance's base URL, sub path included, always ending in `/`.
    pub base_url: Url,
    pub access_token: Secret,
    /// Per attempt, from sending the request to the end of the answer.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Extra trusted roots (PEM), for a private CA.
    pub ca_certificates: Option<Vec<u8>>,
    pub skip_tls_verify: bool,
}

/// A successful (2xx) answer.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    pub status: StatusCode,
    /// The body as received, secrets scrubbed (may be empty: ToolJet sends none for some calls).
    pub body: String,
    pub json: Option<Value>,
    /// For an export (`Reading::LiveApp`, `Reading::Content`): what it says is live. Its body
    /// is never kept.
    pub live: Option<LiveApp>,
    /// For an export read with `Reading::Content`: the content of the versions it holds, or
    /// why it could not be kept.
    pub content: Option<Result<Arc<Content>, ContentError>>,
    /// What ToolJet's app validation found in the content a write imported.
    pub warnings: Option<Warnings>,
}

/// The most of an export read before giving up on finding the live version in it: far more
/// than any app's definition, and still read in a few KB of memory.
const MAX_EXPORT: u64 = 256 * 1024 * 1024;

/// How long a request may take: what is left of the step's time, and the step's whole budget
/// (`total-timeout-seconds`), so that a timeout can name the limit that ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeLeft {
    pub remaining: Duration,
    pub total: Duration,
}

/// Talks to one ToolJet instance with one token.
pub struct Client {
    http: reqwest::Client,
    base_url: Url,
    authorization: HeaderValue,
    timeout: Duration,
    connect_timeout: Duration,
    /// The proxy the environment sets for ToolJet's URL, named when it fails.
    proxy: Option<Proxy>,
    secrets: Arc<Secrets>,
}

impl Client {
    pub fn new(connection: &Connection, secrets: Arc<Secrets>) -> anyhow::Result<Self> {
        // ring is the one crypto provider compiled in; installing twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        // ToolJet wants the raw token after "Basic ", not base64 of user:password.
        let mut authorization =
            HeaderValue::from_str(&format!("Basic {}", connection.access_token.expose()))?;
        authorization.set_sensitive(true);
        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(connection.connect_timeout)
            // A redirect would turn POST into GET or carry the token to another host.
            .redirect(redirect::Policy::none())
            .tls_danger_accept_invalid_certs(connection.skip_tls_verify);
        if proxy::bypassed_everywhere() {
            builder = builder.no_proxy();
        }
        if let Some(pem) = &connection.ca_certificates {
            // Parsed once already when the inputs were checked.
            let certificates = reqwest::Certificate::from_pem_bundle(pem)?;
            // Added to the system's roots (and SSL_CERT_FILE's), not instead of them.
            builder = builder.tls_certs_merge(certificates);
        }
        Ok(Self {
            http: builder.build()?,
            base_url: connection.base_url.clone(),
            authorization,
            timeout: connection.timeout,
            connect_timeout: connection.connect_timeout,
            proxy: Proxy::for_url(&connection.base_url),
            secrets,
        })
    }

    /// The full URL of a request: base URL, sub path, `api/ext`, then the encoded segments.
    pub fn url(&self, request: &ApiRequest) -> Url {
        let mut url = self.base_url.clone();
        url.path_segments_mut()
            .expect("base URL is http(s)")
            .pop_if_empty()
            .extend(["api", "ext"])
            .extend(&request.path);
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&request.query);
        }
        url
    }

    /// Sends one request, waiting at most `timeout-seconds` or the time left, whichever is
    /// shorter. Any 2xx with a JSON (or empty) body is success.
    pub async fn send(
        &self,
        request: &ApiRequest,
        time: TimeLeft,
    ) -> Result<ApiResponse, ApiError> {
        let url = self.url(request);
        let host = format!(
            "{}:{}",
            url.host_str().unwrap_or_default(),
            url.port_or_known_default().unwrap_or_default()
        );
        let (timeout, limit) = if time.remaining < self.timeout {
            (time.remaining, Limit::total(time.total))
        } else {
            (self.timeout, Limit::answer(self.timeout))
        };
        tracing::debug!("request: {} {}", request.method, url);
        let started = Instant::now();
        let mut builder = self
            .http
            .request(request.method.clone(), url)
            .timeout(timeout)
            .header(AUTHORIZATION, self.authorization.clone())
            .header(ACCEPT, "application/json");
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }
        let transport = |source| {
            ApiError::from_transport(Transport {
                source,
                host: host.clone(),
                limit,
                connect_limit: Limit::connect(self.connect_timeout),
                proxy: self.proxy.clone(),
                secrets: &self.secrets,
            })
        };
        async {
            let mut response = builder.send().await.map_err(transport)?;
            let status = response.status();
            let header = |name| {
                let value = response
                    .headers()
                    .get(name)
                    .and_then(|v: &HeaderValue| v.to_str().ok())
                    .unwrap_or_default();
                self.secrets.scrub(value).into_owned()
            };
            let (content_type, location, retry_after, validated) = (
                header(CONTENT_TYPE),
                header(LOCATION),
                header(RETRY_AFTER),
                header(HeaderName::from_static(validation::HEADER)),
            );
            let reader = match request.reading {
                Reading::Json => None,
                Reading::LiveApp => Some(Reader::live()),
                Reading::Content => Some(Reader::with_content()),
            };
            if let (true, Some(reader)) = (status.is_success(), reader) {
                let export = read_export(&mut response, reader)
                    .await
                    .map_err(transport)?;
                tracing::debug!("response: {status} in {} ms", started.elapsed().as_millis());
                return export
                    .map(|export| ApiResponse {
                        status,
                        body: String::new(),
                        json: None,
                        live: Some(export.live),
                        content: export.content.map(|content| content.map(Arc::new)),
                        warnings: None,
                    })
                    .map_err(|why| ApiError::Unreadable {
                        status,
                        why: format!("its export of the app cannot be read: {why}"),
                        body: String::new(),
                    });
            }
            let (body, cut) = read_bounded(&mut response).await.map_err(transport)?;
            let (body, json) = self.decode(&body);
            tracing::debug!(
                "response: {status} in {} ms, {} bytes{}",
                started.elapsed().as_millis(),
                body.len(),
                if cut { " (cut)" } else { "" }
            );
            let mut answer = classify(Answer {
                status,
                content_type,
                location,
                retry_after: retry::parse_retry_after(&retry_after),
                body,
                json,
                cut,
            });
            if let Ok(answer) = &mut answer {
                answer.warnings = validation::warnings(&validated, answer.json.as_ref());
            }
            answer
        }
        .await
    }

    /// The body as text without a leading byte-order mark, and as JSON where it is JSON, with
    /// every secret scrubbed from both: from the text as received, and again from the decoded
    /// JSON, whose escapes may spell one. A body whose JSON held one is shown re-encoded.
    fn decode(&self, bytes: &[u8]) -> (String, Option<Value>) {
        let text = String::from_utf8_lossy(bytes);
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let body = self.secrets.scrub(text).into_owned();
        let mut json = serde_json::from_str::<Value>(&body).ok();
        let revealed = json
            .as_mut()
            .is_some_and(|value| self.secrets.scrub_json(value));
        match json {
            Some(value) if revealed => (value.to_string(), Some(value)),
            json => (body, json),
        }
    }
}

/// Reads at most [`MAX_ANSWER`] bytes of the body as it streams in; `true` when there was more.
/// What is not read is never buffered: the connection is dropped with the response.
async fn read_bounded(response: &mut reqwest::Response) -> Result<(Vec<u8>, bool), reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = MAX_ANSWER - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            return Ok((body, true));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, false))
}

/// Reads an export as it streams in, up to [`MAX_EXPORT`] bytes, for what is live and, when
/// asked, its content; what is not needed is never kept, and what follows the app's entity is
/// never read.
async fn read_export(
    response: &mut reqwest::Response,
    mut scanner: Reader,
) -> Result<Result<Export, String>, reqwest::Error> {
    let mut read = 0u64;
    while let Some(chunk) = response.chunk().await? {
        read += chunk.len() as u64;
        match scanner.feed(&chunk) {
            Ok(true) => break,
            Ok(false) if read > MAX_EXPORT => {
                return Ok(Err(format!(
                    "it ran past {} MiB without naming the live version",
                    MAX_EXPORT / (1024 * 1024)
                )));
            }
            Ok(false) => {}
            Err(err) => return Ok(Err(err.to_string())),
        }
    }
    Ok(scanner.finish().map_err(|err| err.to_string()))
}

/// An answer as read, before it is judged.
struct Answer {
    status: StatusCode,
    content_type: String,
    location: String,
    retry_after: Option<Duration>,
    body: String,
    json: Option<Value>,
    /// The body was longer than [`MAX_ANSWER`] and was cut there.
    cut: bool,
}

fn classify(answer: Answer) -> Result<ApiResponse, ApiError> {
    let Answer {
        status,
        content_type,
        location,
        retry_after,
        body,
        json,
        cut,
    } = answer;
    if status.is_redirection() {
        return Err(ApiError::Redirect { status, location });
    }
    if cut && status.is_success() {
        // Whatever it said, it cannot be read whole: the ids in it would be guesses.
        return Err(ApiError::Oversized { status, body });
    }
    if matches!(status.as_u16(), 502..=504) {
        // A gateway's word whatever its body, an HTML error page included: ToolJet may have acted.
        return Err(ApiError::from_status(status, body, retry_after, cut));
    }
    let content_type = if content_type.is_empty() {
        "no content type".to_owned()
    } else {
        content_type
    };
    if json.is_none() && !body.trim().is_empty() {
        if content_type.contains("html") || body.trim_start().starts_with('<') {
            // An HTML page is a front end or proxy answering in ToolJet's place, even with a 2xx.
            let title = super::error::page_title(&body);
            return Err(ApiError::NotJson {
                status,
                content_type,
                title,
                body,
            });
        }
        if status.is_success() {
            // ToolJet's API answered success, but with something unreadable: it may have acted.
            return Err(ApiError::Unreadable {
                status,
                why: format!("its answer ({content_type}) is not valid JSON, perhaps cut short"),
                body,
            });
        }
    }
    if status.is_success() {
        Ok(ApiResponse {
            status,
            body,
            json,
            live: None,
            content: None,
            warnings: None,
        })
    } else {
        Err(ApiError::from_status(status, body, retry_after, cut))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: StatusCode, content_type: &str, body: &str, cut: bool) -> Answer {
        Answer {
            status,
            content_type: content_type.to_owned(),
            location: String::new(),
            retry_after: None,
            body: body.to_owned(),
            json: serde_json::from_str(body).ok(),
            cut,
        }
    }

    #[test]
    fn html_with_2xx_is_not_success() {
        let err = classify(answer(
            StatusCode::OK,
            "text/html",
            "<html><title>Login</title></html>",
            false,
        ))
        .unwrap_err();
        assert!(
            matches!(err, ApiError::NotJson { title: Some(ref t), .. } if t == "Login"),
            "{err}"
        );
    }

    #[test]
    fn a_2xx_json_answer_cut_short_is_unreadable() {
        let err = classify(answer(
            StatusCode::CREATED,
            "application/json",
            "{\"id\":\"0f5f",
            false,
        ))
        .unwrap_err();
        assert!(matches!(err, ApiError::Unreadable { .. }), "{err}");
        assert!(!err.hint().contains("web front end"), "{}", err.hint());
    }

    #[test]
    fn a_byte_order_mark_before_json_is_accepted() {
        let client = Client::new(&connection("https://h.example.com/"), Arc::default()).unwrap();
        let (body, json) = client.decode("\u{feff}{\"id\":\"a\"}".as_bytes());
        assert_eq!(
            (body.as_str(), json),
            ("{\"id\":\"a\"}", Some(serde_json::json!({"id": "a"})))
        );
    }

    #[test]
    fn a_token_quoted_with_json_escapes_is_scrubbed_from_body_and_json() {
        let secrets = Arc::new(Secrets::new(["to/ken".to_owned()]));
        let client = Client::new(&connection("https://h.example.com/"), secrets).unwrap();
        let (body, json) = client.decode(br#"{"message":"bad token to\/ken"}"#);
        assert_eq!(body, r#"{"message":"bad token ***"}"#);
        assert_eq!(json.unwrap()["message"], "bad token ***");
    }

    #[test]
    fn empty_2xx_body_is_success() {
        let ok = classify(answer(StatusCode::CREATED, "", "", false)).unwrap();
        assert_eq!((ok.status, ok.json), (StatusCode::CREATED, None));
    }

    #[test]
    fn a_cut_2xx_answer_is_not_success() {
        let err =
            classify(answer(StatusCode::OK, "application/json", "{\"id\":", true)).unwrap_err();
        assert!(matches!(err, ApiError::Oversized { .. }), "{err}");
    }

    fn connection(url: &str) -> Connection {
        Connection {
            base_url: Url::parse(url).unwrap(),
            access_token: Secret::new("t"),
            timeout: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(1),
            ca_certificates: None,
            skip_tls_verify: false,
        }
    }

    #[test]
    fn url_keeps_sub_path_and_encodes_segments() {
        let client = Client::new(&connection("https://h.example.com/tj/"), Arc::default()).unwrap();
        let request = ApiRequest {
            method: reqwest::Method::PUT,
            path: vec!["apps".into(), "a/b c".into()],
            query: vec![
                ("createMode", "git".into()),
                ("branchName", "feat/x".into()),
            ],
            body: None,
            effect: super::super::Effect::Idempotent,
            reading: Reading::Json,
        };
        assert_eq!(
            client.url(&request).as_str(),
            "https://h.example.com/tj/api/ext/apps/a%2Fb%20c?createMode=git&branchName=feat%2Fx"
        );
    }
}
