//! IAM's combining logic over the applicable groups, as `docs/evaluation.md`
//! states it: explicit deny first, then the organization limits, the resource
//! policy (same or cross account; specific, role or account grant), the
//! identity policies, the permissions boundary and the session policies.

use tollgate_compiler::{
    ConditionMemo, Group, GroupId, RequestView, ResolvedAction, StatementId, Strength, TableSet,
    Tables,
};
use tollgate_policy::{
    Decision, DecisionKind, DecisiveStatement, Effect, OrgLevel, PrincipalKind, Request,
};

use crate::applicable::Applicable;
use crate::special::{is_role_trust_request, is_service_linked_role, requires_resource_policy};

/// The canonical rank of a policy kind in answers: identity groups in the
/// order given, boundary, session, SCP levels, RCP levels, resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Slot {
    Identity(usize),
    Boundary,
    Session,
    ServiceControl(usize),
    ResourceControl(usize),
    Resource,
}

/// One group with the tables it belongs to and the action resolved there.
#[derive(Clone, Copy)]
pub(crate) struct GroupRef<'a> {
    pub(crate) slot: Slot,
    pub(crate) tables: &'a Tables,
    pub(crate) action: &'a ResolvedAction,
    pub(crate) group: &'a Group,
    /// Condition results of this request, for the group's tables.
    memo: &'a ConditionMemo,
}

/// A statement found applicable, with where it came from.
pub(crate) type Found = (Slot, StatementId);

/// One request being evaluated.
pub(crate) struct Evaluation<'a> {
    pub(crate) applicable: &'a Applicable<'a>,
    pub(crate) request: &'a Request,
    pub(crate) view: RequestView<'a>,
    action: ResolvedAction,
    session_action: Option<ResolvedAction>,
    memo: ConditionMemo,
    session_memo: ConditionMemo,
    /// Whether SCPs govern this principal.
    pub(crate) scp_applies: bool,
}

impl<'a> Evaluation<'a> {
    fn new(applicable: &'a Applicable<'a>, request: &'a Request) -> Self {
        let principal = request.principal();
        Self {
            applicable,
            request,
            view: RequestView {
                action: &request.action,
                resource: &request.resource,
                principal,
                context: request.context_view_with(applicable.extra_context),
                has_permissions_boundary: applicable.permissions_boundary.is_some(),
            },
            action: applicable.tables.resolve_action(&request.action),
            session_action: applicable
                .session
                .filter(|s| !std::ptr::eq(s.tables, applicable.tables))
                .map(|s| s.tables.resolve_action(&request.action)),
            memo: ConditionMemo::new(),
            session_memo: ConditionMemo::new(),
            // Service-linked roles are not restricted by SCPs.
            scp_applies: principal.is_iam_identity()
                && !applicable.service_linked_role
                && !is_service_linked_role(principal),
        }
    }

