//! Which failures are safe to try again, and how long to wait first.
//!
//! A deploy step must never replay a push, create, save, promote or configure once ToolJet
//! may have acted on it. So every operation retries only what certainly never reached
//! ToolJet (no connection, 429, 503), and only idempotent ones (pull, release, reads) also
//! retry 502, 504, read timeouts and connections dropped after the request was sent.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::ApiError;

/// The first wait; each retry doubles it, up to [`MAX_BACKOFF`], then jitter takes up to half off.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// The longest `Retry-After` honoured; a longer one means "not within this step".
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// Why a failed attempt may be tried again, or `None` when it must not be.
pub fn reason(err: &ApiError, idempotent: bool) -> Option<String> {
    if matches!(err, ApiError::OutOfTime { .. }) {
        return None;
    }
    if err.never_sent() {
        return Some(format!("{err}; nothing was sent"));
    }
    match (err.status().map(|s| s.as_u16()), idempotent) {
        (Some(429 | 503), _) => Some(err.to_string()),
        (Some(502 | 504), true) => Some(err.to_string()),
        (None, true) if err.outcome_unknown() => {
            Some(format!("{err}; repeating it is safe for this operation"))
        }
        _ => None,
    }
}

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

/// Parses `Retry-After`: delay seconds, or an HTTP date (IMF-fixdate).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = parse_http_date(value)?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(Duration::from_secs(at.saturating_sub(now)))
}

/// "Sun, 06 Nov 1994 08:49:37 GMT" as seconds since the Unix epoch.
fn parse_http_date(value: &str) -> Option<u64> {
    let parts: Vec<&str> = value.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| m == month)? as i64 + 1;
    let (day, year): (i64, i64) = (day.parse().ok()?, year.parse().ok()?);
    let hms: Vec<i64> = time
        .split(':')
        .map(|n| n.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, s] = hms.as_slice() else {
        return None;
    };
    // Howard Hinnant's days-from-civil.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 + h * 3_600 + m * 60 + s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_and_http_dates() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
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

    #[test]
    fn only_idempotent_operations_retry_502() {
        let err =
            ApiError::from_status(reqwest::StatusCode::BAD_GATEWAY, String::new(), None, false);
        assert!(reason(&err, true).is_some());
        assert!(reason(&err, false).is_none());
    }
}
