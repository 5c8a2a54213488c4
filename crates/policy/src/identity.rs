//! Who makes a request: an IAM user, a role session, the account root, a
//! federated user, an identity provider, a service, or nobody (anonymous).
//!
//! A role session is named by `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`;
//! a role ARN given as the principal is an unnamed session of that role.

use crate::arn::{Arn, is_account_id};
use crate::context::RequestContext;

/// The kind of a requesting principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrincipalKind {
    /// No credentials.
    Anonymous,
    /// The account root user.
    Root,
    /// An IAM user.
    User,
    /// A session of an IAM role.
    AssumedRole,
    /// A federated user session from `GetFederationToken`.
    FederatedUser,
    /// A SAML or OIDC identity provider ARN (for `AssumeRoleWithSAML`/`WithWebIdentity`).
    IdentityProvider,
    /// A web identity provider name such as `accounts.google.com`.
    WebIdentity,
    /// An AWS service principal such as `lambda.amazonaws.com`.
    Service,
}

/// The requesting principal, with the parts policies match on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestPrincipal {
    kind: PrincipalKind,
    /// The text as given.
    text: String,
    partition: String,
    account: Option<String>,
    /// User name, role name, federated user name, or service name.
    name: Option<String>,
    /// For sessions: the role's ARN (the one given, or one built from the session ARN).
    role_arn: Option<String>,
    /// For named role sessions: the session name.
    session_name: Option<String>,
}

/// A principal string that is none of the documented forms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a principal: expected an IAM user, role, role session, federated user, account root or identity provider ARN, a service or web identity provider name, or `anonymous`"
)]
pub struct PrincipalParseError(String);

impl RequestPrincipal {
    /// Reads a principal as the scenario contract and the gRPC API give it.
    pub fn parse(text: &str) -> Result<Self, PrincipalParseError> {
        let err = || PrincipalParseError(text.to_owned());
        let mut principal = RequestPrincipal {
            kind: PrincipalKind::Anonymous,
            text: text.to_owned(),
            partition: "aws".to_owned(),
            account: None,
            name: None,
            role_arn: None,
            session_name: None,
        };
        if text == "anonymous" || text == "*" {
            return Ok(principal);
        }
        let Some(arn) = Arn::parse(text) else {
            let is_name = !text.is_empty()
                && text.contains('.')
                && text
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b));
            if !is_name {
                return Err(err());
            }
            principal.kind = if is_service_name(text) {
                PrincipalKind::Service
            } else {
                PrincipalKind::WebIdentity
            };
            principal.name = Some(text.to_owned());
            return Ok(principal);
        };
        if !is_account_id(arn.account) {
            return Err(err());
        }
        principal.partition = arn.partition.to_owned();
        principal.account = Some(arn.account.to_owned());
        let last = |path: &str| path.rsplit('/').next().unwrap_or(path).to_owned();
        match (arn.service, arn.resource.split_once('/')) {
            ("iam", None) if arn.resource == "root" => principal.kind = PrincipalKind::Root,
            ("iam", Some(("user", path))) if !path.is_empty() => {
                principal.kind = PrincipalKind::User;
                principal.name = Some(last(path));
            }
            ("iam", Some(("role", path))) if !path.is_empty() => {
                principal.kind = PrincipalKind::AssumedRole;
                principal.name = Some(last(path));
                principal.role_arn = Some(text.to_owned());
            }
            ("iam", Some(("saml-provider" | "oidc-provider", rest))) if !rest.is_empty() => {
                principal.kind = PrincipalKind::IdentityProvider;
            }
            ("sts", Some(("assumed-role", rest))) => {
                let (role, session) = rest.split_once('/').ok_or_else(err)?;
                if role.is_empty() || session.is_empty() {
                    return Err(err());
                }
                principal.kind = PrincipalKind::AssumedRole;
                principal.name = Some(role.to_owned());
                principal.session_name = Some(session.to_owned());
                principal.role_arn = Some(format!(
                    "arn:{}:iam::{}:role/{}",
                    arn.partition, arn.account, role
                ));
            }
            ("sts", Some(("federated-user", name))) if !name.is_empty() => {
                principal.kind = PrincipalKind::FederatedUser;
                principal.name = Some(name.to_owned());
            }
            _ => return Err(err()),
        }
        Ok(principal)
    }

    /// The kind of principal.
    pub fn kind(&self) -> PrincipalKind {
        self.kind
    }

    /// The principal as given (for a role session, its session ARN).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The principal's account, for IAM principals.
    pub fn account(&self) -> Option<&str> {
        self.account.as_deref()
    }

    /// The ARN partition.
    pub fn partition(&self) -> &str {
        &self.partition
    }

    /// User, role, federated user or service name.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// For role sessions: the role's ARN.
    pub fn role_arn(&self) -> Option<&str> {
        self.role_arn.as_deref()
    }

    /// For role sessions: the role's name.
    pub fn role_name(&self) -> Option<&str> {
        match self.kind {
            PrincipalKind::AssumedRole => self.name.as_deref(),
            _ => None,
        }
    }

    /// For named role sessions: the session name.
    pub fn session_name(&self) -> Option<&str> {
        self.session_name.as_deref()
    }

    /// True for IAM principals that belong to an account and are governed by
    /// identity policies: users, role sessions, federated users, the root.
    pub fn is_iam_identity(&self) -> bool {
        matches!(
            self.kind,
            PrincipalKind::Root
                | PrincipalKind::User
                | PrincipalKind::AssumedRole
                | PrincipalKind::FederatedUser
        )
    }

    /// The ARN that `aws:PrincipalArn` reports: the role's ARN for a session.
    pub fn principal_arn(&self) -> Option<String> {
        match self.kind {
            PrincipalKind::AssumedRole => self.role_arn.clone(),
            PrincipalKind::Root => self
                .account
                .as_ref()
                .map(|a| format!("arn:{}:iam::{}:root", self.partition, a)),
            PrincipalKind::User | PrincipalKind::FederatedUser => Some(self.text.clone()),
            _ => None,
        }
    }

    /// The condition keys that follow from the principal: `aws:PrincipalArn`,
    /// `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:username`,
    /// `aws:PrincipalServiceName`, `aws:PrincipalIsAWSService`.
    pub fn derived_context(&self) -> RequestContext {
        let mut context = RequestContext::new();
        let one = |v: &str| vec![v.to_owned()];
        if let Some(arn) = self.principal_arn() {
            context.insert("aws:PrincipalArn", vec![arn]);
        }
        if let Some(account) = &self.account
            && self.is_iam_identity()
        {
            context.insert("aws:PrincipalAccount", one(account));
        }
        let principal_type = match self.kind {
            PrincipalKind::Anonymous => Some("Anonymous"),
            PrincipalKind::Root => Some("Account"),
            PrincipalKind::User => Some("User"),
            PrincipalKind::AssumedRole => Some("AssumedRole"),
            PrincipalKind::FederatedUser => Some("FederatedUser"),
            _ => None,
        };
        if let Some(t) = principal_type {
            context.insert("aws:PrincipalType", one(t));
        }
        if self.kind == PrincipalKind::User
            && let Some(name) = &self.name
        {
            context.insert("aws:username", one(name));
        }
        let is_service = self.kind == PrincipalKind::Service;
        if is_service && let Some(name) = &self.name {
            context.insert("aws:PrincipalServiceName", one(name));
        }
        context.insert(
            "aws:PrincipalIsAWSService",
            one(if is_service { "true" } else { "false" }),
        );
        context
    }
}

