//! Signed revisions over a `file://` location: a fetcher that requires
//! signatures takes only revisions signed by a trusted key, refuses
//! unsigned, tampered, replayed and wrongly-signed ones while keeping its
//! last good revision, and the cache keeps the signature for a check at
//! start-up.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{example_copy, write};
use object_store::{ObjectStoreExt as _, PutPayload};
use tollgate_bundle::{
    FetchOptions, Fetcher, Location, LocationOptions, Manifest, PollOutcome, PublishOptions,
    PublishOutcome, SignKey, TrustedKeys, cache, manifest_digest, publish, published_manifest,
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

async fn manifest_of(location: &Location) -> Manifest {
    published_manifest(location)
        .await
        .unwrap()
        .expect("a published manifest")
}

async fn put(location: &Location, path: &object_store::path::Path, bytes: Vec<u8>) {
    location
        .store()
        .put(path, PutPayload::from(bytes))
        .await
        .unwrap();
}

fn verifying(location: &Location, key: &SignKey) -> Fetcher {
    let mut fetcher = Fetcher::new(location.clone(), FetchOptions::default());
    fetcher.require_signatures(TrustedKeys::new(vec![key.verify_key()]));
    fetcher
}

#[tokio::test]
async fn a_signed_revision_is_fetched_with_its_signature() {
    let bucket = tempfile::tempdir().unwrap();
    let location = file_location(&bucket);
    let key = SignKey::generate();
    let dir = example_copy();
    let report = publish(dir.path(), &location, &signed(&key)).await.unwrap();
    assert_eq!(report.outcome, PublishOutcome::Published);
    assert_eq!(report.signed_by, Some(key.verify_key().key_id()));

    let manifest = manifest_of(&location).await;
    let (_, digest) = manifest_digest(&manifest).unwrap();
    let signature_file = bucket
        .path()
        .join("stores/prod/signatures/sha256")
        .join(&digest);
    assert!(signature_file.is_file(), "{}", signature_file.display());

    let mut fetcher = verifying(&location, &key);
    let PollOutcome::Updated(fetched) = fetcher.poll().await.unwrap() else {
        panic!("the first poll fetches");
    };
    assert_eq!(fetched.revision, report.revision);
    let signature = fetched.signature.clone().unwrap();
    assert_eq!(signature.key_id, key.verify_key().key_id());
    assert_eq!(
        fetched
            .verify(&TrustedKeys::new(vec![key.verify_key()]))
            .unwrap(),
        signature.key_id
    );
    assert_eq!(fetcher.poll().await.unwrap(), PollOutcome::Unchanged);

    // Publishing the same folder again with the same key writes nothing.
    let again = publish(dir.path(), &location, &signed(&key)).await.unwrap();
    assert_eq!(again.outcome, PublishOutcome::AlreadyPublished);
    assert_eq!(again.uploaded, 0);
}

#[tokio::test]
async fn unsigned_tampered_replayed_and_wrongly_signed_revisions_are_refused() {
    let bucket = tempfile::tempdir().unwrap();
    let location = file_location(&bucket);
    let key = SignKey::generate();
    let dir = example_copy();
    let good = publish(dir.path(), &location, &signed(&key)).await.unwrap();
    let mut fetcher = verifying(&location, &key);
    assert!(matches!(
        fetcher.poll().await.unwrap(),
        PollOutcome::Updated(_)
    ));
    let old_manifest = manifest_of(&location).await;
    let (_, old_digest) = manifest_digest(&old_manifest).unwrap();

    // Unsigned.
    write(dir.path(), "notes.md", "unsigned\n");
    publish(dir.path(), &location, &PublishOptions::default())
        .await
        .unwrap();
    let error = fetcher.poll().await.unwrap_err();
    assert!(error.is_signature_failure(), "{error}");
    assert!(error.to_string().contains("is not signed"), "{error}");
    assert_eq!(fetcher.revision(), Some(good.revision.as_str()));

    // Signed by a key the fetcher does not trust.
    write(dir.path(), "notes.md", "wrong key\n");
    let stranger = SignKey::generate();
    publish(dir.path(), &location, &signed(&stranger))
        .await
        .unwrap();
    let error = fetcher.poll().await.unwrap_err();
    assert!(error.to_string().contains("not trusted"), "{error}");
    assert_eq!(fetcher.revision(), Some(good.revision.as_str()));

    // Signed, then the manifest edited (its publisher) in the bucket.
    write(dir.path(), "notes.md", "tampered\n");
    publish(dir.path(), &location, &signed(&key)).await.unwrap();
    let mut tampered = manifest_of(&location).await;
    tampered.publisher = Some("mallory".to_owned());
    put(
        &location,
        &location.manifest_path(),
        tampered.to_json().unwrap(),
    )
    .await;
    let error = fetcher.poll().await.unwrap_err();
    assert!(error.is_signature_failure(), "{error}");
    assert_eq!(fetcher.revision(), Some(good.revision.as_str()));

    // The old revision's signature replayed under the new manifest's name.
    let (_, tampered_digest) = manifest_digest(&tampered).unwrap();
    let old_signature = location
        .store()
        .get(&location.signature_path(&old_digest))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    put(
        &location,
        &location.signature_path(&tampered_digest),
        old_signature.to_vec(),
    )
    .await;
    let error = fetcher.poll().await.unwrap_err();
    assert!(error.to_string().contains("not of this one"), "{error}");
    assert_eq!(fetcher.revision(), Some(good.revision.as_str()));

    // A properly signed revision is taken again.
    write(dir.path(), "notes.md", "good again\n");
    let latest = publish(dir.path(), &location, &signed(&key)).await.unwrap();
    let PollOutcome::Updated(fetched) = fetcher.poll().await.unwrap() else {
        panic!("a signed revision is fetched");
    };
    assert_eq!(fetched.revision, latest.revision);
}

#[tokio::test]
async fn publishing_with_a_key_signs_a_revision_published_unsigned() {
    let bucket = tempfile::tempdir().unwrap();
    let location = file_location(&bucket);
    let key = SignKey::generate();
    let dir = example_copy();
    let unsigned = publish(dir.path(), &location, &PublishOptions::default())
        .await
        .unwrap();
    assert_eq!(unsigned.signed_by, None);
    let mut fetcher = verifying(&location, &key);
    assert!(fetcher.poll().await.unwrap_err().is_signature_failure());

    let resigned = publish(dir.path(), &location, &signed(&key)).await.unwrap();
    assert_eq!(resigned.outcome, PublishOutcome::Published);
    assert_eq!(resigned.revision, unsigned.revision);
    assert_eq!(resigned.uploaded, 0);
    assert!(resigned.diff.is_empty());
    let PollOutcome::Updated(fetched) = fetcher.poll().await.unwrap() else {
        panic!("the re-signed revision is fetched");
    };
    assert_eq!(fetched.revision, unsigned.revision);
}

#[tokio::test]
async fn the_cache_keeps_the_signature_and_a_tampered_cache_fails_verification() {
    let bucket = tempfile::tempdir().unwrap();
    let location = file_location(&bucket);
    let key = SignKey::generate();
    let trusted = TrustedKeys::new(vec![key.verify_key()]);
    let dir = example_copy();
    publish(dir.path(), &location, &signed(&key)).await.unwrap();
    let PollOutcome::Updated(fetched) = verifying(&location, &key).poll().await.unwrap() else {
        panic!("the first poll fetches");
    };
    let cache_dir = tempfile::tempdir().unwrap();
    cache::write(cache_dir.path(), &fetched).unwrap();
    let cached = cache::read(cache_dir.path()).unwrap().unwrap();
    // Everything but the ETag, which the cache does not keep.
    assert!(cached.manifest_etag.is_none());
    assert!(
        cached
            == tollgate_bundle::Fetched {
                manifest_etag: None,
                ..fetched.clone()
            }
    );
    assert!(cached.verify(&trusted).is_ok());

    let current = std::fs::read_to_string(cache_dir.path().join("CURRENT")).unwrap();
    let folder = cache_dir.path().join(current.trim());
    // The manifest edited in the cache: it still reads, but fails verification.
    let manifest_path = folder.join("manifest.json");
    let text = std::fs::read_to_string(&manifest_path).unwrap();
    let mut edited: serde_json::Value = serde_json::from_str(&text).unwrap();
    edited["publishedAt"] = "2020-01-01T00:00:00Z".into();
    std::fs::write(&manifest_path, serde_json::to_vec(&edited).unwrap()).unwrap();
    let cached = cache::read(cache_dir.path()).unwrap().unwrap();
    let error = cached.verify(&trusted).unwrap_err();
    assert!(error.is_signature_failure(), "{error}");

    // The signature removed from the cache.
    std::fs::write(&manifest_path, &text).unwrap();
    assert!(
        cache::read(cache_dir.path())
            .unwrap()
            .unwrap()
            .verify(&trusted)
            .is_ok()
    );
    std::fs::remove_file(folder.join("signature.json")).unwrap();
    let error = cache::read(cache_dir.path())
        .unwrap()
        .unwrap()
        .verify(&trusted)
        .unwrap_err();
    assert!(error.to_string().contains("is not signed"), "{error}");
}
