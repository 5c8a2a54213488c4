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

/// Where a part of the principal lies in its buffer.
type Span = std::ops::Range<usize>;

/// The requesting principal, with the parts policies match on. The parts are
/// slices of one buffer (the text as given, then the role ARN when it had to
/// be built from a session ARN), so reading a principal allocates once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestPrincipal {
    kind: PrincipalKind,
    /// The text as given, then any built role ARN.
    buffer: String,
    /// The end of the text as given in `buffer`.
    text_end: usize,
    /// `None`: `aws`, the partition of principals given without an ARN.
    partition: Option<Span>,
    account: Option<Span>,
    /// User name, role name, federated user name, or service name.
    name: Option<Span>,
    /// For sessions: the role's ARN (the one given, or one built from the session ARN).
    role_arn: Option<Span>,
    /// For named role sessions: the session name.
    session_name: Option<Span>,
}

/// A principal string that is none of the documented forms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a principal: expected an IAM user, role, role session, federated user, account root or identity provider ARN, a service or web identity provider name, or `anonymous`"
)]
pub struct PrincipalParseError(String);

/// The span of `part`, a slice of `whole`.
fn span_of(whole: &str, part: &str) -> Span {
    let start = (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize);
    start..start + part.len()
}

impl RequestPrincipal {
    /// Reads a principal as the scenario contract and the gRPC API give it.
    pub fn parse(text: &str) -> Result<Self, PrincipalParseError> {
        Self::parse_owned(text.to_owned())
    }

    /// [`RequestPrincipal::parse`], keeping `text` as the principal's buffer.
    pub fn parse_owned(text: String) -> Result<Self, PrincipalParseError> {
        let mut principal = RequestPrincipal {
            kind: PrincipalKind::Anonymous,
            text_end: text.len(),
            buffer: String::new(),
            partition: None,
            account: None,
            name: None,
            role_arn: None,
            session_name: None,
        };
        let mut built_role = None;
        {
            let text = text.as_str();
            let err = || PrincipalParseError(text.to_owned());
            if text == "anonymous" || text == "*" {
                principal.buffer = text.to_owned();
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
                principal.name = Some(0..text.len());
                principal.buffer = text.to_owned();
                return Ok(principal);
            };
            if !is_account_id(arn.account) {
                return Err(err());
            }
            let span = |part: &str| span_of(text, part);
            principal.partition = Some(span(arn.partition));
            principal.account = Some(span(arn.account));
            let last = |path: &'_ str| span(path.rsplit('/').next().unwrap_or(path));
            match (arn.service, arn.resource.split_once('/')) {
                ("iam", None) if arn.resource == "root" => principal.kind = PrincipalKind::Root,
                ("iam", Some(("user", path))) if !path.is_empty() => {
                    principal.kind = PrincipalKind::User;
                    principal.name = Some(last(path));
                }
                ("iam", Some(("role", path))) if !path.is_empty() => {
                    principal.kind = PrincipalKind::AssumedRole;
                    principal.name = Some(last(path));
                    principal.role_arn = Some(0..text.len());
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
                    principal.name = Some(span(role));
                    principal.session_name = Some(span(session));
                    built_role = Some((arn.partition.len(), arn.account.len(), span(role)));
                }
                ("sts", Some(("federated-user", name))) if !name.is_empty() => {
                    principal.kind = PrincipalKind::FederatedUser;
                    principal.name = Some(span(name));
                }
                _ => return Err(err()),
            }
        }
        principal.buffer = text;
        if let (Some((_, _, role)), Some(partition), Some(account)) = (
            built_role,
            principal.partition.clone(),
            principal.account.clone(),
        ) {
            // arn:PARTITION:iam::ACCOUNT:role/ROLE, after the text.
            let start = principal.buffer.len();
            let mut arn = String::with_capacity(start + role.len() + 40);
            arn.push_str(&principal.buffer);
            for piece in [
                "arn:",
                principal.slice(&partition),
                ":iam::",
                principal.slice(&account),
                ":role/",
                principal.slice(&role),
            ] {
                arn.push_str(piece);
            }
            principal.role_arn = Some(start..arn.len());
            principal.buffer = arn;
        }
        Ok(principal)
    }

