//! [`Edge`]: the first thing every gRPC call meets, as soon as its HEADERS
//! arrive and before its message is read or decoded:
//!
//! - **admission**: a call that evaluates (`Authorize`, `AuthorizeBatch`,
//!   `Simulate`, Envoy's `Check`) takes one of `max-in-flight` permits, held
//!   until it is answered; without a free permit it is answered
//!   `RESOURCE_EXHAUSTED` at once, its message never read. The permit is
//!   taken in [`Service::call`], which hyper runs on the connection's task
//!   as it reads the HEADERS — before the call's own task is spawned and
//!   waits for a worker — so nothing queues in front of the permit, and the
//!   bound covers the whole call (waiting for a worker, decoding, session
//!   policy compilation, evaluation);
//! - **queue wait** (`max-queue-wait-ms`, off by default): an admitted call
//!   whose task first runs later than that after its HEADERS — it waited
//!   for a worker behind other calls — is answered `RESOURCE_EXHAUSTED`
//!   without being read or evaluated, so under overload the calls that are
//!   answered are answered promptly and the rest are refused cheaply;
//! - **deadline**: the call's deadline (its `grpc-timeout`, capped by
//!   `max-call-secs`) counts from its HEADERS; the handler sees it in the
//!   request's extensions ([`Deadline`]), and a call not answered by then,
//!   a message that never arrives included, is answered
//!   `DEADLINE_EXCEEDED`;
//! - **malformed messages**: tonic answers a message that does not decode
//!   (invalid UTF-8 in a string, a wrong wire type, nesting past the
//!   recursion limit) with `INTERNAL`; it is the caller's fault, so the
//!   answer becomes `INVALID_ARGUMENT` with the decoder's message.
//!
//! Health, reflection and `GetPolicyStatus` are not admitted (they must
//! answer under overload) but keep the deadline. `AuthorizeStream` is not
//! admitted whole either: each of its questions takes a permit while it is
//! evaluated (see `stream`); the stream keeps the deadline.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::{HeaderValue, Request, Response};
use tokio::sync::OwnedSemaphorePermit;
use tonic::Status;
use tonic::body::Body;
use tonic::codegen::Service;
use tonic::service::Routes;

use super::guard::{self, Admission, Deadline};

/// The gRPC paths whose calls evaluate and so are admitted.
const ADMITTED: [&str; 4] = [
    "/tollgate.v1.Authorizer/Authorize",
    "/tollgate.v1.Authorizer/AuthorizeBatch",
    "/tollgate.v1.Authorizer/Simulate",
    "/envoy.service.auth.v3.Authorization/Check",
];

/// What prost's decode errors start with (tonic passes them on as
/// `INTERNAL` with this text).
pub(crate) const DECODE_ERROR: &str = "failed to decode Protobuf message";

/// The admission permits shared by every listener that evaluates.
#[derive(Debug, Clone)]
pub struct EdgeSettings {
    admission: Admission,
    max_call: Duration,
    max_queue_wait: Option<Duration>,
}

impl EdgeSettings {
    /// `max_in_flight` permits; deadlines capped by `max_call`.
    pub fn new(max_in_flight: usize, max_call: Duration) -> Self {
        Self {
            admission: Admission::new(max_in_flight),
            max_call,
            max_queue_wait: None,
        }
    }

    /// Admitted calls that wait longer than `max_queue_wait` for a worker
    /// are refused (`None`: they wait until their deadline).
    pub fn with_max_queue_wait(mut self, max_queue_wait: Option<Duration>) -> Self {
        self.max_queue_wait = max_queue_wait;
        self
    }

    /// A permit to evaluate (shared with every other listener that
    /// evaluates, the HTTP/JSON API's included), or `RESOURCE_EXHAUSTED`.
    pub(crate) fn admit(&self) -> Result<tokio::sync::OwnedSemaphorePermit, Status> {
        self.admission.admit()
    }

    /// The permits, for the questions of `AuthorizeStream`, which the edge
    /// does not admit whole.
    pub(crate) fn admission(&self) -> Admission {
        self.admission.clone()
    }
}

