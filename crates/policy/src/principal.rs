//! The `Principal` and `NotPrincipal` elements of resource-based policies.

use crate::arn::{Arn, is_account_id};

/// One entry of a `Principal` element's `AWS` list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AwsPrincipal {
    /// `"AWS": "*"`: every IAM principal and anonymous callers (AWS lists it
    /// beside `"*"` for anonymous access); not services or identity providers.
    Any,
    /// An account, named by id or by `arn:PARTITION:iam::ACCOUNT:root`.
    Account(String),
    /// An IAM user ARN.
    User(String),
    /// An IAM role ARN; it matches every session of the role.
    Role {
        /// The role's ARN as written.
        arn: String,
        /// The role's account.
        account: String,
        /// The role's name (the last part of its path).
        name: String,
    },
    /// An assumed-role session ARN (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`).
    AssumedRole(String),
    /// A federated user session ARN (`arn:aws:sts::ACCOUNT:federated-user/NAME`).
    FederatedUser(String),
}

impl AwsPrincipal {
    /// Reads one `AWS` principal value; `None` when IAM would reject it.
    pub fn parse(text: &str) -> Option<Self> {
        if text == "*" {
            return Some(AwsPrincipal::Any);
        }
        if is_account_id(text) {
            return Some(AwsPrincipal::Account(text.to_owned()));
        }
        if text.contains('*') || text.contains('?') {
            return None;
        }
        let arn = Arn::parse(text)?;
        if !arn.region.is_empty() || !is_account_id(arn.account) {
            return None;
        }
        match arn.service {
            "iam" => {
                if arn.resource == "root" {
                    Some(AwsPrincipal::Account(arn.account.to_owned()))
                } else if arn.resource.starts_with("user/") {
                    Some(AwsPrincipal::User(text.to_owned()))
                } else if let Some(path) = arn.resource.strip_prefix("role/") {
                    let name = path.rsplit('/').next().unwrap_or(path);
                    (!name.is_empty()).then(|| AwsPrincipal::Role {
                        arn: text.to_owned(),
                        account: arn.account.to_owned(),
                        name: name.to_owned(),
                    })
                } else {
                    None
                }
            }
            "sts" => {
                if let Some(rest) = arn.resource.strip_prefix("assumed-role/") {
                    rest.contains('/')
                        .then(|| AwsPrincipal::AssumedRole(text.to_owned()))
                } else if arn.resource.starts_with("federated-user/") {
                    Some(AwsPrincipal::FederatedUser(text.to_owned()))
                } else {
                    None
                }
            }
            _ => None,
        }
    }
}

/// The principals a `Principal` or `NotPrincipal` element names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrincipalSet {
    /// `"Principal": "*"`: everyone, anonymous callers included.
    pub everyone: bool,
    /// The `AWS` entries.
    pub aws: Vec<AwsPrincipal>,
    /// The `Service` entries (`lambda.amazonaws.com` ...).
    pub services: Vec<String>,
    /// The `Federated` entries (identity provider ARNs or web identity names).
    pub federated: Vec<String>,
    /// The `CanonicalUser` entries.
    pub canonical_users: Vec<String>,
}

/// A `Principal` or `NotPrincipal` element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalClause {
    /// True for `NotPrincipal`.
    pub negated: bool,
    /// What it names.
    pub set: PrincipalSet,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_aws_principals() {
        assert_eq!(AwsPrincipal::parse("*"), Some(AwsPrincipal::Any));
        assert_eq!(
            AwsPrincipal::parse("arn:aws:iam::111122223333:root"),
            Some(AwsPrincipal::Account("111122223333".into()))
        );
        assert_eq!(
            AwsPrincipal::parse("arn:aws:iam::111122223333:role/path/deploy"),
            Some(AwsPrincipal::Role {
                arn: "arn:aws:iam::111122223333:role/path/deploy".into(),
                account: "111122223333".into(),
                name: "deploy".into(),
            })
        );
        assert!(matches!(
            AwsPrincipal::parse("arn:aws:sts::111122223333:assumed-role/deploy/s1"),
            Some(AwsPrincipal::AssumedRole(_))
        ));
        assert_eq!(
            AwsPrincipal::parse("arn:aws:iam::111122223333:user/*"),
            None
        );
        assert_eq!(AwsPrincipal::parse("bob"), None);
        assert_eq!(AwsPrincipal::parse("arn:aws:s3:::bucket"), None);
    }
}
