//! `accounts/ACCOUNT/*.json`: the output of `aws iam
//! get-account-authorization-details` (or of the `GetAccountAuthorizationDetails`
//! API), loaded as is. Several files (pages) may share one account.
//!
//! Policy documents may be URL-encoded text (as the API returns them) or
//! JSON objects (as the CLI prints them). Managed policies use their default
//! version only. Fields this reader does not use (`CreateDate`, `UserId`,
//! `InstanceProfileList`, `RoleLastUsed` ...) are accepted and ignored;
//! unknown fields inside entries are warned about (AWS adds fields over
//! time), unknown top-level keys are faults (the file is not what it seems);
//! boto3's `ResponseMetadata` is ignored. Every entry must belong to the
//! folder's account: `crate::import` splits exports of several accounts.

use serde_json::Value;
use tollgate_policy::arn::Arn;
use tollgate_policy::{JsonPath, PolicyKind};

use crate::document::{Encoding, read_policy};
use crate::error::FaultKind;
use crate::json::{Fields, Reader, UnknownFields};
use crate::layout::EntityKind;
use crate::model::{Entity, Model, NameRef, Origin, PolicyRef, PolicyRole};
use crate::read::{Loader, check_name};

const TOP: &[&str] = &[
    "UserDetailList",
    "GroupDetailList",
    "RoleDetailList",
    "Policies",
    "IsTruncated",
    "Marker",
    // boto3's response metadata (request id, HTTP headers): not IAM state.
    "ResponseMetadata",
];
const USER: &[&str] = &[
    "Path",
    "UserName",
    "UserId",
    "Arn",
    "CreateDate",
    "UserPolicyList",
    "GroupList",
    "AttachedManagedPolicies",
    "PermissionsBoundary",
    "Tags",
];
const GROUP: &[&str] = &[
    "Path",
    "GroupName",
    "GroupId",
    "Arn",
    "CreateDate",
    "GroupPolicyList",
    "AttachedManagedPolicies",
];
const ROLE: &[&str] = &[
    "Path",
    "RoleName",
    "RoleId",
    "Arn",
    "CreateDate",
    "AssumeRolePolicyDocument",
    "InstanceProfileList",
    "RolePolicyList",
    "AttachedManagedPolicies",
    "PermissionsBoundary",
    "Tags",
    "RoleLastUsed",
];
const POLICY: &[&str] = &[
    "PolicyName",
    "PolicyId",
    "Arn",
    "Path",
    "DefaultVersionId",
    "AttachmentCount",
    "PermissionsBoundaryUsageCount",
    "IsAttachable",
    "Description",
    "CreateDate",
    "UpdateDate",
    "PolicyVersionList",
];
const VERSION: &[&str] = &["Document", "VersionId", "IsDefaultVersion", "CreateDate"];

/// The parts that differ between users, groups and roles.
struct Shape {
    kind: EntityKind,
    list: &'static str,
    fields: &'static [&'static str],
    name: &'static str,
    inline: &'static str,
}

const SHAPES: [Shape; 3] = [
    Shape {
        kind: EntityKind::User,
        list: "UserDetailList",
        fields: USER,
        name: "UserName",
        inline: "UserPolicyList",
    },
    Shape {
        kind: EntityKind::Group,
        list: "GroupDetailList",
        fields: GROUP,
        name: "GroupName",
        inline: "GroupPolicyList",
    },
    Shape {
        kind: EntityKind::Role,
        list: "RoleDetailList",
        fields: ROLE,
        name: "RoleName",
        inline: "RolePolicyList",
    },
];

/// One file being read: the reader, the model and the account.
struct Details<'a> {
    reader: Reader<'a>,
    model: &'a mut Model,
    limits: &'a tollgate_policy::ParseLimits,
    account: &'a str,
}

impl Loader {
    pub(crate) fn read_auth_details(&mut self, file: &str, value: &Value, account: &str) {
        let root = JsonPath::root();
        let limits = self.limits;
        let mut details = Details {
            reader: Reader::new(file, &mut self.diag),
            model: &mut self.model,
            limits: &limits,
            account,
        };
        let Some(fields) = details
            .reader
            .fields(value, &root, TOP, UnknownFields::Reject)
        else {
            return;
        };
        if let Some((v, path)) = fields.get("IsTruncated")
            && *v == Value::Bool(true)
        {
            details.reader.warn(
                &path,
                "this page does not hold the whole account: add the other pages as more files",
            );
        }
        details.model.account(account);
        let mut entities = Vec::new();
        for shape in &SHAPES {
            for (entry, path) in details.reader.items(&fields, shape.list) {
                if let Some(found) = details.entity(shape, entry, &path) {
                    entities.push(found);
                }
            }
        }
        for (entry, path) in details.reader.items(&fields, "Policies") {
            details.managed_policy(entry, &path);
        }
        for (kind, name, entity, origin) in entities {
            self.add_entity(account, kind, &name, entity, &origin);
        }
    }
}

