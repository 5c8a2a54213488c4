//! Compiling a resolved [`Plan`] into one [`Tables`] and the [`Index`] that
//! says which groups apply to whom:
//!
//! - one group per identity or permissions boundary policy, compiled once
//!   and shared by every principal that has it (a principal's identity is
//!   the list of its policies' groups);
//! - one group per role trust policy and per resource policy;
//! - one SCP group and one RCP group per organization level, and per
//!   account the groups of its path, root first.

use rustc_hash::FxHashMap;
use tollgate_compiler::{CompileWarning, CompilerConfig, GroupId, Tables, TablesBuilder};
use tollgate_policy::{NamedPolicy, RequestContext};

use crate::answer::STORE_PARTITION;
use crate::error::{StoreError, StoreWarning};
use crate::model::{LoadedPolicy, PolicyId};
use crate::resolve::{Plan, PrincipalPlan};

/// A user or role, compiled.
#[derive(Debug)]
pub(crate) struct PrincipalIndex {
    /// One group per identity policy: its own inline and attached policies,
    /// then its groups', in the order answers list them.
    pub(crate) identity: Box<[GroupId]>,
    pub(crate) boundary: Option<GroupId>,
    /// `aws:PrincipalTag/<key>` for each of its tags; for roles, also
    /// `aws:PrincipalArn` with the role's path (a session ARN lacks it).
    pub(crate) context: RequestContext,
    /// Roles only: the trust policy.
    pub(crate) trust: Option<GroupId>,
    /// Roles only: a service-linked role (path `/aws-service-role/`),
    /// which SCPs do not restrict, even through a session ARN.
    pub(crate) service_linked: bool,
    /// The IAM path, `/` or `/.../`: a request names this principal only
    /// with this path (a user's name alone is not the user).
    pub(crate) path: Box<str>,
}

/// An account, compiled.
#[derive(Debug, Default)]
pub(crate) struct AccountIndex {
    pub(crate) users: FxHashMap<String, PrincipalIndex>,
    pub(crate) roles: FxHashMap<String, PrincipalIndex>,
    /// SCP groups of the account's path, root first; empty outside an
    /// organization and for the management account.
    pub(crate) service_control: Vec<GroupId>,
    /// RCP groups of the account's path, root first.
    pub(crate) resource_control: Vec<GroupId>,
    /// The names of the levels of the account's path (root id, OU paths,
    /// account id), parallel to `service_control` and `resource_control`.
    pub(crate) level_names: Vec<Box<str>>,
    /// `aws:PrincipalOrgID` and `aws:PrincipalOrgPaths` (when every id on
    /// the path is known), for the account's principals.
    pub(crate) principal_context: RequestContext,
    /// `aws:ResourceAccount`, `aws:ResourceOrgID` and `aws:ResourceOrgPaths`,
    /// for the account's resources.
    pub(crate) resource_context: RequestContext,
}

/// The organization keys of an account, under the principal or resource names.
fn org_context(
    id_key: &str,
    paths_key: &str,
    org_id: Option<&String>,
    org_path: Option<&String>,
) -> RequestContext {
    let mut context = RequestContext::new();
    if let Some(id) = org_id {
        context.insert(id_key, vec![id.clone()]);
    }
    if let Some(path) = org_path {
        context.insert(paths_key, vec![path.clone()]);
    }
    context
}

/// A resource-based policy, compiled.
#[derive(Debug)]
pub(crate) struct ResourceIndex {
    pub(crate) account: String,
    pub(crate) group: GroupId,
}

/// Which groups apply to which principal, account and resource.
#[derive(Debug, Default)]
pub(crate) struct Index {
    pub(crate) accounts: FxHashMap<String, AccountIndex>,
    pub(crate) resources: FxHashMap<String, ResourceIndex>,
}

/// The compiled store.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub(crate) tables: Tables,
    pub(crate) index: Index,
    pub(crate) warnings: Vec<StoreWarning>,
    /// Distinct policy documents loaded.
    pub(crate) policies: usize,
}

