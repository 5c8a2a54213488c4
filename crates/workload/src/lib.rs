//! Workloads for benchmarks and load tests: seeded, realistic identity-side
//! policy sets with probe requests of known answer ([`generator`]), and the
//! AWS managed policies shipped as test data ([`managed`]).
//!
//! Whole stores (`small`, `enterprise`, `huge`) are in [`store_workload`],
//! their requests in [`store_requests`], and the request file format
//! (JSON Lines) in [`requests`].
//!
//! # The generator
//!
//! [`generator::policy_set`]`(&config, seed)` draws a [`PolicySet`](tollgate_policy::PolicySet) of
//! identity policies from a [`ChaCha8Rng`](rand_chacha::ChaCha8Rng) seeded
//! with `seed`: the same `(config, seed)` gives the same set everywhere.
//! Documents are built as JSON and read with
//! [`PolicyDocument::from_json`](tollgate_policy::PolicyDocument::from_json),
//! so they obey the real grammar; [`generator::policy_documents`] gives the
//! JSON itself (for sending to a server).
//!
//! With [`GeneratorConfig::default`] (the shares are fields of the config):
//!
//! | what | distribution |
//! |---|---|
//! | documents | `Version` `2012-10-17`, 5–20 statements each (uniform), labelled `identityPolicies[i]` |
//! | service | one per statement, from 28 real services (S3, EC2, DynamoDB, Lambda, SQS, SNS, IAM, KMS, CloudWatch Logs, ...; [`vocabulary::SERVICES`]), weighted towards S3, EC2, DynamoDB and Lambda |
//! | actions | 400 real action names; a statement lists 1–4 of its service's actions |
//! | wildcard actions | 30% of statements hold one wildcard pattern (plus 0–2 literal actions): of those 55% a verb prefix (`ec2:Describe*`, `s3:Get*`), 40% the whole service (`s3:*`), 5% `*` |
//! | wildcard resources | 50% of statements: 85% of those name 1–2 scoped patterns (`arn:aws:s3:::bucket-0042/*`, `arn:aws:dynamodb:us-east-1:111122223333:table/app-0042-*`, ...), with a literal ARN 30% of the time; 15% are `"Resource": "*"` (7.5% of all statements) |
//! | literal resources | the other 50%: 1–3 ARNs from each service's shapes, numbered in a space of 5,000 names per shape (buckets, tables, queues, functions, ...), in 4 regions and 3 accounts, so most statements cannot match a given request |
//! | conditions | 20% of statements: 1–2 of 14 common conditions (`StringEquals aws:PrincipalTag/team`, `IpAddress aws:SourceIp`, `Bool aws:SecureTransport`, `DateLessThan aws:CurrentTime`, `StringLike s3:prefix` with `${aws:username}`, `ArnLike aws:SourceArn`, `Null`, `ForAnyValue:StringEquals aws:TagKeys`, `...IfExists`, ...) |
//! | effect | 10% `Deny` |
//! | `Sid` | on half of the statements |
//!
//! Two rules keep the probe answers fixed while staying realistic: an `Allow`
//! on `"Resource": "*"` grants only reads (a `Get*`/`List*`/`Describe*`
//! pattern or read actions, as `ReadOnlyAccess` does); a `Deny` on
//! `"Resource": "*"` is a guardrail whose condition is false for the probes
//! (`aws:SecureTransport` false, `NotIpAddress` 10.0.0.0/8, a region outside
//! the allowed list, a contractor team, a date after 2030). No generated name
//! starts with `tollgate-bench-`.
//!
//! # Probes
//!
//! Every set also holds, at seeded positions, a planted `Allow`
//! ([`generator::PLANTED_ALLOW_SID`]: get/put/delete/list in the
//! `tollgate-bench-allowed` bucket for the `platform` team over TLS) and a
//! planted `Deny` ([`generator::PLANTED_DENY_SID`]: delete under `protected/`
//! unless the team is `security`). So at every size, for the principal
//! [`generator::PRINCIPAL`] with [`generator::probe_context`]:
//!
//! - [`generator::allowed_request`] (`s3:GetObject` in the bucket) is allowed;
//! - [`generator::explicitly_denied_request`] (`s3:DeleteObject` under
//!   `protected/`) is explicitly denied;
//! - [`generator::implicitly_denied_request`] (`s3:PutObject` in another
//!   bucket) is implicitly denied.
//!
//! [`generator::Probes`] bundles them with their answers;
//! [`generator::random_requests`] draws requests of unknown answer for load.
//!
//! ```
//! use tollgate_workload::generator::{GeneratorConfig, Probes, policy_set};
//!
//! let set = policy_set(&GeneratorConfig::new(100), 7);
//! assert_eq!(set.statement_count(), 100);
//! let probes = Probes::new().unwrap();
//! assert_eq!(probes.allowed.action, "s3:GetObject");
//! ```

pub mod generator;
pub mod managed;
pub mod requests;
pub mod store_requests;
pub mod store_workload;
pub mod vocabulary;

pub use generator::{GeneratorConfig, Probes, policy_set};
pub use requests::{LabeledRequest, parse_request_lines};
pub use store_requests::{RequestMix, draw_requests};
pub use store_workload::{StoreShape, StoreWorkload};

use tollgate_policy::{ParseErrors, PrincipalParseError};

/// What can go wrong loading or generating a workload.
#[derive(Debug, thiserror::Error)]
pub enum WorkloadError {
    /// A data file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A data file is not JSON.
    #[error("not JSON: {0}")]
    Json(serde_json::Error),
    /// A data file is JSON of the wrong shape.
    #[error("unexpected data: {0}")]
    Shape(String),
    /// A policy document does not parse.
    #[error("policy `{policy}` does not parse: {errors}")]
    Parse {
        /// The policy's name or label.
        policy: String,
        /// The faults.
        errors: ParseErrors,
    },
    /// The probe principal does not parse.
    #[error(transparent)]
    Principal(PrincipalParseError),
}
