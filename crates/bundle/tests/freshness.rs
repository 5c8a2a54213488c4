//! What keeps a sidecar on the newest revision: a cache cannot vouch for
//! freshness (a poisoned `etag` file), a signed manifest carries a sequence
//! and an expiry, an older signed manifest put back is refused as a
//! rollback, and a hostile manifest is not echoed in full.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use common::{example_copy, memory, write};
use object_store::{ObjectStoreExt as _, PutPayload};
use tollgate_bundle::{
    BundleError, DEFAULT_EXPIRES_IN, FetchOptions, Fetcher, Location, LocationOptions, Manifest,
    PollOutcome, PublishOptions, PublishOutcome, SignKey, TrustedKeys, cache, manifest_digest,
    publish, published_manifest,
};

fn file_location(bucket: &tempfile::TempDir) -> Location {
    let url = format!("file://{}/stores/prod", bucket.path().display());
    Location::parse(&url, &LocationOptions::default()).unwrap()
}

fn signed(key: &SignKey) -> PublishOptions {
    PublishOptions {
        sign_key: Some(key.clone()),
        ..PublishOptions::default()
    }
}

fn verifying(location: &Location, key: &SignKey) -> Fetcher {
    let mut fetcher = Fetcher::new(location.clone(), FetchOptions::default());
    fetcher.require_signatures(TrustedKeys::new(vec![key.verify_key()]));
    fetcher
}

async fn manifest_of(location: &Location) -> Manifest {
    published_manifest(location).await.unwrap().unwrap()
}

async fn put(location: &Location, path: &object_store::path::Path, bytes: Vec<u8>) {
    location
        .store()
        .put(path, PutPayload::from(bytes))
        .await
        .unwrap();
}

/// Item 4: the bucket's current ETag written into the cached revision's
/// `etag` file (or carried by the cached revision) does not make the first
/// poll after a restart answer "not modified": the revision published
/// since (a revocation) is fetched.
#[tokio::test]
async fn a_poisoned_cache_etag_does_not_pin_the_cached_revision() {
    let dir = example_copy();
    let (_, location) = memory();
    publish(dir.path(), &location, &PublishOptions::default())
        .await
        .unwrap();
    let mut fetcher = Fetcher::new(location.clone(), FetchOptions::default());
    let PollOutcome::Updated(old) = fetcher.poll().await.unwrap() else {
        panic!("a first poll returns a revision");
    };
    write(dir.path(), "NOTES.md", "the revocation\n");
    let new = publish(dir.path(), &location, &PublishOptions::default())
        .await
        .unwrap();
    let current_etag = new
        .manifest_etag
        .clone()
        .expect("the memory store gives ETags");

    // The cache holds the old revision, poisoned with the new ETag, both as
    // the revision's ETag and as the `etag` file older versions trusted.
    let cache_dir = tempfile::tempdir().unwrap();
    let poisoned = tollgate_bundle::Fetched {
        manifest_etag: Some(current_etag.clone()),
        ..old.clone()
    };
    cache::write(cache_dir.path(), &poisoned).unwrap();
    let current = std::fs::read_to_string(cache_dir.path().join("CURRENT")).unwrap();
    std::fs::write(
        cache_dir.path().join(current.trim()).join("etag"),
        &current_etag,
    )
    .unwrap();

    for cached in [cache::read(cache_dir.path()).unwrap().unwrap(), poisoned] {
        assert_eq!(cached.revision, old.revision);
        let mut restarted = Fetcher::new(location.clone(), FetchOptions::default());
        restarted.resume(&cached);
        let PollOutcome::Updated(fetched) = restarted.poll().await.unwrap() else {
            panic!("the cache pinned the old revision");
        };
        assert_eq!(fetched.revision, new.revision);
    }
}

