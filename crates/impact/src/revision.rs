//! One revision of a store as the change tools need it: loaded (to decide
//! requests with the engine, exactly as the sidecar would) and inventoried
//! (to know its principals and documents by name).

use std::collections::BTreeMap;

use tollgate_store::{Inventory, Store, StoreError, StoreLimits};

/// A store revision, loaded and inventoried from the same files.
#[derive(Debug)]
pub struct Revision {
    /// The loaded store.
    pub store: Store,
    /// What it holds, by name.
    pub inventory: Inventory,
}

impl Revision {
    /// Loads a revision from its files (path to bytes, as
    /// [`Store::read_dir_files`] or a bundle fetch gives them).
    pub fn from_files(
        files: BTreeMap<String, Vec<u8>>,
        limits: &StoreLimits,
    ) -> Result<Revision, StoreError> {
        let inventory = Inventory::from_files(files.clone(), limits)?;
        let store = Store::from_files_with_limits(files, limits)?;
        Ok(Revision { store, inventory })
    }

    /// Loads the store folder `path`.
    pub fn load_dir(path: &std::path::Path, limits: &StoreLimits) -> Result<Revision, StoreError> {
        let files = Store::read_dir_files(path, limits)?;
        Self::from_files(files, limits)
    }
}
