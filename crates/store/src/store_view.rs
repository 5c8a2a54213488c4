//! What a loaded store holds, for tools that ask about many requests at
//! once (`tollgate-access`): its users and roles, its accounts, its
//! resource policies, and per request the groups that take part and the
//! context keys the store knows.

use tollgate_compiler::GroupId;
use tollgate_policy::{ContextView, Request};

use crate::answer::STORE_PARTITION;
use crate::store::Store;

/// A user or role of the store.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct StorePrincipal {
    /// Its ARN, with its path: `arn:aws:iam::ACCOUNT:user/PATH/NAME` or
    /// `arn:aws:iam::ACCOUNT:role/PATH/NAME`.
    pub arn: String,
    /// Its account.
    pub account: String,
    /// True for a role.
    pub is_role: bool,
}

/// The groups of one request by the part they play in its decision.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupParts {
    /// The principal's identity policies (user, its groups, role).
    pub identity: Vec<GroupId>,
    /// Its permissions boundary.
    pub boundary: Option<GroupId>,
    /// The SCP levels of its account.
    pub service_control: Vec<GroupId>,
    /// The RCP levels of the resource's account.
    pub resource_control: Vec<GroupId>,
    /// The resource policy, or the role's trust policy.
    pub resource: Option<GroupId>,
}

impl Store {
    /// Every user and role, sorted by ARN.
    pub fn principals(&self) -> Vec<StorePrincipal> {
        let mut out = Vec::new();
        for (account, index) in &self.index.accounts {
            let kinds = [("user", &index.users, false), ("role", &index.roles, true)];
            for (kind, entities, is_role) in kinds {
                for (name, principal) in entities {
                    let path = if principal.path.is_empty() {
                        "/"
                    } else {
                        &principal.path
                    };
                    out.push(StorePrincipal {
                        arn: format!("arn:{STORE_PARTITION}:iam::{account}:{kind}{path}{name}"),
                        account: account.clone(),
                        is_role,
                    });
                }
            }
        }
        out.sort();
        out
    }

    /// The ids of the accounts, sorted.
    pub fn account_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.index.accounts.keys().map(String::as_str).collect();
        ids.sort_unstable();
        ids
    }

    /// The resource ARNs that have a resource-based policy (role trust
    /// policies are found by role ARN instead), sorted.
    pub fn resource_policy_arns(&self) -> Vec<&str> {
        let mut arns: Vec<&str> = self.index.resources.keys().map(String::as_str).collect();
        arns.sort_unstable();
        arns
    }

    /// The groups that take part in `request`: the principal's identity
    /// policies and boundary, the SCP and RCP levels, the resource policy.
    pub fn groups_for(&self, request: &Request) -> Vec<GroupId> {
        let resolved = self.resolve(request);
        let applicable = self.applicable(&resolved, None);
        let mut groups: Vec<GroupId> = applicable.identity.to_vec();
        groups.extend(applicable.permissions_boundary);
        groups.extend_from_slice(applicable.service_control);
        groups.extend_from_slice(applicable.resource_control);
        groups.extend(applicable.resource);
        groups
    }

    /// The groups that take part in `request`, by the part each plays (the
    /// same groups as [`Store::groups_for`]).
    pub fn group_parts(&self, request: &Request) -> GroupParts {
        let resolved = self.resolve(request);
        let applicable = self.applicable(&resolved, None);
        GroupParts {
            identity: applicable.identity.to_vec(),
            boundary: applicable.permissions_boundary,
            service_control: applicable.service_control.to_vec(),
            resource_control: applicable.resource_control.to_vec(),
            resource: applicable.resource,
        }
    }

    /// Calls `read` with the context conditions see for `request`: its
    /// keys, then the keys the store knows (principal tags, organization
    /// ids, the resource account), then the keys its principal gives.
    pub fn with_context_view<T>(
        &self,
        request: &Request,
        read: impl FnOnce(&ContextView<'_>) -> T,
    ) -> T {
        let resolved = self.resolve(request);
        let applicable = self.applicable(&resolved, None);
        read(&request.context_view_with(applicable.extra_context))
    }
}
