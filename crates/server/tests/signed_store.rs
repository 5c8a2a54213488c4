//! A sidecar that requires signed revisions (`verify-keys`), polling a
//! `file://` store every second: a signed revision serves; an unsigned, a
//! wrongly-signed and a tampered revision are each refused while the last
//! good revision keeps answering, and the status and the metrics say so;
//! a tampered cache does not serve at start-up.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use harness::{ALICE_FILE, Running, alice, ask, http_get, poll, status, write_atomic};
use object_store::{ObjectStoreExt as _, PutPayload};
use tollgate_bundle::{
    Location, PublishOptions, SignKey, TrustedKeys, publish, published_manifest,
};
use tollgate_proto::v1::{Decision, PolicyStatus};
use tollgate_server::config::{BucketSource, ListenAddr, PollSettings, ServeConfig, StoreSource};

const LIMIT: Duration = Duration::from_secs(15);

fn source(bucket: &Path) -> BucketSource {
    BucketSource {
        url: format!("file://{}/prod", bucket.display()),
        endpoint: None,
        options: BTreeMap::new(),
    }
}

fn config(bucket: &Path, key: &SignKey, cache_dir: &Path) -> ServeConfig {
    ServeConfig {
        listen: ListenAddr::Tcp(SocketAddr::from(([127, 0, 0, 1], 0))),
        admin_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        store: StoreSource::Bucket(source(bucket)),
        poll: PollSettings {
            interval: Duration::from_secs(1),
            jitter: 0.0,
            cache_dir: Some(cache_dir.to_path_buf()),
            trusted_keys: Some(TrustedKeys::new(vec![key.verify_key()])),
        },
        drain_timeout: Duration::from_secs(5),
        ..ServeConfig::default()
    }
}

/// Publishes alice's file with a statement of `effect` named `sid`.
async fn publish_alice(location: &Location, effect: &str, sid: &str, key: Option<&SignKey>) {
    let dir = tempfile::tempdir().unwrap();
    write_atomic(dir.path(), ALICE_FILE, &alice(effect, sid));
    let options = PublishOptions {
        sign_key: key.cloned(),
        ..PublishOptions::default()
    };
    publish(dir.path(), location, &options).await.unwrap();
}

