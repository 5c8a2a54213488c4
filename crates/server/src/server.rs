//! The running server: [`Server::listen`] binds every listener first (a
//! port in use fails at once, before any store is read) and returns;
//! [`Server::serve`] then loads the first store while it already serves,
//! not ready (`/readyz` 503 saying that the store is loading, health
//! `NOT_SERVING`, `Authorize` `UNAVAILABLE`, `GetPolicyStatus` `ready`
//! false with the load in `reload_in_progress_seconds`), and serves until
//! the shutdown future completes, then drains. A store folder that does
//! not load at start-up stops the server: it drains and [`Server::serve`]
//! returns the error. [`Server::bind`] binds and loads before returning,
//! for callers that want a loaded server in hand.
//!
//! A store in object storage that cannot be fetched at start-up (and has no
//! cached revision) does not stop the server: it serves, not ready, until a
//! poll loads the first revision.
//!
//! gRPC health follows readiness as `/readyz` answers it
//! ([`crate::reload::readiness`]): `SERVING` once a revision serves,
//! `NOT_SERVING` before, and again while a readiness option
//! (`ready-requires-fresh-store`, `ready-requires-live-reload`) fails; it is
//! checked on every change of the serving revision and every
//! [`READINESS_CHECK`].
//!
//! With `ext-authz-listen`, a third listener serves Envoy's `Authorization`
//! and health only (the main gRPC listener serves `Authorization` as well).
//! With `http-listen`, another serves the HTTP/JSON API over HTTP/1.1
//! ([`crate::http_api`]), calling the gRPC listener's `Authorizer` with its
//! admission permits; with `admin-ui`, the admin listener serves the policy
//! simulator page and the API's `simulate` and `status` beside it
//! ([`crate::admin_ui`]).
//!
//! Every listener runs the same accept loop (`listen`): a cap on open
//! connections, accept errors backed off from and counted, never fatal;
//! each connection is served by `conn` (HTTP/2 for gRPC and ext_authz,
//! HTTP/1 for admin) within the connection limits of
//! [`ConnectionLimits`](crate::limits::ConnectionLimits), and every gRPC
//! call passes the [`Edge`] (admission, deadline) first.
//!
//! Shutdown: the health service turns `NOT_SERVING`, every listener stops
//! accepting at once, and calls in flight finish (each on the snapshot it
//! started with); the listeners drain concurrently, all within one drain
//! timeout, and whatever still runs then is dropped.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use std::time::Duration;

use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::{error, info, warn};

use crate::audit::{AuditLog, AuditWriter};
use crate::config::{ListenAddr, ServeConfig};
use crate::error::ServeError;
use crate::grpc::{self, Edge, GrpcServices};
use crate::http_api::HttpApi;
use crate::reload::{ReloadTask, Reloader};
use crate::state::PolicyState;
use crate::{admin, admin_ui, metrics};

mod coalesce;
mod conn;
mod listen;
pub mod tls;
mod uds_authority;
mod unix;

use self::listen::ListenerBounds;
use self::tls::TlsListener;
use self::uds_authority::UdsAuthority;
use self::unix::UnixSocket;

/// How often gRPC health is set again from readiness (besides every change
/// of the serving revision): an expired store or a stalled reload turns it
/// `NOT_SERVING` within this.
pub const READINESS_CHECK: Duration = Duration::from_secs(1);

/// A server with its listeners bound, its store loaded or not yet.
#[derive(Debug)]
pub struct Server {
    config: ServeConfig,
    state: Arc<PolicyState>,
    reloader: Reloader,
    /// Set once the first load has run ([`Server::load`]).
    reload_task: Option<ReloadTask>,
    grpc: GrpcServices,
    grpc_listener: GrpcListener,
    grpc_addr: ListenAddr,
    admin_listener: TcpListener,
    admin_addr: SocketAddr,
    ext_authz_listener: Option<(TcpListener, SocketAddr)>,
    /// The HTTP/JSON API's listener, when configured.
    http_listener: Option<(TcpListener, SocketAddr)>,
    /// The HTTP/JSON API, when a listener or the admin UI serves it.
    http_api: Option<HttpApi>,
    metrics: PrometheusHandle,
    /// The audit log's writer, stopped (and flushed) after the drain.
    audit: Option<AuditWriter>,
}

