//! `CheckRequest` → what the mesh mapping reads ([`tollgate_mesh::HttpRequest`]).
//!
//! - method and path: `attributes.request.http.method` and `.path` (the
//!   request target with its query, not decoded);
//! - headers: `.headers`, or `.header_map` when Envoy sends raw headers
//!   (`encode_raw_headers`; repeated names are joined with `,` as in
//!   `headers`);
//! - the peer's identity: `attributes.source.principal` (the URI SAN of its
//!   client certificate, such as a SPIFFE ID); its address:
//!   `attributes.source.address`;
//! - TLS: the scheme is `https`, or Envoy sent a `tls_session`, or the peer
//!   presented a certificate (`source.principal` is set);
//! - time: `attributes.request.time`, else now; the request id:
//!   the `x-request-id` header, else `http.id`, else one made here.

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use envoy_types::pb::envoy::config::core::v3::address::Address;
use envoy_types::pb::envoy::service::auth::v3::CheckRequest;
use tollgate_mesh::HttpRequest;

/// What a `CheckRequest` lacks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// No `attributes.request.http`.
    #[error("`attributes.request.http` is missing")]
    NoHttp,
}

/// The parts of a `CheckRequest` the mapping reads, borrowed.
#[derive(Debug)]
pub(crate) struct Incoming<'a> {
    method: &'a str,
    path: &'a str,
    headers: Cow<'a, HashMap<String, String>>,
    id: &'a str,
    source_principal: Option<&'a str>,
    source_address: Option<IpAddr>,
    tls: bool,
    time: SystemTime,
}

/// Reads `message`.
pub(crate) fn incoming(message: &CheckRequest) -> Result<Incoming<'_>, ReadError> {
    let attributes = message.attributes.as_ref().ok_or(ReadError::NoHttp)?;
    let request = attributes.request.as_ref().ok_or(ReadError::NoHttp)?;
    let http = request.http.as_ref().ok_or(ReadError::NoHttp)?;
    let headers = match &http.header_map {
        Some(map) if http.headers.is_empty() => {
            let mut joined: HashMap<String, String> = HashMap::new();
            for header in &map.headers {
                let value = if header.raw_value.is_empty() {
                    header.value.clone()
                } else {
                    String::from_utf8_lossy(&header.raw_value).into_owned()
                };
                joined
                    .entry(header.key.to_ascii_lowercase())
                    .and_modify(|v| {
                        v.push(',');
                        v.push_str(&value);
                    })
                    .or_insert(value);
            }
            Cow::Owned(joined)
        }
        _ => Cow::Borrowed(&http.headers),
    };
    let source = attributes.source.as_ref();
    let source_principal = source
        .map(|peer| peer.principal.as_str())
        .filter(|principal| !principal.is_empty());
    let source_address = source
        .and_then(|peer| peer.address.as_ref())
        .and_then(|address| match &address.address {
            Some(Address::SocketAddress(socket)) => socket.address.parse().ok(),
            _ => None,
        });
    let time = request
        .time
        .as_ref()
        .and_then(|t| {
            let seconds = u64::try_from(t.seconds).ok()?;
            let nanos = u32::try_from(t.nanos).ok()?;
            SystemTime::UNIX_EPOCH.checked_add(Duration::new(seconds, nanos))
        })
        .unwrap_or_else(SystemTime::now);
    Ok(Incoming {
        method: &http.method,
        path: &http.path,
        headers,
        id: &http.id,
        source_principal,
        source_address,
        tls: http.scheme.eq_ignore_ascii_case("https")
            || attributes.tls_session.is_some()
            || source_principal.is_some(),
        time,
    })
}

impl Incoming<'_> {
    /// The request as the mapping reads it.
    pub(crate) fn http(&self) -> HttpRequest<'_> {
        HttpRequest {
            method: self.method,
            path: self.path,
            headers: &self.headers,
            source_principal: self.source_principal,
            source_address: self.source_address,
            tls: self.tls,
            time: self.time,
        }
    }

    /// The request's id: `x-request-id`, else Envoy's `http.id`.
    pub(crate) fn request_id(&self) -> Option<&str> {
        self.headers
            .get("x-request-id")
            .map(String::as_str)
            .or(Some(self.id))
            .filter(|id| !id.is_empty() && id.len() <= 256)
    }
}

/// A request id for a request that came without one: random 64 bits from
/// the process's hash seeds, and a counter.
pub(crate) fn new_request_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let random = RandomState::new().hash_one(count);
    format!("tollgate-{random:016x}-{count}")
}
