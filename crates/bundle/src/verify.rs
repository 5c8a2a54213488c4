//! Checking objects against their manifest: each object's size and digest,
//! then the revision of all files together. Shared by the fetcher and the
//! cache, so both accept exactly the same revisions.

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;

use crate::digest::sha256_hex;
use crate::error::BundleError;
use crate::manifest::{Manifest, ManifestObject};

/// Checks that `bytes` are the object the manifest lists: size, then
/// SHA-256.
pub(crate) fn check_object(object: &ManifestObject, bytes: &[u8]) -> Result<(), BundleError> {
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size != object.size {
        return Err(BundleError::SizeMismatch {
            path: object.path.clone(),
            expected: object.size,
            actual: size,
        });
    }
    let digest = sha256_hex(bytes);
    if digest != object.sha256 {
        return Err(BundleError::DigestMismatch {
            path: object.path.clone(),
            expected: object.sha256.clone(),
            actual: digest,
        });
    }
    Ok(())
}

/// The files of `manifest` from objects by digest, each already checked
/// with [`check_object`], once their revision is the manifest's.
pub(crate) fn assemble(
    manifest: &Manifest,
    objects: &HashMap<String, Bytes>,
) -> Result<BTreeMap<String, Vec<u8>>, BundleError> {
    let mut files = BTreeMap::new();
    for object in &manifest.objects {
        let bytes = objects
            .get(&object.sha256)
            .ok_or_else(|| BundleError::MissingObject {
                path: object.path.clone(),
                sha256: object.sha256.clone(),
            })?;
        let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        if size != object.size {
            return Err(BundleError::SizeMismatch {
                path: object.path.clone(),
                expected: object.size,
                actual: size,
            });
        }
        files.insert(object.path.clone(), bytes.to_vec());
    }
    let revision = tollgate_store::revision_of(&files);
    if revision != manifest.revision {
        return Err(BundleError::RevisionMismatch {
            expected: manifest.revision.clone(),
            actual: revision,
        });
    }
    Ok(files)
}
