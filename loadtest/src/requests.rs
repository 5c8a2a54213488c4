//! Request files: JSON lines, one request per line, cycled through during a
//! run. Blank lines are skipped; a bad line is reported as `FILE:LINE: ...`.
//!
//! `Authorize`/`AuthorizeBatch` lines:
//! `{"principal": "...", "action": "...", "resource": "...",
//!   "context": {"key": ["v", ...]}, "expect": "ALLOWED"}` (context, expect
//! and `resource_account` optional). `Check` lines:
//! `{"method": "GET", "path": "/photos/1", "headers": {...},
//!   "source_principal": "spiffe://...", "expect": "ALLOWED"|"DENIED"}`
//! (all but method and path optional). Built-in samples (for the embedded
//! example store) are used when no file is given.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::LoadError;

/// The built-in `Authorize` sample: the example store's documented requests
/// (`docs/policy-store.md`) with their answers.
pub const EXAMPLE_REQUESTS: &str = include_str!("../requests/example.jsonl");

/// The built-in `Check` sample.
pub const EXAMPLE_CHECKS: &str = include_str!("../requests/example-check.jsonl");

/// The answer a request expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    /// Allowed.
    Allowed,
    /// Denied by an applicable Deny statement.
    ExplicitDeny,
    /// Denied because nothing allows.
    ImplicitDeny,
    /// Denied, either way (the only denial a `Check` answer can tell).
    Denied,
}

impl Verdict {
    /// Whether an answer of `allowed` with the finer `kind` (when known)
    /// meets this expectation.
    pub fn accepts(self, answer: Verdict) -> bool {
        match (self, answer) {
            (Verdict::Denied, Verdict::ExplicitDeny | Verdict::ImplicitDeny | Verdict::Denied) => {
                true
            }
            (expected, answer) => expected == answer,
        }
    }
}

/// One condition value as written in a request file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum ContextValue {
    /// A string.
    String(String),
    /// A number.
    Number(f64),
    /// A boolean.
    Bool(bool),
}

/// A condition key's values: a list, or a single value.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum ContextValues {
    /// Several values.
    Many(Vec<ContextValue>),
    /// One value.
    One(ContextValue),
}

impl ContextValues {
    /// The values as a slice.
    pub fn as_slice(&self) -> &[ContextValue] {
        match self {
            ContextValues::Many(values) => values,
            ContextValues::One(value) => std::slice::from_ref(value),
        }
    }
}

/// One `Authorize` question.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AuthorizeLine {
    /// Who asks.
    pub principal: String,
    /// `service:Action`.
    pub action: String,
    /// The resource ARN or `*`.
    pub resource: String,
    /// The resource's account when the ARN does not say.
    #[serde(default)]
    pub resource_account: String,
    /// Condition keys and values.
    #[serde(default)]
    pub context: BTreeMap<String, ContextValues>,
    /// The expected answer.
    #[serde(default)]
    pub expect: Option<Verdict>,
}

/// One Envoy `Check`: the HTTP request Envoy asks about.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct CheckLine {
    /// The HTTP method.
    pub method: String,
    /// The path, with the query string if any.
    pub path: String,
    /// Request headers (names are lowercased, as Envoy sends them).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The peer's identity (a SPIFFE ID from its certificate).
    #[serde(default)]
    pub source_principal: String,
    /// The expected answer: `ALLOWED` or `DENIED`.
    #[serde(default)]
    pub expect: Option<Verdict>,
}

/// Reads `path`'s lines as `T`s.
pub fn read_file<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_lines(&text, path)
}

/// Parses JSON lines; `path` names the source in errors.
pub fn parse_lines<T: for<'de> Deserialize<'de>>(
    text: &str,
    path: &Path,
) -> Result<Vec<T>, LoadError> {
    let mut items = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let item = serde_json::from_str(line).map_err(|e| LoadError::Line {
            path: path.to_path_buf(),
            line: index + 1,
            message: e.to_string(),
        })?;
        items.push(item);
    }
    if items.is_empty() {
        return Err(LoadError::Empty(path.to_path_buf()));
    }
    Ok(items)
}

/// The `Authorize` requests of `file`, or the built-in sample.
pub fn authorize_lines(file: Option<&Path>) -> Result<Vec<AuthorizeLine>, LoadError> {
    match file {
        Some(path) => read_file(path),
        None => parse_lines(EXAMPLE_REQUESTS, &PathBuf::from("<built-in example.jsonl>")),
    }
}

/// The `Check` requests of `file`, or the built-in sample.
pub fn check_lines(file: Option<&Path>) -> Result<Vec<CheckLine>, LoadError> {
    match file {
        Some(path) => read_file(path),
        None => parse_lines(
            EXAMPLE_CHECKS,
            &PathBuf::from("<built-in example-check.jsonl>"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_samples_parse() {
        let lines = authorize_lines(None).unwrap();
        assert_eq!(lines.len(), 18);
        assert!(lines.iter().all(|l| l.expect.is_some()));
        assert!(check_lines(None).unwrap().len() >= 3);
    }

    #[test]
    fn a_line_reads_every_field() {
        let text = r#"{"principal": "p", "action": "s3:GetObject", "resource": "*",
            "context": {"aws:SourceIp": ["10.0.0.1"], "n": 3, "b": [true]}, "expect": "EXPLICIT_DENY"}"#
            .replace('\n', " ");
        let lines: Vec<AuthorizeLine> = parse_lines(&text, Path::new("f")).unwrap();
        let line = &lines[0];
        assert_eq!(line.expect, Some(Verdict::ExplicitDeny));
        assert_eq!(
            line.context["aws:SourceIp"].as_slice(),
            &[ContextValue::String("10.0.0.1".into())]
        );
        assert_eq!(line.context["n"].as_slice(), &[ContextValue::Number(3.0)]);
        assert_eq!(line.context["b"].as_slice(), &[ContextValue::Bool(true)]);
    }

    #[test]
    fn a_bad_line_is_named_by_file_and_number() {
        let text = "\n{\"principal\": \"p\", \"action\": \"a\", \"resource\": \"r\"}\n{\"principal\": 1}\n";
        let error = parse_lines::<AuthorizeLine>(text, Path::new("reqs.jsonl")).unwrap_err();
        assert!(error.to_string().starts_with("reqs.jsonl:3: "), "{error}");
        let error = parse_lines::<AuthorizeLine>("\n\n", Path::new("e")).unwrap_err();
        assert_eq!(error.to_string(), "`e` holds no request");
    }

    #[test]
    fn denied_accepts_either_denial() {
        assert!(Verdict::Denied.accepts(Verdict::ExplicitDeny));
        assert!(Verdict::Denied.accepts(Verdict::ImplicitDeny));
        assert!(!Verdict::Denied.accepts(Verdict::Allowed));
        assert!(!Verdict::ExplicitDeny.accepts(Verdict::ImplicitDeny));
        assert!(Verdict::Allowed.accepts(Verdict::Allowed));
    }
}
