//! Resolving the model's references into a [`Plan`]: for every user and
//! role, the full list of identity policies (its own, then its groups'), its
//! boundary and tags; for every organization level, its SCPs and RCPs; for
//! every account, its path through the tree. Managed policy ARNs resolve to
//! the account's customer managed policies, or to AWS managed policies from
//! the account's authorization details, `aws-managed/`, or the built-in
//! catalog, in that order. Unknown names and ARNs are faults where they are
//! written; policies nothing uses are warned about.

use std::collections::{BTreeMap, BTreeSet};

use tollgate_policy::arn::Arn;
use tollgate_policy::{JsonPath, PolicyDocument, PolicyKind};

use crate::catalog::{self, CATALOG_SOURCE, DEPRECATED_SOURCE};
use crate::eager::CompileSink;
use crate::error::{Diagnostics, FaultKind};
use crate::model::{
    Account, Entity, LoadedPolicy, Model, Origin, PolicyBody, PolicyId, PolicyRef, PolicyRole,
    broken_key,
};

/// A fault already recorded.
struct Reported;

/// A user or role, resolved.
#[derive(Debug)]
pub(crate) struct PrincipalPlan {
    pub(crate) identity: Vec<PolicyId>,
    pub(crate) boundary: Option<PolicyId>,
    pub(crate) tags: Vec<(String, String)>,
    /// Roles only.
    pub(crate) trust: Option<PolicyId>,
    /// Roles only: a service-linked role (its path is `/aws-service-role/...`).
    pub(crate) service_linked: bool,
    /// The IAM path, `/` or `/.../`.
    pub(crate) path: String,
}

/// One level of the organization tree, resolved.
#[derive(Debug, Default)]
pub(crate) struct LevelPlan {
    /// How answers name the level: the root's id (`r-...`, else `Root`),
    /// an OU's path from the root (`r-.../ou-...`, an OU without an id by
    /// its `Name`), or the account id.
    pub(crate) name: String,
    pub(crate) scps: Vec<PolicyId>,
    pub(crate) rcps: Vec<PolicyId>,
}

/// An account's place in the organization.
#[derive(Debug)]
pub(crate) struct Membership {
    pub(crate) org_id: Option<String>,
    /// `o-.../r-.../ou-.../`, when every id on the way is known.
    pub(crate) org_path: Option<String>,
    /// Levels of [`Plan::levels`], root first, account last; empty for the
    /// management account, which SCPs and RCPs do not govern.
    pub(crate) levels: Vec<usize>,
}

/// An account, resolved.
#[derive(Debug, Default)]
pub(crate) struct AccountPlan {
    pub(crate) users: BTreeMap<String, PrincipalPlan>,
    pub(crate) roles: BTreeMap<String, PrincipalPlan>,
    pub(crate) membership: Option<Membership>,
}

/// Everything needed to compile, with every reference resolved.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub(crate) policies: Vec<LoadedPolicy>,
    pub(crate) accounts: BTreeMap<String, AccountPlan>,
    /// Resource ARN to owning account and policy.
    pub(crate) resources: BTreeMap<String, (String, PolicyId)>,
    pub(crate) levels: Vec<LevelPlan>,
    /// The tables compiled while reading, when the model was read to be
    /// compiled ([`crate::eager`]).
    pub(crate) sink: Option<CompileSink>,
    /// Per policy: whether anything refers to it (a document nobody uses
    /// may have been compiled while reading; its lints are not reported).
    pub(crate) used: Vec<bool>,
}

/// Resolves the model; faults and warnings go to `diag`.
pub(crate) fn resolve(model: Model, diag: &mut Diagnostics) -> Plan {
    let Model {
        policies,
        accounts,
        aws_managed,
        scps,
        rcps,
        organization,
        broken,
        sink,
    } = model;
    let mut resolver = Resolver {
        broken,
        used: vec![false; policies.len()],
        policies,
        aws_managed,
        catalog_ids: BTreeMap::new(),
        diag,
    };
    let mut plan = Plan {
        sink,
        ..Plan::default()
    };
    for (id, account) in &accounts {
        let account_plan = resolver.account(id, account);
        plan.accounts.insert(id.clone(), account_plan);
        for (arn, resource) in &account.resources {
            if let Some((owner, _)) = plan.resources.get(arn) {
                let origin = resolver.origin(resource.policy);
                let message = format!("`{arn}` already has a resource policy in account `{owner}`");
                resolver
                    .diag
                    .fault(&origin.file, &origin.path, FaultKind::Duplicate(message));
                continue;
            }
            resolver.mark_used(resource.policy);
            plan.resources
                .insert(arn.clone(), (id.clone(), resource.policy));
        }
    }
    if let Some(org) = organization {
        let mut tree = organization::Tree {
            resolver: &mut resolver,
            scps: &scps,
            rcps: &rcps,
            levels: Vec::new(),
            members: BTreeMap::new(),
            org_id: org.id.clone(),
            management: org.management_account.clone(),
            builtin: None,
        };
        let root_path = org.id.as_ref().map(|id| format!("{id}/"));
        tree.unit(&org.root, &[], root_path, None);
        plan.levels = tree.levels;
        for (account, membership) in tree.members {
            plan.accounts.entry(account).or_default().membership = Some(membership);
        }
    }
    resolver.warn_unused();
    plan.policies = resolver.policies;
    plan.used = resolver.used;
    plan
}

