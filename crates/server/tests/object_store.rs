//! Serving a store from object storage, end to end against a real
//! S3-compatible server: moto (`moto_server`, started per test on a free
//! 127.0.0.1 port from `TOLLGATE_MOTO_SERVER`; see `object_store/moto.rs`).
//! Stores are published with `tollgate_bundle::publish`; broken revisions
//! are written with `object_store` directly. Servers run in-process with a
//! 1 s poll interval.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;
#[path = "object_store/moto.rs"]
mod moto;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use harness::{
    ALICE_FILE, Running, alice, ask, http_get, photo_request, poll, status, write_atomic,
};
use moto::{ACCESS_KEY, Moto, SECRET_KEY};
use object_store::{ObjectStoreExt as _, PutPayload};
use tollgate_bundle::{
    BundleError, FetchOptions, Fetcher, Location, Manifest, PollOutcome, PublishOptions,
    PublishOutcome, publish,
};
use tollgate_proto::v1::{Decision, PolicyStatus};
use tollgate_server::config::{BucketSource, ListenAddr, PollSettings, ServeConfig, StoreSource};
use tonic::Code;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

/// The poll interval of every test server.
const INTERVAL: Duration = Duration::from_secs(1);
/// Its jitter.
const JITTER: f64 = 0.2;
/// The bucket every test uses (each moto is its own server).
const BUCKET: &str = "stores";

/// `s3://stores/PREFIX` on `moto`, signed with the test keys.
fn bucket_source(moto: &Moto, prefix: &str) -> BucketSource {
    bucket_source_at(moto.endpoint(), prefix)
}

/// `s3://stores/PREFIX` on the S3 server at `endpoint` (which may not run
/// yet), signed with the test keys.
fn bucket_source_at(endpoint: String, prefix: &str) -> BucketSource {
    BucketSource {
        url: format!("s3://{BUCKET}/{prefix}"),
        endpoint: Some(endpoint),
        options: BTreeMap::from([
            ("aws_access_key_id".to_owned(), ACCESS_KEY.to_owned()),
            ("aws_secret_access_key".to_owned(), SECRET_KEY.to_owned()),
            ("aws_region".to_owned(), "us-east-1".to_owned()),
        ]),
    }
}

fn location(moto: &Moto, prefix: &str) -> Location {
    bucket_source(moto, prefix).location().unwrap()
}

/// A server configuration: listeners on 127.0.0.1:0, polling `source`
/// every second.
fn config(source: BucketSource, cache_dir: Option<&Path>) -> ServeConfig {
    ServeConfig {
        listen: ListenAddr::Tcp(SocketAddr::from(([127, 0, 0, 1], 0))),
        admin_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        store: StoreSource::Bucket(source),
        poll: PollSettings {
            interval: INTERVAL,
            jitter: JITTER,
            cache_dir: cache_dir.map(Path::to_path_buf),
            trusted_keys: None,
        },
        drain_timeout: Duration::from_secs(5),
        ..ServeConfig::default()
    }
}

/// A store folder holding only alice's file with a statement of `effect`
/// named `sid`.
fn store(effect: &str, sid: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_atomic(dir.path(), ALICE_FILE, &alice(effect, sid));
    dir
}

/// The files of that store, as a manifest lists them.
fn files(effect: &str, sid: &str) -> BTreeMap<String, Vec<u8>> {
    BTreeMap::from([(ALICE_FILE.to_owned(), alice(effect, sid).into_bytes())])
}

/// Publishes `dir` to `location`; its revision.
async fn publish_store(dir: &tempfile::TempDir, location: &Location) -> String {
    let report = publish(dir.path(), location, &PublishOptions::default())
        .await
        .unwrap();
    assert_eq!(report.outcome, PublishOutcome::Published);
    report.revision
}

/// Polls the status of `server` until `check` holds, for at most `limit`.
async fn status_until(
    server: &Running,
    limit: Duration,
    what: &str,
    check: impl Fn(&PolicyStatus) -> bool,
) -> (PolicyStatus, Duration) {
    let client = server.client().await;
    let check = &check;
    let found = poll(limit, || {
        let mut client = client.clone();
        async move {
            let status = status(&mut client).await;
            check(&status).then_some(status)
        }
    })
    .await;
    match found {
        Some(found) => found,
        None => {
            let mut client = client.clone();
            panic!(
                "{what}: not within {limit:?}; status now: {:#?}",
                status(&mut client).await
            )
        }
    }
}

