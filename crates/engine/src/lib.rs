//! Answers authorization requests from compiled decision tables with IAM's
//! combining logic (`docs/evaluation.md`).
//!
//! [`decide`] is the request path: it stops at the first statement that
//! settles a question and gathers no explanation. [`evaluate`] also lists the
//! statements that decided, in canonical order, and for an implicit deny
//! why (`explain`: only [`evaluate`] pays for it). Both read the tables without
//! locks; per request they only hold small values on the stack.
//!
//! ```
//! use tollgate_policy::{DecisionKind, NamedPolicy, PolicyDocument, PolicyKind, PolicySet, Request, RequestPrincipal};
//!
//! let doc = PolicyDocument::parse(
//!     r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::photos/*"}}"#,
//!     PolicyKind::Identity,
//! ).unwrap();
//! let set = PolicySet { identity: vec![NamedPolicy::new("identityPolicies[0]", doc)], ..Default::default() };
//! let tables = tollgate_compiler::compile(&set).unwrap().tables;
//! let principal = RequestPrincipal::parse("arn:aws:iam::111122223333:user/sam").unwrap();
//! let request = Request::new(principal, "s3:GetObject", "arn:aws:s3:::photos/cat.jpg");
//! assert_eq!(tollgate_engine::decide(&tables, &request), DecisionKind::Allowed);
//! let decision = tollgate_engine::evaluate(&tables, &request);
//! assert_eq!(decision.decisive[0].policy, "identityPolicies[0]");
//! ```

// On the decision path: no panicking index or placeholder (tests may index,
// clippy.toml).
#![deny(
    clippy::indexing_slicing,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented
)]

mod applicable;
mod evaluate;
mod explain;
mod special;

pub use applicable::{Applicable, SessionTables};
pub use evaluate::{decide, decide_with, evaluate, evaluate_with};
pub use special::{
    SERVICE_LINKED_ROLE_PATH, is_role_trust_request, is_service_linked_path,
    is_service_linked_role, requires_resource_policy,
};
