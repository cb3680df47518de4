//! Where ToolJet is and how to reach it: the URL, the token and the trusted certificates.

use reqwest::Url;

use super::InputError;
use super::values::given;
use crate::environment::RunContext;
use crate::redact::Secret;

pub(super) fn parse_base_url(value: &str, allow_insecure_http: bool) -> Result<Url, InputError> {
    const INPUT: &str = "tooljet-url";
    let value = given(value).ok_or_else(|| {
        InputError::new(
            INPUT,
            "is required (or set the TOOLJET_HOST environment variable), e.g. https://tooljet.example.com",
        )
    })?;
    let mut url = Url::parse(value).map_err(|err| {
        let punycode = match err {
            url::ParseError::IdnaError => {
                ": a host name with letters beyond ASCII is given in its punycode form \
                 (xn--…), as `idn2` or any IDNA converter writes it"
            }
            _ => "",
        };
        InputError::new(
            INPUT,
            format!(
                "is not a valid URL ({err}){punycode}; expected e.g. https://tooljet.example.com"
            ),
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(InputError::new(
            INPUT,
            "must be an http:// or https:// URL with a host name",
        ));
    }
    if let Some(base) = page_base(&url) {
        return Err(InputError::new(
            INPUT,
            format!(
                "is the address of a page in ToolJet's web app, not the instance's base URL: use {base}"
            ),
        ));
    }
    if url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(InputError::new(
            INPUT,
            "must be the instance's base URL only, without credentials, query or fragment",
        ));
    }
    let path = url.path().trim_end_matches('/').to_owned();
    if let Some(base) = path
        .strip_suffix("/api/ext")
        .or_else(|| path.strip_suffix("/api"))
    {
        return Err(InputError::new(
            INPUT,
            format!(
                "must be the instance's base URL, without the API path (the action adds /api/ext): use {}",
                with_path(&url, base)
            ),
        ));
    }
    if url.scheme() == "http" && !allow_insecure_http && !is_loopback(&url) {
        return Err(InputError::new(
            INPUT,
            "uses plain http:// to a host that is not this machine, which would send the token unencrypted: \
             use https://, or set `allow-insecure-http: true` for a trusted private network",
        ));
    }
    url.set_path(&format!("{path}/"));
    Ok(url)
}

/// Pages of ToolJet's web app under a workspace (`/<workspace>/apps/<id>`), and pages at the
/// instance's root (`/applications/<slug>`, `/login`).
const WORKSPACE_PAGES: [&str; 6] = [
    "apps",
    "workflows",
    "database",
    "data-sources",
    "workspace-settings",
    "settings",
];
const ROOT_PAGES: [&str; 5] = [
    "applications",
    "login",
    "signup",
    "instance-settings",
    "switch-workspace",
];

/// The base URL a pasted browser address belongs to, if `url` is one: the path before the page
/// (and before its workspace), sub path kept.
fn page_base(url: &Url) -> Option<String> {
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let end = segments.iter().enumerate().find_map(|(i, segment)| {
        if ROOT_PAGES.contains(segment) {
            Some(i)
        } else if WORKSPACE_PAGES.contains(segment) && i >= 1 {
            Some(i - 1)
        } else {
            None
        }
    })?;
    Some(with_path(url, &format!("/{}", segments[..end].join("/"))))
}

/// `url`'s scheme, host and port with `path`, and nothing else: how the base URL is written.
fn with_path(url: &Url, path: &str) -> String {
    let mut base = url.clone();
    base.set_query(None);
    base.set_fragment(None);
    base.set_path(path);
    base.as_str().trim_end_matches('/').to_owned()
}

fn is_loopback(url: &Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

pub(super) fn parse_token(value: &str) -> Result<Secret, InputError> {
    const INPUT: &str = "access-token";
    let token = given(value).ok_or_else(|| {
        InputError::new(
            INPUT,
            "is required (or set the TOOLJET_ACCESS_TOKEN environment variable): ToolJet's EXTERNAL_API_ACCESS_TOKEN",
        )
    })?;
    // Bytes, not a str slice: a multi-byte character across byte 6 must not panic here.
    if token
        .as_bytes()
        .get(..6)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case(b"basic "))
    {
        return Err(InputError::new(
            INPUT,
            "must be the token alone, without the \"Basic \" prefix",
        ));
    }
    if !token.bytes().all(|byte| byte.is_ascii_graphic()) {
        return Err(InputError::new(
            INPUT,
            "contains spaces, line breaks or non-ASCII characters; ToolJet tokens are one word of printable ASCII",
        ));
    }
    Ok(Secret::new(token))
}

/// The largest certificate file read: a bundle of a few hundred CAs fits many times over.
pub(super) const MAX_CA_FILE: u64 = 1024 * 1024;

/// At most `limit` bytes of the file at `path`; a longer file (or `/dev/zero`) is an error,
/// found after reading `limit + 1` bytes, never the whole of it.
pub(super) fn read_bounded(path: &std::path::Path, limit: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(std::io::Error::other(format!(
            "it is larger than {} KiB",
            limit / 1024
        )));
    }
    Ok(bytes)
}

