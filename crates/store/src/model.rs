//! What the store's files say, read but not yet resolved: accounts with
//! their users, groups, roles, managed and resource policies, and the
//! organization tree. Policy documents are parsed once into an arena and
//! referred to by index; references by ARN or name keep where they were
//! written, for faults. When the model is read to be compiled (a
//! [`CompileSink`] is present), each document that forms a group of its own
//! is compiled the moment it is parsed and only its group is kept
//! ([`PolicyBody::Compiled`]); SCPs and RCPs, which organization levels
//! combine, stay parsed until the levels are known.

use std::collections::{BTreeMap, BTreeSet};

use tollgate_compiler::GroupId;
use tollgate_policy::{JsonPath, PolicyDocument};

use crate::eager::CompileSink;

/// Where something is written: a file and a JSON path in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Origin {
    pub(crate) file: String,
    pub(crate) path: JsonPath,
}

impl Origin {
    pub(crate) fn new(file: &str, path: JsonPath) -> Self {
        Self {
            file: file.to_owned(),
            path,
        }
    }
}

/// What kind of policy an arena entry is, for unused-policy warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PolicyRole {
    /// Inline in a user, group or role; a trust policy; a resource policy.
    Embedded,
    /// A managed policy (customer or AWS), attached by ARN.
    Managed,
    /// An SCP or RCP, attached by name in the organization.
    Control,
}

/// A parsed policy document with its answer label and where it is.
#[derive(Debug)]
pub(crate) struct LoadedPolicy {
    /// How answers name it: a file, `file#fragment`, or an AWS managed ARN.
    pub(crate) label: String,
    pub(crate) origin: Origin,
    pub(crate) role: PolicyRole,
    pub(crate) body: PolicyBody,
}

/// A policy document as the arena holds it.
#[derive(Debug)]
pub(crate) enum PolicyBody {
    /// Parsed, not compiled yet: every document when the model is read for
    /// its inventory; SCPs, RCPs and documents added while resolving (AWS
    /// managed policies from the built-in catalog, `FullAWSAccess`) when it
    /// is read to be compiled.
    Parsed(PolicyDocument),
    /// Compiled into a group of its own as soon as it was parsed; the parsed
    /// form is gone.
    Compiled(GroupId),
    /// Parsed, but not compiled because an earlier document hit a compiler
    /// limit (the load fails with that error).
    Dropped,
}

impl PolicyBody {
    /// The parsed document, while it is still held.
    pub(crate) fn document(&self) -> Option<&PolicyDocument> {
        match self {
            PolicyBody::Parsed(document) => Some(document),
            PolicyBody::Compiled(_) | PolicyBody::Dropped => None,
        }
    }
}

/// An index into [`Model::policies`].
pub(crate) type PolicyId = usize;

/// A reference to a managed policy by ARN.
#[derive(Debug, Clone)]
pub(crate) struct PolicyRef {
    pub(crate) arn: String,
    pub(crate) origin: Origin,
}

/// A reference by name (a group, an SCP, an RCP).
#[derive(Debug, Clone)]
pub(crate) struct NameRef {
    pub(crate) name: String,
    pub(crate) origin: Origin,
}

/// An IAM user, group or role.
#[derive(Debug, Default)]
pub(crate) struct Entity {
    /// Where it is defined.
    pub(crate) origin: Option<Origin>,
    /// The IAM path (`/` or `/.../`); empty means `/`.
    pub(crate) path: String,
    pub(crate) inline: Vec<PolicyId>,
    pub(crate) attached: Vec<PolicyRef>,
    /// Users only: the groups it belongs to.
    pub(crate) groups: Vec<NameRef>,
    pub(crate) boundary: Option<PolicyRef>,
    pub(crate) tags: Vec<(String, String)>,
    /// Roles only: the trust policy.
    pub(crate) trust: Option<PolicyId>,
}

