//! Reading a store folder into the files [`tollgate_store::Store::from_files`]
//! takes, exactly as `Store::load_dir` does
//! ([`tollgate_store::Store::read_dir_files`]: regular files only, hidden
//! ones skipped, links followed, cycles refused, sizes counted on the bytes
//! read), within the bounds a fetcher will apply.

use std::collections::BTreeMap;
use std::path::Path;

use tollgate_store::{FaultKind, Store, StoreError, StoreLimits};

use crate::error::BundleError;
use crate::limits::FetchOptions;

/// Every file under `root`, by relative path, within `limits`.
pub(crate) fn read_folder(
    root: &Path,
    limits: &FetchOptions,
) -> Result<BTreeMap<String, Vec<u8>>, BundleError> {
    let store = StoreLimits::default();
    let limits = StoreLimits {
        max_files: limits.max_objects,
        max_total_bytes: usize::try_from(limits.max_bytes).unwrap_or(usize::MAX),
        max_file_bytes: store
            .max_file_bytes
            .min(usize::try_from(limits.max_bytes).unwrap_or(usize::MAX)),
        ..store
    };
    Store::read_dir_files(root, &limits).map_err(|error| match error {
        StoreError::Io { path, source } => BundleError::io(path, source),
        StoreError::Invalid(faults)
            if faults
                .faults()
                .iter()
                .any(|f| matches!(f.kind, FaultKind::Limit(_))) =>
        {
            BundleError::Limit(StoreError::Invalid(faults).to_string())
        }
        other => BundleError::Invalid(other),
    })
}