/// True for names of AWS service principals (`*.amazonaws.com`, but not the
/// Cognito web identity provider).
pub fn is_service_name(text: &str) -> bool {
    (text.ends_with(".amazonaws.com") || text.ends_with(".amazonaws.com.cn"))
        && !text.starts_with("cognito-identity.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_documented_form() {
        let p =
            RequestPrincipal::parse("arn:aws:sts::111122223333:assumed-role/deploy/s1").unwrap();
        assert_eq!(p.kind(), PrincipalKind::AssumedRole);
        assert_eq!(p.role_arn(), Some("arn:aws:iam::111122223333:role/deploy"));
        assert_eq!(p.session_name(), Some("s1"));
        let p = RequestPrincipal::parse("arn:aws:iam::111122223333:role/ops/deploy").unwrap();
        assert_eq!(p.kind(), PrincipalKind::AssumedRole);
        assert_eq!(p.role_name(), Some("deploy"));
        assert_eq!(p.session_name(), None);
        let p = RequestPrincipal::parse("arn:aws:iam::111122223333:user/eng/sam").unwrap();
        assert_eq!((p.kind(), p.name()), (PrincipalKind::User, Some("sam")));
        assert_eq!(
            RequestPrincipal::parse("arn:aws:iam::111122223333:root")
                .unwrap()
                .kind(),
            PrincipalKind::Root
        );
        assert_eq!(
            RequestPrincipal::parse("lambda.amazonaws.com")
                .unwrap()
                .kind(),
            PrincipalKind::Service
        );
        assert_eq!(
            RequestPrincipal::parse("accounts.google.com")
                .unwrap()
                .kind(),
            PrincipalKind::WebIdentity
        );
        assert_eq!(
            RequestPrincipal::parse("cognito-identity.amazonaws.com")
                .unwrap()
                .kind(),
            PrincipalKind::WebIdentity
        );
        assert_eq!(
            RequestPrincipal::parse("arn:aws:iam::111122223333:saml-provider/corp")
                .unwrap()
                .kind(),
            PrincipalKind::IdentityProvider
        );
        assert_eq!(
            RequestPrincipal::parse("anonymous").unwrap().kind(),
            PrincipalKind::Anonymous
        );
        assert_eq!(
            RequestPrincipal::parse("arn:aws:sts::111122223333:federated-user/bob")
                .unwrap()
                .kind(),
            PrincipalKind::FederatedUser
        );
        assert!(RequestPrincipal::parse("bob").is_err());
        assert!(RequestPrincipal::parse("arn:aws:iam::123:user/bob").is_err());
        assert!(RequestPrincipal::parse("arn:aws:sts::111122223333:assumed-role/deploy").is_err());
    }

    #[test]
    fn derives_principal_keys() {
        let p =
            RequestPrincipal::parse("arn:aws:sts::111122223333:assumed-role/deploy/s1").unwrap();
        let c = p.derived_context();
        assert_eq!(
            c.get("aws:principalarn").unwrap()[0].as_ref(),
            "arn:aws:iam::111122223333:role/deploy"
        );
        assert_eq!(
            c.get("aws:PrincipalType").unwrap()[0].as_ref(),
            "AssumedRole"
        );
        assert!(c.get("aws:username").is_none());
        let p = RequestPrincipal::parse("arn:aws:iam::111122223333:user/sam").unwrap();
        assert_eq!(
            p.derived_context().get("aws:username").unwrap()[0].as_ref(),
            "sam"
        );
        let p = RequestPrincipal::parse("lambda.amazonaws.com").unwrap();
        let c = p.derived_context();
        assert_eq!(
            c.get("aws:PrincipalIsAWSService").unwrap()[0].as_ref(),
            "true"
        );
        assert_eq!(
            c.get("aws:PrincipalServiceName").unwrap()[0].as_ref(),
            "lambda.amazonaws.com"
        );
    }
}
