//! Hot reload end to end: a server on 127.0.0.1 over a temporary store
//! folder; the tests rewrite alice's policy and watch the answers change.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use harness::{
    ALICE_FILE, Running, alice, ask, photo_request, poll, revision_of, status, store_dir,
    test_config, write_atomic,
};
use tollgate_proto::v1::Decision;

/// A changed policy serves within 1 s; a broken file is rejected while the
/// previous revision keeps answering, and GetPolicyStatus names the file; a
/// fixed file loads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_flips_the_decision_and_a_broken_file_is_rejected() {
    let dir = store_dir();
    let server = Running::start(test_config(dir.path())).await;
    let mut client = server.client().await;
    let (decision, revision_a) = ask(&mut client).await;
    assert_eq!(decision, Decision::Allowed);
    assert_eq!(revision_a, revision_of(&alice("Allow", "A")));

    // Allow → Deny: the decision flips within 1 s.
    write_atomic(dir.path(), ALICE_FILE, &alice("Deny", "B"));
    let revision_b = revision_of(&alice("Deny", "B"));
    let (_, took) = poll(Duration::from_secs(1), || {
        let mut client = client.clone();
        async move { (ask(&mut client).await.0 == Decision::ExplicitDeny).then_some(()) }
    })
    .await
    .expect("the decision flips to explicitDeny within 1 s");
    eprintln!("flip took {took:?}");
    assert_eq!(ask(&mut client).await.1, revision_b);

    // A broken file: rejected whole, the last good revision keeps serving.
    write_atomic(dir.path(), ALICE_FILE, "{\"InlinePolicies\": ");
    let (error, _) = poll(Duration::from_secs(2), || {
        let mut client = client.clone();
        async move {
            let status = status(&mut client).await;
            (!status.last_reload_error.is_empty()).then_some(status.last_reload_error)
        }
    })
    .await
    .expect("GetPolicyStatus reports the failed reload");
    assert!(
        error.contains(ALICE_FILE),
        "the error names the file: {error}"
    );
    let now = status(&mut client).await;
    assert_eq!(now.revision, revision_b);
    assert!(now.reloads_failed >= 1);
    assert!(now.last_reload_error_at.is_some());
    assert_eq!(ask(&mut client).await, (Decision::ExplicitDeny, revision_b));

    // Fixed: it loads, and the failure no longer shows.
    write_atomic(dir.path(), ALICE_FILE, &alice("Allow", "C"));
    let revision_c = revision_of(&alice("Allow", "C"));
    poll(Duration::from_secs(2), || {
        let mut client = client.clone();
        let revision_c = revision_c.clone();
        async move {
            let status = status(&mut client).await;
            (status.revision == revision_c && status.last_reload_error.is_empty()).then_some(())
        }
    })
    .await
    .expect("the fixed store loads");
    assert_eq!(ask(&mut client).await, (Decision::Allowed, revision_c));

    server.join().await.unwrap();
}

