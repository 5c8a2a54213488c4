//! [`AuthorizerService`]: the `tollgate.v1.Authorizer` RPCs over a
//! [`PolicyState`].
//!
//! Each RPC reads its request(s) first, then loads the serving snapshot
//! once, without locks, and answers from it; a reload that lands meanwhile
//! affects only later RPCs. Until the first revision loads, `Authorize` and
//! `AuthorizeBatch` fail with `UNAVAILABLE`. Malformed requests, and
//! requests over a [`RequestLimits`] limit, fail with `INVALID_ARGUMENT`
//! naming the field. Admission (`max-in-flight`) is taken before the call
//! reaches this service (see `edge`), and a call whose deadline has passed
//! gets `DEADLINE_EXCEEDED` unevaluated (see `guard`). Nothing is logged per
//! request above debug level.
//!
//! Requests are decided on the async worker (a decision takes
//! microseconds), except those with session policies: compiling them may
//! take milliseconds, so such a request (or a batch holding one) is read,
//! compiled and decided on the blocking pool, at most one job per two cores
//! at once (see `session`), still within the call's admission and deadline.
//! Other batches are read and decided in chunks of
//! [`INLINE_BATCH`] requests with a cooperative yield (and a look at the
//! deadline) between chunks, so a large batch does not stall other calls on
//! its worker, and a batch past its deadline stops at the next chunk. It
//! does not move to the blocking pool, which under a batch-heavy load grew
//! to hundreds of threads (each with its own allocator heap) and spent most
//! of the server's CPU faulting in fresh pages (`loadtest/README.md`,
//! "Profile"). `Simulate` (which compiles a whole scenario) runs on the
//! blocking pool.
//!
//! With an audit log, every decision of `Authorize` and `AuthorizeBatch` is
//! offered to it under the call's `x-request-id` metadata (a batch's
//! requests as `ID/0`, `ID/1` ...; without one, the log makes an id).
//!
//! `PlanResources` (see `plan`) plans on the same bounded blocking pool as
//! session policy work, within the call's admission and deadline.
//!
//! `AuthorizeStream` (see `stream`) decides each of its questions with
//! [`AuthorizerService::decide_one`], the code `Authorize` runs; its
//! questions are audited as `ID/CALLER-ID`.

use std::sync::Arc;

use tokio::sync::OwnedSemaphorePermit;
use tollgate_policy::ParseLimits;
use tollgate_proto::v1::authorizer_server::Authorizer;
use tollgate_proto::v1::{
    AuthorizeBatchRequest, AuthorizeBatchResponse, AuthorizeRequest, AuthorizeResponse,
    AuthorizeStreamRequest, GetPolicyStatusRequest, PlanResourcesRequest, PlanResourcesResponse,
    PolicyStatus, SimulateRequest, SimulateResponse,
};
use tonic::{Request, Response, Status, Streaming};

use super::decide::Prepared;
use super::guard::{self, Admission, Deadline};
use super::observe::{EdgeMetrics, Method};
use super::session::SessionPool;
use super::{plan, simulate, status, stream};
use crate::audit::AuditLog;
use crate::limits::RequestLimits;
use crate::state::{PolicyState, Snapshot};

/// The gRPC metadata key of the caller's request id.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Requests of a batch read or decided between two cooperative yields (and
/// two looks at the deadline).
pub const INLINE_BATCH: usize = 64;

/// The message of `UNAVAILABLE` before the first revision has loaded.
pub const NOT_LOADED: &str = "no policy revision loaded yet";

/// The `Authorizer` service: answers from whatever snapshot `state` serves
/// when each RPC starts.
#[derive(Debug, Clone)]
pub struct AuthorizerService {
    state: Arc<PolicyState>,
    limits: Arc<RequestLimits>,
    parse_limits: ParseLimits,
    sessions: SessionPool,
    audit: Option<AuditLog>,
    /// The `max-in-flight` permits each `AuthorizeStream` question takes
    /// (the edge admits every other call whole); `None` when the service
    /// runs without an edge.
    admission: Option<Admission>,
    /// The metric handles, looked up once.
    metrics: EdgeMetrics,
}

impl AuthorizerService {
    /// A service answering from `state` with the default limits.
    pub fn new(state: Arc<PolicyState>) -> Self {
        Self::with_limits(state, RequestLimits::default())
    }

    /// A service answering from `state` within `limits`.
    pub fn with_limits(state: Arc<PolicyState>, limits: RequestLimits) -> Self {
        Self {
            state,
            parse_limits: limits.parse_limits(),
            limits: Arc::new(limits),
            sessions: SessionPool::new(),
            audit: None,
            admission: None,
            metrics: EdgeMetrics::resolve(),
        }
    }

    /// This service, admitting each `AuthorizeStream` question with the
    /// permits of `admission` (those of the edge in front of it).
    pub(crate) fn with_admission(self, admission: Admission) -> Self {
        Self {
            admission: Some(admission),
            ..self
        }
    }

