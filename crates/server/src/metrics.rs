//! Metric names, one place. Every metric starts with `tollgate_`; the
//! Prometheus exporter serves them on the admin listener's `/metrics`.

/// Counter: decisions, labelled `decision` = allowed | explicit_deny | implicit_deny.
pub const DECISIONS: &str = "tollgate_decisions_total";
/// Histogram (seconds): time to decide one request, store lookup included.
pub const DECISION_SECONDS: &str = "tollgate_decision_duration_seconds";
/// Histogram (seconds): time to serve one RPC, labelled `method`.
pub const RPC_SECONDS: &str = "tollgate_rpc_duration_seconds";
/// Counter: RPCs that failed, labelled `method` and `code`.
pub const RPC_ERRORS: &str = "tollgate_rpc_errors_total";
/// Counter: calls refused before evaluation, labelled `reason` = overload
/// (`max-in-flight` calls were evaluating) | deadline (the caller's deadline
/// passed) | limit (a request over a size limit).
pub const REJECTED: &str = "tollgate_rejected_total";
/// Counter: TLS handshakes that failed or timed out on the gRPC listener.
pub const TLS_HANDSHAKE_FAILURES: &str = "tollgate_tls_handshake_failures_total";
/// Counter: TLS certificate reloads, labelled `outcome` = success | failure
/// (the previous certificate keeps serving).
pub const TLS_RELOADS: &str = "tollgate_tls_reloads_total";
/// Counter: reload attempts, labelled `outcome` = success (a new revision
/// serves) | unchanged (the store loaded, its revision was already serving) |
/// failure.
pub const RELOADS: &str = "tollgate_reloads_total";
/// Gauge: 1 for the serving revision, labelled `revision`.
pub const REVISION: &str = "tollgate_policy_revision_info";
/// Gauge: Unix time the serving revision was loaded.
pub const LOADED_AT: &str = "tollgate_policy_loaded_timestamp_seconds";
/// Gauge: principals in the serving store.
pub const PRINCIPALS: &str = "tollgate_store_principals";
/// Gauge: policies in the serving store.
pub const POLICIES: &str = "tollgate_store_policies";
/// Gauge: statements in the serving store.
pub const STATEMENTS: &str = "tollgate_store_statements";
/// Gauge: 1 when the last reload failed, or an error of polling a store in
/// object storage stands (the previous revision keeps serving).
pub const RELOAD_FAILING: &str = "tollgate_reload_failing";
/// Histogram (seconds): time to load and compile a store, labelled `outcome`.
pub const RELOAD_SECONDS: &str = "tollgate_reload_duration_seconds";

/// Counter: polls of a store in object storage, labelled `outcome` =
/// unchanged (nothing new was published; one conditional request) | updated
/// (a new revision was fetched and loaded) | failed (storage unreachable,
/// access refused, a revision with missing or altered objects, or one that
/// does not load).
pub const POLLS: &str = "tollgate_store_polls_total";
/// Histogram (seconds): time of one poll, fetching and loading included,
/// labelled `outcome`.
pub const POLL_SECONDS: &str = "tollgate_store_poll_duration_seconds";
/// Gauge: seconds since the last successful poll of a store in object
/// storage (since start-up when none has succeeded yet); kept up every few
/// seconds by the admin listener, so an alert on it catches a stalled
/// reloader.
pub const SINCE_LAST_POLL: &str = "tollgate_store_seconds_since_last_successful_poll";
/// Gauge: failed polls in a row (0 once a poll succeeds).
pub const POLL_FAILURES: &str = "tollgate_store_consecutive_poll_failures";
/// Gauge: Unix time the serving revision was published (a store in object
/// storage).
pub const PUBLISHED_AT: &str = "tollgate_policy_published_timestamp_seconds";

