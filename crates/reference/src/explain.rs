//! Why an implicit deny: the requirements step 2's facts leave unmet, the
//! `Allow` statements that matched action, resource and principal but failed
//! a condition, and the condition keys of every statement that matched
//! action, resource and principal that the request's context lacks.

use tollgate_policy::{
    AllowFacts, DecisiveStatement, Effect, Explanation, FailedCondition, NamedPolicy, NearMiss,
    OrgLevel, Request, explanation::unmet,
};

use crate::condition::request_values;
use crate::decision::Role;
use crate::statement::probe;

/// The explanation of an implicit deny of `request` by the policies that take
/// part (canonical order) with the given facts.
pub(crate) fn explain(
    taking_part: &[(Role, &NamedPolicy)],
    request: &Request,
    has_boundary: bool,
    facts: &AllowFacts,
) -> Explanation {
    let context = request.context_view();
    let mut explanation = Explanation {
        unmet: unmet(facts),
        ..Explanation::default()
    };
    for (role, policy) in taking_part {
        for (index, statement) in policy.document.statements.iter().enumerate() {
            let Some(conditions) = probe(statement, request, has_boundary) else {
                continue;
            };
            for (condition, _) in &conditions {
                if request_values(&condition.key, &context).is_none() {
                    explanation.missing_context_keys.push(condition.key.clone());
                }
            }
            let failed: Vec<FailedCondition> = conditions
                .iter()
                .filter(|(_, held)| !held)
                .map(|(c, _)| FailedCondition {
                    operator: c.operator.to_string(),
                    key: c.key.clone(),
                })
                .collect();
            if statement.effect == Effect::Allow && !failed.is_empty() {
                let level = match role {
                    Role::ServiceControl(index) | Role::ResourceControl(index) => Some(OrgLevel {
                        index: *index,
                        name: None,
                    }),
                    _ => None,
                };
                explanation.near_misses.push(NearMiss {
                    statement: DecisiveStatement {
                        policy: policy.label.clone(),
                        index,
                        sid: statement.sid.clone(),
                        effect: statement.effect,
                        level,
                    },
                    failed,
                });
            }
        }
    }
    explanation.finish_keys();
    explanation
}
