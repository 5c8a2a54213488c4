//! Change impact of a policy store revision, over the compiled tables and
//! the engine that serves (`docs/change-impact.md`):
//!
//! - [`diff`]: the access that changed between two revisions of a whole
//!   store, per principal, action and resource pattern, with the statements
//!   responsible on each side and the residual conditions of changes that
//!   depend on conditions; principals with the same finding are grouped.
//! - [`replay`]: recorded decisions re-decided against a candidate store,
//!   with every flip counted and sampled.
//! - [`shadow`]: a sampled fraction of live decisions re-decided on a
//!   candidate store off the request path, flips counted and logged
//!   (`tollgate serve --shadow-store`).
//!
//! A diff decides a finite set of representative requests per principal
//! ([`universe`]) under both revisions; the crate's tests compare it with a
//! brute-force comparison of every request of small generated stores.

// Decisions are read here: no panicking index or placeholder.
#![deny(
    clippy::indexing_slicing,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented
)]

mod changes;
mod diff;
pub mod principals;
pub mod replay;
mod report;
mod revision;
pub mod shadow;
pub mod universe;

pub use diff::{ChangeKind, DiffOptions, DiffReport, Finding, Severity, diff};
pub use report::{diff_json, diff_text};
pub use revision::Revision;