async fn health(server: &Running) -> ServingStatus {
    HealthClient::new(harness::channel(server.grpc).await)
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .status()
}

/// The first load comes from S3; a new revision published while three
/// sidecars poll every second reaches all three within two intervals.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_sidecars_load_from_s3_and_converge_on_a_new_revision() {
    let moto = Moto::start().await;
    moto.create_bucket(BUCKET).await;
    let location = location(&moto, "prod");
    let revision_a = publish_store(&store("Allow", "A"), &location).await;
    assert_eq!(revision_a, harness::revision_of(&alice("Allow", "A")));

    let mut servers = Vec::new();
    for _ in 0..3 {
        servers.push(Running::start(config(bucket_source(&moto, "prod"), None)).await);
    }
    for server in &servers {
        let mut client = server.client().await;
        let now = status(&mut client).await;
        assert!(now.ready);
        assert_eq!(now.revision, revision_a);
        assert_eq!(now.source, "s3://stores/prod");
        assert_eq!(now.store_url, "s3://stores/prod");
        assert!(now.published_at.is_some());
        assert!(now.loaded_at.is_some());
        assert!(now.last_poll_at.is_some());
        assert!(now.last_successful_poll_at.is_some());
        assert_eq!(now.last_poll_error, "");
        assert_eq!(now.consecutive_poll_failures, 0);
        assert_eq!(
            ask(&mut client).await,
            (Decision::Allowed, revision_a.clone())
        );
        assert_eq!(http_get(server.admin, "/readyz").await.0, 200);
    }

    // Unchanged polls cost one conditional request each and change nothing.
    tokio::time::sleep(2 * INTERVAL).await;
    let (_, metrics) = http_get(servers[0].admin, "/metrics").await;
    assert!(
        metrics.contains("tollgate_store_polls_total{outcome=\"unchanged\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("tollgate_store_seconds_since_last_successful_poll"),
        "{metrics}"
    );

    let revision_b = publish_store(&store("Deny", "B"), &location).await;
    let published = Instant::now();
    let limit = INTERVAL.mul_f64(2.0 * (1.0 + JITTER));
    let mut slowest = Duration::ZERO;
    for server in &servers {
        let (now, _) = status_until(server, 2 * limit, "the new revision", |s| {
            s.revision == revision_b
        })
        .await;
        assert_eq!(now.last_poll_error, "");
        slowest = slowest.max(published.elapsed());
        let mut client = server.client().await;
        assert_eq!(
            ask(&mut client).await,
            (Decision::ExplicitDeny, revision_b.clone())
        );
    }
    eprintln!("three sidecars converged {slowest:?} after the publish (limit {limit:?})");
    // Two intervals with their jitter, plus the fetch and compile.
    assert!(
        slowest <= limit + Duration::from_millis(600),
        "converged after {slowest:?}"
    );
    let (_, metrics) = http_get(servers[0].admin, "/metrics").await;
    assert!(
        metrics.contains("tollgate_store_polls_total{outcome=\"updated\"}"),
        "{metrics}"
    );
    for server in servers {
        server.join().await.unwrap();
    }
}

