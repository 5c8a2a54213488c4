//! The store's folder layout: what each file path means.
//!
//! ```text
//! organization/organization.json           the organization tree
//! organization/scps/NAME.json              an SCP document
//! organization/rcps/NAME.json              an RCP document
//! aws-managed/[PATH/]NAME.json             an AWS managed policy document
//! accounts/ACCOUNT/*.json                  get-account-authorization-details output
//! accounts/ACCOUNT/users/[PATH/]NAME.json  an IAM user
//! accounts/ACCOUNT/groups/[PATH/]NAME.json an IAM group
//! accounts/ACCOUNT/roles/[PATH/]NAME.json  an IAM role
//! accounts/ACCOUNT/policies/[PATH/]NAME.json  a customer managed policy document
//! accounts/ACCOUNT/resources/**.json       a resource-based policy
//! ```
//!
//! Files and folders whose name starts with `.` and files ending in `.md`
//! are ignored; anything else is a fault.

use tollgate_policy::arn::is_account_id;

/// The kind of IAM entity a file under an account describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum EntityKind {
    User,
    Group,
    Role,
}

impl EntityKind {
    pub(crate) fn noun(self) -> &'static str {
        match self {
            EntityKind::User => "user",
            EntityKind::Group => "group",
            EntityKind::Role => "role",
        }
    }
}

/// SCP or RCP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ControlKind {
    Service,
    Resource,
}

impl ControlKind {
    /// `scp` or `rcp`.
    pub(crate) fn noun(self) -> &'static str {
        match self {
            ControlKind::Service => "scp",
            ControlKind::Resource => "rcp",
        }
    }
}

