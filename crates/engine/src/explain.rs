//! Why an implicit deny, from the compiled tables: the facts of step 2 of
//! `docs/evaluation.md` (worded by [`tollgate_policy::explanation::unmet`]),
//! the `Allow` statements that matched action, resource and principal but
//! failed a condition, and the condition keys the matching statements read
//! that the request's context lacks. Only [`crate::evaluate_with`] calls it,
//! for implicit denies: [`crate::decide_with`] never pays for it.

use tollgate_compiler::{CompiledCondition, Strength};
use tollgate_policy::explanation::unmet;
use tollgate_policy::{
    AllowFacts, Effect, Explanation, FailedCondition, Grant, NearMiss, OrgLevel, PrincipalKind,
};

use crate::evaluate::{Evaluation, Found};
use crate::special::{is_role_trust_request, requires_resource_policy};

impl Evaluation<'_> {
    /// The facts of step 2, as explanations read them.
    fn allow_facts(&self) -> AllowFacts {
        let principal = self.request.principal();
        let (action, resource) = (&self.request.action, &self.request.resource);
        let trust = is_role_trust_request(action, resource);
        let scp_failing = self
            .service_control()
            .enumerate()
            .filter(|(_, level)| !level.is_some_and(|g| self.allows(g)))
            .map(|(index, _)| OrgLevel {
                index,
                name: self
                    .applicable
                    .service_control_levels
                    .get(index)
                    .map(|n| n.to_string()),
            })
            .collect();
        AllowFacts {
            iam_identity: principal.is_iam_identity(),
            root: principal.kind() == PrincipalKind::Root,
            identity: self.identity().any(|g| self.allows(g)),
            boundary: self.boundary().is_none_or(|g| self.allows(g)),
            session: match self.session() {
                Some(g) => self.allows(g),
                None => principal.kind() != PrincipalKind::FederatedUser,
            },
            scp_failing,
            grant: self.resource_grant().map(|s| match s {
                Strength::Account => Grant::Account,
                Strength::Role => Grant::Role,
                Strength::Specific => Grant::Specific,
            }),
            trust,
            key: !trust && requires_resource_policy(action, resource),
            same_account: self.same_account(),
            other_partition: self.request.crosses_partition(),
        }
    }
}

/// The explanation of an implicit deny.
pub(crate) fn explain(evaluation: &Evaluation<'_>) -> Explanation {
    let mut explanation = Explanation {
        unmet: unmet(&evaluation.allow_facts()),
        ..Explanation::default()
    };
    let context = &evaluation.view.context;
    let mut near: Vec<(Found, Vec<FailedCondition>)> = Vec::new();
    evaluation.each_participating(|group| {
        for effect in [Effect::Deny, Effect::Allow] {
            group.group.visit_matching(
                group.tables,
                effect,
                group.action,
                &evaluation.view,
                |id, conditions: &[(&CompiledCondition, bool)]| {
                    for (condition, _) in conditions {
                        let given = context.get(condition.key()).is_some_and(|v| !v.is_empty());
                        if !given {
                            explanation
                                .missing_context_keys
                                .push(condition.key().to_owned());
                        }
                    }
                    let failed: Vec<FailedCondition> = conditions
                        .iter()
                        .filter(|(_, held)| !held)
                        .map(|(c, _)| FailedCondition {
                            operator: c.operator().to_string(),
                            key: c.key().to_owned(),
                        })
                        .collect();
                    if effect == Effect::Allow && !failed.is_empty() {
                        near.push(((group.slot, id), failed));
                    }
                },
            );
        }
        false
    });
    near.sort_unstable_by_key(|(found, _)| *found);
    near.dedup_by_key(|(found, _)| *found);
    explanation.near_misses = near
        .into_iter()
        .filter_map(|(found, failed)| {
            Some(NearMiss {
                statement: evaluation.describe(found)?,
                failed,
            })
        })
        .collect();
    explanation.finish_keys();
    explanation
}
