//! Errors found while parsing a policy document. Every fault names the JSON
//! path where it is, and a parse reports all faults it finds, not only the first.

use std::fmt;

use crate::path::JsonPath;

/// User input for an error message: in backticks, cut after 100 bytes so a
/// hostile value cannot make a message huge.
pub fn quoted(text: &str) -> String {
    const MAX: usize = 100;
    let mut end = text.len().min(MAX);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    match text.get(..end) {
        Some(head) if end < text.len() => format!("`{head}...`"),
        _ => format!("`{text}`"),
    }
}

/// What is wrong at one place of a policy document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The text is not JSON.
    #[error("invalid JSON: {0}")]
    Json(String),
    /// A member that the grammar does not define.
    #[error("unknown element `{0}`")]
    UnknownElement(String),
    /// A value of the wrong JSON type.
    #[error("expected {expected}, found {found}")]
    WrongType {
        /// What the grammar wants here.
        expected: &'static str,
        /// What the document has.
        found: &'static str,
    },
    /// A required element is absent.
    #[error("missing required element `{0}`")]
    Missing(&'static str),
    /// Two elements that exclude each other are both present.
    #[error("`{0}` and `{1}` cannot both be present")]
    Conflict(&'static str, &'static str),
    /// The value is of the right type but not acceptable.
    #[error("{0}")]
    Invalid(String),
    /// A size limit was exceeded.
    #[error("{0}")]
    Limit(String),
}

/// One fault in a policy document and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    path: JsonPath,
    kind: ParseErrorKind,
}

impl ParseError {
    /// A fault at `path`.
    pub fn new(path: JsonPath, kind: ParseErrorKind) -> Self {
        Self { path, kind }
    }

    /// Where the fault is.
    pub fn path(&self) -> &JsonPath {
        &self.path
    }

    /// What the fault is.
    pub fn kind(&self) -> &ParseErrorKind {
        &self.kind
    }

    /// The same fault, with its path placed under `prefix`.
    pub fn within(self, prefix: &JsonPath) -> Self {
        Self {
            path: self.path.within(prefix),
            kind: self.kind,
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.kind)
    }
}

impl std::error::Error for ParseError {}

/// All the faults found in one document; never empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ParseErrors {
    errors: Vec<ParseError>,
}

impl ParseErrors {
    /// Wraps a non-empty list of faults; `None` when the list is empty.
    pub fn from_vec(errors: Vec<ParseError>) -> Option<Self> {
        if errors.is_empty() {
            None
        } else {
            Some(Self { errors })
        }
    }

    /// A single fault.
    pub fn single(error: ParseError) -> Self {
        Self {
            errors: vec![error],
        }
    }

    /// The faults, in document order.
    pub fn errors(&self) -> &[ParseError] {
        &self.errors
    }

    /// The same faults, with their paths placed under `prefix`.
    pub fn within(self, prefix: &JsonPath) -> Self {
        Self {
            errors: self.errors.into_iter().map(|e| e.within(prefix)).collect(),
        }
    }
}

impl fmt::Display for ParseErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}
