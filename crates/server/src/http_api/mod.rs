//! The HTTP/JSON API: the `tollgate.v1.Authorizer` calls as JSON over
//! HTTP/1.1, on their own listener (`http-listen`, off by default), for
//! clients that have no gRPC stack (curl, OPA- and Cerbos-style callers):
//!
//! | route | gRPC call | body | answer |
//! | --- | --- | --- | --- |
//! | `POST /v1/authorize` | `Authorize` | `AuthorizeRequest` | `AuthorizeResponse` |
//! | `POST /v1/authorize:batch` | `AuthorizeBatch` | `AuthorizeBatchRequest` | `AuthorizeBatchResponse` |
//! | `POST /v1/simulate` | `Simulate` | `SimulateRequest` | `SimulateResponse` |
//! | `GET /v1/status` | `GetPolicyStatus` | none | `PolicyStatus` |
//! | `GET /v1/openapi.json` | | none | the OpenAPI 3 document of these routes |
//!
//! Bodies and answers are the proto3 JSON mapping of the messages (`codec`).
//! Nothing is decided here: each route reads its JSON into the generated
//! message and calls the same [`AuthorizerService`] the gRPC listener
//! serves, so the request limits, the audit log and the decision and RPC
//! metrics are those of the gRPC call. The edge guards are those of the
//! gRPC [`Edge`](crate::grpc::Edge), with the same permits: a call that
//! evaluates takes one of the shared `max-in-flight` permits as soon as its
//! headers are read (none free: `429` at once, its body unread), and its
//! deadline (`max-call-secs`, or a shorter `grpc-timeout` header) counts
//! from its headers, body reading included.
//!
//! Failures are JSON too (`reply`): the gRPC status becomes the HTTP status
//! of the usual mapping (`INVALID_ARGUMENT` 400, `RESOURCE_EXHAUSTED` 429,
//! `UNAVAILABLE` 503, `DEADLINE_EXCEEDED` 504 ...); a body that is not the
//! message's JSON is a 400 naming the JSON path, one over
//! `max-message-bytes` a 413, a body that is not `application/json` a 415.
//!
//! Why a listener of its own and not the gRPC port: the gRPC listener
//! speaks HTTP/2 only (prior knowledge, or ALPN `h2` under TLS) with
//! HTTP/2 stream limits, while curl and most HTTP clients speak HTTP/1.1.
//! The HTTP listener runs the same accept loop (`max-connections`, accept
//! back-off, bounded drain) and the HTTP/1 connection limits of the admin
//! listener (`request-headers-timeout-secs`, `idle-timeout-secs`).

mod codec;
mod openapi;
mod reply;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use prost::Message;
use tollgate_proto::v1::authorizer_server::Authorizer;
use tollgate_proto::v1::{
    AuthorizeBatchRequest, AuthorizeRequest, GetPolicyStatusRequest, SimulateRequest,
};
use tonic::Status;

pub use self::codec::DescriptorError;
use self::codec::JsonCodec;
use self::reply::Reply;
use crate::grpc::guard::{self, Deadline, Rejection};
use crate::grpc::{AuthorizerService, EdgeSettings, REQUEST_ID_HEADER};

/// Counter: HTTP/JSON API requests, labelled `route` and `code` (the HTTP
/// status).
pub const HTTP_REQUESTS: &str = "tollgate_http_requests_total";

/// The routes of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    Authorize,
    AuthorizeBatch,
    Simulate,
    Status,
    OpenApi,
}

impl Route {
    /// Every route, in the order of the OpenAPI document.
    pub(crate) const ALL: [Route; 5] = [
        Route::Authorize,
        Route::AuthorizeBatch,
        Route::Simulate,
        Route::Status,
        Route::OpenApi,
    ];

