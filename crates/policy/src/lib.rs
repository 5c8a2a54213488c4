//! The AWS IAM policy language, as tollgate reads it.
//!
//! [`PolicyDocument::parse`] reads a JSON policy for one [`PolicyKind`] and
//! reports every fault with its JSON path. The model keeps what evaluation
//! needs already split: action patterns in lowercase, resources and condition
//! values as [`Template`]s (wildcards and policy variables), condition operators
//! as [`ConditionOperator`]s. The primitives for matching ([`glob`], [`arn`],
//! [`condition::value`]) are shared by the compiler and the reference interpreter.
//!
//! ```
//! use tollgate_policy::{PolicyDocument, PolicyKind};
//!
//! let doc = PolicyDocument::parse(
//!     r#"{"Version": "2012-10-17",
//!         "Statement": {"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"}}"#,
//!     PolicyKind::Identity,
//! ).unwrap();
//! assert_eq!(doc.statements.len(), 1);
//!
//! let err = PolicyDocument::parse(
//!     r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}"#,
//!     PolicyKind::Identity,
//! ).unwrap_err();
//! assert_eq!(err.to_string(), "Statement[0].Principal: `Principal` is not allowed in an identity-based policy");
//! ```

// On the decision path: no panicking index or placeholder (tests may index,
// clippy.toml).
#![deny(
    clippy::indexing_slicing,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented
)]

pub mod arn;
pub mod condition;
pub mod context;
mod document;
mod error;
pub mod explanation;
pub mod glob;
mod identity;
pub mod names;
mod parse;
mod path;
mod principal;
mod question;
pub mod rules;
pub mod template;

pub use condition::{BaseOperator, Condition, ConditionOperator, OperandType, SetQualifier};
pub use context::{ContextView, PrincipalKeys, RequestContext};
pub use document::{
    ActionClause, ActionPattern, Effect, PolicyDocument, PolicyKind, PolicyVersion, ResourceClause,
    Statement,
};
pub use error::{ParseError, ParseErrorKind, ParseErrors, quoted};
pub use explanation::{
    AllowFacts, Explanation, FailedCondition, Grant, NearMiss, Requirement, ResourceNeed,
};
pub use identity::{PrincipalKind, PrincipalParseError, RequestPrincipal, is_service_name};
pub use parse::{ParseLimits, json_type_name};
pub use path::{JsonPath, PathSegment};
pub use principal::{AwsPrincipal, PrincipalClause, PrincipalSet};
pub use question::{
    Decision, DecisionKind, DecisiveStatement, NamedPolicy, OrgLevel, PolicySet, Request,
};
pub use rules::{CallerPrincipalKeys, ContextRules, RuleError};
pub use template::{Template, TemplatePart, TemplateSyntax, Variable};