    /// A `max-in-flight` permit for one stream question, or
    /// `RESOURCE_EXHAUSTED` (counted) at once.
    pub(super) fn admit(&self) -> Result<Option<OwnedSemaphorePermit>, Status> {
        self.admission.as_ref().map(Admission::admit).transpose()
    }

    /// The audit id of stream question `id`: `REQUEST_ID/ID` when the call
    /// has a request id and the audit log is on.
    pub(super) fn audited(&self, request_id: Option<&str>, id: u64) -> Option<String> {
        self.audit
            .as_ref()
            .and(request_id)
            .map(|request_id| format!("{request_id}/{id}"))
    }

    /// The metric handles of this service's calls.
    pub(super) fn metrics(&self) -> &EdgeMetrics {
        &self.metrics
    }

    /// The blocking pool of session policy work.
    pub(super) fn sessions(&self) -> &SessionPool {
        &self.sessions
    }

    /// The serving state.
    pub(super) fn state(&self) -> &PolicyState {
        &self.state
    }

    /// The request limits.
    pub(super) fn limits(&self) -> &RequestLimits {
        &self.limits
    }

    /// The parse limits the limits imply.
    pub(super) fn parse_limits(&self) -> &ParseLimits {
        &self.parse_limits
    }

    /// The audit log, when on.
    pub(super) fn audit(&self) -> Option<&AuditLog> {
        self.audit.as_ref()
    }

    /// This service, recording its decisions in `audit` as well.
    pub fn with_audit(self, audit: Option<AuditLog>) -> Self {
        Self { audit, ..self }
    }

    /// One `Authorize` question (or one question of a stream): checked,
    /// read, decided from the snapshot serving now, counted in `metrics`.
    pub(super) fn decide_one(
        &self,
        message: AuthorizeRequest,
        deadline: Deadline,
        request_id: Option<&str>,
    ) -> Result<AuthorizeResponse, Status> {
        guard::check_request(&message, &self.limits)?;
        let prepared = Prepared::read(message, &self.parse_limits, self.limits.context_rules())?;
        deadline.check()?;
        let current = self.state.current();
        Ok(prepared.answer(
            serving(current.as_ref())?,
            &self.metrics,
            self.audit.as_ref(),
            request_id,
        ))
    }

    async fn decide_batch(
        &self,
        message: AuthorizeBatchRequest,
        deadline: Deadline,
        request_id: Option<&str>,
    ) -> Result<AuthorizeBatchResponse, Status> {
        let audit = self.audit.as_ref();
        // Every request is read before any is decided: a malformed one fails
        // the batch before anything is counted.
        deadline.check()?;
        if message
            .requests
            .iter()
            .any(|request| !request.session_policies.is_empty())
        {
            let service = self.clone();
            let request_id = request_id.map(str::to_owned);
            let work = move || service.decide_batch_blocking(message, deadline, request_id);
            return self.sessions.run(deadline, work).await?;
        }
        let mut prepared = Vec::with_capacity(message.requests.len());
        for (i, request) in message.requests.into_iter().enumerate() {
            if i > 0 && i % INLINE_BATCH == 0 {
                deadline.check()?;
                tokio::task::yield_now().await;
            }
            prepared.push(
                Prepared::read(request, &self.parse_limits, self.limits.context_rules())
                    .map_err(|e| e.within("requests", i))?,
            );
        }
        // One snapshot for the whole batch, held across the yields.
        let current: Option<Arc<Snapshot>> = Option::clone(&self.state.current());
        let snapshot = serving(current.as_ref())?;
        let mut responses = Vec::with_capacity(prepared.len());
        for (i, question) in prepared.iter().enumerate() {
            if i % INLINE_BATCH == 0 {
                deadline.check()?;
                if i > 0 {
                    tokio::task::yield_now().await;
                }
            }
            let id = audit.and(request_id).map(|id| format!("{id}/{i}"));
            responses.push(question.answer(snapshot, &self.metrics, audit, id.as_deref()));
        }
        Ok(AuthorizeBatchResponse {
            revision: snapshot.store.revision().to_owned(),
            responses,
        })
    }
}

