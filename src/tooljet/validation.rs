//! ToolJet's app validation, as the writes that import app content (create from git, pull, a
//! release that pulls the latest tag) answer it.
//!
//! In its default *report* mode the write succeeds and says what it found: a header
//! `x-tooljet-validation-warnings: <count>`, and in a JSON object body a list
//! `validationWarnings`. In *enforce* mode the write is refused before anything is written:
//! 400 with `code: "APP_VALIDATION_FAILED"`, a summary `message`, the blocking `issues` and the
//! other `warnings`. All of it is server text: each field is kept to [`MAX_FIELD`] bytes and at
//! most [`MAX_KEPT`] issues are kept; the reports escape what they show.

use serde_json::Value;

use crate::redact::bounded;

/// The header ToolJet counts its warnings in.
pub const HEADER: &str = "x-tooljet-validation-warnings";
/// The `code` of ToolJet's refusal.
pub const REFUSED: &str = "APP_VALIDATION_FAILED";
/// Issues kept from one answer; the rest are counted.
const MAX_KEPT: usize = 100;
/// One field of an issue, at most.
const MAX_FIELD: usize = 500;

/// One problem ToolJet's validation found in the app's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    pub code: String,
    pub severity: String,
    pub path: String,
    pub message: String,
    pub fix: Option<String>,
}

impl Issue {
    fn from_json(value: &Value) -> Option<Self> {
        let field = |key: &str| {
            value
                .get(key)
                .and_then(Value::as_str)
                .map(|text| bounded(text, MAX_FIELD).into_owned())
        };
        Some(Self {
            code: field("code").unwrap_or_else(|| "UNKNOWN".to_owned()),
            severity: field("severity").unwrap_or_default(),
            path: field("path").unwrap_or_default(),
            message: field("message")?,
            fix: field("fix").filter(|fix| !fix.is_empty()),
        })
    }

    /// `COMPONENT_UNKNOWN_TYPE (high) at components.button1: … Fix: …`, as one line of text.
    pub fn line(&self) -> String {
        let mut line = self.code.clone();
        if !self.severity.is_empty() {
            line.push_str(&format!(" ({})", self.severity));
        }
        if !self.path.is_empty() {
            line.push_str(&format!(" at {}", self.path));
        }
        line.push_str(&format!(": {}", self.message));
        if let Some(fix) = &self.fix {
            line.push_str(&format!(" Fix: {fix}"));
        }
        line
    }
}

/// What the validation reported on a write that went through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Warnings {
    /// How many there were: the header's count, or the list's length if that is more.
    pub count: usize,
    /// How many the body listed; ToolJet gives only the header for a body that is no object.
    pub listed: usize,
    /// The first of those listed.
    pub issues: Vec<Issue>,
}

impl Warnings {
    /// How many ToolJet counted without listing them: what they are, no one was told.
    pub fn unlisted(&self) -> usize {
        self.count - self.listed
    }
}

/// The issues in a JSON list, at most [`MAX_KEPT`].
fn issues(list: Option<&Value>) -> (usize, Vec<Issue>) {
    let list = list
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let kept = list
        .iter()
        .take(MAX_KEPT)
        .filter_map(Issue::from_json)
        .collect();
    (list.len(), kept)
}

/// The warnings of a successful answer, from its header and body; `None` when it has none.
pub fn warnings(header: &str, body: Option<&Value>) -> Option<Warnings> {
    let counted = header.trim().parse::<usize>().unwrap_or_default();
    let (listed, issues) = issues(body.and_then(|body| body.get("validationWarnings")));
    let count = counted.max(listed);
    (count > 0).then_some(Warnings {
        count,
        listed,
        issues,
    })
}

/// ToolJet's refusal of the app's content, if that is what an error body is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// ToolJet's summary (`message`).
    pub summary: String,
    /// How many issues block, and the first of them.
    pub blocking: usize,
    pub issues: Vec<Issue>,
    /// How many warnings came beside them.
    pub warnings: usize,
}

/// The refusal in an error body with `code: "APP_VALIDATION_FAILED"`.
pub fn refusal(body: Option<&Value>) -> Option<Refusal> {
    let body = body?;
    if body.get("code").and_then(Value::as_str) != Some(REFUSED) {
        return None;
    }
    let (blocking, issues) = issues(body.get("issues"));
    let warnings = body
        .get("warnings")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    Some(Refusal {
        summary: body
            .get("message")
            .and_then(Value::as_str)
            .map(|text| bounded(text, MAX_FIELD).into_owned())
            .unwrap_or_default(),
        blocking,
        issues,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn issue(code: &str) -> Value {
        json!({"code": code, "severity": "high", "confidence": "certain",
               "path": "components.button1", "message": "is not a registered widget",
               "fix": "Use Button"})
    }

    #[test]
    fn warnings_are_read_from_the_body_and_the_header() {
        let body = json!({"id": "a", "validationWarnings": [issue("COMPONENT_UNKNOWN_TYPE")]});
        let found = warnings("1", Some(&body)).unwrap();
        assert_eq!((found.count, found.listed, found.unlisted()), (1, 1, 0));
        assert_eq!(
            found.issues[0].line(),
            "COMPONENT_UNKNOWN_TYPE (high) at components.button1: is not a registered widget \
             Fix: Use Button"
        );
    }

    #[test]
    fn a_count_in_the_header_with_no_list_is_a_count() {
        assert_eq!(
            warnings("7", None),
            Some(Warnings {
                count: 7,
                listed: 0,
                issues: Vec::new()
            })
        );
        let two = json!({"validationWarnings": [issue("A"), issue("B")]});
        assert_eq!(warnings("5", Some(&two)).unwrap().unlisted(), 3);
        assert_eq!(warnings("", Some(&json!({"id": "a"}))), None);
        assert_eq!(warnings("0", None), None);
    }

    #[test]
    fn a_thousand_warnings_keep_a_hundred_and_count_them_all() {
        let list: Vec<Value> = (0..1000).map(|n| issue(&format!("C{n}"))).collect();
        let found = warnings("", Some(&json!({"validationWarnings": list}))).unwrap();
        assert_eq!(
            (found.count, found.listed, found.issues.len()),
            (1000, 1000, MAX_KEPT)
        );
    }

    #[test]
    fn a_refusal_is_told_by_its_code() {
        let body = json!({"statusCode": 400, "code": "APP_VALIDATION_FAILED",
                          "message": "1 validation problem in components",
                          "issues": [issue("COMPONENT_UNKNOWN_TYPE")], "warnings": [issue("W"), issue("W")]});
        let refused = refusal(Some(&body)).unwrap();
        assert_eq!(
            (refused.blocking, refused.warnings, refused.summary.as_str()),
            (1, 2, "1 validation problem in components")
        );
        assert_eq!(
            refusal(Some(&json!({"statusCode": 400, "message": "x"}))),
            None
        );
    }

    #[test]
    fn a_huge_field_is_cut() {
        let mut long = issue("C");
        long["message"] = json!("x".repeat(100_000));
        let found = warnings("", Some(&json!({"validationWarnings": [long]}))).unwrap();
        assert!(found.issues[0].message.len() <= MAX_FIELD);
    }
}
