//! The running server: [`Server::bind`] loads the first store and binds both
//! listeners (nothing is served yet, so a failure leaves nothing behind);
//! [`Server::serve`] serves until the shutdown future completes, then drains.
//!
//! A store in object storage that cannot be fetched at start-up (and has no
//! cached revision) does not stop the server: it binds and serves, not ready
//! (`/readyz` 503, health `NOT_SERVING`, `Authorize` `UNAVAILABLE`), until a
//! poll loads the first revision; health turns `SERVING` then.
//!
//! With `ext-authz-listen`, a third listener serves Envoy's `Authorization`
//! and health only (the main gRPC listener serves `Authorization` as well).
//!
//! Shutdown: the health service turns `NOT_SERVING`, the listeners stop
//! accepting, and calls in flight finish (each on the snapshot it started
//! with) for at most the drain timeout; whatever still runs then is dropped.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tonic::transport::server::TcpIncoming;
use tracing::{info, warn};

use crate::audit::{AuditLog, AuditWriter};
use crate::config::{ListenAddr, ServeConfig};
use crate::error::ServeError;
use crate::grpc::{self, GrpcServices};
use crate::reload::{ReloadTask, Reloader};
use crate::state::PolicyState;
use crate::{admin, metrics};

pub mod tls;
mod unix;

use self::tls::TlsListener;
use self::unix::UnixSocket;

/// A server with its store loaded and its listeners bound.
#[derive(Debug)]
pub struct Server {
    config: ServeConfig,
    state: Arc<PolicyState>,
    reloader: Reloader,
    reload_task: ReloadTask,
    grpc: GrpcServices,
    grpc_listener: GrpcListener,
    grpc_addr: ListenAddr,
    admin_listener: TcpListener,
    admin_addr: SocketAddr,
    ext_authz_listener: Option<(TcpListener, SocketAddr)>,
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
    /// Installs the metrics recorder (once per process), loads the store,
    /// binds the gRPC and admin listeners and starts watching the store.
    pub async fn bind(config: ServeConfig) -> Result<Server, ServeError> {
        let metrics = metrics::install_recorder()?;
        let state = Arc::new(PolicyState::empty());
        state.watchdog().configure(config.watchdog);
        let reloader = Reloader::with_settings(
            state.clone(),
            config.store.clone(),
            config.poll.clone(),
            config.reload_priority,
        );
        match reloader.load_initial().await {
            Ok(_) => {}
            Err(error) if reloader.polls() => warn!(
                store = %config.store,
                %error,
                "no policy revision at start-up: serving, not ready until a poll loads one"
            ),
            Err(error) => return Err(error.into()),
        }
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
        let reload_task = reloader.spawn(config.reload_debounce, config.rescan_interval)?;

        Ok(Server {
            config,
            state,
            reloader,
            reload_task,
            grpc,
            grpc_listener,
            grpc_addr,
            admin_listener,
            admin_addr,
            ext_authz_listener,
            metrics,
            audit,
        })
    }

    /// The bound address of the separate ext_authz listener, if configured.
    pub fn ext_authz_addr(&self) -> Option<SocketAddr> {
        self.ext_authz_listener.as_ref().map(|(_, addr)| *addr)
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
        line
    }

    /// Serves until `shutdown` completes, then drains (see the module docs).
    pub async fn serve(self, shutdown: impl Future<Output = ()>) -> Result<(), ServeError> {
        let Server {
            config,
            reload_task,
            grpc,
            grpc_listener,
            admin_listener,
            ext_authz_listener,
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

        let state_for_health = state.clone();
        let admin_router = admin::router(state.clone(), metrics.clone());
        let mut admin_task = tokio::spawn(admin::serve(
            admin_listener,
            admin_router,
            state,
            metrics,
            stopped(),
        ));
        let mut ext_authz_task = ext_authz_listener.map(|(listener, _)| {
            let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
            tokio::spawn(
                tonic::transport::Server::builder()
                    .add_routes(grpc.ext_authz_routes.clone())
                    .serve_with_incoming_shutdown(incoming, stopped()),
            )
        });
        let builder = tonic::transport::Server::builder().add_routes(grpc.routes);
        let (mut grpc_task, _socket) = match grpc_listener {
            GrpcListener::Tcp(listener) => {
                let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
                let task = tokio::spawn(builder.serve_with_incoming_shutdown(incoming, stopped()));
                (task, None)
            }
            GrpcListener::Tls(listener) => {
                let incoming = listener.into_incoming(stopped());
                let task = tokio::spawn(builder.serve_with_incoming_shutdown(incoming, stopped()));
                (task, None)
            }
            GrpcListener::Unix(socket) => {
                let (incoming, guard) = socket.into_incoming();
                let task = tokio::spawn(builder.serve_with_incoming_shutdown(incoming, stopped()));
                (task, Some(guard))
            }
        };

        // Health turns SERVING when the first revision loads (at once when
        // one already serves).
        let mut ready = state_for_health.watch_ready();
        let health = grpc.health.clone();
        let follow_ready = tokio::spawn(async move {
            if ready.wait_for(|ready| *ready).await.is_ok() {
                health.set_ready(true).await;
            }
        });

        let early = tokio::select! {
            () = shutdown => None,
            result = &mut grpc_task => Some(result),
        };
        info!("shutting down: draining in-flight calls");
        follow_ready.abort();
        // Once it has stopped, it cannot report SERVING after this.
        let _ = follow_ready.await;
        grpc.health.set_ready(false).await;
        let _ = stop_tx.send(true);
        drop(reload_task);

        let grpc_result = match early {
            Some(result) => result,
            None => match tokio::time::timeout(config.drain_timeout, &mut grpc_task).await {
                Ok(result) => result,
                Err(_) => {
                    warn!(
                        timeout_ms =
                            u64::try_from(config.drain_timeout.as_millis()).unwrap_or(u64::MAX),
                        "drain timeout: dropping the calls still in flight"
                    );
                    grpc_task.abort();
                    Ok(Ok(()))
                }
            },
        };
        if let Some(task) = &mut ext_authz_task
            && tokio::time::timeout(config.drain_timeout, &mut *task)
                .await
                .is_err()
        {
            task.abort();
        }
        // The admin listener has nothing long-running to wait for.
        if tokio::time::timeout(config.drain_timeout, &mut admin_task)
            .await
            .is_err()
        {
            admin_task.abort();
        }
        if let Some(audit) = audit {
            // Writes every record accepted before the drain ended.
            let _ = tokio::task::spawn_blocking(move || audit.shutdown()).await;
        }
        info!("stopped");
        match grpc_result {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(ServeError::Grpc(e)),
            Err(join) => Err(ServeError::Task(join.to_string())),
        }
    }
}
