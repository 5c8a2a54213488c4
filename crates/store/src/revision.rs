//! A store's revision: a SHA-256 over every file's path and bytes, in path
//! order, so equal contents give equal revisions wherever they were read.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

/// The lowercase hex SHA-256 of the sorted `(path, bytes)` pairs. Each path
/// and content is prefixed by its length, so no two different stores hash
/// the same input.
///
/// Re-exported as [`crate::revision_of`].
pub fn revision(files: &BTreeMap<String, Vec<u8>>) -> String {
    let mut hasher = Sha256::new();
    for (path, bytes) in files {
        hasher.update((path.len() as u64).to_le_bytes());
        hasher.update(path.as_bytes());
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(entries: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
        entries
            .iter()
            .map(|(p, b)| ((*p).to_owned(), b.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn changes_iff_content_changes() {
        let a = revision(&files(&[("a.json", "{}"), ("b.json", "[]")]));
        assert_eq!(a.len(), 64);
        assert_eq!(a, revision(&files(&[("b.json", "[]"), ("a.json", "{}")])));
        assert_ne!(a, revision(&files(&[("a.json", "{}"), ("b.json", "[ ]")])));
        assert_ne!(a, revision(&files(&[("a.json", "{}"), ("c.json", "[]")])));
        // Moving bytes between path and content changes the revision.
        assert_ne!(
            revision(&files(&[("ab", "c")])),
            revision(&files(&[("a", "bc")]))
        );
    }
}
