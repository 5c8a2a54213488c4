//! What the HTTP/JSON API answers: a JSON message, or a JSON error
//! `{"error": {"code": 400, "status": "INVALID_ARGUMENT", "message": "…",
//! "field": "requests[1].principal"}}` (`field` only for a body that is not
//! the message's JSON). gRPC statuses map to HTTP statuses as gRPC-JSON
//! transcoding maps them.

use axum::body::Body;
use bytes::Bytes;
use http::{HeaderValue, Method, Response, StatusCode, header};
use serde_json::json;
use tonic::{Code, Status};

use super::codec::JsonFault;

/// One answer of the API, before it is written.
#[derive(Debug)]
pub(crate) struct Reply {
    code: StatusCode,
    body: Bytes,
    allow: Option<Method>,
    retry_after: bool,
}

impl Reply {
    /// `body` (JSON text) with `code`.
    pub(crate) fn json(code: StatusCode, body: Bytes) -> Self {
        Self {
            code,
            body,
            allow: None,
            retry_after: false,
        }
    }

    /// A JSON error.
    pub(crate) fn error(code: StatusCode, status: &str, message: String) -> Self {
        Self::error_at(code, status, message, None)
    }

    fn error_at(code: StatusCode, status: &str, message: String, field: Option<&str>) -> Self {
        let mut error = json!({
            "code": code.as_u16(),
            "status": status,
            "message": message,
        });
        if let (Some(field), Some(object)) = (field, error.as_object_mut()) {
            object.insert("field".to_owned(), json!(field));
        }
        let body = serde_json::to_vec(&json!({ "error": error })).unwrap_or_default();
        Self {
            code,
            body: Bytes::from(body),
            allow: None,
            retry_after: code == StatusCode::TOO_MANY_REQUESTS,
        }
    }

    /// A 400 for a body that is not the message's JSON.
    pub(crate) fn json_fault(fault: &JsonFault) -> Self {
        Self::error_at(
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            fault.to_string(),
            Some(&fault.path),
        )
    }

    /// A 405 naming the method the route takes.
    pub(crate) fn method_not_allowed(allowed: Method) -> Self {
        let mut reply = Self::error(
            StatusCode::METHOD_NOT_ALLOWED,
            "UNIMPLEMENTED",
            format!("this route takes {allowed} only"),
        );
        reply.allow = Some(allowed);
        reply
    }

    /// A gRPC status as its HTTP error.
    pub(crate) fn status(status: &Status) -> Self {
        Self::error(
            http_code(status.code()),
            tollgate_proto::code_name(status.code()),
            status.message().to_owned(),
        )
    }

    /// The metric label of the HTTP status.
    pub(crate) fn code_label(&self) -> &'static str {
        match self.code.as_u16() {
            200 => "200",
            400 => "400",
            404 => "404",
            405 => "405",
            413 => "413",
            415 => "415",
            429 => "429",
            500 => "500",
            503 => "503",
            504 => "504",
            _ => "other",
        }
    }

    /// The HTTP response.
    pub(crate) fn into_response(self) -> Response<Body> {
        let mut response = Response::new(Body::from(self.body));
        *response.status_mut() = self.code;
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(method) = self.allow
            && let Ok(value) = HeaderValue::from_str(method.as_str())
        {
            headers.insert(header::ALLOW, value);
        }
        if self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

/// The HTTP status of a gRPC code (the gRPC-JSON transcoding mapping).
pub(crate) fn http_code(code: Code) -> StatusCode {
    match code {
        Code::Ok => StatusCode::OK,
        Code::InvalidArgument | Code::FailedPrecondition | Code::OutOfRange => {
            StatusCode::BAD_REQUEST
        }
        Code::Unauthenticated => StatusCode::UNAUTHORIZED,
        Code::PermissionDenied => StatusCode::FORBIDDEN,
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::AlreadyExists | Code::Aborted => StatusCode::CONFLICT,
        Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
        Code::Cancelled => StatusCode::from_u16(499).unwrap_or(StatusCode::BAD_REQUEST),
        Code::Unimplemented => StatusCode::NOT_IMPLEMENTED,
        Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Code::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
        Code::Unknown | Code::Internal | Code::DataLoss => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_http() {
        let reply = Reply::status(&Status::resource_exhausted("overloaded"));
        assert_eq!(reply.code, StatusCode::TOO_MANY_REQUESTS);
        let response = reply.into_response();
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
        assert_eq!(
            http_code(Code::DeadlineExceeded),
            StatusCode::GATEWAY_TIMEOUT
        );
        assert_eq!(
            http_code(Code::Unavailable),
            StatusCode::SERVICE_UNAVAILABLE
        );
    }
}
