//! Reading a store folder into the files [`tollgate_store::Store::from_files`]
//! takes, the way `Store::load_dir` does: every file below the folder by
//! `/`-separated relative path, hidden files and folders (name starting
//! with `.`) skipped, symbolic links to files followed.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::Path;

use crate::error::BundleError;
use crate::limits::FetchOptions;

/// Every file under `root`, by relative path, within `limits`.
pub(crate) fn read_folder(
    root: &Path,
    limits: &FetchOptions,
) -> Result<BTreeMap<String, Vec<u8>>, BundleError> {
    let metadata = fs::metadata(root).map_err(|e| BundleError::io(root, e))?;
    if !metadata.is_dir() {
        return Err(BundleError::io(
            root,
            io::Error::new(io::ErrorKind::NotADirectory, "a store is a folder"),
        ));
    }
    let mut reader = Reader {
        files: BTreeMap::new(),
        total: 0,
        limits,
    };
    reader.read(root, "")?;
    Ok(reader.files)
}

struct Reader<'a> {
    files: BTreeMap<String, Vec<u8>>,
    total: u64,
    limits: &'a FetchOptions,
}

impl Reader<'_> {
    fn read(&mut self, dir: &Path, prefix: &str) -> Result<(), BundleError> {
        let entries = fs::read_dir(dir).map_err(|e| BundleError::io(dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| BundleError::io(dir, e))?;
            let path = entry.path();
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                return Err(BundleError::io(
                    &path,
                    io::Error::new(io::ErrorKind::InvalidData, "file names must be UTF-8"),
                ));
            };
            if name.starts_with('.') {
                continue;
            }
            let relative = format!("{prefix}{name}");
            let file_type = entry.file_type().map_err(|e| BundleError::io(&path, e))?;
            if file_type.is_dir() {
                self.read(&path, &format!("{relative}/"))?;
                continue;
            }
            if self.files.len() >= self.limits.max_objects {
                return Err(BundleError::Limit(format!(
                    "the folder has more than the limit of {} files",
                    self.limits.max_objects
                )));
            }
            let size = fs::metadata(&path)
                .map_err(|e| BundleError::io(&path, e))?
                .len();
            self.total = self.total.saturating_add(size);
            if self.total > self.limits.max_bytes {
                return Err(BundleError::Limit(format!(
                    "the folder has more than the limit of {} bytes",
                    self.limits.max_bytes
                )));
            }
            let bytes = fs::read(&path).map_err(|e| BundleError::io(&path, e))?;
            self.files.insert(relative, bytes);
        }
        Ok(())
    }
}
