//! The one rule for what a failed request means, for every request of every step program.
//!
//! How far the request got ([`Reach`]) decides both things that follow from a failure: whether
//! it may be sent again ([`retry_reason`]), and whether the step may say ToolJet did not act
//! (`failure`) or must say it may have (`unknown`, [`outcome`]). A read that fails after a
//! write went through leaves the outcome unknown too: what the write did can no longer be
//! shown.

use std::fmt;

use reqwest::StatusCode;

use super::{ApiError, Effect};

/// The `outcome` output, ordered so that the step's is the worst of its apps': `unknown` (someone
/// must look before re-running) over `failure` over `success`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    Success,
    Failure,
    /// A request may have reached ToolJet and been acted on, and nothing shows what it did.
    Unknown,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How far a failed request got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// It never reached ToolJet: no connection, no proxy, no time left, or it could not even be
    /// built.
    NotSent,
    /// ToolJet (or what answers in its place) answered, and the answer says nothing was done.
    Refused,
    /// It may have reached ToolJet and been acted on, and no answer says what happened: no
    /// answer after it was sent, a gateway's 502, 503 or 504, a 2xx that cannot be read.
    MaybeActed,
}

/// How far `err`'s request got.
pub fn reach(err: &ApiError) -> Reach {
    match err {
        ApiError::ConnectionRefused { .. }
        | ApiError::Dns { .. }
        | ApiError::Proxy { .. }
        | ApiError::Tls { .. }
        | ApiError::OutOfTime { .. }
        | ApiError::NotBuilt { .. } => Reach::NotSent,
        ApiError::Timeout { connecting, .. } | ApiError::Connection { connecting, .. } => {
            match connecting {
                true => Reach::NotSent,
                false => Reach::MaybeActed,
            }
        }
        ApiError::Unreadable { .. } | ApiError::Oversized { .. } => Reach::MaybeActed,
        ApiError::Status { .. } if is_gateway(err) => Reach::MaybeActed,
        ApiError::Status { .. }
        | ApiError::ValidationFailed { .. }
        | ApiError::NotJson { .. }
        | ApiError::Redirect { .. } => Reach::Refused,
    }
}

/// A gateway's 502 or 504, or a 503 that is not ToolJet's own error: whatever stands in front of
/// ToolJet gave up on it, while ToolJet may have gone on and completed the request.
pub fn is_gateway(err: &ApiError) -> bool {
    match err {
        ApiError::Status {
            status,
            from_tooljet,
            ..
        } => match *status {
            StatusCode::BAD_GATEWAY | StatusCode::GATEWAY_TIMEOUT => true,
            StatusCode::SERVICE_UNAVAILABLE => !from_tooljet,
            _ => false,
        },
        _ => false,
    }
}

/// A failure that can pass by itself, so that the same request may do better a moment later.
fn passes(err: &ApiError) -> bool {
    match err {
        ApiError::ConnectionRefused { .. }
        | ApiError::Dns { .. }
        | ApiError::Proxy { .. }
        | ApiError::Timeout { .. }
        | ApiError::Connection { .. } => true,
        ApiError::Status { status, .. } => matches!(status.as_u16(), 429 | 502 | 503 | 504),
        _ => false,
    }
}

/// Why a request that failed with `err` may be sent again, or `None` when it must not be: every
/// request when it never reached ToolJet or ToolJet refused it for now (429, its own 503); only
/// a request that changes nothing or changes the same thing twice (`effect`) when it may have
/// been acted on.
pub fn retry_reason(err: &ApiError, effect: Effect) -> Option<String> {
    if !passes(err) {
        return None;
    }
    match reach(err) {
        Reach::NotSent => Some(format!("{err}; nothing was sent")),
        Reach::Refused => Some(err.to_string()),
        Reach::MaybeActed if effect != Effect::Once => {
            Some(format!("{err}; sending it again is safe for this request"))
        }
        Reach::MaybeActed => None,
    }
}

