//! Metrics of the gRPC edge, named in [`crate::metrics`]: decisions by
//! result, decision latency, RPC latency by method and failed RPCs by method
//! and status code. On success paths every label is a literal, so the
//! `metrics` macros build static keys and recording allocates nothing;
//! without an installed recorder every call is a no-op.

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

/// Times one RPC from its start; [`RpcTimer::finish`] records it.
#[derive(Debug)]
pub(crate) struct RpcTimer {
    method: Method,
    start: Instant,
}

impl RpcTimer {
    pub(crate) fn start(method: Method) -> Self {
        Self {
            method,
            start: Instant::now(),
        }
    }

    /// Records the RPC's duration and, when it failed, its status code;
    /// returns the result unchanged.
    pub(crate) fn finish<T>(self, result: Result<T, Status>) -> Result<T, Status> {
        let seconds = self.start.elapsed().as_secs_f64();
        let histogram = match self.method {
            Method::Authorize => metrics::histogram!(RPC_SECONDS, "method" => "Authorize"),
            Method::AuthorizeBatch => {
                metrics::histogram!(RPC_SECONDS, "method" => "AuthorizeBatch")
            }
            Method::AuthorizeStream => {
                metrics::histogram!(RPC_SECONDS, "method" => "AuthorizeStream")
            }
            Method::Simulate => metrics::histogram!(RPC_SECONDS, "method" => "Simulate"),
            Method::GetPolicyStatus => {
                metrics::histogram!(RPC_SECONDS, "method" => "GetPolicyStatus")
            }
            Method::PlanResources => {
                metrics::histogram!(RPC_SECONDS, "method" => "PlanResources")
            }
        };
        histogram.record(seconds);
        if let Err(status) = &result {
            let method = self.method.name();
            metrics::counter!(RPC_ERRORS, "method" => method, "code" => code_name(status.code()))
                .increment(1);
            tracing::debug!(method, code = ?status.code(), message = status.message(), "rpc failed");
        }
        result
    }
}

/// Counts decisions and records how long each took. The metric handles
/// are looked up in the recorder's registry on first use and kept, so a
/// batch looks each up once, not once per decision.
#[derive(Default)]
pub(crate) struct DecisionMetrics {
    by_kind: [Option<Counter>; 3],
    seconds: Option<Histogram>,
}

impl DecisionMetrics {
    /// Counts one decision and records how long it took.
    pub(crate) fn record(&mut self, kind: DecisionKind, elapsed: Duration) {
        let (slot, label) = match kind {
            DecisionKind::Allowed => (0, "allowed"),
            DecisionKind::ExplicitDeny => (1, "explicit_deny"),
            DecisionKind::ImplicitDeny => (2, "implicit_deny"),
        };
        if let Some(counter) = self.by_kind.get_mut(slot) {
            counter
                .get_or_insert_with(|| metrics::counter!(DECISIONS, "decision" => label))
                .increment(1);
        }
        self.seconds
            .get_or_insert_with(|| metrics::histogram!(DECISION_SECONDS))
            .record(elapsed.as_secs_f64());
    }
}

impl std::fmt::Debug for DecisionMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecisionMetrics").finish_non_exhaustive()
    }
}
