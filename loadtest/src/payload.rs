//! [`Payloads`]: the run's requests, encoded once, with what each expects.
//! Calls cycle through them: call `i` sends payload `i % len`. For
//! `AuthorizeBatch`, payload `k` holds `--batch-size` consecutive requests
//! of the file starting at `k * batch_size` (wrapping around).

use bytes::Bytes;
use envoy_types::pb::envoy::service::auth::v3::attribute_context::{
    HttpRequest, Peer, Request as EnvoyRequest,
};
use envoy_types::pb::envoy::service::auth::v3::{AttributeContext, CheckRequest};
use prost::Message;
use tollgate_proto::v1::{self, AuthorizeBatchRequest, AuthorizeRequest};
use tonic::codegen::http::uri::PathAndQuery;

use crate::args::CallKind;
use crate::requests::{AuthorizeLine, CheckLine, ContextValue, Verdict};

/// At most this many distinct batches are prepared (they cycle).
pub const MAX_BATCHES: usize = 1024;

/// The gRPC path of `Authorize`.
pub const AUTHORIZE_PATH: &str = "/tollgate.v1.Authorizer/Authorize";
/// The gRPC path of `AuthorizeBatch`.
pub const AUTHORIZE_BATCH_PATH: &str = "/tollgate.v1.Authorizer/AuthorizeBatch";
/// The gRPC path of Envoy's `Check`.
pub const AUTHORIZE_STREAM_PATH: &str = "/tollgate.v1.Authorizer/AuthorizeStream";
/// The gRPC path of Envoy's `Check`.
pub const CHECK_PATH: &str = "/envoy.service.auth.v3.Authorization/Check";

/// One prepared call: its encoded message and, per decision it asks for,
/// the expected answer.
#[derive(Debug, Clone)]
pub struct Payload {
    /// The encoded request message.
    pub message: Bytes,
    /// One entry per decision (a batch has `--batch-size`).
    pub expect: Vec<Option<Verdict>>,
}

/// Everything a run sends.
#[derive(Debug, Clone)]
pub struct Payloads {
    /// The RPC.
    pub kind: CallKind,
    /// Its gRPC path.
    pub path: PathAndQuery,
    /// The calls, cycled through.
    pub calls: Vec<Payload>,
}

impl Payloads {
    /// The payload of call number `index`.
    pub fn get(&self, index: u64) -> &Payload {
        // `calls` is never empty (request files must hold a request) and
        // the remainder is below its length.
        let len = self.calls.len().max(1) as u64;
        let at = usize::try_from(index % len).unwrap_or(0);
        &self.calls[at.min(self.calls.len().saturating_sub(1))]
    }

    /// `Authorize` calls, one per line.
    pub fn authorize(lines: &[AuthorizeLine]) -> Self {
        let calls = lines
            .iter()
            .map(|line| Payload {
                message: Bytes::from(authorize_request(line).encode_to_vec()),
                expect: vec![line.expect],
            })
            .collect();
        Self {
            kind: CallKind::Authorize,
            path: PathAndQuery::from_static(AUTHORIZE_PATH),
            calls,
        }
    }

    /// `AuthorizeStream` questions, one per line (the `AuthorizeRequest`s
    /// of [`Payloads::authorize`], which the stream driver wraps with ids).
    pub fn authorize_stream(lines: &[AuthorizeLine]) -> Self {
        Self {
            kind: CallKind::AuthorizeStream,
            path: PathAndQuery::from_static(AUTHORIZE_STREAM_PATH),
            ..Self::authorize(lines)
        }
    }

    /// `AuthorizeBatch` calls of `batch_size` requests each.
    pub fn authorize_batch(lines: &[AuthorizeLine], batch_size: usize) -> Self {
        let batches = lines
            .len()
            .div_ceil(batch_size.max(1))
            .clamp(1, MAX_BATCHES);
        let calls = (0..batches)
            .map(|k| {
                let picked: Vec<&AuthorizeLine> = (0..batch_size)
                    .map(|j| &lines[(k * batch_size + j) % lines.len()])
                    .collect();
                let message = AuthorizeBatchRequest {
                    requests: picked.iter().map(|line| authorize_request(line)).collect(),
                };
                Payload {
                    message: Bytes::from(message.encode_to_vec()),
                    expect: picked.iter().map(|line| line.expect).collect(),
                }
            })
            .collect();
        Self {
            kind: CallKind::AuthorizeBatch,
            path: PathAndQuery::from_static(AUTHORIZE_BATCH_PATH),
            calls,
        }
    }