    /// The route's path.
    pub(crate) fn path(self) -> &'static str {
        match self {
            Route::Authorize => "/v1/authorize",
            Route::AuthorizeBatch => "/v1/authorize:batch",
            Route::Simulate => "/v1/simulate",
            Route::Status => "/v1/status",
            Route::OpenApi => "/v1/openapi.json",
        }
    }

    /// The route a request path names (`%3A` read as `:`).
    fn of(path: &str) -> Option<Route> {
        let path = path.trim_end_matches('/');
        if path.eq_ignore_ascii_case("/v1/authorize%3Abatch") {
            return Some(Route::AuthorizeBatch);
        }
        Route::ALL.into_iter().find(|route| route.path() == path)
    }

    /// `GET` or `POST`.
    pub(crate) fn method(self) -> Method {
        match self {
            Route::Status | Route::OpenApi => Method::GET,
            _ => Method::POST,
        }
    }

    /// The metric label.
    fn label(self) -> &'static str {
        match self {
            Route::Authorize => "authorize",
            Route::AuthorizeBatch => "authorize_batch",
            Route::Simulate => "simulate",
            Route::Status => "status",
            Route::OpenApi => "openapi",
        }
    }

    /// Whether the route evaluates, and so takes an admission permit.
    fn admitted(self) -> bool {
        matches!(
            self,
            Route::Authorize | Route::AuthorizeBatch | Route::Simulate
        )
    }
}

/// Which routes a router serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Every route (the `http-listen` listener).
    All,
    /// `simulate`, `status` and the document (the admin UI's calls).
    Simulator,
}

impl Scope {
    fn serves(self, route: Route) -> bool {
        match self {
            Scope::All => true,
            Scope::Simulator => !matches!(route, Route::Authorize | Route::AuthorizeBatch),
        }
    }
}

/// The HTTP/JSON API over the gRPC listener's `Authorizer`.
#[derive(Debug, Clone)]
pub struct HttpApi {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    authorizer: AuthorizerService,
    edge: EdgeSettings,
    codec: JsonCodec,
    openapi: Bytes,
    max_body: usize,
    max_call: Duration,
    scope: Scope,
}

impl HttpApi {
    /// The API answering through `authorizer`, admitted by `edge` (the
    /// gRPC listener's, so the permits are shared), bodies up to
    /// `max_body` bytes (`max-message-bytes`), calls within `max_call`.
    pub fn new(
        authorizer: AuthorizerService,
        edge: EdgeSettings,
        max_body: usize,
        max_call: Duration,
    ) -> Result<Self, DescriptorError> {
        let codec = JsonCodec::new()?;
        let document = openapi::document(codec.pool(), max_body)?;
        let openapi = Bytes::from(
            serde_json::to_vec_pretty(&document)
                .map_err(|e| DescriptorError(format!("cannot write the OpenAPI document: {e}")))?,
        );
        Ok(Self {
            inner: Arc::new(Inner {
                authorizer,
                edge,
                codec,
                openapi,
                max_body,
                max_call,
                scope: Scope::All,
            }),
        })
    }

    /// This API limited to `simulate`, `status` and the OpenAPI document
    /// (what the admin UI calls).
    pub fn simulator(&self) -> Self {
        let inner = &self.inner;
        Self {
            inner: Arc::new(Inner {
                authorizer: inner.authorizer.clone(),
                edge: inner.edge.clone(),
                codec: inner.codec.clone(),
                openapi: inner.openapi.clone(),
                max_body: inner.max_body,
                max_call: inner.max_call,
                scope: Scope::Simulator,
            }),
        }
    }

    /// The routes as an axum router (served by the server's own accept
    /// loop, see `crate::server`).
    pub fn router(self) -> Router {
        Router::new().fallback(move |request: Request<Body>| {
            let api = self.clone();
            async move { api.handle(request).await }
        })
    }

