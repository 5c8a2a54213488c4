//! The tollgate sidecar as a library: the gRPC `Authorizer` service over a
//! hot-reloading policy store, the standard health and reflection services,
//! and the admin listener (metrics, liveness, readiness). The `tollgate`
//! binary only parses flags and calls [`run`]; integration tests start the
//! same server on ephemeral ports with [`Server::bind`] and [`Server::serve`].
//!
//! | module | does |
//! | --- | --- |
//! | [`config`] | [`ServeConfig`] and its layers (flags, environment, TOML) |
//! | [`limits`] | request limits: in-flight calls, sizes, deadlines |
//! | [`server`] | binding, serving, graceful shutdown, TLS |
//! | [`reload`] | loading off the request path, watching, `SIGHUP`, rescans; polling object storage |
//! | [`state`] | the serving snapshot and the reload history |
//! | [`grpc`] | the gRPC services |
//! | [`admin`] | `/metrics`, `/healthz`, `/readyz` |
//! | [`http_api`] | the HTTP/JSON API (`http-listen`) |
//! | [`admin_ui`] | the policy simulator page (`admin-ui`) |
//! | [`audit`] | the decision audit log, off the request path |
//! | [`metrics`] | metric names and the Prometheus recorder |
//! | [`telemetry`] | logging |

pub mod admin;
pub mod admin_ui;
pub mod audit;
pub mod config;
mod error;
pub mod grpc;
pub mod http_api;
pub mod limits;
pub mod metrics;
pub mod reload;
pub mod server;
pub mod state;
pub mod telemetry;

use std::future::Future;

pub use config::{ConfigError, ConfigLayer, ServeConfig};
pub use error::{EXIT_CONFIG, ServeError};
pub use reload::Reloader;
pub use server::Server;

/// Runs the server described by `config` until `shutdown` completes: sets
/// up logging (unless a subscriber is already installed), binds the
/// listeners, prints `tollgate listening on grpc=ADDR admin=ADDR` to stderr,
/// loads the store while serving (not ready until it loads; a store folder
/// that does not load stops the server with its error), serves, and drains
/// on shutdown.
pub async fn run(
    config: ServeConfig,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServeError> {
    telemetry::init(config.log_format, config.log_level.as_deref());
    // Bound first: the store loads while the listeners serve, not ready.
    let server = Server::listen(config).await?;
    eprintln!("{}", server.listening_line());
    server.serve(shutdown).await
}
