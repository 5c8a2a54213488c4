//! What a request may say: the rules every entry point (the gRPC and Envoy
//! edges, `tollgate check`, `tollgate simulate`, the fuzz targets) applies
//! before anything is decided, so that no entry point decides a question
//! that is not one.
//!
//! - [`check_action`]: a literal `service:Action`: a service prefix of ASCII
//!   letters, digits and hyphens, an action name of ASCII letters and
//!   digits. No wildcards, no NUL, no non-ASCII letters (a dotless `ı`
//!   would otherwise be a different action than the one a `Deny` names).
//!   Actions compare without regard to ASCII case.
//! - [`check_resource`]: `*`, or an ARN with a partition and a service
//!   prefix of lowercase ASCII letters, digits and hyphens (applications
//!   name their own resources, `arn:app:photos:::photo/1`), a region of lowercase letters, digits and hyphens, an account
//!   that is empty, 12 digits or `aws`, and a non-empty resource part
//!   without control characters.
//! - [`check_context`]: the global condition keys AWS documents as
//!   single-valued take one value; the typed ones (`Bool`, `Date`,
//!   `Numeric`, IP address) take values of their type; and, where a store
//!   derives a key for the principal ([`is_store_derived_key`]), a caller's
//!   value for it is refused or dropped ([`CallerPrincipalKeys`]).

use std::fmt;

use crate::arn::{Arn, is_account_id};
use crate::condition::value::{parse_bool, parse_date, parse_ip_address, parse_number};
use crate::context::RequestContext;
use crate::names::shown;

/// A request field that breaks a rule: the field and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// The field: `action`, `resource`, `context["aws:SourceIp"]` ...
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl RuleError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for RuleError {}

/// Checks a request's action; the message does not repeat the field.
pub fn check_action(action: &str) -> Result<(), String> {
    let valid = action.split_once(':').is_some_and(|(service, name)| {
        !service.is_empty()
            && !service.starts_with('-')
            && service
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !name.is_empty()
            && name.bytes().all(|b| b.is_ascii_alphanumeric())
    });
    if valid {
        Ok(())
    } else {
        Err(format!(
            "{} is not an action: expected `service:Action`, a service prefix of ASCII letters, digits and hyphens and an action name of ASCII letters and digits (no wildcards)",
            shown(action)
        ))
    }
}

/// Checks a request's resource; the message does not repeat the field.
pub fn check_resource(resource: &str) -> Result<(), String> {
    if resource == "*" {
        return Ok(());
    }
    let fail = |problem: String| Err(format!("{} is not a resource: {problem}", shown(resource)));
    let Some(arn) = Arn::parse(resource) else {
        return fail(
            "expected `*` or an ARN `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`".to_owned(),
        );
    };
    // Applications name their own resources (`arn:app:photos:::photo/1`),
    // so the partition is any name of the ARN grammar, not only AWS's.
    if !crate::names::is_service_prefix(arn.partition) {
        return fail(format!(
            "the partition {} is not a partition name (lowercase ASCII letters, digits, hyphens)",
            shown(arn.partition)
        ));
    }
    if !crate::names::is_service_prefix(arn.service) {
        return fail(format!(
            "the service {} is not a service prefix (lowercase ASCII letters, digits, hyphens)",
            shown(arn.service)
        ));
    }
    if !arn
        .region
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return fail(format!(
            "the region {} is not a region name",
            shown(arn.region)
        ));
    }
    if !(arn.account.is_empty() || arn.account == "aws" || is_account_id(arn.account)) {
        return fail(format!(
            "the account {} is not empty, `aws` or a 12-digit account id",
            shown(arn.account)
        ));
    }
    if arn.resource.is_empty() {
        return fail("the resource part is empty".to_owned());
    }
    if arn.resource.chars().any(char::is_control) {
        return fail("the resource part holds a control character".to_owned());
    }
    Ok(())
}

/// What to do with a caller's value for a key the store derives for the
/// principal (setting `caller-principal-keys`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum CallerPrincipalKeys {
    /// Refuse the request (`INVALID_ARGUMENT`): the default.
    #[default]
    Refuse,
    /// Drop the caller's value (the store's, or none, applies) and count it.
    Ignore,
}

