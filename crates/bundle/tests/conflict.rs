//! Two operators publishing from the same base at the same time: exactly
//! one wins, the other gets a conflict naming the winner's revision, and
//! nothing is silently overwritten.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use common::{Counting, example_copy, write};
use object_store::memory::InMemory;
use object_store::path::Path;
use tollgate_bundle::{
    BundleError, FetchOptions, Fetcher, Location, PollOutcome, PublishOptions, PublishOutcome,
    PublishReport, publish,
};

/// Publishes `a` and `b` at once through a store whose first two manifest
/// reads wait for each other, so both start from the same base.
async fn race(
    inner: Arc<InMemory>,
    a: &std::path::Path,
    b: &std::path::Path,
) -> [Result<PublishReport, BundleError>; 2] {
    let location = Location::new(Counting::gated(inner), Path::from("prod"));
    let options = PublishOptions::default();
    let (first, second) = tokio::join!(
        publish(a, &location, &options),
        publish(b, &location, &options)
    );
    [first, second]
}

async fn published_revision(inner: Arc<InMemory>) -> String {
    let location = Location::new(inner, Path::from("prod"));
    match Fetcher::new(location, FetchOptions::default())
        .poll()
        .await
        .unwrap()
    {
        PollOutcome::Updated(fetched) => fetched.revision,
        PollOutcome::Unchanged => panic!("a first poll returns a revision"),
    }
}

fn one_winner(results: [Result<PublishReport, BundleError>; 2]) -> (PublishReport, BundleError) {
    match results {
        [Ok(won), Err(lost)] | [Err(lost), Ok(won)] => (won, lost),
        [first, second] => panic!("expected one winner: {first:?} / {second:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_updates_of_the_same_base_have_one_winner() {
    let inner = Arc::new(InMemory::new());
    let base = example_copy();
    let base_location = Location::new(inner.clone(), Path::from("prod"));
    let base_report = publish(base.path(), &base_location, &PublishOptions::default())
        .await
        .unwrap();

    let a = example_copy();
    write(a.path(), "NOTES.md", "change a\n");
    let b = example_copy();
    write(b.path(), "NOTES.md", "change b\n");
    let (won, lost) = one_winner(race(inner.clone(), a.path(), b.path()).await);
    assert_eq!(won.outcome, PublishOutcome::Published);
    assert_eq!(
        won.previous_revision.as_deref(),
        Some(base_report.revision.as_str())
    );
    let BundleError::Conflict { revision } = &lost else {
        panic!("expected a conflict, got {lost}");
    };
    assert_eq!(revision.as_deref(), Some(won.revision.as_str()));
    assert!(lost.is_conflict());
    assert_eq!(
        lost.to_string(),
        format!(
            "store changed since you read it (revision {} was published meanwhile); \
             fetch, review and publish again",
            won.revision
        )
    );
    assert_eq!(published_revision(inner).await, won.revision);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_publishes_have_one_winner() {
    let inner = Arc::new(InMemory::new());
    let a = example_copy();
    let b = example_copy();
    write(b.path(), "NOTES.md", "change b\n");
    let (won, lost) = one_winner(race(inner.clone(), a.path(), b.path()).await);
    assert_eq!(won.previous_revision, None);
    assert!(lost.is_conflict(), "{lost}");
    assert_eq!(published_revision(inner).await, won.revision);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_publishes_of_the_same_revision_both_succeed() {
    let inner = Arc::new(InMemory::new());
    let a = example_copy();
    let b = example_copy();
    let [first, second] = race(inner.clone(), a.path(), b.path()).await;
    let mut outcomes = [first.unwrap().outcome, second.unwrap().outcome];
    outcomes.sort_by_key(|o| *o == PublishOutcome::Published);
    assert_eq!(
        outcomes,
        [PublishOutcome::AlreadyPublished, PublishOutcome::Published]
    );
}
