//! Reading suite files: bounded (file size, case count; serde_json bounds
//! nesting), every field checked, unknown fields refused, each fault naming
//! the file and its JSON path.
//!
//! ```json
//! {"description": "...", "tests": [
//!   {"name": "...", "principal": "...", "action": "...", "resource": "...",
//!    "resourceAccount": "...", "context": {"aws:SourceIp": "10.0.0.1", "aws:TagKeys": ["a", "b"]},
//!    "sessionPolicies": [{"Version": "2012-10-17", "Statement": [...]}],
//!    "expect": "allowed", "expectDecisive": [{"policy": "...", "index": 0, "sid": "..."}]}
//! ]}
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use tollgate_policy::DecisionKind;
use tollgate_proto::v1::{AuthorizeRequest, ContextValue, ContextValues, context_value};
use tollgate_store::files::{FileError, read_regular};

use crate::case::{ExpectedStatement, Suite, TestCase};
use crate::error::SuiteError;

/// Bounds on what one suite file may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuiteLimits {
    /// The largest file, in bytes (16 MiB by default).
    pub max_file_bytes: u64,
    /// The most cases in one file (100,000 by default).
    pub max_cases: usize,
}

impl Default for SuiteLimits {
    fn default() -> Self {
        Self {
            max_file_bytes: 16 * 1024 * 1024,
            max_cases: 100_000,
        }
    }
}

const SUITE_FIELDS: &[&str] = &["description", "tests"];
const CASE_FIELDS: &[&str] = &[
    "name",
    "description",
    "principal",
    "action",
    "resource",
    "resourceAccount",
    "context",
    "sessionPolicies",
    "expect",
    "expectDecisive",
];
const DECISIVE_FIELDS: &[&str] = &["policy", "index", "sid"];

