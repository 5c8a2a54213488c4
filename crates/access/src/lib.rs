//! Who can access what, answered from a policy store's compiled tables with
//! the engine's own decisions (`docs/access-queries.md`).
//!
//! - [`who_can`]: every principal of the store, and every principal outside
//!   it that a resource policy names, allowed to do an action on a
//!   resource; those allowed only for some values of context keys the
//!   caller did not give come with the cases that allow them; with
//!   `via_assume_role`, the principals that reach an allowed role in one
//!   `sts:AssumeRole` hop.
//! - [`plan_resources`]: for one principal and action, which resources below
//!   an ARN prefix are allowed, as a [`Filter`] over the ARN (glob `LIKE`
//!   tests) and the missing context keys.
//! - [`what_can`]: per action of a list, the plan of one principal.
//!
//! who-can first drops the principals that cannot be allowed at all: those
//! with no identity allow statement filed under the action that the
//! resource's policy cannot name either (`gate`).
//!
//! Nothing here re-implements IAM's combining logic. The statements that can
//! take part (per policy kind: identity, boundary, SCP and RCP levels,
//! resource and trust policies) split the question into finitely many
//! classes: for context, the values each condition compares with, one value
//! none equals, and absence; for resources, which of the statements'
//! resource patterns an ARN matches. One representative request per class
//! is decided by the engine through the store; every request of a class
//! gets the same decision.

mod cases;
mod error;
mod filter;
mod gate;
mod glob_space;
mod plan;
mod what_can;
mod who_can;

pub use cases::{CaseValue, ContextCase, KeyClasses, Limits};
pub use error::AccessError;
pub use filter::Filter;
pub use plan::{Plan, PlanKind, plan_resources};
pub use what_can::{ActionPlan, what_can};
pub use who_can::{Access, AssumeChain, WhoCan, WhoCanQuery, who_can};
