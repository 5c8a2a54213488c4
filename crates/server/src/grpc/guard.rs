//! The gRPC edge's guards against overload and oversized requests, applied
//! before anything is evaluated:
//!
//! - [`Admission`]: at most `max-in-flight` calls are in the server at once,
//!   from their HEADERS to their answer (taken by [`super::edge`]); one more
//!   fails at once with `RESOURCE_EXHAUSTED` (no queue); with
//!   `max-queue-wait-ms`, so does an admitted call that waited longer than
//!   that for a worker ([`queued_too_long`]);
//! - [`Deadline`]: the caller's `grpc-timeout` (capped by `max-call-secs`),
//!   counted from the call's HEADERS; a call whose deadline has passed fails
//!   with `DEADLINE_EXCEEDED` and is not evaluated, and a long batch stops
//!   at its deadline;
//! - [`check_request`] and [`check_batch`]: batch size, context entries,
//!   values per key, value lengths, session policies, each an
//!   `INVALID_ARGUMENT` naming the field and the setting.
//!
//! Every refusal is counted in `tollgate_rejected_total{reason}`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tollgate_proto::v1::context_value::Value;
use tollgate_proto::v1::{AuthorizeBatchRequest, AuthorizeRequest};
use tonic::Status;
use tonic::metadata::MetadataMap;

use crate::limits::RequestLimits;
use crate::metrics::REJECTED;

/// Why a call was refused, as the `reason` label of `tollgate_rejected_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rejection {
    /// `max-in-flight` calls were already evaluating.
    Overload,
    /// The call's deadline had passed.
    Deadline,
    /// A request broke a size limit.
    Limit,
}

/// Counts one refused call.
pub(crate) fn count(rejection: Rejection) {
    let counter = match rejection {
        Rejection::Overload => metrics::counter!(REJECTED, "reason" => "overload"),
        Rejection::Deadline => metrics::counter!(REJECTED, "reason" => "deadline"),
        Rejection::Limit => metrics::counter!(REJECTED, "reason" => "limit"),
    };
    counter.increment(1);
}

/// Bounds the calls evaluating at once.
#[derive(Debug, Clone)]
pub(crate) struct Admission {
    permits: Arc<Semaphore>,
    limit: usize,
}

impl Admission {
    pub(crate) fn new(limit: usize) -> Self {
        let limit = limit.clamp(1, Semaphore::MAX_PERMITS);
        Self {
            permits: Arc::new(Semaphore::new(limit)),
            limit,
        }
    }

    /// A permit to evaluate, held until the work ends, or
    /// `RESOURCE_EXHAUSTED` at once.
    pub(crate) fn admit(&self) -> Result<OwnedSemaphorePermit, Status> {
        self.permits.clone().try_acquire_owned().map_err(|_| {
            count(Rejection::Overload);
            Status::resource_exhausted(format!(
                "overloaded: {} calls are being evaluated, the limit is {} (max-in-flight); retry later",
                self.limit, self.limit
            ))
        })
    }
}

/// The answer to an admitted call that waited `waited` for a worker, longer
/// than `max-queue-wait-ms` (`bound`): `RESOURCE_EXHAUSTED`, counted as
/// overload.
pub(crate) fn queued_too_long(waited: Duration, bound: Duration) -> Status {
    count(Rejection::Overload);
    Status::resource_exhausted(format!(
        "overloaded: the call waited {} µs for a worker, the limit is {} ms (max-queue-wait-ms); retry later",
        waited.as_micros(),
        bound.as_millis()
    ))
}

/// When a call must be answered by.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline(Instant);

impl Deadline {
    /// The deadline [`super::edge`] set when the call's HEADERS arrived;
    /// when the service is called directly (no edge), the caller's
    /// `grpc-timeout` from now, capped by `max_call`.
    pub(crate) fn of<T>(request: &tonic::Request<T>, max_call: Duration) -> Self {
        match request.extensions().get::<Deadline>() {
            Some(deadline) => *deadline,
            None => Self::from_metadata(Instant::now(), request.metadata(), max_call),
        }
    }