/// What the step may claim after a request failed with `err`: `unknown` when it may have
/// changed ToolJet, or when it was a read and an earlier write of the same program went
/// through (`wrote_before`), so that what the write did cannot be shown; else `failure`.
pub fn outcome(err: &ApiError, effect: Effect, wrote_before: bool) -> Outcome {
    match (reach(err), effect) {
        (Reach::MaybeActed, Effect::Idempotent | Effect::Once) => Outcome::Unknown,
        (_, Effect::Read) if wrote_before => Outcome::Unknown,
        _ => Outcome::Failure,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16, body: &str) -> ApiError {
        ApiError::from_status(
            StatusCode::from_u16(code).unwrap(),
            body.into(),
            None,
            false,
        )
    }

    const TOOLJET_503: &str = r#"{"statusCode":503,"message":"busy"}"#;

    /// Each kind of failure, as (name, error, how far it got, whether it can pass).
    fn kinds() -> Vec<(&'static str, ApiError, Reach, bool)> {
        vec![
            (
                "ToolJet's 400",
                status(400, r#"{"statusCode":400,"message":"x"}"#),
                Reach::Refused,
                false,
            ),
            ("429", status(429, ""), Reach::Refused, true),
            (
                "ToolJet's 503",
                status(503, TOOLJET_503),
                Reach::Refused,
                true,
            ),
            (
                "a gateway's 503",
                status(503, "<html>503</html>"),
                Reach::MaybeActed,
                true,
            ),
            ("502", status(502, ""), Reach::MaybeActed, true),
            ("504", status(504, "{}"), Reach::MaybeActed, true),
            (
                "500",
                status(500, r#"{"statusCode":500,"message":"x"}"#),
                Reach::Refused,
                false,
            ),
            (
                "out of time",
                ApiError::OutOfTime {
                    budget: std::time::Duration::from_secs(1),
                },
                Reach::NotSent,
                false,
            ),
            (
                "not built",
                ApiError::NotBuilt {
                    detail: "URL too long".into(),
                },
                Reach::NotSent,
                false,
            ),
            (
                "unreadable 2xx",
                ApiError::Unreadable {
                    status: StatusCode::CREATED,
                    why: "x".into(),
                    body: String::new(),
                },
                Reach::MaybeActed,
                false,
            ),
            (
                "oversized 2xx",
                ApiError::Oversized {
                    status: StatusCode::OK,
                    body: String::new(),
                },
                Reach::MaybeActed,
                false,
            ),
        ]
    }

    #[test]
    fn every_kind_of_failure_gets_its_outcome_and_retry_by_the_one_rule() {
        for (name, err, expected_reach, passes) in kinds() {
            assert_eq!(reach(&err), expected_reach, "{name}");
            for effect in [Effect::Read, Effect::Idempotent, Effect::Once] {
                let retried = retry_reason(&err, effect).is_some();
                let may_repeat = expected_reach != Reach::MaybeActed || effect != Effect::Once;
                assert_eq!(retried, passes && may_repeat, "{name}, {effect:?}: retried");
                let expected = match (expected_reach, effect) {
                    (Reach::MaybeActed, Effect::Idempotent | Effect::Once) => Outcome::Unknown,
                    _ => Outcome::Failure,
                };
                assert_eq!(outcome(&err, effect, false), expected, "{name}, {effect:?}");
            }
        }
    }

    #[test]
    fn a_read_that_fails_after_a_write_went_through_leaves_the_outcome_unknown() {
        for (name, err, ..) in kinds() {
            assert_eq!(
                outcome(&err, Effect::Read, true),
                Outcome::Unknown,
                "{name}"
            );
        }
        let refused = status(400, r#"{"statusCode":400,"message":"x"}"#);
        assert_eq!(
            outcome(&refused, Effect::Once, true),
            Outcome::Failure,
            "a refused write changed nothing, whatever came before"
        );
    }
}
