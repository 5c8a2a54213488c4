//! `envoy.service.auth.v3.Authorization/Check`: Envoy's external
//! authorization. Each call reads the `CheckRequest` ([`read`]), maps the
//! HTTP request to an IAM request with the mesh mapping
//! ([`tollgate_mesh::MeshConfig::map`]), decides it against the serving
//! snapshot (the one `Authorize` uses), and answers ([`respond`]).
//!
//! Every failure denies (fail closed) and is still an answer, never a gRPC
//! error, so Envoy's `failure_mode_allow` never comes into play:
//! no mapping configured, a malformed `CheckRequest` or a request that
//! cannot be mapped → 403; no policy revision loaded yet → 503. Each is
//! logged with its reason and counted in `tollgate_ext_authz_checks_total`.

mod outcome;
mod read;
mod respond;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::{Duration, Instant};

use envoy_types::pb::envoy::service::auth::v3::authorization_server::Authorization;
use envoy_types::pb::envoy::service::auth::v3::{CheckRequest, CheckResponse};
use tollgate_mesh::{Mapping, MeshConfig, Unmapped};
use tollgate_policy::{Decision, DecisionKind};
use tonic::{Request, Response, Status};

pub use self::outcome::Outcome;
use self::read::Incoming;
use self::respond::{Answer, Explained};
use super::observe::EdgeMetrics;
use crate::audit::{AuditLog, AuditRecord, AuditStatement};
use crate::state::PolicyState;

/// The reason given when the server was started without `mesh-config`.
pub const NOT_CONFIGURED: &str = "no mesh mapping configured (start tollgate with --mesh-config)";

/// The `Authorization` service over the serving state and a mesh mapping.
#[derive(Debug, Clone)]
pub struct ExtAuthzService {
    state: Arc<PolicyState>,
    mesh: Option<Arc<MeshConfig>>,
    audit: Option<AuditLog>,
    /// The metric handles, looked up once.
    metrics: EdgeMetrics,
}

impl ExtAuthzService {
    /// A service answering from `state` with the mapping `mesh`; without
    /// one, every request is denied with [`NOT_CONFIGURED`].
    pub fn new(state: Arc<PolicyState>, mesh: Option<Arc<MeshConfig>>) -> Self {
        Self {
            state,
            mesh,
            audit: None,
            metrics: EdgeMetrics::resolve(),
        }
    }

    /// This service, recording each decision it makes (mapped requests
    /// that reach the store) in `audit` under the request id it answers
    /// with.
    pub fn with_audit(self, audit: Option<AuditLog>) -> Self {
        Self { audit, ..self }
    }

    /// Offers one decision to the audit log, when one is on.
    fn audit_record(
        &self,
        request_id: &str,
        request: &tollgate_policy::Request,
        decision: &Decision,
        revision: &str,
        latency: Duration,
    ) {
        if let Some(log) = &self.audit
            && let Some(id) = log.admit(decision.kind, Some(request_id))
        {
            let statements = decision.decisive.iter().map(AuditStatement::from).collect();
            let mut record =
                AuditRecord::of(id, request, decision.kind, statements, revision, latency);
            record.explanation = decision.explanation.clone();
            record.request = log.request_of(request, &[]);
            log.record(record);
        }
    }

