//! What can go wrong while loading a store, and what is worth a warning.
//!
//! Loading reports every fault it finds, each with the file and the JSON path
//! where it is ([`StoreFault`]); a store with any fault does not load.
//! [`StoreWarning`]s are findings that do not stop loading (compiler lints,
//! unused policies, unknown fields in an authorization-details document).

use std::fmt;
use std::path::PathBuf;

use tollgate_compiler::CompileError;
use tollgate_policy::{JsonPath, ParseErrorKind};

/// What is wrong at one place of one file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FaultKind {
    /// The file is not JSON.
    #[error("invalid JSON: {0}")]
    Json(String),
    /// A field the format does not define.
    #[error("unknown field `{0}`")]
    UnknownField(String),
    /// A value of the wrong JSON type.
    #[error("expected {expected}, found {found}")]
    WrongType {
        /// What the format wants here.
        expected: &'static str,
        /// What the file has.
        found: &'static str,
    },
    /// A required field is absent.
    #[error("missing required field `{0}`")]
    Missing(&'static str),
    /// A policy document breaks the grammar of its kind.
    #[error("{0}")]
    Policy(ParseErrorKind),
    /// A managed policy ARN that neither the store nor the AWS managed
    /// policy catalog holds.
    #[error("unknown managed policy `{0}`: {hint}", hint = supply_hint(.0))]
    UnknownPolicy(String),
    /// A group name that the account does not hold.
    #[error("unknown group `{0}`")]
    UnknownGroup(String),
    /// An SCP or RCP name that `organization/scps/` or `organization/rcps/` does not hold.
    #[error("unknown {kind} `{name}`")]
    UnknownControlPolicy {
        /// `SCP` or `RCP`.
        kind: &'static str,
        /// The name as referenced.
        name: String,
    },
    /// The same thing is defined twice.
    #[error("{0}")]
    Duplicate(String),
    /// A file that has no place in the store layout.
    #[error("unexpected file: {0}")]
    UnexpectedFile(String),
    /// A size limit was exceeded.
    #[error("{0}")]
    Limit(String),
    /// A value of the right type that is not acceptable.
    #[error("{0}")]
    Invalid(String),
}

/// One fault: where it is and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreFault {
    /// The file, relative to the store root with `/` separators (for
    /// session policies: `sessionPolicies[N]`).
    pub file: String,
    /// Where in the file.
    pub path: JsonPath,
    /// What is wrong.
    pub kind: FaultKind,
}

impl StoreFault {
    /// A fault in `file` at `path`.
    pub fn new(file: impl Into<String>, path: JsonPath, kind: FaultKind) -> Self {
        Self {
            file: file.into(),
            path,
            kind,
        }
    }
}

impl fmt::Display for StoreFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.file, self.path, self.kind)
    }
}

/// Every fault found in a store; never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreFaults(Vec<StoreFault>);

impl StoreFaults {
    /// Wraps a non-empty list; `None` when it is empty.
    pub(crate) fn from_vec(mut faults: Vec<StoreFault>) -> Option<Self> {
        if faults.is_empty() {
            return None;
        }
        faults.sort_by(|a, b| (&a.file, a.path.to_string()).cmp(&(&b.file, b.path.to_string())));
        faults.dedup();
        Some(Self(faults))
    }

    /// The faults, by file then path.
    pub fn faults(&self) -> &[StoreFault] {
        &self.0
    }
}

impl fmt::Display for StoreFaults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        write!(
            f,
            "the store has {count} fault{}:",
            if count == 1 { "" } else { "s" }
        )?;
        for fault in &self.0 {
            write!(f, "\n  {fault}")?;
        }
        Ok(())
    }
}

/// Why a store could not be loaded. Nothing of a store that fails to load
/// is kept: loading is all or nothing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A file or folder could not be read.
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        /// What could not be read.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The files have faults: every one found is listed.
    #[error("{0}")]
    Invalid(StoreFaults),
    /// The policies could not be compiled (a compiler limit).
    #[error("cannot compile the store: {0}")]
    Compile(#[from] CompileError),
    /// The store's compiler released a policy document before compiling
    /// every group that holds it: a defect of tollgate, not of the store.
    #[error(
        "cannot compile the store: policy document #{policy} was released before its last use (a tollgate defect; please report it)"
    )]
    ReleasedTooEarly {
        /// The document's index in load order.
        policy: usize,
    },
}

impl StoreError {
    /// The faults, for [`StoreError::Invalid`]; empty otherwise.
    pub fn faults(&self) -> &[StoreFault] {
        match self {
            StoreError::Invalid(faults) => faults.faults(),
            _ => &[],
        }
    }
}

