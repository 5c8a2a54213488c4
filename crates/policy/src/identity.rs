//! Who makes a request: an IAM user, a role session, the account root, a
//! federated user, an identity provider, a service, or nobody (anonymous).
//!
//! A role session is named by `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`;
//! a role ARN given as the principal is an unnamed session of that role.

use crate::arn::{Arn, is_account_id};
use crate::context::RequestContext;
use crate::names::{
    MAX_NAME_BYTES, MAX_PATH_BYTES, is_entity_name, is_federated_name, is_iam_path, is_partition,
    is_session_name, shown,
};

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
    /// For users and role ARNs: the IAM path, `/` ... `/`.
    path: Option<Span>,
    /// User name, role name, federated user name, or service name.
    name: Option<Span>,
    /// For sessions: the role's ARN (the one given, or one built from the session ARN).
    role_arn: Option<Span>,
    /// For named role sessions: the session name.
    session_name: Option<Span>,
}

/// A principal string that is none of the documented forms, or one of them
/// with a part that breaks AWS's grammar; the message names the part.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{shown} is not a principal: {problem}")]
pub struct PrincipalParseError {
    /// The text, escaped and cut for the message.
    shown: String,
    /// What is wrong, naming the part.
    problem: String,
}

impl PrincipalParseError {
    fn new(text: &str, problem: impl Into<String>) -> Self {
        Self {
            shown: shown(text),
            problem: problem.into(),
        }
    }

    /// What is wrong with the principal, naming the part.
    pub fn problem(&self) -> &str {
        &self.problem
    }
}

/// The message for a principal of no documented shape.
const SHAPES: &str = "expected an IAM user, role, role session, federated user, account root or identity provider ARN, a service or web identity provider name, or `anonymous`";

/// Longest service or web identity provider name.
const MAX_PROVIDER_NAME_BYTES: usize = 255;

/// The span of `part`, a slice of `whole`.
fn span_of(whole: &str, part: &str) -> Span {
    let start = (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize);
    start..start + part.len()
}

/// `/PATH/NAME` after a resource type: the path (`/` ... `/`) and the name.
fn path_and_name(rest: &str) -> Option<(&str, &str)> {
    let at = rest.rfind('/')?;
    Some((rest.get(..=at)?, rest.get(at + 1..)?))
}

/// The parts of a principal ARN, each checked against AWS's grammar.
struct PrincipalArn<'a> {
    kind: PrincipalKind,
    path: Option<&'a str>,
    name: Option<&'a str>,
    session: Option<&'a str>,
}

/// Reads the resource part of an IAM or STS principal ARN.
fn principal_resource<'a>(service: &str, resource: &'a str) -> Result<PrincipalArn<'a>, String> {
    let plain = |kind| PrincipalArn {
        kind,
        path: None,
        name: None,
        session: None,
    };
    let (kind, rest) = resource.split_once('/').unwrap_or((resource, ""));
    match (service, kind) {
        ("iam", "root") if rest.is_empty() && !resource.contains('/') => {
            Ok(plain(PrincipalKind::Root))
        }
        ("iam", "user" | "role") => {
            let (path, name) = path_and_name(resource.get(kind.len()..).unwrap_or_default())
                .ok_or_else(|| format!("the {kind} name is missing"))?;
            if !is_iam_path(path) {
                return Err(format!(
                    "the path {} is not an IAM path (`/` or `/.../` of printable ASCII, at most {MAX_PATH_BYTES} bytes)",
                    shown(path)
                ));
            }
            if !is_entity_name(name) {
                return Err(format!(
                    "the {kind} name {} is not an IAM name (1 to {MAX_NAME_BYTES} of letters, digits and `_+=,.@-`)",
                    shown(name)
                ));
            }
            Ok(PrincipalArn {
                kind: if kind == "user" {
                    PrincipalKind::User
                } else {
                    PrincipalKind::AssumedRole
                },
                path: Some(path),
                name: Some(name),
                session: None,
            })
        }
        ("iam", "saml-provider" | "oidc-provider") => {
            let valid = !rest.is_empty()
                && rest.len() <= MAX_PROVIDER_NAME_BYTES
                && rest.bytes().all(|b| (0x21..=0x7e).contains(&b));
            if valid {
                Ok(plain(PrincipalKind::IdentityProvider))
            } else {
                Err(format!(
                    "the identity provider {} is not 1 to {MAX_PROVIDER_NAME_BYTES} bytes of printable ASCII",
                    shown(rest)
                ))
            }
        }
        ("sts", "assumed-role") => {
            let (role, session) = rest.split_once('/').ok_or(
                "a role session ARN is `assumed-role/ROLE/SESSION`: the session name is missing",
            )?;
            if !is_entity_name(role) {
                return Err(format!(
                    "the role name {} is not an IAM name (1 to {MAX_NAME_BYTES} of letters, digits and `_+=,.@-`)",
                    shown(role)
                ));
            }
            if !is_session_name(session) {
                return Err(format!(
                    "the session name {} is not a role session name (2 to 64 of letters, digits and `_+=,.@-`)",
                    shown(session)
                ));
            }
            Ok(PrincipalArn {
                kind: PrincipalKind::AssumedRole,
                path: None,
                name: Some(role),
                session: Some(session),
            })
        }
        ("sts", "federated-user") => {
            if !is_federated_name(rest) {
                return Err(format!(
                    "the federated user name {} is not 2 to 32 of letters, digits and `_+=,.@-`",
                    shown(rest)
                ));
            }
            Ok(PrincipalArn {
                kind: PrincipalKind::FederatedUser,
                path: None,
                name: Some(rest),
                session: None,
            })
        }
        ("iam", _) => Err(format!(
            "the resource type {} is not one of `user/`, `role/`, `root`, `saml-provider/`, `oidc-provider/`",
            shown(kind)
        )),
        ("sts", _) => Err(format!(
            "the resource type {} is not one of `assumed-role/`, `federated-user/`",
            shown(kind)
        )),
        _ => Err(format!(
            "the service {} is not `iam` or `sts`",
            shown(service)
        )),
    }
}

