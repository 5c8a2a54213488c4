//! Everything the gRPC listener serves, assembled in one place:
//! `tollgate.v1.Authorizer`, Envoy's `envoy.service.auth.v3.Authorization`
//! (ext_authz), the standard health service `grpc.health.v1`, and server
//! reflection (`grpc.reflection.v1` and `v1alpha`, which grpcurl and older
//! clients still use) describing every one of them: tollgate's API, Envoy's
//! ext_authz API (its descriptor set compiled by tollgate-proto from the proto
//! files envoy-types ships) and the health service. The routes of the optional separate
//! ext_authz listener, Check and health only, are built here too.

use std::sync::Arc;

use envoy_types::pb::envoy::service::auth::v3::authorization_server::AuthorizationServer;
use tokio::sync::Mutex;
use tollgate_mesh::MeshConfig;
use tollgate_proto::v1::authorizer_server::AuthorizerServer;
use tonic::server::NamedService;
use tonic::service::Routes;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

use super::authorizer::AuthorizerService;
use super::edge::EdgeSettings;
use super::ext_authz::ExtAuthzService;
use crate::audit::AuditLog;
use crate::limits::RequestLimits;
use crate::state::PolicyState;

/// The health service names whose status follows readiness: the whole
/// server (`""`), `tollgate.v1.Authorizer` and
/// `envoy.service.auth.v3.Authorization`.
pub const HEALTH_SERVICE_NAMES: [&str; 3] = [
    "",
    <AuthorizerServer<AuthorizerService> as NamedService>::NAME,
    <AuthorizationServer<ExtAuthzService> as NamedService>::NAME,
];

/// The services of the gRPC listener and the handle that reports their health.
#[derive(Debug)]
pub struct GrpcServices {
    /// Every service, ready for
    /// `tonic::transport::Server::builder().add_routes(routes)`.
    pub routes: Routes,
    /// Envoy's `Authorization` and health only, for a separate ext_authz
    /// listener.
    pub ext_authz_routes: Routes,
    /// Sets what `grpc.health.v1.Health` reports.
    pub health: HealthHandle,
    /// The admission permits and deadline cap every listener's
    /// [`Edge`](super::Edge) shares.
    pub edge: EdgeSettings,
    /// The `Authorizer` the routes serve (the HTTP/JSON API calls it too).
    pub authorizer: AuthorizerService,
}

/// Why the services could not be assembled: a built-in descriptor set does
/// not decode (a build defect, not a runtime condition).
#[derive(Debug, thiserror::Error)]
#[error("cannot build the gRPC reflection service: {0}")]
pub struct ServicesError(#[from] tonic_reflection::server::Error);

/// Assembles the services of the gRPC listener over `state`.
///
/// The health status of `""` and `tollgate.v1.Authorizer` starts as
/// `SERVING` when `state` already serves a revision, else `NOT_SERVING`; call
/// [`HealthHandle::set_ready`] (or [`HealthHandle::follow`]) when that
/// changes, e.g. after the first successful load.
///
/// ```no_run
/// # async fn run(state: std::sync::Arc<tollgate_server::state::PolicyState>, addr: std::net::SocketAddr) -> Result<(), Box<dyn std::error::Error>> {
/// let grpc = tollgate_server::grpc::services(state.clone()).await?;
/// let health = grpc.health.clone(); // keep; call health.follow(&state) after each reload
/// tonic::transport::Server::builder()
///     .add_routes(grpc.routes)
///     .serve_with_shutdown(addr, async { /* shutdown signal */ })
///     .await?;
/// # Ok(()) }
/// ```
pub async fn services(state: Arc<PolicyState>) -> Result<GrpcServices, ServicesError> {
    services_with(state, ServiceOptions::default()).await
}

/// What the services are built with beyond the state.
#[derive(Debug, Clone, Default)]
pub struct ServiceOptions {
    /// The request limits of the `Authorizer` (messages over
    /// `max-message-bytes` are refused before they are decoded).
    pub limits: RequestLimits,
    /// The mesh mapping Envoy's `Check` answers through; without one,
    /// `Check` denies every request (see
    /// [`ext_authz::NOT_CONFIGURED`](super::ext_authz::NOT_CONFIGURED)).
    pub mesh: Option<Arc<MeshConfig>>,
    /// Where the `Authorizer` records its decisions; `None`: nowhere.
    pub audit: Option<AuditLog>,
}

/// [`services`], built with `options`.
pub async fn services_with(
    state: Arc<PolicyState>,
    options: ServiceOptions,
) -> Result<GrpcServices, ServicesError> {
    let ready = state.is_ready();
    let (reporter, health_server) = tonic_health::server::health_reporter();
    let health = HealthHandle {
        reporter,
        last: Arc::new(Mutex::new(None)),
    };
    health.set_ready(ready).await;

    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(tollgate_proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tollgate_proto::ENVOY_AUTH_FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    let reflection_v1 = reflection().build_v1()?;
    let reflection_v1alpha = reflection().build_v1alpha()?;

    let ServiceOptions {
        limits,
        mesh,
        audit,
    } = options;
    let ext_authz = AuthorizationServer::new(
        ExtAuthzService::new(state.clone(), mesh).with_audit(audit.clone()),
    );
    let ext_authz_routes = Routes::new(ext_authz.clone()).add_service(health_server.clone());
    let max_message_bytes = limits.max_message_bytes;
    let edge = EdgeSettings::new(limits.max_in_flight, limits.max_call)
        .with_max_queue_wait(limits.max_queue_wait);
    let service = AuthorizerService::with_limits(state, limits)
        .with_audit(audit)
        .with_admission(edge.admission());
    let authorizer =
        AuthorizerServer::new(service.clone()).max_decoding_message_size(max_message_bytes);
    let routes = Routes::new(authorizer)
        .add_service(ext_authz)
        .add_service(health_server)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha);
    Ok(GrpcServices {
        routes,
        ext_authz_routes,
        health,
        edge,
        authorizer: service,
    })
}

/// Sets the serving status that `grpc.health.v1.Health` reports for the
/// server and each service of [`HEALTH_SERVICE_NAMES`]. Clones share the status.
#[derive(Debug, Clone)]
pub struct HealthHandle {
    reporter: HealthReporter,
    /// The status last set, so watchers hear only of changes.
    last: Arc<Mutex<Option<bool>>>,
}

impl HealthHandle {
    /// Reports `SERVING` when `ready`, else `NOT_SERVING`. Setting the
    /// status it already has does nothing.
    pub async fn set_ready(&self, ready: bool) {
        let mut last = self.last.lock().await;
        if *last == Some(ready) {
            return;
        }
        let status = if ready {
            ServingStatus::Serving
        } else {
            ServingStatus::NotServing
        };
        for name in HEALTH_SERVICE_NAMES {
            self.reporter.set_service_status(name, status).await;
        }
        *last = Some(ready);
    }

    /// What was reported last: `Some(true)` for `SERVING`, `Some(false)`
    /// for `NOT_SERVING`.
    pub async fn reported(&self) -> Option<bool> {
        *self.last.lock().await
    }

    /// Reports whether `state` serves a revision.
    pub async fn follow(&self, state: &PolicyState) {
        self.set_ready(state.is_ready()).await;
    }
}
