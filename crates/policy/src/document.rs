//! The policy document model: what a parsed IAM JSON policy holds.

use crate::condition::Condition;
use crate::principal::PrincipalClause;
use crate::template::Template;

/// The kinds of policy IAM evaluates; each has its own grammar rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// Attached to a user, group or role.
    Identity,
    /// A permissions boundary of a user or role.
    PermissionsBoundary,
    /// Passed when a role or federated session was created.
    Session,
    /// An AWS Organizations service control policy.
    ServiceControl,
    /// An AWS Organizations resource control policy.
    ResourceControl,
    /// Attached to a resource: bucket policy, key policy, role trust policy ...
    Resource,
}

impl PolicyKind {
    /// A short name for messages.
    pub fn describe(self) -> &'static str {
        match self {
            PolicyKind::Identity => "an identity-based policy",
            PolicyKind::PermissionsBoundary => "a permissions boundary",
            PolicyKind::Session => "a session policy",
            PolicyKind::ServiceControl => "a service control policy",
            PolicyKind::ResourceControl => "a resource control policy",
            PolicyKind::Resource => "a resource-based policy",
        }
    }

    /// True for the kinds whose statements name a principal.
    pub fn has_principals(self) -> bool {
        matches!(self, PolicyKind::Resource | PolicyKind::ResourceControl)
    }
}

/// The `Version` element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyVersion {
    /// `2012-10-17`: policy variables are substituted.
    V2012_10_17,
    /// `2008-10-17`: `${...}` is literal text.
    V2008_10_17,
    /// No `Version`: as `2008-10-17`.
    Absent,
}

impl PolicyVersion {
    /// True when `${...}` placeholders are policy variables.
    pub fn has_variables(self) -> bool {
        self == PolicyVersion::V2012_10_17
    }
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// The statement grants.
    Allow,
    /// The statement denies.
    Deny,
}

impl Effect {
    /// The name as policies spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// One action pattern such as `s3:Get*`, kept in lowercase for matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionPattern {
    raw: String,
    lowercase: String,
}

impl ActionPattern {
    /// A pattern from its text.
    pub fn new(raw: &str) -> Self {
        Self {
            raw: raw.to_owned(),
            lowercase: raw.to_ascii_lowercase(),
        }
    }

    /// The pattern as written.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The pattern in lowercase (actions match without case).
    pub fn lowercase(&self) -> &str {
        &self.lowercase
    }

    /// The service prefix before `:`, when it has one.
    pub fn service(&self) -> Option<&str> {
        self.lowercase.split_once(':').map(|(service, _)| service)
    }
}

/// `Action` or `NotAction`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionClause {
    /// True for `NotAction`.
    pub negated: bool,
    /// The patterns listed.
    pub patterns: Vec<ActionPattern>,
}

/// `Resource` or `NotResource`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceClause {
    /// True for `NotResource`.
    pub negated: bool,
    /// The patterns listed, with wildcards and (under 2012-10-17) variables.
    pub patterns: Vec<Template>,
}

/// One statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The `Sid`, if any.
    pub sid: Option<String>,
    /// Allow or deny.
    pub effect: Effect,
    /// `Principal`/`NotPrincipal`, in resource-based and resource control policies.
    pub principal: Option<PrincipalClause>,
    /// `Action`/`NotAction`.
    pub action: ActionClause,
    /// `Resource`/`NotResource`; absent only in resource-based policies, where
    /// it means the resource the policy is attached to.
    pub resource: Option<ResourceClause>,
    /// The `Condition` block, one entry per operator and key.
    pub conditions: Vec<Condition>,
}

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDocument {
    /// The `Version`.
    pub version: PolicyVersion,
    /// The `Id`, if any.
    pub id: Option<String>,
    /// The statements, in document order.
    pub statements: Vec<Statement>,
}