/// Objects without a manifest, a manifest whose object is missing, and one
/// whose object was altered: none is loaded, the previous revision keeps
/// serving, and the status says why; a complete revision then loads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_uploaded_revisions_are_never_loaded() {
    let moto = Moto::start().await;
    moto.create_bucket(BUCKET).await;
    let location = location(&moto, "prod");
    let revision_a = publish_store(&store("Allow", "A"), &location).await;
    let server = Running::start(config(bucket_source(&moto, "prod"), None)).await;
    let mut client = server.client().await;
    assert_eq!(
        ask(&mut client).await,
        (Decision::Allowed, revision_a.clone())
    );
    let object_store = location.store().clone();
    let manifest_of = |files: &BTreeMap<String, Vec<u8>>| {
        Manifest::of_files(files, "2025-01-31T12:00:00Z".to_owned(), None)
    };

    // Objects uploaded, no manifest yet: nothing changes.
    let files_b = files("Deny", "B");
    let manifest_b = manifest_of(&files_b);
    for (object, bytes) in manifest_b.objects.iter().zip(files_b.values()) {
        object_store
            .put(
                &location.object_path(&object.sha256),
                PutPayload::from(bytes.clone()),
            )
            .await
            .unwrap();
    }
    tokio::time::sleep(INTERVAL.mul_f64(2.0 * (1.0 + JITTER))).await;
    let now = status(&mut client).await;
    assert_eq!(now.revision, revision_a);
    assert_eq!(now.last_poll_error, "");
    assert_eq!(
        ask(&mut client).await,
        (Decision::Allowed, revision_a.clone())
    );

    // A manifest whose object is missing.
    let manifest_c = manifest_of(&files("Deny", "C"));
    object_store
        .put(
            &location.manifest_path(),
            PutPayload::from(manifest_c.to_json().unwrap()),
        )
        .await
        .unwrap();
    let (now, _) = status_until(
        &server,
        10 * INTERVAL,
        "the missing object is reported",
        |s| s.last_poll_error.contains("missing"),
    )
    .await;
    eprintln!("missing object: {}", now.last_poll_error);
    assert!(
        now.last_poll_error.contains(ALICE_FILE),
        "{}",
        now.last_poll_error
    );
    assert!(now.consecutive_poll_failures >= 1);
    assert_eq!(now.revision, revision_a);
    assert_eq!(
        ask(&mut client).await,
        (Decision::Allowed, revision_a.clone())
    );

    // A manifest whose object was altered (same size, other bytes).
    let files_d = files("Deny", "D");
    let manifest_d = manifest_of(&files_d);
    let mut altered = files_d[ALICE_FILE].clone();
    let at = altered.iter().position(|&b| b == b'D').unwrap();
    altered[at] = b'E';
    object_store
        .put(
            &location.object_path(&manifest_d.objects[0].sha256),
            PutPayload::from(altered),
        )
        .await
        .unwrap();
    object_store
        .put(
            &location.manifest_path(),
            PutPayload::from(manifest_d.to_json().unwrap()),
        )
        .await
        .unwrap();
    let (now, _) = status_until(
        &server,
        10 * INTERVAL,
        "the altered object is reported",
        |s| s.last_poll_error.contains("SHA-256"),
    )
    .await;
    eprintln!("altered object: {}", now.last_poll_error);
    assert_eq!(now.revision, revision_a);
    assert_eq!(
        ask(&mut client).await,
        (Decision::Allowed, revision_a.clone())
    );
    let (_, metrics) = http_get(server.admin, "/metrics").await;
    assert!(
        metrics.contains("tollgate_store_polls_total{outcome=\"failed\"}"),
        "{metrics}"
    );

    // A complete revision loads, and the error clears.
    let revision_e = publish_store(&store("Deny", "E"), &location).await;
    let (now, took) = status_until(&server, 10 * INTERVAL, "the complete revision", |s| {
        s.revision == revision_e && s.last_poll_error.is_empty()
    })
    .await;
    eprintln!("complete revision loaded after {took:?}");
    assert_eq!(now.consecutive_poll_failures, 0);
    assert_eq!(ask(&mut client).await, (Decision::ExplicitDeny, revision_e));
    server.join().await.unwrap();
}

/// Two publishes at once from the same base: exactly one wins, the other
/// fails with a conflict naming the winner, and a sidecar serves the
/// winner. (A publish that happens to finish before the other reads the
/// manifest is not concurrent: it is retried on a fresh prefix.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_concurrent_publishes_exactly_one_wins() {
    let moto = Moto::start().await;
    moto.create_bucket(BUCKET).await;
    let one = store("Allow", "one");
    let two = store("Deny", "two");
    for attempt in 0..5 {
        let prefix = format!("race-{attempt}");
        let location = location(&moto, &prefix);
        let options = PublishOptions::default();
        let (first, second) = tokio::join!(
            publish(one.path(), &location, &options),
            publish(two.path(), &location, &options)
        );
        let (winner, conflict) = match (first, second) {
            (Ok(won), Err(lost)) | (Err(lost), Ok(won)) => (won, lost),
            (Ok(a), Ok(b)) => {
                // One after the other: the later one built on the earlier.
                assert!(
                    a.previous_revision.as_deref() == Some(b.revision.as_str())
                        || b.previous_revision.as_deref() == Some(a.revision.as_str()),
                    "both publishes won from the same base: {a:?} {b:?}"
                );
                continue;
            }
            (Err(a), Err(b)) => panic!("both publishes failed: {a}; {b}"),
        };
        match &conflict {
            BundleError::Conflict { revision } => {
                assert_eq!(revision.as_deref(), Some(winner.revision.as_str()));
            }
            other => panic!("the loser failed with something else than a conflict: {other}"),
        }
        eprintln!("attempt {attempt}: one won, the other: {conflict}");
        let mut fetcher = Fetcher::new(location.clone(), FetchOptions::default());
        match fetcher.poll().await.unwrap() {
            PollOutcome::Updated(fetched) => assert_eq!(fetched.revision, winner.revision),
            PollOutcome::Unchanged => panic!("a first poll returns the revision"),
        }
        let server = Running::start(config(bucket_source(&moto, &prefix), None)).await;
        let mut client = server.client().await;
        assert_eq!(status(&mut client).await.revision, winner.revision);
        server.join().await.unwrap();
        return;
    }
    panic!("the two publishes never overlapped in 5 attempts");
}

