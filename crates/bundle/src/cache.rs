//! A local copy of the last good revision, so a restarted sidecar serves
//! at once without depending on the object store.
//!
//! ```text
//! DIR/
//! ├── CURRENT                      the name of the folder below
//! ├── newest-sequence              the highest signed manifest sequence seen
//! └── r-NONCE/                     one revision, laid out as in the bucket
//!     ├── manifest.json
//!     ├── signature.json           the manifest's signature, when it has one
//!     └── objects/sha256/<hex>
//! ```
//!
//! The folder is local input that someone else may have written: every
//! file is read through [`tollgate_store::files::read_regular`] (regular
//! files only, opened without blocking, within a limit counted on the
//! bytes read: the manifest's own limit, each object its listed size,
//! small files a few bytes), and nothing in it vouches for freshness. A
//! manifest's ETag is not kept (versions before this one wrote an `etag`
//! file, now ignored): the first poll after a restart is unconditional, so
//! storage, not the cache, says which revision is published.
//!
//! [`write()`] builds a new revision folder under a temporary name, renames
//! it into place, then replaces `CURRENT` by renaming a new file over it, so
//! a crash at any point leaves the previous revision or the new one, never
//! a mix. [`read()`] verifies every digest and the revision (and a caller
//! that requires signatures checks the signature with
//! [`Fetched::verify`](crate::Fetched::verify)). Both use
//! blocking file I/O (call them from `spawn_blocking` in async code); one
//! writer per folder.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use tollgate_store::files::{FileError, read_regular};

use crate::error::BundleError;
use crate::fetch::Fetched;
use crate::limits::FetchOptions;
use crate::location::{MANIFEST_NAME, OBJECTS_FOLDER};
use crate::manifest::Manifest;
use crate::signing::{MAX_SIGNATURE_BYTES, ManifestSignature};
use crate::verify::{assemble, check_object};

const CURRENT: &str = "CURRENT";
const SIGNATURE: &str = "signature.json";
const NEWEST_SEQUENCE: &str = "newest-sequence";
/// The largest `CURRENT` and `newest-sequence` read, in bytes.
const MAX_SMALL_FILE_BYTES: u64 = 256;
const REVISION_PREFIX: &str = "r-";
const TEMP_PREFIX: &str = ".tmp-";

/// Saves `fetched` as the cached revision in `dir` (created if needed),
/// atomically, and removes older cached revisions.
pub fn write(dir: &Path, fetched: &Fetched) -> Result<(), BundleError> {
    fs::create_dir_all(dir).map_err(|e| BundleError::io(dir, e))?;
    let nonce = nonce();
    let temp = dir.join(format!("{TEMP_PREFIX}{nonce}"));
    let result = fill(&temp, fetched);
    if let Err(error) = result {
        let _ = fs::remove_dir_all(&temp);
        return Err(error);
    }
    let name = format!("{REVISION_PREFIX}{nonce}");
    let target = dir.join(&name);
    fs::rename(&temp, &target).map_err(|e| BundleError::io(&target, e))?;
    let pointer = dir.join(format!("{TEMP_PREFIX}{nonce}-{CURRENT}"));
    write_synced(&pointer, name.as_bytes())?;
    let current = dir.join(CURRENT);
    fs::rename(&pointer, &current).map_err(|e| BundleError::io(&current, e))?;
    sync_dir(dir);
    remove_others(dir, &name);
    Ok(())
}

/// The cached revision in `dir`, verified (every object's size and digest,
/// and the revision); `None` when there is none. A cache that fails
/// verification is an error: fetch from the object store instead.
pub fn read(dir: &Path) -> Result<Option<Fetched>, BundleError> {
    let current = dir.join(CURRENT);
    let name = match read_optional(&current, MAX_SMALL_FILE_BYTES)? {
        Some(bytes) => bytes,
        None => return Ok(None),
    };
    let name = std::str::from_utf8(&name).unwrap_or_default().trim();
    if !name.starts_with(REVISION_PREFIX) || name.contains(['/', '\\']) || name.contains("..") {
        return Err(BundleError::io(
            current,
            io::Error::new(io::ErrorKind::InvalidData, "not a cached revision's name"),
        ));
    }
    let folder = dir.join(name);
    let limits = FetchOptions::default();
    let manifest_path = folder.join(MANIFEST_NAME);
    let bytes = read_regular(&manifest_path, limits.max_manifest_bytes()).map_err(file_error)?;
    let manifest = Manifest::from_json(&bytes, &limits)?;
    let signature_path = folder.join(SIGNATURE);
    let signature = match read_optional(&signature_path, MAX_SIGNATURE_BYTES)? {
        Some(bytes) => Some(ManifestSignature::from_json(&bytes)?),
        None => None,
    };
    let mut objects = HashMap::with_capacity(manifest.objects.len());
    for object in &manifest.objects {
        if objects.contains_key(&object.sha256) {
            continue;
        }
        let path = object_file(&folder, &object.sha256);
        let bytes = match read_regular(&path, object.size) {
            Ok(bytes) => bytes,
            Err(e) if e.is_not_found() => {
                return Err(BundleError::MissingObject {
                    path: object.path.clone(),
                    sha256: object.sha256.clone(),
                });
            }
            Err(FileError::TooLarge { .. }) => {
                return Err(BundleError::SizeMismatch {
                    path: object.path.clone(),
                    expected: object.size,
                    actual: object.size.saturating_add(1),
                });
            }
            Err(e) => return Err(file_error(e)),
        };
        check_object(object, &bytes)?;
        objects.insert(object.sha256.clone(), Bytes::from(bytes));
    }
    let files = assemble(&manifest, &objects)?;
    Ok(Some(Fetched {
        revision: manifest.revision,
        published_at: manifest.published_at,
        publisher: manifest.publisher,
        sequence: manifest.sequence,
        expires_at: manifest.expires_at,
        files,
        manifest_etag: None,
        signature,
    }))
}

