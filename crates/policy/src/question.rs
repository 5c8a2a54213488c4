//! One authorization question: the policies that apply, grouped by kind, and
//! the request. Also the answer: the decision and the statements behind it.
//! The compiled engine and the reference interpreter both take and give these.

use std::fmt;

use crate::context::{ContextView, PrincipalKeys, RequestContext};
use crate::document::{Effect, PolicyDocument};
use crate::identity::RequestPrincipal;
use crate::rules::{RuleError, check_action, check_resource};

/// A policy document with the label that names it in answers and errors
/// (`identityPolicies[0]`, `resourcePolicy`, or a store path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedPolicy {
    /// How answers refer to this policy.
    pub label: String,
    /// The parsed document.
    pub document: PolicyDocument,
}

impl NamedPolicy {
    /// A labelled policy.
    pub fn new(label: impl Into<String>, document: PolicyDocument) -> Self {
        Self {
            label: label.into(),
            document,
        }
    }
}

/// The policies that apply to one request, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicySet {
    /// Policies attached to the principal (user, its groups, or role).
    pub identity: Vec<NamedPolicy>,
    /// The principal's permissions boundary.
    pub permissions_boundary: Option<NamedPolicy>,
    /// The session policies; `None` when the session was given none.
    pub session: Option<Vec<NamedPolicy>>,
    /// SCPs per level of the principal's organization path, root first;
    /// empty when the account is not governed by SCPs.
    pub service_control: Vec<Vec<NamedPolicy>>,
    /// RCPs per level of the resource's organization path; the full-access
    /// RCP is implicit at every level.
    pub resource_control: Vec<Vec<NamedPolicy>>,
    /// The resource's resource-based policy.
    pub resource: Option<NamedPolicy>,
}

impl PolicySet {
    /// Every policy with its role, in the canonical order answers use:
    /// identity, boundary, session, SCP levels, RCP levels, resource.
    pub fn policies(&self) -> impl Iterator<Item = &NamedPolicy> {
        self.identity
            .iter()
            .chain(self.permissions_boundary.iter())
            .chain(self.session.iter().flatten())
            .chain(self.service_control.iter().flatten())
            .chain(self.resource_control.iter().flatten())
            .chain(self.resource.iter())
    }

    /// The number of statements in all policies.
    pub fn statement_count(&self) -> usize {
        self.policies().map(|p| p.document.statements.len()).sum()
    }
}

/// A request: who asks to do what to which resource, and in what context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    principal: PrincipalKeys,
    /// Derived keys a policy store adds (principal tags ...).
    derived: RequestContext,
    /// The action, `service:Name`.
    pub action: String,
    /// The resource ARN, or `*`.
    pub resource: String,
    /// The account that owns the resource, when the caller says so.
    pub resource_account: Option<String>,
    /// The condition keys the caller gives.
    pub context: RequestContext,
}

impl Request {
    /// A request with an empty context, taken as given: for requests built
    /// by tollgate itself (tests, benchmarks, generated workloads). Requests
    /// read from outside go through [`Request::checked`].
    pub fn new(
        principal: RequestPrincipal,
        action: impl Into<String>,
        resource: impl Into<String>,
    ) -> Self {
        Self {
            principal: PrincipalKeys::new(principal),
            derived: RequestContext::new(),
            action: action.into(),
            resource: resource.into(),
            resource_account: None,
            context: RequestContext::new(),
        }
    }

    /// A request with an empty context whose action and resource obey the
    /// request rules ([`crate::rules`]): every entry point that reads a
    /// request from outside builds it here, so none decides an action that
    /// is a wildcard or a resource that is not an ARN. The error names the
    /// field (`action`, `resource`).
    pub fn checked(
        principal: RequestPrincipal,
        action: impl Into<String>,
        resource: impl Into<String>,
    ) -> Result<Self, RuleError> {
        let (action, resource) = (action.into(), resource.into());
        check_action(&action).map_err(|message| RuleError {
            field: "action".to_owned(),
            message,
        })?;
        check_resource(&resource).map_err(|message| RuleError {
            field: "resource".to_owned(),
            message,
        })?;
        Ok(Self::new(principal, action, resource))
    }

    /// The principal.
    pub fn principal(&self) -> &RequestPrincipal {
        self.principal.principal()
    }

    /// Adds a key that follows from who the principal is but that the ARN
    /// alone does not tell, such as `aws:PrincipalTag/team` from a policy
    /// store; replaces a derived value of the same key (one the principal's
    /// ARN gives, too). Keys the caller gives in [`Request::context`] still
    /// win.
    pub fn insert_derived(&mut self, key: &str, values: Vec<String>) {
        self.derived.insert(key, values);
    }

