//! How a `Check` ended, as the `outcome` label of
//! `tollgate_ext_authz_checks_total` and the `decision` field of a denial's
//! JSON body name it.

use std::time::Duration;

use crate::metrics::{EXT_AUTHZ_CHECK_SECONDS, EXT_AUTHZ_CHECKS};

/// How one `Check` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The store allowed the mapped request.
    Allowed,
    /// An explicit `Deny` applied.
    ExplicitDeny,
    /// Nothing allowed the request.
    ImplicitDeny,
    /// No route matched and `unmapped = "deny"`.
    Unmapped,
    /// No route matched and `unmapped = "allow"`.
    UnmappedAllowed,
    /// The request could not be mapped (path refused, no principal ...).
    Unmappable,
    /// The `CheckRequest` lacks the HTTP request attributes.
    Malformed,
    /// No policy revision is loaded yet (503).
    NotReady,
    /// The server has no mesh mapping.
    NotConfigured,
}

impl Outcome {
    /// The metric label.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::ExplicitDeny => "explicit_deny",
            Outcome::ImplicitDeny => "implicit_deny",
            Outcome::Unmapped => "unmapped_denied",
            Outcome::UnmappedAllowed => "unmapped_allowed",
            Outcome::Unmappable => "unmappable",
            Outcome::Malformed => "malformed",
            Outcome::NotReady => "not_ready",
            Outcome::NotConfigured => "not_configured",
        }
    }

    /// The `decision` field of a denial's JSON body.
    pub fn decision(self) -> &'static str {
        match self {
            Outcome::Allowed | Outcome::UnmappedAllowed => "ALLOWED",
            Outcome::ExplicitDeny => "EXPLICIT_DENY",
            Outcome::ImplicitDeny => "IMPLICIT_DENY",
            Outcome::Unmapped => "UNMAPPED",
            Outcome::Unmappable => "UNMAPPABLE",
            Outcome::Malformed => "MALFORMED",
            Outcome::NotReady => "NOT_READY",
            Outcome::NotConfigured => "NOT_CONFIGURED",
        }
    }

    /// Counts the check and records its duration.
    pub(crate) fn record(self, elapsed: Duration) {
        // One literal per label: static keys, no allocation.
        let counter = match self {
            Outcome::Allowed => metrics::counter!(EXT_AUTHZ_CHECKS, "outcome" => "allowed"),
            Outcome::ExplicitDeny => {
                metrics::counter!(EXT_AUTHZ_CHECKS, "outcome" => "explicit_deny")
            }
            Outcome::ImplicitDeny => {
                metrics::counter!(EXT_AUTHZ_CHECKS, "outcome" => "implicit_deny")
            }
            Outcome::Unmapped => {
                metrics::counter!(EXT_AUTHZ_CHECKS, "outcome" => "unmapped_denied")
            }
            Outcome::UnmappedAllowed => {
                metrics::counter!(EXT_AUTHZ_CHECKS, "outcome" => "unmapped_allowed")
            }
            Outcome::Unmappable => metrics::counter!(EXT_AUTHZ_CHECKS, "outcome" => "unmappable"),
            Outcome::Malformed => metrics::counter!(EXT_AUTHZ_CHECKS, "outcome" => "malformed"),
            Outcome::NotReady => metrics::counter!(EXT_AUTHZ_CHECKS, "outcome" => "not_ready"),
            Outcome::NotConfigured => {
                metrics::counter!(EXT_AUTHZ_CHECKS, "outcome" => "not_configured")
            }
        };
        counter.increment(1);
        metrics::histogram!(EXT_AUTHZ_CHECK_SECONDS).record(elapsed.as_secs_f64());
    }
}
