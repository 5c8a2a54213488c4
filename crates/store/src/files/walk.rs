//! [`walk`]: every entry below a folder, symbolic links followed, cycles
//! detected by device and inode, bounded in depth, entries and time.

use std::fs::{self, Metadata};
use std::io;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::read::type_name;

/// Bounds on one walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalkLimits {
    /// Deepest folder nesting below the root. Default: 64.
    pub max_depth: usize,
    /// Most entries examined (files, folders and skipped hidden entries
    /// together). Default: 250,000.
    pub max_entries: usize,
    /// Longest time a walk may take. Default: 60 s.
    pub max_time: Duration,
}

impl Default for WalkLimits {
    fn default() -> Self {
        Self {
            max_depth: 64,
            max_entries: 250_000,
            max_time: Duration::from_secs(60),
        }
    }
}

/// What an entry is, its symbolic links followed.
#[derive(Debug)]
pub enum EntryKind {
    /// A regular file (read it with [`super::read_regular`], which checks
    /// again on the opened file).
    File,
    /// A folder; the walk goes into it after this entry.
    Dir,
    /// A FIFO, socket or device: never to be read.
    Other(&'static str),
    /// Its metadata could not be read (a dangling link, permissions).
    Unreadable(io::Error),
}

/// One entry found by [`walk`].
#[derive(Debug)]
pub struct WalkEntry {
    /// The path below the root (no leading `./`).
    pub relative: PathBuf,
    /// The full path.
    pub path: PathBuf,
    /// What it is.
    pub kind: EntryKind,
    /// Its metadata (symbolic links followed), unless unreadable.
    pub metadata: Option<Metadata>,
}

/// Why a walk stopped.
#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    /// A folder could not be listed.
    #[error("cannot list `{}`: {source}", path.display())]
    Io {
        /// The folder.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A folder is inside itself (a symbolic link to one of its parents).
    #[error("`{}` is a link to one of the folders that contain it (a cycle)", path.display())]
    Cycle {
        /// The entry that leads back.
        path: PathBuf,
    },
    /// Folders nested deeper than [`WalkLimits::max_depth`].
    #[error("`{}` is nested more than the limit of {limit} folders deep", path.display())]
    TooDeep {
        /// The folder.
        path: PathBuf,
        /// The limit.
        limit: usize,
    },
    /// More than [`WalkLimits::max_entries`] entries.
    #[error("the folder has more than the limit of {limit} entries")]
    TooManyEntries {
        /// The limit.
        limit: usize,
    },
    /// Longer than [`WalkLimits::max_time`].
    #[error("listing the folder took longer than the limit of {} s", limit.as_secs())]
    TooSlow {
        /// The limit.
        limit: Duration,
    },
}

/// Calls `visit` for every entry below `root` (not `root` itself), each
/// folder's entries in name order, a folder before what it holds. Hidden
/// entries (name starting with `.`) are skipped when `skip_hidden`.
/// `visit` may stop the walk with [`ControlFlow::Break`]. Entries that
/// `visit` sees as [`EntryKind::Dir`] are walked into, unless that would
/// close a cycle or exceed the depth.
pub fn walk(
    root: &Path,
    limits: &WalkLimits,
    skip_hidden: bool,
    visit: &mut dyn FnMut(WalkEntry) -> ControlFlow<()>,
) -> Result<(), WalkError> {
    let root_metadata = fs::metadata(root).map_err(|source| WalkError::Io {
        path: root.to_owned(),
        source,
    })?;
    let mut walker = Walker {
        limits,
        skip_hidden,
        started: Instant::now(),
        entries: 0,
        ancestors: vec![identity(&root_metadata)],
    };
    walker.folder(root, Path::new(""), visit).map(|_| ())
}

struct Walker<'a> {
    limits: &'a WalkLimits,
    skip_hidden: bool,
    started: Instant,
    entries: usize,
    /// The (device, inode) of every folder from the root to the one being
    /// listed.
    ancestors: Vec<Option<(u64, u64)>>,
}

impl Walker<'_> {
    fn folder(
        &mut self,
        dir: &Path,
        relative: &Path,
        visit: &mut dyn FnMut(WalkEntry) -> ControlFlow<()>,
    ) -> Result<ControlFlow<()>, WalkError> {
        let listing = fs::read_dir(dir).map_err(|source| WalkError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let mut names = Vec::new();
        for entry in listing {
            let entry = entry.map_err(|source| WalkError::Io {
                path: dir.to_owned(),
                source,
            })?;
            self.count()?;
            let name = entry.file_name();
            if self.skip_hidden && name.as_encoded_bytes().first() == Some(&b'.') {
                continue;
            }
            names.push(name);
        }
        names.sort();
        for name in names {
            self.check_time()?;
            let path = dir.join(&name);
            let relative = relative.join(&name);
            let (kind, metadata) = match fs::metadata(&path) {
                Ok(metadata) => {
                    let file_type = metadata.file_type();
                    let kind = if file_type.is_dir() {
                        EntryKind::Dir
                    } else if file_type.is_file() {
                        EntryKind::File
                    } else {
                        EntryKind::Other(type_name(file_type))
                    };
                    (kind, Some(metadata))
                }
                Err(e) => (EntryKind::Unreadable(e), None),
            };
            let id = metadata.as_ref().and_then(identity);
            let is_dir = matches!(kind, EntryKind::Dir);
            let entry = WalkEntry {
                relative: relative.clone(),
                path: path.clone(),
                kind,
                metadata,
            };
            if visit(entry).is_break() {
                return Ok(ControlFlow::Break(()));
            }
            if !is_dir {
                continue;
            }
            if id.is_some() && self.ancestors.contains(&id) {
                return Err(WalkError::Cycle { path });
            }
            if self.ancestors.len() > self.limits.max_depth {
                return Err(WalkError::TooDeep {
                    path,
                    limit: self.limits.max_depth,
                });
            }
            self.ancestors.push(id);
            let flow = self.folder(&path, &relative, visit);
            self.ancestors.pop();
            if flow?.is_break() {
                return Ok(ControlFlow::Break(()));
            }
        }
        Ok(ControlFlow::Continue(()))
    }

    fn count(&mut self) -> Result<(), WalkError> {
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            return Err(WalkError::TooManyEntries {
                limit: self.limits.max_entries,
            });
        }
        self.check_time()
    }

    fn check_time(&self) -> Result<(), WalkError> {
        if self.started.elapsed() > self.limits.max_time {
            return Err(WalkError::TooSlow {
                limit: self.limits.max_time,
            });
        }
        Ok(())
    }
}

/// A folder's (device, inode); `None` where the platform has none.
#[cfg(unix)]
fn identity(metadata: &Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt as _;
    Some((metadata.dev(), metadata.ino()))
}

#[cfg(not(unix))]
fn identity(_metadata: &Metadata) -> Option<(u64, u64)> {
    None
}