impl CallerPrincipalKeys {
    /// Reads `refuse` or `ignore`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "refuse" => Some(Self::Refuse),
            "ignore" => Some(Self::Ignore),
            _ => None,
        }
    }

    /// `refuse` or `ignore`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Refuse => "refuse",
            Self::Ignore => "ignore",
        }
    }
}

/// Keys that follow from who the principal is: from its ARN, or from what
/// a policy store holds about it (its tags, its account's place in the
/// organization). A caller cannot vouch for them where a store knows the
/// principal.
const PRINCIPAL_KEYS: [&str; 9] = [
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:PrincipalType",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalServiceName",
    "aws:PrincipalIsAWSService",
    "aws:username",
    "aws:userid",
];

/// Keys that follow from which account owns the resource: the store knows
/// its accounts and their place in the organization, and the request names
/// the account (the resource ARN or `resource_account`). A caller's value
/// could only disagree with them — and resource control policies test them.
const RESOURCE_ACCOUNT_KEYS: [&str; 3] = [
    "aws:ResourceAccount",
    "aws:ResourceOrgID",
    "aws:ResourceOrgPaths",
];

/// True for a key a policy store derives for the principal (or that follows
/// from its identity alone) — `aws:PrincipalTag/*` and [`PRINCIPAL_KEYS`] —
/// or for the resource's account ([`RESOURCE_ACCOUNT_KEYS`]).
pub fn is_store_derived_key(key: &str) -> bool {
    has_prefix(key, "aws:PrincipalTag/")
        || PRINCIPAL_KEYS
            .iter()
            .chain(&RESOURCE_ACCOUNT_KEYS)
            .any(|k| k.eq_ignore_ascii_case(key))
}

/// True when `key` starts with `prefix`, ignoring ASCII case.
fn has_prefix(key: &str, prefix: &str) -> bool {
    key.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// The global condition keys AWS documents as single-valued (the AWS global
/// condition context keys reference), besides the `.../tag-key` families.
const SINGLE_VALUED: [&str; 45] = [
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:PrincipalOrgID",
    "aws:PrincipalIsAWSService",
    "aws:PrincipalServiceName",
    "aws:PrincipalType",
    "aws:userid",
    "aws:username",
    "aws:AssumedRoot",
    "aws:FederatedProvider",
    "aws:TokenIssueTime",
    "aws:MultiFactorAuthAge",
    "aws:MultiFactorAuthPresent",
    "aws:ChatbotSourceArn",
    "aws:Ec2InstanceSourceVpc",
    "aws:Ec2InstanceSourcePrivateIPv4",
    "aws:SourceIdentity",
    "ec2:RoleDelivery",
    "ec2:SourceInstanceArn",
    "glue:RoleAssumedBy",
    "glue:CredentialIssuingService",
    "lambda:SourceFunctionArn",
    "ssm:SourceInstanceArn",
    "identitystore:UserId",
    "aws:SourceIp",
    "aws:SourceVpc",
    "aws:SourceVpcArn",
    "aws:SourceVpce",
    "aws:VpcSourceIp",
    "aws:ResourceAccount",
    "aws:ResourceOrgID",
    "aws:CalledViaFirst",
    "aws:CalledViaLast",
    "aws:ViaAWSService",
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:referer",
    "aws:RequestedRegion",
    "aws:SecureTransport",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "aws:UserAgent",
    "aws:IsMcpServiceAction",
    "aws:ViaAWSMCPService",
];

/// Tag key families, each single-valued per tag key.
const SINGLE_VALUED_PREFIXES: [&str; 3] =
    ["aws:PrincipalTag/", "aws:RequestTag/", "aws:ResourceTag/"];

/// True for a global key AWS documents as single-valued.
pub fn is_single_valued_key(key: &str) -> bool {
    SINGLE_VALUED.iter().any(|k| k.eq_ignore_ascii_case(key))
        || SINGLE_VALUED_PREFIXES.iter().any(|p| has_prefix(key, p))
}

/// The type of a typed global key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyType {
    Bool,
    Date,
    Numeric,
    /// `aws:EpochTime`: a date or a number of seconds.
    DateOrNumeric,
    Ip,
}

