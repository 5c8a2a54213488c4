//! `organization/organization.json`: the organization tree (root, nested
//! OUs, accounts) and the SCPs and RCPs attached at each level, by name.
//!
//! ```json
//! {
//!   "Id": "o-a1b2c3d4e5",
//!   "ManagementAccountId": "999988887777",
//!   "Root": {
//!     "Id": "r-a1b2",
//!     "ServiceControlPolicies": ["FullAWSAccess", "deny-leave"],
//!     "ResourceControlPolicies": ["deny-outside-org"],
//!     "OrganizationalUnits": [
//!       {"Name": "prod", "Id": "ou-a1b2-11111111",
//!        "Accounts": [{"Id": "111122223333", "Name": "shop"}]}
//!     ],
//!     "Accounts": [{"Id": "999988887777"}]
//!   }
//! }
//! ```
//!
//! A level without `ServiceControlPolicies` has `FullAWSAccess`, as AWS
//! attaches it to every new root, OU and account; an empty list is taken as
//! written (nothing is allowed below it) and warned about.

use std::collections::BTreeMap;

use serde_json::Value;
use tollgate_policy::JsonPath;
use tollgate_policy::arn::is_account_id;

use crate::builtin::FULL_AWS_ACCESS;
use crate::error::FaultKind;
use crate::json::{Fields, Reader, UnknownFields};
use crate::model::{NameRef, OrgLevel, OrgUnit, Organization, Origin};
use crate::read::Loader;

/// Deepest OU nesting accepted (AWS allows five levels).
const MAX_DEPTH: usize = 16;

const UNIT_FIELDS: &[&str] = &[
    "Name",
    "Id",
    "ServiceControlPolicies",
    "ResourceControlPolicies",
    "OrganizationalUnits",
    "Accounts",
];
const ROOT_FIELDS: &[&str] = &[
    "Id",
    "ServiceControlPolicies",
    "ResourceControlPolicies",
    "OrganizationalUnits",
    "Accounts",
];
const ACCOUNT_FIELDS: &[&str] = &[
    "Id",
    "Name",
    "ServiceControlPolicies",
    "ResourceControlPolicies",
];

/// Reads the tree, remembering where each account was placed.
struct TreeReader<'a> {
    reader: Reader<'a>,
    placed: BTreeMap<String, JsonPath>,
}

impl Loader {
    pub(crate) fn read_organization(&mut self, file: &str, value: &Value) {
        let root = JsonPath::root();
        let mut tree = TreeReader {
            reader: Reader::new(file, &mut self.diag),
            placed: BTreeMap::new(),
        };
        let Some(fields) = tree.reader.fields(
            value,
            &root,
            &["Id", "ManagementAccountId", "Root"],
            UnknownFields::Reject,
        ) else {
            return;
        };
        let id = tree.id(&fields, "o-");
        let management = tree
            .reader
            .optional_string(&fields, "ManagementAccountId")
            .filter(|(id, path)| tree.account_id(id, path));
        let Some((root_value, root_path)) = tree.reader.required(&fields, "Root") else {
            return;
        };
        let Some(root_unit) = tree.unit(root_value, &root_path, ROOT_FIELDS, 0) else {
            return;
        };
        if let Some((management, path)) = &management
            && !tree.placed.contains_key(*management)
        {
            tree.reader.fault(
                path,
                FaultKind::Invalid(format!(
                    "management account `{management}` is not placed in the tree under `Root`"
                )),
            );
        }
        let management_account = management.map(|(m, _)| m.to_owned());
        let placed: Vec<String> = tree.placed.keys().cloned().collect();
        for account in placed {
            self.model.account(&account);
        }
        self.model.organization = Some(Organization {
            id,
            management_account,
            root: root_unit,
        });
    }
}

