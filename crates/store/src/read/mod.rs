//! Reading the store's files into a [`Model`]: each file is placed by its
//! path ([`crate::layout`]) and read by the reader for its kind. Every
//! fault of every file is recorded; nothing stops at the first.

mod auth_details;
mod documents;
mod entity;
mod organization;

use std::collections::BTreeMap;

use serde_json::Value;
use tollgate_policy::{JsonPath, ParseLimits};

use crate::eager::CompileSink;
use crate::error::{Diagnostics, FaultKind};
use crate::json::Reader;
use crate::layout::{EntityKind, FileRole, classify};
use crate::limits::StoreLimits;
use crate::model::{Entity, Model, Origin, broken_key};

/// The file name used in faults about the store as a whole.
pub(crate) const STORE_ROOT: &str = ".";

/// Reads every file; the model is complete only when no fault was recorded.
/// Each file's bytes are dropped once it is read, so the raw files and the
/// parsed documents are not all held at once.
pub(crate) fn read_files(
    files: BTreeMap<String, Vec<u8>>,
    limits: &StoreLimits,
) -> (Model, Diagnostics) {
    read(files, limits, None)
}

/// Reads every file as [`read_files`] does, compiling each document that
/// forms a group of its own as soon as it is parsed ([`crate::eager`]): the
/// model holds its group instead of its parsed form.
pub(crate) fn read_files_compiling(
    files: BTreeMap<String, Vec<u8>>,
    limits: &StoreLimits,
) -> (Model, Diagnostics) {
    read(files, limits, Some(CompileSink::new(limits.compiler)))
}

fn read(
    files: BTreeMap<String, Vec<u8>>,
    limits: &StoreLimits,
    sink: Option<CompileSink>,
) -> (Model, Diagnostics) {
    let mut loader = Loader {
        model: Model {
            sink,
            ..Model::default()
        },
        diag: Diagnostics::default(),
        limits: limits.parse,
    };
    if !loader.check_sizes(&files, limits) {
        return (loader.model, loader.diag);
    }
    for (path, bytes) in files {
        loader.read_file(&path, &bytes);
    }
    (loader.model, loader.diag)
}

/// The model being built and the faults found so far.
pub(crate) struct Loader {
    pub(crate) model: Model,
    pub(crate) diag: Diagnostics,
    pub(crate) limits: ParseLimits,
}

impl Loader {
    /// Checks the file count and sizes; false when the store is too big to read.
    fn check_sizes(&mut self, files: &BTreeMap<String, Vec<u8>>, limits: &StoreLimits) -> bool {
        let root = JsonPath::root();
        if files.len() > limits.max_files {
            self.diag.fault(
                STORE_ROOT,
                &root,
                FaultKind::Limit(format!(
                    "the store has {} files, more than the limit of {}",
                    files.len(),
                    limits.max_files
                )),
            );
            return false;
        }
        let mut total = 0usize;
        let mut fits = true;
        for (path, bytes) in files {
            total = total.saturating_add(bytes.len());
            if bytes.len() > limits.max_file_bytes {
                self.diag.fault(
                    path,
                    &root,
                    FaultKind::Limit(format!(
                        "the file has {} bytes, more than the limit of {}",
                        bytes.len(),
                        limits.max_file_bytes
                    )),
                );
                fits = false;
            }
        }
        if total > limits.max_total_bytes {
            self.diag.fault(
                STORE_ROOT,
                &root,
                FaultKind::Limit(format!(
                    "the store has {total} bytes, more than the limit of {}",
                    limits.max_total_bytes
                )),
            );
            fits = false;
        }
        fits
    }

    fn read_file(&mut self, path: &str, bytes: &[u8]) {
        let role = match classify(path) {
            Ok(role) => role,
            Err(hint) => {
                self.diag
                    .fault(path, &JsonPath::root(), FaultKind::UnexpectedFile(hint));
                return;
            }
        };
        if role == FileRole::Ignored {
            return;
        }
        let before = self.diag.faults.len();
        if let Some(value) = Reader::new(path, &mut self.diag).parse(bytes) {
            self.read_value(path, &value, &role);
        }
        if self.diag.faults.len() > before
            && let Some(key) = defines(&role)
        {
            self.model.broken.insert(key);
        }
    }

