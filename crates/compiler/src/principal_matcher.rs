//! `Principal`/`NotPrincipal` elements compiled for matching, and the chain of
//! identities a requesting principal stands for (`docs/evaluation.md`).

use smallvec::SmallVec;
use tollgate_policy::{AwsPrincipal, PrincipalClause, PrincipalKind, RequestPrincipal};

/// How specifically a resource policy names the requesting principal. The
/// order matters: a stronger match grants more on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Strength {
    /// Names the principal's account: delegates to its identity policies.
    Account,
    /// Names the session's role: limited by boundary and session policies.
    Role,
    /// Names the principal itself (or everyone): grants on its own.
    Specific,
}

/// One identity of a requesting principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Identity<'a> {
    /// A user, named session or federated user ARN.
    Arn(&'a str),
    /// A role, by account and name.
    Role {
        account: &'a str,
        name: &'a str,
    },
    Account(&'a str),
    /// A service or web identity provider name: `Service` or `Federated`
    /// entries name it, whichever lists it.
    BareName(&'a str),
    /// An identity provider ARN.
    Provider(&'a str),
    /// An anonymous caller: `"*"` and `"AWS": "*"` cover it.
    Anonymous,
}

type Chain<'a> = SmallVec<[(Identity<'a>, Strength); 3]>;

fn chain(principal: &RequestPrincipal) -> Chain<'_> {
    let mut chain = Chain::new();
    let account = principal.account();
    match principal.kind() {
        PrincipalKind::Anonymous => chain.push((Identity::Anonymous, Strength::Specific)),
        PrincipalKind::Root => {}
        PrincipalKind::User | PrincipalKind::FederatedUser => {
            chain.push((Identity::Arn(principal.text()), Strength::Specific));
        }
        PrincipalKind::AssumedRole => {
            if principal.session_name().is_some() {
                chain.push((Identity::Arn(principal.text()), Strength::Specific));
            }
            if let (Some(account), Some(name)) = (account, principal.role_name()) {
                chain.push((Identity::Role { account, name }, Strength::Role));
            }
        }
        PrincipalKind::Service | PrincipalKind::WebIdentity => {
            chain.push((Identity::BareName(principal.text()), Strength::Specific));
        }
        PrincipalKind::IdentityProvider => {
            chain.push((Identity::Provider(principal.text()), Strength::Specific));
        }
    }
    if principal.is_iam_identity()
        && let Some(account) = account
    {
        chain.push((Identity::Account(account), Strength::Account));
    }
    chain
}

/// A compiled `Principal` or `NotPrincipal` element.
#[derive(Debug)]
pub struct PrincipalMatcher {
    pub(crate) negated: bool,
    pub(crate) everyone: bool,
    pub(crate) any_aws: bool,
    pub(crate) accounts: Vec<Box<str>>,
    pub(crate) arns: Vec<Box<str>>,
    pub(crate) roles: Vec<(Box<str>, Box<str>)>,
    pub(crate) services: Vec<Box<str>>,
    pub(crate) federated: Vec<Box<str>>,
}

impl PrincipalMatcher {
    /// Compiles an element.
    pub fn compile(clause: &PrincipalClause) -> Self {
        let mut matcher = Self {
            negated: clause.negated,
            everyone: clause.set.everyone,
            any_aws: false,
            accounts: Vec::new(),
            arns: Vec::new(),
            roles: Vec::new(),
            services: clause
                .set
                .services
                .iter()
                .map(|s| s.as_str().into())
                .collect(),
            federated: clause
                .set
                .federated
                .iter()
                .map(|s| s.as_str().into())
                .collect(),
        };
        for entry in &clause.set.aws {
            match entry {
                AwsPrincipal::Any => matcher.any_aws = true,
                AwsPrincipal::Account(account) => matcher.accounts.push(account.as_str().into()),
                AwsPrincipal::User(arn)
                | AwsPrincipal::AssumedRole(arn)
                | AwsPrincipal::FederatedUser(arn) => matcher.arns.push(arn.as_str().into()),
                AwsPrincipal::Role { account, name, .. } => matcher
                    .roles
                    .push((account.as_str().into(), name.as_str().into())),
            }
        }
        matcher
    }

    fn covers(&self, identity: Identity<'_>) -> bool {
        if self.everyone {
            return true;
        }
        match identity {
            Identity::Arn(arn) => self.any_aws || self.arns.iter().any(|a| &**a == arn),
            Identity::Role { account, name } => {
                self.any_aws
                    || self
                        .roles
                        .iter()
                        .any(|(a, n)| &**a == account && &**n == name)
            }
            Identity::Account(account) => {
                self.any_aws || self.accounts.iter().any(|a| &**a == account)
            }
            Identity::BareName(name) => self
                .services
                .iter()
                .chain(self.federated.iter())
                .any(|s| &**s == name),
            Identity::Provider(arn) => self.federated.iter().any(|s| &**s == arn),
            Identity::Anonymous => self.any_aws,
        }
    }

    /// How strongly the element names `principal`; `None` when the statement
    /// does not apply to it. `bounded_deny`: the statement denies and the
    /// principal has a permissions boundary, so a `NotPrincipal` element
    /// applies to IAM users and roles whatever it lists.
    pub fn strength(&self, principal: &RequestPrincipal, bounded_deny: bool) -> Option<Strength> {
        let chain = chain(principal);
        if self.negated {
            let user_or_role = matches!(
                principal.kind(),
                PrincipalKind::User | PrincipalKind::AssumedRole
            );
            if bounded_deny && user_or_role {
                return Some(Strength::Specific);
            }
            let exempt = !chain.is_empty() && chain.iter().all(|(id, _)| self.covers(*id));
            return (!exempt).then_some(Strength::Specific);
        }
        // `"AWS": "*"` covers IAM principals and anonymous callers alike:
        // AWS lists it beside `"*"` as a way to grant anonymous access.
        let any_aws_covers =
            principal.is_iam_identity() || principal.kind() == PrincipalKind::Anonymous;
        if self.everyone || (self.any_aws && any_aws_covers) {
            return Some(Strength::Specific);
        }
        let mut best = None;
        for (identity, strength) in &chain {
            if self.covers(*identity) {
                best = best.max(Some(*strength));
            }
        }
        best
    }
}

#[cfg(test)]
mod tests;
