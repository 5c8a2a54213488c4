//! The reference interpreter: the **test oracle** for tollgate, not the product.
//!
//! [`evaluate`] answers one authorization question by walking the parsed
//! policy documents directly, statement by statement, exactly as
//! `docs/evaluation.md` describes the decision. There are no indexes, no
//! caches and no shortcuts: clarity over speed. Each rule of
//! `docs/evaluation.md` is a small function of its own whose doc comment names
//! the rule, so a reader can check the code against the document line by line.
//!
//! The compiled engine (`crates/engine`) must give the same [`Decision`] as
//! this crate for every policy set and request; the differential property
//! tests in `crates/engine/tests/differential.rs` check that.
//!
//! The matching primitives (wildcards, ARNs, typed condition values, policy
//! variables) come from `tollgate-policy`, which the engine shares.
//!
//! - `statement`: when a statement applies (action, resource, principal,
//!   conditions);
//! - `principal`: the identity chain of the request principal and how
//!   `Principal`/`NotPrincipal` cover it;
//! - `condition`: the `Condition` block;
//! - `decision`: which policies take part and the decision steps;
//! - `explain`: why an implicit deny (near misses, missing context keys).
//!
//! [`Decision`]: tollgate_policy::Decision

mod condition;
mod decision;
mod explain;
mod principal;
mod statement;

#[cfg(test)]
mod tests;

use tollgate_policy::{Decision, PolicySet, Request};

/// Decides `request` against `policies`, exactly as `docs/evaluation.md` says:
/// the decision kind and the decisive statements in canonical order
/// ([`PolicySet::policies`] order, then statement index).
pub fn evaluate(policies: &PolicySet, request: &Request) -> Decision {
    decision::decide(policies, request)
}
