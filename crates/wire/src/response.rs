//! Domain answers → wire messages: the decision enum, decisive statements
//! and the explanation of an implicit deny.

use tollgate_policy::{DecisionKind, Effect};
use tollgate_proto::v1;

/// The wire value of a decision.
pub fn decision(kind: DecisionKind) -> v1::Decision {
    match kind {
        DecisionKind::Allowed => v1::Decision::Allowed,
        DecisionKind::ExplicitDeny => v1::Decision::ExplicitDeny,
        DecisionKind::ImplicitDeny => v1::Decision::ImplicitDeny,
    }
}

/// One decisive statement on the wire; an index beyond `u32` (impossible
/// within the parse limits) is written as `u32::MAX`. An SCP or RCP
/// statement's level is its name, else its index in decimal; empty for
/// other policy kinds.
pub fn decisive_statement(statement: tollgate_policy::DecisiveStatement) -> v1::DecisiveStatement {
    let effect = match statement.effect {
        Effect::Allow => v1::Effect::Allow,
        Effect::Deny => v1::Effect::Deny,
    };
    v1::DecisiveStatement {
        policy: statement.policy,
        index: u32::try_from(statement.index).unwrap_or(u32::MAX),
        sid: statement.sid.unwrap_or_default(),
        effect: effect.into(),
        level: statement
            .level
            .map(|level| level.label())
            .unwrap_or_default(),
    }
}

/// Every decisive statement on the wire, in the same order.
pub fn decisive(statements: Vec<tollgate_policy::DecisiveStatement>) -> Vec<v1::DecisiveStatement> {
    statements.into_iter().map(decisive_statement).collect()
}

/// The explanation of an implicit deny on the wire.
pub fn explanation(explanation: &tollgate_policy::Explanation) -> v1::Explanation {
    use tollgate_policy::Requirement;
    v1::Explanation {
        unmet: explanation
            .unmet
            .iter()
            .map(|requirement| v1::UnmetRequirement {
                kind: requirement.kind().to_owned(),
                level: match requirement {
                    Requirement::ServiceControl(level) => level.label(),
                    _ => String::new(),
                },
                text: requirement.to_string(),
            })
            .collect(),
        near_misses: explanation
            .near_misses
            .iter()
            .map(|near| v1::NearMiss {
                statement: Some(decisive_statement(near.statement.clone())),
                failed: near
                    .failed
                    .iter()
                    .map(|f| v1::FailedCondition {
                        operator: f.operator.clone(),
                        key: f.key.clone(),
                    })
                    .collect(),
            })
            .collect(),
        missing_context_keys: explanation.missing_context_keys.clone(),
        lines: explanation.lines(),
    }
}