struct Resolver<'d> {
    /// Definitions whose files have faults: references to them are not
    /// reported again.
    broken: BTreeSet<String>,
    policies: Vec<LoadedPolicy>,
    used: Vec<bool>,
    aws_managed: BTreeMap<String, PolicyId>,
    /// Catalog policies already added to the arena, by ARN.
    catalog_ids: BTreeMap<String, PolicyId>,
    diag: &'d mut Diagnostics,
}

impl Resolver<'_> {
    /// True when `key`, or the authorization details of `account`, had faults.
    fn is_broken(&self, account: &str, key: &str) -> bool {
        self.broken.contains(key) || self.broken.contains(&broken_key("details", account, ""))
    }

    fn origin(&self, id: PolicyId) -> Origin {
        self.policies
            .get(id)
            .map(|p| p.origin.clone())
            .unwrap_or_else(|| Origin::new(".", JsonPath::root()))
    }

    /// Notes that `id` is referenced, so it draws no unused-policy warning.
    /// Every id comes from `policies`, which `used` mirrors.
    fn mark_used(&mut self, id: PolicyId) {
        if let Some(used) = self.used.get_mut(id) {
            *used = true;
        }
    }

    fn add(&mut self, policy: LoadedPolicy) -> PolicyId {
        self.policies.push(policy);
        self.used.push(true);
        self.policies.len() - 1
    }

    fn account(&mut self, id: &str, account: &Account) -> AccountPlan {
        let mut plan = AccountPlan::default();
        let mut groups: BTreeMap<&str, Vec<PolicyId>> = BTreeMap::new();
        for (name, group) in &account.groups {
            let mut list = Vec::new();
            self.own_policies(id, account, group, &mut list);
            groups.insert(name, list);
        }
        for (name, user) in &account.users {
            let mut identity = Vec::new();
            self.own_policies(id, account, user, &mut identity);
            for group in &user.groups {
                match groups.get(group.name.as_str()) {
                    Some(list) => extend_unique(&mut identity, list),
                    None if self.is_broken(id, &broken_key("group", id, &group.name)) => {}
                    None => self.diag.fault(
                        &group.origin.file,
                        &group.origin.path,
                        FaultKind::UnknownGroup(group.name.clone()),
                    ),
                }
            }
            plan.users
                .insert(name.clone(), self.principal(id, account, user, identity));
        }
        for (name, role) in &account.roles {
            let mut identity = Vec::new();
            self.own_policies(id, account, role, &mut identity);
            if let Some(trust) = role.trust {
                self.mark_used(trust);
            }
            let mut principal = self.principal(id, account, role, identity);
            principal.service_linked = tollgate_engine::is_service_linked_path(&principal.path);
            plan.roles.insert(name.clone(), principal);
        }
        plan
    }

    fn principal(
        &mut self,
        id: &str,
        account: &Account,
        entity: &Entity,
        identity: Vec<PolicyId>,
    ) -> PrincipalPlan {
        PrincipalPlan {
            identity,
            boundary: entity
                .boundary
                .as_ref()
                .and_then(|b| self.managed(id, account, b)),
            tags: entity.tags.clone(),
            trust: entity.trust,
            service_linked: false,
            path: if entity.path.is_empty() {
                "/".to_owned()
            } else {
                entity.path.clone()
            },
        }
    }

    /// Inline then attached policies of one entity, appended without repeats.
    fn own_policies(
        &mut self,
        id: &str,
        account: &Account,
        entity: &Entity,
        list: &mut Vec<PolicyId>,
    ) {
        for &inline in &entity.inline {
            self.mark_used(inline);
            extend_unique(list, &[inline]);
        }
        for attached in &entity.attached {
            if let Some(policy) = self.managed(id, account, attached) {
                extend_unique(list, &[policy]);
            }
        }
    }

    /// The policy a managed policy ARN names, seen from account `id`.
    fn managed(&mut self, id: &str, account: &Account, reference: &PolicyRef) -> Option<PolicyId> {
        let fault = |resolver: &mut Self, kind| {
            resolver
                .diag
                .fault(&reference.origin.file, &reference.origin.path, kind);
            None
        };
        let arn = reference.arn.as_str();
        let Some(parsed) = Arn::parse(arn).filter(|a| a.service == "iam") else {
            return fault(
                self,
                FaultKind::Invalid(format!("`{arn}` is not a managed policy ARN")),
            );
        };
        if !parsed.resource.starts_with("policy/") {
            return fault(
                self,
                FaultKind::Invalid(format!("`{arn}` is not a managed policy ARN")),
            );
        }
        let found = if parsed.account == "aws" {
            let stored = account
                .aws_managed
                .get(arn)
                .or_else(|| self.aws_managed.get(arn))
                .copied();
            match stored {
                Some(id) => Some(id),
                None => self.catalog_policy(reference).ok()?,
            }
        } else if parsed.account != id {
            return fault(
                self,
                FaultKind::Invalid(format!(
                    "`{arn}` belongs to account `{}`: only policies of account `{id}` and AWS managed policies can be attached here",
                    parsed.account
                )),
            );
        } else {
            account.managed.get(arn).copied()
        };
        match found {
            Some(policy) => {
                self.mark_used(policy);
                Some(policy)
            }
            None if self.is_broken(id, arn) => None,
            None => fault(self, FaultKind::UnknownPolicy(arn.to_owned())),
        }
    }

    /// Adds the catalog's document for an AWS managed policy ARN.
    fn catalog_policy(&mut self, reference: &PolicyRef) -> Result<Option<PolicyId>, Reported> {
        let arn = reference.arn.as_str();
        if let Some(&id) = self.catalog_ids.get(arn) {
            return Ok(Some(id));
        }
        let entry = match catalog::lookup(arn) {
            Ok(Some(entry)) => entry,
            Ok(None) => return Ok(None),
            Err(message) => {
                self.diag.fault(
                    &reference.origin.file,
                    &reference.origin.path,
                    FaultKind::Invalid(message),
                );
                return Err(Reported);
            }
        };
        if entry.deprecated {
            self.diag.warn(
                &reference.origin.file,
                &reference.origin.path,
                format!(
                    "`{arn}` is an AWS managed policy that AWS has deprecated (no longer listed or attachable): its last version, {}, from `{DEPRECATED_SOURCE}` is used; give the account's authorization-details export (it lists the version the account has under `Policies`) or an `aws-managed/` file to use another",
                    entry.version_id
                ),
            );
        }
        let document = match PolicyDocument::from_json(&entry.document, PolicyKind::Identity) {
            Ok(document) => document,
            Err(e) => {
                self.diag.fault(
                    &reference.origin.file,
                    &reference.origin.path,
                    FaultKind::Invalid(format!(
                        "AWS managed policy `{arn}` ({}) in `{}` does not parse: {e}",
                        entry.version_id,
                        if entry.deprecated {
                            DEPRECATED_SOURCE
                        } else {
                            CATALOG_SOURCE
                        }
                    )),
                );
                return Err(Reported);
            }
        };
        let id = self.add(LoadedPolicy {
            label: arn.to_owned(),
            origin: Origin::new(arn, JsonPath::root()),
            role: PolicyRole::Managed,
            body: PolicyBody::Parsed(document),
        });
        self.catalog_ids.insert(arn.to_owned(), id);
        Ok(Some(id))
    }

    fn warn_unused(&mut self) {
        for (policy, used) in self.policies.iter().zip(&self.used) {
            let what = match policy.role {
                _ if *used => continue,
                PolicyRole::Embedded => continue,
                PolicyRole::Managed => "managed policy",
                PolicyRole::Control => "policy",
            };
            self.diag.warn(
                &policy.origin.file,
                &policy.origin.path,
                format!("this {what} is not attached to anything"),
            );
        }
    }
}

/// Appends the ids of `more` that `list` does not hold yet.
fn extend_unique(list: &mut Vec<PolicyId>, more: &[PolicyId]) {
    for id in more {
        if !list.contains(id) {
            list.push(*id);
        }
    }
}

mod organization;
#[cfg(test)]
mod tests;
