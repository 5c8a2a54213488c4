//! `who-can`: the principals allowed to do one action on one resource.

use std::collections::BTreeSet;

use serde::Serialize;
use tollgate_policy::{DecisionKind, Effect, Request, RequestContext, RequestPrincipal};
use tollgate_store::Store;

use crate::cases::{
    ContextCase, KeyClasses, Limits, Reduced, cases, missing_keys, reduce, with_case,
};
use crate::error::AccessError;
use crate::gate::Gate;

/// A who-can question.
#[derive(Debug, Clone, Default)]
pub struct WhoCanQuery {
    /// The action, `service:Name`.
    pub action: String,
    /// The resource ARN.
    pub resource: String,
    /// The context keys the asker gives; the others are left open.
    pub context: RequestContext,
    /// Also follow one `sts:AssumeRole` hop into every allowed role.
    pub via_assume_role: bool,
    /// Bounds on the work.
    pub limits: Limits,
}

/// One principal that is allowed, always or in some cases.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Access {
    /// The principal: a user or role ARN (with its path), an account root,
    /// a service, an identity provider, or `*` (anyone, anonymous too).
    pub principal: String,
    /// `user`, `role`, `root` (an account of the store), or `external`
    /// (named by a resource policy, outside the store).
    pub kind: &'static str,
    /// The policies whose allow statements let it in (store labels: the
    /// identity policy, the resource or trust policy naming it or its
    /// account), for the first case that allows.
    pub via: Vec<String>,
    /// True when only some values of the missing context keys allow.
    pub conditional: bool,
    /// When conditional: the cases (classes of values of the missing keys
    /// on which the decision depends) that allow; keys a case leaves out
    /// do not matter.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_cases: Vec<ContextCase>,
    /// When conditional and the allowed cases combine freely: per key, the
    /// classes that allow (the same answer as `allowed_cases`, shorter).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<Vec<KeyClasses>>,
}

/// A principal that can assume an allowed role.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AssumeChain {
    /// Who assumes.
    pub principal: String,
    /// The role it assumes, which is allowed the action.
    pub role: String,
    /// True when the role's access or the assumption is conditional.
    pub conditional: bool,
}

/// The answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WhoCan {
    /// The action asked about.
    pub action: String,
    /// The resource asked about.
    pub resource: String,
    /// Store principals (users, roles, account roots) allowed whatever the
    /// missing context keys are.
    pub allowed: Vec<Access>,
    /// Store principals allowed only in some cases.
    pub conditional: Vec<Access>,
    /// Principals outside the store that the resource's policies name and
    /// let in (always or in some cases).
    pub external: Vec<Access>,
    /// With `via_assume_role`: one-hop chains into allowed roles.
    pub via_assume_role: Vec<AssumeChain>,
}

/// Decides every case of one principal; `None` when no case allows.
pub(crate) fn access_of(
    store: &Store,
    principal: &str,
    kind: &'static str,
    action: &str,
    resource: &str,
    context: &RequestContext,
    limits: &Limits,
) -> Result<Option<Access>, AccessError> {
    let parsed = RequestPrincipal::parse(principal).map_err(|e| AccessError::Principal {
        principal: principal.to_owned(),
        message: e.to_string(),
    })?;
    let mut request =
        Request::checked(parsed, action, resource).map_err(|e| AccessError::Request {
            field: e.field.clone(),
            message: e.message.clone(),
        })?;
    request.context = context.clone();
    let groups = store.groups_for(&request);
    let resolved = store.tables().resolve_action(action);
    let keys = missing_keys(store, &groups, &resolved, &request);
    let all = cases(&keys, limits)?;
    let mut decided = Vec::with_capacity(all.len());
    let mut first: Option<Request> = None;
    for case in all {
        limits.check_deadline()?;
        let request = with_case(&request, &case);
        let allowed = store.decide(&request, None).kind == DecisionKind::Allowed;
        if allowed && first.is_none() {
            first = Some(request);
        }
        decided.push((case, allowed));
    }
    let Some(first) = first else {
        return Ok(None);
    };
    let (decision, _) = store.evaluate(&first, None);
    let mut via: Vec<String> = decision
        .decisive
        .iter()
        .filter(|d| d.effect == Effect::Allow)
        .map(|d| d.policy.clone())
        .collect();
    via.dedup();
    let conditional = decided.iter().any(|(_, allowed)| !allowed);
    let reduced = if conditional {
        reduce(&decided)
    } else {
        Reduced::default()
    };
    Ok(Some(Access {
        principal: principal.to_owned(),
        kind,
        via,
        conditional,
        allowed_cases: reduced.cases,
        when: reduced.per_key,
    }))
}

