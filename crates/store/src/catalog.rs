//! The built-in catalog of AWS managed policies
//! (`tests/data/aws-managed-policies.json`, 1,594 policies), for managed
//! policy ARNs that the store itself does not hold. Embedded in the binary
//! and parsed once, on first use.
//!
//! Beside it, the policies AWS has deprecated and no longer lists, which
//! accounts that attached them before still carry
//! (`tests/data/aws-managed-policies-deprecated.json`, 47 policies, each at
//! its last version, from the MIT-licensed `iann0036/iam-dataset` entries
//! marked `deprecated` that the current catalog lacks). Their ARNs' paths
//! are not recorded, and IAM policy names are unique within an account, so
//! they are found by name: `arn:aws:iam::aws:policy/PATH/NAME` for any
//! path. A store that uses one gets a warning.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;
use serde_json::Value;

/// The catalog file, as embedded.
const CATALOG_JSON: &str = include_str!("../../../tests/data/aws-managed-policies.json");

/// Where the catalog comes from, for messages.
pub(crate) const CATALOG_SOURCE: &str = "tests/data/aws-managed-policies.json";

/// The deprecated policies, as embedded: an object of policy name to
/// `{"versionId", "document"}`.
const DEPRECATED_JSON: &str =
    include_str!("../../../tests/data/aws-managed-policies-deprecated.json");

/// Where the deprecated policies come from, for messages.
pub(crate) const DEPRECATED_SOURCE: &str = "tests/data/aws-managed-policies-deprecated.json";

/// One AWS managed policy of the catalog.
#[derive(Debug)]
pub(crate) struct CatalogPolicy {
    /// The default version's id, such as `v3`.
    pub(crate) version_id: String,
    /// The default version's document.
    pub(crate) document: Value,
    /// AWS has deprecated the policy: no longer listed, no longer
    /// attachable, still attached where it was.
    pub(crate) deprecated: bool,
}

type Catalog = FxHashMap<String, CatalogPolicy>;

static CATALOG: OnceLock<Result<Catalog, String>> = OnceLock::new();

/// The deprecated policies by name.
static DEPRECATED: OnceLock<Result<Catalog, String>> = OnceLock::new();

fn deprecated() -> Result<&'static Catalog, &'static str> {
    DEPRECATED
        .get_or_init(|| parse_deprecated(DEPRECATED_JSON))
        .as_ref()
        .map_err(String::as_str)
}

/// Reads the deprecated policies: an object of policy name to
/// `{"versionId", "document"}`.
fn parse_deprecated(text: &str) -> Result<Catalog, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let Value::Object(entries) = value else {
        return Err("the deprecated policies are not a JSON object".into());
    };
    let mut catalog = Catalog::default();
    for (name, mut entry) in entries {
        let version_id = entry
            .get("versionId")
            .and_then(Value::as_str)
            .map(str::to_owned);
        match (version_id, entry.get_mut("document").map(Value::take)) {
            (Some(version_id), Some(document)) => {
                catalog.insert(
                    name,
                    CatalogPolicy {
                        version_id,
                        document,
                        deprecated: true,
                    },
                );
            }
            _ => return Err(format!("entry `{name}` lacks `versionId` or `document`")),
        }
    }
    Ok(catalog)
}

/// The catalog by policy ARN, or why it cannot be read.
fn catalog() -> Result<&'static Catalog, &'static str> {
    CATALOG
        .get_or_init(|| parse(CATALOG_JSON))
        .as_ref()
        .map_err(String::as_str)
}

/// Reads the catalog: an object of policy name to `{"arn", "versionId", "document"}`.
fn parse(text: &str) -> Result<Catalog, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let Value::Object(entries) = value else {
        return Err("the catalog is not a JSON object".into());
    };
    let mut catalog = Catalog::default();
    for (name, mut entry) in entries {
        let arn = entry.get("arn").and_then(Value::as_str).map(str::to_owned);
        let version_id = entry
            .get("versionId")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let document = entry.get_mut("document").map(Value::take);
        match (arn, version_id, document) {
            (Some(arn), Some(version_id), Some(document)) => {
                catalog.insert(
                    arn,
                    CatalogPolicy {
                        version_id,
                        document,
                        deprecated: false,
                    },
                );
            }
            _ => {
                return Err(format!(
                    "catalog entry `{name}` lacks `arn`, `versionId` or `document`"
                ));
            }
        }
    }
    Ok(catalog)
}

