//! A cheap fingerprint of a store folder: every file's path, size and
//! modification time, hashed. The periodic rescan compares it with the one
//! taken at the last load and reloads only when it differs; reading the
//! metadata of a folder costs far less than parsing it.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::time::UNIX_EPOCH;

use crate::config::StoreSource;

/// Folders nested deeper than this are not looked into (a symlink loop).
const MAX_DEPTH: usize = 32;

/// The fingerprint of a store source at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fingerprint(u64);

impl Fingerprint {
    /// Fingerprints `source`; blocking. An unreadable entry is part of the
    /// fingerprint (as its error), so a folder that disappears and comes back
    /// counts as changed.
    pub(crate) fn of(source: &StoreSource) -> Self {
        let mut hasher = DefaultHasher::new();
        if let StoreSource::Dir(root) = source {
            let mut entries = Vec::new();
            walk(root, "", 0, &mut entries);
            entries.sort();
            entries.hash(&mut hasher);
        }
        Fingerprint(hasher.finish())
    }
}

fn walk(dir: &Path, prefix: &str, depth: usize, out: &mut Vec<String>) {
    let read = match std::fs::read_dir(dir) {
        Ok(read) => read,
        Err(e) => {
            out.push(format!("{prefix}: {}", e.kind()));
            return;
        }
    };
    for entry in read {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                out.push(format!("{prefix}: {}", e.kind()));
                continue;
            }
        };
        let name = format!("{prefix}/{}", entry.file_name().to_string_lossy());
        // Follows symlinks: a Kubernetes ConfigMap volume swaps a `..data` link.
        match std::fs::metadata(entry.path()) {
            Ok(meta) if meta.is_dir() => {
                out.push(format!("{name}/"));
                if depth < MAX_DEPTH {
                    walk(&entry.path(), &name, depth + 1, out);
                }
            }
            Ok(meta) => {
                let modified = meta
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos());
                out.push(format!("{name} {} {modified}", meta.len()));
            }
            Err(e) => out.push(format!("{name}: {}", e.kind())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_with_content_size_and_names() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let source = StoreSource::Dir(dir.path().to_path_buf());
        let empty = Fingerprint::of(&source);
        std::fs::create_dir(dir.path().join("sub"))?;
        std::fs::write(dir.path().join("sub/a.json"), "{}")?;
        let one = Fingerprint::of(&source);
        assert_ne!(empty, one);
        assert_eq!(one, Fingerprint::of(&source));
        std::fs::write(dir.path().join("sub/a.json"), "{ }")?;
        assert_ne!(one, Fingerprint::of(&source));
        Ok(())
    }

    #[test]
    fn missing_folder_differs_from_empty() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let empty = Fingerprint::of(&StoreSource::Dir(dir.path().to_path_buf()));
        let missing = Fingerprint::of(&StoreSource::Dir(dir.path().join("gone")));
        assert_ne!(empty, missing);
        Ok(())
    }
}
