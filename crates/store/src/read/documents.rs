//! Files that hold one policy document: customer managed policies
//! (`accounts/ACCOUNT/policies/`), AWS managed policies (`aws-managed/`),
//! SCPs and RCPs (`organization/scps/`, `organization/rcps/`), and
//! resource-based policies (`accounts/ACCOUNT/resources/`, the only ones
//! wrapped, as `{"Arn": ..., "Policy": ...}`, because an ARN is no file name).

use serde_json::Value;
use tollgate_policy::arn::Arn;
use tollgate_policy::{JsonPath, PolicyKind};

use crate::document::{Encoding, read_policy};
use crate::error::FaultKind;
use crate::json::{Reader, UnknownFields};
use crate::layout::ControlKind;
use crate::model::{Origin, PolicyRole, ResourcePolicy};
use crate::read::{Loader, check_name};

impl Loader {
    /// Reads a whole file as a policy document of `kind`.
    fn read_document_file(
        &mut self,
        file: &str,
        value: &Value,
        kind: PolicyKind,
        name: Option<&str>,
        role: PolicyRole,
    ) -> Option<usize> {
        let root = JsonPath::root();
        let mut reader = Reader::new(file, &mut self.diag);
        if let Some(name) = name
            && !check_name(&mut reader, name, &root, "policy")
        {
            return None;
        }
        let document = read_policy(
            &mut reader,
            value,
            &root,
            kind,
            Encoding::Object,
            &self.limits,
        )?;
        Some(
            self.model
                .add_policy(file.to_owned(), Origin::new(file, root), role, document),
        )
    }

    pub(crate) fn read_managed_policy(
        &mut self,
        file: &str,
        value: &Value,
        account: &str,
        iam_path: &str,
        name: &str,
    ) {
        let Some(id) = self.read_document_file(
            file,
            value,
            PolicyKind::Identity,
            Some(name),
            PolicyRole::Managed,
        ) else {
            return;
        };
        let arn = format!("arn:aws:iam::{account}:policy{iam_path}{name}");
        let origin = Origin::new(file, JsonPath::root());
        let account = account.to_owned();
        self.add_managed(
            |model| &mut model.account(&account).managed,
            arn,
            id,
            &origin,
        );
    }

    pub(crate) fn read_aws_managed(
        &mut self,
        file: &str,
        value: &Value,
        iam_path: &str,
        name: &str,
    ) {
        let Some(id) = self.read_document_file(
            file,
            value,
            PolicyKind::Identity,
            Some(name),
            PolicyRole::Managed,
        ) else {
            return;
        };
        let arn = format!("arn:aws:iam::aws:policy{iam_path}{name}");
        let origin = Origin::new(file, JsonPath::root());
        self.add_managed(|model| &mut model.aws_managed, arn, id, &origin);
    }

    pub(crate) fn read_control_policy(
        &mut self,
        file: &str,
        value: &Value,
        kind: ControlKind,
        name: &str,
    ) {
        let policy_kind = match kind {
            ControlKind::Service => PolicyKind::ServiceControl,
            ControlKind::Resource => PolicyKind::ResourceControl,
        };
        let Some(id) = self.read_document_file(file, value, policy_kind, None, PolicyRole::Control)
        else {
            return;
        };
        let map = match kind {
            ControlKind::Service => &mut self.model.scps,
            ControlKind::Resource => &mut self.model.rcps,
        };
        map.insert(name.to_owned(), id);
    }

    pub(crate) fn read_resource(&mut self, file: &str, value: &Value, account: &str) {
        let root = JsonPath::root();
        let mut reader = Reader::new(file, &mut self.diag);
        let Some(fields) = reader.fields(
            value,
            &root,
            &["Arn", "Description", "Policy"],
            UnknownFields::Reject,
        ) else {
            return;
        };
        if let Some((v, path)) = fields.get("Description") {
            reader.string(v, &path);
        }
        let arn = reader
            .required_string(&fields, "Arn")
            .filter(|(arn, path)| check_resource_arn(&mut reader, arn, path, account));
        let document = reader.required(&fields, "Policy").and_then(|(v, path)| {
            read_policy(
                &mut reader,
                v,
                &path,
                PolicyKind::Resource,
                Encoding::Object,
                &self.limits,
            )
        });
        let (Some((arn, arn_path)), Some(document)) = (arn, document) else {
            return;
        };
        let id = self.model.add_policy(
            file.to_owned(),
            Origin::new(file, root.key("Policy")),
            PolicyRole::Embedded,
            document,
        );
        let resources = &mut self.model.account(account).resources;
        if resources.contains_key(arn) {
            self.diag.fault(
                file,
                &arn_path,
                FaultKind::Duplicate(format!(
                    "account `{account}` already has a resource policy for `{arn}`"
                )),
            );
            return;
        }
        resources.insert(arn.to_owned(), ResourcePolicy { policy: id });
    }
}

/// A resource ARN must be exact, belong to the folder's account (or name
/// none, as S3 ARNs do), and not be a role: trust policies live in `roles/`.
fn check_resource_arn(reader: &mut Reader<'_>, text: &str, path: &JsonPath, account: &str) -> bool {
    let mut fail = |message: String| {
        reader.fault(path, FaultKind::Invalid(message));
        false
    };
    let Some(arn) = Arn::parse(text) else {
        return fail(format!("`{text}` is not an ARN"));
    };
    if text.contains('*') || text.contains('?') {
        return fail(format!(
            "`{text}` has wildcards: a resource policy belongs to one resource"
        ));
    }
    if !arn.account.is_empty() && arn.account != account {
        return fail(format!(
            "`{text}` belongs to account `{}`, not to `{account}` whose folder holds this file",
            arn.account
        ));
    }
    if arn.service == "iam" && arn.resource.starts_with("role/") {
        return fail(format!(
            "`{text}` is a role: its trust policy is the role's `TrustPolicy`"
        ));
    }
    true
}
