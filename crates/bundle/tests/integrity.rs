//! A fetcher returns a revision only when it is complete and verified:
//! half-uploaded, damaged or inconsistent revisions are errors that leave
//! the fetcher on its last good revision.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{example_copy, memory, write};
use object_store::{ObjectStoreExt as _, PutPayload};
use tollgate_bundle::{
    BundleError, FetchOptions, Fetcher, Location, Manifest, PollOutcome, PublishOptions, publish,
    published_manifest,
};

async fn put(location: &Location, path: &object_store::path::Path, bytes: Vec<u8>) {
    location
        .store()
        .put(path, PutPayload::from(bytes))
        .await
        .unwrap();
}

async fn read_manifest(location: &Location) -> Manifest {
    published_manifest(location)
        .await
        .unwrap()
        .expect("a published manifest")
}

/// Publishes the example store, fetches it, and returns the fetcher.
async fn published() -> (tempfile::TempDir, Location, Fetcher, String) {
    let dir = example_copy();
    let (_, location) = memory();
    let report = publish(dir.path(), &location, &PublishOptions::default())
        .await
        .unwrap();
    let mut fetcher = Fetcher::new(location.clone(), FetchOptions::default());
    assert!(matches!(
        fetcher.poll().await.unwrap(),
        PollOutcome::Updated(_)
    ));
    (dir, location, fetcher, report.revision)
}

#[tokio::test]
async fn objects_without_a_manifest_are_not_a_revision() {
    let (_, location) = memory();
    put(
        &location,
        &location.object_path(&"a".repeat(64)),
        b"{}".to_vec(),
    )
    .await;
    let mut fetcher = Fetcher::new(location, FetchOptions::default());
    let error = fetcher.poll().await.unwrap_err();
    assert!(matches!(error, BundleError::NotPublished { .. }), "{error}");
    assert_eq!(fetcher.revision(), None);
}

#[tokio::test]
async fn new_objects_without_their_manifest_leave_the_revision_unchanged() {
    let (dir, location, mut fetcher, revision) = published().await;
    // A publish that stopped after uploading its objects: the new object is
    // there, the manifest is still the old one.
    write(dir.path(), "NOTES.md", "half\n");
    let new = std::fs::read(dir.path().join("NOTES.md")).unwrap();
    let digest = Manifest::of_files(
        &[("NOTES.md".to_owned(), new.clone())].into(),
        "2025-01-01T00:00:00Z".into(),
        None,
    )
    .objects[0]
        .sha256
        .clone();
    put(&location, &location.object_path(&digest), new).await;
    assert_eq!(fetcher.poll().await.unwrap(), PollOutcome::Unchanged);
    assert_eq!(fetcher.revision(), Some(revision.as_str()));
}

#[tokio::test]
async fn a_manifest_pointing_at_a_missing_object_is_an_error() {
    let (dir, location, mut fetcher, revision) = published().await;
    // A manifest written without its new object.
    write(dir.path(), "NOTES.md", "never uploaded\n");
    let files = common::files_of(dir.path());
    let manifest = Manifest::of_files(&files, "2025-01-01T00:00:00Z".into(), None);
    put(
        &location,
        &location.manifest_path(),
        manifest.to_json().unwrap(),
    )
    .await;
    let error = fetcher.poll().await.unwrap_err();
    let BundleError::MissingObject { path, .. } = &error else {
        panic!("expected a missing object, got {error}");
    };
    assert_eq!(path, "NOTES.md");
    assert_eq!(fetcher.revision(), Some(revision.as_str()));
    // Still an error on the next poll: a failed poll does not remember the ETag.
    assert!(fetcher.poll().await.is_err());
    // Once the object arrives, the revision loads.
    let new = std::fs::read(dir.path().join("NOTES.md")).unwrap();
    let notes = manifest
        .objects
        .iter()
        .find(|o| o.path == "NOTES.md")
        .unwrap();
    put(&location, &location.object_path(&notes.sha256), new).await;
    let PollOutcome::Updated(fetched) = fetcher.poll().await.unwrap() else {
        panic!("expected the completed revision");
    };
    assert_eq!(fetched.files, files);
}

#[tokio::test]
async fn an_altered_object_is_a_digest_error() {
    let dir = example_copy();
    let (_, location) = memory();
    publish(dir.path(), &location, &PublishOptions::default())
        .await
        .unwrap();
    let manifest = read_manifest(&location).await;
    let alice = manifest
        .objects
        .iter()
        .find(|o| o.path.ends_with("users/alice.json"))
        .unwrap();
    let mut bytes = std::fs::read(dir.path().join(&alice.path)).unwrap();
    bytes[0] = b' '; // same size, different content
    put(
        &location,
        &location.object_path(&alice.sha256),
        bytes.clone(),
    )
    .await;
    let mut fetcher = Fetcher::new(location.clone(), FetchOptions::default());
    let error = fetcher.poll().await.unwrap_err();
    assert!(
        matches!(&error, BundleError::DigestMismatch { path, .. } if path == &alice.path),
        "{error}"
    );
    bytes.push(b'\n');
    put(&location, &location.object_path(&alice.sha256), bytes).await;
    let error = fetcher.poll().await.unwrap_err();
    assert!(matches!(error, BundleError::SizeMismatch { .. }), "{error}");
    assert_eq!(fetcher.revision(), None);
}

#[tokio::test]
async fn a_manifest_whose_revision_does_not_match_is_an_error() {
    let (_, location, mut fetcher, revision) = published().await;
    let mut manifest = read_manifest(&location).await;
    manifest.revision = "0".repeat(64);
    put(
        &location,
        &location.manifest_path(),
        manifest.to_json().unwrap(),
    )
    .await;
    let error = fetcher.poll().await.unwrap_err();
    assert!(
        matches!(error, BundleError::RevisionMismatch { .. }),
        "{error}"
    );
    assert_eq!(fetcher.revision(), Some(revision.as_str()));
}

#[tokio::test]
async fn an_invalid_manifest_is_an_error() {
    let (_, location, mut fetcher, _) = published().await;
    put(
        &location,
        &location.manifest_path(),
        b"{\"format\": 2}".to_vec(),
    )
    .await;
    let error = fetcher.poll().await.unwrap_err();
    assert!(matches!(error, BundleError::Manifest(_)), "{error}");
}

#[tokio::test]
async fn fetch_limits_bound_what_is_downloaded() {
    let dir = example_copy();
    let (counting, location) = memory();
    publish(dir.path(), &location, &PublishOptions::default())
        .await
        .unwrap();
    counting.take();
    for options in [
        FetchOptions {
            max_objects: 2,
            ..FetchOptions::default()
        },
        FetchOptions {
            max_bytes: 100,
            ..FetchOptions::default()
        },
    ] {
        let error = Fetcher::new(location.clone(), options)
            .poll()
            .await
            .unwrap_err();
        assert!(matches!(error, BundleError::Limit(_)), "{error}");
    }
    // Only the manifests were read.
    assert_eq!(counting.take().len(), 2);
}