/// The routes of one listener behind the edge guards, as a hyper service.
#[derive(Clone)]
pub struct Edge {
    routes: Routes,
    settings: Arc<EdgeSettings>,
}

impl std::fmt::Debug for Edge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Edge")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Edge {
    /// `routes` behind the guards of `settings`.
    pub fn new(routes: Routes, settings: EdgeSettings) -> Self {
        Self {
            routes,
            settings: Arc::new(settings),
        }
    }

    /// Runs an admitted call: `permit` (for the calls that evaluate) is
    /// held until it is answered; its deadline counts from `start`, when its
    /// HEADERS were read.
    async fn handle<B>(
        self,
        mut request: Request<B>,
        start: Instant,
        permit: Option<OwnedSemaphorePermit>,
    ) -> Response<Body>
    where
        B: hyper::body::Body<Data = hyper::body::Bytes> + Send + 'static,
        B::Error: Into<tonic::codegen::StdError>,
    {
        let settings = &self.settings;
        if permit.is_some()
            && let Some(bound) = settings.max_queue_wait
        {
            let waited = start.elapsed();
            if waited > bound {
                return guard::queued_too_long(waited, bound).into_http();
            }
        }
        let deadline = Deadline::from_headers(start, request.headers(), settings.max_call);
        request.extensions_mut().insert(deadline);
        let mut routes = self.routes;
        let ready =
            std::future::poll_fn(|cx| Service::<Request<Body>>::poll_ready(&mut routes, cx));
        let Ok(()) = ready.await;
        let call = routes.call(request.map(Body::new));
        match tokio::time::timeout_at(deadline.instant().into(), call).await {
            Ok(Ok(response)) => invalid_argument_for_decode_errors(response),
            Err(_) => guard::exceeded().into_http(),
        }
    }
}

impl<B> hyper::service::Service<Request<B>> for Edge
where
    B: hyper::body::Body<Data = hyper::body::Bytes> + Send + 'static,
    B::Error: Into<tonic::codegen::StdError>,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

    /// Admission happens here, synchronously, as the HEADERS are read.
    fn call(&self, request: Request<B>) -> Self::Future {
        let start = Instant::now();
        let permit = if ADMITTED.contains(&request.uri().path()) {
            match self.settings.admission.admit() {
                Ok(permit) => Some(permit),
                Err(status) => return Box::pin(std::future::ready(Ok(status.into_http()))),
            }
        } else {
            None
        };
        let edge = self.clone();
        Box::pin(async move { Ok(edge.handle(request, start, permit).await) })
    }
}

/// `response`, with a decode failure's `INTERNAL` turned into
/// `INVALID_ARGUMENT` (counted as a limit refusal: the request was
/// malformed).
fn invalid_argument_for_decode_errors(mut response: Response<Body>) -> Response<Body> {
    let headers = response.headers();
    let internal = headers
        .get(Status::GRPC_STATUS)
        .is_some_and(|code| code.as_bytes() == b"13");
    let decode = internal
        && headers
            .get(Status::GRPC_MESSAGE)
            .and_then(|message| message.to_str().ok())
            .and_then(|message| percent_decoded_prefix(message, DECODE_ERROR.len()))
            .is_some_and(|prefix| prefix == DECODE_ERROR);
    if decode {
        guard::count(guard::Rejection::Limit);
        let code = HeaderValue::from_static("3");
        response.headers_mut().insert(Status::GRPC_STATUS, code);
    }
    response
}