#[derive(Debug)]
enum GrpcListener {
    Tcp(TcpListener),
    Tls(TlsListener),
    Unix(UnixSocket),
}

impl Server {
    /// [`Server::listen`], then [`Server::load`]: a server whose listeners
    /// are bound and whose store is loaded (or, for a store in object
    /// storage that cannot be fetched, polled for).
    pub async fn bind(config: ServeConfig) -> Result<Server, ServeError> {
        let mut server = Self::listen(config).await?;
        server.load().await?;
        Ok(server)
    }

    /// Installs the metrics recorder (once per process) and binds every
    /// listener; the store is not loaded yet: [`Server::serve`] loads it
    /// while serving, not ready (or call [`Server::load`] first).
    pub async fn listen(config: ServeConfig) -> Result<Server, ServeError> {
        let metrics = metrics::install_recorder()?;
        let state = Arc::new(PolicyState::empty());
        state.watchdog().configure(config.watchdog);
        let reloader = Reloader::with_settings(
            state.clone(),
            config.store.clone(),
            config.poll.clone(),
            config.reload_priority,
        );
        let (audit_log, audit) = match &config.audit {
            Some(settings) => {
                let (log, writer) = AuditLog::start(settings)?;
                (Some(log), Some(writer))
            }
            None => (None, None),
        };
        let mesh = config.mesh.as_ref().map(|mesh| mesh.config.clone());
        match &config.mesh {
            Some(mesh) => info!(
                mesh_config = %mesh.path.display(),
                routes = mesh.config.routes().len(),
                "ext_authz: mesh mapping loaded"
            ),
            None => warn!(
                "ext_authz: no mesh mapping (--mesh-config): every Envoy Check is denied (403)"
            ),
        }
        let options = grpc::ServiceOptions {
            limits: config.limits.clone(),
            mesh,
            audit: audit_log,
        };
        let grpc = grpc::services_with(state.clone(), options).await?;

        let (grpc_listener, grpc_addr) = match &config.listen {
            ListenAddr::Tcp(addr) => {
                let listener =
                    TcpListener::bind(addr)
                        .await
                        .map_err(|source| ServeError::Bind {
                            what: "gRPC",
                            addr: config.listen.to_string(),
                            source,
                        })?;
                let bound = listener.local_addr().map_err(|source| ServeError::Bind {
                    what: "gRPC",
                    addr: config.listen.to_string(),
                    source,
                })?;
                let listener = match &config.tls {
                    None => GrpcListener::Tcp(listener),
                    Some(tls) => GrpcListener::Tls(TlsListener::new(listener, tls.clone())?),
                };
                (listener, ListenAddr::Tcp(bound))
            }
            ListenAddr::Unix(path) => {
                let socket = UnixSocket::bind(path, config.socket_mode)?;
                (GrpcListener::Unix(socket), config.listen.clone())
            }
        };
        let admin_bind_error = |source| ServeError::Bind {
            what: "admin",
            addr: config.admin_listen.to_string(),
            source,
        };
        let admin_listener = TcpListener::bind(config.admin_listen)
            .await
            .map_err(admin_bind_error)?;
        let admin_addr = admin_listener.local_addr().map_err(admin_bind_error)?;
        let ext_authz_listener = match config.ext_authz_listen {
            None => None,
            Some(addr) => {
                let error = |source| ServeError::Bind {
                    what: "ext_authz",
                    addr: addr.to_string(),
                    source,
                };
                let listener = TcpListener::bind(addr).await.map_err(error)?;
                let bound = listener.local_addr().map_err(error)?;
                Some((listener, bound))
            }
        };
        let http_listener = match config.http_listen {
            None => None,
            Some(addr) => {
                let error = |source| ServeError::Bind {
                    what: "HTTP API",
                    addr: addr.to_string(),
                    source,
                };
                let listener = TcpListener::bind(addr).await.map_err(error)?;
                let bound = listener.local_addr().map_err(error)?;
                Some((listener, bound))
            }
        };
        let http_api = if http_listener.is_some() || config.admin_ui {
            Some(HttpApi::new(
                grpc.authorizer.clone(),
                grpc.edge.clone(),
                config.limits.max_message_bytes,
                config.limits.max_call,
            )?)
        } else {
            None
        };
        Ok(Server {
            config,
            state,
            reloader,
            reload_task: None,
            grpc,
            grpc_listener,
            grpc_addr,
            admin_listener,
            admin_addr,
            ext_authz_listener,
            http_listener,
            http_api,
            metrics,
            audit,
        })
    }

