//! [`RequestLimits`]: how much one caller may ask of the server — calls
//! evaluated at once, message size, batch size, context entries, value
//! lengths, session policies, and the longest a call may run. Each limit has
//! a setting of the same name (`max-in-flight` ...) and a default here; the
//! gRPC edge enforces them (see `docs/security.md`).
//!
//! [`ConnectionLimits`]: what one connection, and all connections of a
//! listener, may hold — connections, HTTP/2 streams, pending response
//! bytes, and how long a connection may stay silent or idle.

use std::time::Duration;

use tollgate_policy::{CallerPrincipalKeys, ContextRules};

/// Default `max-in-flight`: evaluating calls at once, beyond which calls
/// fail fast with `RESOURCE_EXHAUSTED`.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 1024;
/// Default `max-message-bytes`: the largest request message (4 MiB).
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 4 << 20;
/// Default `max-batch-size`: requests in one `AuthorizeBatch`.
pub const DEFAULT_MAX_BATCH_SIZE: usize = 10_000;
/// Default `max-context-keys`: condition keys in one request's context.
pub const DEFAULT_MAX_CONTEXT_KEYS: usize = 256;
/// Default `max-values-per-key`: values of one context key.
pub const DEFAULT_MAX_VALUES_PER_KEY: usize = 1_000;
/// Default `max-value-bytes`: the longest principal, action, resource,
/// context key or context value (8 KiB).
pub const DEFAULT_MAX_VALUE_BYTES: usize = 8 << 10;
/// Default `max-session-policies`: session policy documents in one request.
pub const DEFAULT_MAX_SESSION_POLICIES: usize = 16;
/// Default `max-session-policy-bytes`: the largest session policy document
/// (64 KiB).
pub const DEFAULT_MAX_SESSION_POLICY_BYTES: usize = 64 << 10;
/// Default `max-call-secs`: the longest any call may run, whatever deadline
/// its caller gave (or none).
pub const DEFAULT_MAX_CALL_SECS: u64 = 30;
/// Default `max-session-policy-cost`: the most matching work one request's
/// session policies may ask for, as session policy bytes × context value
/// bytes (an upper bound on the characters wildcard matching compares).
pub const DEFAULT_MAX_SESSION_POLICY_COST: u64 = 1 << 28;
/// Default `max-queue-wait-ms`: 0, off — an admitted call may wait for a
/// worker until its deadline.
pub const DEFAULT_MAX_QUEUE_WAIT_MS: u64 = 0;

/// The limits the gRPC edge enforces; every one is a setting of the same
/// name in kebab case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLimits {
    /// `max-in-flight`: calls evaluated at once (`Authorize`,
    /// `AuthorizeBatch`, `Simulate`); one more fails at once with
    /// `RESOURCE_EXHAUSTED`, nothing waits in a queue.
    pub max_in_flight: usize,
    /// `max-message-bytes`: the largest request message, decoded.
    pub max_message_bytes: usize,
    /// `max-batch-size`: requests in one `AuthorizeBatch`.
    pub max_batch_size: usize,
    /// `max-context-keys`: entries of one request's `context`.
    pub max_context_keys: usize,
    /// `max-values-per-key`: values of one context entry.
    pub max_values_per_key: usize,
    /// `max-value-bytes`: the longest principal, action, resource, context
    /// key or context value.
    pub max_value_bytes: usize,
    /// `max-session-policies`: session policy documents in one request.
    pub max_session_policies: usize,
    /// `max-session-policy-bytes`: the largest session policy document.
    pub max_session_policy_bytes: usize,
    /// `max-call-secs`: the longest a call may run; a caller's shorter
    /// `grpc-timeout` wins.
    pub max_call: Duration,
    /// `caller-principal-keys`: what a caller's value for a context key the
    /// store derives for the principal (`aws:PrincipalTag/*`,
    /// `aws:PrincipalOrgID`, `aws:username` ...) gets: refused with
    /// `INVALID_ARGUMENT` (the default), or dropped and counted in
    /// `tollgate_ignored_context_keys_total`.
    pub caller_principal_keys: CallerPrincipalKeys,
    /// `max-session-policy-cost`: the session policy bytes of one request
    /// times its context value bytes, at most (see
    /// [`DEFAULT_MAX_SESSION_POLICY_COST`]).
    pub max_session_policy_cost: u64,
    /// `max-queue-wait-ms`: an admitted call that waited longer than this
    /// for a worker (from its HEADERS to its first step) is refused
    /// `RESOURCE_EXHAUSTED` instead of evaluated; `None`: off.
    pub max_queue_wait: Option<Duration>,
}

impl Default for RequestLimits {
    fn default() -> Self {
        Self {
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            max_batch_size: DEFAULT_MAX_BATCH_SIZE,
            max_context_keys: DEFAULT_MAX_CONTEXT_KEYS,
            max_values_per_key: DEFAULT_MAX_VALUES_PER_KEY,
            max_value_bytes: DEFAULT_MAX_VALUE_BYTES,
            max_session_policies: DEFAULT_MAX_SESSION_POLICIES,
            max_session_policy_bytes: DEFAULT_MAX_SESSION_POLICY_BYTES,
            max_call: Duration::from_secs(DEFAULT_MAX_CALL_SECS),
            caller_principal_keys: CallerPrincipalKeys::Refuse,
            max_session_policy_cost: DEFAULT_MAX_SESSION_POLICY_COST,
            max_queue_wait: None,
        }
    }
}

