//! Reading a store folder from disk into the map of files that
//! [`crate::Store::from_files`] takes, through the one hostile-file
//! mechanism of [`crate::files`]: hidden files and folders (name starting
//! with `.`) are skipped; symbolic links are followed, so a Kubernetes
//! ConfigMap volume (top-level links into a hidden `..data` folder) reads
//! as the folder it presents; a link cycle, a FIFO, a socket or a device is
//! a fault naming its path; the walk is bounded ([`crate::files::WalkLimits`])
//! and every size limit is applied to the bytes actually read.

use std::collections::BTreeMap;
use std::io;
use std::ops::ControlFlow;
use std::path::Path;

use tollgate_policy::JsonPath;

use crate::error::{FaultKind, StoreError, StoreFault, StoreFaults};
use crate::files::{EntryKind, FileError, WalkEntry, WalkError, read_regular, walk};
use crate::limits::StoreLimits;
use crate::read::STORE_ROOT;

fn io_error(path: &Path, source: io::Error) -> StoreError {
    StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The `/`-separated form of a relative path; `None` when it is not UTF-8.
fn relative_name(relative: &Path) -> Option<String> {
    let parts: Option<Vec<&str>> = relative
        .components()
        .map(|c| c.as_os_str().to_str())
        .collect();
    Some(parts?.join("/"))
}

/// Every file under `root`, by relative path.
pub(crate) fn read_folder(
    root: &Path,
    limits: &StoreLimits,
) -> Result<BTreeMap<String, Vec<u8>>, StoreError> {
    let metadata = std::fs::metadata(root).map_err(|e| io_error(root, e))?;
    if !metadata.is_dir() {
        return Err(io_error(
            root,
            io::Error::new(io::ErrorKind::NotADirectory, "a store is a folder"),
        ));
    }
    let mut reader = Reader {
        limits,
        files: BTreeMap::new(),
        faults: Vec::new(),
        total: 0,
        error: None,
    };
    let walked = walk(root, &limits.walk, true, &mut |entry| reader.entry(entry));
    if let Some(error) = reader.error {
        return Err(error);
    }
    if let Err(error) = walked {
        match error {
            WalkError::Io { path, source } => return Err(io_error(&path, source)),
            other => reader.faults.push(StoreFault::new(
                fault_file(root, &other),
                JsonPath::root(),
                FaultKind::Limit(other.to_string()),
            )),
        }
    }
    match StoreFaults::from_vec(reader.faults) {
        Some(faults) => Err(StoreError::Invalid(faults)),
        None => Ok(reader.files),
    }
}

/// The file a walk fault is reported on: the entry's path below the root
/// when it has one, else the store as a whole.
fn fault_file(root: &Path, error: &WalkError) -> String {
    let path = match error {
        WalkError::Cycle { path } | WalkError::TooDeep { path, .. } => path,
        _ => return STORE_ROOT.to_owned(),
    };
    path.strip_prefix(root)
        .ok()
        .and_then(relative_name)
        .unwrap_or_else(|| STORE_ROOT.to_owned())
}

struct Reader<'a> {
    limits: &'a StoreLimits,
    files: BTreeMap<String, Vec<u8>>,
    faults: Vec<StoreFault>,
    total: usize,
    /// An I/O error that stops the load.
    error: Option<StoreError>,
}

impl Reader<'_> {
    fn entry(&mut self, entry: WalkEntry) -> ControlFlow<()> {
        let name = relative_name(&entry.relative);
        let fault = |name: Option<String>, kind: FaultKind| {
            let file = name.unwrap_or_else(|| entry.path.to_string_lossy().into_owned());
            StoreFault::new(file, JsonPath::root(), kind)
        };
        match entry.kind {
            EntryKind::Dir => return ControlFlow::Continue(()),
            EntryKind::Unreadable(source) => {
                self.error = Some(io_error(&entry.path, source));
                return ControlFlow::Break(());
            }
            EntryKind::Other(kind) => {
                self.faults.push(fault(
                    name,
                    FaultKind::UnexpectedFile(format!(
                        "it is {kind}; a store holds only regular files (and folders)"
                    )),
                ));
                return ControlFlow::Continue(());
            }
            EntryKind::File => {}
        }
        let Some(name) = name else {
            self.faults.push(fault(
                None,
                FaultKind::UnexpectedFile("store file names must be UTF-8".into()),
            ));
            return ControlFlow::Continue(());
        };
        if self.files.len() >= self.limits.max_files {
            self.faults.push(StoreFault::new(
                STORE_ROOT,
                JsonPath::root(),
                FaultKind::Limit(format!(
                    "the store has more than the limit of {} files",
                    self.limits.max_files
                )),
            ));
            return ControlFlow::Break(());
        }
        let limit = u64::try_from(self.limits.max_file_bytes).unwrap_or(u64::MAX);
        let bytes = match read_regular(&entry.path, limit) {
            Ok(bytes) => bytes,
            Err(FileError::TooLarge { limit, .. }) => {
                self.faults.push(StoreFault::new(
                    name,
                    JsonPath::root(),
                    FaultKind::Limit(format!("the file has more than the limit of {limit} bytes")),
                ));
                return ControlFlow::Continue(());
            }
            Err(FileError::NotRegular { kind, .. }) => {
                self.faults.push(StoreFault::new(
                    name,
                    JsonPath::root(),
                    FaultKind::UnexpectedFile(format!(
                        "it is {kind}; a store holds only regular files (and folders)"
                    )),
                ));
                return ControlFlow::Continue(());
            }
            Err(FileError::Io { path, source }) => {
                self.error = Some(io_error(&path, source));
                return ControlFlow::Break(());
            }
        };
        self.total = self.total.saturating_add(bytes.len());
        if self.total > self.limits.max_total_bytes {
            self.faults.push(StoreFault::new(
                STORE_ROOT,
                JsonPath::root(),
                FaultKind::Limit(format!(
                    "the store has more than the limit of {} bytes",
                    self.limits.max_total_bytes
                )),
            ));
            return ControlFlow::Break(());
        }
        crate::progress::file_read(bytes.len());
        self.files.insert(name, bytes);
        ControlFlow::Continue(())
    }
}