/// Item 5: each publish numbers its manifest one above the last and gives
/// it an expiry; a given sequence must be above the published one; the
/// same files are published again only to renew an expiry that is half
/// gone.
#[tokio::test]
async fn publishing_numbers_manifests_and_renews_expiry() {
    let dir = example_copy();
    let (_, location) = memory();
    let first = publish(dir.path(), &location, &PublishOptions::default())
        .await
        .unwrap();
    assert_eq!(first.sequence, Some(1));
    let manifest = manifest_of(&location).await;
    assert_eq!(manifest.sequence, Some(1));
    let expires = chrono::DateTime::parse_from_rfc3339(manifest.expires_at.as_deref().unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc);
    let left = expires - chrono::Utc::now();
    let default = chrono::Duration::from_std(DEFAULT_EXPIRES_IN).unwrap();
    assert!(left <= default && left > default - chrono::Duration::minutes(5));

    write(dir.path(), "NOTES.md", "second\n");
    let second = publish(dir.path(), &location, &PublishOptions::default())
        .await
        .unwrap();
    assert_eq!(second.sequence, Some(2));

    // Same files, expiry still fresh: nothing to do.
    let again = publish(dir.path(), &location, &PublishOptions::default())
        .await
        .unwrap();
    assert_eq!(again.outcome, PublishOutcome::AlreadyPublished);
    assert_eq!(again.sequence, Some(2));

    // Same files, asked for a much longer expiry: less than half of it is
    // left, so the manifest is renewed under a new sequence.
    let longer = PublishOptions {
        expires_in: Some(DEFAULT_EXPIRES_IN * 4),
        ..PublishOptions::default()
    };
    let renewed = publish(dir.path(), &location, &longer).await.unwrap();
    assert_eq!(renewed.outcome, PublishOutcome::Published);
    assert_eq!(renewed.revision, second.revision);
    assert_eq!(renewed.sequence, Some(3));

    // A given sequence must be above the published one.
    let behind = PublishOptions {
        sequence: Some(3),
        ..PublishOptions::default()
    };
    let error = publish(dir.path(), &location, &behind).await.unwrap_err();
    assert!(error.to_string().contains("rollback"), "{error}");
    let ahead = PublishOptions {
        sequence: Some(100),
        expires_in: Some(Duration::from_secs(3600)),
        ..PublishOptions::default()
    };
    let jumped = publish(dir.path(), &location, &ahead).await.unwrap();
    assert_eq!(jumped.sequence, Some(100));
}

/// Item 5: an older correctly-signed manifest put back is refused, also by
/// a fetcher that only knows the newest sequence (from the cache folder)
/// or that resumed from a cached revision; a signed manifest without a
/// sequence or expiry is refused.
#[tokio::test]
async fn an_older_signed_manifest_put_back_is_refused() {
    let bucket = tempfile::tempdir().unwrap();
    let location = file_location(&bucket);
    let key = SignKey::generate();
    let dir = example_copy();
    publish(dir.path(), &location, &signed(&key)).await.unwrap();
    let old_manifest = manifest_of(&location).await;
    let old_bytes = old_manifest.to_json().unwrap();

    write(dir.path(), "NOTES.md", "revoked something\n");
    let new = publish(dir.path(), &location, &signed(&key)).await.unwrap();
    let mut fetcher = verifying(&location, &key);
    let PollOutcome::Updated(fetched) = fetcher.poll().await.unwrap() else {
        panic!("the signed revision is fetched");
    };
    assert_eq!(fetched.sequence, Some(2));
    assert!(fetched.expires_at.is_some());
    assert_eq!(fetcher.newest_sequence(), Some(2));

    // The old manifest (its signature is still in the bucket) put back.
    put(&location, &location.manifest_path(), old_bytes.clone()).await;
    let error = fetcher.poll().await.unwrap_err();
    assert!(error.is_rollback(), "{error}");
    assert!(error.to_string().contains("sequence 1"), "{error}");
    assert_eq!(fetcher.revision(), Some(new.revision.as_str()));

    // A fresh fetcher that knows the newest sequence (the cache folder's
    // record) refuses it too; one that resumed from the newer cached
    // revision as well.
    let cache_dir = tempfile::tempdir().unwrap();
    cache::write_newest_sequence(cache_dir.path(), 2).unwrap();
    let mut restarted = verifying(&location, &key);
    restarted.refuse_older_than(
        cache::read_newest_sequence(cache_dir.path())
            .unwrap()
            .unwrap(),
    );
    assert!(restarted.poll().await.unwrap_err().is_rollback());
    let mut resumed = verifying(&location, &key);
    resumed.resume(&fetched);
    assert!(resumed.poll().await.unwrap_err().is_rollback());

    // A signed manifest without sequence and expiry (an older publish).
    let mut bare = old_manifest.clone();
    bare.sequence = None;
    bare.expires_at = None;
    let signature = key.sign(&bare).unwrap();
    let (_, digest) = manifest_digest(&bare).unwrap();
    put(
        &location,
        &location.signature_path(&digest),
        signature.to_json().unwrap(),
    )
    .await;
    put(
        &location,
        &location.manifest_path(),
        bare.to_json().unwrap(),
    )
    .await;
    let error = verifying(&location, &key).poll().await.unwrap_err();
    assert!(
        error.to_string().contains("`sequence` and `expiresAt`"),
        "{error}"
    );
}

