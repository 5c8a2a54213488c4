//! Signed revisions: an Ed25519 signature over a revision's manifest,
//! stored beside it, and the keys that make and check it.
//!
//! ```text
//! PREFIX/
//! ├── manifest.json
//! ├── objects/sha256/<hex>
//! └── signatures/sha256/<manifest-sha256>   the signature of that manifest (JSON)
//! ```
//!
//! The signed message is `tollgate manifest signature v1\n` followed by
//! the manifest's canonical bytes ([`Manifest::to_json`] of the parsed
//! manifest, which is what `publish` writes). The manifest lists the
//! revision and every file's path, SHA-256 and size, so the signature
//! covers everything a sidecar loads. The signature object is named by the
//! SHA-256 of those canonical bytes: a manifest changed after signing has
//! another digest, so its signature is missing or does not verify, and a
//! signature of an old manifest never verifies a new one.
//!
//! Keys are standard PEM files (openssl compatible): a PKCS#8 private key
//! (`BEGIN PRIVATE KEY`, what `openssl genpkey -algorithm ed25519` writes)
//! and an SPKI public key (`BEGIN PUBLIC KEY`, `openssl pkey -pubout`). A
//! key is named by its id: the first 16 hex digits of the SHA-256 of the 32
//! raw public-key bytes.

use std::fmt;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _};
use ed25519_dalek::pkcs8::{EncodePrivateKey as _, EncodePublicKey as _};
use ed25519_dalek::{Signature, Signer as _};
use rand::RngCore as _;
use serde::{Deserialize, Serialize};

use crate::digest::{is_sha256_hex, sha256_hex};
use crate::echo::{message as echo_message, quote};
use crate::error::BundleError;
use crate::manifest::Manifest;

/// The folder of signatures under the prefix:
/// `signatures/sha256/<manifest-sha256>`.
pub const SIGNATURES_FOLDER: &str = "signatures/sha256";

/// The only signature format this crate reads and writes.
pub const SIGNATURE_FORMAT: u32 = 1;

/// The largest signature object read, in bytes.
pub(crate) const MAX_SIGNATURE_BYTES: u64 = 4096;

/// Put before the manifest's bytes in the signed message, so a signature
/// made for a manifest means nothing anywhere else.
const DOMAIN: &[u8] = b"tollgate manifest signature v1\n";

/// The only algorithm.
const ED25519: &str = "ed25519";

/// The signature of one manifest: what `signatures/sha256/<hex>` holds.
///
/// ```json
/// {"format": 1, "algorithm": "ed25519", "keyId": "<16 hex>",
///  "manifestSha256": "<hex>", "signature": "<base64 of 64 bytes>"}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ManifestSignature {
    /// [`SIGNATURE_FORMAT`].
    pub format: u32,
    /// `ed25519`.
    pub algorithm: String,
    /// The id of the key that signed ([`VerifyKey::key_id`]).
    pub key_id: String,
    /// The SHA-256 of the manifest's canonical bytes.
    pub manifest_sha256: String,
    /// The 64-byte signature, base64.
    pub signature: String,
}

impl ManifestSignature {
    /// Parses a signature object.
    pub fn from_json(bytes: &[u8]) -> Result<ManifestSignature, BundleError> {
        serde_json::from_slice(bytes).map_err(|e| {
            BundleError::SignatureFormat(format!(
                "not a signature object: {}",
                echo_message(&e.to_string())
            ))
        })
    }

    /// The signature object's bytes.
    pub fn to_json(&self) -> Result<Vec<u8>, BundleError> {
        let mut out = serde_json::to_vec_pretty(self)
            .map_err(|e| BundleError::SignatureFormat(e.to_string()))?;
        out.push(b'\n');
        Ok(out)
    }
}

/// The canonical bytes of `manifest` and their SHA-256: what is signed and
/// what names the signature object.
pub fn manifest_digest(manifest: &Manifest) -> Result<(Vec<u8>, String), BundleError> {
    let bytes = manifest.to_json()?;
    let digest = sha256_hex(&bytes);
    Ok((bytes, digest))
}

fn message(canonical: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(DOMAIN.len() + canonical.len());
    message.extend_from_slice(DOMAIN);
    message.extend_from_slice(canonical);
    message
}

/// A private Ed25519 key that signs manifests (`tollgate publish
/// --sign-key`).
#[derive(Clone, PartialEq, Eq)]
pub struct SignKey(ed25519_dalek::SigningKey);

impl fmt::Debug for SignKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignKey")
            .field("key_id", &self.verify_key().key_id())
            .finish_non_exhaustive()
    }
}

impl SignKey {
    /// A new key from the operating system's random source.
    pub fn generate() -> SignKey {
        let mut seed = [0u8; ed25519_dalek::SECRET_KEY_LENGTH];
        rand::rngs::OsRng.fill_bytes(&mut seed);
        let key = ed25519_dalek::SigningKey::from_bytes(&seed);
        seed.fill(0);
        SignKey(key)
    }

    /// Reads a PKCS#8 PEM private key (`BEGIN PRIVATE KEY`).
    pub fn from_pem(text: &str) -> Result<SignKey, BundleError> {
        ed25519_dalek::SigningKey::from_pkcs8_pem(text)
            .map(SignKey)
            .map_err(|e| {
                BundleError::Key(format!(
                    "not an Ed25519 private key in PKCS#8 PEM (`BEGIN PRIVATE KEY`): {e}"
                ))
            })
    }

    /// Reads the PEM file at `path`.
    pub fn read(path: &Path) -> Result<SignKey, BundleError> {
        let text = std::fs::read_to_string(path).map_err(|e| BundleError::io(path, e))?;
        SignKey::from_pem(&text).map_err(|e| BundleError::Key(format!("`{}`: {e}", path.display())))
    }

