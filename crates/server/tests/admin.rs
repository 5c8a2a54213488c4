//! The admin listener: `/metrics` carries the decision and reload metrics,
//! `/healthz` is 200, `/readyz` is 503 until a revision is loaded; start-up
//! binds before it loads (`startup`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;
#[path = "admin/startup.rs"]
mod startup;

use std::net::SocketAddr;
use std::sync::Arc;

use harness::{Running, ask, http_get, store_dir, test_config};
use tollgate_server::config::StoreSource;
use tollgate_server::state::PolicyState;
use tollgate_server::{Reloader, admin, metrics};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_health_and_readiness_of_a_running_server() {
    let dir = store_dir();
    let server = Running::start(test_config(dir.path())).await;
    let mut client = server.client().await;
    ask(&mut client).await;

    assert_eq!(http_get(server.admin, "/healthz").await.0, 200);
    let (code, body) = http_get(server.admin, "/readyz").await;
    assert_eq!(code, 200, "{body}");
    let (code, text) = http_get(server.admin, "/metrics").await;
    assert_eq!(code, 200);
    for name in [
        metrics::DECISIONS,
        "tollgate_decision_duration_seconds_bucket",
        metrics::RELOADS,
        metrics::REVISION,
        metrics::LOADED_AT,
        metrics::PRINCIPALS,
        metrics::POLICIES,
        metrics::STATEMENTS,
        "tollgate_reload_duration_seconds_bucket",
    ] {
        assert!(text.contains(name), "/metrics lacks {name}:\n{text}");
    }
    assert!(
        text.contains("tollgate_reloads_total{outcome=\"success\"}"),
        "{text}"
    );
    assert!(
        text.contains("le=\"0.000001\"") || text.contains("le=\"1e-6\""),
        "microsecond buckets:\n{text}"
    );
    assert_eq!(http_get(server.admin, "/nothing").await.0, 404);
    server.join().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_is_503_until_a_revision_loads() {
    let state = Arc::new(PolicyState::empty());
    let handle = metrics::install_recorder().unwrap();
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(admin::serve(
        listener,
        admin::router(state.clone(), handle.clone()),
        state.clone(),
        handle,
        async {
            let _ = stopped.await;
        },
    ));

    assert_eq!(http_get(addr, "/healthz").await.0, 200);
    assert_eq!(http_get(addr, "/readyz").await.0, 503);
    Reloader::new(state.clone(), StoreSource::Embedded)
        .load_initial()
        .await
        .unwrap();
    assert_eq!(http_get(addr, "/readyz").await.0, 200);

    stop.send(()).unwrap();
    task.await.unwrap().unwrap();
}