struct Compiler {
    builder: TablesBuilder,
    /// The parsed documents, each released (`None`) once compiled into
    /// every group that holds it: parsed documents take more memory than
    /// the tables, so holding all of them to the end would set the peak.
    policies: Vec<Option<NamedPolicy>>,
    /// Per document: the groups still to compile that hold it.
    remaining: Vec<u32>,
    single_groups: FxHashMap<PolicyId, GroupId>,
}

/// Per policy document, the number of groups `compile` puts it in: one per
/// SCP or RCP level listing it, one for an identity or boundary policy
/// (shared), one per role trusting it, one per resource it governs. It must
/// follow [`compile`]'s walk: a document released too early fails the load
/// with [`StoreError::ReleasedTooEarly`], one counted too often is merely
/// kept to the end.
fn group_uses(plan: &Plan) -> Vec<u32> {
    let mut uses = vec![0u32; plan.policies.len()];
    let mut count = |id: PolicyId| {
        if let Some(n) = uses.get_mut(id) {
            *n += 1;
        }
    };
    for level in &plan.levels {
        level
            .scps
            .iter()
            .chain(&level.rcps)
            .for_each(|&id| count(id));
    }
    let mut singles = rustc_hash::FxHashSet::default();
    for account in plan.accounts.values() {
        for principal in account.users.values().chain(account.roles.values()) {
            for &id in principal.identity.iter().chain(&principal.boundary) {
                if singles.insert(id) {
                    count(id);
                }
            }
            if let Some(trust) = principal.trust {
                count(trust);
            }
        }
    }
    for (_, policy) in plan.resources.values() {
        count(*policy);
    }
    uses
}

impl Compiler {
    fn group(&mut self, ids: &[PolicyId]) -> Result<GroupId, StoreError> {
        if let Some(&policy) = ids
            .iter()
            .find(|&&id| matches!(self.policies.get(id), Some(None)))
        {
            return Err(StoreError::ReleasedTooEarly { policy });
        }
        let policies = ids
            .iter()
            .filter_map(|&id| self.policies.get(id).and_then(Option::as_ref));
        let statements = policies.clone().map(|p| p.document.statements.len()).sum();
        let group = self.builder.add_group(policies)?;
        crate::progress::statements_compiled(statements);
        for &id in ids {
            if let Some(n) = self.remaining.get_mut(id) {
                *n = n.saturating_sub(1);
                if *n == 0
                    && let Some(slot) = self.policies.get_mut(id)
                {
                    *slot = None;
                }
            }
        }
        Ok(group)
    }

    /// The groups of one identity policy list, each shared.
    fn identity(&mut self, ids: &[PolicyId]) -> Result<Box<[GroupId]>, StoreError> {
        ids.iter().map(|&id| self.single(id)).collect()
    }

    /// The group of one identity or boundary policy, shared.
    fn single(&mut self, id: PolicyId) -> Result<GroupId, StoreError> {
        if let Some(&group) = self.single_groups.get(&id) {
            return Ok(group);
        }
        let group = self.group(&[id])?;
        self.single_groups.insert(id, group);
        Ok(group)
    }

    fn principal(&mut self, plan: &PrincipalPlan) -> Result<PrincipalIndex, StoreError> {
        Ok(PrincipalIndex {
            identity: self.identity(&plan.identity)?,
            boundary: plan.boundary.map(|b| self.single(b)).transpose()?,
            context: {
                let mut context = RequestContext::new();
                for (key, value) in &plan.tags {
                    context.insert(&format!("aws:PrincipalTag/{key}"), vec![value.clone()]);
                }
                context
            },
            trust: plan.trust.map(|t| self.group(&[t])).transpose()?,
            service_linked: plan.service_linked,
            path: plan.path.as_str().into(),
        })
    }
}

