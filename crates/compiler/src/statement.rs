//! A statement as the tables keep it: its place in the policy set, its effect,
//! and the parts that still need checking once the index has picked it as a
//! candidate (resource patterns, `NotAction`, principal, conditions).

use tollgate_policy::{ContextView, Effect, RequestPrincipal, Statement, Template, TemplatePart};

use crate::action_pattern::ActionPattern;
use crate::condition_memo::{ConditionId, ConditionMemo};
use crate::condition_program::CompiledCondition;
use crate::principal_matcher::{PrincipalMatcher, Strength};
use crate::resource_pattern::ResourcePattern;

/// A statement's position in a table set. Ids follow the canonical order of
/// policies and statements, so sorting ids sorts statements for answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatementId(pub(crate) u32);

impl StatementId {
    /// The id as an index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

#[derive(Debug)]
pub(crate) enum ResourceCheck {
    /// No `Resource`, or a `"*"` among the patterns: every resource.
    Any,
    /// `NotResource` with a `"*"`: no resource.
    Nothing,
    Listed(Box<[ResourcePattern]>),
    NotListed(Box<[ResourcePattern]>),
}

fn is_star(template: &Template) -> bool {
    matches!(template.parts(), [TemplatePart::Star])
}

/// A compiled statement.
#[derive(Debug)]
pub struct CompiledStatement {
    policy: u32,
    index: u32,
    sid: Option<Box<str>>,
    effect: Effect,
    /// For `NotAction` statements: the lowercase patterns that must not match.
    pub(crate) not_actions: Option<Box<[ActionPattern]>>,
    pub(crate) resource: ResourceCheck,
    /// Boxed: identity policies, most of the statements, have none.
    pub(crate) principal: Option<Box<PrincipalMatcher>>,
    pub(crate) conditions: Box<[ConditionId]>,
}

/// Everything a statement check needs to know about the request.
#[derive(Debug, Clone, Copy)]
pub struct RequestView<'a> {
    /// The action, as asked.
    pub action: &'a str,
    /// The resource.
    pub resource: &'a str,
    /// The principal.
    pub principal: &'a RequestPrincipal,
    /// The condition context (given and derived keys).
    pub context: ContextView<'a>,
    /// True when the principal has a permissions boundary: a `NotPrincipal`
    /// deny then applies to it whatever the element lists (AWS documents this).
    pub has_permissions_boundary: bool,
}

impl CompiledStatement {
    pub(crate) fn compile(
        policy: u32,
        index: u32,
        statement: &Statement,
        mut intern: impl FnMut(&tollgate_policy::Condition) -> ConditionId,
    ) -> Self {
        let not_actions = statement.action.negated.then(|| {
            statement
                .action
                .patterns
                .iter()
                .map(|p| ActionPattern::new(p.lowercase()))
                .collect()
        });
        let resource = match &statement.resource {
            None => ResourceCheck::Any,
            Some(clause) if clause.patterns.iter().any(is_star) => {
                if clause.negated {
                    ResourceCheck::Nothing
                } else {
                    ResourceCheck::Any
                }
            }
            Some(clause) => {
                let patterns = clause.patterns.iter().map(ResourcePattern::new).collect();
                if clause.negated {
                    ResourceCheck::NotListed(patterns)
                } else {
                    ResourceCheck::Listed(patterns)
                }
            }
        };
        Self {
            policy,
            index,
            sid: statement.sid.as_deref().map(Into::into),
            effect: statement.effect,
            not_actions,
            resource,
            principal: statement
                .principal
                .as_ref()
                .map(|p| Box::new(PrincipalMatcher::compile(p))),
            conditions: statement.conditions.iter().map(&mut intern).collect(),
        }
    }

    /// The index of its policy in the table set.
    pub fn policy(&self) -> usize {
        self.policy as usize
    }

    /// Its position in its policy's `Statement` list.
    pub fn index(&self) -> usize {
        self.index as usize
    }

    /// Its `Sid`.
    pub fn sid(&self) -> Option<&str> {
        self.sid.as_deref()
    }

    /// Allow or deny.
    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// Checks what the index did not: `NotAction`, the resource patterns,
    /// the principal and the conditions. Returns how strongly the statement
    /// names the principal (`Specific` when it names none), or `None` when it
    /// does not apply.
    pub fn applies(
        &self,
        request: &RequestView<'_>,
        conditions: &[CompiledCondition],
        memo: &ConditionMemo,
    ) -> Option<Strength> {
        if let Some(patterns) = &self.not_actions {
            let listed = patterns.iter().any(|p| p.matches(request.action));
            if listed {
                return None;
            }
        }
        if !self.resource_matches(request) {
            return None;
        }
        let strength = match &self.principal {
            Some(matcher) => {
                let bounded = request.has_permissions_boundary && self.effect == Effect::Deny;
                matcher.strength(request.principal, bounded)?
            }
            None => Strength::Specific,
        };
        self.conditions
            .iter()
            .all(|id| {
                memo.get_or(*id, || {
                    conditions
                        .get(id.0 as usize)
                        .is_some_and(|c| c.holds(&request.context))
                })
            })
            .then_some(strength)
    }

    /// For explanations: when the statement matches the request's action
    /// (the index matched its patterns), resource and principal, calls
    /// `visit` with each of its conditions and whether it holds, in the
    /// policy's order, and returns true; false when it does not match. Not
    /// memoized: explanations are off the request path.
    pub fn probe<'t>(
        &self,
        request: &RequestView<'_>,
        conditions: &'t [CompiledCondition],
        mut visit: impl FnMut(&'t CompiledCondition, bool),
    ) -> bool {
        if let Some(patterns) = &self.not_actions
            && patterns.iter().any(|p| p.matches(request.action))
        {
            return false;
        }
        if !self.resource_matches(request) {
            return false;
        }
        if let Some(matcher) = &self.principal {
            let bounded = request.has_permissions_boundary && self.effect == Effect::Deny;
            if matcher.strength(request.principal, bounded).is_none() {
                return false;
            }
        }
        for id in &self.conditions {
            if let Some(condition) = conditions.get(id.0 as usize) {
                visit(condition, condition.holds(&request.context));
            }
        }
        true
    }

    fn resource_matches(&self, request: &RequestView<'_>) -> bool {
        let listed = |patterns: &[ResourcePattern]| {
            patterns
                .iter()
                .any(|p| p.matches(request.resource, &request.context))
        };
        match &self.resource {
            ResourceCheck::Any => true,
            ResourceCheck::Nothing => false,
            ResourceCheck::Listed(patterns) => listed(patterns),
            ResourceCheck::NotListed(patterns) => !listed(patterns),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiled_statements_stay_small() {
        // Stores hold a million of them: every field is a pointer or less.
        assert!(
            std::mem::size_of::<CompiledStatement>() <= 96,
            "{}",
            std::mem::size_of::<CompiledStatement>()
        );
    }
}
