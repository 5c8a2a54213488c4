//! The built-in catalog of AWS managed policies
//! (`tests/data/aws-managed-policies.json`, 1,594 policies), for managed
//! policy ARNs that the store itself does not hold. Embedded in the binary
//! and parsed once, on first use.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;
use serde_json::Value;

/// The catalog file, as embedded.
const CATALOG_JSON: &str = include_str!("../../../tests/data/aws-managed-policies.json");

/// Where the catalog comes from, for messages.
pub(crate) const CATALOG_SOURCE: &str = "tests/data/aws-managed-policies.json";

/// One AWS managed policy of the catalog.
#[derive(Debug)]
pub(crate) struct CatalogPolicy {
    /// The default version's id, such as `v3`.
    pub(crate) version_id: String,
    /// The default version's document.
    pub(crate) document: Value,
}

type Catalog = FxHashMap<String, CatalogPolicy>;

static CATALOG: OnceLock<Result<Catalog, String>> = OnceLock::new();

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

/// The AWS managed policy with this ARN, if the catalog has it.
pub(crate) fn lookup(arn: &str) -> Result<Option<&'static CatalogPolicy>, &'static str> {
    Ok(catalog()?.get(arn))
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
    }
}
