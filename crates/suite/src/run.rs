//! Answering one case as the sidecar's `Authorize` answers it: the request
//! is read by `tollgate-wire` (so a case is refused exactly where the API
//! would refuse it), session policies are compiled by the store's compiler,
//! and the store evaluates with the decisive statements.

use tollgate_policy::{DecisionKind, DecisiveStatement, ParseLimits};
use tollgate_store::SessionTables;
use tollgate_store::{Store, compile_session_policies};

use crate::case::{ExpectedStatement, TestCase};

/// What running a case found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The decision (and every expected decisive statement) was as expected.
    Pass,
    /// The answer differs from what the case expects.
    Fail {
        /// The decision the store gave.
        got: DecisionKind,
        /// The statements that decided it.
        decisive: Vec<DecisiveStatement>,
        /// Expected decisive statements that were not among them.
        missing: Vec<ExpectedStatement>,
        /// The store's reason, when it does not know part of the question.
        reason: Option<String>,
    },
    /// The case cannot be asked: its request is refused, as the API would
    /// refuse it (`principal: ...`), or its session policies do not compile.
    Error(String),
}

/// Runs `case` against `store`.
pub fn run_case(store: &Store, case: &TestCase) -> Outcome {
    let question = match tollgate_wire::question(case.request.clone(), &ParseLimits::default()) {
        Ok(question) => question,
        Err(error) => return Outcome::Error(error.to_string()),
    };
    let session = if question.session_policies.is_empty() {
        None
    } else {
        let documents: Vec<&str> = question
            .session_policies
            .iter()
            .map(String::as_str)
            .collect();
        match compile_session_policies(&documents) {
            Ok(compiled) => Some(compiled),
            Err(error) => return Outcome::Error(format!("sessionPolicies: {error}")),
        }
    };
    let tables = session.as_ref().map(|(tables, group)| SessionTables {
        tables,
        group: *group,
    });
    let (decision, reason) = store.evaluate(&question.request, tables);
    let missing: Vec<ExpectedStatement> = case
        .expect_decisive
        .iter()
        .filter(|expected| !decision.decisive.iter().any(|d| expected.matches(d)))
        .cloned()
        .collect();
    if decision.kind == case.expect && missing.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail {
            got: decision.kind,
            decisive: decision.decisive,
            missing,
            reason: reason.map(|r| r.to_string()),
        }
    }
}