async fn status_until(
    server: &Running,
    what: &str,
    check: impl Fn(&PolicyStatus) -> bool,
) -> PolicyStatus {
    let client = server.client().await;
    let check = &check;
    let found = poll(LIMIT, || {
        let mut client = client.clone();
        async move {
            let status = status(&mut client).await;
            check(&status).then_some(status)
        }
    })
    .await;
    match found {
        Some((status, _)) => status,
        None => {
            let mut client = client.clone();
            panic!(
                "{what}: not within {LIMIT:?}; status: {:#?}",
                status(&mut client).await
            )
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_signed_revisions_serve() {
    let bucket = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let location = source(bucket.path()).location().unwrap();
    let key = SignKey::generate();
    let key_id = key.verify_key().key_id();
    publish_alice(&location, "Allow", "Good", Some(&key)).await;

    let server = Running::start(config(bucket.path(), &key, cache.path())).await;
    let good = status_until(&server, "the signed revision serves", |s| s.ready).await;
    assert!(good.signature_required);
    assert_eq!(good.signed_by_key_id, key_id);
    let mut client = server.client().await;
    assert_eq!(
        ask(&mut client).await,
        (Decision::Allowed, good.revision.clone())
    );

    // Unsigned, signed by another key, signed then tampered with: each is
    // refused and the good revision keeps answering.
    publish_alice(&location, "Deny", "Unsigned", None).await;
    status_until(&server, "the unsigned revision is refused", |s| {
        s.last_poll_error.contains("is not signed") && s.signature_failures >= 1
    })
    .await;
    assert_eq!(
        ask(&mut client).await,
        (Decision::Allowed, good.revision.clone())
    );

    publish_alice(&location, "Deny", "Stranger", Some(&SignKey::generate())).await;
    status_until(&server, "the wrongly-signed revision is refused", |s| {
        s.last_poll_error.contains("not trusted")
    })
    .await;
    assert_eq!(
        ask(&mut client).await,
        (Decision::Allowed, good.revision.clone())
    );

    publish_alice(&location, "Deny", "Tampered", Some(&key)).await;
    let mut manifest = published_manifest(&location).await.unwrap().unwrap();
    manifest.publisher = Some("mallory".to_owned());
    location
        .store()
        .put(
            &location.manifest_path(),
            PutPayload::from(manifest.to_json().unwrap()),
        )
        .await
        .unwrap();
    let refused = status_until(&server, "the tampered revision is refused", |s| {
        s.last_poll_error.contains("is not signed") && s.signature_failures >= 3
    })
    .await;
    assert_eq!(refused.revision, good.revision);
    assert_eq!(refused.signed_by_key_id, key_id);
    assert_eq!(
        ask(&mut client).await,
        (Decision::Allowed, good.revision.clone())
    );

    let (code, metrics) = http_get(server.admin, "/metrics").await;
    assert_eq!(code, 200);
    let failures = metrics
        .lines()
        .find_map(|line| line.strip_prefix("tollgate_store_signature_failures_total "))
        .and_then(|value| value.trim().parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no signature failure counter in {metrics}"));
    assert!(failures >= 3.0, "{failures}");
    server.join().await.unwrap();

    // The cache holds the good revision, signed: it serves when storage
    // has nothing; once tampered with, it does not.
    let empty = tempfile::tempdir().unwrap();
    let server = Running::start(config(empty.path(), &key, cache.path())).await;
    let cached = status_until(&server, "the cached revision serves", |s| s.ready).await;
    assert_eq!(cached.revision, good.revision);
    assert!(cached.source.starts_with("cache of"), "{}", cached.source);
    server.join().await.unwrap();

    let current = std::fs::read_to_string(cache.path().join("CURRENT")).unwrap();
    let cached_manifest = cache.path().join(current.trim()).join("manifest.json");
    let text = std::fs::read_to_string(&cached_manifest).unwrap();
    let mut edited: serde_json::Value = serde_json::from_str(&text).unwrap();
    edited["publishedAt"] = "2020-01-01T00:00:00Z".into();
    std::fs::write(&cached_manifest, serde_json::to_vec(&edited).unwrap()).unwrap();
    let server = Running::start(config(empty.path(), &key, cache.path())).await;
    let refused = status_until(&server, "the tampered cache is refused", |s| {
        s.signature_failures >= 1
    })
    .await;
    assert!(!refused.ready, "{refused:#?}");
    assert!(refused.revision.is_empty());
    server.join().await.unwrap();
}

/// Rollback and freeze (TUF): an older correctly-signed manifest put back
/// is refused, also after a restart (the newest sequence is kept in the
/// cache folder); the serving revision's expiry is reported (status,
/// metric, and `/readyz` with `ready-requires-fresh-store`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollbacks_are_refused_and_expiry_is_reported() {
    let bucket = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let location = source(bucket.path()).location().unwrap();
    let key = SignKey::generate();
    publish_alice(&location, "Allow", "Old", Some(&key)).await;
    let old_manifest = published_manifest(&location).await.unwrap().unwrap();

    let mut config = config(bucket.path(), &key, cache.path());
    config.watchdog.ready_requires_fresh_store = true;
    let server = Running::start(config.clone()).await;
    let first = status_until(&server, "the first revision serves", |s| s.ready).await;
    assert_eq!(first.store_sequence, 1);
    assert!(first.store_expires_at.is_some());
    assert!(!first.store_expired);

    // A revocation, whose manifest expires in 3 s.
    let dir = tempfile::tempdir().unwrap();
    write_atomic(dir.path(), ALICE_FILE, &alice("Deny", "Revoked"));
    let options = PublishOptions {
        sign_key: Some(key.clone()),
        expires_in: Some(Duration::from_secs(3)),
        ..PublishOptions::default()
    };
    publish(dir.path(), &location, &options).await.unwrap();
    let revoked = status_until(&server, "the revocation serves", |s| s.store_sequence == 2).await;
    let mut client = server.client().await;
    assert_eq!(ask(&mut client).await.0, Decision::ExplicitDeny);

    // The old manifest put back: refused, the revocation keeps serving.
    location
        .store()
        .put(
            &location.manifest_path(),
            PutPayload::from(old_manifest.to_json().unwrap()),
        )
        .await
        .unwrap();
    let refused = status_until(&server, "the rollback is refused", |s| {
        s.rollbacks_refused >= 1 && s.last_poll_error.contains("rollback")
    })
    .await;
    assert_eq!(refused.revision, revoked.revision);
    assert_eq!(ask(&mut client).await.0, Decision::ExplicitDeny);

    // Frozen: the serving revision expires.
    let expired = status_until(&server, "the expiry is reported", |s| s.store_expired).await;
    assert_eq!(expired.revision, revoked.revision);
    let (code, body) = http_get(server.admin, "/readyz").await;
    assert_eq!(code, 503, "{body}");
    assert!(body.contains("expired"), "{body}");
    let gauge = poll(LIMIT, || async {
        let (_, metrics) = http_get(server.admin, "/metrics").await;
        metrics
            .lines()
            .any(|line| line == "tollgate_store_expired 1")
            .then_some(())
    })
    .await;
    assert!(gauge.is_some(), "no tollgate_store_expired 1");
    server.join().await.unwrap();

    // A restart with the old manifest still in the bucket: the cache folder
    // remembers sequence 2, so the rollback is refused and the cached
    // revocation serves.
    let server = Running::start(config).await;
    let restarted = status_until(&server, "the cached revocation serves", |s| {
        s.ready && s.rollbacks_refused >= 1
    })
    .await;
    assert_eq!(restarted.revision, revoked.revision);
    let mut client = server.client().await;
    assert_eq!(ask(&mut client).await.0, Decision::ExplicitDeny);
    server.join().await.unwrap();
}
