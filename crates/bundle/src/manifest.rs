//! `manifest.json`: the list of a revision's files, each with the SHA-256
//! and size of the object that holds it, and the revision they give. It is
//! written last, so a revision exists for readers only once all of its
//! objects do.
//!
//! ```json
//! {
//!   "format": 1,
//!   "revision": "<tollgate_store::revision_of(files)>",
//!   "publishedAt": "2025-01-31T12:00:00Z",
//!   "publisher": "alice",
//!   "sequence": 42,
//!   "expiresAt": "2025-03-02T12:00:00Z",
//!   "objects": [
//!     {"path": "accounts/111122223333/users/alice.json", "sha256": "<hex>", "size": 312}
//!   ]
//! }
//! ```
//!
//! Objects are sorted by path (byte order), each path once; unknown fields
//! are rejected; `publisher` is optional.
//!
//! `sequence` and `expiresAt` are the protections The Update Framework
//! defines against rollback and freeze attacks: `tollgate publish` numbers
//! each manifest one above the one it replaces and gives it an expiry. A
//! sidecar that verifies signatures refuses a manifest numbered below the
//! newest it has seen, and reports when the serving one has expired. Both
//! are optional in the format, so manifests published before them still
//! parse, but a signed manifest must carry both
//! ([`Manifest::signed_freshness`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::digest::{is_sha256_hex, sha256_hex};
use crate::echo::{message, quote};
use crate::error::BundleError;
use crate::limits::FetchOptions;

/// The only manifest format this crate reads and writes.
pub const MANIFEST_FORMAT: u32 = 1;

/// The longest path of a store file in a manifest, in bytes.
pub const MAX_PATH_BYTES: usize = 1024;

/// The longest `publisher`, in characters.
pub const MAX_PUBLISHER_CHARS: usize = 256;

/// One revision of a store: what `manifest.json` holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Manifest {
    /// [`MANIFEST_FORMAT`].
    pub format: u32,
    /// [`tollgate_store::revision_of`] of the files.
    pub revision: String,
    /// When it was published, RFC 3339.
    pub published_at: String,
    /// Who published it, as they said (`tollgate publish --publisher`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// The manifest's number: one more than the manifest it replaced (or
    /// as `tollgate publish --sequence` says). Required when signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<u64>,
    /// When this manifest stops being fresh, RFC 3339: past it, a sidecar
    /// still serves the revision but reports it expired (a publisher that
    /// stopped publishing, or storage frozen by an attacker). Required
    /// when signed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// The files, sorted by path.
    pub objects: Vec<ManifestObject>,
}

/// One store file of a revision, held by the object
/// `objects/sha256/<sha256>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestObject {
    /// The path relative to the store root, `/`-separated.
    pub path: String,
    /// The lowercase hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// The file's size in bytes.
    pub size: u64,
}

impl Manifest {
    /// The manifest of `files`, with their digests, sizes and revision.
    pub fn of_files(
        files: &BTreeMap<String, Vec<u8>>,
        published_at: String,
        publisher: Option<String>,
    ) -> Manifest {
        let objects = files
            .iter()
            .map(|(path, bytes)| ManifestObject {
                path: path.clone(),
                sha256: sha256_hex(bytes),
                size: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
            })
            .collect();
        Manifest {
            format: MANIFEST_FORMAT,
            revision: tollgate_store::revision_of(files),
            published_at,
            publisher,
            sequence: None,
            expires_at: None,
            objects,
        }
    }

    /// Parses and [validates](Manifest::validate) `manifest.json`.
    pub fn from_json(bytes: &[u8], limits: &FetchOptions) -> Result<Manifest, BundleError> {
        let manifest = Manifest::parse(bytes, limits)?;
        manifest.validate(limits)?;
        Ok(manifest)
    }

    /// Parses `manifest.json` (its size within the limit) without
    /// validating its values: a fetcher that requires signatures checks
    /// the signature first, and validates only what a trusted key signed.
    pub fn parse(bytes: &[u8], limits: &FetchOptions) -> Result<Manifest, BundleError> {
        let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        if size > limits.max_manifest_bytes() {
            return Err(BundleError::Limit(format!(
                "the manifest has {size} bytes, more than the limit of {}",
                limits.max_manifest_bytes()
            )));
        }
        serde_json::from_slice(bytes).map_err(|e| BundleError::Manifest(message(&e.to_string())))
    }

    /// The sequence and expiry a signed manifest must carry: a manifest
    /// signed without them (published before they existed) is refused
    /// with [`BundleError::Signature`]; publish it again.
    pub fn signed_freshness(&self) -> Result<(u64, chrono::DateTime<chrono::Utc>), BundleError> {
        let (Some(sequence), Some(expires_at)) = (self.sequence, &self.expires_at) else {
            return Err(BundleError::Signature {
                revision: quote(&self.revision),
                reason: "a signed manifest must carry `sequence` and `expiresAt` (it was \
                         published by an older `tollgate publish`: publish it again)"
                    .to_owned(),
            });
        };
        let expires_at = parse_time("expiresAt", expires_at)?;
        Ok((sequence, expires_at))
    }

    /// The manifest as pretty-printed JSON.
    pub fn to_json(&self) -> Result<Vec<u8>, BundleError> {
        let mut out =
            serde_json::to_vec_pretty(self).map_err(|e| BundleError::Manifest(e.to_string()))?;
        out.push(b'\n');
        Ok(out)
    }