    /// The caller's `grpc-timeout` from `start`, capped by `max_call`; an
    /// unreadable header counts as absent.
    pub(crate) fn from_headers(
        start: Instant,
        headers: &http::HeaderMap,
        max_call: Duration,
    ) -> Self {
        let given = headers
            .get("grpc-timeout")
            .and_then(|value| value.to_str().ok())
            .and_then(grpc_timeout);
        let timeout = given.map_or(max_call, |given| given.min(max_call));
        Self(start.checked_add(timeout).unwrap_or(start))
    }

    fn from_metadata(start: Instant, metadata: &MetadataMap, max_call: Duration) -> Self {
        Self::from_headers(start, metadata.as_ref(), max_call)
    }

    /// The instant itself.
    pub(crate) fn instant(self) -> Instant {
        self.0
    }

    /// `DEADLINE_EXCEEDED` (counted) once the deadline has passed.
    pub(crate) fn check(self) -> Result<(), Status> {
        if Instant::now() >= self.0 {
            Err(exceeded())
        } else {
            Ok(())
        }
    }
}

/// The `DEADLINE_EXCEEDED` answer, counted.
pub(crate) fn exceeded() -> Status {
    count(Rejection::Deadline);
    Status::deadline_exceeded("the call's deadline passed before it was answered")
}

/// Reads a `grpc-timeout` value: 1 to 8 digits and a unit (`H`, `M`, `S`,
/// `m`, `u`, `n`), as the gRPC HTTP/2 protocol spells it.
pub(crate) fn grpc_timeout(text: &str) -> Option<Duration> {
    let unit = text.chars().last()?;
    let digits = text.get(..text.len() - unit.len_utf8())?;
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let amount: u64 = digits.parse().ok()?;
    Some(match unit {
        'H' => Duration::from_secs(amount.checked_mul(3600)?),
        'M' => Duration::from_secs(amount.checked_mul(60)?),
        'S' => Duration::from_secs(amount),
        'm' => Duration::from_millis(amount),
        'u' => Duration::from_micros(amount),
        'n' => Duration::from_nanos(amount),
        _ => return None,
    })
}

/// A request field over a limit: where, how much, which setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LimitError {
    path: String,
    message: String,
}

impl LimitError {
    fn new(path: impl Into<String>, found: usize, what: &str, limit: usize, key: &str) -> Self {
        Self {
            path: path.into(),
            message: format!("{found} {what}, the limit is {limit} ({key})"),
        }
    }

    /// The same fault inside element `index` of the repeated field `field`.
    fn within(self, field: &str, index: usize) -> Self {
        Self {
            path: format!("{field}[{index}].{}", self.path),
            message: self.message,
        }
    }
}

impl std::fmt::Display for LimitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl From<LimitError> for Status {
    fn from(error: LimitError) -> Self {
        count(Rejection::Limit);
        Status::invalid_argument(error.to_string())
    }
}

/// Checks a batch's size, then each of its requests.
pub(crate) fn check_batch(
    batch: &AuthorizeBatchRequest,
    limits: &RequestLimits,
) -> Result<(), LimitError> {
    let count = batch.requests.len();
    if count > limits.max_batch_size {
        return Err(LimitError::new(
            "requests",
            count,
            "requests",
            limits.max_batch_size,
            "max-batch-size",
        ));
    }
    for (i, request) in batch.requests.iter().enumerate() {
        check_request(request, limits).map_err(|e| e.within("requests", i))?;
    }
    Ok(())
}

