//! `docs/evaluation.md`, "Principal matching": the request principal as a
//! chain of identities with strengths, and how `Principal` / `NotPrincipal`
//! entries cover them.

use tollgate_policy::{
    AwsPrincipal, Effect, PrincipalClause, PrincipalKind, PrincipalSet, RequestPrincipal,
};

/// How strongly a resource-policy statement names the principal
/// ("Principal matching": specific > role > account).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Strength {
    /// The principal's account (an account id or root ARN).
    Account,
    /// The role of a role session (a role ARN).
    Role,
    /// The principal itself (its ARN, service or provider name), `"*"`, or `"AWS": "*"`.
    Specific,
}

/// One identity of the chain the request principal stands for (the table of
/// "Principal matching").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Identity<'a> {
    /// An IAM user ARN, a named role session ARN or a federated user ARN (specific).
    Arn(&'a str),
    /// The role of a role session (role).
    Role {
        /// The role's account.
        account: &'a str,
        /// The role's name.
        name: &'a str,
    },
    /// The principal's account (account).
    Account(&'a str),
    /// A service principal's name, a web identity provider name or an
    /// identity provider ARN (specific).
    Named(&'a str),
    /// An anonymous caller (specific): only `"*"` and `"AWS": "*"` cover it.
    Anonymous,
}

impl Identity<'_> {
    /// The strength of this identity, from the table of "Principal matching".
    pub(crate) fn strength(self) -> Strength {
        match self {
            Identity::Arn(_) | Identity::Named(_) | Identity::Anonymous => Strength::Specific,
            Identity::Role { .. } => Strength::Role,
            Identity::Account(_) => Strength::Account,
        }
    }

    /// True for the identities `"AWS": "*"` covers: those of IAM principals
    /// (users, role sessions, federated users, roots) and the anonymous
    /// caller. AWS lists `"Principal": "*"` and `"Principal": {"AWS": "*"}`
    /// side by side as the ways to grant anonymous access ("AWS JSON policy
    /// elements: Principal", "All principals").
    fn covered_by_any_aws(self) -> bool {
        matches!(
            self,
            Identity::Arn(_) | Identity::Role { .. } | Identity::Account(_) | Identity::Anonymous
        )
    }
}

/// The chain of identities of the request principal ("Principal matching", table):
///
/// | principal | identities |
/// |---|---|
/// | IAM user | its ARN, its account |
/// | role session | its session ARN when named, its role, its account |
/// | federated user | its ARN, its account |
/// | account root | its account |
/// | service | its name |
/// | web identity / identity provider | its name or ARN |
/// | anonymous | itself |
pub(crate) fn identity_chain(principal: &RequestPrincipal) -> Vec<Identity<'_>> {
    let account = principal.account();
    let mut chain = Vec::new();
    match principal.kind() {
        PrincipalKind::User | PrincipalKind::FederatedUser => {
            chain.push(Identity::Arn(principal.text()));
            chain.extend(account.map(Identity::Account));
        }
        PrincipalKind::AssumedRole => {
            if principal.session_name().is_some() {
                chain.push(Identity::Arn(principal.text()));
            }
            if let (Some(account), Some(name)) = (account, principal.role_name()) {
                chain.push(Identity::Role { account, name });
            }
            chain.extend(account.map(Identity::Account));
        }
        PrincipalKind::Root => chain.extend(account.map(Identity::Account)),
        PrincipalKind::Service | PrincipalKind::WebIdentity | PrincipalKind::IdentityProvider => {
            chain.push(Identity::Named(principal.text()));
        }
        PrincipalKind::Anonymous => chain.push(Identity::Anonymous),
    }
    chain
}