    /// The routes this API serves under `/v1/`, as an axum router to merge
    /// into another (the admin listener's).
    pub fn routes(self) -> Router {
        let mut router = Router::new();
        for route in Route::ALL
            .into_iter()
            .filter(|r| self.inner.scope.serves(*r))
        {
            let api = self.clone();
            router = router.route(
                route.path(),
                axum::routing::any(move |request: Request<Body>| {
                    let api = api.clone();
                    async move { api.handle(request).await }
                }),
            );
        }
        router
    }

    async fn handle(self, request: Request<Body>) -> Response<Body> {
        let start = Instant::now();
        let Some(route) = Route::of(request.uri().path()).filter(|r| self.inner.scope.serves(*r))
        else {
            return Reply::error(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                format!(
                    "no route `{}`; the API serves /v1/authorize, /v1/authorize:batch, /v1/simulate, /v1/status and /v1/openapi.json",
                    request.uri().path()
                ),
            )
            .into_response();
        };
        let reply = self.answer(route, start, request).await;
        metrics::counter!(HTTP_REQUESTS, "route" => route.label(), "code" => reply.code_label())
            .increment(1);
        reply.into_response()
    }

    async fn answer(&self, route: Route, start: Instant, request: Request<Body>) -> Reply {
        let inner = &self.inner;
        if request.method() != route.method() {
            return Reply::method_not_allowed(route.method());
        }
        if route == Route::OpenApi {
            return Reply::json(StatusCode::OK, inner.openapi.clone());
        }
        let (parts, body) = request.into_parts();
        // The permit is held until the answer is made, like the gRPC edge's.
        let _permit = if route.admitted() {
            match inner.edge.admit() {
                Ok(permit) => Some(permit),
                Err(status) => return Reply::status(&status),
            }
        } else {
            None
        };
        let deadline = Deadline::from_headers(start, &parts.headers, inner.max_call);
        let request_id = parts
            .headers
            .get(REQUEST_ID_HEADER)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = if route.method() == Method::POST {
            if let Some(reply) = unsupported_media_type(&parts.headers) {
                return reply;
            }
            match read_body(body, &parts.headers, inner.max_body, deadline).await {
                Ok(body) => body,
                Err(reply) => return reply,
            }
        } else {
            Bytes::new()
        };
        let call = self.call(route, body, deadline, request_id);
        match tokio::time::timeout_at(deadline.instant().into(), call).await {
            Ok(reply) => reply,
            Err(_) => Reply::status(&guard::exceeded()),
        }
    }

    /// Reads `body` as the route's message and makes the gRPC call.
    async fn call(
        &self,
        route: Route,
        body: Bytes,
        deadline: Deadline,
        request_id: Option<String>,
    ) -> Reply {
        let inner = &self.inner;
        let service = &inner.authorizer;
        match route {
            Route::Authorize => {
                let message = match self.read::<AuthorizeRequest>("AuthorizeRequest", &body) {
                    Ok(message) => message,
                    Err(reply) => return reply,
                };
                let answer = service
                    .authorize(grpc_request(message, deadline, request_id))
                    .await;
                self.written("AuthorizeResponse", answer)
            }
            Route::AuthorizeBatch => {
                let message =
                    match self.read::<AuthorizeBatchRequest>("AuthorizeBatchRequest", &body) {
                        Ok(message) => message,
                        Err(reply) => return reply,
                    };
                let answer = service
                    .authorize_batch(grpc_request(message, deadline, request_id))
                    .await;
                self.written("AuthorizeBatchResponse", answer)
            }
            Route::Simulate => {
                let message = match self.read::<SimulateRequest>("SimulateRequest", &body) {
                    Ok(message) => message,
                    Err(reply) => return reply,
                };
                let answer = service
                    .simulate(grpc_request(message, deadline, request_id))
                    .await;
                self.written("SimulateResponse", answer)
            }
            Route::Status => {
                let message = GetPolicyStatusRequest {};
                let answer = service
                    .get_policy_status(grpc_request(message, deadline, request_id))
                    .await;
                self.written("PolicyStatus", answer)
            }
            Route::OpenApi => Reply::json(StatusCode::OK, inner.openapi.clone()),
        }
    }

