//! The AWS managed policies shipped as test data
//! (`tests/data/aws-managed-policies.json`, 1,594 policies): a JSON object
//! from policy name to `{"arn", "versionId", "document"}`.
//!
//! Policies come back sorted by name. Each document parses as an identity
//! policy ([`PolicyKind::Identity`]); in a [`PolicySet`] each policy is
//! labelled with its name.

use std::path::PathBuf;

use serde_json::Value;
use tollgate_policy::{NamedPolicy, PolicyDocument, PolicyKind, PolicySet};

use crate::WorkloadError;

/// Where the managed policies are: `tests/data/aws-managed-policies.json` at
/// the workspace root.
pub fn managed_policies_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/aws-managed-policies.json")
}

/// Every managed policy as `(name, document)`, sorted by name; the documents
/// are the JSON values as stored.
pub fn managed_policies() -> Result<Vec<(String, Value)>, WorkloadError> {
    let path = managed_policies_path();
    let text = std::fs::read_to_string(&path).map_err(|source| WorkloadError::Io {
        path: path.display().to_string(),
        source,
    })?;
    managed_policies_from_str(&text)
}

/// Reads managed policies from text in the test data's format.
pub fn managed_policies_from_str(text: &str) -> Result<Vec<(String, Value)>, WorkloadError> {
    let value: Value = serde_json::from_str(text).map_err(WorkloadError::Json)?;
    let Value::Object(map) = value else {
        return Err(WorkloadError::Shape(
            "the top level is not an object".into(),
        ));
    };
    let mut out = Vec::with_capacity(map.len());
    for (name, entry) in map {
        let document = match entry {
            Value::Object(mut fields) => fields.remove("document"),
            _ => None,
        };
        let Some(document) = document else {
            return Err(WorkloadError::Shape(format!(
                "policy `{name}` has no `document`"
            )));
        };
        out.push((name, document));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Parses one managed policy document as an identity policy.
pub fn parse_managed(name: &str, document: &Value) -> Result<PolicyDocument, WorkloadError> {
    PolicyDocument::from_json(document, PolicyKind::Identity).map_err(|errors| {
        WorkloadError::Parse {
            policy: name.to_owned(),
            errors,
        }
    })
}

/// Every managed policy parsed, as `(name, document)`, sorted by name.
pub fn managed_policy_documents() -> Result<Vec<(String, PolicyDocument)>, WorkloadError> {
    managed_policies()?
        .into_iter()
        .map(|(name, value)| {
            let document = parse_managed(&name, &value)?;
            Ok((name, document))
        })
        .collect()
}

/// An identity-only policy set holding every managed policy, each labelled
/// with its name.
pub fn all_managed_policy_set() -> Result<PolicySet, WorkloadError> {
    let identity = managed_policy_documents()?
        .into_iter()
        .map(|(name, document)| NamedPolicy::new(name, document))
        .collect();
    Ok(PolicySet {
        identity,
        ..PolicySet::default()
    })
}

/// An identity-only policy set holding the named managed policies, in the
/// order given; fails when a name is not among them.
pub fn managed_policy_set(names: &[&str]) -> Result<PolicySet, WorkloadError> {
    let all = managed_policies()?;
    let mut identity = Vec::with_capacity(names.len());
    for name in names {
        let Ok(i) = all.binary_search_by(|(n, _)| n.as_str().cmp(name)) else {
            return Err(WorkloadError::Shape(format!(
                "no managed policy is named `{name}`"
            )));
        };
        let (name, value) = &all[i];
        identity.push(NamedPolicy::new(name.clone(), parse_managed(name, value)?));
    }
    Ok(PolicySet {
        identity,
        ..PolicySet::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_every_managed_policy() {
        let all = managed_policies().unwrap();
        assert_eq!(all.len(), 1594);
        assert!(all.windows(2).all(|w| w[0].0 < w[1].0));
        let set = all_managed_policy_set().unwrap();
        assert_eq!(set.identity.len(), 1594);
        assert!(set.statement_count() > 1594);
    }

    #[test]
    fn builds_sets_of_named_policies() {
        let set = managed_policy_set(&["ReadOnlyAccess", "AdministratorAccess"]).unwrap();
        assert_eq!(set.identity[0].label, "ReadOnlyAccess");
        assert_eq!(set.identity[1].label, "AdministratorAccess");
        assert!(managed_policy_set(&["NoSuchPolicy"]).is_err());
    }

    #[test]
    fn reports_malformed_data() {
        assert!(managed_policies_from_str("[]").is_err());
        assert!(managed_policies_from_str(r#"{"P": {"arn": "x"}}"#).is_err());
        let one = managed_policies_from_str(r#"{"P": {"document": {"Statement": []}}}"#).unwrap();
        assert_eq!(one[0].0, "P");
    }
}