/// Storage stops: decisions keep flowing from the last good revision, the
/// status reports the failing polls; storage comes back (an empty moto on
/// the same port, the same store published again): polling recovers by
/// itself and the error clears. `TOLLGATE_OUTAGE_SECS` holds the outage
/// that long (the long run in `tests/soak/run.sh`: minutes), asking all the
/// while.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_outage_keeps_serving_and_recovers() {
    let mut moto = Moto::start().await;
    moto.create_bucket(BUCKET).await;
    let dir = store("Allow", "A");
    let revision_a = publish_store(&dir, &location(&moto, "prod")).await;
    let server = Running::start(config(bucket_source(&moto, "prod"), None)).await;
    let mut client = server.client().await;
    assert_eq!(
        ask(&mut client).await,
        (Decision::Allowed, revision_a.clone())
    );

    moto.stop();
    let stopped = Instant::now();
    let mut decisions = 0;
    let failing = loop {
        let answer = client
            .authorize(photo_request())
            .await
            .unwrap()
            .into_inner();
        assert_eq!(answer.decision(), Decision::Allowed);
        assert_eq!(answer.revision, revision_a);
        decisions += 1;
        let now = status(&mut client).await;
        if !now.last_poll_error.is_empty() {
            break now;
        }
        assert!(
            stopped.elapsed() < Duration::from_secs(15),
            "no poll failure reported 15 s into the outage"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    eprintln!(
        "outage reported after {:?} ({decisions} decisions meanwhile): {}",
        stopped.elapsed(),
        failing.last_poll_error
    );
    assert!(failing.ready);
    assert_eq!(failing.revision, revision_a);
    assert!(failing.consecutive_poll_failures >= 1);
    assert!(failing.last_poll_error_at.is_some());
    assert_eq!(http_get(server.admin, "/readyz").await.0, 200);
    let outage = Duration::from_secs(
        std::env::var("TOLLGATE_OUTAGE_SECS")
            .ok()
            .map_or(0, |text| {
                text.parse().expect("TOLLGATE_OUTAGE_SECS is a number")
            }),
    );
    let mut asked = 0u64;
    while asked < 20 || stopped.elapsed() < outage {
        assert_eq!(
            ask(&mut client).await,
            (Decision::Allowed, revision_a.clone())
        );
        asked += 1;
        if asked >= 20 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    let during = status(&mut client).await;
    eprintln!(
        "{asked} decisions from the last good revision over a {:?} outage; {} failed polls in a row",
        stopped.elapsed(),
        during.consecutive_poll_failures
    );
    assert!(during.ready && !during.last_poll_error.is_empty());

    let restarted = Moto::start_on(moto.addr.port()).await;
    restarted.create_bucket(BUCKET).await;
    assert_eq!(
        publish_store(&dir, &location(&restarted, "prod")).await,
        revision_a
    );
    let (now, took) = status_until(&server, Duration::from_secs(15), "recovery", |s| {
        s.last_poll_error.is_empty() && s.consecutive_poll_failures == 0
    })
    .await;
    eprintln!("recovered {took:?} after storage came back");
    assert_eq!(now.revision, revision_a);
    assert_eq!(now.source, "s3://stores/prod");
    assert_eq!(ask(&mut client).await, (Decision::Allowed, revision_a));
    server.join().await.unwrap();
}

/// Credentials that storage refuses: a clear error in the status, and the
/// server is not ready (there is nothing else to serve).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_credentials_are_reported() {
    let moto = Moto::start().await;
    moto.create_bucket(BUCKET).await;
    publish_store(&store("Allow", "A"), &location(&moto, "prod")).await;
    // From now on moto checks signatures, and knows no key.
    moto.require_auth().await;

    let server = Running::start(config(bucket_source(&moto, "prod"), None)).await;
    let mut client = server.client().await;
    let now = status(&mut client).await;
    eprintln!("refused credentials: {}", now.last_poll_error);
    assert!(!now.ready);
    assert!(
        now.last_poll_error.contains("InvalidAccessKeyId"),
        "{}",
        now.last_poll_error
    );
    assert!(
        now.last_poll_error.contains("s3://stores/prod"),
        "{}",
        now.last_poll_error
    );
    assert_eq!(now.revision, "");
    assert_eq!(http_get(server.admin, "/readyz").await.0, 503);
    server.join().await.unwrap();
}

/// Storage unreachable at start-up and no cache: the server binds but is
/// not ready (503, NOT_SERVING, UNAVAILABLE) until storage comes up and a
/// poll loads the first revision.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starts_not_ready_while_storage_is_down_then_becomes_ready() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let source = bucket_source_at(format!("http://127.0.0.1:{port}"), "prod");
    let started = Instant::now();
    let server = Running::start(config(source, None)).await;
    eprintln!(
        "bound {:?} after start with storage down",
        started.elapsed()
    );
    let mut client = server.client().await;
    let now = status(&mut client).await;
    assert!(!now.ready);
    assert_ne!(now.last_poll_error, "");
    assert_eq!(http_get(server.admin, "/readyz").await.0, 503);
    assert_eq!(health(&server).await, ServingStatus::NotServing);
    let refused = client.authorize(photo_request()).await.unwrap_err();
    assert_eq!(refused.code(), Code::Unavailable);

    let moto = Moto::start_on(port).await;
    moto.create_bucket(BUCKET).await;
    let revision_a = publish_store(&store("Allow", "A"), &location(&moto, "prod")).await;
    let (now, took) = status_until(&server, Duration::from_secs(15), "ready", |s| s.ready).await;
    eprintln!("ready {took:?} after storage came up");
    assert_eq!(now.revision, revision_a);
    assert_eq!(now.last_poll_error, "");
    assert_eq!(http_get(server.admin, "/readyz").await.0, 200);
    let (_, _) = poll(Duration::from_secs(2), || async {
        (health(&server).await == ServingStatus::Serving).then_some(())
    })
    .await
    .expect("health turns SERVING");
    assert_eq!(ask(&mut client).await, (Decision::Allowed, revision_a));
    server.join().await.unwrap();
}

