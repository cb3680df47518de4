//! Which proxy, if any, carries the requests to ToolJet, and the credentials it holds.
//!
//! reqwest picks the proxy from `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` with
//! hyper-util's matcher; asking the same matcher here means a failure can name the proxy that
//! really failed instead of blaming ToolJet.

use std::fmt;

use hyper_util::client::proxy::matcher::Matcher;
use percent_encoding::percent_decode_str;
use reqwest::Url;

/// The environment variables a proxy URL may come from, in either case.
const PROXY_VARIABLES: [&str; 6] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// The proxy that requests to ToolJet go through: its host and port, never its credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proxy {
    pub host: String,
    pub port: u16,
}

impl fmt::Display for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// True when `NO_PROXY` (or `no_proxy`) holds `*`, which means every host, as curl reads
/// it. hyper-util's matcher, and so reqwest, match `*` against host names only and would
/// still send a request for an IP address (with its token) through the proxy.
pub fn bypassed_everywhere() -> bool {
    ["NO_PROXY", "no_proxy"].iter().any(|name| {
        std::env::var(name).is_ok_and(|value| value.split(',').any(|entry| entry.trim() == "*"))
    })
}

impl Proxy {
    /// The proxy the process environment sets for `url`, as reqwest will use it.
    pub fn for_url(url: &Url) -> Option<Self> {
        if bypassed_everywhere() {
            return None;
        }
        let uri = url.as_str().parse::<http::Uri>().ok()?;
        let intercept = Matcher::from_env().intercept(&uri)?;
        let proxy = intercept.uri();
        let default_port = if proxy.scheme_str() == Some("https") {
            443
        } else {
            80
        };
        Some(Self {
            host: proxy.host()?.to_owned(),
            port: proxy.port_u16().unwrap_or(default_port),
        })
    }
}

/// The credentials in any proxy variable of `vars`, as given and percent-decoded, so that they
/// can be masked and scrubbed like the token.
pub fn credentials(vars: &[(String, String)]) -> Vec<String> {
    let mut found = Vec::new();
    for (name, value) in vars {
        if !PROXY_VARIABLES.contains(&name.as_str()) || value.trim().is_empty() {
            continue;
        }
        let value = value.trim();
        let url = Url::parse(value).or_else(|_| Url::parse(&format!("http://{value}")));
        let Ok(url) = url else { continue };
        let Some(password) = url.password() else {
            continue;
        };
        let decoded = percent_decode_str(password)
            .decode_utf8_lossy()
            .into_owned();
        found.push(format!("{}:{password}", url.username()));
        found.push(password.to_owned());
        found.push(decoded);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_passwords_are_found_as_given_and_decoded() {
        let vars = [
            ("HTTPS_PROXY", "http://deploy:p%40ss@proxy.example:3128"),
            ("no_proxy", "user:not-a-proxy@example"),
            ("http_proxy", "proxy.example:8080"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()));
        assert_eq!(
            credentials(&vars),
            ["deploy:p%40ss", "p%40ss", "p@ss"].map(str::to_owned)
        );
    }
}