    /// The message `tollgate.v1.NAME` read from `body`, or a 400 naming
    /// the JSON path (counted as a malformed request, like a gRPC message
    /// that does not decode).
    fn read<T: Message + Default>(&self, name: &str, body: &[u8]) -> Result<T, Reply> {
        self.inner
            .codec
            .decode(&format!("tollgate.v1.{name}"), body)
            .map_err(|fault| {
                guard::count(Rejection::Limit);
                Reply::json_fault(&fault)
            })
    }

    /// The answer of a call as JSON, or its status as a JSON error.
    fn written<T: Message>(&self, name: &str, answer: Result<tonic::Response<T>, Status>) -> Reply {
        match answer {
            Ok(response) => match self
                .inner
                .codec
                .encode(&format!("tollgate.v1.{name}"), response.get_ref())
            {
                Ok(json) => Reply::json(StatusCode::OK, Bytes::from(json)),
                Err(error) => Reply::status(&Status::internal(format!(
                    "cannot write the answer as JSON: {error}"
                ))),
            },
            Err(status) => Reply::status(&status),
        }
    }
}

/// The tonic request the gRPC handler takes: the edge's deadline in its
/// extensions, the caller's request id in its metadata.
fn grpc_request<T>(
    message: T,
    deadline: Deadline,
    request_id: Option<String>,
) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.extensions_mut().insert(deadline);
    if let Some(value) = request_id.and_then(|id| id.parse().ok()) {
        request.metadata_mut().insert(REQUEST_ID_HEADER, value);
    }
    request
}

/// A 415 unless the body is declared JSON (`application/json`, any
/// parameters) or not declared at all.
fn unsupported_media_type(headers: &HeaderMap) -> Option<Reply> {
    let value = headers.get(header::CONTENT_TYPE)?;
    let essence = value
        .to_str()
        .ok()
        .and_then(|text| text.split(';').next())
        .map(|essence| essence.trim().to_ascii_lowercase());
    if essence.as_deref() == Some("application/json") {
        return None;
    }
    guard::count(Rejection::Limit);
    Some(Reply::error(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "INVALID_ARGUMENT",
        format!(
            "the body must be JSON (content-type: application/json), found content-type `{}`",
            String::from_utf8_lossy(value.as_bytes())
        ),
    ))
}

/// The whole body, at most `max` bytes (else 413, told from its
/// `content-length` before a byte is read when it has one), read before
/// `deadline` (else 504).
async fn read_body(
    body: Body,
    headers: &HeaderMap,
    max: usize,
    deadline: Deadline,
) -> Result<Bytes, Reply> {
    let too_large = || {
        guard::count(Rejection::Limit);
        Reply::error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RESOURCE_EXHAUSTED",
            format!("the body is larger than {max} bytes (max-message-bytes)"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.parse::<u64>().ok());
    if declared.is_some_and(|length| length > max as u64) {
        return Err(too_large());
    }
    let read = Limited::new(body, max).collect();
    match tokio::time::timeout_at(deadline.instant().into(), read).await {
        Err(_) => Err(Reply::status(&guard::exceeded())),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(error)) if error.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Ok(Err(error)) => Err(Reply::error(
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            format!("cannot read the body: {error}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_found_by_path() {
        assert_eq!(Route::of("/v1/authorize"), Some(Route::Authorize));
        assert_eq!(
            Route::of("/v1/authorize:batch"),
            Some(Route::AuthorizeBatch)
        );
        assert_eq!(
            Route::of("/v1/authorize%3Abatch"),
            Some(Route::AuthorizeBatch)
        );
        assert_eq!(Route::of("/v1/status/"), Some(Route::Status));
        assert_eq!(Route::of("/v1/authorizeX"), None);
        assert!(!Scope::Simulator.serves(Route::Authorize));
        assert!(Scope::Simulator.serves(Route::Simulate));
    }
}
