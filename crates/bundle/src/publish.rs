//! [`publish`]: uploads a store folder as a new revision, refusing what
//! would not load and what would silently overwrite someone else's
//! revision.
//!
//! Requests per publish:
//!
//! - 1 `GET manifest.json` (the base revision and its ETag; absent: first
//!   publish);
//! - already published or dry run: nothing more;
//! - otherwise 1 `PUT objects/sha256/<hex>` (`If-None-Match: *`) for each
//!   distinct digest the base manifest does not list, up to eight at a
//!   time, then 1 conditional `PUT manifest.json`: `If-Match` on the base's
//!   ETag (GCS: its generation), or `If-None-Match: *` for a first publish;
//!   with a signing key, 1 `PUT signatures/sha256/<manifest-sha256>` just
//!   before the manifest (and, when the revision is already published,
//!   1 `GET` of its signature to see whether it is signed by this key);
//! - on a conflict, 1 more `GET manifest.json` to name the winner.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use chrono::SecondsFormat;
use futures::{StreamExt as _, TryStreamExt as _, stream};
use object_store::{ObjectStoreExt as _, PutMode, PutOptions, PutPayload, UpdateVersion};

use crate::diff::Diff;
use crate::error::BundleError;
use crate::folder::read_folder;
use crate::limits::FetchOptions;
use crate::location::Location;
use crate::manifest::{Manifest, check_publisher};
use crate::remote::{ManifestRead, read_manifest, read_signature, write_object, write_signature};
use crate::signing::{SignKey, TrustedKeys};

/// How many objects a publish uploads at once.
const CONCURRENT_UPLOADS: usize = 8;

/// How long a published manifest stays fresh when
/// [`PublishOptions::expires_in`] is not set: 30 days.
pub const DEFAULT_EXPIRES_IN: Duration = Duration::from_secs(30 * 24 * 3600);

/// How to publish.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishOptions {
    /// Read, check and compare, but write nothing.
    pub dry_run: bool,
    /// Who publishes, recorded in the manifest (at most 256 characters, no
    /// control characters).
    pub publisher: Option<String>,
    /// The bounds the revision must keep: those of the sidecars that will
    /// fetch it.
    pub limits: FetchOptions,
    /// Sign the revision's manifest with this key
    /// (`signatures/sha256/<manifest-sha256>`, written before the
    /// manifest). A revision already published but not signed by this key
    /// is published again (a new manifest of the same files), signed.
    pub sign_key: Option<SignKey>,
    /// The new manifest's sequence number; `None`: one more than the
    /// published manifest's (1 for the first, or when it has none). A
    /// number not above the published one is refused: sidecars that
    /// verify signatures would refuse it as a rollback.
    pub sequence: Option<u64>,
    /// How long the new manifest stays fresh; `None`:
    /// [`DEFAULT_EXPIRES_IN`]. Publishing the same files again renews the
    /// expiry once less than half of this remains on the published one.
    pub expires_in: Option<Duration>,
}

/// What a publish did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishOutcome {
    /// The new revision's manifest was written.
    Published,
    /// The location already serves this revision; nothing was written.
    AlreadyPublished,
    /// A dry run; nothing was written.
    DryRun,
}

/// The report of a publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishReport {
    /// What happened.
    pub outcome: PublishOutcome,
    /// The folder's revision ([`tollgate_store::revision_of`]).
    pub revision: String,
    /// The revision published before (the base), if any.
    pub previous_revision: Option<String>,
    /// The files added, removed and changed relative to the base.
    pub diff: Diff,
    /// The number of files in the revision.
    pub files: usize,
    /// Objects written. For a dry run: the objects the base does not list,
    /// which a real run would write unless already present.
    pub uploaded: usize,
    /// The store's warnings (`FILE: JSON-PATH: message`); they do not stop
    /// a publish.
    pub warnings: Vec<String>,
    /// The ETag of the manifest now published, when known.
    pub manifest_etag: Option<String>,
    /// The id of the key that signed the manifest now published, when
    /// signed with [`PublishOptions::sign_key`].
    pub signed_by: Option<String>,
    /// The sequence of the manifest now published: the new one's, or the
    /// base's when nothing was written.
    pub sequence: Option<u64>,
    /// When the manifest now published expires (RFC 3339), as `sequence`.
    pub expires_at: Option<String>,
}