    fn group(&self, slot: Slot, id: GroupId) -> Option<GroupRef<'_>> {
        Some(GroupRef {
            slot,
            tables: self.applicable.tables,
            action: &self.action,
            group: self.applicable.tables.group(id)?,
            memo: &self.memo,
        })
    }

    /// The identity groups; one missing from the tables holds nothing.
    pub(crate) fn identity(&self) -> impl Iterator<Item = GroupRef<'_>> {
        self.applicable
            .identity
            .iter()
            .enumerate()
            .filter_map(|(i, id)| self.group(Slot::Identity(i), *id))
    }

    pub(crate) fn boundary(&self) -> Option<GroupRef<'_>> {
        self.group(Slot::Boundary, self.applicable.permissions_boundary?)
    }

    pub(crate) fn session(&self) -> Option<GroupRef<'_>> {
        let session = self.applicable.session?;
        Some(GroupRef {
            slot: Slot::Session,
            tables: session.tables,
            action: self.session_action.as_ref().unwrap_or(&self.action),
            group: session.tables.group(session.group)?,
            memo: if self.session_action.is_some() {
                &self.session_memo
            } else {
                &self.memo
            },
        })
    }

    pub(crate) fn service_control(&self) -> impl Iterator<Item = Option<GroupRef<'_>>> {
        let levels = if self.scp_applies {
            self.applicable.service_control
        } else {
            &[]
        };
        levels
            .iter()
            .enumerate()
            .map(|(i, id)| self.group(Slot::ServiceControl(i), *id))
    }

    fn resource_control(&self) -> impl Iterator<Item = GroupRef<'_>> {
        self.applicable
            .resource_control
            .iter()
            .enumerate()
            .filter_map(|(i, id)| self.group(Slot::ResourceControl(i), *id))
    }

    pub(crate) fn resource(&self) -> Option<GroupRef<'_>> {
        self.group(Slot::Resource, self.applicable.resource?)
    }

    /// Calls `visit` with every group whose statements take part, in
    /// canonical order, until it returns true; true when it did. A plain loop
    /// per kind: a chain of iterators costs more than the small groups.
    pub(crate) fn each_participating(&self, mut visit: impl FnMut(GroupRef<'_>) -> bool) -> bool {
        for group in self.identity() {
            if visit(group) {
                return true;
            }
        }
        if let Some(group) = self.boundary()
            && visit(group)
        {
            return true;
        }
        if let Some(group) = self.session()
            && visit(group)
        {
            return true;
        }
        for group in self.service_control().flatten() {
            if visit(group) {
                return true;
            }
        }
        for group in self.resource_control() {
            if visit(group) {
                return true;
            }
        }
        self.resource().is_some_and(visit)
    }

    /// True when some statement of `effect` in the group applies; with a
    /// collector, records every such statement instead of stopping.
    fn any(&self, group: GroupRef<'_>, effect: Effect, found: Option<&mut Vec<Found>>) -> bool {
        match found {
            None => group.group.visit_applicable(
                group.tables,
                effect,
                group.action,
                &self.view,
                group.memo,
                |_, _| true,
            ),
            Some(found) => {
                let before = found.len();
                group.group.visit_applicable(
                    group.tables,
                    effect,
                    group.action,
                    &self.view,
                    group.memo,
                    |id, _| {
                        found.push((group.slot, id));
                        false
                    },
                );
                found.len() > before
            }
        }
    }

    pub(crate) fn allows(&self, group: GroupRef<'_>) -> bool {
        self.any(group, Effect::Allow, None)
    }

    /// The strongest principal match of an applicable allow in the resource policy.
    pub(crate) fn resource_grant(&self) -> Option<Strength> {
        let group = self.resource()?;
        let mut best = None;
        group.group.visit_applicable(
            group.tables,
            Effect::Allow,
            group.action,
            &self.view,
            group.memo,
            |_, strength| {
                best = best.max(Some(strength));
                strength == Strength::Specific
            },
        );
        best
    }

    /// Step 1: true when an applicable statement denies.
    fn explicit_deny(&self, mut found: Option<&mut Vec<Found>>) -> bool {
        let mut denied = false;
        let collect = found.is_some();
        self.each_participating(|group| {
            if self.any(group, Effect::Deny, found.as_deref_mut()) {
                denied = true;
            }
            denied && !collect
        });
        denied
    }

    /// Steps 2 to 6: true when the request is allowed, given no explicit deny.
    fn allowed(&self) -> bool {
        let principal = self.request.principal();
        // Read only when needed: most requests are not trust requests.
        let trust = || is_role_trust_request(&self.request.action, &self.request.resource);
        // Partitions have separate IAMs: no policy reaches across them.
        if self.request.crosses_partition() {
            return false;
        }
        // STS refuses roles to account roots, whatever the trust policy says.
        if principal.kind() == PrincipalKind::Root && trust() {
            return false;
        }
        let grant = self.resource_grant();
        if !principal.is_iam_identity() {
            return grant.is_some();
        }
        // A level that is missing from the tables allows nothing.
        if !self
            .service_control()
            .all(|level| level.is_some_and(|g| self.allows(g)))
        {
            return false;
        }
        let boundary = self.boundary().is_none_or(|g| self.allows(g));
        let session = match self.session() {
            Some(g) => self.allows(g),
            None => principal.kind() != PrincipalKind::FederatedUser,
        };
        let identity_path = || {
            boundary
                && session
                && (principal.kind() == PrincipalKind::Root
                    || self.identity().any(|g| self.allows(g)))
        };
        if !self.same_account() {
            return grant.is_some() && identity_path();
        }
        match grant {
            // A caller named specifically by a trust policy still needs its
            // permissions boundary to allow the trust action.
            Some(Strength::Specific) => boundary || !trust(),
            Some(Strength::Role) => boundary && session,
            Some(Strength::Account) => identity_path(),
            None => {
                !requires_resource_policy(&self.request.action, &self.request.resource)
                    && identity_path()
            }
        }
    }

    /// The principal and the resource are in the same account.
    pub(crate) fn same_account(&self) -> bool {
        let principal = self.request.principal();
        let resource_account = match &self.request.resource_account {
            Some(given) => Some(given.as_str()),
            None => self
                .applicable
                .resource_account
                .or_else(|| self.request.effective_resource_account()),
        };
        principal.account().is_some() && principal.account() == resource_account
    }

    /// Every applicable allow of the participating groups.
    fn all_allows(&self, found: &mut Vec<Found>) {
        self.each_participating(|group| {
            self.any(group, Effect::Allow, Some(&mut *found));
            false
        });
    }

    pub(crate) fn describe(&self, (slot, id): Found) -> Option<DecisiveStatement> {
        let tables = match (slot, self.applicable.session) {
            (Slot::Session, Some(session)) => session.tables,
            _ => self.applicable.tables,
        };
        let statement = tables.statement(id)?;
        let level = |index: usize, names: &[Box<str>]| OrgLevel {
            index,
            name: names.get(index).map(|n| n.to_string()),
        };
        let level = match slot {
            Slot::ServiceControl(i) => Some(level(i, self.applicable.service_control_levels)),
            Slot::ResourceControl(i) => Some(level(i, self.applicable.resource_control_levels)),
            _ => None,
        };
        Some(DecisiveStatement {
            policy: tables.policy_label(statement.policy()).to_owned(),
            index: statement.index(),
            sid: statement.sid().map(str::to_owned),
            effect: statement.effect(),
            level,
        })
    }
}

