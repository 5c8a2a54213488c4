//! Publishing a store folder and fetching it back: contents, revisions,
//! request counts, dry runs, refusals and re-publishing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use common::{count, example_copy, files_of, memory, write};
use object_store::ObjectStoreExt as _;
use object_store::local::LocalFileSystem;
use tollgate_bundle::{
    BundleError, FetchOptions, Fetched, Fetcher, Location, LocationOptions, Manifest, PollOutcome,
    PublishOptions, PublishOutcome, publish,
};
use tollgate_store::Store;

async fn poll_updated(fetcher: &mut Fetcher) -> Fetched {
    match fetcher.poll().await.unwrap() {
        PollOutcome::Updated(fetched) => fetched,
        PollOutcome::Unchanged => panic!("expected a new revision"),
    }
}

#[tokio::test]
async fn publish_then_fetch_gives_the_folder_and_its_store_revision() {
    let dir = example_copy();
    let (counting, location) = memory();
    let options = PublishOptions {
        publisher: Some("alice".into()),
        ..PublishOptions::default()
    };
    let report = publish(dir.path(), &location, &options).await.unwrap();
    let files = files_of(dir.path());
    assert_eq!(report.outcome, PublishOutcome::Published);
    assert_eq!(report.previous_revision, None);
    assert_eq!(report.files, files.len());
    assert_eq!(report.diff.added.len(), files.len());
    assert!(report.diff.removed.is_empty() && report.diff.changed.is_empty());
    assert_eq!(
        report.revision,
        Store::load_dir(dir.path()).unwrap().revision()
    );
    assert_eq!(report.revision, tollgate_store::revision_of(&files));
    // One read of the manifest, one write per distinct content, the manifest last.
    let calls = counting.take();
    assert_eq!(calls.first().unwrap(), "GET stores/prod/manifest.json");
    assert_eq!(calls.last().unwrap(), "PUT stores/prod/manifest.json");
    assert_eq!(
        count(&calls, "PUT stores/prod/objects/sha256/"),
        report.uploaded
    );
    assert_eq!(calls.len(), report.uploaded + 2);

    let mut fetcher = Fetcher::new(location.clone(), FetchOptions::default());
    let fetched = poll_updated(&mut fetcher).await;
    assert_eq!(fetched.files, files);
    assert_eq!(fetched.revision, report.revision);
    assert_eq!(fetched.publisher.as_deref(), Some("alice"));
    assert!(fetched.manifest_etag.is_some());
    assert!(chrono::DateTime::parse_from_rfc3339(&fetched.published_at).is_ok());
    let store = Store::from_files(fetched.files.clone()).unwrap();
    assert_eq!(store.revision(), report.revision);
    assert_eq!(fetcher.revision(), Some(report.revision.as_str()));
    let calls = counting.take();
    assert_eq!(count(&calls, "GET "), 1 + report.uploaded, "{calls:?}");

    // Unchanged: exactly one request.
    assert_eq!(fetcher.poll().await.unwrap(), PollOutcome::Unchanged);
    assert_eq!(counting.take(), ["GET stores/prod/manifest.json"]);
    assert_eq!(fetcher.poll().await.unwrap(), PollOutcome::Unchanged);
    assert_eq!(counting.take().len(), 1);
}

#[tokio::test]
async fn a_change_uploads_and_downloads_only_new_objects() {
    let dir = example_copy();
    let (counting, location) = memory();
    publish(dir.path(), &location, &PublishOptions::default())
        .await
        .unwrap();
    let mut fetcher = Fetcher::new(location.clone(), FetchOptions::default());
    let first = poll_updated(&mut fetcher).await;
    counting.take();

    let alice = "accounts/111122223333/users/alice.json";
    let text = std::fs::read_to_string(dir.path().join(alice)).unwrap();
    write(
        dir.path(),
        alice,
        &text.replace("data team", "platform team"),
    );
    write(dir.path(), "NOTES.md", "Reviewed.\n");
    std::fs::remove_file(dir.path().join("README.md")).unwrap();
    let report = publish(dir.path(), &location, &PublishOptions::default())
        .await
        .unwrap();
    assert_eq!(report.outcome, PublishOutcome::Published);
    assert_eq!(
        report.previous_revision.as_deref(),
        Some(first.revision.as_str())
    );
    assert_eq!(report.diff.added, ["NOTES.md"]);
    assert_eq!(report.diff.removed, ["README.md"]);
    assert_eq!(report.diff.changed, [alice]);
    assert_eq!(report.uploaded, 2);
    let calls = counting.take();
    assert_eq!(count(&calls, "PUT "), 3, "{calls:?}");
    assert_eq!(count(&calls, "GET "), 1, "{calls:?}");

    let second = poll_updated(&mut fetcher).await;
    assert_eq!(second.revision, report.revision);
    assert_eq!(second.files, files_of(dir.path()));
    let calls = counting.take();
    assert_eq!(
        calls.len(),
        3,
        "the manifest and two new objects: {calls:?}"
    );
    assert_eq!(calls[0], "GET stores/prod/manifest.json");
    assert_eq!(count(&calls, "GET stores/prod/objects/sha256/"), 2);
}

#[tokio::test]
async fn publishing_the_same_revision_again_is_a_no_op() {
    let dir = example_copy();
    let (counting, location) = memory();
    let first = publish(dir.path(), &location, &PublishOptions::default())
        .await
        .unwrap();
    counting.take();
    let again = publish(dir.path(), &location, &PublishOptions::default())
        .await
        .unwrap();
    assert_eq!(again.outcome, PublishOutcome::AlreadyPublished);
    assert_eq!(again.revision, first.revision);
    assert_eq!(again.uploaded, 0);
    assert!(again.diff.is_empty());
    assert_eq!(counting.take(), ["GET stores/prod/manifest.json"]);
}