/// 8 clients ask without pause while the store is rewritten 50 times
/// (`TOLLGATE_HOT_RELOADS`; the long run in `tests/soak/run.sh` does 1,000)
/// between revisions A (allowed) and B (denied): no call fails, and every
/// answer is the one its revision gives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reloads_under_load_never_fail_a_call_or_mix_revisions() {
    let text_a = alice("Allow", "A");
    let text_b = alice("Deny", "B");
    let (revision_a, revision_b) = (revision_of(&text_a), revision_of(&text_b));
    let dir = store_dir();
    let mut config = test_config(dir.path());
    config.reload_debounce = Duration::from_millis(20);
    let server = Running::start(config).await;

    let stop = Arc::new(AtomicBool::new(false));
    let answers = Arc::new([AtomicU64::new(0), AtomicU64::new(0)]);
    let mut clients = Vec::new();
    for _ in 0..8 {
        let mut client = server.client().await;
        let (stop, answers) = (stop.clone(), answers.clone());
        let (revision_a, revision_b) = (revision_a.clone(), revision_b.clone());
        clients.push(tokio::spawn(async move {
            let mut calls = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let answer = client
                    .authorize(photo_request())
                    .await
                    .expect("no call fails during reloads")
                    .into_inner();
                let expected = if answer.revision == revision_a {
                    answers[0].fetch_add(1, Ordering::Relaxed);
                    Decision::Allowed
                } else if answer.revision == revision_b {
                    answers[1].fetch_add(1, Ordering::Relaxed);
                    Decision::ExplicitDeny
                } else {
                    panic!("an answer from an unknown revision {}", answer.revision);
                };
                assert_eq!(answer.decision(), expected, "revision {}", answer.revision);
                calls += 1;
            }
            calls
        }));
    }

    let rounds: u64 = std::env::var("TOLLGATE_HOT_RELOADS")
        .ok()
        .map_or(50, |text| {
            text.parse().expect("TOLLGATE_HOT_RELOADS is a number")
        });
    let started = std::time::Instant::now();
    for round in 0..rounds {
        let (text, revision) = if round % 2 == 0 {
            (&text_b, &revision_b)
        } else {
            (&text_a, &revision_a)
        };
        write_atomic(dir.path(), ALICE_FILE, text);
        let state = server.state.clone();
        poll(Duration::from_secs(2), || {
            let serving = state
                .current()
                .as_ref()
                .is_some_and(|s| s.store.revision() == revision.as_str());
            async move { serving.then_some(()) }
        })
        .await
        .unwrap_or_else(|| panic!("round {round}: the new revision serves within 2 s"));
    }
    let rewriting = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let mut calls = 0;
    for client in clients {
        calls += client.await.unwrap();
    }
    let (a, b) = (
        answers[0].load(Ordering::Relaxed),
        answers[1].load(Ordering::Relaxed),
    );
    eprintln!("{rounds} rewrites in {rewriting:?}; {calls} calls: {a} from A, {b} from B");
    assert!(a > 0 && b > 0, "answers came from both revisions");
    assert!(server.state.history().succeeded > rounds);
    server.join().await.unwrap();
}

/// The periodic rescan reloads a change the watcher has not reported (its
/// debounce is a minute here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rescan_finds_what_the_watcher_missed() {
    let dir = store_dir();
    let mut config = test_config(dir.path());
    config.reload_debounce = Duration::from_secs(60);
    config.rescan_interval = Some(Duration::from_millis(200));
    let server = Running::start(config).await;
    write_atomic(dir.path(), ALICE_FILE, &alice("Deny", "rescan"));
    let revision = revision_of(&alice("Deny", "rescan"));
    let state = server.state.clone();
    poll(Duration::from_secs(1), || {
        let serving = state
            .current()
            .as_ref()
            .is_some_and(|s| s.store.revision() == revision);
        async move { serving.then_some(()) }
    })
    .await
    .expect("the rescan reloads within 1 s");
    server.join().await.unwrap();
}

/// A request still holding the replaced snapshot when the swap happens only
/// lets go of a reference: the reloader keeps the other one and frees the
/// snapshot on its own thread once the request is done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_replaced_snapshot_is_freed_by_the_reloader_once_requests_let_go() {
    use tollgate_server::config::StoreSource;
    use tollgate_server::reload::{Cause, ReloadOutcome};
    use tollgate_server::state::PolicyState;

    let dir = store_dir();
    let state = Arc::new(PolicyState::empty());
    let reloader =
        tollgate_server::Reloader::new(Arc::clone(&state), StoreSource::Dir(dir.path().to_owned()));
    reloader.load_initial().await.unwrap();
    // The store was compiled on the reload thread, lowered first.
    let priority = reloader.thread_priority().expect("the reload thread ran");
    if cfg!(target_os = "linux") {
        assert_ne!(priority, tollgate_server::reload::ReloadPriority::Normal);
    }
    // What a request answering from the first revision holds.
    let held = Option::clone(&state.current()).unwrap();
    let first = held.store.revision().to_owned();
    let freed = Arc::downgrade(&held);

    write_atomic(dir.path(), ALICE_FILE, &alice("Deny", "B"));
    let outcome = reloader.reload(Cause::Trigger).await;
    assert!(
        matches!(outcome, ReloadOutcome::Installed { .. }),
        "{outcome:?}"
    );
    assert_ne!(state.current().as_ref().unwrap().store.revision(), first);
    // The request's reference and the reloader's.
    assert_eq!(Arc::strong_count(&held), 2);
    drop(held);
    let (_, took) = poll(Duration::from_secs(10), || async {
        (freed.strong_count() == 0).then_some(())
    })
    .await
    .expect("the reloader frees the replaced snapshot");
    eprintln!("freed {took:?} after the request let go");
}
