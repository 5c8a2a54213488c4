//! The service-catalog validation of the store's own policy documents
//! (`tollgate_catalog::validate`), as store warnings placed in their files.
//! AWS managed policies from the built-in catalog are not checked: they are
//! not the store author's to fix.

use tollgate_policy::PolicyKind;

use crate::error::StoreWarning;
use crate::model::{LoadedPolicy, PolicyRole};

/// The kind a loaded document was parsed as: resource policies and RCPs
/// name principals, identity policies and SCPs do not.
fn kind_of(policy: &LoadedPolicy) -> PolicyKind {
    let names_principals = policy
        .document
        .statements
        .iter()
        .any(|s| s.principal.is_some());
    match (policy.role, names_principals) {
        (PolicyRole::Control, true) => PolicyKind::ResourceControl,
        (PolicyRole::Control, false) => PolicyKind::ServiceControl,
        (_, true) => PolicyKind::Resource,
        (_, false) => PolicyKind::Identity,
    }
}

/// The catalog findings of every store-authored document, sorted.
pub(crate) fn catalog_warnings(policies: &[LoadedPolicy]) -> Vec<StoreWarning> {
    let mut warnings = Vec::new();
    for policy in policies {
        let file = &policy.origin.file;
        if file.starts_with("arn:") {
            continue;
        }
        let base = if policy.origin.path.is_root() {
            None
        } else {
            Some(policy.origin.path.to_string())
        };
        for finding in tollgate_catalog::validate(&policy.document, kind_of(policy)) {
            warnings.push(StoreWarning {
                file: file.clone(),
                path: match &base {
                    Some(base) => format!("{base}.{}", finding.path),
                    None => finding.path,
                },
                message: finding.message,
            });
        }
    }
    warnings
}
