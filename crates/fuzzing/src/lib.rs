//! The checks behind tollgate's fuzz targets, one function per target, each
//! taking the raw fuzz input. `fuzz/` runs them under libFuzzer (with
//! sanitizers, in a workspace of its own); this crate's test
//! `tests/regressions.rs` replays every kept input of `fuzz/regressions/`
//! through the same functions in the normal test suite.
//!
//! A check fails in one of two ways: the library panics (a bug: bad input
//! must be an error, never a panic), or it returns a [`Finding`], a property
//! that does not hold (the engine disagreeing with the reference
//! interpreter, the fast `decide` path disagreeing with `evaluate`). The fuzz
//! targets turn a finding into a crash; the replay test fails on it. A check
//! that passes tells how many requests it compared, so the replay test can
//! show the kept inputs reach the comparisons.
//!
//! | target | input | module |
//! | --- | --- | --- |
//! | `policy_parse` | a kind byte, then a policy document | [`policy`] |
//! | `store_load` | store files, each after a `=== PATH` line | [`store`] |
//! | `scenario_read` | scenario contract input (JSON, array, JSON lines) | [`scenario`] |
//! | `wire_request` | a kind byte, then a protobuf `AuthorizeRequest` or batch | [`wire`] |
//! | `request_rules` | principal, action, resource, context keys and values, split by `0xFF` | [`rules`] |

pub mod policy;
mod requests;
pub mod rules;
pub mod scenario;
pub mod store;
pub mod wire;

use tollgate_policy::{Decision, DecisionKind};

/// A property a fuzz input broke.
#[derive(Debug, thiserror::Error)]
pub enum Finding {
    /// The compiled engine and the reference interpreter answered one
    /// request differently.
    #[error(
        "engine and reference disagree on {request}:\nreference: {reference:?}\nengine: {engine:?}"
    )]
    EngineDisagrees {
        /// The request, as debug text.
        request: String,
        /// The reference interpreter's decision.
        reference: Box<Decision>,
        /// The engine's decision.
        engine: Box<Decision>,
    },
    /// The fast path (`decide`) and the explained path (`evaluate`) gave
    /// different kinds.
    #[error("decide says {fast:?} but evaluate says {explained:?} for {request}")]
    FastPathDisagrees {
        /// The request, as debug text.
        request: String,
        /// What `decide` answered.
        fast: DecisionKind,
        /// What `evaluate` answered.
        explained: DecisionKind,
    },
    /// The edge accepted a request that breaks a request rule.
    #[error("the edge accepted {field} {value}, which breaks the rule: {rule}")]
    RuleBroken {
        /// The field.
        field: String,
        /// Its value, as debug text.
        value: String,
        /// The rule, as the documentation states it.
        rule: &'static str,
    },
}

/// What a check did with an input that broke nothing: how many requests it
/// asked and compared (0 when the input was rightly refused).
pub type Checked = Result<usize, Finding>;

/// A fuzz target: its name (the folder of its kept inputs) and its check.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// The target's name, as `cargo fuzz run NAME` takes it.
    pub name: &'static str,
    /// Checks one input.
    pub check: fn(&[u8]) -> Checked,
}

/// Every fuzz target.
pub const TARGETS: [Target; 5] = [
    Target {
        name: "policy_parse",
        check: policy::check,
    },
    Target {
        name: "store_load",
        check: store::check,
    },
    Target {
        name: "scenario_read",
        check: scenario::check,
    },
    Target {
        name: "wire_request",
        check: wire::check,
    },
    Target {
        name: "request_rules",
        check: rules::check,
    },
];
