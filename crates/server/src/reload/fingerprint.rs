//! A cheap fingerprint of a store folder: every file's path, size and
//! modification time, hashed. The periodic rescan compares it with the one
//! taken at the last load and reloads only when it differs; reading the
//! metadata of a folder costs far less than parsing it.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::ops::ControlFlow;
use std::time::UNIX_EPOCH;

use tollgate_store::files::{EntryKind, WalkLimits, walk};

use crate::config::StoreSource;

/// The fingerprint of a store source at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fingerprint(u64);

impl Fingerprint {
    /// Fingerprints `source`; blocking. The folder is walked as the store
    /// reads it ([`tollgate_store::files::walk`]: hidden entries skipped,
    /// links followed, cycles refused, bounded in depth, entries and time).
    /// An unreadable entry or a walk that stops is part of the fingerprint
    /// (as its error), so a folder that disappears and comes back counts as
    /// changed.
    pub(crate) fn of(source: &StoreSource) -> Self {
        let mut hasher = DefaultHasher::new();
        if let StoreSource::Dir(root) = source {
            let mut entries = Vec::new();
            let walked = walk(root, &WalkLimits::default(), true, &mut |entry| {
                let name = entry.relative.to_string_lossy().into_owned();
                entries.push(match (&entry.kind, &entry.metadata) {
                    (EntryKind::Unreadable(e), _) => format!("{name}: {}", e.kind()),
                    (EntryKind::Dir, _) => format!("{name}/"),
                    (_, Some(meta)) => describe(&name, meta),
                    (_, None) => format!("{name}: ?"),
                });
                ControlFlow::Continue(())
            });
            if let Err(error) = walked {
                entries.push(format!("! {error}"));
            }
            entries.hash(&mut hasher);
        }
        Fingerprint(hasher.finish())
    }
}

/// A file's name, size, modification time and identity (a file replaced
/// by another of the same size and time, as a ConfigMap update does, has
/// another inode).
fn describe(name: &str, meta: &std::fs::Metadata) -> String {
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    #[cfg(unix)]
    let identity = {
        use std::os::unix::fs::MetadataExt as _;
        (meta.dev(), meta.ino())
    };
    #[cfg(not(unix))]
    let identity = (0, 0);
    format!(
        "{name} {} {modified} {}:{}",
        meta.len(),
        identity.0,
        identity.1
    )
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

    #[cfg(unix)]
    #[test]
    fn link_cycles_end_quickly() -> std::io::Result<()> {
        // Two links to the folder itself: bounded by depth alone, the walk
        // would explore 2^depth paths.
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join("a.json"), "{}")?;
        std::os::unix::fs::symlink(".", dir.path().join("l1"))?;
        std::os::unix::fs::symlink(".", dir.path().join("l2"))?;
        let started = std::time::Instant::now();
        let source = StoreSource::Dir(dir.path().to_path_buf());
        assert_eq!(Fingerprint::of(&source), Fingerprint::of(&source));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
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