/// The first `len` bytes of a `grpc-message` value once percent-decoded
/// (gRPC percent-encodes the message), when it has that many.
fn percent_decoded_prefix(message: &str, len: usize) -> Option<String> {
    let bytes = message.as_bytes();
    let mut out = Vec::with_capacity(len);
    let mut i = 0;
    while out.len() < len {
        let byte = *bytes.get(i)?;
        if byte == b'%' {
            let hex = message.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(byte);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_messages_are_read_percent_decoded() {
        assert_eq!(
            percent_decoded_prefix("failed%20to%20decode%20Protobuf%20message: x", 33).as_deref(),
            Some(DECODE_ERROR)
        );
        assert_eq!(percent_decoded_prefix("short", 33), None);
    }

    fn call_to(path: &str) -> Request<Body> {
        Request::post(path).body(Body::empty()).unwrap()
    }

    fn grpc_status(response: &Response<Body>) -> &str {
        response.headers()[Status::GRPC_STATUS].to_str().unwrap()
    }

    #[tokio::test]
    async fn admission_is_taken_when_the_headers_are_handed_over() {
        use hyper::service::Service as _;
        let edge = Edge::new(
            Routes::default(),
            EdgeSettings::new(1, Duration::from_secs(5)),
        );
        const AUTHORIZE: &str = "/tollgate.v1.Authorizer/Authorize";
        // Handed over, its task not yet run (as when it waits for a worker):
        // it already holds the one permit.
        let waiting = edge.call(call_to(AUTHORIZE));
        let refused = edge.call(call_to(AUTHORIZE)).await.unwrap();
        assert_eq!(grpc_status(&refused), "8", "RESOURCE_EXHAUSTED");
        // Calls that do not evaluate are not admitted.
        let health = edge
            .call(call_to("/grpc.health.v1.Health/Check"))
            .await
            .unwrap();
        assert_eq!(
            grpc_status(&health),
            "12",
            "UNIMPLEMENTED by the empty routes"
        );
        // The permit comes back with the call, answered or dropped.
        drop(waiting);
        let admitted = edge.call(call_to(AUTHORIZE)).await.unwrap();
        assert_eq!(grpc_status(&admitted), "12", "admitted, then UNIMPLEMENTED");
    }

    #[tokio::test]
    async fn a_call_that_waited_too_long_for_a_worker_is_refused_unread() {
        use hyper::service::Service as _;
        let settings = EdgeSettings::new(8, Duration::from_secs(5))
            .with_max_queue_wait(Some(Duration::from_millis(5)));
        let edge = Edge::new(Routes::default(), settings);
        const AUTHORIZE: &str = "/tollgate.v1.Authorizer/Authorize";
        // Handed over at its HEADERS, then not run for 30 ms (as when every
        // worker is busy): refused when it first runs.
        let late = edge.call(call_to(AUTHORIZE));
        let health = edge.call(call_to("/grpc.health.v1.Health/Check"));
        std::thread::sleep(Duration::from_millis(30));
        let refused = late.await.unwrap();
        assert_eq!(grpc_status(&refused), "8", "RESOURCE_EXHAUSTED");
        let message = refused.headers()[Status::GRPC_MESSAGE].to_str().unwrap();
        assert!(message.contains("max-queue-wait-ms"), "{message}");
        // Calls that are not admitted are not refused for waiting.
        let health = health.await.unwrap();
        assert_eq!(
            grpc_status(&health),
            "12",
            "UNIMPLEMENTED by the empty routes"
        );
        // Run at once: evaluated (here: UNIMPLEMENTED by the empty routes).
        let prompt = edge.call(call_to(AUTHORIZE)).await.unwrap();
        assert_eq!(grpc_status(&prompt), "12");
        // Off by default: the same wait is not refused.
        let edge = Edge::new(
            Routes::default(),
            EdgeSettings::new(8, Duration::from_secs(5)),
        );
        let late = edge.call(call_to(AUTHORIZE));
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(grpc_status(&late.await.unwrap()), "12");
    }

    #[test]
    fn only_decode_failures_become_invalid_argument() {
        let decode = Status::internal(format!("{DECODE_ERROR}: invalid wire type")).into_http();
        let changed = invalid_argument_for_decode_errors(decode);
        assert_eq!(changed.headers()[Status::GRPC_STATUS], "3");
        let other = Status::internal("simulation failed").into_http();
        let kept = invalid_argument_for_decode_errors(other);
        assert_eq!(kept.headers()[Status::GRPC_STATUS], "13");
    }
}
