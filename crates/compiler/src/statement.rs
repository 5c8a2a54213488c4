//! A statement as the tables keep it: its place in the policy set, its effect,
//! and the parts that still need checking once the index has picked it as a
//! candidate (resource patterns, `NotAction`, principal, conditions).

use tollgate_policy::glob::{CaseMode, matches_pieces, pieces_of};
use tollgate_policy::{ContextView, Effect, RequestPrincipal, Statement, Template};

use crate::condition_program::CompiledCondition;
use crate::principal_matcher::{PrincipalMatcher, Strength};

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
enum ResourceCheck {
    /// No `Resource`: the resource the policy is attached to.
    Attached,
    Listed(Vec<Template>),
    NotListed(Vec<Template>),
}

/// A compiled statement.
#[derive(Debug)]
pub struct CompiledStatement {
    policy: u32,
    index: u32,
    sid: Option<Box<str>>,
    effect: Effect,
    /// For `NotAction` statements: the lowercase patterns that must not match.
    not_actions: Option<Vec<Box<str>>>,
    resource: ResourceCheck,
    principal: Option<PrincipalMatcher>,
    conditions: Vec<CompiledCondition>,
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
    pub(crate) fn compile(policy: u32, index: u32, statement: &Statement) -> Self {
        let not_actions = statement.action.negated.then(|| {
            statement
                .action
                .patterns
                .iter()
                .map(|p| p.lowercase().into())
                .collect()
        });
        let resource = match &statement.resource {
            None => ResourceCheck::Attached,
            Some(clause) if clause.negated => ResourceCheck::NotListed(clause.patterns.clone()),
            Some(clause) => ResourceCheck::Listed(clause.patterns.clone()),
        };
        Self {
            policy,
            index,
            sid: statement.sid.as_deref().map(Into::into),
            effect: statement.effect,
            not_actions,
            resource,
            principal: statement.principal.as_ref().map(PrincipalMatcher::compile),
            conditions: statement
                .conditions
                .iter()
                .map(CompiledCondition::compile)
                .collect(),
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
    pub fn applies(&self, request: &RequestView<'_>) -> Option<Strength> {
        if let Some(patterns) = &self.not_actions {
            let listed = patterns
                .iter()
                .any(|p| matches_pieces(&pieces_of(p), request.action, CaseMode::AsciiInsensitive));
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
            .all(|c| c.holds(&request.context))
            .then_some(strength)
    }

    fn resource_matches(&self, request: &RequestView<'_>) -> bool {
        let listed = |patterns: &[Template]| {
            patterns.iter().any(|t| {
                t.resolve(&request.context)
                    .is_some_and(|p| matches_pieces(&p, request.resource, CaseMode::Sensitive))
            })
        };
        match &self.resource {
            ResourceCheck::Attached => true,
            ResourceCheck::Listed(patterns) => listed(patterns),
            ResourceCheck::NotListed(patterns) => !listed(patterns),
        }
    }
}