    /// Loads the first store revision and starts watching (or polling) the
    /// store; does nothing when that is done already. A store folder that
    /// does not load is an error; a store in object storage that cannot be
    /// fetched is polled for, not ready until a poll loads it.
    pub async fn load(&mut self) -> Result<(), ServeError> {
        if self.reload_task.is_none() {
            self.reload_task = Some(initial_load(&self.reloader, &self.config).await?);
        }
        Ok(())
    }

    /// The bound address of the separate ext_authz listener, if configured.
    pub fn ext_authz_addr(&self) -> Option<SocketAddr> {
        self.ext_authz_listener.as_ref().map(|(_, addr)| *addr)
    }

    /// The bound address of the HTTP/JSON API's listener, if configured.
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http_listener.as_ref().map(|(_, addr)| *addr)
    }

    /// The bound gRPC address (the real port when the configuration said 0).
    pub fn grpc_addr(&self) -> &ListenAddr {
        &self.grpc_addr
    }

    /// The bound admin address.
    pub fn admin_addr(&self) -> SocketAddr {
        self.admin_addr
    }

    /// The serving state.
    pub fn state(&self) -> &Arc<PolicyState> {
        &self.state
    }

    /// The reloader, to reload or [`Reloader::trigger`] by hand.
    pub fn reloader(&self) -> &Reloader {
        &self.reloader
    }

    /// The line the binary prints once the listeners are bound
    /// (`ext_authz=ADDR` is added when that listener is configured).
    pub fn listening_line(&self) -> String {
        let mut line = format!(
            "tollgate listening on grpc={} admin={}",
            self.grpc_addr, self.admin_addr
        );
        if let Some(addr) = self.ext_authz_addr() {
            line.push_str(&format!(" ext_authz={addr}"));
        }
        if let Some(addr) = self.http_addr() {
            line.push_str(&format!(" http={addr}"));
        }
        line
    }

    /// Serves until `shutdown` completes, then drains (see the module docs).
    pub async fn serve(self, shutdown: impl Future<Output = ()>) -> Result<(), ServeError> {
        let Server {
            config,
            reload_task,
            reloader,
            grpc,
            grpc_listener,
            admin_listener,
            ext_authz_listener,
            http_listener,
            http_api,
            metrics,
            state,
            audit,
            ..
        } = self;
        let (stop_tx, stop_rx) = watch::channel(false);
        let stopped = move || {
            let mut rx = stop_rx.clone();
            async move {
                // An error means the sender is gone: stop as well.
                let _ = rx.wait_for(|stop| *stop).await;
            }
        };
        let stop = stop_tx.subscribe();
        let limits = Arc::new(config.connections.clone());
        let max_call = config.limits.max_call;
        let http2 = Arc::new(conn::http2_builder(&limits, max_call));
        let bounds = |name, max_connections| ListenerBounds {
            name,
            max_connections,
            drain: config.drain_timeout,
        };

        let upkeep = admin::spawn_upkeep(state.clone(), metrics.clone());
        let mut admin_router = admin::router(state.clone(), metrics);
        if config.admin_ui
            && let Some(api) = &http_api
        {
            admin_router = admin_router.merge(admin_ui::router(api.simulator()));
        }
        let admin_service = TowerToHyperService::new(admin_router);
        let http1 = Arc::new(conn::http1_builder(&limits));
        let http_task = match (http_listener, &http_api) {
            (Some((listener, _)), Some(api)) => {
                let service = TowerToHyperService::new(api.clone().router());
                let (limits, http1) = (limits.clone(), http1.clone());
                Some(tokio::spawn(listen::run(
                    listener,
                    bounds("http", limits.max_connections),
                    move |io, stop| {
                        let (service, http1, limits) =
                            (service.clone(), http1.clone(), limits.clone());
                        async move {
                            conn::serve_http1(io, service, &http1, &limits, stop, "http").await;
                        }
                    },
                    stop.clone(),
                )))
            }
            _ => None,
        };
        let admin_task = {
            let limits = limits.clone();
            tokio::spawn(listen::run(
                admin_listener,
                bounds("admin", limits.admin_max_connections),
                move |io, stop| {
                    let (service, http1, limits) =
                        (admin_service.clone(), http1.clone(), limits.clone());
                    async move {
                        conn::serve_http1(io, service, &http1, &limits, stop, "admin").await;
                    }
                },
                stop.clone(),
            ))
        };
        let ext_authz_task = ext_authz_listener.map(|(listener, _)| {
            let edge = Edge::new(grpc.ext_authz_routes.clone(), grpc.edge.clone());
            let (limits, http2) = (limits.clone(), http2.clone());
            tokio::spawn(listen::run(
                listener,
                bounds("ext_authz", limits.max_connections),
                move |io, stop| {
                    let (edge, http2, limits) = (edge.clone(), http2.clone(), limits.clone());
                    async move {
                        conn::serve_http2(io, edge, &http2, &limits, stop, "ext_authz").await;
                    }
                },
                stop.clone(),
            ))
        });
        let edge = Edge::new(grpc.routes, grpc.edge.clone());
        let grpc_bounds = bounds("grpc", limits.max_connections);
        let serve_grpc = {
            let (edge, http2, limits) = (edge.clone(), http2.clone(), limits.clone());
            move |io, stop| {
                let (edge, http2, limits) = (edge.clone(), http2.clone(), limits.clone());
                async move { conn::serve_http2(io, edge, &http2, &limits, stop, "grpc").await }
            }
        };
        let (grpc_task, _socket) = match grpc_listener {
            GrpcListener::Tcp(listener) => {
                let task =
                    tokio::spawn(listen::run(listener, grpc_bounds, serve_grpc, stop.clone()));
                (task, None)
            }
            GrpcListener::Tls(listener) => {
                let (listener, handshake) = listener.into_parts(stopped());
                let serve = move |io, stop| {
                    let (edge, http2, limits, handshake) = (
                        edge.clone(),
                        http2.clone(),
                        limits.clone(),
                        handshake.clone(),
                    );
                    async move {
                        if let Some(tls) = handshake.accept(io).await {
                            conn::serve_http2(tls, edge, &http2, &limits, stop, "grpc").await;
                        }
                    }
                };
                let task = tokio::spawn(listen::run(listener, grpc_bounds, serve, stop.clone()));
                (task, None)
            }
            GrpcListener::Unix(socket) => {
                let (listener, guard) = socket.into_listener();
                let serve = move |io, stop| {
                    let (edge, http2, limits) = (edge.clone(), http2.clone(), limits.clone());
                    // C-core clients send the socket path as `:authority`: mended.
                    let io = UdsAuthority::new(io);
                    async move { conn::serve_http2(io, edge, &http2, &limits, stop, "grpc").await }
                };
                let task = tokio::spawn(listen::run(listener, grpc_bounds, serve, stop.clone()));
                (task, Some(guard))
            }
        };

        // Health follows readiness: SERVING once the first revision loads
        // (at once when one already serves).
        let follow_ready = tokio::spawn(follow_readiness(state.clone(), grpc.health.clone()));

        // The first load runs while the listeners serve, not ready.
        let loading = async {
            match reload_task {
                Some(task) => Ok(task),
                None => initial_load(&reloader, &config).await,
            }
        };
        let mut shutdown = std::pin::pin!(shutdown);
        let mut loading = std::pin::pin!(loading);
        let (startup_failure, reload_task) = tokio::select! {
            () = &mut shutdown => (None, None),
            loaded = &mut loading => match loaded {
                Ok(task) => {
                    (&mut shutdown).await;
                    (None, Some(task))
                }
                Err(error) => {
                    error!(%error, "the store did not load at start-up: stopping");
                    (Some(error), None)
                }
            },
        };
        info!("shutting down: draining in-flight calls");
        follow_ready.abort();
        // Once it has stopped, it cannot report SERVING after this.
        let _ = follow_ready.await;
        grpc.health.set_ready(false).await;
        let _ = stop_tx.send(true);
        drop(reload_task);

        // Every listener drains at once, each bounded by the drain timeout
        // (with a second of slack here for the tasks to wind up).
        let mut tasks = vec![("grpc", grpc_task), ("admin", admin_task)];
        tasks.extend(ext_authz_task.map(|task| ("ext_authz", task)));
        tasks.extend(http_task.map(|task| ("http", task)));
        let deadline = tokio::time::Instant::now() + config.drain_timeout + Duration::from_secs(1);
        let mut failure = None;
        for (name, mut task) in tasks {
            match tokio::time::timeout_at(deadline, &mut task).await {
                Ok(Ok(())) => {}
                Ok(Err(join)) => {
                    failure = Some(ServeError::Task(format!("{name} listener: {join}")))
                }
                Err(_) => {
                    warn!(
                        listener = name,
                        "the listener did not stop within the drain timeout"
                    );
                    task.abort();
                }
            }
        }
        upkeep.abort();
        if let Some(audit) = audit {
            // Writes every record accepted before the drain ended.
            let _ = tokio::task::spawn_blocking(move || audit.shutdown()).await;
        }
        info!("stopped");
        match startup_failure.or(failure) {
            None => Ok(()),
            Some(error) => Err(error),
        }
    }
}