    /// The context conditions and variables see: given keys, then derived ones.
    pub fn context_view(&self) -> ContextView<'_> {
        ContextView::new(&self.context, &self.derived).with_principal_keys(&self.principal)
    }

    /// The context with extra layers (keys a policy store knows) between the
    /// given keys and the derived ones.
    pub fn context_view_with<'a>(
        &'a self,
        extra: [Option<&'a RequestContext>; crate::context::EXTRA_LAYERS],
    ) -> ContextView<'a> {
        ContextView::layered(&self.context, extra, &self.derived)
            .with_principal_keys(&self.principal)
    }

    /// True when an IAM principal (user, role session, federated user,
    /// root) asks about a resource ARN of another of AWS's partitions
    /// ([`crate::names::PARTITIONS`]; not an application's). Partitions have
    /// separate instances of IAM: "You cannot use IAM credentials from one
    /// partition to interact with resources in a different partition" (AWS
    /// Fault Isolation Boundaries, "Partitions"), and "IAM roles and
    /// resource-based policies delegate access across accounts only within a
    /// single partition" (IAM User Guide, "Cross account resource access in
    /// IAM"). Such a request is never allowed, whatever a policy names.
    pub fn crosses_partition(&self) -> bool {
        let principal = self.principal();
        if !principal.is_iam_identity() {
            return false;
        }
        let partition = principal.partition();
        // The common case without parsing: `arn:PARTITION:...`.
        let same = self
            .resource
            .strip_prefix("arn:")
            .and_then(|rest| rest.strip_prefix(partition))
            .is_some_and(|rest| rest.starts_with(':'));
        // Only AWS's partitions are separate IAMs: an application's own
        // resource names (`arn:app:photos:::photo/42`) are in no partition.
        !same
            && crate::arn::Arn::parse(&self.resource).is_some_and(|arn| {
                arn.partition != partition && crate::names::PARTITIONS.contains(&arn.partition)
            })
    }

    /// The account that owns the resource: the given one, else the ARN's
    /// account field, else (S3 buckets, `*`) the principal's account.
    pub fn effective_resource_account(&self) -> Option<&str> {
        if let Some(account) = &self.resource_account {
            return Some(account);
        }
        match crate::arn::Arn::parse(&self.resource) {
            Some(arn) if !arn.account.is_empty() => Some(arn.account),
            _ => self.principal().account(),
        }
    }
}

/// The three outcomes of IAM evaluation (AWS's `EvalDecision`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DecisionKind {
    /// Some policy allows and nothing denies.
    Allowed,
    /// An applicable statement denies.
    ExplicitDeny,
    /// Nothing denies, but what must allow does not.
    ImplicitDeny,
}

impl DecisionKind {
    /// The contract's spelling: `allowed`, `explicitDeny`, `implicitDeny`.
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Allowed => "allowed",
            DecisionKind::ExplicitDeny => "explicitDeny",
            DecisionKind::ImplicitDeny => "implicitDeny",
        }
    }

    /// Reads the contract's spelling.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "allowed" => Some(DecisionKind::Allowed),
            "explicitDeny" => Some(DecisionKind::ExplicitDeny),
            "implicitDeny" => Some(DecisionKind::ImplicitDeny),
            _ => None,
        }
    }
}

impl fmt::Display for DecisionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A statement that decided an answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DecisiveStatement {
    /// The label of its policy.
    pub policy: String,
    /// Its position in the policy's `Statement` list.
    pub index: usize,
    /// Its `Sid`, if any.
    pub sid: Option<String>,
    /// Its effect.
    pub effect: Effect,
    /// For an SCP or RCP statement, the organization level it is attached
    /// at: the same policy attached at several levels decides once per
    /// level. `None` for every other policy kind.
    pub level: Option<OrgLevel>,
}

/// The organization level an SCP or RCP statement decided at.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrgLevel {
    /// Its position on the organization path, root first: for SCPs the
    /// principal's account's path, for RCPs the resource's account's (a
    /// scenario's `serviceControlPolicies[index]`).
    pub index: usize,
    /// The level's name, when the caller knows it: a policy store gives the
    /// root's id (`r-...`), an OU's path from the root
    /// (`r-.../ou-.../ou-...`), or the account id.
    pub name: Option<String>,
}

impl OrgLevel {
    /// The level as answers write it: its name, else its index in decimal.
    pub fn label(&self) -> String {
        match &self.name {
            Some(name) => name.clone(),
            None => self.index.to_string(),
        }
    }
}

/// The answer to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Allowed, explicitly denied, or implicitly denied.
    pub kind: DecisionKind,
    /// For an explicit deny, every applicable `Deny` statement; when allowed,
    /// every applicable `Allow` statement; empty for an implicit deny. In the
    /// canonical policy order of [`PolicySet::policies`], then statement order.
    pub decisive: Vec<DecisiveStatement>,
    /// For an implicit deny from an evaluation that explains (the engine's
    /// `evaluate`, the reference interpreter), why; `None` otherwise.
    pub explanation: Option<crate::explanation::Explanation>,
}
