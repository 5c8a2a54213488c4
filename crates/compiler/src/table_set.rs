//! The compiled form of a policy set: every statement once, and per policy
//! kind a group of two statement indexes (denies and allows). Immutable and
//! `Send + Sync`; one table set serves any number of threads.

use tollgate_policy::Effect;

use crate::condition_memo::ConditionMemo;
use crate::condition_program::CompiledCondition;
use crate::principal_matcher::Strength;
use crate::statement::{CompiledStatement, RequestView, StatementId};
use crate::statement_index::StatementIndex;
use crate::vocabulary::{ActionVocabulary, ResolvedAction};

/// The statements of one policy kind (or one organization level), indexed.
#[derive(Debug)]
pub struct Group {
    pub(crate) deny: StatementIndex,
    pub(crate) allow: StatementIndex,
    pub(crate) statements: usize,
    /// The id of its first statement: a group's statements are consecutive.
    pub(crate) first: u32,
}

impl Group {
    /// The number of statements in the group.
    pub fn statement_count(&self) -> usize {
        self.statements
    }

    /// Calls `visit` with every statement of the given effect that applies
    /// to the request, with its principal strength. A statement may be
    /// visited more than once. Stops, returning true, when `visit` does.
    pub fn visit_applicable(
        &self,
        tables: &Tables,
        effect: Effect,
        action: &ResolvedAction,
        request: &RequestView<'_>,
        memo: &ConditionMemo,
        mut visit: impl FnMut(StatementId, Strength) -> bool,
    ) -> bool {
        let index = match effect {
            Effect::Deny => &self.deny,
            Effect::Allow => &self.allow,
        };
        index.candidates(action, request.resource, &mut |id| {
            let applies = tables
                .statement(id)
                .and_then(|s| s.applies(request, &tables.conditions, memo));
            match applies {
                Some(strength) => visit(id, strength),
                None => false,
            }
        })
    }

    /// For explanations: calls `visit` with every statement of the given
    /// effect that matches the request's action, resource and principal,
    /// whatever its conditions, with each condition and whether it holds
    /// (see [`CompiledStatement::probe`]). A statement may be visited more
    /// than once.
    pub fn visit_matching<'t>(
        &self,
        tables: &'t Tables,
        effect: Effect,
        action: &ResolvedAction,
        request: &RequestView<'_>,
        mut visit: impl FnMut(StatementId, &[(&'t CompiledCondition, bool)]),
    ) {
        let index = match effect {
            Effect::Deny => &self.deny,
            Effect::Allow => &self.allow,
        };
        let mut held = Vec::new();
        index.candidates(action, request.resource, &mut |id| {
            held.clear();
            let matched = tables
                .statement(id)
                .is_some_and(|s| s.probe(request, &tables.conditions, |c, h| held.push((c, h))));
            if matched {
                visit(id, &held);
            }
            false
        });
    }

    pub(crate) fn entries(&self) -> usize {
        self.deny.entries() + self.allow.entries()
    }
}

/// A group's position in its [`Tables`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupId(pub(crate) u32);

/// Compiled statements and the groups that index them. One `Tables` can hold
/// the groups of one question (a scenario) or of a whole account's or
/// organization's policies (a store); [`GroupId`]s say which apply.
#[derive(Debug)]
pub struct Tables {
    pub(crate) vocabulary: ActionVocabulary,
    pub(crate) statements: Vec<CompiledStatement>,
    /// Distinct conditions, shared by the statements that have them.
    pub(crate) conditions: Vec<CompiledCondition>,
    pub(crate) policy_labels: Vec<Box<str>>,
    pub(crate) groups: Vec<Group>,
}

/// Sizes of compiled tables, for status reports and benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableStats {
    /// Policies compiled (a policy placed in several groups counts each time).
    pub policies: usize,
    /// Statements compiled.
    pub statements: usize,
    /// Groups.
    pub groups: usize,
    /// Distinct literal action names.
    pub literal_actions: usize,
    /// Distinct wildcard action patterns.
    pub wildcard_actions: usize,
    /// Index entries (statement × action pattern × resource pattern).
    pub index_entries: usize,
}

impl Tables {
    /// Resolves a request's action once, for all groups of these tables.
    pub fn resolve_action(&self, action: &str) -> ResolvedAction {
        self.vocabulary.resolve(action)
    }

    /// A statement by id.
    pub fn statement(&self, id: StatementId) -> Option<&CompiledStatement> {
        self.statements.get(id.index())
    }

    /// The label of a policy, by the index a statement gives.
    pub fn policy_label(&self, policy: usize) -> &str {
        self.policy_labels.get(policy).map(|l| &**l).unwrap_or("")
    }

    /// A group by id.
    pub fn group(&self, id: GroupId) -> Option<&Group> {
        self.groups.get(id.0 as usize)
    }

    /// Sizes.
    pub fn stats(&self) -> TableStats {
        TableStats {
            policies: self.policy_labels.len(),
            statements: self.statements.len(),
            groups: self.groups.len(),
            literal_actions: self.vocabulary.literal_count(),
            wildcard_actions: self.vocabulary.wildcard_count(),
            index_entries: self.groups.iter().map(Group::entries).sum(),
        }
    }
}

/// Which groups of a [`TableSet`] hold which kind of policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySetLayout {
    /// Identity-based policies (possibly no statements).
    pub identity: GroupId,
    /// The permissions boundary, when the principal has one.
    pub permissions_boundary: Option<GroupId>,
    /// The session policies, when the session was given some.
    pub session: Option<GroupId>,
    /// SCPs, one group per organization level, root first.
    pub service_control: Vec<GroupId>,
    /// RCPs, one group per organization level, root first.
    pub resource_control: Vec<GroupId>,
    /// The resource-based policy.
    pub resource: Option<GroupId>,
}

/// Decision tables for one [`tollgate_policy::PolicySet`].
#[derive(Debug)]
pub struct TableSet {
    pub(crate) tables: Tables,
    pub(crate) layout: PolicySetLayout,
}

impl TableSet {
    /// The compiled statements and groups.
    pub fn tables(&self) -> &Tables {
        &self.tables
    }

    /// Which group holds which policy kind.
    pub fn layout(&self) -> &PolicySetLayout {
        &self.layout
    }

    /// Sizes.
    pub fn stats(&self) -> TableStats {
        self.tables.stats()
    }
}
