//! Answering a request from the store: find the principal (user, role, or
//! account root) by the whole of its ARN (partition, account, path and
//! name; for a role session, the role's name) and the resource policy (exact ARN, the bucket of an S3
//! object, the trust policy of a role), pick the groups that apply, add the
//! keys only the store knows to the derived context (`aws:PrincipalTag/*`,
//! organization ids and paths, the resource account), and let the engine
//! decide.

use std::fmt;

use tollgate_compiler::GroupId;
use tollgate_engine::{Applicable, SessionTables, decide_with, evaluate_with};
use tollgate_policy::arn::Arn;
use tollgate_policy::{Decision, DecisionKind, PrincipalKind, Request, RequestPrincipal};

use crate::compile::{AccountIndex, PrincipalIndex};
use crate::store::Store;

/// The partition of every account, user and role a store holds (its ARNs
/// are `arn:aws:...`).
pub const STORE_PARTITION: &str = "aws";

/// The owner of a resource nothing names, when the principal's account is
/// not the store's: no account id (12 digits) equals it, so the request is
/// decided as cross-account (the resource's policy must let the principal in).
const OWNER_UNKNOWN: &str = "unknown";

/// Why an answer may not be what the caller expects: the store does not
/// know part of the question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// The principal's account is in the store, the user or role is not:
    /// it has no identity policies, so the answer usually is `implicitDeny`.
    PrincipalNotFound,
    /// The principal's account is not in the store: its identity policies
    /// and SCPs are unknown.
    AccountNotFound,
}

impl Reason {
    /// The reason as answers spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::PrincipalNotFound => "principal not found in the store",
            Reason::AccountNotFound => "principal's account not found in the store",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The fast answer: the decision and, when the store lacks part of the
/// question, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    /// Allowed, explicitly denied or implicitly denied.
    pub kind: DecisionKind,
    /// Set when the store does not know the principal or its account.
    pub reason: Option<Reason>,
}

/// What the store knows about one request.
pub(crate) struct Resolved<'s> {
    principal: Option<&'s PrincipalIndex>,
    principal_account: Option<&'s AccountIndex>,
    resource: Option<GroupId>,
    /// The resource's account when the request and its ARN do not name it
    /// and the store knows the owner (a bucket's account).
    resource_owner: Option<&'s str>,
    /// The resource's account as the engine would work it out (the request's,
    /// the ARN's, the owner's, else the principal's), found once here.
    resource_account_id: Option<&'s str>,
    resource_account: Option<&'s AccountIndex>,
    reason: Option<Reason>,
}

impl Store {
    /// Decides `request`, stopping at the first statement that settles it.
    /// `session` holds the session policies the request's session was given
    /// (see [`crate::compile_session_policies`]).
    pub fn decide(&self, request: &Request, session: Option<SessionTables<'_>>) -> Answer {
        let resolved = self.resolve(request);
        let kind = decide_with(&self.applicable(&resolved, session), request);
        Answer {
            kind,
            reason: resolved.reason,
        }
    }

    /// Decides `request` and lists the statements that decided it.
    pub fn evaluate(
        &self,
        request: &Request,
        session: Option<SessionTables<'_>>,
    ) -> (Decision, Option<Reason>) {
        let resolved = self.resolve(request);
        let decision = evaluate_with(&self.applicable(&resolved, session), request);
        (decision, resolved.reason)
    }