/// The AWS managed policy with this ARN, if the catalog has it, else the
/// deprecated policy of its name (whatever the ARN's path); the error says
/// which embedded file cannot be read.
pub(crate) fn lookup(arn: &str) -> Result<Option<&'static CatalogPolicy>, String> {
    let current = catalog().map_err(|e| format!("cannot read `{CATALOG_SOURCE}`: {e}"))?;
    if let Some(policy) = current.get(arn) {
        return Ok(Some(policy));
    }
    let Some(name) = arn
        .strip_prefix("arn:aws:iam::aws:policy/")
        .and_then(|path| path.rsplit('/').next())
    else {
        return Ok(None);
    };
    let deprecated = deprecated().map_err(|e| format!("cannot read `{DEPRECATED_SOURCE}`: {e}"))?;
    Ok(deprecated.get(name))
}

/// The number of deprecated policies the catalog keeps (0 if they cannot
/// be read).
pub fn deprecated_aws_managed_policy_count() -> usize {
    deprecated().map_or(0, |c| c.len())
}

/// The number of policies in the catalog (0 if it cannot be read).
pub fn aws_managed_policy_count() -> usize {
    catalog().map_or(0, |c| c.len())
}

#[cfg(test)]
mod tests {
    use tollgate_policy::{PolicyDocument, PolicyKind};

    use super::*;

    #[test]
    fn every_catalog_policy_parses_as_an_identity_policy() {
        let catalog = catalog().unwrap();
        assert_eq!(catalog.len(), 1594);
        let failures: Vec<String> = catalog
            .iter()
            .filter_map(|(arn, p)| {
                PolicyDocument::from_json(&p.document, PolicyKind::Identity)
                    .err()
                    .map(|e| format!("{arn}: {e}"))
            })
            .collect();
        assert!(failures.is_empty(), "{failures:#?}");
        let read_only = lookup("arn:aws:iam::aws:policy/ReadOnlyAccess")
            .unwrap()
            .unwrap();
        assert!(read_only.version_id.starts_with('v'));
        assert!(
            lookup("arn:aws:iam::aws:policy/NoSuchPolicy")
                .unwrap()
                .is_none()
        );
        assert!(!read_only.deprecated);
    }

    #[test]
    fn deprecated_policies_parse_are_found_by_name_and_are_not_current() {
        let current = catalog().unwrap();
        let deprecated = deprecated().unwrap();
        assert_eq!(deprecated.len(), 47);
        assert_eq!(deprecated_aws_managed_policy_count(), 47);
        for (name, policy) in deprecated {
            assert!(policy.deprecated);
            assert!(policy.version_id.starts_with('v'), "{name}");
            PolicyDocument::from_json(&policy.document, PolicyKind::Identity)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let arn = format!("arn:aws:iam::aws:policy/{name}");
            assert!(!current.contains_key(&arn), "{name} is current too");
        }
        for arn in [
            "arn:aws:iam::aws:policy/AWSLambdaFullAccess",
            "arn:aws:iam::aws:policy/service-role/AWS_Config_Role",
            "arn:aws:iam::aws:policy/service-role/AmazonEC2SpotFleetRole",
        ] {
            let policy = lookup(arn).unwrap().unwrap_or_else(|| panic!("{arn}"));
            assert!(policy.deprecated, "{arn}");
        }
        // Only AWS's own policies are looked up by name.
        assert!(
            lookup("arn:aws:iam::111122223333:policy/AWSLambdaFullAccess")
                .unwrap()
                .is_none()
        );
    }
}