    fn slice(&self, span: &Span) -> &str {
        self.buffer.get(span.clone()).unwrap_or_default()
    }

    fn part(&self, span: Option<&Span>) -> Option<&str> {
        span.map(|s| self.slice(s))
    }

    /// The kind of principal.
    pub fn kind(&self) -> PrincipalKind {
        self.kind
    }

    /// The principal as given (for a role session, its session ARN).
    pub fn text(&self) -> &str {
        self.buffer.get(..self.text_end).unwrap_or_default()
    }

    /// The principal's account, for IAM principals.
    pub fn account(&self) -> Option<&str> {
        self.part(self.account.as_ref())
    }

    /// The ARN partition.
    pub fn partition(&self) -> &str {
        self.part(self.partition.as_ref()).unwrap_or("aws")
    }

    /// User, role, federated user or service name.
    pub fn name(&self) -> Option<&str> {
        self.part(self.name.as_ref())
    }

    /// For role sessions: the role's ARN.
    pub fn role_arn(&self) -> Option<&str> {
        self.part(self.role_arn.as_ref())
    }

    /// For role sessions: the role's name.
    pub fn role_name(&self) -> Option<&str> {
        match self.kind {
            PrincipalKind::AssumedRole => self.name(),
            _ => None,
        }
    }

    /// For named role sessions: the session name.
    pub fn session_name(&self) -> Option<&str> {
        self.part(self.session_name.as_ref())
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
            PrincipalKind::AssumedRole => self.role_arn().map(str::to_owned),
            PrincipalKind::Root => self
                .account()
                .map(|a| format!("arn:{}:iam::{}:root", self.partition(), a)),
            PrincipalKind::User | PrincipalKind::FederatedUser => Some(self.text().to_owned()),
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
        if let Some(account) = self.account()
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
            && let Some(name) = self.name()
        {
            context.insert("aws:username", one(name));
        }
        let is_service = self.kind == PrincipalKind::Service;
        if is_service && let Some(name) = self.name() {
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
    fn every_part_is_read_from_the_one_buffer() {
        type Parts<'a> = (
            &'a str,
            Option<&'a str>,
            Option<&'a str>,
            Option<&'a str>,
            Option<&'a str>,
        );
        fn parts(p: &RequestPrincipal) -> Parts<'_> {
            (
                p.partition(),
                p.account(),
                p.name(),
                p.role_arn(),
                p.session_name(),
            )
        }
        let text = "arn:aws-cn:sts::111122223333:assumed-role/deploy/s1";
        let p = RequestPrincipal::parse_owned(text.to_owned()).unwrap();
        assert_eq!(p.text(), text);
        assert_eq!(
            parts(&p),
            (
                "aws-cn",
                Some("111122223333"),
                Some("deploy"),
                Some("arn:aws-cn:iam::111122223333:role/deploy"),
                Some("s1")
            )
        );
        let p = RequestPrincipal::parse("arn:aws:iam::444455556666:role/ops/deploy").unwrap();
        assert_eq!(
            parts(&p),
            (
                "aws",
                Some("444455556666"),
                Some("deploy"),
                Some("arn:aws:iam::444455556666:role/ops/deploy"),
                None
            )
        );
        let p = RequestPrincipal::parse("lambda.amazonaws.com").unwrap();
        assert_eq!(
            parts(&p),
            ("aws", None, Some("lambda.amazonaws.com"), None, None)
        );
        assert_eq!(p.text(), "lambda.amazonaws.com");
        let p = RequestPrincipal::parse("anonymous").unwrap();
        assert_eq!(
            (p.text(), parts(&p)),
            ("anonymous", ("aws", None, None, None, None))
        );
        assert_eq!(
            RequestPrincipal::parse("arn:aws:iam::111122223333:root")
                .unwrap()
                .principal_arn()
                .as_deref(),
            Some("arn:aws:iam::111122223333:root")
        );
        assert_eq!(
            RequestPrincipal::parse(text).unwrap(),
            RequestPrincipal::parse_owned(text.to_owned()).unwrap()
        );
    }

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
