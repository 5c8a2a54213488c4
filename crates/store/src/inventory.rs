//! What a store holds, by name, for tools that reason about a whole store
//! rather than answer one request (`tollgate diff`): every user and role
//! with the policy documents that apply to it, every resource policy, every
//! account's SCPs and RCPs. Read from the same files and with the same rules
//! as [`Store`](crate::Store) (a store that does not load has no
//! inventory), but the documents are kept, not compiled.

use std::collections::BTreeMap;

use tollgate_policy::PolicyDocument;

use crate::error::{StoreError, StoreFaults};
use crate::limits::StoreLimits;
use crate::model::PolicyBody;
use crate::read::read_files;
use crate::resolve::resolve;

/// One policy document and the label answers give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryPolicy {
    /// How answers name it (a store path, `path#fragment`, an AWS managed ARN).
    pub label: String,
    /// The document.
    pub document: PolicyDocument,
}

/// Whether an inventory principal is a user or a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InventoryKind {
    /// An IAM user.
    User,
    /// An IAM role.
    Role,
}

/// A user or role with what applies to it; policies are indexes into
/// [`Inventory::policies`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryPrincipal {
    /// `arn:aws:iam::ACCOUNT:user/PATH/NAME` or `...:role/PATH/NAME`.
    pub arn: String,
    /// Its account.
    pub account: String,
    /// User or role.
    pub kind: InventoryKind,
    /// Its identity policies (own, then its groups'), in answer order.
    pub identity: Vec<usize>,
    /// Its permissions boundary.
    pub boundary: Option<usize>,
    /// Its tags.
    pub tags: Vec<(String, String)>,
    /// Roles only: the trust policy.
    pub trust: Option<usize>,
}

/// An account with the organization policies that govern it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InventoryAccount {
    /// SCPs per level of its organization path, root first.
    pub service_control: Vec<Vec<usize>>,
    /// RCPs per level, root first.
    pub resource_control: Vec<Vec<usize>>,
    /// The organization id, when it is in one.
    pub org_id: Option<String>,
    /// `o-.../r-.../ou-.../`, when known.
    pub org_path: Option<String>,
}

/// A resource-based policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryResource {
    /// The resource's ARN.
    pub arn: String,
    /// The account that owns it.
    pub account: String,
    /// Its policy.
    pub policy: usize,
}

/// Everything a store holds, by name.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    /// The policy documents.
    pub policies: Vec<InventoryPolicy>,
    /// Users and roles, by account then kind then name.
    pub principals: Vec<InventoryPrincipal>,
    /// Accounts by id.
    pub accounts: BTreeMap<String, InventoryAccount>,
    /// Resource policies, by ARN.
    pub resources: Vec<InventoryResource>,
}

impl Inventory {
    /// Reads the inventory of a store's files with the store's rules; a
    /// store with faults has none (the error lists them, as loading does).
    pub fn from_files(
        files: BTreeMap<String, Vec<u8>>,
        limits: &StoreLimits,
    ) -> Result<Inventory, StoreError> {
        let (model, mut diag) = read_files(files, limits);
        let plan = resolve(model, &mut diag);
        if let Some(faults) = StoreFaults::from_vec(diag.faults) {
            return Err(StoreError::Invalid(faults));
        }
        // Read without compiling, every document is still parsed.
        let policies = plan
            .policies
            .into_iter()
            .enumerate()
            .map(|(id, p)| match p.body {
                PolicyBody::Parsed(document) => Ok(InventoryPolicy {
                    label: p.label,
                    document,
                }),
                PolicyBody::Compiled(_) | PolicyBody::Dropped => {
                    Err(StoreError::ReleasedTooEarly { policy: id })
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut inventory = Inventory {
            policies,
            ..Default::default()
        };
        for (id, account) in plan.accounts {
            let mut entry = InventoryAccount::default();
            if let Some(membership) = &account.membership {
                for level in &membership.levels {
                    if let Some(level) = plan.levels.get(*level) {
                        entry.service_control.push(level.scps.clone());
                        entry.resource_control.push(level.rcps.clone());
                    }
                }
                entry.org_id = membership.org_id.clone();
                entry.org_path = membership.org_path.clone();
            }
            let kinds = [
                (InventoryKind::User, "user", account.users),
                (InventoryKind::Role, "role", account.roles),
            ];
            for (kind, word, principals) in kinds {
                for (name, plan) in principals {
                    let path = if plan.path.is_empty() {
                        "/"
                    } else {
                        &plan.path
                    };
                    inventory.principals.push(InventoryPrincipal {
                        arn: format!("arn:aws:iam::{id}:{word}{path}{name}"),
                        account: id.clone(),
                        kind,
                        identity: plan.identity,
                        boundary: plan.boundary,
                        tags: plan.tags,
                        trust: plan.trust,
                    });
                }
            }
            inventory.accounts.insert(id, entry);
        }
        inventory.resources = plan
            .resources
            .into_iter()
            .map(|(arn, (account, policy))| InventoryResource {
                arn,
                account,
                policy,
            })
            .collect();
        Ok(inventory)
    }

    /// The policy at `index`.
    pub fn policy(&self, index: usize) -> Option<&InventoryPolicy> {
        self.policies.get(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_the_example_store() {
        let files = crate::Store::read_dir_files(
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../tests/data/store/example"
            ),
            &StoreLimits::default(),
        )
        .unwrap();
        let inventory = Inventory::from_files(files, &StoreLimits::default()).unwrap();
        let arns: Vec<&str> = inventory
            .principals
            .iter()
            .map(|p| p.arn.as_str())
            .collect();
        assert!(
            arns.contains(&"arn:aws:iam::111122223333:user/alice"),
            "{arns:?}"
        );
        let alice =
            &inventory.principals[arns.iter().position(|a| a.ends_with("user/alice")).unwrap()];
        assert!(!alice.identity.is_empty());
        assert!(
            inventory
                .resources
                .iter()
                .any(|r| r.arn == "arn:aws:s3:::example-photos")
        );
        assert!(
            inventory
                .accounts
                .values()
                .any(|a| !a.service_control.is_empty())
        );
    }
}