/// A resource-based policy.
#[derive(Debug)]
pub(crate) struct ResourcePolicy {
    pub(crate) policy: PolicyId,
}

/// One account's IAM state.
#[derive(Debug, Default)]
pub(crate) struct Account {
    pub(crate) users: BTreeMap<String, Entity>,
    pub(crate) groups: BTreeMap<String, Entity>,
    pub(crate) roles: BTreeMap<String, Entity>,
    /// Customer managed policies, by ARN.
    pub(crate) managed: BTreeMap<String, PolicyId>,
    /// AWS managed policies this account's authorization details carry, by ARN.
    pub(crate) aws_managed: BTreeMap<String, PolicyId>,
    /// Resource-based policies, by resource ARN.
    pub(crate) resources: BTreeMap<String, ResourcePolicy>,
}

/// A level of the organization tree: the root, an OU or an account.
#[derive(Debug, Default)]
pub(crate) struct OrgLevel {
    /// The root's `r-...`, the OU's `ou-...` or the account's id.
    pub(crate) id: Option<String>,
    pub(crate) scps: Vec<NameRef>,
    pub(crate) rcps: Vec<NameRef>,
}

/// An organizational unit, or the root.
#[derive(Debug, Default)]
pub(crate) struct OrgUnit {
    pub(crate) level: OrgLevel,
    /// An OU's `Name` (the root has none).
    pub(crate) name: Option<String>,
    pub(crate) units: Vec<OrgUnit>,
    pub(crate) accounts: Vec<OrgLevel>,
}

/// `organization/organization.json`.
#[derive(Debug, Default)]
pub(crate) struct Organization {
    pub(crate) id: Option<String>,
    pub(crate) management_account: Option<String>,
    pub(crate) root: OrgUnit,
}

/// Everything the files say.
#[derive(Debug, Default)]
pub(crate) struct Model {
    pub(crate) policies: Vec<LoadedPolicy>,
    pub(crate) accounts: BTreeMap<String, Account>,
    /// AWS managed policies from `aws-managed/`, by ARN.
    pub(crate) aws_managed: BTreeMap<String, PolicyId>,
    /// SCP documents by name.
    pub(crate) scps: BTreeMap<String, PolicyId>,
    /// RCP documents by name.
    pub(crate) rcps: BTreeMap<String, PolicyId>,
    pub(crate) organization: Option<Organization>,
    /// What files with faults would have defined ([`broken_key`]), so that
    /// references to them are not reported as unknown on top of the faults.
    pub(crate) broken: BTreeSet<String>,
    /// Present when the model is read to be compiled: documents are
    /// compiled into it as they are parsed.
    pub(crate) sink: Option<CompileSink>,
}

/// The key under which a faulty file's definition is remembered: a managed
/// policy ARN, `group:ACCOUNT:NAME`, `scp:NAME`, `rcp:NAME`, or
/// `details:ACCOUNT` for an authorization-details file (which may define
/// anything of its account).
pub(crate) fn broken_key(kind: &str, account: &str, name: &str) -> String {
    format!("{kind}:{account}:{name}")
}

impl Model {
    /// Adds a policy to the arena.
    pub(crate) fn add_policy(
        &mut self,
        label: String,
        origin: Origin,
        role: PolicyRole,
        document: PolicyDocument,
    ) -> PolicyId {
        let body = match &mut self.sink {
            // Organization levels combine SCPs and RCPs: they wait.
            Some(sink) if role != PolicyRole::Control => {
                sink.compile(&label, &origin, role, document)
            }
            _ => PolicyBody::Parsed(document),
        };
        self.policies.push(LoadedPolicy {
            label,
            origin,
            role,
            body,
        });
        self.policies.len() - 1
    }

    /// The account, created empty when new.
    pub(crate) fn account(&mut self, id: &str) -> &mut Account {
        self.accounts.entry(id.to_owned()).or_default()
    }
}
