//! The example store of `tests/data/store/example/`, embedded in the
//! binary: what `tollgate serve` serves when given no store. A small
//! organization (management account, a `workloads` OU with a prod and a dev
//! account) with users, groups, roles, trust policies, a bucket policy, a KMS
//! key policy, a queue policy, SCPs at two levels and an RCP.

use std::collections::BTreeMap;

use crate::error::StoreError;
use crate::store::Store;

macro_rules! example_files {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_bytes!(concat!("../../../tests/data/store/example/", $path)))),*]
    };
}

/// The example's files, by path in the store.
pub(crate) const FILES: &[(&str, &[u8])] = example_files![
    "README.md",
    "accounts/111122223333/groups/admins.json",
    "accounts/111122223333/groups/developers.json",
    "accounts/111122223333/policies/admin-boundary.json",
    "accounts/111122223333/policies/deploy.json",
    "accounts/111122223333/resources/app-key.json",
    "accounts/111122223333/resources/example-photos.json",
    "accounts/111122223333/roles/deploy.json",
    "accounts/111122223333/roles/photo-app.json",
    "accounts/111122223333/users/alice.json",
    "accounts/111122223333/users/bob.json",
    "accounts/444455556666/resources/build-events.json",
    "accounts/444455556666/roles/ci.json",
    "organization/organization.json",
    "organization/rcps/enforce-org-identities.json",
    "organization/scps/deny-leave-organization.json",
    "organization/scps/deny-outside-approved-regions.json",
];

impl Store {
    /// The example store (`tests/data/store/example/`), from files embedded
    /// in the binary.
    pub fn embedded_example() -> Result<Store, StoreError> {
        let files: BTreeMap<String, Vec<u8>> = FILES
            .iter()
            .map(|(path, bytes)| ((*path).to_owned(), bytes.to_vec()))
            .collect();
        Store::from_files(files)
    }
}