/// Counter: Envoy ext_authz checks, labelled `outcome` = allowed |
/// explicit_deny | implicit_deny | unmapped_denied | unmapped_allowed |
/// unmappable (the request could not be mapped) | malformed (no HTTP
/// attributes) | not_ready (no revision loaded; 503) | not_configured (no
/// mesh mapping).
pub const EXT_AUTHZ_CHECKS: &str = "tollgate_ext_authz_checks_total";
/// Histogram (seconds): time to answer one ext_authz check, mapping included.
pub const EXT_AUTHZ_CHECK_SECONDS: &str = "tollgate_ext_authz_check_duration_seconds";
/// Counter: revisions of a store in object storage refused for their
/// signature (unsigned, signed by an untrusted key, changed after signing),
/// from storage or from the cache; the last good revision keeps serving.
pub const SIGNATURE_FAILURES: &str = "tollgate_store_signature_failures_total";

/// Counter: signed revisions of a store in object storage refused because
/// their manifest's sequence is below the newest seen (a rollback); the
/// last good revision keeps serving.
pub const ROLLBACKS: &str = "tollgate_store_rollbacks_total";
/// Gauge: 1 while the serving revision's manifest has expired (its
/// `expiresAt` has passed: the publisher stopped publishing, or storage is
/// frozen), else 0.
pub const STORE_EXPIRED: &str = "tollgate_store_expired";
/// Gauge: Unix time the serving revision's manifest expires.
pub const STORE_EXPIRES_AT: &str = "tollgate_store_expires_timestamp_seconds";
/// Gauge: the serving revision's manifest sequence.
pub const STORE_SEQUENCE: &str = "tollgate_store_manifest_sequence";
/// Gauge: seconds the store reload running now has run (0 when none runs);
/// one past `reload-stall-secs` is a stalled reloader.
pub const RELOAD_IN_PROGRESS: &str = "tollgate_reload_in_progress_seconds";
/// Counter: context keys a caller gave for the principal that the store
/// derives (`aws:PrincipalTag/*` ...), dropped under
/// `caller-principal-keys = "ignore"`.
pub const IGNORED_CONTEXT_KEYS: &str = "tollgate_ignored_context_keys_total";

/// Counter: decision records written to the audit log.
pub const AUDIT_RECORDS: &str = "tollgate_audit_records_total";
/// Counter: decision records dropped because the audit queue was full (the
/// sink is slower than the decisions), never blocking a decision.
pub const AUDIT_DROPPED: &str = "tollgate_audit_dropped_total";
/// Counter: audit records that could not be written (I/O errors).
pub const AUDIT_WRITE_ERRORS: &str = "tollgate_audit_write_errors_total";

/// Gauge: open connections, labelled `listener` = grpc | ext_authz | admin.
pub const CONNECTIONS: &str = "tollgate_connections";
/// Counter: connections closed by the server before their peer closed them,
/// labelled `listener` and `reason` = limit (over `max-connections`, closed
/// at accept) | headers_timeout | idle | drain (still open when the drain
/// timeout ended).
pub const CONNECTIONS_CLOSED: &str = "tollgate_connections_closed_total";
/// Counter: failed `accept` calls (out of file descriptors ...), labelled
/// `listener`; the listener backs off and keeps accepting.
pub const ACCEPT_ERRORS: &str = "tollgate_accept_errors_total";
/// Counter: connections that ended in an error (a protocol violation, a
/// reset, an unanswered keepalive), labelled `listener`; logged at most once
/// a minute.
pub const CONNECTION_ERRORS: &str = "tollgate_connection_errors_total";
/// Counter: HTTP/2 streams reset because they outlived `max-call-secs`
/// (such as a peer that never opens its flow-control window).
pub const STREAMS_EXPIRED: &str = "tollgate_streams_expired_total";

/// Histogram buckets for every `*_duration_seconds` metric: a decision takes
/// about a microsecond, a reload of a big store seconds.
pub const DURATION_BUCKETS: &[f64] = &[
    1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2,
    5e-2, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

mod record;
mod recorder;

pub use record::{record_install, record_poll, record_reload, record_serving};
pub use recorder::{GAUGE_IDLE_TIMEOUT, MetricsError, install_recorder};