/// Publishes the store folder `dir` to `location` as a new revision.
///
/// 1. Reads the folder (as `Store::load_dir` does) and loads and compiles it
///    with [`tollgate_store::Store::from_files`], off the async threads:
///    a store that does not load is refused with [`BundleError::Invalid`],
///    listing every fault, before any request.
/// 2. Reads the current manifest and its ETag: the base.
/// 3. Same revision as the base: [`PublishOutcome::AlreadyPublished`]
///    (with a signing key: only when the base is signed by that key; and
///    only when the base has a sequence and more than half of
///    [`PublishOptions::expires_in`] left before its expiry, and no
///    sequence is given: otherwise the same files are published again
///    with a new sequence and expiry).
///    Dry run: [`PublishOutcome::DryRun`] with the diff and the count of
///    objects to upload.
/// 4. Uploads the objects the base does not list (`PutMode::Create`; one
///    that exists already is fine: it has the same content), then writes
///    the signature (with a signing key), then `manifest.json` last — the
///    commit point — conditionally on the base (`PutMode::Update`
///    with its ETag and version, or `PutMode::Create` when there was none).
///    If another revision was published meanwhile, nothing is overwritten
///    and the result is [`BundleError::Conflict`] naming it; if it is this
///    very revision, [`PublishOutcome::AlreadyPublished`].
///
/// On `file://` locations, whose backend has no conditional overwrite, the
/// manifest's ETag is compared just before an atomic replace: a conflict in
/// between (a few microseconds) goes unnoticed.
pub async fn publish(
    dir: &Path,
    location: &Location,
    options: &PublishOptions,
) -> Result<PublishReport, BundleError> {
    if let Some(publisher) = &options.publisher {
        check_publisher(publisher)?;
    }
    let (files, warnings) = load(dir.to_owned(), options.limits).await?;
    let now = chrono::Utc::now();
    let published_at = now.to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut manifest = Manifest::of_files(&files, published_at, options.publisher.clone());
    let base = match read_manifest(location, None, &options.limits).await? {
        ManifestRead::Found { manifest, version } => {
            manifest.validate(&options.limits)?;
            Some((manifest, version))
        }
        ManifestRead::Missing | ManifestRead::NotModified => None,
    };
    let expires_in = options.expires_in.unwrap_or(DEFAULT_EXPIRES_IN);
    manifest.sequence = Some(next_sequence(
        base.as_ref().and_then(|(m, _)| m.sequence),
        options.sequence,
    )?);
    let expires_at = chrono::Duration::from_std(expires_in)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .ok_or_else(|| {
            BundleError::Manifest(format!(
                "an expiry {} s from now is out of range",
                expires_in.as_secs()
            ))
        })?;
    manifest.expires_at = Some(expires_at.to_rfc3339_opts(SecondsFormat::Secs, true));
    manifest.validate(&options.limits)?;
    let mut report = PublishReport {
        outcome: PublishOutcome::DryRun,
        revision: manifest.revision.clone(),
        previous_revision: base.as_ref().map(|(m, _)| m.revision.clone()),
        diff: Diff::between(base.as_ref().map(|(m, _)| m), &manifest),
        files: files.len(),
        uploaded: 0,
        warnings,
        manifest_etag: base.as_ref().and_then(|(_, v)| v.e_tag.clone()),
        signed_by: None,
        sequence: manifest.sequence,
        expires_at: manifest.expires_at.clone(),
    };
    if let Some((base_manifest, _)) = &base
        && base_manifest.revision == manifest.revision
        && options.sequence.is_none()
        && still_fresh(base_manifest, now, expires_in)
    {
        match &options.sign_key {
            None => {
                report.outcome = PublishOutcome::AlreadyPublished;
                report.sequence = base_manifest.sequence;
                report.expires_at = base_manifest.expires_at.clone();
                return Ok(report);
            }
            Some(key) => {
                let ours = TrustedKeys::new(vec![key.verify_key()]);
                let signature = read_signature(location, base_manifest).await?;
                if let Ok(key_id) = ours.verify(base_manifest, signature.as_ref()) {
                    report.outcome = PublishOutcome::AlreadyPublished;
                    report.signed_by = Some(key_id);
                    report.sequence = base_manifest.sequence;
                    report.expires_at = base_manifest.expires_at.clone();
                    return Ok(report);
                }
                // Published, but not signed by this key: publish it again,
                // signed.
            }
        }
    }
    let listed: HashSet<&str> = base
        .iter()
        .flat_map(|(m, _)| m.objects.iter().map(|o| o.sha256.as_str()))
        .collect();
    // Owned inputs and futures, so that `publish`'s future is `Send`.
    let mut missing: BTreeMap<String, Bytes> = BTreeMap::new();
    for (object, bytes) in manifest.objects.iter().zip(files.into_values()) {
        if !listed.contains(object.sha256.as_str()) {
            missing
                .entry(object.sha256.clone())
                .or_insert_with(|| Bytes::from(bytes));
        }
    }
    if options.dry_run {
        report.uploaded = missing.len();
        return Ok(report);
    }
    let upload_location = location.clone();
    let written: Vec<bool> = stream::iter(missing)
        .map(move |(sha256, bytes)| {
            let location = upload_location.clone();
            async move { write_object(&location, &sha256, bytes).await }
        })
        .buffer_unordered(CONCURRENT_UPLOADS)
        .try_collect()
        .await?;
    report.uploaded = written.into_iter().filter(|w| *w).count();
    if let Some(key) = &options.sign_key {
        report.signed_by = Some(write_signature(location, &manifest, key).await?);
    }
    let version = base.map(|(_, version)| version);
    match write_manifest(location, &manifest, version).await? {
        Written::Ours(e_tag) => {
            report.outcome = PublishOutcome::Published;
            report.manifest_etag = e_tag;
            Ok(report)
        }
        Written::Theirs => {
            let (theirs, version) = match read_manifest(location, None, &options.limits).await {
                Ok(ManifestRead::Found { manifest, version }) => {
                    (Some(manifest.revision), version.e_tag)
                }
                _ => (None, None),
            };
            if theirs.as_deref() == Some(manifest.revision.as_str()) {
                report.outcome = PublishOutcome::AlreadyPublished;
                report.manifest_etag = version;
                return Ok(report);
            }
            Err(BundleError::Conflict { revision: theirs })
        }
    }
}