impl TreeReader<'_> {
    /// An optional `Id` that must start with `prefix`.
    fn id(&mut self, fields: &Fields<'_>, prefix: &str) -> Option<String> {
        let (id, path) = self.reader.optional_string(fields, "Id")?;
        let body = id.strip_prefix(prefix).unwrap_or_default();
        let valid = !body.is_empty()
            && body
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid {
            self.reader.fault(
                &path,
                FaultKind::Invalid(format!(
                    "`{id}` is not an id of the form `{prefix}...` (lowercase letters and digits)"
                )),
            );
            return None;
        }
        Some(id.to_owned())
    }

    fn account_id(&mut self, id: &str, path: &JsonPath) -> bool {
        if is_account_id(id) {
            return true;
        }
        self.reader.fault(
            path,
            FaultKind::Invalid(format!("`{id}` is not a 12-digit account id")),
        );
        false
    }

    /// The SCP and RCP names attached at a level.
    fn level(&mut self, fields: &Fields<'_>, id: Option<String>) -> OrgLevel {
        let file = self.reader.file;
        let names = |reader: &mut Reader<'_>, field| {
            reader
                .strings(fields, field)
                .into_iter()
                .map(|(name, path)| NameRef {
                    name: name.to_owned(),
                    origin: Origin::new(file, path),
                })
                .collect::<Vec<_>>()
        };
        let scps = match fields.get("ServiceControlPolicies") {
            None => vec![NameRef {
                name: FULL_AWS_ACCESS.to_owned(),
                origin: Origin::new(file, fields.path.clone()),
            }],
            Some((_, path)) => {
                let scps = names(&mut self.reader, "ServiceControlPolicies");
                if scps.is_empty() {
                    self.reader.warn(
                        &path,
                        "no SCP is attached here: every request of the principals below is implicitly denied (AWS requires at least one SCP per level)",
                    );
                }
                scps
            }
        };
        OrgLevel {
            id,
            scps,
            rcps: names(&mut self.reader, "ResourceControlPolicies"),
        }
    }

    fn unit(
        &mut self,
        value: &Value,
        path: &JsonPath,
        known: &[&str],
        depth: usize,
    ) -> Option<OrgUnit> {
        if depth > MAX_DEPTH {
            self.reader.fault(
                path,
                FaultKind::Limit(format!("OUs nest deeper than {MAX_DEPTH} levels")),
            );
            return None;
        }
        let fields = self
            .reader
            .fields(value, path, known, UnknownFields::Reject)?;
        let (id, name) = if depth == 0 {
            (self.id(&fields, "r-"), None)
        } else {
            let name = self
                .reader
                .required_string(&fields, "Name")
                .map(|(name, _)| name.to_owned());
            (self.id(&fields, "ou-"), name)
        };
        let level = self.level(&fields, id);
        let mut unit = OrgUnit {
            level,
            name,
            units: Vec::new(),
            accounts: Vec::new(),
        };
        for (child, child_path) in self.reader.items(&fields, "OrganizationalUnits") {
            if let Some(child) = self.unit(child, &child_path, UNIT_FIELDS, depth + 1) {
                unit.units.push(child);
            }
        }
        for (account, account_path) in self.reader.items(&fields, "Accounts") {
            if let Some(account) = self.account(account, &account_path) {
                unit.accounts.push(account);
            }
        }
        Some(unit)
    }

    fn account(&mut self, value: &Value, path: &JsonPath) -> Option<OrgLevel> {
        let fields = self
            .reader
            .fields(value, path, ACCOUNT_FIELDS, UnknownFields::Reject)?;
        if let Some((v, name_path)) = fields.get("Name") {
            self.reader.string(v, &name_path);
        }
        let (id, id_path) = self.reader.required_string(&fields, "Id")?;
        if !self.account_id(id, &id_path) {
            return None;
        }
        if let Some(first) = self.placed.get(id) {
            let message = format!("account `{id}` is already placed at {first}");
            self.reader.fault(&id_path, FaultKind::Duplicate(message));
            return None;
        }
        self.placed.insert(id.to_owned(), id_path);
        Some(self.level(&fields, Some(id.to_owned())))
    }
}
