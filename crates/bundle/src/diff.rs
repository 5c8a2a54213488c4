//! [`Diff`]: what a new revision changes, by path, for a publish report.

use std::collections::BTreeMap;

use crate::manifest::Manifest;

/// The files a revision adds, removes and changes compared with the one
/// published before it. Each list is sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    /// Paths only the new revision has.
    pub added: Vec<String>,
    /// Paths only the old revision has.
    pub removed: Vec<String>,
    /// Paths both have, with different contents.
    pub changed: Vec<String>,
}

impl Diff {
    /// The changes from `old` (`None`: nothing published yet) to `new`.
    pub fn between(old: Option<&Manifest>, new: &Manifest) -> Diff {
        let digests = |manifest: &Manifest| -> BTreeMap<String, String> {
            manifest
                .objects
                .iter()
                .map(|o| (o.path.clone(), o.sha256.clone()))
                .collect()
        };
        let old = old.map(digests).unwrap_or_default();
        let new = digests(new);
        let mut diff = Diff::default();
        for (path, digest) in &new {
            match old.get(path) {
                None => diff.added.push(path.clone()),
                Some(previous) if previous != digest => diff.changed.push(path.clone()),
                Some(_) => {}
            }
        }
        diff.removed = old
            .keys()
            .filter(|path| !new.contains_key(*path))
            .cloned()
            .collect();
        diff
    }

    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn manifest(files: &[(&str, &str)]) -> Manifest {
        let files: BTreeMap<String, Vec<u8>> = files
            .iter()
            .map(|(p, b)| ((*p).to_owned(), b.as_bytes().to_vec()))
            .collect();
        Manifest::of_files(&files, "2025-01-01T00:00:00Z".into(), None)
    }

    #[test]
    fn lists_added_removed_and_changed_paths() {
        let old = manifest(&[("a", "1"), ("b", "2"), ("c", "3")]);
        let new = manifest(&[("a", "1"), ("b", "20"), ("d", "4")]);
        let diff = Diff::between(Some(&old), &new);
        assert_eq!(diff.added, ["d"]);
        assert_eq!(diff.removed, ["c"]);
        assert_eq!(diff.changed, ["b"]);
        assert!(Diff::between(Some(&new), &new).is_empty());
        assert_eq!(Diff::between(None, &new).added, ["a", "b", "d"]);
    }
}