    /// The key as PKCS#8 PEM (keep it secret).
    pub fn to_pem(&self) -> Result<String, BundleError> {
        self.0
            .to_pkcs8_pem(LineEnding::LF)
            .map(|pem| pem.as_str().to_owned())
            .map_err(|e| BundleError::Key(e.to_string()))
    }

    /// Its public half.
    pub fn verify_key(&self) -> VerifyKey {
        VerifyKey(self.0.verifying_key())
    }

    /// Signs `manifest`.
    pub fn sign(&self, manifest: &Manifest) -> Result<ManifestSignature, BundleError> {
        let (canonical, digest) = manifest_digest(manifest)?;
        let signature: Signature = self.0.sign(&message(&canonical));
        Ok(ManifestSignature {
            format: SIGNATURE_FORMAT,
            algorithm: ED25519.to_owned(),
            key_id: self.verify_key().key_id(),
            manifest_sha256: digest,
            signature: BASE64.encode(signature.to_bytes()),
        })
    }
}

/// A public Ed25519 key that checks manifest signatures (`tollgate serve
/// --verify-key`).
#[derive(Clone, PartialEq, Eq)]
pub struct VerifyKey(ed25519_dalek::VerifyingKey);

impl fmt::Debug for VerifyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("VerifyKey").field(&self.key_id()).finish()
    }
}

impl VerifyKey {
    /// Reads an SPKI PEM public key (`BEGIN PUBLIC KEY`).
    pub fn from_pem(text: &str) -> Result<VerifyKey, BundleError> {
        ed25519_dalek::VerifyingKey::from_public_key_pem(text)
            .map(VerifyKey)
            .map_err(|e| {
                BundleError::Key(format!(
                    "not an Ed25519 public key in PEM (`BEGIN PUBLIC KEY`): {e}"
                ))
            })
    }

    /// Reads the PEM file at `path`.
    pub fn read(path: &Path) -> Result<VerifyKey, BundleError> {
        let text = std::fs::read_to_string(path).map_err(|e| BundleError::io(path, e))?;
        VerifyKey::from_pem(&text)
            .map_err(|e| BundleError::Key(format!("`{}`: {e}", path.display())))
    }

    /// The key as SPKI PEM.
    pub fn to_pem(&self) -> Result<String, BundleError> {
        self.0
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| BundleError::Key(e.to_string()))
    }

    /// Its id: the first 16 hex digits of the SHA-256 of its 32 bytes.
    pub fn key_id(&self) -> String {
        let mut id = sha256_hex(self.0.as_bytes());
        id.truncate(16);
        id
    }
}

/// The keys a sidecar accepts signatures from; a revision must be signed by
/// one of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedKeys {
    keys: Vec<VerifyKey>,
}

impl TrustedKeys {
    /// Trusts `keys` (at least one; an empty list trusts nothing, so every
    /// revision is refused).
    pub fn new(keys: Vec<VerifyKey>) -> TrustedKeys {
        TrustedKeys { keys }
    }

    /// The ids of the keys, in order.
    pub fn key_ids(&self) -> Vec<String> {
        self.keys.iter().map(VerifyKey::key_id).collect()
    }

    /// Checks that `signature` is a valid signature of `manifest` by one of
    /// the keys, and returns that key's id. `None` (no signature object),
    /// a signature of another manifest, by an untrusted key or that does not
    /// verify is a [`BundleError::Signature`] naming the revision.
    pub fn verify(
        &self,
        manifest: &Manifest,
        signature: Option<&ManifestSignature>,
    ) -> Result<String, BundleError> {
        // The manifest is not validated yet: everything quoted from it is
        // cut short.
        let refuse = |reason: String| BundleError::Signature {
            revision: quote(&manifest.revision),
            reason,
        };
        let (canonical, digest) = manifest_digest(manifest)?;
        let Some(signature) = signature else {
            return Err(refuse(format!(
                "it is not signed (no `{SIGNATURES_FOLDER}/{digest}`); a signature by key {} is required",
                self.key_ids().join(" or ")
            )));
        };
        if signature.format != SIGNATURE_FORMAT || signature.algorithm != ED25519 {
            return Err(refuse(format!(
                "its signature has format {} and algorithm `{}`; this version reads format {SIGNATURE_FORMAT}, `{ED25519}`",
                signature.format,
                quote(&signature.algorithm)
            )));
        }
        if !is_sha256_hex(&signature.manifest_sha256) || signature.manifest_sha256 != digest {
            return Err(refuse(format!(
                "its signature is of manifest `{}`, not of this one (`{digest}`)",
                quote(&signature.manifest_sha256)
            )));
        }
        let Some(key) = self.keys.iter().find(|k| k.key_id() == signature.key_id) else {
            return Err(refuse(format!(
                "it is signed by key `{}`, which is not trusted (trusted: {})",
                quote(&signature.key_id),
                self.key_ids().join(", ")
            )));
        };
        let bytes = BASE64
            .decode(signature.signature.as_bytes())
            .ok()
            .and_then(|bytes| <[u8; 64]>::try_from(bytes).ok())
            .ok_or_else(|| refuse("its signature is not 64 bytes in base64".to_owned()))?;
        key.0
            .verify_strict(&message(&canonical), &Signature::from_bytes(&bytes))
            .map_err(|_| {
                refuse(format!(
                    "its signature by key `{}` does not verify: the manifest was changed after signing, or the signature is corrupt",
                    signature.key_id
                ))
            })?;
        Ok(signature.key_id.clone())
    }
}

#[cfg(test)]
mod tests;