/// Loads the first revision of `reloader`'s store and starts the reload
/// task; a store in object storage that cannot be fetched is polled for
/// (not ready until then), any other store that does not load is an error.
async fn initial_load(reloader: &Reloader, config: &ServeConfig) -> Result<ReloadTask, ServeError> {
    match reloader.load_initial().await {
        Ok(_) => {}
        Err(error) if reloader.polls() => warn!(
            store = %config.store,
            %error,
            "no policy revision at start-up: serving, not ready until a poll loads one"
        ),
        Err(error) => return Err(error.into()),
    }
    Ok(reloader.spawn(config.reload_debounce, config.rescan_interval)?)
}

/// Sets gRPC health from [`crate::reload::readiness`] whenever the serving
/// revision changes and every [`READINESS_CHECK`], until aborted.
async fn follow_readiness(state: Arc<PolicyState>, health: grpc::HealthHandle) {
    let mut revision_changed = state.watch_ready();
    let mut watching = true;
    let mut reported = None;
    loop {
        let ready = crate::reload::readiness(&state).is_ok();
        if reported != Some(ready) {
            health.set_ready(ready).await;
            reported = Some(ready);
        }
        tokio::select! {
            changed = revision_changed.changed(), if watching => watching = changed.is_ok(),
            () = tokio::time::sleep(READINESS_CHECK) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;
    use crate::reload::WatchdogSettings;
    use crate::state::Snapshot;

    /// Waits (at most 5 s) until health reports `serving`.
    async fn health_turns(health: &grpc::HealthHandle, serving: bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while health.reported().await != Some(serving) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "health did not turn {serving}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[tokio::test]
    async fn health_says_not_serving_whenever_readyz_is_not_ready() {
        let state = Arc::new(PolicyState::empty());
        state.watchdog().configure(WatchdogSettings {
            stall_after: Duration::ZERO,
            ready_requires_live_reload: true,
            ..WatchdogSettings::default()
        });
        let grpc = grpc::services(state.clone()).await.unwrap();
        let follow = tokio::spawn(follow_readiness(state.clone(), grpc.health.clone()));
        health_turns(&grpc.health, false).await;

        state.install(Snapshot {
            store: tollgate_store::Store::embedded_example().unwrap(),
            source: "example".to_owned(),
            loaded_at: SystemTime::now(),
        });
        health_turns(&grpc.health, true).await;

        // A stalled reload makes /readyz 503 here: health follows.
        let stalled = state.watchdog().begin("test");
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert!(crate::reload::readiness(&state).is_err());
        health_turns(&grpc.health, false).await;
        drop(stalled);
        health_turns(&grpc.health, true).await;
        follow.abort();
    }
}
