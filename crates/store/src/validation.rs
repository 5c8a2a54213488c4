//! The service-catalog validation of the store's own policy documents
//! (`tollgate_catalog::validate`), as store warnings placed in their files.
//! AWS managed policies from the built-in catalog are not checked: they are
//! not the store author's to fix.

use tollgate_policy::{PolicyDocument, PolicyKind};

use crate::error::StoreWarning;
use crate::model::{LoadedPolicy, Origin, PolicyRole};

/// The kind a loaded document was parsed as: resource policies and RCPs
/// name principals, identity policies and SCPs do not.
fn kind_of(role: PolicyRole, document: &PolicyDocument) -> PolicyKind {
    let names_principals = document.statements.iter().any(|s| s.principal.is_some());
    match (role, names_principals) {
        (PolicyRole::Control, true) => PolicyKind::ResourceControl,
        (PolicyRole::Control, false) => PolicyKind::ServiceControl,
        (_, true) => PolicyKind::Resource,
        (_, false) => PolicyKind::Identity,
    }
}

/// The catalog findings of the documents still parsed (the others were
/// validated when they were compiled, [`crate::eager`]).
pub(crate) fn catalog_warnings(policies: &[LoadedPolicy]) -> Vec<StoreWarning> {
    policies
        .iter()
        .filter_map(|p| Some(document_warnings(&p.origin, p.role, p.body.document()?)))
        .flatten()
        .collect()
}

/// The catalog findings of one document, placed in its file; none for AWS
/// managed policies from the built-in catalog.
pub(crate) fn document_warnings(
    origin: &Origin,
    role: PolicyRole,
    document: &PolicyDocument,
) -> Vec<StoreWarning> {
    let file = &origin.file;
    if file.starts_with("arn:") {
        return Vec::new();
    }
    let base = if origin.path.is_root() {
        None
    } else {
        Some(origin.path.to_string())
    };
    tollgate_catalog::validate(document, kind_of(role, document))
        .into_iter()
        .map(|finding| StoreWarning {
            file: file.clone(),
            path: match &base {
                Some(base) => format!("{base}.{}", finding.path),
                None => finding.path,
            },
            message: finding.message,
        })
        .collect()
}