/// The highest signed manifest sequence recorded in `dir`
/// ([`write_newest_sequence`]); `None` when none is. The file is bounded
/// (256 bytes) and must hold a decimal number and nothing else.
pub fn read_newest_sequence(dir: &Path) -> Result<Option<u64>, BundleError> {
    let path = dir.join(NEWEST_SEQUENCE);
    let Some(bytes) = read_optional(&path, MAX_SMALL_FILE_BYTES)? else {
        return Ok(None);
    };
    let text = std::str::from_utf8(&bytes).unwrap_or_default().trim();
    if text.is_empty() || text.len() > 20 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(BundleError::io(
            path,
            io::Error::new(
                io::ErrorKind::InvalidData,
                "not a sequence number (decimal digits)",
            ),
        ));
    }
    text.parse().map(Some).map_err(|_| {
        BundleError::io(
            path,
            io::Error::new(
                io::ErrorKind::InvalidData,
                "the sequence number is too large",
            ),
        )
    })
}

/// Records `sequence` as the highest signed manifest sequence seen, in
/// `dir` (created if needed), atomically.
pub fn write_newest_sequence(dir: &Path, sequence: u64) -> Result<(), BundleError> {
    fs::create_dir_all(dir).map_err(|e| BundleError::io(dir, e))?;
    let temp = dir.join(format!("{TEMP_PREFIX}{}-{NEWEST_SEQUENCE}", nonce()));
    write_synced(&temp, format!("{sequence}\n").as_bytes())?;
    let target = dir.join(NEWEST_SEQUENCE);
    fs::rename(&temp, &target).map_err(|e| BundleError::io(&target, e))?;
    sync_dir(dir);
    Ok(())
}

/// The bytes of the regular file at `path`, at most `limit`; `None` when
/// it does not exist.
fn read_optional(path: &Path, limit: u64) -> Result<Option<Vec<u8>>, BundleError> {
    match read_regular(path, limit) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(file_error(e)),
    }
}

fn file_error(error: FileError) -> BundleError {
    let path = error.path().to_owned();
    match error {
        FileError::Io { source, .. } => BundleError::io(path, source),
        other => BundleError::io(
            path,
            io::Error::new(io::ErrorKind::InvalidData, other.to_string()),
        ),
    }
}

/// Writes one revision's folder.
fn fill(folder: &Path, fetched: &Fetched) -> Result<(), BundleError> {
    let objects = folder.join(OBJECTS_FOLDER);
    fs::create_dir_all(&objects).map_err(|e| BundleError::io(&objects, e))?;
    let manifest = fetched.manifest();
    write_synced(&folder.join(MANIFEST_NAME), &manifest.to_json()?)?;
    if let Some(signature) = &fetched.signature {
        write_synced(&folder.join(SIGNATURE), &signature.to_json()?)?;
    }
    let mut written = BTreeSet::new();
    for (object, bytes) in manifest.objects.iter().zip(fetched.files.values()) {
        if written.insert(object.sha256.as_str()) {
            write_synced(&object_file(folder, &object.sha256), bytes)?;
        }
    }
    sync_dir(&objects);
    sync_dir(folder);
    Ok(())
}

fn object_file(folder: &Path, sha256: &str) -> PathBuf {
    folder.join(OBJECTS_FOLDER).join(sha256)
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), BundleError> {
    let mut file = fs::File::create(path).map_err(|e| BundleError::io(path, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| BundleError::io(path, e))
}

/// Best effort: makes renames in `dir` durable where the platform allows.
fn sync_dir(dir: &Path) {
    if let Ok(dir) = fs::File::open(dir) {
        let _ = dir.sync_all();
    }
}

/// Best effort: removes cached revisions and leftovers other than `keep`.
fn remove_others(dir: &Path, keep: &str) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let ours = name.starts_with(REVISION_PREFIX) || name.starts_with(TEMP_PREFIX);
        if ours && name != keep {
            let path = entry.path();
            let _ = if path.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
        }
    }
}

/// A name no other write in this folder uses: time, process, counter.
fn nonce() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{nanos:x}-{:x}-{count:x}", std::process::id())
}