    pub(crate) fn applicable<'s>(
        &'s self,
        resolved: &Resolved<'s>,
        session: Option<SessionTables<'s>>,
    ) -> Applicable<'s> {
        Applicable {
            tables: &self.tables,
            identity: resolved.principal.map_or(&[], |p| &p.identity),
            permissions_boundary: resolved.principal.and_then(|p| p.boundary),
            session,
            service_control: resolved
                .principal_account
                .map_or(&[], |a| &a.service_control),
            resource_control: resolved
                .resource_account
                .map_or(&[], |a| &a.resource_control),
            service_control_levels: resolved.principal_account.map_or(&[], |a| &a.level_names),
            resource_control_levels: resolved.resource_account.map_or(&[], |a| &a.level_names),
            service_linked_role: resolved.principal.is_some_and(|p| p.service_linked),
            resource: resolved.resource,
            extra_context: [
                resolved.principal.map(|p| &p.context),
                resolved.principal_account.map(|a| &a.principal_context),
                resolved.resource_account.map(|a| &a.resource_context),
            ],
            resource_account: resolved.resource_account_id,
        }
    }

    pub(crate) fn resolve<'s>(&'s self, request: &'s Request) -> Resolved<'s> {
        let principal = request.principal();
        let mut resolved = Resolved {
            principal: None,
            principal_account: None,
            resource: None,
            resource_owner: None,
            resource_account_id: None,
            resource_account: None,
            reason: None,
        };
        if principal.is_iam_identity() {
            // The store holds one partition's accounts: an account id in
            // another partition is another account.
            let account = principal
                .account()
                .filter(|_| principal.partition() == STORE_PARTITION)
                .and_then(|a| self.index.accounts.get(a));
            match account {
                None => resolved.reason = Some(Reason::AccountNotFound),
                Some(account) => {
                    resolved.principal_account = Some(account);
                    let name = principal.name().unwrap_or_default();
                    let (found, looked) = match principal.kind() {
                        PrincipalKind::User => (account.users.get(name), true),
                        PrincipalKind::AssumedRole => (account.roles.get(name), true),
                        _ => (None, false),
                    };
                    // The whole principal: a user on another path, or a
                    // role ARN on another path, is not this one. A session
                    // ARN does not carry its role's path; its role's name
                    // is unique in the account.
                    let found =
                        found.filter(|p| principal.path().is_none_or(|path| *p.path == *path));
                    resolved.principal = found;
                    if looked && found.is_none() {
                        resolved.reason = Some(Reason::PrincipalNotFound);
                    }
                }
            }
        }
        let arn = Arn::parse(&request.resource);
        self.resolve_resource(&request.resource, arn.as_ref(), &mut resolved);
        let arn_account = arn.map(|a| a.account).filter(|a| !a.is_empty());
        if request.resource_account.is_some() || arn_account.is_some() {
            resolved.resource_owner = None;
        }
        // Last, a resource whose owner nothing names (an S3 bucket the store
        // has no policy for, `*`) is taken to be in the principal's account
        // — but only for an account the store holds. Of an account it does
        // not know, it knows nothing: taking the resource to be that
        // account's own would let the account's root do anything to it.
        let own_account = principal.account().map(|own| {
            if resolved.principal_account.is_some() {
                own
            } else {
                OWNER_UNKNOWN
            }
        });
        let account = request
            .resource_account
            .as_deref()
            .or(arn_account)
            .or(resolved.resource_owner)
            .or(own_account);
        resolved.resource_account_id = account;
        resolved.resource_account = account.and_then(|a| self.index.accounts.get(a));
        resolved
    }

    /// The resource policy: by exact ARN, the bucket's for an S3 object, the
    /// trust policy for a role.
    fn resolve_resource<'s>(
        &'s self,
        resource: &str,
        arn: Option<&Arn<'_>>,
        resolved: &mut Resolved<'s>,
    ) {
        let Some(arn) = arn else {
            return;
        };
        // An object's bucket ARN is the object ARN up to the key's `/`: a
        // slice of the request, no allocation.
        let bucket = match (arn.service, arn.resource.split_once('/')) {
            ("s3", Some((bucket, _))) if arn.account.is_empty() && arn.region.is_empty() => {
                let end = resource.len() - arn.resource.len() + bucket.len();
                resource.get(..end)
            }
            _ => None,
        };
        let found = self
            .index
            .resources
            .get(resource)
            .or_else(|| bucket.and_then(|b| self.index.resources.get(b)));
        if let Some(found) = found {
            resolved.resource = Some(found.group);
            resolved.resource_owner = Some(&found.account);
            return;
        }
        // A role ARN names the role's trust policy only when it reads as a
        // role principal (strict: partition, empty region, account, path,
        // name) and its path is the role's.
        if arn.service == "iam"
            && arn.partition == STORE_PARTITION
            && arn.resource.starts_with("role/")
            && let Ok(role) = RequestPrincipal::parse(resource)
            && let (Some(path), Some(name), Some(account)) =
                (role.path(), role.name(), role.account())
        {
            resolved.resource = self
                .index
                .accounts
                .get(account)
                .and_then(|a| a.roles.get(name))
                .filter(|r| *r.path == *path)
                .and_then(|r| r.trust);
        }
    }
}
