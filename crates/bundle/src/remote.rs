//! The requests this crate sends: reading `manifest.json` (optionally
//! conditional), reading one object, writing one object. Each is one call
//! of the `object_store` API, that is one HTTP request on the cloud
//! backends (not counting `object_store`'s own retries of transient
//! failures).

use bytes::Bytes;
use object_store::{GetOptions, ObjectStore as _, PutMode, PutOptions, PutPayload, UpdateVersion};

use crate::error::BundleError;
use crate::limits::FetchOptions;
use crate::location::Location;
use crate::manifest::{Manifest, ManifestObject};
use crate::signing::{MAX_SIGNATURE_BYTES, ManifestSignature, SignKey, manifest_digest};
use crate::verify::check_object;

/// What reading `manifest.json` found.
pub(crate) enum ManifestRead {
    /// Its ETag is still the one given as `If-None-Match`.
    NotModified,
    /// There is none.
    Missing,
    /// A manifest, parsed but not yet validated (the caller validates it,
    /// after checking its signature when one is required), and the version
    /// to make a conditional write against.
    Found {
        manifest: Manifest,
        version: UpdateVersion,
    },
}

/// Reads and parses `manifest.json` (within the size limit), with
/// `If-None-Match: etag` when given. The caller validates it.
pub(crate) async fn read_manifest(
    location: &Location,
    if_none_match: Option<String>,
    limits: &FetchOptions,
) -> Result<ManifestRead, BundleError> {
    let path = location.manifest_path();
    let options = GetOptions {
        if_none_match,
        ..GetOptions::default()
    };
    let result = match location.store().get_opts(&path, options).await {
        Ok(result) => result,
        Err(object_store::Error::NotModified { .. }) => return Ok(ManifestRead::NotModified),
        Err(object_store::Error::NotFound { .. }) => return Ok(ManifestRead::Missing),
        Err(e) => return Err(BundleError::storage("read", &path, e)),
    };
    if result.meta.size > limits.max_manifest_bytes() {
        return Err(BundleError::Limit(format!(
            "the manifest has {} bytes, more than the limit of {}",
            result.meta.size,
            limits.max_manifest_bytes()
        )));
    }
    let version = UpdateVersion {
        e_tag: result.meta.e_tag.clone(),
        version: result.meta.version.clone(),
    };
    let bytes = result
        .bytes()
        .await
        .map_err(|e| BundleError::storage("read", &path, e))?;
    let manifest = Manifest::parse(&bytes, limits)?;
    Ok(ManifestRead::Found { manifest, version })
}

/// The manifest published at `location`, read and validated as a fetcher
/// reads it (default limits); `None` when nothing is published there.
pub async fn published_manifest(location: &Location) -> Result<Option<Manifest>, BundleError> {
    match read_manifest(location, None, &FetchOptions::default()).await? {
        ManifestRead::Found { manifest, .. } => {
            manifest.validate(&FetchOptions::default())?;
            Ok(Some(manifest))
        }
        ManifestRead::Missing | ManifestRead::NotModified => Ok(None),
    }
}

/// Reads the object of `object` and checks its size and digest.
pub(crate) async fn read_object(
    location: &Location,
    object: &ManifestObject,
) -> Result<(String, Bytes), BundleError> {
    let path = location.object_path(&object.sha256);
    let result = match location
        .store()
        .get_opts(&path, GetOptions::default())
        .await
    {
        Ok(result) => result,
        Err(object_store::Error::NotFound { .. }) => {
            return Err(BundleError::MissingObject {
                path: object.path.clone(),
                sha256: object.sha256.clone(),
            });
        }
        Err(e) => return Err(BundleError::storage("read", &path, e)),
    };
    if result.meta.size != object.size {
        return Err(BundleError::SizeMismatch {
            path: object.path.clone(),
            expected: object.size,
            actual: result.meta.size,
        });
    }
    let bytes = result
        .bytes()
        .await
        .map_err(|e| BundleError::storage("read", &path, e))?;
    check_object(object, &bytes)?;
    Ok((object.sha256.clone(), bytes))
}

/// Writes a content-addressed object unless it exists. Returns whether it
/// was written (`false`: it was already there, which is as good, since its
/// name is its digest).
pub(crate) async fn write_object(
    location: &Location,
    sha256: &str,
    bytes: Bytes,
) -> Result<bool, BundleError> {
    let path = location.object_path(sha256);
    let store = location.store();
    let create = PutOptions::from(PutMode::Create);
    match store
        .put_opts(&path, PutPayload::from(bytes.clone()), create)
        .await
    {
        Ok(_) => Ok(true),
        Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
        // A backend without create-if-absent: overwriting a content-addressed
        // object with the same bytes is harmless.
        Err(object_store::Error::NotImplemented { .. }) => {
            let overwrite = PutOptions::from(PutMode::Overwrite);
            store
                .put_opts(&path, PutPayload::from(bytes), overwrite)
                .await
                .map_err(|e| BundleError::storage("write", &path, e))?;
            Ok(true)
        }
        Err(e) => Err(BundleError::storage("write", &path, e)),
    }
}

/// Reads the signature object of `manifest`; `None` when there is none.
pub(crate) async fn read_signature(
    location: &Location,
    manifest: &Manifest,
) -> Result<Option<ManifestSignature>, BundleError> {
    let (_, digest) = manifest_digest(manifest)?;
    let path = location.signature_path(&digest);
    let result = match location
        .store()
        .get_opts(&path, GetOptions::default())
        .await
    {
        Ok(result) => result,
        Err(object_store::Error::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(BundleError::storage("read", &path, e)),
    };
    if result.meta.size > MAX_SIGNATURE_BYTES {
        return Err(BundleError::SignatureFormat(format!(
            "`{path}` has {} bytes, more than the limit of {MAX_SIGNATURE_BYTES}",
            result.meta.size
        )));
    }
    let bytes = result
        .bytes()
        .await
        .map_err(|e| BundleError::storage("read", &path, e))?;
    ManifestSignature::from_json(&bytes).map(Some)
}

/// Signs `manifest` with `key` and writes the signature object (replacing
/// one of the same manifest: it is as good). Returns the signer's key id.
pub(crate) async fn write_signature(
    location: &Location,
    manifest: &Manifest,
    key: &SignKey,
) -> Result<String, BundleError> {
    let signature = key.sign(manifest)?;
    let path = location.signature_path(&signature.manifest_sha256);
    let payload = PutPayload::from(Bytes::from(signature.to_json()?));
    location
        .store()
        .put_opts(&path, payload, PutOptions::from(PutMode::Overwrite))
        .await
        .map_err(|e| BundleError::storage("write", &path, e))?;
    Ok(signature.key_id)
}