/// With `--cache-dir`, each load is cached; a restart while storage is down
/// serves the cache ("cache of URL"), and a later successful poll serves
/// the URL's revision again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_with_storage_down_serves_the_cache() {
    let mut moto = Moto::start().await;
    moto.create_bucket(BUCKET).await;
    let dir = store("Allow", "A");
    let revision_a = publish_store(&dir, &location(&moto, "prod")).await;
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().join("tollgate-cache");

    let first = Running::start(config(bucket_source(&moto, "prod"), Some(&cache_dir))).await;
    let mut client = first.client().await;
    assert_eq!(status(&mut client).await.source, "s3://stores/prod");
    poll(Duration::from_secs(5), || {
        let current = cache_dir.join("CURRENT");
        async move { current.exists().then_some(()) }
    })
    .await
    .expect("the revision is written to the cache folder");
    first.join().await.unwrap();

    moto.stop();
    let started = Instant::now();
    let second = Running::start(config(bucket_source(&moto, "prod"), Some(&cache_dir))).await;
    eprintln!("restarted from the cache in {:?}", started.elapsed());
    let mut client = second.client().await;
    let now = status(&mut client).await;
    assert!(now.ready);
    assert_eq!(now.revision, revision_a);
    assert_eq!(now.source, "cache of s3://stores/prod");
    assert_ne!(now.last_poll_error, "");
    assert!(now.published_at.is_some());
    assert_eq!(
        ask(&mut client).await,
        (Decision::Allowed, revision_a.clone())
    );
    assert_eq!(http_get(second.admin, "/readyz").await.0, 200);

    let restarted = Moto::start_on(moto.addr.port()).await;
    restarted.create_bucket(BUCKET).await;
    publish_store(&dir, &location(&restarted, "prod")).await;
    let (now, took) = status_until(
        &second,
        Duration::from_secs(15),
        "the URL's revision",
        |s| s.source == "s3://stores/prod" && s.last_poll_error.is_empty(),
    )
    .await;
    eprintln!("serving from storage again {took:?} after it came back");
    assert_eq!(now.revision, revision_a);
    second.join().await.unwrap();
}