impl Details<'_> {
    fn file(&self) -> &str {
        self.reader.file
    }

    /// Checks that an `Arn` field names this account (or, for policies, AWS).
    fn check_arn(&mut self, fields: &Fields<'_>, allow_aws: bool) {
        let Some((arn, path)) = self.reader.optional_string(fields, "Arn") else {
            return;
        };
        let owner = Arn::parse(arn).map(|a| a.account);
        let fine = owner == Some(self.account) || (allow_aws && owner == Some("aws"));
        if !fine {
            self.reader.fault(
                &path,
                FaultKind::Invalid(format!(
                    "`{arn}` is not in account `{}` whose folder holds this file (an export of several accounts: `tollgate import` splits it by account)",
                    self.account
                )),
            );
        }
    }

    fn entity(
        &mut self,
        shape: &Shape,
        value: &Value,
        path: &JsonPath,
    ) -> Option<(EntityKind, String, Entity, Origin)> {
        let fields = self
            .reader
            .fields(value, path, shape.fields, UnknownFields::Warn)?;
        self.check_arn(&fields, false);
        let (name, name_path) = self.reader.required_string(&fields, shape.name)?;
        if !check_name(&mut self.reader, name, &name_path, shape.kind.noun()) {
            return None;
        }
        let file = self.file().to_owned();
        let iam_path = match self.reader.optional_string(&fields, "Path") {
            None => "/".to_owned(),
            Some((text, text_path)) => {
                if !tollgate_policy::names::is_iam_path(text) {
                    self.reader.fault(
                        &text_path,
                        FaultKind::Invalid(format!(
                            "{} is not an IAM path: `/` or `/.../` of printable ASCII, at most 512 bytes",
                            tollgate_policy::names::shown(text)
                        )),
                    );
                    return None;
                }
                text.to_owned()
            }
        };
        let mut entity = Entity {
            origin: Some(Origin::new(&file, path.clone())),
            path: iam_path,
            ..Entity::default()
        };
        for (entry, entry_path) in self.reader.items(&fields, shape.inline) {
            let label_prefix = format!("{file}#{}/{name}/{}", shape.list, shape.inline);
            if let Some(id) = self.inline_policy(entry, &entry_path, &label_prefix) {
                entity.inline.push(id);
            }
        }
        for (entry, entry_path) in self.reader.items(&fields, "AttachedManagedPolicies") {
            let Some(attached) = self.reader.fields(
                entry,
                &entry_path,
                &["PolicyName", "PolicyArn"],
                UnknownFields::Warn,
            ) else {
                continue;
            };
            if let Some((arn, arn_path)) = self.reader.required_string(&attached, "PolicyArn") {
                entity.attached.push(PolicyRef {
                    arn: arn.to_owned(),
                    origin: Origin::new(&file, arn_path),
                });
            }
        }
        if shape.kind == EntityKind::User {
            entity.groups = self
                .reader
                .strings(&fields, "GroupList")
                .into_iter()
                .map(|(group, group_path)| NameRef {
                    name: group.to_owned(),
                    origin: Origin::new(&file, group_path),
                })
                .collect();
        }
        if let Some((value, boundary_path)) = fields.get("PermissionsBoundary")
            && let Some(boundary) = self.reader.fields(
                value,
                &boundary_path,
                &["PermissionsBoundaryType", "PermissionsBoundaryArn"],
                UnknownFields::Warn,
            )
            && let Some((arn, arn_path)) = self
                .reader
                .required_string(&boundary, "PermissionsBoundaryArn")
        {
            entity.boundary = Some(PolicyRef {
                arn: arn.to_owned(),
                origin: Origin::new(&file, arn_path),
            });
        }
        entity.tags = self.tags(&fields);
        if shape.kind == EntityKind::Role
            && let Some((document, document_path)) =
                self.reader.required(&fields, "AssumeRolePolicyDocument")
            && let Some(document) = read_policy(
                &mut self.reader,
                document,
                &document_path,
                PolicyKind::Resource,
                Encoding::ObjectOrText,
                self.limits,
            )
        {
            entity.trust = Some(self.model.add_policy(
                format!("{file}#{}/{name}/AssumeRolePolicyDocument", shape.list),
                Origin::new(&file, document_path),
                PolicyRole::Embedded,
                document,
            ));
        }
        Some((
            shape.kind,
            name.to_owned(),
            entity,
            Origin::new(&file, path.clone()),
        ))
    }

    /// `{"PolicyName": ..., "PolicyDocument": ...}` of an inline policy list.
    fn inline_policy(
        &mut self,
        value: &Value,
        path: &JsonPath,
        label_prefix: &str,
    ) -> Option<usize> {
        let fields = self.reader.fields(
            value,
            path,
            &["PolicyName", "PolicyDocument"],
            UnknownFields::Warn,
        )?;
        let name = self.reader.required_string(&fields, "PolicyName");
        let (document, document_path) = self.reader.required(&fields, "PolicyDocument")?;
        let document = read_policy(
            &mut self.reader,
            document,
            &document_path,
            PolicyKind::Identity,
            Encoding::ObjectOrText,
            self.limits,
        )?;
        let (name, _) = name?;
        let file = self.file().to_owned();
        Some(self.model.add_policy(
            format!("{label_prefix}/{name}"),
            Origin::new(&file, document_path),
            PolicyRole::Embedded,
            document,
        ))
    }

    /// `Tags`: a list of `{"Key": ..., "Value": ...}`.
    fn tags(&mut self, fields: &Fields<'_>) -> Vec<(String, String)> {
        let mut tags = Vec::new();
        for (entry, path) in self.reader.items(fields, "Tags") {
            let Some(tag) =
                self.reader
                    .fields(entry, &path, &["Key", "Value"], UnknownFields::Warn)
            else {
                continue;
            };
            let key = self.reader.required_string(&tag, "Key");
            let value = self.reader.required_string(&tag, "Value");
            if let (Some((key, _)), Some((value, _))) = (key, value) {
                tags.push((key.to_owned(), value.to_owned()));
            }
        }
        tags
    }

    /// One entry of `Policies`: a managed policy with its versions.
    fn managed_policy(&mut self, value: &Value, path: &JsonPath) {
        let Some(fields) = self.reader.fields(value, path, POLICY, UnknownFields::Warn) else {
            return;
        };
        self.check_arn(&fields, true);
        let Some((arn, arn_path)) = self.reader.required_string(&fields, "Arn") else {
            return;
        };
        let name = self
            .reader
            .required_string(&fields, "PolicyName")
            .map(|(n, _)| n);
        let default_id = self
            .reader
            .optional_string(&fields, "DefaultVersionId")
            .map(|(v, _)| v);
        let Some((document, document_path)) = self.default_version(&fields, default_id) else {
            return;
        };
        let Some(document) = read_policy(
            &mut self.reader,
            document,
            &document_path,
            PolicyKind::Identity,
            Encoding::ObjectOrText,
            self.limits,
        ) else {
            return;
        };
        let file = self.file().to_owned();
        let label = format!("{file}#Policies/{}", name.unwrap_or(arn));
        let id = self.model.add_policy(
            label,
            Origin::new(&file, document_path),
            PolicyRole::Managed,
            document,
        );
        let aws = Arn::parse(arn).is_some_and(|a| a.account == "aws");
        let account = self.model.account(self.account);
        let map = if aws {
            &mut account.aws_managed
        } else {
            &mut account.managed
        };
        if map.contains_key(arn) {
            self.reader.fault(
                &arn_path,
                FaultKind::Duplicate(format!(
                    "managed policy `{arn}` is listed twice for account `{}`",
                    self.account
                )),
            );
            return;
        }
        map.insert(arn.to_owned(), id);
    }

    /// The document of the default version: the one `DefaultVersionId`
    /// names, or the one marked `IsDefaultVersion`.
    fn default_version<'v>(
        &mut self,
        fields: &Fields<'v>,
        default_id: Option<&str>,
    ) -> Option<(&'v Value, JsonPath)> {
        let list_path = fields.path.key("PolicyVersionList");
        let mut chosen = None;
        let mut found = false;
        for (entry, path) in self.reader.items(fields, "PolicyVersionList") {
            let Some(version) = self
                .reader
                .fields(entry, &path, VERSION, UnknownFields::Warn)
            else {
                continue;
            };
            let id = self
                .reader
                .optional_string(&version, "VersionId")
                .map(|(v, _)| v);
            let marked = version
                .get("IsDefaultVersion")
                .is_some_and(|(v, _)| *v == Value::Bool(true));
            let named = default_id.is_some() && id == default_id;
            if marked && default_id.is_some() && !named {
                self.reader.fault(
                    &path,
                    FaultKind::Invalid(format!(
                        "this version is marked default but `DefaultVersionId` is `{}`",
                        default_id.unwrap_or_default()
                    )),
                );
            }
            if (named || (marked && default_id.is_none())) && !found {
                found = true;
                chosen = self.reader.required(&version, "Document");
            }
        }
        if !found {
            self.reader.fault(
                &list_path,
                FaultKind::Invalid(match default_id {
                    Some(id) => format!("no policy version has the default id `{id}`"),
                    None => "no policy version is marked `IsDefaultVersion`".into(),
                }),
            );
        }
        chosen
    }
}
