//! [`Fetcher`]: polls a [`Location`] for new revisions and returns one only
//! when all of it is present and verified.
//!
//! Requests per [`Fetcher::poll`] (one `object_store` call each; the cloud
//! backends retry transient failures themselves):
//!
//! - unchanged: **1**, a `GET manifest.json` with `If-None-Match` on the
//!   ETag of the last good manifest, answered `304 Not Modified`;
//! - changed: 1 `GET manifest.json`, plus 1 `GET objects/sha256/<hex>` for
//!   each distinct digest the last good revision does not hold (up to
//!   eight at a time);
//! - first poll (or after an error before any success): 1 plus one per
//!   distinct digest;
//! - first poll after [`Fetcher::resume`]: 1 unconditional `GET
//!   manifest.json` (a resumed revision's ETag is never trusted), plus one
//!   per distinct digest the resumed revision does not hold.
//!
//! With [signatures required](Fetcher::require_signatures), the order is:
//! parse the manifest, check its signature, validate it, check its
//! sequence against the newest seen ([`BundleError::Rollback`]); only then
//! is anything downloaded.
//!
//! A fetcher that [requires signatures](Fetcher::require_signatures) reads
//! the manifest's signature object too (1 more `GET` when the manifest
//! changed) and checks it before downloading any object.

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;
use futures::{StreamExt as _, TryStreamExt as _, stream};

use crate::digest::sha256_hex;
use crate::error::BundleError;
use crate::limits::FetchOptions;
use crate::location::Location;
use crate::manifest::{Manifest, ManifestObject};
use crate::remote::{ManifestRead, read_manifest, read_object, read_signature};
use crate::signing::{ManifestSignature, TrustedKeys};
use crate::verify::assemble;

/// How many objects a poll downloads at once.
const CONCURRENT_DOWNLOADS: usize = 8;

/// A complete, verified revision: every file the manifest lists, each with
/// its listed digest and size, and together giving its revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// [`tollgate_store::revision_of`] of `files`, which is the
    /// [`tollgate_store::Store::revision`] of the store they load.
    pub revision: String,
    /// When it was published (RFC 3339), as the manifest says.
    pub published_at: String,
    /// Who published it, as the manifest says.
    pub publisher: Option<String>,
    /// The manifest's sequence number, when it has one (signed manifests
    /// always do).
    pub sequence: Option<u64>,
    /// When the manifest expires (RFC 3339), when it says (signed
    /// manifests always do).
    pub expires_at: Option<String>,
    /// The store's files, for [`tollgate_store::Store::from_files`].
    pub files: BTreeMap<String, Vec<u8>>,
    /// The ETag of the `manifest.json` it came from, when the backend gives
    /// one; the fetcher's next poll sends it as `If-None-Match`. Never
    /// taken from the cache (a cache cannot vouch for freshness).
    pub manifest_etag: Option<String>,
    /// The manifest's signature, verified, when the fetcher requires one
    /// (or read from the cache, not yet verified: see [`Fetched::verify`]).
    pub signature: Option<ManifestSignature>,
}

impl Fetched {
    /// The manifest that describes it.
    pub fn manifest(&self) -> Manifest {
        let mut manifest = Manifest::of_files(
            &self.files,
            self.published_at.clone(),
            self.publisher.clone(),
        );
        manifest.sequence = self.sequence;
        manifest.expires_at = self.expires_at.clone();
        manifest
    }

    /// Checks that its signature is a valid signature of its manifest by one
    /// of `keys` (as a fetcher that requires signatures does); the signer's
    /// key id.
    pub fn verify(&self, keys: &TrustedKeys) -> Result<String, BundleError> {
        keys.verify(&self.manifest(), self.signature.as_ref())
    }
}

/// What a poll found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[expect(
    clippy::large_enum_variant,
    reason = "made once per poll and moved once; boxing would only add an allocation"
)]
pub enum PollOutcome {
    /// The revision is the last one returned (or resumed): the manifest's
    /// ETag is unchanged, or it was rewritten with the same revision,
    /// sequence and expiry.
    Unchanged,
    /// A new revision, complete and verified (or the same files under a
    /// manifest with another sequence or expiry).
    Updated(Fetched),
}