/// The decision for `request` against the groups that apply, fast: it stops
/// at the first statement that settles the question and explains nothing.
pub fn decide_with(applicable: &Applicable<'_>, request: &Request) -> DecisionKind {
    let evaluation = Evaluation::new(applicable, request);
    if evaluation.explicit_deny(None) {
        DecisionKind::ExplicitDeny
    } else if evaluation.allowed() {
        DecisionKind::Allowed
    } else {
        DecisionKind::ImplicitDeny
    }
}

/// The decision with the statements that decided it, in canonical order.
pub fn evaluate_with(applicable: &Applicable<'_>, request: &Request) -> Decision {
    let evaluation = Evaluation::new(applicable, request);
    let mut found: Vec<Found> = Vec::new();
    let mut explanation = None;
    let kind = if evaluation.explicit_deny(Some(&mut found)) {
        DecisionKind::ExplicitDeny
    } else if evaluation.allowed() {
        found.clear();
        evaluation.all_allows(&mut found);
        DecisionKind::Allowed
    } else {
        found.clear();
        explanation = Some(crate::explain::explain(&evaluation));
        DecisionKind::ImplicitDeny
    };
    found.sort_unstable();
    found.dedup();
    let decisive = found
        .into_iter()
        .filter_map(|f| evaluation.describe(f))
        .collect();
    Decision {
        kind,
        decisive,
        explanation,
    }
}

/// [`decide_with`] for a scenario's table set.
pub fn decide(tables: &TableSet, request: &Request) -> DecisionKind {
    decide_with(&Applicable::of(tables), request)
}

/// [`evaluate_with`] for a scenario's table set.
pub fn evaluate(tables: &TableSet, request: &Request) -> Decision {
    evaluate_with(&Applicable::of(tables), request)
}
