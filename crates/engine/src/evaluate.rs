//! IAM's combining logic over a table set, as `docs/evaluation.md` states it:
//! explicit deny first, then the organization limits, the resource policy
//! (same or cross account, specific, role or account grant), the identity
//! policies, the permissions boundary and the session policies.

use tollgate_compiler::{Group, RequestView, ResolvedAction, StatementId, Strength, TableSet};
use tollgate_policy::{Decision, DecisionKind, DecisiveStatement, Effect, PrincipalKind, Request};

use crate::special::requires_resource_policy;

/// One request being evaluated against one table set.
struct Evaluation<'a> {
    tables: &'a TableSet,
    request: &'a Request,
    view: RequestView<'a>,
    action: ResolvedAction,
    /// Whether SCPs govern this principal.
    scp_applies: bool,
}

/// Where the ids of applicable statements go when an explanation is wanted.
type Collector<'c> = Option<&'c mut Vec<StatementId>>;

impl<'a> Evaluation<'a> {
    fn new(tables: &'a TableSet, request: &'a Request) -> Self {
        let principal = request.principal();
        Self {
            tables,
            request,
            view: RequestView {
                action: &request.action,
                resource: &request.resource,
                principal,
                context: request.context_view(),
                has_permissions_boundary: tables.permissions_boundary().is_some(),
            },
            action: tables.resolve_action(&request.action),
            scp_applies: principal.is_iam_identity(),
        }
    }

    /// Every group whose statements take part, in canonical order.
    fn participating_groups(&self) -> impl Iterator<Item = &'a Group> + use<'a> {
        let t = self.tables;
        let scps: &'a [Group] = if self.scp_applies {
            t.service_control()
        } else {
            &[]
        };
        std::iter::once(t.identity())
            .chain(t.permissions_boundary())
            .chain(t.session())
            .chain(scps.iter())
            .chain(t.resource_control().iter())
            .chain(t.resource())
    }

    /// True when some statement of `effect` in `group` applies. With a
    /// collector, records all of them instead of stopping at the first.
    fn any(&self, group: &Group, effect: Effect, collector: &mut Collector<'_>) -> bool {
        match collector {
            None => {
                group.visit_applicable(self.tables, effect, &self.action, &self.view, |_, _| true)
            }
            Some(ids) => {
                let before = ids.len();
                group.visit_applicable(self.tables, effect, &self.action, &self.view, |id, _| {
                    ids.push(id);
                    false
                });
                ids.len() > before
            }
        }
    }

    /// The strongest principal match of an applicable allow in the resource policy.
    fn resource_grant(&self) -> Option<Strength> {
        let group = self.tables.resource()?;
        let mut best = None;
        group.visit_applicable(
            self.tables,
            Effect::Allow,
            &self.action,
            &self.view,
            |_, strength| {
                best = best.max(Some(strength));
                strength == Strength::Specific
            },
        );
        best
    }

    fn explicit_deny(&self, collector: &mut Collector<'_>) -> bool {
        let mut found = false;
        for group in self.participating_groups() {
            if self.any(group, Effect::Deny, collector) {
                found = true;
                if collector.is_none() {
                    return true;
                }
            }
        }
        found
    }

    /// True when some statement of `group` allows.
    fn allows(&self, group: &Group) -> bool {
        self.any(group, Effect::Allow, &mut None)
    }

    /// Steps 2 to 6 of the decision: true when the request is allowed,
    /// assuming nothing denies it explicitly.
    fn allowed(&self) -> bool {
        let t = self.tables;
        let principal = self.request.principal();
        let grant = self.resource_grant();
        if !principal.is_iam_identity() {
            return grant.is_some();
        }
        if self.scp_applies && !t.service_control().iter().all(|level| self.allows(level)) {
            return false;
        }
        let boundary = t.permissions_boundary().is_none_or(|g| self.allows(g));
        let session = match t.session() {
            Some(g) => self.allows(g),
            None => principal.kind() != PrincipalKind::FederatedUser,
        };
        let identity_path = || {
            boundary
                && session
                && (principal.kind() == PrincipalKind::Root || self.allows(t.identity()))
        };
        let same_account = principal.account().is_some()
            && principal.account() == self.request.effective_resource_account();
        if !same_account {
            return grant.is_some() && identity_path();
        }
        match grant {
            Some(Strength::Specific) => true,
            Some(Strength::Role) => boundary && session,
            Some(Strength::Account) => identity_path(),
            None => {
                !requires_resource_policy(&self.request.action, &self.request.resource)
                    && identity_path()
            }
        }
    }
}

/// The decision, fast: no explanation is gathered.
pub fn decide(tables: &TableSet, request: &Request) -> DecisionKind {
    let evaluation = Evaluation::new(tables, request);
    if evaluation.explicit_deny(&mut None) {
        DecisionKind::ExplicitDeny
    } else if evaluation.allowed() {
        DecisionKind::Allowed
    } else {
        DecisionKind::ImplicitDeny
    }
}

/// The decision with the statements that decided it.
pub fn evaluate(tables: &TableSet, request: &Request) -> Decision {
    let evaluation = Evaluation::new(tables, request);
    let mut ids = Vec::new();
    let kind = if evaluation.explicit_deny(&mut Some(&mut ids)) {
        DecisionKind::ExplicitDeny
    } else {
        ids.clear();
        if evaluation.allowed() {
            evaluation.all_allows(&mut ids);
            DecisionKind::Allowed
        } else {
            ids.clear();
            DecisionKind::ImplicitDeny
        }
    };
    ids.sort_unstable();
    ids.dedup();
    let decisive = ids
        .into_iter()
        .filter_map(|id| {
            let statement = tables.statement(id)?;
            Some(DecisiveStatement {
                policy: tables.policy_label(statement.policy()).to_owned(),
                index: statement.index(),
                sid: statement.sid().map(str::to_owned),
                effect: statement.effect(),
            })
        })
        .collect();
    Decision { kind, decisive }
}

impl Evaluation<'_> {
    /// Every applicable allow of the participating policies.
    fn all_allows(&self, ids: &mut Vec<StatementId>) {
        for group in self.participating_groups() {
            self.any(group, Effect::Allow, &mut Some(ids));
        }
    }
}
