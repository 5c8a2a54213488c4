//! Conversions between the wire messages of `tollgate.v1` and the domain
//! types of `tollgate-policy`, kept at the gRPC edge so the domain never sees
//! protobuf. A crate of its own so the server, the CLI's `check` and the fuzz
//! targets read requests with the same code.
//!
//! Reading a request can fail; the [`ConvertError`] names the field as the
//! proto spells it (`principal`, `context["aws:SourceIp"].values[0]`, and in a
//! batch `requests[3].principal`) and becomes `INVALID_ARGUMENT`. Writing an
//! answer cannot fail.

// On the decision path: no panicking index or placeholder (tests may index,
// clippy.toml).
#![deny(
    clippy::indexing_slicing,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented
)]

mod context;
mod request;
mod response;
#[cfg(test)]
mod tests;

use std::fmt;

pub use request::{Question, STORE_RULES, question, question_with};
pub use response::{decision, decisive, decisive_statement, explanation};

/// A request field that cannot be read: where it is and what is wrong.
///
/// Displays as `PATH: MESSAGE`, for example
/// ``context["aws:SourceIp"].values[0]: empty value: set one of ...``.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertError {
    path: String,
    message: String,
}

impl ConvertError {
    /// A fault of the field at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }

    /// The same fault inside element `index` of the repeated field `field`:
    /// `principal` becomes `requests[3].principal`.
    pub fn within(self, field: &str, index: usize) -> Self {
        Self {
            path: format!("{field}[{index}].{}", self.path),
            message: self.message,
        }
    }

    /// The field, as the proto names it.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What is wrong with it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for ConvertError {}

impl From<ConvertError> for tonic::Status {
    fn from(error: ConvertError) -> Self {
        tonic::Status::invalid_argument(error.to_string())
    }
}

pub(crate) use tollgate_policy::quoted;