/// Item 5: the cache folder's newest sequence is hostile input: bounded and
/// validated.
#[test]
fn the_newest_sequence_file_is_validated() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(cache::read_newest_sequence(dir.path()).unwrap(), None);
    cache::write_newest_sequence(dir.path(), 42).unwrap();
    assert_eq!(cache::read_newest_sequence(dir.path()).unwrap(), Some(42));
    let path = dir.path().join("newest-sequence");
    for bad in ["", "-1", "4x", "99999999999999999999999", "1 2"] {
        std::fs::write(&path, bad).unwrap();
        assert!(cache::read_newest_sequence(dir.path()).is_err(), "{bad:?}");
    }
    std::fs::write(&path, "7".repeat(1 << 20)).unwrap();
    assert!(cache::read_newest_sequence(dir.path()).is_err());
}

/// Item 12: a manifest with a 20 MiB publisher, with or without
/// signatures required, gives an error of a few hundred bytes; with
/// signatures required the signature is checked first.
#[tokio::test]
async fn a_huge_manifest_field_is_not_echoed() {
    let bucket = tempfile::tempdir().unwrap();
    let location = file_location(&bucket);
    let key = SignKey::generate();
    let dir = example_copy();
    publish(dir.path(), &location, &signed(&key)).await.unwrap();
    let mut manifest = manifest_of(&location).await;
    manifest.publisher = Some("p".repeat(20 << 20));
    put(
        &location,
        &location.manifest_path(),
        manifest.to_json().unwrap(),
    )
    .await;

    let error = verifying(&location, &key).poll().await.unwrap_err();
    assert!(error.is_signature_failure(), "{error}");
    assert!(
        error.to_string().len() < 1024,
        "{} bytes",
        error.to_string().len()
    );

    let error = Fetcher::new(location.clone(), FetchOptions::default())
        .poll()
        .await
        .unwrap_err();
    assert!(matches!(error, BundleError::Manifest(_)), "{error}");
    assert!(
        error.to_string().len() < 1024,
        "{} bytes",
        error.to_string().len()
    );

    // An unknown field with a huge name: the parser's message is cut too.
    let text = String::from_utf8(manifest_of_bytes(&location).await).unwrap();
    let huge_key = format!("{{\"{}\": 1, ", "k".repeat(1 << 20));
    let hostile = text.replacen('{', &huge_key, 1);
    put(&location, &location.manifest_path(), hostile.into_bytes()).await;
    let error = Fetcher::new(location.clone(), FetchOptions::default())
        .poll()
        .await
        .unwrap_err();
    assert!(
        error.to_string().len() < 1024,
        "{} bytes",
        error.to_string().len()
    );
}

async fn manifest_of_bytes(location: &Location) -> Vec<u8> {
    location
        .store()
        .get(&location.manifest_path())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec()
}