/// The sequence of a new manifest: `given`, which must be above the
/// published one's, or one more than the published one's (1 when there is
/// none).
fn next_sequence(published: Option<u64>, given: Option<u64>) -> Result<u64, BundleError> {
    match (published, given) {
        (Some(published), Some(given)) if given <= published => {
            Err(BundleError::Manifest(format!(
                "sequence {given} is not above {published}, the published manifest's: sidecars \
             that verify signatures would refuse it as a rollback"
            )))
        }
        (_, Some(given)) => Ok(given),
        (Some(published), None) => published.checked_add(1).ok_or_else(|| {
            BundleError::Manifest(format!("the published sequence {published} cannot grow"))
        }),
        (None, None) => Ok(1),
    }
}

/// Whether the published manifest of the same files needs no renewal: it
/// has a sequence and an expiry, and more than half of `expires_in` is
/// left before it expires.
fn still_fresh(
    published: &Manifest,
    now: chrono::DateTime<chrono::Utc>,
    expires_in: Duration,
) -> bool {
    let Some(expires_at) = published
        .expires_at
        .as_deref()
        .and_then(|text| crate::manifest::parse_time("expiresAt", text).ok())
    else {
        return false;
    };
    let half = chrono::Duration::from_std(expires_in / 2).unwrap_or(chrono::Duration::MAX);
    published.sequence.is_some() && now.checked_add_signed(half).is_some_and(|t| expires_at > t)
}

/// Reads and loads the folder on a blocking thread; the files and the
/// store's warnings.
async fn load(
    dir: PathBuf,
    limits: FetchOptions,
) -> Result<(BTreeMap<String, Vec<u8>>, Vec<String>), BundleError> {
    let task_dir = dir.clone();
    let task = tokio::task::spawn_blocking(move || {
        let files = read_folder(&task_dir, &limits)?;
        let store =
            tollgate_store::Store::from_files(files.clone()).map_err(BundleError::Invalid)?;
        let warnings = store.warnings().iter().map(ToString::to_string).collect();
        Ok((files, warnings))
    });
    task.await
        .map_err(|e| BundleError::io(dir, std::io::Error::other(e)))?
}

/// Whose manifest a conditional write left in place.
enum Written {
    /// Ours, with its ETag.
    Ours(Option<String>),
    /// Someone else's: the base changed.
    Theirs,
}

/// Writes `manifest.json` if it is still `base` (`None`: still absent).
async fn write_manifest(
    location: &Location,
    manifest: &Manifest,
    base: Option<UpdateVersion>,
) -> Result<Written, BundleError> {
    let path = location.manifest_path();
    let store = location.store();
    let bytes = Bytes::from(manifest.to_json()?);
    let mode = match &base {
        Some(version) => PutMode::Update(version.clone()),
        None => PutMode::Create,
    };
    let result = store
        .put_opts(
            &path,
            PutPayload::from(bytes.clone()),
            PutOptions::from(mode),
        )
        .await;
    match result {
        Ok(put) => Ok(Written::Ours(put.e_tag)),
        Err(
            object_store::Error::Precondition { .. } | object_store::Error::AlreadyExists { .. },
        ) => Ok(Written::Theirs),
        Err(object_store::Error::NotImplemented { .. }) if base.is_some() => {
            // No conditional overwrite (the local file system): compare the
            // ETag, then replace atomically.
            let current = match store.head(&path).await {
                Ok(meta) => meta.e_tag,
                Err(object_store::Error::NotFound { .. }) => return Ok(Written::Theirs),
                Err(e) => return Err(BundleError::storage("read", &path, e)),
            };
            if current != base.and_then(|v| v.e_tag) {
                return Ok(Written::Theirs);
            }
            let put = store
                .put_opts(
                    &path,
                    PutPayload::from(bytes),
                    PutOptions::from(PutMode::Overwrite),
                )
                .await
                .map_err(|e| BundleError::storage("write", &path, e))?;
            Ok(Written::Ours(put.e_tag))
        }
        Err(e) => Err(BundleError::storage("write", &path, e)),
    }
}