impl AuthorizerService {
    /// A batch with session policies, on the blocking pool: every request
    /// read (and its session policies compiled), then decided, with a look
    /// at the deadline before each.
    fn decide_batch_blocking(
        &self,
        message: AuthorizeBatchRequest,
        deadline: Deadline,
        request_id: Option<String>,
    ) -> Result<AuthorizeBatchResponse, Status> {
        let audit = self.audit.as_ref();
        let mut prepared = Vec::with_capacity(message.requests.len());
        for (i, request) in message.requests.into_iter().enumerate() {
            deadline.check()?;
            prepared.push(
                Prepared::read(request, &self.parse_limits, self.limits.context_rules())
                    .map_err(|e| e.within("requests", i))?,
            );
        }
        let current: Option<Arc<Snapshot>> = Option::clone(&self.state.current());
        let snapshot = serving(current.as_ref())?;
        let mut responses = Vec::with_capacity(prepared.len());
        for (i, question) in prepared.iter().enumerate() {
            deadline.check()?;
            let id = audit
                .and(request_id.as_deref())
                .map(|id| format!("{id}/{i}"));
            responses.push(question.answer(snapshot, &self.metrics, audit, id.as_deref()));
        }
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
pub(super) fn serving(current: Option<&Arc<Snapshot>>) -> Result<&Snapshot, Status> {
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
        let timer = self.metrics.timer(Method::Authorize);
        let deadline = Deadline::of(&request, self.limits.max_call);
        let request_id = self.audit.as_ref().and_then(|_| request_id(&request));
        let message = request.into_inner();
        let result = if message.session_policies.is_empty() {
            self.decide_one(message, deadline, request_id.as_deref())
        } else {
            let service = self.clone();
            let work = move || service.decide_one(message, deadline, request_id.as_deref());
            self.sessions
                .run(deadline, work)
                .await
                .and_then(|result| result)
        };
        timer.finish(result).map(Response::new)
    }

    async fn authorize_batch(
        &self,
        request: Request<AuthorizeBatchRequest>,
    ) -> Result<Response<AuthorizeBatchResponse>, Status> {
        let timer = self.metrics.timer(Method::AuthorizeBatch);
        let deadline = Deadline::of(&request, self.limits.max_call);
        let request_id = self.audit.as_ref().and_then(|_| request_id(&request));
        let message = request.into_inner();
        let result = match guard::check_batch(&message, &self.limits) {
            Err(fault) => Err(fault.into()),
            Ok(()) => {
                // The caller is answered at its deadline at the latest; the
                // batch stops at its next chunk boundary.
                let work = self.decide_batch(message, deadline, request_id.as_deref());
                tokio::time::timeout_at(deadline.instant().into(), work)
                    .await
                    .unwrap_or_else(|_| Err(guard::exceeded()))
            }
        };
        timer.finish(result).map(Response::new)
    }

    type AuthorizeStreamStream = stream::Answers;

    async fn authorize_stream(
        &self,
        request: Request<Streaming<AuthorizeStreamRequest>>,
    ) -> Result<Response<stream::Answers>, Status> {
        let deadline = Deadline::of(&request, self.limits.max_call);
        let request_id = self.audit.as_ref().and_then(|_| request_id(&request));
        let inbound = request.into_inner();
        Ok(Response::new(stream::open(
            self.clone(),
            inbound,
            deadline,
            request_id,
        )))
    }

    async fn simulate(
        &self,
        request: Request<SimulateRequest>,
    ) -> Result<Response<SimulateResponse>, Status> {
        let timer = self.metrics.timer(Method::Simulate);
        let deadline = Deadline::of(&request, self.limits.max_call);
        let json = request.into_inner().scenario_json;
        let result = match deadline.check() {
            Err(status) => Err(status),
            Ok(()) => {
                // Compiling a whole scenario may take milliseconds: off the
                // async workers, and a panic fails this RPC only.
                let work = tokio::task::spawn_blocking(move || simulate::simulate(&json));
                match tokio::time::timeout_at(deadline.instant().into(), work).await {
                    Ok(joined) => {
                        joined.map_err(|e| Status::internal(format!("simulation failed: {e}")))
                    }
                    Err(_) => Err(guard::exceeded()),
                }
            }
        };
        timer.finish(result).map(Response::new)
    }

    async fn plan_resources(
        &self,
        request: Request<PlanResourcesRequest>,
    ) -> Result<Response<PlanResourcesResponse>, Status> {
        let timer = self.metrics.timer(Method::PlanResources);
        let deadline = Deadline::of(&request, self.limits.max_call);
        let request_id = self.audit.as_ref().and_then(|_| request_id(&request));
        // Checked on the async worker; only a well-formed plan takes a slot
        // of the blocking pool.
        let result = match plan::check(request.into_inner(), self) {
            Err(status) => Err(status),
            Ok(checked) => {
                let service = self.clone();
                let work = move || plan::plan(&service, checked, deadline, request_id.as_deref());
                self.sessions
                    .run(deadline, work)
                    .await
                    .and_then(|result| result)
            }
        };
        timer.finish(result).map(Response::new)
    }

    async fn get_policy_status(
        &self,
        _request: Request<GetPolicyStatusRequest>,
    ) -> Result<Response<PolicyStatus>, Status> {
        let timer = self.metrics.timer(Method::GetPolicyStatus);
        let result = Ok(status::policy_status(&self.state));
        timer.finish(result).map(Response::new)
    }
}