impl KeyType {
    fn of(key: &str) -> Option<Self> {
        const TYPES: [(&str, KeyType); 11] = [
            ("aws:SecureTransport", KeyType::Bool),
            ("aws:MultiFactorAuthPresent", KeyType::Bool),
            ("aws:ViaAWSService", KeyType::Bool),
            ("aws:PrincipalIsAWSService", KeyType::Bool),
            ("aws:AssumedRoot", KeyType::Bool),
            ("aws:CurrentTime", KeyType::Date),
            ("aws:TokenIssueTime", KeyType::Date),
            ("aws:EpochTime", KeyType::DateOrNumeric),
            ("aws:MultiFactorAuthAge", KeyType::Numeric),
            ("aws:SourceIp", KeyType::Ip),
            ("aws:VpcSourceIp", KeyType::Ip),
        ];
        TYPES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(key))
            .map(|&(_, t)| t)
    }

    fn accepts(self, value: &str) -> bool {
        match self {
            KeyType::Bool => parse_bool(value).is_some(),
            KeyType::Date => parse_date(value).is_some(),
            KeyType::Numeric => parse_number(value).is_some(),
            KeyType::DateOrNumeric => parse_number(value).is_some() || parse_date(value).is_some(),
            KeyType::Ip => parse_ip_address(value).is_some(),
        }
    }

    fn expected(self) -> &'static str {
        match self {
            KeyType::Bool => "a boolean (`true` or `false`)",
            KeyType::Date => "a date (ISO 8601 or epoch seconds)",
            KeyType::Numeric => "a number",
            KeyType::DateOrNumeric => "a date or a number of epoch seconds",
            KeyType::Ip => "an IP address",
        }
    }
}

/// How [`check_context`] treats the context's keys.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContextRules {
    /// `None`: no store derives principal keys (a `simulate` scenario says
    /// them itself), so a caller's value is taken. `Some`: what to do with
    /// a caller's value for a key a store derives.
    pub caller_principal_keys: Option<CallerPrincipalKeys>,
}

/// `context["KEY"]`, the key JSON-quoted and cut at 64 characters.
pub fn context_field(key: &str) -> String {
    const SHOWN: usize = 64;
    let shown: String = key.chars().take(SHOWN).collect();
    let ellipsis = if shown.len() < key.len() { "…" } else { "" };
    let quoted = serde_json::to_string(&shown).unwrap_or_else(|_| format!("\"{shown}\""));
    format!("context[{quoted}{ellipsis}]")
}

/// Checks `context` against the rules of this module; with
/// [`CallerPrincipalKeys::Ignore`], drops the caller's store-derived keys
/// and returns how many it dropped.
pub fn check_context(
    context: &mut RequestContext,
    rules: ContextRules,
) -> Result<usize, RuleError> {
    let mut dropped = 0;
    if let Some(policy) = rules.caller_principal_keys
        && let Some(entry) = context
            .entries()
            .iter()
            .find(|e| is_store_derived_key(e.key()))
    {
        match policy {
            CallerPrincipalKeys::Refuse => {
                return Err(RuleError::new(
                    context_field(entry.key()),
                    "this key follows from the principal or the resource's account and is derived by the policy store: a caller may not set it (setting caller-principal-keys)",
                ));
            }
            CallerPrincipalKeys::Ignore => {
                dropped = context.retain(|key| !is_store_derived_key(key));
            }
        }
    }
    for entry in context.entries() {
        let key = entry.key();
        let values = entry.values();
        if values.len() > 1 && is_single_valued_key(key) {
            return Err(RuleError::new(
                context_field(key),
                format!(
                    "{} values given for a single-valued key: give one",
                    values.len()
                ),
            ));
        }
        if let Some(kind) = KeyType::of(key) {
            for (i, value) in values.iter().enumerate() {
                if !kind.accepts(value) {
                    return Err(RuleError::new(
                        format!("{}.values[{i}]", context_field(key)),
                        format!("{} is not {}", shown(value), kind.expected()),
                    ));
                }
            }
        }
    }
    Ok(dropped)
}

#[cfg(test)]
mod tests;
