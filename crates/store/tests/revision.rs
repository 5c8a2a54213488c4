//! The revision is a content hash: it changes exactly when the store's
//! files change, whether they are read from a folder or given as a map.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fs;
use std::path::Path;

use tollgate_store::Store;

const USER: &str = "accounts/111122223333/users/alice.json";

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn revision(root: &Path) -> String {
    Store::load_dir(root).unwrap().revision().to_owned()
}

#[test]
fn revision_changes_iff_content_changes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, USER, r#"{"Tags": {"team": "a"}}"#);
    write(
        root,
        "organization/organization.json",
        r#"{"Root": {"Accounts": [{"Id": "111122223333"}]}}"#,
    );
    let first = revision(root);
    assert_eq!(first.len(), 64);
    assert!(first.bytes().all(|b| b.is_ascii_hexdigit()));
    // Reading again, or from a map of the same files, gives the same revision.
    assert_eq!(revision(root), first);
    let same = common::store(&[
        (USER, r#"{"Tags": {"team": "a"}}"#),
        (
            "organization/organization.json",
            r#"{"Root": {"Accounts": [{"Id": "111122223333"}]}}"#,
        ),
    ]);
    assert_eq!(same.revision(), first);
    // Hidden files are not part of the store.
    write(root, ".git/HEAD", "ref: refs/heads/main");
    write(root, "accounts/.DS_Store", "junk");
    assert_eq!(revision(root), first);
    // A changed byte, a new note, a renamed file: a new revision.
    write(root, USER, r#"{"Tags": {"team": "b"}}"#);
    let changed = revision(root);
    assert_ne!(changed, first);
    write(root, USER, r#"{"Tags": {"team": "a"}}"#);
    assert_eq!(revision(root), first);
    write(root, "NOTES.md", "why");
    assert_ne!(revision(root), first);
    fs::remove_file(root.join("NOTES.md")).unwrap();
    fs::rename(
        root.join(USER),
        root.join("accounts/111122223333/users/alicia.json"),
    )
    .unwrap();
    assert_ne!(revision(root), first);
}

#[test]
fn load_dir_reads_subfolders_as_iam_paths() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "accounts/111122223333/policies/team/read.json",
        &common::allow("s3:GetObject", "*"),
    );
    write(
        root,
        "accounts/111122223333/users/eng/sam.json",
        r#"{"AttachedManagedPolicies": ["arn:aws:iam::111122223333:policy/team/read"]}"#,
    );
    write(root, "README.md", "# notes");
    let store = Store::load_dir(root).unwrap();
    let request = common::request(
        "arn:aws:iam::111122223333:user/eng/sam",
        "s3:GetObject",
        "arn:aws:s3:::b/k",
    );
    let (decision, _) = store.evaluate(&request, None);
    assert_eq!(decision.kind, tollgate_policy::DecisionKind::Allowed);
    assert_eq!(
        decision.decisive[0].policy,
        "accounts/111122223333/policies/team/read.json"
    );
}
