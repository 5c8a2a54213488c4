//! Start-up and readiness: the listeners are bound before the store loads
//! (not ready until it does), a store folder that does not load stops the
//! server with its error, and `/readyz` names a failing reload while the
//! last good revision keeps it 200.

use std::future::pending;
use std::time::Duration;

use tollgate_proto::v1::Decision;
use tollgate_server::reload::{Cause, ReloadOutcome};
use tollgate_server::{ServeError, Server};

use crate::harness::{
    ALICE_FILE, Running, ask, connect, http_get, poll, store_dir, test_config, write_atomic,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listeners_are_bound_before_the_store_loads() {
    let dir = store_dir();
    let server = Server::listen(test_config(dir.path())).await.unwrap();
    // Bound, nothing loaded yet.
    assert!(!server.state().is_ready());
    let admin = server.admin_addr();
    let tollgate_server::config::ListenAddr::Tcp(grpc) = *server.grpc_addr() else {
        panic!("a TCP listener was configured");
    };
    let task = tokio::spawn(server.serve(pending()));

    let ready = poll(Duration::from_secs(5), || async {
        let (code, body) = http_get(admin, "/readyz").await;
        (code == 200).then_some(body)
    })
    .await;
    let (body, _) = ready.expect("ready within 5 s");
    assert!(body.starts_with("ready: revision "), "{body}");
    let (decision, _) = ask(&mut connect(grpc).await).await;
    assert_eq!(decision, Decision::Allowed);
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_does_not_load_at_start_up_stops_the_bound_server() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("stray.json"), "{}").unwrap();
    // Binding succeeds: the store is read afterwards.
    let server = Server::listen(test_config(dir.path())).await.unwrap();
    let served = tokio::time::timeout(Duration::from_secs(10), server.serve(pending()))
        .await
        .expect("serve returns within 10 s");
    let Err(error @ ServeError::Store(_)) = served else {
        panic!("expected the store's error, got {served:?}");
    };
    assert!(error.to_string().contains("stray.json"), "{error}");
    assert_eq!(error.exit_code(), tollgate_server::EXIT_CONFIG);

    // Server::bind still loads before it returns, and fails the same way.
    let bound = Server::bind(test_config(dir.path())).await;
    assert!(matches!(bound, Err(ServeError::Store(_))), "{bound:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_names_a_failing_reload_and_stays_200() {
    let dir = store_dir();
    let server = Running::start(test_config(dir.path())).await;
    let (code, good) = http_get(server.admin, "/readyz").await;
    assert_eq!(code, 200, "{good}");
    assert!(!good.contains("failed"), "{good}");

    write_atomic(dir.path(), ALICE_FILE, "{ not json");
    let outcome = server.reloader.reload(Cause::Trigger).await;
    assert!(
        matches!(outcome, ReloadOutcome::Failed { .. }),
        "{outcome:?}"
    );
    let (code, body) = http_get(server.admin, "/readyz").await;
    assert_eq!(code, 200, "{body}");
    let revision = good.trim().trim_start_matches("ready: revision ");
    assert!(
        body.starts_with(&format!(
            "ready: revision {revision} serves; the last reload failed at "
        )),
        "{body}"
    );
    assert!(body.contains(ALICE_FILE), "{body}");

    // Repaired: the failure no longer stands.
    write_atomic(dir.path(), ALICE_FILE, &crate::harness::alice("Allow", "A"));
    server.reloader.reload(Cause::Trigger).await;
    assert_eq!(http_get(server.admin, "/readyz").await, (200, good));
    server.join().await.unwrap();
}