/// The strength with which one `AWS` entry covers `identity`, if it does
/// ("Principal matching", entries): `"AWS": "*"` covers every IAM identity
/// and the anonymous caller, and is specific; an account id or root ARN covers the account identity of
/// that account; a user, assumed-role or federated-user ARN covers the
/// identity with that exact ARN; a role ARN covers the role identity with the
/// same account and role name.
fn aws_entry_covers(entry: &AwsPrincipal, identity: Identity<'_>) -> Option<Strength> {
    let covered = match (entry, identity) {
        (AwsPrincipal::Any, identity) => {
            return identity.covered_by_any_aws().then_some(Strength::Specific);
        }
        (AwsPrincipal::Account(id), Identity::Account(account)) => id == account,
        (
            AwsPrincipal::User(arn)
            | AwsPrincipal::AssumedRole(arn)
            | AwsPrincipal::FederatedUser(arn),
            Identity::Arn(identity_arn),
        ) => arn == identity_arn,
        (
            AwsPrincipal::Role { account, name, .. },
            Identity::Role {
                account: a,
                name: n,
            },
        ) => account == a && name == n,
        _ => false,
    };
    covered.then(|| identity.strength())
}

/// The strength with which a `Principal`/`NotPrincipal` set covers `identity`,
/// if it does ("Principal matching", entries): `"*"` covers everyone and is
/// specific; `AWS` entries as [`aws_entry_covers`]; `Service` and `Federated`
/// entries cover the service, provider ARN or web identity name equal to them
/// (either list: the scenario contract says "a bare name matches whichever of
/// `Principal.Service` and `Principal.Federated` lists it"); `CanonicalUser`
/// entries cover nothing.
fn set_covers(set: &PrincipalSet, identity: Identity<'_>) -> Option<Strength> {
    let everyone = set.everyone.then_some(Strength::Specific);
    let aws = set
        .aws
        .iter()
        .filter_map(|entry| aws_entry_covers(entry, identity))
        .max();
    let named = match identity {
        Identity::Named(name) => set.services.iter().chain(&set.federated).any(|n| n == name),
        _ => false,
    };
    let named = named.then_some(Strength::Specific);
    [everyone, aws, named].into_iter().flatten().max()
}

/// `Principal` ("Principal matching"): applies when the element is `"*"` or
/// some identity of the chain is covered; the strength is the strongest
/// covered identity (`"*"` and `"AWS": "*"` count as specific).
fn principal_match(set: &PrincipalSet, chain: &[Identity<'_>]) -> Option<Strength> {
    if set.everyone {
        return Some(Strength::Specific);
    }
    chain
        .iter()
        .filter_map(|identity| set_covers(set, *identity))
        .max()
}

/// `NotPrincipal` ("Principal matching"): applies when some identity of the
/// chain is not covered; the strength is specific. So `NotPrincipal: "*"`
/// (and `{"AWS": "*"}` for IAM and anonymous callers) excepts everyone and
/// never applies, an anonymous caller included.
fn not_principal_match(set: &PrincipalSet, chain: &[Identity<'_>]) -> Option<Strength> {
    chain
        .iter()
        .any(|identity| set_covers(set, *identity).is_none())
        .then_some(Strength::Specific)
}

/// `NotPrincipal` with `Effect: Deny` ("Principal matching", last rule):
/// always applies to an IAM user or role session that has a permissions
/// boundary, whatever it lists.
fn bounded_not_principal_deny(
    effect: Effect,
    principal: &RequestPrincipal,
    has_boundary: bool,
) -> bool {
    effect == Effect::Deny
        && has_boundary
        && matches!(
            principal.kind(),
            PrincipalKind::User | PrincipalKind::AssumedRole
        )
}

/// Rule 3 of "When a statement applies": whether a statement's
/// `Principal`/`NotPrincipal` element matches the request principal, and with
/// what strength. `has_boundary`: the policy set has a permissions boundary.
pub(crate) fn clause_match(
    clause: &PrincipalClause,
    effect: Effect,
    principal: &RequestPrincipal,
    has_boundary: bool,
) -> Option<Strength> {
    let chain = identity_chain(principal);
    if clause.negated {
        if bounded_not_principal_deny(effect, principal, has_boundary) {
            return Some(Strength::Specific);
        }
        not_principal_match(&clause.set, &chain)
    } else {
        principal_match(&clause.set, &chain)
    }
}
