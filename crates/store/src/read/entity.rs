//! `accounts/ACCOUNT/{users,groups,roles}/[PATH/]NAME.json`: one IAM user,
//! group or role in the store's own format.
//!
//! ```json
//! {
//!   "Description": "free text",
//!   "Groups": ["developers"],
//!   "InlinePolicies": {"s3-read": {"Version": "2012-10-17", "Statement": []}},
//!   "AttachedManagedPolicies": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
//!   "PermissionsBoundary": "arn:aws:iam::111122223333:policy/boundary",
//!   "Tags": {"team": "data"},
//!   "TrustPolicy": {"Version": "2012-10-17", "Statement": []}
//! }
//! ```
//!
//! `Groups` is for users only; `TrustPolicy` is for roles only, and required
//! there; groups have no boundary and no tags.

use serde_json::Value;
use tollgate_policy::{JsonPath, PolicyKind};

use crate::document::{Encoding, read_policy};
use crate::error::FaultKind;
use crate::json::{Fields, Reader, UnknownFields};
use crate::layout::EntityKind;
use crate::model::{Entity, NameRef, Origin, PolicyRef, PolicyRole};
use crate::read::{Loader, check_name};

const USER_FIELDS: &[&str] = &[
    "Description",
    "Groups",
    "InlinePolicies",
    "AttachedManagedPolicies",
    "PermissionsBoundary",
    "Tags",
];
const GROUP_FIELDS: &[&str] = &["Description", "InlinePolicies", "AttachedManagedPolicies"];
const ROLE_FIELDS: &[&str] = &[
    "Description",
    "TrustPolicy",
    "InlinePolicies",
    "AttachedManagedPolicies",
    "PermissionsBoundary",
    "Tags",
];

impl Loader {
    pub(crate) fn read_entity(
        &mut self,
        file: &str,
        value: &Value,
        account: &str,
        kind: EntityKind,
        iam_path: &str,
        name: &str,
    ) {
        let root = JsonPath::root();
        let limits = self.limits;
        let mut reader = Reader::new(file, &mut self.diag);
        if !check_name(&mut reader, name, &root, kind.noun()) {
            return;
        }
        if !tollgate_policy::names::is_iam_path(iam_path) {
            reader.fault(
                &root,
                FaultKind::Invalid(format!(
                    "the folders `{iam_path}` are not an IAM path: printable ASCII, at most 512 bytes"
                )),
            );
            return;
        }
        let known = match kind {
            EntityKind::User => USER_FIELDS,
            EntityKind::Group => GROUP_FIELDS,
            EntityKind::Role => ROLE_FIELDS,
        };
        let Some(fields) = reader.fields(value, &root, known, UnknownFields::Reject) else {
            return;
        };
        if let Some((v, path)) = fields.get("Description") {
            reader.string(v, &path);
        }
        let model = &mut self.model;
        let mut entity = Entity {
            origin: Some(Origin::new(file, root.clone())),
            path: iam_path.to_owned(),
            inline: Vec::new(),
            attached: policy_refs(&mut reader, &fields, "AttachedManagedPolicies"),
            groups: reader
                .strings(&fields, "Groups")
                .into_iter()
                .map(|(group, path)| NameRef {
                    name: group.to_owned(),
                    origin: Origin::new(file, path),
                })
                .collect(),
            boundary: reader
                .optional_string(&fields, "PermissionsBoundary")
                .map(|(arn, path)| PolicyRef {
                    arn: arn.to_owned(),
                    origin: Origin::new(file, path),
                }),
            tags: tags(&mut reader, &fields),
            trust: None,
        };
        if let Some((policies, path)) = fields.get("InlinePolicies")
            && let Some(map) = reader.map(policies, &path)
        {
            for (policy_name, document) in map {
                let policy_path = path.key(policy_name);
                if !check_name(&mut reader, policy_name, &policy_path, "policy") {
                    continue;
                }
                if let Some(document) = read_policy(
                    &mut reader,
                    document,
                    &policy_path,
                    PolicyKind::Identity,
                    Encoding::Object,
                    &limits,
                ) {
                    entity.inline.push(model.add_policy(
                        format!("{file}#InlinePolicies/{policy_name}"),
                        Origin::new(file, policy_path),
                        PolicyRole::Embedded,
                        document,
                    ));
                }
            }
        }
        if kind == EntityKind::Role
            && let Some((document, path)) = reader.required(&fields, "TrustPolicy")
            && let Some(document) = read_policy(
                &mut reader,
                document,
                &path,
                PolicyKind::Resource,
                Encoding::Object,
                &limits,
            )
        {
            entity.trust = Some(model.add_policy(
                format!("{file}#TrustPolicy"),
                Origin::new(file, path),
                PolicyRole::Embedded,
                document,
            ));
        }
        let origin = Origin::new(file, root);
        self.add_entity(account, kind, name, entity, &origin);
    }
}

/// A list of managed policy ARNs.
fn policy_refs(reader: &mut Reader<'_>, fields: &Fields<'_>, name: &'static str) -> Vec<PolicyRef> {
    let file = reader.file;
    reader
        .strings(fields, name)
        .into_iter()
        .map(|(arn, path)| PolicyRef {
            arn: arn.to_owned(),
            origin: Origin::new(file, path),
        })
        .collect()
}

/// `Tags`: an object of string values, sorted by key (whatever order the
/// JSON object had).
fn tags(reader: &mut Reader<'_>, fields: &Fields<'_>) -> Vec<(String, String)> {
    let Some((value, path)) = fields.get("Tags") else {
        return Vec::new();
    };
    let Some(map) = reader.map(value, &path) else {
        return Vec::new();
    };
    let mut tags = Vec::with_capacity(map.len());
    for (key, value) in map {
        let tag_path = path.key(key);
        if key.is_empty() {
            reader.fault(
                &tag_path,
                FaultKind::Invalid("a tag key must not be empty".into()),
            );
            continue;
        }
        if let Some(value) = reader.string(value, &tag_path) {
            tags.push((key.clone(), value.to_owned()));
        }
    }
    tags.sort_unstable();
    tags
}