#[tokio::test]
async fn a_dry_run_writes_nothing() {
    let dir = example_copy();
    let (counting, location) = memory();
    let options = PublishOptions {
        dry_run: true,
        ..PublishOptions::default()
    };
    let report = publish(dir.path(), &location, &options).await.unwrap();
    assert_eq!(report.outcome, PublishOutcome::DryRun);
    assert!(report.uploaded > 0);
    assert_eq!(report.diff.added.len(), report.files);
    assert_eq!(counting.take(), ["GET stores/prod/manifest.json"]);
    let listed: Vec<_> = futures::TryStreamExt::try_collect::<Vec<_>>(location.store().list(None))
        .await
        .unwrap();
    assert!(listed.is_empty(), "{listed:?}");
    let error = Fetcher::new(location, FetchOptions::default())
        .poll()
        .await
        .unwrap_err();
    assert!(matches!(error, BundleError::NotPublished { .. }), "{error}");
}

#[tokio::test]
async fn a_store_that_does_not_load_is_refused_before_any_request() {
    let dir = example_copy();
    write(
        dir.path(),
        "accounts/111122223333/users/mallory.json",
        r#"{"Groups": ["no-such-group"], "Colour": "blue"}"#,
    );
    let (counting, location) = memory();
    let error = publish(dir.path(), &location, &PublishOptions::default())
        .await
        .unwrap_err();
    let BundleError::Invalid(store_error) = &error else {
        panic!("expected a refusal, got {error}");
    };
    let faults = store_error.faults();
    assert!(faults.len() >= 2, "{store_error}");
    assert!(
        faults
            .iter()
            .all(|f| f.file.ends_with("users/mallory.json"))
    );
    assert!(counting.take().is_empty());
}

#[tokio::test]
async fn a_missing_folder_is_an_io_error() {
    let (_, location) = memory();
    let error = publish(
        std::path::Path::new("/no/such/folder"),
        &location,
        &PublishOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(matches!(error, BundleError::Io { .. }), "{error}");
}

#[tokio::test]
async fn limits_apply_to_publishing() {
    let dir = example_copy();
    let (_, location) = memory();
    let options = PublishOptions {
        limits: FetchOptions {
            max_objects: 3,
            ..FetchOptions::default()
        },
        ..PublishOptions::default()
    };
    let error = publish(dir.path(), &location, &options).await.unwrap_err();
    assert!(matches!(error, BundleError::Limit(_)), "{error}");
}

#[tokio::test]
async fn file_urls_publish_and_fetch_through_the_local_file_system() {
    let dir = example_copy();
    let bucket = tempfile::tempdir().unwrap();
    let url = format!("file://{}/stores/prod", bucket.path().display());
    let location = Location::parse(&url, &LocationOptions::default()).unwrap();
    let report = publish(dir.path(), &location, &PublishOptions::default())
        .await
        .unwrap();
    assert_eq!(report.outcome, PublishOutcome::Published);
    let manifest = std::fs::read(bucket.path().join("stores/prod/manifest.json")).unwrap();
    let manifest = Manifest::from_json(&manifest, &FetchOptions::default()).unwrap();
    assert_eq!(manifest.revision, report.revision);
    for object in &manifest.objects {
        let blob = bucket
            .path()
            .join("stores/prod/objects/sha256")
            .join(&object.sha256);
        assert_eq!(std::fs::metadata(blob).unwrap().len(), object.size);
    }

    let mut fetcher = Fetcher::new(location.clone(), FetchOptions::default());
    let fetched = poll_updated(&mut fetcher).await;
    assert_eq!(fetched.files, files_of(dir.path()));
    assert_eq!(fetcher.poll().await.unwrap(), PollOutcome::Unchanged);

    // A second revision replaces the manifest (no conditional overwrite on
    // this backend: compare, then replace).
    write(dir.path(), "NOTES.md", "second\n");
    let second = publish(dir.path(), &location, &PublishOptions::default())
        .await
        .unwrap();
    assert_eq!(second.outcome, PublishOutcome::Published);
    assert_eq!(second.diff.added, ["NOTES.md"]);
    assert_eq!(poll_updated(&mut fetcher).await.revision, second.revision);

    // The same bucket through a LocalFileSystem rooted at it.
    let rooted = Location::new(
        Arc::new(LocalFileSystem::new_with_prefix(bucket.path()).unwrap()),
        "stores/prod".into(),
    );
    assert!(rooted.store().head(&rooted.manifest_path()).await.is_ok());
}

/// A FIFO or a link to `/dev/zero` in the folder to publish is refused at
/// once with a fault naming it (read as the sidecar reads a folder).
#[cfg(unix)]
#[tokio::test]
async fn a_folder_with_files_that_are_not_regular_files_is_refused() {
    let dir = example_copy();
    let (counting, location) = memory();
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("accounts/zero.json")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(dir.path().join("accounts/pipe.json"))
        .status()
        .unwrap();
    assert!(made.success());
    let error = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        publish(dir.path(), &location, &PublishOptions::default()),
    )
    .await
    .expect("the publish ends within 10 s")
    .unwrap_err();
    let text = error.to_string();
    assert!(text.contains("accounts/zero.json"), "{text}");
    assert!(text.contains("accounts/pipe.json"), "{text}");
    assert!(counting.take().is_empty());
}