/// What a file of the store is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FileRole<'a> {
    /// Not part of the store (notes, hidden files).
    Ignored,
    /// `organization/organization.json`.
    Organization,
    /// `organization/scps/NAME.json` or `organization/rcps/NAME.json`.
    ControlPolicy { kind: ControlKind, name: &'a str },
    /// `aws-managed/PATH/NAME.json`: the IAM path and name.
    AwsManaged { iam_path: String, name: &'a str },
    /// `accounts/ACCOUNT/*.json`.
    AuthDetails { account: &'a str },
    /// `accounts/ACCOUNT/{users,groups,roles}/PATH/NAME.json`.
    Entity {
        account: &'a str,
        kind: EntityKind,
        iam_path: String,
        name: &'a str,
    },
    /// `accounts/ACCOUNT/policies/PATH/NAME.json`.
    ManagedPolicy {
        account: &'a str,
        iam_path: String,
        name: &'a str,
    },
    /// `accounts/ACCOUNT/resources/**.json`.
    Resource { account: &'a str },
}

/// Why a path has no place in the layout.
pub(crate) type LayoutError = String;

/// What the file at `path` (relative, `/`-separated) is.
pub(crate) fn classify(path: &str) -> Result<FileRole<'_>, LayoutError> {
    let parts: Vec<&str> = path.split('/').collect();
    if parts
        .iter()
        .any(|p| p.is_empty() || *p == "." || *p == ".." || p.contains('\\'))
    {
        return Err(format!(
            "`{path}` is not a relative path with `/` separators"
        ));
    }
    if parts.iter().any(|p| p.starts_with('.')) || path.ends_with(".md") {
        return Ok(FileRole::Ignored);
    }
    let Some(stem) = parts.last().and_then(|f| f.strip_suffix(".json")) else {
        return Err("store files are JSON and end in `.json` (notes may end in `.md`)".into());
    };
    match parts.as_slice() {
        ["organization", "organization.json"] => Ok(FileRole::Organization),
        ["organization", folder @ ("scps" | "rcps"), _] => Ok(FileRole::ControlPolicy {
            kind: if *folder == "scps" {
                ControlKind::Service
            } else {
                ControlKind::Resource
            },
            name: stem,
        }),
        ["organization", ..] => Err(
            "the organization folder holds `organization.json`, `scps/NAME.json` and `rcps/NAME.json`".into(),
        ),
        ["aws-managed", folders @ .., _] => Ok(FileRole::AwsManaged {
            iam_path: iam_path(folders),
            name: stem,
        }),
        ["accounts", account, rest @ ..] => {
            if !is_account_id(account) {
                return Err(format!(
                    "`{account}` is not a 12-digit account id: account folders are named by id"
                ));
            }
            account_file(account, rest, stem)
        }
        _ => Err(
            "the store root holds `accounts/`, `organization/` and `aws-managed/`".into(),
        ),
    }
}

fn account_file<'a>(
    account: &'a str,
    rest: &[&'a str],
    stem: &'a str,
) -> Result<FileRole<'a>, LayoutError> {
    let entity = |kind, folders: &[&str]| FileRole::Entity {
        account,
        kind,
        iam_path: iam_path(folders),
        name: stem,
    };
    match rest {
        [_] => Ok(FileRole::AuthDetails { account }),
        ["users", folders @ .., _] => Ok(entity(EntityKind::User, folders)),
        ["groups", folders @ .., _] => Ok(entity(EntityKind::Group, folders)),
        ["roles", folders @ .., _] => Ok(entity(EntityKind::Role, folders)),
        ["policies", folders @ .., _] => Ok(FileRole::ManagedPolicy {
            account,
            iam_path: iam_path(folders),
            name: stem,
        }),
        ["resources", .., _] => Ok(FileRole::Resource { account }),
        _ => Err(
            "an account folder holds authorization-details `*.json` files and the folders `users`, `groups`, `roles`, `policies` and `resources`".into(),
        ),
    }
}

/// The IAM path that folders stand for: `/` or `/a/b/`.
fn iam_path(folders: &[&str]) -> String {
    let mut path = String::from("/");
    for folder in folders {
        path.push_str(folder);
        path.push('/');
    }
    path
}

/// True for names IAM accepts for users, groups, roles and policies:
/// letters, digits and `+=,.@_-`.
pub(crate) fn is_iam_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_every_kind_of_file() {
        assert_eq!(
            classify("organization/organization.json"),
            Ok(FileRole::Organization)
        );
        assert_eq!(
            classify("organization/scps/deny-leave.json"),
            Ok(FileRole::ControlPolicy {
                kind: ControlKind::Service,
                name: "deny-leave"
            })
        );
        assert_eq!(
            classify("aws-managed/service-role/AWSLambdaRole.json"),
            Ok(FileRole::AwsManaged {
                iam_path: "/service-role/".into(),
                name: "AWSLambdaRole"
            })
        );
        assert_eq!(
            classify("accounts/111122223333/details.json"),
            Ok(FileRole::AuthDetails {
                account: "111122223333"
            })
        );
        assert_eq!(
            classify("accounts/111122223333/users/eng/alice.json"),
            Ok(FileRole::Entity {
                account: "111122223333",
                kind: EntityKind::User,
                iam_path: "/eng/".into(),
                name: "alice"
            })
        );
        assert_eq!(
            classify("accounts/111122223333/policies/deploy.json"),
            Ok(FileRole::ManagedPolicy {
                account: "111122223333",
                iam_path: "/".into(),
                name: "deploy"
            })
        );
        assert_eq!(
            classify("accounts/111122223333/resources/s3/photos.json"),
            Ok(FileRole::Resource {
                account: "111122223333"
            })
        );
    }

    #[test]
    fn ignores_notes_and_hidden_files() {
        assert_eq!(classify("README.md"), Ok(FileRole::Ignored));
        assert_eq!(classify(".git/config"), Ok(FileRole::Ignored));
        assert_eq!(
            classify("accounts/111122223333/users/.alice.json"),
            Ok(FileRole::Ignored)
        );
    }

    #[test]
    fn rejects_what_has_no_place() {
        assert!(classify("accounts/1234/users/a.json").is_err());
        assert!(classify("accounts/111122223333/users.txt").is_err());
        assert!(classify("accounts/111122223333/stuff/a.json").is_err());
        assert!(classify("policies/a.json").is_err());
        assert!(classify("organization/scps/x/a.json").is_err());
        assert!(classify("../a.json").is_err());
        assert!(classify("/a.json").is_err());
        assert!(classify("accounts//a.json").is_err());
    }

    #[test]
    fn checks_iam_names() {
        assert!(is_iam_name("alice+ops@example.com"));
        assert!(!is_iam_name("a b"));
        assert!(!is_iam_name(""));
    }
}
