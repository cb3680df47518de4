//! How long to wait before trying again: backoff with jitter, or what `Retry-After` asks.
//! Whether to try again at all is `fate`'s rule.

use std::time::{Duration, SystemTime};

use super::ApiError;

/// The first wait; each retry doubles it, up to [`MAX_BACKOFF`], then jitter takes up to half off.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// The longest `Retry-After` honoured; a longer one means "not within this step".
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// How long to wait before retry number `retry` (from 0): the server's `Retry-After` if it sent
/// one, else exponential backoff with jitter, so that many runners do not retry in lockstep.
pub fn delay(retry: u32, err: &ApiError) -> Duration {
    if let Some(wait) = err.retry_after() {
        return wait.min(MAX_RETRY_AFTER);
    }
    let backoff = FIRST_BACKOFF
        .saturating_mul(2u32.saturating_pow(retry))
        .min(MAX_BACKOFF);
    backoff.mul_f64(0.5 + crate::random::unit() / 2.0)
}

/// Parses `Retry-After`: delay seconds, or an HTTP date (a date past is no wait).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_and_http_dates() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        // A day ahead: an hour of slack for however long this test takes to get here.
        let day = Duration::from_secs(86_400);
        let tomorrow = httpdate::fmt_http_date(SystemTime::now() + day);
        let wait = parse_retry_after(&tomorrow).unwrap();
        assert!(
            wait <= day && wait > day - Duration::from_secs(3_600),
            "{wait:?}"
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn backoff_grows_and_is_capped_with_jitter() {
        let err = ApiError::from_status(
            reqwest::StatusCode::SERVICE_UNAVAILABLE,
            String::new(),
            None,
            false,
        );
        for retry in 0..10 {
            let wait = delay(retry, &err);
            let full = FIRST_BACKOFF
                .saturating_mul(1 << retry.min(5))
                .min(MAX_BACKOFF);
            assert!(
                wait >= full / 2 && wait <= full,
                "retry {retry}: {wait:?} vs {full:?}"
            );
        }
    }
}