/// The suite files under `paths`: a file as given, a folder's `*.json` files
/// (recursively, in path order, names starting with `.` skipped).
pub fn suite_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, SuiteError> {
    let mut files = Vec::new();
    for path in paths {
        let metadata = std::fs::metadata(path).map_err(|e| io(path, &e))?;
        if metadata.is_dir() {
            let mut found = Vec::new();
            collect_json(path, &mut found, 0)?;
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

/// How deep a folder of suites may nest.
const MAX_FOLDER_DEPTH: usize = 32;

fn collect_json(dir: &Path, found: &mut Vec<PathBuf>, depth: usize) -> Result<(), SuiteError> {
    if depth > MAX_FOLDER_DEPTH {
        return Err(SuiteError::Io {
            path: dir.to_owned(),
            message: format!("folders nest deeper than {MAX_FOLDER_DEPTH} levels"),
        });
    }
    for entry in std::fs::read_dir(dir).map_err(|e| io(dir, &e))? {
        let entry = entry.map_err(|e| io(dir, &e))?;
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        // Not followed: a symlinked folder could loop.
        let kind = entry.file_type().map_err(|e| io(&path, &e))?;
        if kind.is_dir() {
            collect_json(&path, found, depth + 1)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            found.push(path);
        }
    }
    Ok(())
}

fn io(path: &Path, error: &std::io::Error) -> SuiteError {
    SuiteError::Io {
        path: path.to_owned(),
        message: error.to_string(),
    }
}

/// Reads one suite file with the store's hostile-file reader
/// ([`tollgate_store::files::read_regular`]): only a regular file (a FIFO
/// or a device is refused without blocking), at most
/// `limits.max_file_bytes` of it, counted as read.
pub fn read_suite(path: &Path, limits: &SuiteLimits) -> Result<Suite, SuiteError> {
    let bytes = read_regular(path, limits.max_file_bytes).map_err(|error| match error {
        FileError::TooLarge { limit, .. } => SuiteError::TooLarge {
            path: path.to_owned(),
            limit,
        },
        other => SuiteError::Io {
            path: path.to_owned(),
            message: other.to_string(),
        },
    })?;
    read_suite_bytes(&path.display().to_string(), &bytes, limits)
}

/// Reads a suite from `bytes`; `file` names it in faults and reports.
pub fn read_suite_bytes(
    file: &str,
    bytes: &[u8],
    limits: &SuiteLimits,
) -> Result<Suite, SuiteError> {
    let invalid = |path: &str, message: String| SuiteError::Invalid {
        file: file.to_owned(),
        path: path.to_owned(),
        message,
    };
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(invalid(
            "$",
            format!(
                "more than {} bytes (the suite file limit)",
                limits.max_file_bytes
            ),
        ));
    }
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| invalid("$", format!("not JSON: {e}")))?;
    let Value::Object(top) = value else {
        return Err(invalid(
            "$",
            "expected an object with a `tests` list".to_owned(),
        ));
    };
    check_fields(&top, SUITE_FIELDS, "").map_err(|(p, m)| invalid(&p, m))?;
    let Some(Value::Array(tests)) = top.get("tests") else {
        return Err(invalid("tests", "required: a list of cases".to_owned()));
    };
    if tests.len() > limits.max_cases {
        return Err(invalid(
            "tests",
            format!(
                "{} cases, more than the limit of {}",
                tests.len(),
                limits.max_cases
            ),
        ));
    }
    let mut cases = Vec::with_capacity(tests.len());
    for (index, test) in tests.iter().enumerate() {
        let at = format!("tests[{index}]");
        let case = read_case(test, &at, file).map_err(|(p, m)| invalid(&p, m))?;
        cases.push(case);
    }
    Ok(Suite {
        file: file.to_owned(),
        cases,
    })
}

/// A fault: its JSON path and message.
type Fault = (String, String);

fn check_fields(object: &Map<String, Value>, known: &[&str], at: &str) -> Result<(), Fault> {
    match object.keys().find(|k| !known.contains(&k.as_str())) {
        Some(unknown) => Err((
            join(at, unknown),
            format!(
                "unknown field `{unknown}`; expected one of {}",
                known.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

fn join(at: &str, field: &str) -> String {
    if at.is_empty() {
        field.to_owned()
    } else {
        format!("{at}.{field}")
    }
}

fn string(object: &Map<String, Value>, field: &str, at: &str) -> Result<Option<String>, Fault> {
    match object.get(field) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(other) => Err((
            join(at, field),
            format!("expected a string, found {}", type_name(other)),
        )),
    }
}

fn required(object: &Map<String, Value>, field: &str, at: &str) -> Result<String, Fault> {
    string(object, field, at)?.ok_or_else(|| (join(at, field), "required".to_owned()))
}

fn type_name(value: &Value) -> &'static str {
    tollgate_policy::json_type_name(value)
}

fn read_case(value: &Value, at: &str, file: &str) -> Result<TestCase, Fault> {
    let Value::Object(object) = value else {
        return Err((
            at.to_owned(),
            format!("expected an object, found {}", type_name(value)),
        ));
    };
    check_fields(object, CASE_FIELDS, at)?;
    let name = required(object, "name", at)?;
    let expect_text = required(object, "expect", at)?;
    let expect = DecisionKind::parse(&expect_text).ok_or_else(|| {
        (
            join(at, "expect"),
            format!("`{expect_text}`: expected `allowed`, `explicitDeny` or `implicitDeny`"),
        )
    })?;
    let request = AuthorizeRequest {
        principal: required(object, "principal", at)?,
        action: required(object, "action", at)?,
        resource: required(object, "resource", at)?,
        resource_account: string(object, "resourceAccount", at)?.unwrap_or_default(),
        context: read_context(object.get("context"), &join(at, "context"))?,
        session_policies: read_session_policies(
            object.get("sessionPolicies"),
            &join(at, "sessionPolicies"),
        )?,
        explain: true,
    };
    let expect_decisive = read_expected(object.get("expectDecisive"), &join(at, "expectDecisive"))?;
    Ok(TestCase {
        name,
        location: format!("{file} {at}"),
        request,
        expect,
        expect_decisive,
    })
}

/// `{"key": value-or-list}`; values are strings, numbers or booleans, as in
/// the scenario contract. Duplicate keys in other case are left to the
/// request reader, which refuses them as the API does.
fn read_context(value: Option<&Value>, at: &str) -> Result<HashMap<String, ContextValues>, Fault> {
    let Some(value) = value else {
        return Ok(HashMap::new());
    };
    let Value::Object(map) = value else {
        return Err((
            at.to_owned(),
            format!("expected an object, found {}", type_name(value)),
        ));
    };
    let mut context = HashMap::with_capacity(map.len());
    for (key, given) in map {
        let key_at = format!("{at}[\"{key}\"]");
        let values = match given {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| context_value(item, &format!("{key_at}[{i}]")))
                .collect::<Result<Vec<_>, _>>()?,
            single => vec![context_value(single, &key_at)?],
        };
        context.insert(key.clone(), ContextValues { values });
    }
    Ok(context)
}

fn context_value(value: &Value, at: &str) -> Result<ContextValue, Fault> {
    use context_value::Value as Wire;
    let wire = match value {
        Value::String(text) => Wire::StringValue(text.clone()),
        Value::Bool(flag) => Wire::BoolValue(*flag),
        Value::Number(number) => match number.as_f64() {
            Some(n) => Wire::NumberValue(n),
            None => return Err((at.to_owned(), format!("`{number}` is not a number"))),
        },
        other => {
            return Err((
                at.to_owned(),
                format!(
                    "expected a string, number or boolean, found {}",
                    type_name(other)
                ),
            ));
        }
    };
    Ok(ContextValue { value: Some(wire) })
}

/// Session policies as documents (JSON objects), passed on as text for the
/// store's compiler to read, as the API takes them.
fn read_session_policies(value: Option<&Value>, at: &str) -> Result<Vec<String>, Fault> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let Value::Array(documents) = value else {
        return Err((
            at.to_owned(),
            format!(
                "expected a list of policy documents, found {}",
                type_name(value)
            ),
        ));
    };
    documents
        .iter()
        .enumerate()
        .map(|(i, document)| match document {
            Value::Object(_) => Ok(document.to_string()),
            other => Err((
                format!("{at}[{i}]"),
                format!(
                    "expected a policy document (an object), found {}",
                    type_name(other)
                ),
            )),
        })
        .collect()
}

fn read_expected(value: Option<&Value>, at: &str) -> Result<Vec<ExpectedStatement>, Fault> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let Value::Array(items) = value else {
        return Err((
            at.to_owned(),
            format!("expected a list, found {}", type_name(value)),
        ));
    };
    let mut expected = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let item_at = format!("{at}[{i}]");
        let Value::Object(object) = item else {
            return Err((
                item_at,
                format!("expected an object, found {}", type_name(item)),
            ));
        };
        check_fields(object, DECISIVE_FIELDS, &item_at)?;
        let index = match object.get("index") {
            None => None,
            Some(Value::Number(n)) => match n.as_u64().and_then(|n| usize::try_from(n).ok()) {
                Some(n) => Some(n),
                None => {
                    return Err((
                        join(&item_at, "index"),
                        format!("`{n}` is not a statement index"),
                    ));
                }
            },
            Some(other) => {
                return Err((
                    join(&item_at, "index"),
                    format!("expected a number, found {}", type_name(other)),
                ));
            }
        };
        expected.push(ExpectedStatement {
            policy: required(object, "policy", &item_at)?,
            index,
            sid: string(object, "sid", &item_at)?,
        });
    }
    Ok(expected)
}