/// A finding that does not stop loading. Warnings sort by file, then JSON
/// path, then message, with runs of digits compared as numbers
/// (`Statement[9]` before `Statement[10]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreWarning {
    /// The file, relative to the store root (for AWS managed policies from
    /// the built-in catalog: the policy ARN).
    pub file: String,
    /// Where in the file, as a JSON path (`$` for the whole file).
    pub path: String,
    /// What looks wrong.
    pub message: String,
}

impl StoreWarning {
    /// A warning about `file` at `path`.
    pub fn new(file: impl Into<String>, path: &JsonPath, message: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            path: path.to_string(),
            message: message.into(),
        }
    }
}

impl Ord for StoreWarning {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        natural_cmp(&self.file, &other.file)
            .then_with(|| natural_cmp(&self.path, &other.path))
            .then_with(|| natural_cmp(&self.message, &other.message))
            .then_with(|| {
                (&self.file, &self.path, &self.message).cmp(&(
                    &other.file,
                    &other.path,
                    &other.message,
                ))
            })
    }
}

impl PartialOrd for StoreWarning {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// A run of digits without its leading zeros.
fn strip_zeros(digits: &[u8]) -> &[u8] {
    let zeros = digits.iter().take_while(|c| **c == b'0').count();
    digits.split_at(zeros).1
}

/// Compares text with runs of ASCII digits read as numbers (leading zeros
/// ignored, then the longer run first equal), the rest byte by byte.
pub(crate) fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let run = |t: &[u8]| t.iter().take_while(|c| c.is_ascii_digit()).count();
                let (na, nb) = (run(a), run(b));
                let (da, rest_a) = a.split_at(na);
                let (db, rest_b) = b.split_at(nb);
                let (sa, sb) = (strip_zeros(da), strip_zeros(db));
                let order = sa.len().cmp(&sb.len()).then_with(|| sa.cmp(sb));
                if order != Ordering::Equal {
                    return order;
                }
                a = rest_a;
                b = rest_b;
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                a = a.split_at(1).1;
                b = b.split_at(1).1;
            }
        }
    }
}

impl fmt::Display for StoreWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.file, self.path, self.message)
    }
}

/// Faults and warnings gathered while reading the files.
#[derive(Debug, Default)]
pub(crate) struct Diagnostics {
    pub(crate) faults: Vec<StoreFault>,
    pub(crate) warnings: Vec<StoreWarning>,
}

impl Diagnostics {
    pub(crate) fn fault(&mut self, file: &str, path: &JsonPath, kind: FaultKind) {
        self.faults.push(StoreFault::new(file, path.clone(), kind));
    }

    pub(crate) fn warn(&mut self, file: &str, path: &JsonPath, message: impl Into<String>) {
        self.warnings.push(StoreWarning::new(file, path, message));
    }
}

/// How to supply a managed policy the store lacks: where its document goes.
fn supply_hint(arn: &str) -> String {
    let parsed = tollgate_policy::arn::Arn::parse(arn);
    let path = parsed
        .and_then(|a| a.resource.strip_prefix("policy/"))
        .unwrap_or("NAME");
    match parsed.map(|a| a.account) {
        Some("aws") => format!(
            "the built-in catalog of AWS managed policies does not have it (deprecated or newer than the catalog): add its document as `aws-managed/{path}.json`, or give the authorization-details export that lists it under `Policies`"
        ),
        Some(account) if !account.is_empty() => format!(
            "add its document as `accounts/{account}/policies/{path}.json`, or give the account's authorization-details export that lists it under `Policies`"
        ),
        _ => "add its document to the store (`accounts/ACCOUNT/policies/` or `aws-managed/`)"
            .to_owned(),
    }
}

#[cfg(test)]
mod order_tests {
    use super::*;

    #[test]
    fn warnings_sort_by_numeric_index() {
        let warning = |path: &str| StoreWarning {
            file: "accounts/111122223333/policies/p.json".into(),
            path: path.into(),
            message: "m".into(),
        };
        let mut warnings = [
            warning("Statement[10].Action[0]"),
            warning("Statement[9].Action[0]"),
            warning("Statement[1].Action[10]"),
            warning("Statement[1].Action[2]"),
        ];
        warnings.sort();
        let paths: Vec<&str> = warnings.iter().map(|w| w.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "Statement[1].Action[2]",
                "Statement[1].Action[10]",
                "Statement[9].Action[0]",
                "Statement[10].Action[0]"
            ]
        );
        assert_eq!(natural_cmp("a007", "a7"), std::cmp::Ordering::Equal);
        assert_eq!(natural_cmp("a", "a1"), std::cmp::Ordering::Less);
    }
}
