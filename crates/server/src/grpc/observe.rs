//! Metrics of the gRPC edge, named in [`crate::metrics`]: decisions by
//! result, decision latency, RPC latency by method and failed RPCs by method
//! and status code. The handles of the success paths are looked up once
//! per service ([`EdgeMetrics`]), so recording a call is a few atomic
//! operations; without an installed recorder every call is a no-op.

use std::sync::Arc;
use std::time::{Duration, Instant};

use metrics::{Counter, Histogram};
use tollgate_policy::DecisionKind;
use tollgate_proto::code_name;
use tonic::Status;

use crate::metrics::{DECISION_SECONDS, DECISIONS, RPC_ERRORS, RPC_SECONDS};

/// The RPCs of `tollgate.v1.Authorizer`, as the `method` label names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Authorize,
    AuthorizeBatch,
    AuthorizeStream,
    Simulate,
    GetPolicyStatus,
    PlanResources,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Authorize => "Authorize",
            Method::AuthorizeBatch => "AuthorizeBatch",
            Method::AuthorizeStream => "AuthorizeStream",
            Method::Simulate => "Simulate",
            Method::GetPolicyStatus => "GetPolicyStatus",
            Method::PlanResources => "PlanResources",
        }
    }
}

/// The metric handles of the gRPC edge, looked up in the recorder's
/// registry once, when a service is built, instead of on every call (each
/// lookup hashes the key and takes a shard lock of the registry). Install
/// the recorder before building the services (the server does); handles
/// taken without one record nothing. Clones share the handles.
#[derive(Clone)]
pub(crate) struct EdgeMetrics(Arc<Handles>);

struct Handles {
    allowed: Counter,
    explicit_deny: Counter,
    implicit_deny: Counter,
    decision_seconds: Histogram,
    authorize: Histogram,
    authorize_batch: Histogram,
    authorize_stream: Histogram,
    simulate: Histogram,
    get_policy_status: Histogram,
    plan_resources: Histogram,
}

impl EdgeMetrics {
    /// Looks every handle up in the installed recorder.
    pub(crate) fn resolve() -> Self {
        Self(Arc::new(Handles {
            allowed: metrics::counter!(DECISIONS, "decision" => "allowed"),
            explicit_deny: metrics::counter!(DECISIONS, "decision" => "explicit_deny"),
            implicit_deny: metrics::counter!(DECISIONS, "decision" => "implicit_deny"),
            decision_seconds: metrics::histogram!(DECISION_SECONDS),
            authorize: metrics::histogram!(RPC_SECONDS, "method" => "Authorize"),
            authorize_batch: metrics::histogram!(RPC_SECONDS, "method" => "AuthorizeBatch"),
            authorize_stream: metrics::histogram!(RPC_SECONDS, "method" => "AuthorizeStream"),
            simulate: metrics::histogram!(RPC_SECONDS, "method" => "Simulate"),
            get_policy_status: metrics::histogram!(RPC_SECONDS, "method" => "GetPolicyStatus"),
            plan_resources: metrics::histogram!(RPC_SECONDS, "method" => "PlanResources"),
        }))
    }

    /// Counts one decision and records how long it took.
    pub(crate) fn decision(&self, kind: DecisionKind, elapsed: Duration) {
        let counter = match kind {
            DecisionKind::Allowed => &self.0.allowed,
            DecisionKind::ExplicitDeny => &self.0.explicit_deny,
            DecisionKind::ImplicitDeny => &self.0.implicit_deny,
        };
        counter.increment(1);
        self.0.decision_seconds.record(elapsed.as_secs_f64());
    }

    /// Starts timing one RPC of `method`.
    pub(crate) fn timer(&self, method: Method) -> RpcTimer {
        let histogram = match method {
            Method::Authorize => &self.0.authorize,
            Method::AuthorizeBatch => &self.0.authorize_batch,
            Method::AuthorizeStream => &self.0.authorize_stream,
            Method::Simulate => &self.0.simulate,
            Method::GetPolicyStatus => &self.0.get_policy_status,
            Method::PlanResources => &self.0.plan_resources,
        };
        RpcTimer {
            method,
            histogram: histogram.clone(),
            start: Instant::now(),
        }
    }
}

impl std::fmt::Debug for EdgeMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EdgeMetrics").finish_non_exhaustive()
    }
}

/// Times one RPC from its start ([`EdgeMetrics::timer`]);
/// [`RpcTimer::finish`] records it.
#[derive(Debug)]
pub(crate) struct RpcTimer {
    method: Method,
    histogram: Histogram,
    start: Instant,
}

impl RpcTimer {
    /// Records the RPC's duration and, when it failed, its status code;
    /// returns the result unchanged.
    pub(crate) fn finish<T>(self, result: Result<T, Status>) -> Result<T, Status> {
        self.histogram.record(self.start.elapsed().as_secs_f64());
        if let Err(status) = &result {
            let method = self.method.name();
            metrics::counter!(RPC_ERRORS, "method" => method, "code" => code_name(status.code()))
                .increment(1);
            tracing::debug!(method, code = ?status.code(), message = status.message(), "rpc failed");
        }
        result
    }
}