/// Compiles the plan.
pub(crate) fn compile(plan: Plan, config: CompilerConfig) -> Result<Compiled, StoreError> {
    let origins: Vec<(String, String)> = plan
        .policies
        .iter()
        .map(|p| (p.origin.file.clone(), p.origin.path.to_string()))
        .collect();
    let labels: FxHashMap<String, usize> = plan
        .policies
        .iter()
        .enumerate()
        .map(|(i, p)| (p.label.clone(), i))
        .collect();
    let policy_count = plan.policies.len();
    let remaining = group_uses(&plan);
    // Statements compiled: each document once per group holding it.
    let statements = plan
        .policies
        .iter()
        .zip(&remaining)
        .map(|(p, &n)| p.document.statements.len() * n as usize)
        .sum();
    let mut compiler = Compiler {
        builder: TablesBuilder::new(config),
        policies: plan
            .policies
            .into_iter()
            .map(
                |LoadedPolicy {
                     label, document, ..
                 }| Some(NamedPolicy::new(label, document)),
            )
            .collect(),
        remaining,
        single_groups: FxHashMap::default(),
    };
    compiler.builder.reserve_statements(statements);
    let mut level_groups = Vec::with_capacity(plan.levels.len());
    for level in &plan.levels {
        level_groups.push((compiler.group(&level.scps)?, compiler.group(&level.rcps)?));
    }
    let mut index = Index::default();
    for (id, account) in &plan.accounts {
        let mut compiled = AccountIndex::default();
        for (name, user) in &account.users {
            compiled
                .users
                .insert(name.clone(), compiler.principal(user)?);
        }
        for (name, role) in &account.roles {
            let mut principal = compiler.principal(role)?;
            // A session ARN (`assumed-role/NAME/SESSION`) does not carry the
            // role's path; `aws:PrincipalArn` is the role's ARN, path
            // included, and the store knows it.
            principal.context.insert(
                "aws:PrincipalArn",
                vec![format!(
                    "arn:{STORE_PARTITION}:iam::{id}:role{}{name}",
                    principal.path
                )],
            );
            compiled.roles.insert(name.clone(), principal);
        }
        if let Some(membership) = &account.membership {
            for level in &membership.levels {
                if let (Some(&(scp, rcp)), Some(plan)) =
                    (level_groups.get(*level), plan.levels.get(*level))
                {
                    compiled.service_control.push(scp);
                    compiled.resource_control.push(rcp);
                    compiled.level_names.push(plan.name.as_str().into());
                }
            }
        }
        let (org_id, org_path) = account
            .membership
            .as_ref()
            .map_or((None, None), |m| (m.org_id.as_ref(), m.org_path.as_ref()));
        compiled.principal_context = org_context(
            "aws:PrincipalOrgID",
            "aws:PrincipalOrgPaths",
            org_id,
            org_path,
        );
        compiled.resource_context = org_context(
            "aws:ResourceOrgID",
            "aws:ResourceOrgPaths",
            org_id,
            org_path,
        );
        compiled
            .resource_context
            .insert("aws:ResourceAccount", vec![id.clone()]);
        index.accounts.insert(id.clone(), compiled);
    }
    for (arn, (account, policy)) in &plan.resources {
        let group = compiler.group(&[*policy])?;
        index.resources.insert(
            arn.clone(),
            ResourceIndex {
                account: account.clone(),
                group,
            },
        );
    }
    let (tables, lints) = compiler.builder.finish();
    Ok(Compiled {
        tables,
        index,
        warnings: translate(lints, &labels, &origins),
        policies: policy_count,
    })
}

/// Compiler lints as store warnings, placed in their files. Lints on AWS
/// managed policies from the built-in catalog and on built-in policies are
/// dropped: they are not the store author's to fix.
fn translate(
    lints: Vec<CompileWarning>,
    labels: &FxHashMap<String, usize>,
    origins: &[(String, String)],
) -> Vec<StoreWarning> {
    let mut warnings: Vec<StoreWarning> = lints
        .into_iter()
        .filter_map(|lint| {
            let (file, base) = origins.get(*labels.get(&lint.policy)?)?;
            if file.starts_with("arn:") {
                return None;
            }
            let path = if base == "$" {
                lint.path
            } else {
                format!("{base}.{}", lint.path)
            };
            Some(StoreWarning {
                file: file.clone(),
                path,
                message: lint.message,
            })
        })
        .collect();
    warnings.sort();
    warnings
}
