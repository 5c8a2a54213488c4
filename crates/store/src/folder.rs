//! Reading a store folder from disk into the map of files that
//! [`crate::Store::from_files`] takes. Hidden files and folders (name
//! starting with `.`) are skipped; the file count and sizes are checked
//! before anything too big is read. Symbolic links are followed, so a
//! Kubernetes ConfigMap volume (top-level links into a hidden `..data`
//! folder) reads as the folder it presents; a link loop is an error.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::Path;

use tollgate_policy::JsonPath;
use walkdir::{DirEntry, WalkDir};

use crate::error::{FaultKind, StoreError, StoreFault, StoreFaults};
use crate::limits::StoreLimits;
use crate::read::STORE_ROOT;

fn io_error(path: &Path, source: io::Error) -> StoreError {
    StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

fn is_hidden(entry: &DirEntry) -> bool {
    entry.depth() > 0 && entry.file_name().to_string_lossy().starts_with('.')
}

/// The path of `path` below `root`, with `/` separators; `None` when it is
/// not UTF-8.
fn relative(root: &Path, path: &Path) -> Option<String> {
    let rest = path.strip_prefix(root).ok()?;
    let parts: Option<Vec<&str>> = rest.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

/// Every file under `root`, by relative path.
pub(crate) fn read_folder(
    root: &Path,
    limits: &StoreLimits,
) -> Result<BTreeMap<String, Vec<u8>>, StoreError> {
    let metadata = fs::metadata(root).map_err(|e| io_error(root, e))?;
    if !metadata.is_dir() {
        return Err(io_error(
            root,
            io::Error::new(io::ErrorKind::NotADirectory, "a store is a folder"),
        ));
    }
    let mut files = BTreeMap::new();
    let mut faults = Vec::new();
    let mut total = 0usize;
    let limit = |message: String| FaultKind::Limit(message);
    let walk = WalkDir::new(root)
        .follow_links(true)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !is_hidden(e));
    for entry in walk {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(root).to_owned();
            io_error(&path, e.into())
        })?;
        if entry.file_type().is_dir() {
            continue;
        }
        let Some(name) = relative(root, entry.path()) else {
            faults.push(StoreFault::new(
                entry.path().to_string_lossy(),
                JsonPath::root(),
                FaultKind::UnexpectedFile("store file names must be UTF-8".into()),
            ));
            continue;
        };
        if files.len() >= limits.max_files {
            faults.push(StoreFault::new(
                STORE_ROOT,
                JsonPath::root(),
                limit(format!(
                    "the store has more than the limit of {} files",
                    limits.max_files
                )),
            ));
            break;
        }
        let size = entry
            .metadata()
            .map_err(|e| io_error(entry.path(), e.into()))?
            .len();
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        if size > limits.max_file_bytes {
            faults.push(StoreFault::new(
                name,
                JsonPath::root(),
                limit(format!(
                    "the file has {size} bytes, more than the limit of {}",
                    limits.max_file_bytes
                )),
            ));
            continue;
        }
        total = total.saturating_add(size);
        if total > limits.max_total_bytes {
            faults.push(StoreFault::new(
                STORE_ROOT,
                JsonPath::root(),
                limit(format!(
                    "the store has more than the limit of {} bytes",
                    limits.max_total_bytes
                )),
            ));
            break;
        }
        let bytes = fs::read(entry.path()).map_err(|e| io_error(entry.path(), e))?;
        files.insert(name, bytes);
    }
    match StoreFaults::from_vec(faults) {
        Some(faults) => Err(StoreError::Invalid(faults)),
        None => Ok(files),
    }
}