/// Checks one request against every per-request limit.
pub(crate) fn check_request(
    request: &AuthorizeRequest,
    limits: &RequestLimits,
) -> Result<(), LimitError> {
    // The path of a fault is made only when there is one: a request within
    // its limits allocates nothing here.
    let bytes = |path: &dyn Fn() -> String, len: usize| {
        if len > limits.max_value_bytes {
            Err(LimitError::new(
                path(),
                len,
                "bytes",
                limits.max_value_bytes,
                "max-value-bytes",
            ))
        } else {
            Ok(())
        }
    };
    bytes(&|| "principal".to_owned(), request.principal.len())?;
    bytes(&|| "action".to_owned(), request.action.len())?;
    bytes(&|| "resource".to_owned(), request.resource.len())?;
    let keys = request.context.len();
    if keys > limits.max_context_keys {
        return Err(LimitError::new(
            "context",
            keys,
            "keys",
            limits.max_context_keys,
            "max-context-keys",
        ));
    }
    for (key, values) in &request.context {
        if key.len() > limits.max_value_bytes {
            return Err(LimitError {
                path: key_path(key),
                message: format!(
                    "the key has {} bytes, the limit is {} (max-value-bytes)",
                    key.len(),
                    limits.max_value_bytes
                ),
            });
        }
        let count = values.values.len();
        if count > limits.max_values_per_key {
            return Err(LimitError::new(
                key_path(key),
                count,
                "values",
                limits.max_values_per_key,
                "max-values-per-key",
            ));
        }
        for (i, value) in values.values.iter().enumerate() {
            let len = match &value.value {
                Some(Value::StringValue(text)) => text.len(),
                Some(Value::BinaryValue(raw)) => raw.len(),
                _ => 0,
            };
            bytes(&|| format!("{}.values[{i}]", key_path(key)), len)?;
        }
    }
    let documents = request.session_policies.len();
    if documents > limits.max_session_policies {
        return Err(LimitError::new(
            "session_policies",
            documents,
            "documents",
            limits.max_session_policies,
            "max-session-policies",
        ));
    }
    for (i, document) in request.session_policies.iter().enumerate() {
        if document.len() > limits.max_session_policy_bytes {
            return Err(LimitError::new(
                format!("session_policies[{i}]"),
                document.len(),
                "bytes",
                limits.max_session_policy_bytes,
                "max-session-policy-bytes",
            ));
        }
    }
    check_session_cost(request, limits.max_session_policy_cost)
}

/// Bounds the wildcard matching a request's session policies may cause:
/// every pattern of the session policies (at most their bytes) may be
/// matched against every context value, and matching a pattern of `m`
/// bytes against a value of `n` bytes compares at most `m × n` characters,
/// so session policy bytes × context value bytes bounds the work. A request
/// without session policies costs nothing.
fn check_session_cost(request: &AuthorizeRequest, limit: u64) -> Result<(), LimitError> {
    let session: u64 = request
        .session_policies
        .iter()
        .map(|document| document.len() as u64)
        .sum();
    if session == 0 {
        return Ok(());
    }
    let context: u64 = request
        .context
        .values()
        .flat_map(|values| &values.values)
        .map(|value| match &value.value {
            Some(Value::StringValue(text)) => text.len() as u64,
            Some(Value::BinaryValue(raw)) => raw.len() as u64,
            _ => 8,
        })
        .sum();
    let cost = session.saturating_mul(context.max(1));
    if cost > limit {
        return Err(LimitError {
            path: "session_policies".to_owned(),
            message: format!(
                "{session} session policy bytes × {context} context value bytes = {cost}, the limit is {limit} (max-session-policy-cost)"
            ),
        });
    }
    Ok(())
}

/// `context["KEY"]`, the key JSON-quoted and cut at 64 characters (a key
/// over the limit may be huge).
fn key_path(key: &str) -> String {
    const SHOWN: usize = 64;
    let shown: String = key.chars().take(SHOWN).collect();
    let ellipsis = if shown.len() < key.len() { "…" } else { "" };
    let quoted = serde_json::to_string(&shown).unwrap_or_else(|_| format!("\"{shown}\""));
    format!("context[{quoted}{ellipsis}]")
}

#[cfg(test)]
mod tests;