/// The last good revision, kept to answer conditional reads and to avoid
/// downloading objects again.
#[derive(Debug)]
struct Held {
    revision: String,
    /// The manifest's sequence and expiry: a manifest of the same files
    /// published again (to renew its expiry) is a new revision to return.
    freshness: (Option<u64>, Option<String>),
    etag: Option<String>,
    objects: HashMap<String, Bytes>,
}

/// Polls one location. Keeps the objects of the last revision it returned
/// (memory: about the size of that revision's files), so that a change
/// downloads only new objects.
#[derive(Debug)]
pub struct Fetcher {
    location: Location,
    options: FetchOptions,
    keys: Option<TrustedKeys>,
    held: Option<Held>,
    /// The highest manifest sequence accepted or declared seen; with
    /// signatures required, a lower one is refused.
    newest_sequence: Option<u64>,
}

impl Fetcher {
    /// A fetcher that holds no revision yet: its first poll downloads
    /// everything.
    pub fn new(location: Location, options: FetchOptions) -> Fetcher {
        Fetcher {
            location,
            options,
            keys: None,
            held: None,
            newest_sequence: None,
        }
    }

    /// From now on, accepts only revisions whose manifest is signed by one
    /// of `keys`: an unsigned revision, one signed by another key, or one
    /// whose manifest changed after signing is refused with
    /// [`BundleError::Signature`] before any object is downloaded.
    pub fn require_signatures(&mut self, keys: TrustedKeys) {
        self.keys = Some(keys);
    }

    /// Declares that a manifest numbered `sequence` was seen (by an
    /// earlier run, persisted in the cache folder): with signatures
    /// required, a manifest numbered below it is refused
    /// ([`BundleError::Rollback`]). Never lowers what was seen.
    pub fn refuse_older_than(&mut self, sequence: u64) {
        self.newest_sequence = Some(self.newest_sequence.map_or(sequence, |n| n.max(sequence)));
    }

    /// The highest manifest sequence seen: accepted by a poll or declared
    /// with [`Fetcher::refuse_older_than`] or [`Fetcher::resume`].
    pub fn newest_sequence(&self) -> Option<u64> {
        self.newest_sequence
    }

    /// Starts from a revision already held, such as the one
    /// [`cache::read`](crate::cache::read) returned at startup: the next
    /// poll downloads only objects it does not have. That poll is not
    /// conditional, whatever ETag `fetched` carries: a cache folder is
    /// local, writable input, and an ETag taken from it could make storage
    /// answer "not modified" and pin the cached revision. Its sequence, if
    /// any, counts as seen.
    pub fn resume(&mut self, fetched: &Fetched) {
        let objects = fetched
            .files
            .values()
            .map(|bytes| (sha256_hex(bytes), Bytes::from(bytes.clone())))
            .collect();
        self.held = Some(Held {
            revision: fetched.revision.clone(),
            freshness: (fetched.sequence, fetched.expires_at.clone()),
            etag: None,
            objects,
        });
        if let Some(sequence) = fetched.sequence {
            self.refuse_older_than(sequence);
        }
    }

    /// The revision last returned or resumed.
    pub fn revision(&self) -> Option<&str> {
        self.held.as_ref().map(|h| h.revision.as_str())
    }

