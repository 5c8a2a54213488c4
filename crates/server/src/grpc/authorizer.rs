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
//! Requests are decided on the async worker (a decision takes
//! microseconds). A batch is read and decided in chunks of
//! [`INLINE_BATCH`] requests with a cooperative yield between chunks, so a
//! large batch does not stall other calls on its worker; it does not move
//! to the blocking pool, which under a batch-heavy load grew to hundreds of
//! threads (each with its own allocator heap) and spent most of the
//! server's CPU faulting in fresh pages (`loadtest/README.md`, "Profile").
//! `Simulate` (which compiles a whole scenario) runs on the blocking pool.

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
use crate::state::{PolicyState, Snapshot};

/// Requests of a batch read or decided between two cooperative yields.
pub const INLINE_BATCH: usize = 64;

/// The message of `UNAVAILABLE` before the first revision has loaded.
pub const NOT_LOADED: &str = "no policy revision loaded yet";

/// The `Authorizer` service: answers from whatever snapshot `state` serves
/// when each RPC starts.
#[derive(Debug, Clone)]
pub struct AuthorizerService {
    state: Arc<PolicyState>,
}

impl AuthorizerService {
    /// A service answering from `state`.
    pub fn new(state: Arc<PolicyState>) -> Self {
        Self { state }
    }

    fn decide_one(&self, message: AuthorizeRequest) -> Result<AuthorizeResponse, Status> {
        let prepared = Prepared::read(message)?;
        let current = self.state.current();
        Ok(prepared.answer(serving(current.as_ref())?))
    }

    async fn decide_batch(
        state: &PolicyState,
        message: AuthorizeBatchRequest,
    ) -> Result<AuthorizeBatchResponse, Status> {
        // Every request is read before any is decided: a malformed one fails
        // the batch before anything is counted.
        let mut prepared = Vec::with_capacity(message.requests.len());
        for (i, request) in message.requests.into_iter().enumerate() {
            if i > 0 && i % INLINE_BATCH == 0 {
                tokio::task::yield_now().await;
            }
            prepared.push(Prepared::read(request).map_err(|e| e.within("requests", i))?);
        }
        // One snapshot for the whole batch, held across the yields.
        let current: Option<Arc<Snapshot>> = Option::clone(&state.current());
        let snapshot = serving(current.as_ref())?;
        let mut responses = Vec::with_capacity(prepared.len());
        for (i, request) in prepared.iter().enumerate() {
            if i > 0 && i % INLINE_BATCH == 0 {
                tokio::task::yield_now().await;
            }
            responses.push(request.answer(snapshot));
        }
        Ok(AuthorizeBatchResponse {
            revision: snapshot.store.revision().to_owned(),
            responses,
        })
    }
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
        let result = self.decide_one(request.into_inner());
        timer.finish(result).map(Response::new)
    }

    async fn authorize_batch(
        &self,
        request: Request<AuthorizeBatchRequest>,
    ) -> Result<Response<AuthorizeBatchResponse>, Status> {
        let timer = RpcTimer::start(Method::AuthorizeBatch);
        let result = Self::decide_batch(&self.state, request.into_inner()).await;
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
