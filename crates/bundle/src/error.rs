//! [`BundleError`]: everything that can go wrong while publishing, fetching
//! or caching a policy store. A caller that polls keeps serving its current
//! revision on any error and tries again later; nothing half-read is ever
//! returned.

use std::io;
use std::path::PathBuf;

use tollgate_store::StoreError;

/// Why a publish, a poll or a cache read or write failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// The location URL or one of its options is not usable.
    #[error("invalid location `{url}`: {reason}")]
    Location {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The object store failed a request (network, credentials,
    /// permissions, throttling ...).
    #[error("cannot {operation} `{path}`: {source}")]
    Storage {
        /// What was being done: `read`, `write`, ...
        operation: &'static str,
        /// The object's path in the store.
        path: String,
        /// The object store's error.
        #[source]
        source: object_store::Error,
    },
    /// The location has no `manifest.json`: nothing was published there yet,
    /// or the URL points at the wrong place.
    #[error("no policy store is published at `{location}`: `manifest.json` is missing")]
    NotPublished {
        /// The location, as a URL.
        location: String,
    },
    /// A `manifest.json` that is not a valid manifest.
    #[error("invalid manifest: {0}")]
    Manifest(String),
    /// An object the manifest lists is not in the store.
    #[error("object `{sha256}` of `{path}` is missing")]
    MissingObject {
        /// The store file it holds.
        path: String,
        /// Its SHA-256, as listed.
        sha256: String,
    },
    /// An object's bytes do not have the digest the manifest lists.
    #[error("object of `{path}` has SHA-256 `{actual}`, the manifest lists `{expected}`")]
    DigestMismatch {
        /// The store file it holds.
        path: String,
        /// The listed digest.
        expected: String,
        /// The digest of the bytes read.
        actual: String,
    },
    /// An object's size differs from the size the manifest lists.
    #[error("object of `{path}` has {actual} bytes, the manifest lists {expected}")]
    SizeMismatch {
        /// The store file it holds.
        path: String,
        /// The listed size.
        expected: u64,
        /// The size read.
        actual: u64,
    },
    /// The files, each with its listed digest, do not give the manifest's
    /// revision.
    #[error("the files give revision `{actual}`, the manifest says `{expected}`")]
    RevisionMismatch {
        /// The manifest's revision.
        expected: String,
        /// The revision of the files ([`tollgate_store::revision_of`]).
        actual: String,
    },
    /// A size or count limit ([`FetchOptions`](crate::FetchOptions)) was
    /// exceeded.
    #[error("{0}")]
    Limit(String),
    /// The folder to publish does not load as a store; the error lists
    /// every fault. Nothing was uploaded.
    #[error("the store does not load, so it was not published: {0}")]
    Invalid(#[source] StoreError),
    /// Someone else published between our read of `manifest.json` and our
    /// conditional write of it; ours was not written.
    #[error(
        "store changed since you read it ({} was published meanwhile); fetch, review and publish again",
        published(revision.as_deref())
    )]
    Conflict {
        /// The revision now published, when it could be read.
        revision: Option<String>,
    },
    /// A signing or verifying key file that is not a usable Ed25519 key.
    #[error("invalid key: {0}")]
    Key(String),
    /// A revision refused for its signature: unsigned, signed by an
    /// untrusted key, or a signature that does not verify.
    #[error("revision `{revision}` is refused: {reason}")]
    Signature {
        /// The manifest's revision.
        revision: String,
        /// Why.
        reason: String,
    },
    /// A signed manifest numbered below the newest this fetcher has seen
    /// (`sequence`): an older revision put back, which could restore
    /// revoked permissions.
    #[error(
        "revision `{revision}` is refused: its manifest has sequence {sequence}, older than \
         {newest}, the newest seen; putting back an older revision (a rollback) is refused"
    )]
    Rollback {
        /// The manifest's revision (quoted briefly).
        revision: String,
        /// Its sequence.
        sequence: u64,
        /// The newest sequence seen.
        newest: u64,
    },
    /// A signature object that cannot be read.
    #[error("invalid signature object: {0}")]
    SignatureFormat(String),
    /// A local file or folder could not be read or written.
    #[error("cannot read or write `{}`: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
}

fn published(revision: Option<&str>) -> String {
    match revision {
        Some(revision) => format!("revision {revision}"),
        None => "another revision".to_owned(),
    }
}

impl BundleError {
    pub(crate) fn storage(
        operation: &'static str,
        path: &object_store::path::Path,
        source: object_store::Error,
    ) -> Self {
        Self::Storage {
            operation,
            path: path.to_string(),
            source,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    /// Whether a revision was refused for its signature
    /// ([`BundleError::Signature`] or [`BundleError::SignatureFormat`]).
    pub fn is_signature_failure(&self) -> bool {
        matches!(self, Self::Signature { .. } | Self::SignatureFormat(_))
    }

    /// Whether a signed revision was refused as older than the newest seen
    /// ([`BundleError::Rollback`]).
    pub fn is_rollback(&self) -> bool {
        matches!(self, Self::Rollback { .. })
    }

    /// Whether this is a [`BundleError::Conflict`].
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::Conflict { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflict_message_names_the_revision() {
        let error = BundleError::Conflict {
            revision: Some("abc".into()),
        };
        assert_eq!(
            error.to_string(),
            "store changed since you read it (revision abc was published meanwhile); \
             fetch, review and publish again"
        );
        let error = BundleError::Conflict { revision: None };
        assert!(
            error
                .to_string()
                .contains("(another revision was published")
        );
    }

    #[test]
    fn errors_are_send_and_sync() {
        fn check<T: Send + Sync + 'static>() {}
        check::<BundleError>();
    }
}