    fn read_value(&mut self, path: &str, value: &Value, role: &FileRole<'_>) {
        match role {
            FileRole::Ignored => {}
            FileRole::Organization => self.read_organization(path, value),
            FileRole::ControlPolicy { kind, name } => {
                self.read_control_policy(path, value, *kind, name)
            }
            FileRole::AwsManaged { iam_path, name } => {
                self.read_aws_managed(path, value, iam_path, name)
            }
            FileRole::AuthDetails { account } => self.read_auth_details(path, value, account),
            FileRole::Entity {
                account,
                kind,
                iam_path,
                name,
            } => self.read_entity(path, value, account, *kind, iam_path, name),
            FileRole::ManagedPolicy {
                account,
                iam_path,
                name,
            } => self.read_managed_policy(path, value, account, iam_path, name),
            FileRole::Resource { account } => self.read_resource(path, value, account),
        }
    }

    /// Adds a user, group or role, unless the account already has one of
    /// that kind and name.
    pub(crate) fn add_entity(
        &mut self,
        account: &str,
        kind: EntityKind,
        name: &str,
        entity: Entity,
        origin: &Origin,
    ) {
        let account_model = self.model.account(account);
        let map = match kind {
            EntityKind::User => &mut account_model.users,
            EntityKind::Group => &mut account_model.groups,
            EntityKind::Role => &mut account_model.roles,
        };
        if let Some(first) = map.get(name).and_then(|e| e.origin.as_ref()) {
            let message = format!(
                "{} `{name}` is already defined in `{}` at {}",
                kind.noun(),
                first.file,
                first.path
            );
            self.diag
                .fault(&origin.file, &origin.path, FaultKind::Duplicate(message));
            return;
        }
        map.insert(name.to_owned(), entity);
    }

    /// Adds a managed policy by ARN to `map` (chosen by `select`), unless it
    /// is already there.
    pub(crate) fn add_managed(
        &mut self,
        select: impl Fn(&mut Model) -> &mut BTreeMap<String, usize>,
        arn: String,
        id: usize,
        origin: &Origin,
    ) {
        let existing = select(&mut self.model).get(&arn).copied();
        if let Some(first) = existing {
            let message = match self.model.policies.get(first) {
                Some(first) => format!(
                    "managed policy `{arn}` is already defined in `{}` at {}",
                    first.origin.file, first.origin.path
                ),
                None => format!("managed policy `{arn}` is already defined"),
            };
            self.diag
                .fault(&origin.file, &origin.path, FaultKind::Duplicate(message));
            return;
        }
        select(&mut self.model).insert(arn, id);
    }
}

/// What a file defines that others refer to, as a [`broken_key`].
fn defines(role: &FileRole<'_>) -> Option<String> {
    match role {
        FileRole::Entity {
            account,
            kind: EntityKind::Group,
            name,
            ..
        } => Some(broken_key("group", account, name)),
        FileRole::ManagedPolicy {
            account,
            iam_path,
            name,
        } => Some(format!("arn:aws:iam::{account}:policy{iam_path}{name}")),
        FileRole::AwsManaged { iam_path, name } => {
            Some(format!("arn:aws:iam::aws:policy{iam_path}{name}"))
        }
        FileRole::ControlPolicy { kind, name } => Some(broken_key(kind.noun(), "", name)),
        FileRole::AuthDetails { account } => Some(broken_key("details", account, "")),
        _ => None,
    }
}

/// True when `name` is a valid IAM name; records a fault otherwise.
pub(crate) fn check_name(reader: &mut Reader<'_>, name: &str, path: &JsonPath, what: &str) -> bool {
    if crate::layout::is_iam_name(name) {
        return true;
    }
    reader.fault(
        path,
        FaultKind::Invalid(format!(
            "`{name}` is not a valid {what} name: use letters, digits and `+=,.@_-`"
        )),
    );
    false
}

#[cfg(test)]
mod tests;