/// PEM text, or the path of a PEM file (relative paths are in the workspace).
pub(super) fn parse_ca_certificate(
    value: &str,
    context: &RunContext,
) -> Result<Option<Vec<u8>>, InputError> {
    const INPUT: &str = "ca-certificate";
    let Some(value) = given(value) else {
        return Ok(None);
    };
    let pem = if value.contains("-----BEGIN") {
        value.as_bytes().to_vec()
    } else {
        let path = context.path_of(value);
        read_bounded(&path, MAX_CA_FILE).map_err(|err| {
            InputError::new(
                INPUT,
                format!(
                    "is neither PEM text nor a readable file: {}: {err}",
                    path.display()
                ),
            )
        })?
    };
    let text = String::from_utf8_lossy(&pem);
    if !text.contains("-----BEGIN CERTIFICATE-----") {
        return Err(InputError::new(
            INPUT,
            "holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
        ));
    }
    if let Err(err) = reqwest::Certificate::from_pem_bundle(&pem) {
        return Err(InputError::new(
            INPUT,
            format!("holds a certificate that cannot be parsed: {err}"),
        ));
    }
    Ok(Some(pem))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_keeps_its_sub_path_and_gains_a_trailing_slash() {
        assert_eq!(
            parse_base_url("https://h.example.com/tooljet", false)
                .unwrap()
                .as_str(),
            "https://h.example.com/tooljet/"
        );
        assert_eq!(
            parse_base_url("https://h.example.com//", false)
                .unwrap()
                .as_str(),
            "https://h.example.com/"
        );
    }

    #[test]
    fn a_pasted_browser_address_gets_the_base_url_to_use() {
        for (pasted, base) in [
            (
                "https://tj.example.com/acme/apps/0f5f3ad1-8f1e-4a53-9d0f-5a1e0c2b7d11?v=1",
                "https://tj.example.com",
            ),
            (
                "https://tj.example.com/tooljet/acme/apps/x",
                "https://tj.example.com/tooljet",
            ),
            (
                "https://tj.example.com:8443/applications/inventory",
                "https://tj.example.com:8443",
            ),
            ("https://tj.example.com/login", "https://tj.example.com"),
        ] {
            let err = parse_base_url(pasted, false).unwrap_err();
            assert!(
                err.problem.ends_with(&format!(": use {base}")),
                "{pasted}: {err}"
            );
        }
        assert!(
            parse_base_url("https://tj.example.com/apps", false).is_ok(),
            "a sub path named apps"
        );
    }

    #[test]
    fn a_host_name_beyond_ascii_is_asked_for_in_punycode() {
        let err = parse_base_url("https://tööljet.example.com", false).unwrap_err();
        assert!(err.problem.contains("punycode form (xn--…)"), "{err}");
        assert!(parse_base_url("https://xn--tljet-jua.example.com", false).is_ok());
    }

    #[test]
    fn base_url_with_the_api_path_is_refused() {
        let err = parse_base_url("https://h.example.com/tj/api/ext/", false).unwrap_err();
        assert_eq!(err.input, "tooljet-url");
        assert!(
            err.problem.ends_with("use https://h.example.com/tj"),
            "{err}"
        );
    }

    #[test]
    fn a_non_ascii_character_across_byte_six_is_refused_without_a_panic() {
        let err = parse_token("s3cr3é-token").unwrap_err();
        assert!(err.problem.contains("non-ASCII"), "{err}");
        assert!(!err.to_string().contains("s3cr3"), "{err}");
    }

    #[test]
    fn an_endless_certificate_file_is_refused_after_the_bound() {
        let err = read_bounded(std::path::Path::new("/dev/zero"), MAX_CA_FILE).unwrap_err();
        assert!(err.to_string().contains("larger than 1024 KiB"), "{err}");
    }

    #[test]
    fn token_with_basic_prefix_is_refused_without_echoing_it() {
        let err = parse_token("Basic s3cret").unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
    }
}
