//! [`AuthorizerService`]: the `tollgate.v1.Authorizer` RPCs over a
//! [`PolicyState`].
//!
//! Each RPC reads its request(s) first, then loads the serving snapshot
//! once, without locks, and answers from it; a reload that lands meanwhile
//! affects only later RPCs. Until the first revision loads, `Authorize` and
//! `AuthorizeBatch` fail with `UNAVAILABLE`. Malformed requests fail with
//! `INVALID_ARGUMENT` naming the field. Nothing is logged per request above
//! debug level.
//!
//! Single requests and small batches are decided on the async worker (a
//! decision takes microseconds); batches of more than [`INLINE_BATCH`]
//! requests and `Simulate` (which compiles a whole scenario) run on the
//! blocking pool, so they do not stall other calls.
//!
//! With an audit log, every decision of `Authorize` and `AuthorizeBatch` is
//! offered to it under the call's `x-request-id` metadata (a batch's
//! requests as `ID/0`, `ID/1` ...; without one, the log makes an id).

use std::sync::Arc;

use tollgate_proto::v1::authorizer_server::Authorizer;
use tollgate_proto::v1::{
    AuthorizeBatchRequest, AuthorizeBatchResponse, AuthorizeRequest, AuthorizeResponse,
    GetPolicyStatusRequest, PolicyStatus, SimulateRequest, SimulateResponse,
};
use tonic::{Request, Response, Status};

use super::decide::Prepared;
use super::observe::{Method, RpcTimer};
use super::{simulate, status};
use crate::audit::AuditLog;
use crate::state::{PolicyState, Snapshot};

/// The gRPC metadata key of the caller's request id.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The largest batch decided on the async worker itself.
pub const INLINE_BATCH: usize = 64;

/// The message of `UNAVAILABLE` before the first revision has loaded.
pub const NOT_LOADED: &str = "no policy revision loaded yet";

/// The `Authorizer` service: answers from whatever snapshot `state` serves
/// when each RPC starts.
#[derive(Debug, Clone)]
pub struct AuthorizerService {
    state: Arc<PolicyState>,
    audit: Option<AuditLog>,
}

impl AuthorizerService {
    /// A service answering from `state`.
    pub fn new(state: Arc<PolicyState>) -> Self {
        Self { state, audit: None }
    }

    /// A service answering from `state` and recording its decisions in
    /// `audit`.
    pub fn with_audit(state: Arc<PolicyState>, audit: Option<AuditLog>) -> Self {
        Self { state, audit }
    }

    fn decide_one(
        &self,
        message: AuthorizeRequest,
        request_id: Option<&str>,
    ) -> Result<AuthorizeResponse, Status> {
        let prepared = Prepared::read(message)?;
        let current = self.state.current();
        Ok(prepared.answer(serving(current.as_ref())?, self.audit.as_ref(), request_id))
    }

    fn decide_batch(
        state: &PolicyState,
        audit: Option<&AuditLog>,
        request_id: Option<&str>,
        message: AuthorizeBatchRequest,
    ) -> Result<AuthorizeBatchResponse, Status> {
        // Every request is read before any is decided: a malformed one fails
        // the batch before anything is counted.
        let prepared = message
            .requests
            .into_iter()
            .enumerate()
            .map(|(i, request)| Prepared::read(request).map_err(|e| e.within("requests", i)))
            .collect::<Result<Vec<_>, _>>()?;
        let current = state.current();
        let snapshot = serving(current.as_ref())?;
        let responses = prepared
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let id = audit.and(request_id).map(|id| format!("{id}/{i}"));
                p.answer(snapshot, audit, id.as_deref())
            })
            .collect();
        Ok(AuthorizeBatchResponse {
            revision: snapshot.store.revision().to_owned(),
            responses,
        })
    }
}

/// The caller's `x-request-id`, when it is printable text (at most 256
/// bytes, as given; longer or binary ids are ignored and one is made).
fn request_id<T>(request: &Request<T>) -> Option<String> {
    let value = request.metadata().get(REQUEST_ID_HEADER)?.to_str().ok()?;
    (!value.is_empty() && value.len() <= 256).then(|| value.to_owned())
}

/// The snapshot to answer from, or `UNAVAILABLE`.
fn serving(current: Option<&Arc<Snapshot>>) -> Result<&Snapshot, Status> {
    current
        .map(Arc::as_ref)
        .ok_or_else(|| Status::unavailable(NOT_LOADED))
}

#[tonic::async_trait]
impl Authorizer for AuthorizerService {
    async fn authorize(
        &self,
        request: Request<AuthorizeRequest>,
    ) -> Result<Response<AuthorizeResponse>, Status> {
        let timer = RpcTimer::start(Method::Authorize);
        let request_id = self.audit.as_ref().and_then(|_| request_id(&request));
        let result = self.decide_one(request.into_inner(), request_id.as_deref());
        timer.finish(result).map(Response::new)
    }

    async fn authorize_batch(
        &self,
        request: Request<AuthorizeBatchRequest>,
    ) -> Result<Response<AuthorizeBatchResponse>, Status> {
        let timer = RpcTimer::start(Method::AuthorizeBatch);
        let request_id = self.audit.as_ref().and_then(|_| request_id(&request));
        let message = request.into_inner();
        let result = if message.requests.len() <= INLINE_BATCH {
            Self::decide_batch(
                &self.state,
                self.audit.as_ref(),
                request_id.as_deref(),
                message,
            )
        } else {
            let state = self.state.clone();
            let audit = self.audit.clone();
            tokio::task::spawn_blocking(move || {
                Self::decide_batch(&state, audit.as_ref(), request_id.as_deref(), message)
            })
            .await
            .unwrap_or_else(|e| Err(Status::internal(format!("the batch failed: {e}"))))
        };
        timer.finish(result).map(Response::new)
    }

    async fn simulate(
        &self,
        request: Request<SimulateRequest>,
    ) -> Result<Response<SimulateResponse>, Status> {
        let timer = RpcTimer::start(Method::Simulate);
        let json = request.into_inner().scenario_json;
        // Compiling a whole scenario may take milliseconds: off the async
        // workers, and a panic fails this RPC only.
        let result = tokio::task::spawn_blocking(move || simulate::simulate(&json))
            .await
            .map_err(|e| Status::internal(format!("simulation failed: {e}")));
        timer.finish(result).map(Response::new)
    }

    async fn get_policy_status(
        &self,
        _request: Request<GetPolicyStatusRequest>,
    ) -> Result<Response<PolicyStatus>, Status> {
        let timer = RpcTimer::start(Method::GetPolicyStatus);
        let result = Ok(status::policy_status(&self.state));
        timer.finish(result).map(Response::new)
    }
}