    /// Where it polls.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Looks for a new revision (request counts: see the module docs).
    ///
    /// Returns [`PollOutcome::Updated`] only for a complete revision whose
    /// objects all have their listed digests and sizes and whose files give
    /// the manifest's revision. Any other finding is an error —
    /// [`BundleError::NotPublished`] when there is no manifest,
    /// [`BundleError::MissingObject`], [`BundleError::DigestMismatch`],
    /// [`BundleError::SizeMismatch`], [`BundleError::RevisionMismatch`],
    /// [`BundleError::Manifest`], [`BundleError::Limit`],
    /// [`BundleError::Signature`], [`BundleError::SignatureFormat`],
    /// [`BundleError::Storage`] — and leaves the fetcher as it was: keep
    /// serving the current revision and poll again later.
    pub async fn poll(&mut self) -> Result<PollOutcome, BundleError> {
        let etag = self.held.as_ref().and_then(|h| h.etag.clone());
        let (manifest, version) = match read_manifest(&self.location, etag, &self.options).await? {
            ManifestRead::NotModified => return Ok(PollOutcome::Unchanged),
            ManifestRead::Missing => {
                return Err(BundleError::NotPublished {
                    location: self.location.to_string(),
                });
            }
            ManifestRead::Found { manifest, version } => (manifest, version),
        };
        // Checked before the revision is compared, so that a manifest
        // rewritten without (or with a bad) signature is reported even when
        // its revision is the one held; and before anything else in the
        // manifest is validated or quoted, so that only what a trusted key
        // signed is looked at.
        let signature = match &self.keys {
            Some(keys) => {
                let signature = read_signature(&self.location, &manifest).await?;
                keys.verify(&manifest, signature.as_ref())?;
                signature
            }
            None => None,
        };
        manifest.validate(&self.options)?;
        let sequence = match &self.keys {
            Some(_) => {
                let (sequence, _) = manifest.signed_freshness()?;
                if let Some(newest) = self.newest_sequence
                    && sequence < newest
                {
                    return Err(BundleError::Rollback {
                        revision: manifest.revision,
                        sequence,
                        newest,
                    });
                }
                Some(sequence)
            }
            None => None,
        };
        if let Some(sequence) = sequence {
            self.refuse_older_than(sequence);
        }
        if let Some(held) = &mut self.held
            && held.revision == manifest.revision
            && held.freshness.0 == manifest.sequence
            && held.freshness.1 == manifest.expires_at
        {
            held.etag = version.e_tag;
            return Ok(PollOutcome::Unchanged);
        }
        let objects = self.objects_of(&manifest).await?;
        let files = assemble(&manifest, &objects)?;
        let fetched = Fetched {
            revision: manifest.revision,
            published_at: manifest.published_at,
            publisher: manifest.publisher,
            sequence: manifest.sequence,
            expires_at: manifest.expires_at,
            files,
            manifest_etag: version.e_tag,
            signature,
        };
        self.held = Some(Held {
            revision: fetched.revision.clone(),
            freshness: (fetched.sequence, fetched.expires_at.clone()),
            etag: fetched.manifest_etag.clone(),
            objects,
        });
        Ok(PollOutcome::Updated(fetched))
    }

    /// Every object of `manifest` by digest: held ones reused, the others
    /// downloaded and checked.
    async fn objects_of(&self, manifest: &Manifest) -> Result<HashMap<String, Bytes>, BundleError> {
        let empty = HashMap::new();
        let held = self.held.as_ref().map_or(&empty, |h| &h.objects);
        let mut objects = HashMap::with_capacity(manifest.objects.len());
        let mut wanted: BTreeMap<&str, &ManifestObject> = BTreeMap::new();
        for object in &manifest.objects {
            match held.get(&object.sha256) {
                Some(bytes) => {
                    objects.insert(object.sha256.clone(), bytes.clone());
                }
                None => {
                    wanted.entry(&object.sha256).or_insert(object);
                }
            }
        }
        // Owned inputs and futures, so that `poll`'s future is `Send`.
        let wanted: Vec<ManifestObject> = wanted.into_values().cloned().collect();
        let location = self.location.clone();
        let downloaded: Vec<(String, Bytes)> = stream::iter(wanted)
            .map(move |object| {
                let location = location.clone();
                async move { read_object(&location, &object).await }
            })
            .buffer_unordered(CONCURRENT_DOWNLOADS)
            .try_collect()
            .await?;
        objects.extend(downloaded);
        Ok(objects)
    }
}