/// The principals outside the store that allow statements of the groups of
/// `request` (its resource and trust policies) name.
fn named_outside(
    store: &Store,
    action: &str,
    resource: &str,
    known: &BTreeSet<String>,
) -> Vec<String> {
    let Ok(anyone) = RequestPrincipal::parse("*") else {
        return Vec::new();
    };
    let request = Request::new(anyone, action, resource);
    let tables = store.tables();
    let resolved = tables.resolve_action(action);
    let accounts: BTreeSet<&str> = store.account_ids().into_iter().collect();
    let mut out = BTreeSet::new();
    for group in store
        .groups_for(&request)
        .iter()
        .filter_map(|g| tables.group(*g))
    {
        group.visit_action_candidates(Effect::Allow, &resolved, |id| {
            let Some(matcher) = tables.statement(id).and_then(|s| s.principal()) else {
                return false;
            };
            let named = matcher.named();
            if named.everyone || named.any_aws || named.negated {
                out.insert("*".to_owned());
            }
            for account in &named.accounts {
                if !accounts.contains(account.as_str()) {
                    out.insert(format!("arn:aws:iam::{account}:root"));
                }
            }
            out.extend(named.arns.iter().filter(|a| !known.contains(*a)).cloned());
            for (account, name) in &named.roles {
                let suffix = format!("/{name}");
                let in_store = known.iter().any(|k| {
                    k.starts_with(&format!("arn:aws:iam::{account}:role/")) && k.ends_with(&suffix)
                });
                if !in_store {
                    out.insert(format!("arn:aws:iam::{account}:role/{name}"));
                }
            }
            out.extend(named.services.iter().cloned());
            out.extend(named.federated.iter().cloned());
            false
        });
    }
    out.into_iter().collect()
}

/// Answers a who-can question over the whole store.
pub fn who_can(store: &Store, query: &WhoCanQuery) -> Result<WhoCan, AccessError> {
    let principals = store.principals();
    let known: BTreeSet<String> = principals.iter().map(|p| p.arn.clone()).collect();
    let mut answer = WhoCan {
        action: query.action.clone(),
        resource: query.resource.clone(),
        ..WhoCan::default()
    };
    let ask = |principal: &str, kind, action: &str, resource: &str| {
        access_of(
            store,
            principal,
            kind,
            action,
            resource,
            &query.context,
            &query.limits,
        )
    };
    // (principal, kind, account); account roots are always decided.
    let mut candidates: Vec<(String, &'static str, &str)> = principals
        .iter()
        .map(|p| {
            let kind = if p.is_role { "role" } else { "user" };
            (p.arn.clone(), kind, p.account.as_str())
        })
        .collect();
    candidates.extend(
        store
            .account_ids()
            .into_iter()
            .map(|a| (format!("arn:aws:iam::{a}:root"), "root", a)),
    );
    let mut gate = Gate::new(store, &query.action, &query.resource);
    for (principal, kind, account) in &candidates {
        if *kind != "root" && !gate.may_allow(principal, account) {
            continue;
        }
        if let Some(access) = ask(principal, kind, &query.action, &query.resource)? {
            if access.conditional {
                answer.conditional.push(access);
            } else {
                answer.allowed.push(access);
            }
        }
    }
    for principal in named_outside(store, &query.action, &query.resource, &known) {
        if let Some(access) = ask(&principal, "external", &query.action, &query.resource)? {
            answer.external.push(access);
        }
    }
    if query.via_assume_role {
        let roles: Vec<(String, bool)> = answer
            .allowed
            .iter()
            .chain(&answer.conditional)
            .filter(|a| a.kind == "role")
            .map(|a| (a.principal.clone(), a.conditional))
            .collect();
        for (role, role_conditional) in roles {
            let mut gate = Gate::new(store, "sts:AssumeRole", &role);
            let mut callers: Vec<(String, &'static str)> = candidates
                .iter()
                .filter(|(p, kind, account)| {
                    *p != role && (*kind == "root" || gate.may_allow(p, account))
                })
                .map(|(p, kind, _)| (p.clone(), *kind))
                .collect();
            callers.extend(
                named_outside(store, "sts:AssumeRole", &role, &known)
                    .into_iter()
                    .map(|p| (p, "external")),
            );
            for (caller, kind) in callers {
                if let Some(access) = ask(&caller, kind, "sts:AssumeRole", &role)? {
                    answer.via_assume_role.push(AssumeChain {
                        principal: caller,
                        role: role.clone(),
                        conditional: role_conditional || access.conditional,
                    });
                }
            }
        }
    }
    Ok(answer)
}
