//! Compiling a resolved [`Plan`] into one [`Tables`] and the [`Index`] that
//! says which groups apply to whom:
//!
//! - one group per identity or permissions boundary policy, compiled once
//!   and shared by every principal that has it (a principal's identity is
//!   the list of its policies' groups);
//! - one group per role trust policy and per resource policy;
//! - one SCP group and one RCP group per organization level, and per
//!   account the groups of its path, root first.
//!
//! Documents read from the store's files mostly arrive compiled already
//! ([`crate::eager`]: a group of their own, built as each was parsed); what
//! is left here are the SCPs and RCPs the levels combine and the documents
//! resolving added (AWS managed policies from the catalog, `FullAWSAccess`).

use rustc_hash::FxHashMap;
use tollgate_compiler::{CompileWarning, CompilerConfig, GroupId, Tables, TablesBuilder};
use tollgate_policy::{NamedPolicy, RequestContext};

use crate::answer::STORE_PARTITION;
use crate::error::{StoreError, StoreWarning};
use crate::model::{LoadedPolicy, PolicyBody, PolicyId};
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

/// A document as [`Compiler`] holds it.
enum Held {
    /// Parsed, waiting for the groups that hold it.
    Parsed(NamedPolicy),
    /// Compiled into its own group while the files were read.
    Compiled(GroupId),
    /// Released after its last group, or never compiled.
    Gone,
}

struct Compiler {
    builder: TablesBuilder,
    /// The documents still parsed, each released once compiled into every
    /// group that holds it: parsed documents take more memory than the
    /// tables, so holding all of them to the end would set the peak.
    policies: Vec<Held>,
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
    /// A new group of the parsed documents `ids`.
    fn group(&mut self, ids: &[PolicyId]) -> Result<GroupId, StoreError> {
        if let Some(&policy) = ids
            .iter()
            .find(|&&id| !matches!(self.policies.get(id), Some(Held::Parsed(_))))
        {
            return Err(StoreError::ReleasedTooEarly { policy });
        }
        let policies = ids.iter().filter_map(|&id| match self.policies.get(id) {
            Some(Held::Parsed(policy)) => Some(policy),
            _ => None,
        });
        let statements = policies.clone().map(|p| p.document.statements.len()).sum();
        let group = self.builder.add_group(policies)?;
        crate::progress::statements_compiled(statements);
        for &id in ids {
            if let Some(n) = self.remaining.get_mut(id) {
                *n = n.saturating_sub(1);
                if *n == 0
                    && let Some(slot) = self.policies.get_mut(id)
                {
                    *slot = Held::Gone;
                }
            }
        }
        Ok(group)
    }

    /// The group of a document that forms one of its own (a trust or
    /// resource policy): compiled while reading, or now.
    fn own(&mut self, id: PolicyId) -> Result<GroupId, StoreError> {
        match self.policies.get(id) {
            Some(Held::Compiled(group)) => Ok(*group),
            _ => self.group(&[id]),
        }
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
        let group = self.own(id)?;
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
            trust: plan.trust.map(|t| self.own(t)).transpose()?,
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
    // Statements still to compile: each parsed document once per group
    // holding it.
    let statements = plan
        .policies
        .iter()
        .zip(&remaining)
        .filter_map(|(p, &n)| Some(p.body.document()?.statements.len() * n as usize))
        .sum();
    let builder = match plan.sink {
        Some(sink) => {
            if let Some(error) = sink.error {
                return Err(error.into());
            }
            sink.builder
        }
        None => TablesBuilder::new(config),
    };
    let mut compiler = Compiler {
        builder,
        policies: plan
            .policies
            .into_iter()
            .map(|LoadedPolicy { label, body, .. }| match body {
                PolicyBody::Parsed(document) => Held::Parsed(NamedPolicy::new(label, document)),
                PolicyBody::Compiled(group) => Held::Compiled(group),
                PolicyBody::Dropped => Held::Gone,
            })
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
        let group = compiler.own(*policy)?;
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
        warnings: translate(lints, &labels, &origins, &plan.used),
        policies: policy_count,
    })
}

/// Compiler lints as store warnings, placed in their files. Lints on AWS
/// managed policies from the built-in catalog and on built-in policies are
/// dropped: they are not the store author's to fix; so are lints on
/// documents nothing uses (compiled while reading, before anything referred
/// to them), which draw an unused-policy warning instead.
fn translate(
    lints: Vec<CompileWarning>,
    labels: &FxHashMap<String, usize>,
    origins: &[(String, String)],
    used: &[bool],
) -> Vec<StoreWarning> {
    let mut warnings: Vec<StoreWarning> = lints
        .into_iter()
        .filter_map(|lint| {
            let policy = *labels.get(&lint.policy)?;
            if !used.get(policy).copied().unwrap_or(true) {
                return None;
            }
            let (file, base) = origins.get(policy)?;
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
