//! The [`Store`]: loading (from a folder or from a map of files), and what
//! a loaded store reports about itself (revision, warnings, sizes).

use std::collections::BTreeMap;
use std::path::Path;

use tollgate_compiler::Tables;

use crate::compile::{Index, compile};
use crate::error::{Diagnostics, StoreError, StoreFaults, StoreWarning};
use crate::limits::StoreLimits;
use crate::model::Model;
use crate::read::read_files_compiling;
use crate::resolve::resolve;
use crate::revision::revision;

/// One AWS account's or organization's IAM state, compiled into one
/// [`Tables`] with a group per identity or boundary policy (shared by the
/// principals that have it), organization level and resource policy.
/// Immutable, `Send + Sync`; a reload builds a new store.
#[derive(Debug)]
pub struct Store {
    pub(crate) tables: Tables,
    pub(crate) index: Index,
    revision: String,
    warnings: Vec<StoreWarning>,
    stats: StoreStats,
}

/// Sizes of a loaded store, for status reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreStats {
    /// Accounts: account folders and accounts of the organization tree.
    pub accounts: usize,
    /// IAM users and roles.
    pub principals: usize,
    /// Distinct policy documents loaded: inline, managed (customer and AWS),
    /// trust, resource, SCP and RCP policies, each once.
    pub policies: usize,
    /// Statements compiled into the tables (a policy in several groups
    /// counts each time; a document nothing refers to is compiled too, as
    /// it is read before anything names it).
    pub statements: usize,
    /// Resource-based policies, role trust policies included.
    pub resource_policies: usize,
    /// Groups compiled.
    pub groups: usize,
}

impl Store {
    /// Loads the store in folder `path` with the default limits.
    pub fn load_dir(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        Self::load_dir_with_limits(path, &StoreLimits::default())
    }

    /// Loads the store in folder `path`: reads every file (skipping hidden
    /// ones, whose name starts with `.`), then [`Store::from_files_with_limits`].
    pub fn load_dir_with_limits(
        path: impl AsRef<Path>,
        limits: &StoreLimits,
    ) -> Result<Store, StoreError> {
        let files = Self::read_dir_files(path, limits)?;
        Self::from_files_with_limits(files, limits)
    }

    /// Reads the files of the store folder `path` as [`Store::load_dir`]
    /// does, without loading them: every regular file below it by
    /// `/`-separated relative path, hidden ones skipped, within `limits`
    /// (file count and sizes on the bytes read, the walk's bounds). A FIFO,
    /// socket or device, a link cycle or a limit is a fault naming its path.
    pub fn read_dir_files(
        path: impl AsRef<Path>,
        limits: &StoreLimits,
    ) -> Result<BTreeMap<String, Vec<u8>>, StoreError> {
        crate::folder::read_folder(path.as_ref(), limits)
    }

    /// Loads a store from its files (path relative to the store root, with
    /// `/` separators, to bytes) with the default limits.
    pub fn from_files(files: BTreeMap<String, Vec<u8>>) -> Result<Store, StoreError> {
        Self::from_files_with_limits(files, &StoreLimits::default())
    }

    /// Loads a store from its files. All or nothing: any fault in any file
    /// fails the load, and the error lists every fault found.
    pub fn from_files_with_limits(
        files: BTreeMap<String, Vec<u8>>,
        limits: &StoreLimits,
    ) -> Result<Store, StoreError> {
        let revision = revision(&files);
        let (model, diag) = read_files_compiling(files, limits);
        Self::from_model(revision, model, diag, limits)
    }

    /// Resolves and compiles what the files said (documents compiled while
    /// reading are used as they are).
    pub(crate) fn from_model(
        revision: String,
        model: Model,
        mut diag: Diagnostics,
        limits: &StoreLimits,
    ) -> Result<Store, StoreError> {
        let mut plan = resolve(model, &mut diag);
        if let Some(faults) = StoreFaults::from_vec(diag.faults) {
            return Err(StoreError::Invalid(faults));
        }
        let account_count = plan.accounts.len();
        let principals = plan
            .accounts
            .values()
            .map(|a| a.users.len() + a.roles.len())
            .sum();
        let roles: usize = plan.accounts.values().map(|a| a.roles.len()).sum();
        let resource_policies = plan.resources.len() + roles;
        let mut catalog_warnings = crate::validation::catalog_warnings(&plan.policies);
        if let Some(sink) = &mut plan.sink {
            catalog_warnings.append(&mut sink.catalog_warnings);
        }
        let compiled = compile(plan, limits.compiler)?;
        let table_stats = compiled.tables.stats();
        let mut warnings = diag.warnings;
        warnings.extend(compiled.warnings);
        warnings.extend(catalog_warnings);
        if account_count == 0 {
            warnings.push(StoreWarning {
                file: "accounts".to_owned(),
                path: "$".to_owned(),
                message: "the store has no accounts (no `accounts/ACCOUNT_ID/` folder with principals or policies): every IAM principal's request is implicitly denied".to_owned(),
            });
        }
        warnings.sort();
        warnings.dedup();
        Ok(Store {
            tables: compiled.tables,
            index: compiled.index,
            revision,
            warnings,
            stats: StoreStats {
                accounts: account_count,
                principals,
                policies: compiled.policies,
                statements: table_stats.statements,
                resource_policies,
                groups: table_stats.groups,
            },
        })
    }

    /// The SHA-256 (lowercase hex) of every file's path and bytes: equal
    /// for equal contents, different when any file changes.
    pub fn revision(&self) -> &str {
        &self.revision
    }

    /// Findings that did not stop loading, by file and path: the reader's
    /// and the compiler's lints, and what `tollgate_catalog::validate` finds
    /// in the store's own documents (actions, condition keys and resource
    /// types AWS does not define, grammar AWS refuses).
    pub fn warnings(&self) -> &[StoreWarning] {
        &self.warnings
    }

    /// Sizes.
    pub fn stats(&self) -> StoreStats {
        self.stats
    }

    /// The number of accounts.
    pub fn account_count(&self) -> usize {
        self.stats.accounts
    }

    /// The number of IAM users and roles.
    pub fn principal_count(&self) -> usize {
        self.stats.principals
    }

    /// The number of distinct policy documents.
    pub fn policy_count(&self) -> usize {
        self.stats.policies
    }

    /// The number of resource-based policies, trust policies included.
    pub fn resource_policy_count(&self) -> usize {
        self.stats.resource_policies
    }

    /// The compiled tables.
    pub fn tables(&self) -> &Tables {
        &self.tables
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn stores_are_send_and_sync() {
        assert_send_sync::<Store>();
    }
}
