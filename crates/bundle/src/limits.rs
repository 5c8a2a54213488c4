//! [`FetchOptions`]: the bounds a manifest and its objects must keep, so a
//! hostile or mistaken bucket fails with an error instead of exhausting
//! memory. Publishing checks the same bounds, so what is published can be
//! fetched.

use tollgate_store::StoreLimits;

/// Bounds on one revision, applied when fetching, reading the cache and
/// publishing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchOptions {
    /// Most objects (store files) in one manifest. Default: the store's
    /// own limit, 100,000 files.
    pub max_objects: usize,
    /// Largest sum of the objects' sizes, in bytes. Default: the store's own
    /// limit, 2 GiB.
    pub max_bytes: u64,
}

impl Default for FetchOptions {
    fn default() -> Self {
        let store = StoreLimits::default();
        Self {
            max_objects: store.max_files,
            max_bytes: u64::try_from(store.max_total_bytes).unwrap_or(u64::MAX),
        }
    }
}

impl FetchOptions {
    /// The largest `manifest.json` accepted, in bytes: 1.5 KiB per object
    /// (a path is at most 1,024 bytes) plus 64 KiB.
    pub fn max_manifest_bytes(&self) -> u64 {
        let objects = u64::try_from(self.max_objects).unwrap_or(u64::MAX);
        objects.saturating_mul(1536).saturating_add(64 << 10)
    }
}