    /// Envoy `Check` calls, one per line.
    pub fn check(lines: &[CheckLine]) -> Self {
        let calls = lines
            .iter()
            .map(|line| Payload {
                message: Bytes::from(check_request(line).encode_to_vec()),
                expect: vec![line.expect],
            })
            .collect();
        Self {
            kind: CallKind::Check,
            path: PathAndQuery::from_static(CHECK_PATH),
            calls,
        }
    }
}

/// The wire message of one request line.
pub fn authorize_request(line: &AuthorizeLine) -> AuthorizeRequest {
    let context = line
        .context
        .iter()
        .map(|(key, values)| {
            let values = values
                .as_slice()
                .iter()
                .map(|value| v1::ContextValue {
                    value: Some(match value {
                        ContextValue::String(s) => v1::context_value::Value::StringValue(s.clone()),
                        ContextValue::Number(n) => v1::context_value::Value::NumberValue(*n),
                        ContextValue::Bool(b) => v1::context_value::Value::BoolValue(*b),
                    }),
                })
                .collect();
            (key.clone(), v1::ContextValues { values })
        })
        .collect();
    AuthorizeRequest {
        principal: line.principal.clone(),
        action: line.action.clone(),
        resource: line.resource.clone(),
        resource_account: line.resource_account.clone(),
        context,
        ..AuthorizeRequest::default()
    }
}

/// The `CheckRequest` Envoy would send for one HTTP request: the headers
/// lowercased with the HTTP/2 pseudo-headers added, the host from the
/// `host` header, the source peer's principal. As from Envoy, `path`
/// keeps the query string.
pub fn check_request(line: &CheckLine) -> CheckRequest {
    let mut headers: std::collections::HashMap<String, String> = line
        .headers
        .iter()
        .map(|(name, value)| (name.to_ascii_lowercase(), value.clone()))
        .collect();
    let host = headers.get("host").cloned().unwrap_or_default();
    headers
        .entry(":method".to_owned())
        .or_insert_with(|| line.method.clone());
    headers
        .entry(":path".to_owned())
        .or_insert_with(|| line.path.clone());
    if !host.is_empty() {
        headers
            .entry(":authority".to_owned())
            .or_insert_with(|| host.clone());
    }
    CheckRequest {
        attributes: Some(AttributeContext {
            source: Some(Peer {
                principal: line.source_principal.clone(),
                ..Peer::default()
            }),
            request: Some(EnvoyRequest {
                http: Some(HttpRequest {
                    method: line.method.clone(),
                    headers,
                    path: line.path.clone(),
                    host,
                    scheme: "http".to_owned(),
                    protocol: "HTTP/2".to_owned(),
                    ..HttpRequest::default()
                }),
                ..EnvoyRequest::default()
            }),
            ..AttributeContext::default()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requests::{authorize_lines, check_lines};

    #[test]
    fn batches_take_consecutive_requests_and_wrap() {
        let lines = authorize_lines(None).unwrap();
        let payloads = Payloads::authorize_batch(&lines, 5);
        assert_eq!(payloads.calls.len(), 4); // 18 lines in batches of 5
        let last = AuthorizeBatchRequest::decode(payloads.calls[3].message.clone()).unwrap();
        assert_eq!(last.requests.len(), 5);
        assert_eq!(last.requests[3].principal, lines[0].principal); // 15+3 wraps to 0
        assert_eq!(payloads.calls[3].expect[3], lines[0].expect);
    }

    #[test]
    fn calls_cycle_through_the_payloads() {
        let lines = authorize_lines(None).unwrap();
        let payloads = Payloads::authorize(&lines);
        assert_eq!(payloads.get(0).message, payloads.get(18).message);
        assert_ne!(payloads.get(0).message, payloads.get(1).message);
        let first = AuthorizeRequest::decode(payloads.get(0).message.clone()).unwrap();
        assert_eq!(first.principal, lines[0].principal);
    }

    #[test]
    fn a_check_request_carries_what_envoy_sends() {
        let lines = check_lines(None).unwrap();
        let request = check_request(&lines[0]);
        let attributes = request.attributes.unwrap();
        assert_eq!(
            attributes.source.unwrap().principal,
            lines[0].source_principal
        );
        let http = attributes.request.unwrap().http.unwrap();
        assert_eq!(http.method, "GET");
        assert_eq!(http.headers[":path"], lines[0].path);
        assert_eq!(http.host, "photos.internal");
        assert_eq!(http.headers[":authority"], "photos.internal");
    }
}