/// Default `max-connections`: open connections of the gRPC listener (and,
/// separately, of the ext_authz listener).
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// Default `admin-max-connections`: open connections of the admin listener.
pub const DEFAULT_ADMIN_MAX_CONNECTIONS: usize = 64;
/// Default `max-concurrent-streams`: HTTP/2 streams (calls) one connection
/// may have open at once, advertised in `SETTINGS_MAX_CONCURRENT_STREAMS`.
pub const DEFAULT_MAX_CONCURRENT_STREAMS: u32 = 100;
/// Default `request-headers-timeout-secs`.
pub const DEFAULT_REQUEST_HEADERS_TIMEOUT_SECS: u64 = 10;
/// Default `idle-timeout-secs`.
pub const DEFAULT_IDLE_TIMEOUT_SECS: u64 = 300;
/// Default `http2-keepalive-interval-secs`.
pub const DEFAULT_HTTP2_KEEPALIVE_INTERVAL_SECS: u64 = 60;
/// Default `http2-keepalive-timeout-secs`.
pub const DEFAULT_HTTP2_KEEPALIVE_TIMEOUT_SECS: u64 = 20;
/// Default `max-send-buffer-bytes`: response bytes one HTTP/2 stream may
/// have waiting for the peer's flow-control window (64 KiB).
pub const DEFAULT_MAX_SEND_BUFFER_BYTES: usize = 64 << 10;
/// The largest header block a client may send on any listener (16 KiB).
pub const MAX_HEADER_LIST_BYTES: u32 = 16 << 10;

/// Limits on connections, the same for every listener unless named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// `max-connections`: open connections of the gRPC listener, and of
    /// the ext_authz listener (each its own count); one more is accepted
    /// and closed at once, counted.
    pub max_connections: usize,
    /// `admin-max-connections`: open connections of the admin listener.
    pub admin_max_connections: usize,
    /// `max-concurrent-streams`: HTTP/2 streams one connection may have
    /// open; the peer is told in its SETTINGS and h2 refuses one more.
    pub max_concurrent_streams: u32,
    /// `request-headers-timeout-secs`: a new connection that has not
    /// completed its first request's headers by then is closed (HTTP/2:
    /// preface, SETTINGS and one HEADERS; HTTP/1 on the admin listener:
    /// every request's headers).
    pub request_headers_timeout: Duration,
    /// `idle-timeout-secs`: a connection without an open call for this
    /// long is closed (HTTP/2 GOAWAY).
    pub idle_timeout: Duration,
    /// `http2-keepalive-interval-secs`: how often the server PINGs a
    /// connection; `None` (0): never.
    pub keepalive_interval: Option<Duration>,
    /// `http2-keepalive-timeout-secs`: a PING unanswered this long closes
    /// the connection.
    pub keepalive_timeout: Duration,
    /// `max-send-buffer-bytes`: response bytes one stream may queue while
    /// the peer's window is closed; with `max-concurrent-streams` it bounds
    /// what one connection can make the server hold.
    pub max_send_buffer_bytes: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            admin_max_connections: DEFAULT_ADMIN_MAX_CONNECTIONS,
            max_concurrent_streams: DEFAULT_MAX_CONCURRENT_STREAMS,
            request_headers_timeout: Duration::from_secs(DEFAULT_REQUEST_HEADERS_TIMEOUT_SECS),
            idle_timeout: Duration::from_secs(DEFAULT_IDLE_TIMEOUT_SECS),
            keepalive_interval: Some(Duration::from_secs(DEFAULT_HTTP2_KEEPALIVE_INTERVAL_SECS)),
            keepalive_timeout: Duration::from_secs(DEFAULT_HTTP2_KEEPALIVE_TIMEOUT_SECS),
            max_send_buffer_bytes: DEFAULT_MAX_SEND_BUFFER_BYTES,
        }
    }
}

impl RequestLimits {
    /// The limits the wire conversion reads one request with: strings up to
    /// `max-value-bytes`, lists up to `max-values-per-key`.
    pub fn parse_limits(&self) -> tollgate_policy::ParseLimits {
        tollgate_policy::ParseLimits {
            max_list_len: self.max_values_per_key,
            max_string_bytes: self.max_value_bytes,
            ..tollgate_policy::ParseLimits::default()
        }
    }
}

impl RequestLimits {
    /// The context rules of a request ([`tollgate_policy::rules`]): the
    /// server answers from a store, so a caller's value for a key the store
    /// derives for the principal is refused or ignored, as
    /// `caller-principal-keys` says.
    pub fn context_rules(&self) -> ContextRules {
        ContextRules {
            caller_principal_keys: Some(self.caller_principal_keys),
        }
    }
}

#[cfg(test)]
mod parse_limit_tests {
    use super::*;

    #[test]
    fn the_conversion_reads_with_the_configured_limits() {
        let limits = RequestLimits {
            max_value_bytes: 64 << 10,
            max_values_per_key: 5,
            ..RequestLimits::default()
        };
        let parse = limits.parse_limits();
        assert_eq!(parse.max_string_bytes, 64 << 10);
        assert_eq!(parse.max_list_len, 5);
    }
}