    /// Checks everything a reader relies on: the format, the revision's and
    /// digests' spelling, `publishedAt`, `publisher`, every path (relative,
    /// no empty, `.`, `..` or hidden segment, no `\` or control character, at
    /// most [`MAX_PATH_BYTES`]), the order (by path, each once) and the
    /// limits.
    pub fn validate(&self, limits: &FetchOptions) -> Result<(), BundleError> {
        let invalid = |message: String| Err(BundleError::Manifest(message));
        if self.format != MANIFEST_FORMAT {
            return invalid(format!(
                "format {} is not supported (this version reads format {MANIFEST_FORMAT})",
                self.format
            ));
        }
        if !is_sha256_hex(&self.revision) {
            return invalid(format!(
                "revision `{}` is not 64 lowercase hex digits",
                quote(&self.revision)
            ));
        }
        parse_time("publishedAt", &self.published_at)?;
        if let Some(expires_at) = &self.expires_at {
            parse_time("expiresAt", expires_at)?;
        }
        if let Some(publisher) = &self.publisher {
            check_publisher(publisher)?;
        }
        if self.objects.len() > limits.max_objects {
            return Err(BundleError::Limit(format!(
                "the manifest lists {} objects, more than the limit of {}",
                self.objects.len(),
                limits.max_objects
            )));
        }
        let mut total = 0u64;
        let mut previous: Option<&str> = None;
        for object in &self.objects {
            check_path(&object.path)?;
            if previous.is_some_and(|p| p >= object.path.as_str()) {
                return invalid(format!(
                    "objects are not sorted by path, each once: `{}` comes after `{}`",
                    quote(&object.path),
                    quote(previous.unwrap_or_default())
                ));
            }
            previous = Some(&object.path);
            if !is_sha256_hex(&object.sha256) {
                return invalid(format!(
                    "sha256 `{}` of `{}` is not 64 lowercase hex digits",
                    quote(&object.sha256),
                    quote(&object.path)
                ));
            }
            total = total.saturating_add(object.size);
        }
        if total > limits.max_bytes {
            return Err(BundleError::Limit(format!(
                "the manifest's objects have {total} bytes, more than the limit of {}",
                limits.max_bytes
            )));
        }
        Ok(())
    }

    /// The sum of the objects' sizes.
    pub fn total_bytes(&self) -> u64 {
        self.objects
            .iter()
            .map(|o| o.size)
            .fold(0, u64::saturating_add)
    }
}

/// Checks a store file's path as a manifest may list it.
pub(crate) fn check_path(path: &str) -> Result<(), BundleError> {
    let fault = |why: &str| {
        Err(BundleError::Manifest(format!(
            "path `{}` {why}",
            quote(path)
        )))
    };
    if path.is_empty() {
        return fault("is empty");
    }
    if path.len() > MAX_PATH_BYTES {
        return fault(&format!("is longer than {MAX_PATH_BYTES} bytes"));
    }
    if path.chars().any(|c| c.is_control() || c == '\\') {
        return fault("has a control character or `\\`");
    }
    for segment in path.split('/') {
        if segment.is_empty() {
            return fault("has an empty segment (leading, trailing or double `/`)");
        }
        if segment.starts_with('.') {
            return fault("has a `.`, `..` or hidden segment");
        }
    }
    Ok(())
}

/// Checks a publisher name.
pub(crate) fn check_publisher(publisher: &str) -> Result<(), BundleError> {
    if publisher.chars().count() > MAX_PUBLISHER_CHARS || publisher.chars().any(char::is_control) {
        return Err(BundleError::Manifest(format!(
            "publisher `{}` has a control character or more than {MAX_PUBLISHER_CHARS} characters",
            quote(publisher)
        )));
    }
    Ok(())
}

/// An RFC 3339 time of the manifest's field `field`.
pub(crate) fn parse_time(
    field: &str,
    text: &str,
) -> Result<chrono::DateTime<chrono::Utc>, BundleError> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| {
            BundleError::Manifest(format!("{field} `{}` is not an RFC 3339 time", quote(text)))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_plain_and_visible() {
        for good in [
            "a.json",
            "accounts/111122223333/users/eng/sam.json",
            "notes.md",
        ] {
            assert!(check_path(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "/a",
            "a/",
            "a//b",
            "./a",
            "a/../b",
            ".git/config",
            "a\\b",
            "a\nb",
        ] {
            assert!(check_path(bad).is_err(), "{bad:?}");
        }
        assert!(check_path(&"a".repeat(MAX_PATH_BYTES + 1)).is_err());
    }

    #[test]
    fn publishers_are_short_and_printable() {
        assert!(check_publisher("alice@example.com (ci run 42)").is_ok());
        assert!(check_publisher("a\u{1b}[31m").is_err());
        assert!(check_publisher(&"x".repeat(MAX_PUBLISHER_CHARS + 1)).is_err());
    }

    #[test]
    fn errors_quote_untrusted_values_briefly() {
        let huge = "x".repeat(20 << 20);
        for error in [
            check_publisher(&huge).err(),
            check_path(&huge).err(),
            parse_time("expiresAt", &huge).err(),
        ] {
            let text = error.map(|e| e.to_string()).unwrap_or_default();
            assert!(
                !text.is_empty() && text.len() < 1024,
                "{} bytes",
                text.len()
            );
        }
    }
}