impl RequestPrincipal {
    /// Reads a principal as the scenario contract and the gRPC API give it.
    pub fn parse(text: &str) -> Result<Self, PrincipalParseError> {
        Self::parse_owned(text.to_owned())
    }

    /// [`RequestPrincipal::parse`], keeping `text` as the principal's buffer.
    ///
    /// Every part is checked against AWS's grammar ([`crate::names`]): the
    /// partition, the service (`iam` or `sts`), the region (empty), a
    /// 12-digit account, the resource type, the path, the name and the
    /// session name. A part that breaks it is an error naming the part,
    /// never a looser reading: `user/alice/../bob` is the user `bob` with
    /// the path `/alice/../`, and `user/alice\0...` is refused.
    pub fn parse_owned(text: String) -> Result<Self, PrincipalParseError> {
        let mut principal = RequestPrincipal {
            kind: PrincipalKind::Anonymous,
            text_end: text.len(),
            buffer: String::new(),
            partition: None,
            account: None,
            path: None,
            name: None,
            role_arn: None,
            session_name: None,
        };
        let mut built_role = None;
        {
            let text = text.as_str();
            let err = |problem: String| PrincipalParseError::new(text, problem);
            if text == "anonymous" || text == "*" {
                principal.buffer = text.to_owned();
                return Ok(principal);
            }
            if !text.starts_with("arn:") {
                let is_name = !text.is_empty()
                    && text.len() <= MAX_PROVIDER_NAME_BYTES
                    && text.contains('.')
                    && text
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b));
                if !is_name {
                    return Err(err(SHAPES.to_owned()));
                }
                principal.kind = if is_service_name(text) {
                    PrincipalKind::Service
                } else {
                    PrincipalKind::WebIdentity
                };
                principal.name = Some(0..text.len());
                principal.buffer = text.to_owned();
                return Ok(principal);
            }
            let arn = Arn::parse(text).ok_or_else(|| {
                err(
                    "an ARN has six parts: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`"
                        .to_owned(),
                )
            })?;
            if !is_partition(arn.partition) {
                return Err(err(format!(
                    "the partition {} is not an AWS partition ({})",
                    shown(arn.partition),
                    crate::names::PARTITIONS.join(", ")
                )));
            }
            if arn.service != "iam" && arn.service != "sts" {
                return Err(err(format!(
                    "the service {} is not `iam` or `sts`",
                    shown(arn.service)
                )));
            }
            if !arn.region.is_empty() {
                return Err(err(format!(
                    "the region must be empty in an {} ARN, found {}",
                    arn.service,
                    shown(arn.region)
                )));
            }
            if !is_account_id(arn.account) {
                return Err(err(format!(
                    "the account {} is not a 12-digit account id",
                    shown(arn.account)
                )));
            }
            let parts = principal_resource(arn.service, arn.resource).map_err(err)?;
            let span = |part: &str| span_of(text, part);
            principal.kind = parts.kind;
            principal.partition = Some(span(arn.partition));
            principal.account = Some(span(arn.account));
            principal.path = parts.path.map(span);
            principal.name = parts.name.map(span);
            principal.session_name = parts.session.map(span);
            if parts.kind == PrincipalKind::AssumedRole {
                match parts.session {
                    // A role ARN given as the principal: an unnamed session.
                    None => principal.role_arn = Some(0..text.len()),
                    Some(_) => built_role = parts.name.map(span),
                }
            }
        }
        principal.buffer = text;
        if let (Some(role), Some(partition), Some(account)) = (
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

    /// For users, and roles given by their ARN: the IAM path (`/` or
    /// `/.../`). `None` for role sessions named by their session ARN, which
    /// does not carry the role's path.
    pub fn path(&self) -> Option<&str> {
        self.part(self.path.as_ref())
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

    #[test]
    fn paths_are_part_of_the_principal_not_skipped() {
        // `/alice/../` and `/not-bob/../../` are legal IAM paths: these are
        // users named bob on other paths, not the store's `/bob`.
        for (text, path) in [
            ("arn:aws:iam::111122223333:user/alice/../bob", "/alice/../"),
            (
                "arn:aws:iam::111122223333:user/not-bob/../../bob",
                "/not-bob/../../",
            ),
            ("arn:aws:iam::111122223333:user/bob", "/"),
        ] {
            let p = RequestPrincipal::parse(text).unwrap();
            assert_eq!(
                (p.kind(), p.name(), p.path()),
                (PrincipalKind::User, Some("bob"), Some(path))
            );
        }
        let p = RequestPrincipal::parse("arn:aws:iam::111122223333:role/ops/deploy").unwrap();
        assert_eq!(p.path(), Some("/ops/"));
        let p =
            RequestPrincipal::parse("arn:aws:sts::111122223333:assumed-role/deploy/s1").unwrap();
        assert_eq!(
            p.path(),
            None,
            "a session ARN does not carry the role's path"
        );
        // Another partition is well-formed and keeps its partition.
        let p = RequestPrincipal::parse("arn:aws-us-gov:iam::111122223333:user/bob").unwrap();
        assert_eq!(p.partition(), "aws-us-gov");
    }

    #[test]
    fn malformed_principals_are_refused_naming_the_part() {
        for (text, part) in [
            (
                "arn:aws:iam::111122223333:user/alice\0arn:aws:iam::111122223333:user/bob",
                "the path",
            ),
            (
                "arn:aws:iam:us-east-1:111122223333:user/bob",
                "the region must be empty",
            ),
            (
                "arn:aws:sts:us-east-1:111122223333:assumed-role/r/s1",
                "the region must be empty",
            ),
            ("arn:aws-fake:iam::111122223333:user/bob", "the partition"),
            ("arn:AWS:iam::111122223333:user/bob", "the partition"),
            ("arn:aws:s3::111122223333:user/bob", "the service"),
            ("arn:aws:iam::12345678901:user/bob", "the account"),
            ("arn:aws:iam::1111222233334:user/bob", "the account"),
            ("arn:aws:iam::11112222333a:user/bob", "the account"),
            ("arn:aws:iam::111122223333:group/devs", "the resource type"),
            ("arn:aws:iam::111122223333:user", "the user name is missing"),
            ("arn:aws:iam::111122223333:user/", "the user name"),
            ("arn:aws:iam::111122223333:user/b\u{131}b", "the user name"),
            (
                "arn:aws:iam::111122223333:user/bob\u{200b}",
                "the user name",
            ),
            ("arn:aws:iam::111122223333:user/bob*", "the user name"),
            ("arn:aws:iam::111122223333:user/b ob", "the user name"),
            ("arn:aws:iam::111122223333:user/a b/bob", "the path"),
            ("arn:aws:iam::111122223333:user/\u{e9}/bob", "the path"),
            ("arn:aws:iam::111122223333:role/", "the role name"),
            ("arn:aws:iam::111122223333:root/x", "the resource type"),
            (
                "arn:aws:sts::111122223333:assumed-role/deploy",
                "session name is missing",
            ),
            (
                "arn:aws:sts::111122223333:assumed-role/deploy/s",
                "the session name",
            ),
            (
                "arn:aws:sts::111122223333:assumed-role/deploy/s1/x",
                "the session name",
            ),
            (
                "arn:aws:sts::111122223333:assumed-role/dep\0loy/s1",
                "the role name",
            ),
            (
                "arn:aws:sts::111122223333:federated-user/b",
                "the federated user name",
            ),
            ("arn:aws:sts::111122223333:user/bob", "the resource type"),
            ("arn:aws:iam::111122223333", "six parts"),
            ("lambda.amazonaws.com\0", "expected an IAM user"),
        ] {
            let err = RequestPrincipal::parse(text).unwrap_err();
            assert!(err.problem().contains(part), "{text:?}: {err}");
            assert!(!err.to_string().contains('\0'), "NUL is escaped: {err}");
        }
        let name = format!("arn:aws:iam::111122223333:user/{}", "a".repeat(65));
        assert!(RequestPrincipal::parse(&name).is_err());
        let name = format!("arn:aws:iam::111122223333:user/{}", "a".repeat(64));
        assert!(RequestPrincipal::parse(&name).is_ok());
        let path = format!("arn:aws:iam::111122223333:user/{}/bob", "p".repeat(511));
        assert!(
            RequestPrincipal::parse(&path)
                .unwrap_err()
                .problem()
                .contains("the path")
        );
        let session = format!(
            "arn:aws:sts::111122223333:assumed-role/r/{}",
            "s".repeat(65)
        );
        assert!(RequestPrincipal::parse(&session).is_err());
    }
}
