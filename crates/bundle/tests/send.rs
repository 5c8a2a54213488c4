//! The futures of the public API are `Send`, so a server can spawn them on
//! a multi-threaded runtime.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use tollgate_bundle::{FetchOptions, Fetcher, PublishOptions, publish};

fn assert_send<T: Send>(_: &T) {}

#[test]
fn poll_and_publish_futures_are_send() {
    let (_, location) = common::memory();
    let mut fetcher = Fetcher::new(location.clone(), FetchOptions::default());
    assert_send(&fetcher.poll());
    let options = PublishOptions::default();
    assert_send(&publish(Path::new("."), &location, &options));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poll_runs_in_a_spawned_task() {
    let dir = common::example_copy();
    let (_, location) = common::memory();
    let publish_location = location.clone();
    let path = dir.path().to_owned();
    let report =
        tokio::spawn(
            async move { publish(&path, &publish_location, &PublishOptions::default()).await },
        )
        .await
        .unwrap()
        .unwrap();
    let mut fetcher = Fetcher::new(location, FetchOptions::default());
    let outcome = tokio::spawn(async move { fetcher.poll().await })
        .await
        .unwrap()
        .unwrap();
    let tollgate_bundle::PollOutcome::Updated(fetched) = outcome else {
        panic!("a first poll returns a revision");
    };
    assert_eq!(fetched.revision, report.revision);
}
