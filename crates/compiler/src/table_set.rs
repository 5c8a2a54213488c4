//! The compiled form of a policy set: every statement once, and per policy
//! kind a group of two statement indexes (denies and allows). Immutable and
//! `Send + Sync`; one table set serves any number of threads.

use tollgate_policy::Effect;

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
        tables: &TableSet,
        effect: Effect,
        action: &ResolvedAction,
        request: &RequestView<'_>,
        mut visit: impl FnMut(StatementId, Strength) -> bool,
    ) -> bool {
        let index = match effect {
            Effect::Deny => &self.deny,
            Effect::Allow => &self.allow,
        };
        index.candidates(action, request.resource, &mut |id| match tables
            .statement(id)
            .and_then(|s| s.applies(request))
        {
            Some(strength) => visit(id, strength),
            None => false,
        })
    }

    pub(crate) fn entries(&self) -> usize {
        self.deny.entries() + self.allow.entries()
    }
}

/// Decision tables for one policy set.
#[derive(Debug)]
pub struct TableSet {
    pub(crate) vocabulary: ActionVocabulary,
    pub(crate) statements: Vec<CompiledStatement>,
    pub(crate) policy_labels: Vec<Box<str>>,
    pub(crate) identity: Group,
    pub(crate) permissions_boundary: Option<Group>,
    pub(crate) session: Option<Group>,
    pub(crate) service_control: Vec<Group>,
    pub(crate) resource_control: Vec<Group>,
    pub(crate) resource: Option<Group>,
}

/// Sizes of a table set, for status reports and benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableStats {
    /// Policies compiled.
    pub policies: usize,
    /// Statements compiled.
    pub statements: usize,
    /// Distinct literal action names.
    pub literal_actions: usize,
    /// Distinct wildcard action patterns.
    pub wildcard_actions: usize,
    /// Index entries (statement × action pattern × resource pattern).
    pub index_entries: usize,
}

impl TableSet {
    /// Resolves a request's action once, for all groups.
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

    /// Identity-based policies (possibly no statements).
    pub fn identity(&self) -> &Group {
        &self.identity
    }

    /// The permissions boundary, when the principal has one.
    pub fn permissions_boundary(&self) -> Option<&Group> {
        self.permissions_boundary.as_ref()
    }

    /// The session policies, when the session was given some (possibly none that allow).
    pub fn session(&self) -> Option<&Group> {
        self.session.as_ref()
    }

    /// SCPs, one group per organization level, root first.
    pub fn service_control(&self) -> &[Group] {
        &self.service_control
    }

    /// RCPs, one group per organization level, root first.
    pub fn resource_control(&self) -> &[Group] {
        &self.resource_control
    }

    /// The resource-based policy.
    pub fn resource(&self) -> Option<&Group> {
        self.resource.as_ref()
    }

    /// Sizes.
    pub fn stats(&self) -> TableStats {
        let groups = std::iter::once(&self.identity)
            .chain(self.permissions_boundary.iter())
            .chain(self.session.iter())
            .chain(self.service_control.iter())
            .chain(self.resource_control.iter())
            .chain(self.resource.iter());
        TableStats {
            policies: self.policy_labels.len(),
            statements: self.statements.len(),
            literal_actions: self.vocabulary.literal_count(),
            wildcard_actions: self.vocabulary.wildcard_count(),
            index_entries: groups.map(Group::entries).sum(),
        }
    }
}