    /// Answers one `CheckRequest`, with the outcome it is counted under.
    pub fn answer(&self, message: &CheckRequest) -> (CheckResponse, Outcome) {
        let incoming = read::incoming(message);
        let request_id = incoming
            .as_ref()
            .ok()
            .and_then(Incoming::request_id)
            .map_or_else(read::new_request_id, ToOwned::to_owned);
        let answer = |outcome: Outcome, reason: String| {
            let response = Answer::denied(outcome, &request_id, reason, None).into_response();
            (response, outcome)
        };
        let Some(mesh) = &self.mesh else {
            return answer(Outcome::NotConfigured, NOT_CONFIGURED.to_owned());
        };
        let incoming = match incoming {
            Ok(incoming) => incoming,
            Err(error) => {
                tracing::info!(request_id, %error, "ext_authz: malformed CheckRequest, denied");
                return answer(
                    Outcome::Malformed,
                    format!("malformed CheckRequest: {error}"),
                );
            }
        };
        let Some(snapshot) = self.state.current().clone() else {
            return answer(
                Outcome::NotReady,
                "no policy revision is loaded yet".to_owned(),
            );
        };
        let http = incoming.http();
        let mapped = match mesh.map(&http) {
            Ok(Mapping::Mapped(mapped)) => mapped,
            Ok(Mapping::Unmapped(Unmapped::Allow)) => {
                tracing::debug!(
                    request_id,
                    method = http.method,
                    path = http.path,
                    "ext_authz: no route, allowed (unmapped = allow)"
                );
                return (Answer::unmapped_allowed(), Outcome::UnmappedAllowed);
            }
            Ok(Mapping::Unmapped(Unmapped::Deny)) => {
                tracing::debug!(
                    request_id,
                    method = http.method,
                    path = http.path,
                    "ext_authz: no route, denied"
                );
                return answer(Outcome::Unmapped, "no route matches the request".to_owned());
            }
            Err(error) => {
                tracing::info!(request_id, method = http.method, path = http.path, %error, "ext_authz: request not mappable, denied");
                return answer(Outcome::Unmappable, error.to_string());
            }
        };
        let store = &snapshot.store;
        let request = &mapped.request;
        let start = Instant::now();
        let (kind, explained) = if mapped.explain {
            let (decision, reason) = store.evaluate(request, None);
            self.audit_record(
                &request_id,
                request,
                &decision,
                store.revision(),
                start.elapsed(),
            );
            let explained = Explained {
                request,
                decisive: decision.decisive,
                reason: reason.map(|r| r.to_string()),
                explanation: decision.explanation,
            };
            (decision.kind, Some(explained))
        } else {
            let kind = store.decide(request, None).kind;
            let decision = Decision {
                kind,
                decisive: Vec::new(),
                explanation: None,
            };
            self.audit_record(
                &request_id,
                request,
                &decision,
                store.revision(),
                start.elapsed(),
            );
            (kind, None)
        };
        self.metrics.decision(kind, start.elapsed());
        tracing::debug!(
            request_id,
            principal = request.principal().text(),
            action = request.action.as_str(),
            resource = request.resource.as_str(),
            route = mapped.route,
            decision = kind.as_str(),
            "ext_authz: decided"
        );
        match kind {
            DecisionKind::Allowed => {
                let headers = mesh.allow_headers([
                    store.revision(),
                    request.principal().text(),
                    &request.action,
                    &request.resource,
                ]);
                (
                    Answer::allowed(headers, explained.as_ref()),
                    Outcome::Allowed,
                )
            }
            DecisionKind::ExplicitDeny | DecisionKind::ImplicitDeny => {
                let outcome = if kind == DecisionKind::ExplicitDeny {
                    Outcome::ExplicitDeny
                } else {
                    Outcome::ImplicitDeny
                };
                let reason = if kind == DecisionKind::ExplicitDeny {
                    "an explicit Deny statement applies"
                } else {
                    "no statement allows the request"
                };
                let response =
                    Answer::denied(outcome, &request_id, reason.to_owned(), explained.as_ref())
                        .into_response();
                (response, outcome)
            }
        }
    }
}

#[tonic::async_trait]
impl Authorization for ExtAuthzService {
    async fn check(
        &self,
        request: Request<CheckRequest>,
    ) -> Result<Response<CheckResponse>, Status> {
        let start = Instant::now();
        let (response, outcome) = self.answer(request.get_ref());
        outcome.record(start.elapsed());
        Ok(Response::new(response))
    }
}
