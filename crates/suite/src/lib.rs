//! Store test suites: the `opa test` / Cerbos test-suite habit for IAM
//! policy stores. A suite file beside a store lists named cases — a
//! principal, an action, a resource, context and session policies — each with
//! the decision its author expects (and optionally statements that must be
//! among the decisive ones). `tollgate test` runs them against the store and
//! reports pass or fail, as text or JUnit XML for CI.
//!
//! - [`read_suite`] reads one suite file ([`SuiteLimits`] bounds it: file
//!   size, case count, JSON depth); a fault names the file and the JSON path
//!   (`tests[3].expect`).
//! - [`run_case`] answers one case exactly as the sidecar's `Authorize`
//!   would: the request is read by `tollgate-wire` (the same checks, the same
//!   errors), session policies are compiled by the store's own compiler.
//! - [`Report`] gathers [`Outcome`]s and writes them as text or JUnit XML.
//!
//! The file format is documented in `docs/store-tests.md`.
//!
//! ```
//! use tollgate_store::Store;
//! use tollgate_suite::{Outcome, SuiteLimits, read_suite_bytes, run_case};
//!
//! let suite = read_suite_bytes("inline.json", br#"{"tests": [{
//!     "name": "alice reads photos",
//!     "principal": "arn:aws:iam::111122223333:user/alice",
//!     "action": "s3:GetObject",
//!     "resource": "arn:aws:s3:::example-photos/cat.jpg",
//!     "expect": "allowed"}]}"#, &SuiteLimits::default()).unwrap();
//! let store = Store::embedded_example().unwrap();
//! assert!(matches!(run_case(&store, &suite.cases[0]), Outcome::Pass));
//! ```

// On the request path of each case: no panicking index or placeholder.
#![deny(
    clippy::indexing_slicing,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented
)]

mod case;
mod error;
mod read;
mod report;
mod run;

pub use case::{ExpectedStatement, Suite, TestCase};
pub use error::SuiteError;
pub use read::{SuiteLimits, read_suite, read_suite_bytes, suite_files};
pub use report::{Format, Report};
pub use run::{Outcome, run_case};
