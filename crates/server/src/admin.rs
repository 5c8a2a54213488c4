//! The admin listener (HTTP/1, default `127.0.0.1:9090`), apart from the
//! gRPC port so it can be firewalled separately:
//!
//! - `GET /metrics`: every `tollgate_*` metric, Prometheus text format;
//! - `GET /healthz`: 200 while the process runs (liveness);
//! - `GET /readyz`: 200 once a store revision is loaded, else 503 (readiness);
//!   with `ready-requires-fresh-store` or `ready-requires-live-reload`, also
//!   503 while the serving revision has expired or a reload is stalled
//!   (`crate::reload::readiness`). The one-line body says what serves, and
//!   names a reload (or poll) that failed since, with its time and error:
//!   still 200, the last good revision serves; before the first revision,
//!   that the store is loading or why it failed.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::task::JoinHandle;

use crate::metrics;
use crate::state::PolicyState;

/// How often the recorder is kept up (histograms folded, gauges set again).
const UPKEEP_PERIOD: Duration = Duration::from_secs(5);

#[derive(Clone)]
struct Admin {
    state: Arc<PolicyState>,
    metrics: PrometheusHandle,
}

/// The admin routes over `state`, rendering metrics from `metrics` (see
/// [`crate::metrics::install_recorder`]).
pub fn router(state: Arc<PolicyState>, metrics: PrometheusHandle) -> Router {
    Router::new()
        .route("/metrics", get(render_metrics))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(Admin { state, metrics })
}

/// Every few seconds, folds the recorder's histogram samples into their
/// buckets and sets the store gauges again from `state` (so the serving
/// revision's gauges never expire, see [`metrics::GAUGE_IDLE_TIMEOUT`]),
/// until the returned task is aborted. The router is served by the
/// server's own accept loop (connection limits and timeouts, see
/// `crate::server`).
pub fn spawn_upkeep(state: Arc<PolicyState>, handle: PrometheusHandle) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(UPKEEP_PERIOD);
        loop {
            interval.tick().await;
            metrics::record_serving(&state);
            handle.run_upkeep();
        }
    })
}

/// Serves `router` on `listener` with axum's plain server until `shutdown`
/// completes, keeping the recorder up meanwhile (see [`spawn_upkeep`]):
/// for embedding the admin routes elsewhere. [`crate::Server`] does not use
/// it: its own accept loop adds the connection limits and timeouts.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    state: Arc<PolicyState>,
    handle: PrometheusHandle,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let upkeep = spawn_upkeep(state, handle);
    let served = axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await;
    upkeep.abort();
    served
}

async fn render_metrics(State(admin): State<Admin>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        admin.metrics.render(),
    )
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(admin): State<Admin>) -> (StatusCode, String) {
    match crate::reload::readiness(&admin.state) {
        Ok(line) => (StatusCode::OK, format!("{line}\n")),
        Err(line) => (StatusCode::SERVICE_UNAVAILABLE, format!("{line}\n")),
    }
}
