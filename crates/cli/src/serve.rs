//! `tollgate serve`: runs the sidecar (the `tollgate-server` library) until
//! SIGTERM or SIGINT. This file only gathers the configuration: flags, then
//! `TOLLGATE_*` environment variables, then the TOML file, then defaults.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use tollgate_server::{ConfigError, ConfigLayer, EXIT_CONFIG, ServeConfig};

/// Serve authorization decisions over gRPC from a policy store, reloading it
/// when its files change.
///
/// With no flags, serves the built-in example store on 127.0.0.1:50051
/// (admin: 127.0.0.1:9090). Each option can also be set by its `TOLLGATE_*`
/// environment variable or by its key in the `--config` TOML file; a flag
/// wins over the environment, which wins over the file.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
On startup, binds every listener and prints `tollgate listening on grpc=ADDR
admin=ADDR` to stderr, then loads the store while serving, not ready (/readyz
503, health NOT_SERVING, calls UNAVAILABLE) until it loads; a load that takes
more than a second logs its progress.
Reloads the store on file changes, on SIGHUP, and when the periodic rescan
finds a change; a store that does not load is rejected and the last good
revision keeps serving. A store in object storage is polled instead (backing
off while storage fails); when it cannot be fetched at start-up, the server
serves the --cache-dir revision, or starts not ready until a poll loads one.
SIGTERM or SIGINT: stop accepting, finish the calls in flight (at most
--drain-timeout-secs), exit 0.

Exit status: 0 after a clean shutdown; 64 when the configuration is invalid
or the store does not load at startup (after its error is logged, the
listeners close); 1 on other errors.")]
pub struct ServeArgs {
    /// A TOML file with any of the options below, keys spelled as the flags
    /// without `--` (`listen = "127.0.0.1:50051"`); an unknown key is an error.
    #[arg(long, value_name = "FILE", env = "TOLLGATE_CONFIG")]
    config: Option<PathBuf>,

    /// The gRPC address, `HOST:PORT` or `unix:/path/to.sock` [default: 127.0.0.1:50051]
    #[arg(long, value_name = "ADDR", env = "TOLLGATE_LISTEN")]
    listen: Option<String>,

    /// The Unix socket's permissions, octal; others never get access [default: 0600]
    #[arg(long, value_name = "MODE", env = "TOLLGATE_SOCKET_MODE")]
    socket_mode: Option<String>,

    /// The admin address (`/metrics`, `/healthz`, `/readyz`) [default: 127.0.0.1:9090]
    #[arg(long, value_name = "ADDR", env = "TOLLGATE_ADMIN_LISTEN")]
    admin_listen: Option<String>,

    /// The store folder to serve and watch, or the URL of a store published
    /// with `tollgate publish` to poll: s3://BUCKET/PREFIX, gs://, az://,
    /// file:///PATH [default: the built-in example]
    #[arg(long, value_name = "DIR|URL", env = "TOLLGATE_STORE")]
    store: Option<PathBuf>,

    /// An S3-compatible server to use for an s3:// store instead of AWS
    /// (credentials: the usual AWS environment chain)
    #[arg(long, value_name = "URL", env = "TOLLGATE_STORE_ENDPOINT")]
    store_endpoint: Option<String>,

    /// How often to poll a store in object storage; an unchanged store costs
    /// one conditional request per poll [default: 10]
    #[arg(long, value_name = "SECS", env = "TOLLGATE_POLL_INTERVAL_SECS")]
    poll_interval_secs: Option<String>,

    /// Spread each poll delay by up to this fraction either way, 0 to 1 [default: 0.2]
    #[arg(long, value_name = "FRACTION", env = "TOLLGATE_POLL_JITTER")]
    poll_jitter: Option<String>,

    /// Keep the last loaded revision of a store in object storage here, and
    /// serve it at start-up when storage cannot be reached [default: none]
    #[arg(long, value_name = "DIR", env = "TOLLGATE_CACHE_DIR")]
    cache_dir: Option<PathBuf>,

    /// How long the store folder must be quiet before a change is reloaded [default: 200]
    #[arg(long, value_name = "MS", env = "TOLLGATE_RELOAD_DEBOUNCE_MS")]
    reload_debounce_ms: Option<String>,

    /// How often to look for changes the watcher missed; 0: never [default: 30]
    #[arg(long, value_name = "SECS", env = "TOLLGATE_RESCAN_INTERVAL_SECS")]
    rescan_interval_secs: Option<String>,

    /// The CPU priority of the thread that compiles and frees stores: `low`
    /// (nice 19: calls win the CPU, a reload still progresses on a busy
    /// machine), `idle` (Linux SCHED_IDLE: a reload may wait while other
    /// processes keep every core busy), `normal` [default: low]
    #[arg(long, value_name = "PRIORITY", env = "TOLLGATE_RELOAD_PRIORITY")]
    reload_priority: Option<String>,

    /// How long shutdown waits for calls in flight [default: 10]
    #[arg(long, value_name = "SECS", env = "TOLLGATE_DRAIN_TIMEOUT_SECS")]
    drain_timeout_secs: Option<String>,

    /// Log lines as `text` or `json` (on stderr) [default: text]
    #[arg(long, value_name = "FORMAT", env = "TOLLGATE_LOG_FORMAT")]
    log_format: Option<String>,

    /// Log filter such as `info` or `tollgate_server=debug,warn` [default: RUST_LOG, else info]
    #[arg(long, value_name = "FILTER", env = "TOLLGATE_LOG_LEVEL")]
    log_level: Option<String>,

    /// The mesh mapping file (HTTP request -> IAM request) for Envoy's
    /// ext_authz Check, checked at start-up; see `tollgate mesh check`
    /// [default: none: every Check is denied]
    #[arg(long, value_name = "FILE", env = "TOLLGATE_MESH_CONFIG")]
    mesh_config: Option<PathBuf>,

    /// Also serve Envoy's ext_authz Check (and health) alone on this
    /// address, `HOST:PORT` [default: none; Check is served on --listen]
    #[arg(long, value_name = "ADDR", env = "TOLLGATE_EXT_AUTHZ_LISTEN")]
    ext_authz_listen: Option<String>,
    /// Calls evaluated at once; more get RESOURCE_EXHAUSTED at once [default: 1024]
    #[arg(long, value_name = "N", env = "TOLLGATE_MAX_IN_FLIGHT")]
    max_in_flight: Option<String>,

    /// The largest request message, in bytes [default: 4194304]
    #[arg(long, value_name = "BYTES", env = "TOLLGATE_MAX_MESSAGE_BYTES")]
    max_message_bytes: Option<String>,

    /// Requests in one AuthorizeBatch [default: 10000]
    #[arg(long, value_name = "N", env = "TOLLGATE_MAX_BATCH_SIZE")]
    max_batch_size: Option<String>,

    /// Entries of one request's context [default: 256]
    #[arg(long, value_name = "N", env = "TOLLGATE_MAX_CONTEXT_KEYS")]
    max_context_keys: Option<String>,

    /// Values of one context entry [default: 1000]
    #[arg(long, value_name = "N", env = "TOLLGATE_MAX_VALUES_PER_KEY")]
    max_values_per_key: Option<String>,

    /// The longest principal, action, resource, context key or value, in bytes [default: 8192]
    #[arg(long, value_name = "BYTES", env = "TOLLGATE_MAX_VALUE_BYTES")]
    max_value_bytes: Option<String>,

    /// Session policy documents in one request [default: 16]
    #[arg(long, value_name = "N", env = "TOLLGATE_MAX_SESSION_POLICIES")]
    max_session_policies: Option<String>,

    /// The largest session policy document, in bytes [default: 65536]
    #[arg(long, value_name = "BYTES", env = "TOLLGATE_MAX_SESSION_POLICY_BYTES")]
    max_session_policy_bytes: Option<String>,

    /// A caller's context value for a key the store derives for the principal (aws:PrincipalTag/*, aws:PrincipalOrgID, aws:username ...): refuse it (INVALID_ARGUMENT) or ignore it (dropped, counted) [default: refuse]
    #[arg(
        long,
        value_name = "refuse|ignore",
        env = "TOLLGATE_CALLER_PRINCIPAL_KEYS"
    )]
    caller_principal_keys: Option<String>,

    /// The longest a call may run; a shorter grpc-timeout wins [default: 30]
    #[arg(long, value_name = "SECS", env = "TOLLGATE_MAX_CALL_SECS")]
    max_call_secs: Option<String>,

    /// Serve gRPC over TLS with this certificate chain (PEM); needs --tls-key [default: plaintext]
    #[arg(long, value_name = "FILE", env = "TOLLGATE_TLS_CERT")]
    tls_cert: Option<PathBuf>,

    /// The private key (PEM) of --tls-cert
    #[arg(long, value_name = "FILE", env = "TOLLGATE_TLS_KEY")]
    tls_key: Option<PathBuf>,

    /// Require client certificates signed by these CAs (PEM): mutual TLS [default: none]
    #[arg(long, value_name = "FILE", env = "TOLLGATE_TLS_CLIENT_CA")]
    tls_client_ca: Option<PathBuf>,

    /// How often the TLS files are checked; changed files serve new connections [default: 10]
    #[arg(long, value_name = "SECS", env = "TOLLGATE_TLS_RELOAD_INTERVAL_SECS")]
    tls_reload_interval_secs: Option<String>,
    /// Require revisions of a store in object storage to be signed by this
    /// Ed25519 public key (PEM); repeat for several keys (rotation). The
    /// environment variable takes a comma-separated list [config: verify-keys]
    #[arg(
        long = "verify-key",
        value_name = "FILE",
        env = "TOLLGATE_VERIFY_KEYS",
        value_delimiter = ','
    )]
    verify_keys: Vec<PathBuf>,

    /// Write one JSON line per decision to `-` (stdout) or FILE [default: off]
    #[arg(long, value_name = "FILE|-", env = "TOLLGATE_AUDIT_LOG")]
    audit_log: Option<String>,

    /// Rotate the audit log file at this size [default: 100]
    #[arg(long, value_name = "MB", env = "TOLLGATE_AUDIT_MAX_FILE_MB")]
    audit_max_file_mb: Option<String>,

    /// Rotated audit log files kept (FILE.1 ... FILE.N) [default: 5]
    #[arg(long, value_name = "N", env = "TOLLGATE_AUDIT_KEEP_FILES")]
    audit_keep_files: Option<String>,

    /// Which decisions the audit log records: `all` or `deny` [default: all]
    #[arg(long, value_name = "WHICH", env = "TOLLGATE_AUDIT_DECISIONS")]
    audit_decisions: Option<String>,

    /// The fraction of allows recorded, 0 to 1, by request id [default: 1]
    #[arg(long, value_name = "FRACTION", env = "TOLLGATE_AUDIT_SAMPLE_ALLOWS")]
    audit_sample_allows: Option<String>,

    /// Audit records waiting to be written, at most; more are dropped and
    /// counted, never delaying a decision [default: 65536]
    #[arg(long, value_name = "N", env = "TOLLGATE_AUDIT_QUEUE")]
    audit_queue: Option<String>,

    /// Audit records carry the request's context and session policies (up
    /// to 64 KiB a request; larger ones are marked truncated), so that
    /// `tollgate replay` re-decides them faithfully [default: off]
    #[arg(long, env = "TOLLGATE_AUDIT_RECORD_REQUESTS")]
    audit_record_requests: bool,

    /// A store reload running longer than this is reported as stalled
    /// (status, `tollgate_reload_in_progress_seconds`, a warning) [default: 120]
    #[arg(long, value_name = "SECS", env = "TOLLGATE_RELOAD_STALL_SECS")]
    reload_stall_secs: Option<String>,

    /// /readyz answers 503 while the serving revision's signed manifest has
    /// expired (`tollgate publish --expires-in`) [default: off]
    #[arg(long, env = "TOLLGATE_READY_REQUIRES_FRESH_STORE")]
    ready_requires_fresh_store: bool,

    /// /readyz answers 503 while a store reload is stalled (past
    /// --reload-stall-secs) [default: off]
    #[arg(long, env = "TOLLGATE_READY_REQUIRES_LIVE_RELOAD")]
    ready_requires_live_reload: bool,
    /// Open connections of the gRPC listener (and, separately, of the
    /// ext_authz listener); one more is closed at once [default: 1024]
    #[arg(long, value_name = "N", env = "TOLLGATE_MAX_CONNECTIONS")]
    max_connections: Option<String>,

    /// Open connections of the admin listener [default: 64]
    #[arg(long, value_name = "N", env = "TOLLGATE_ADMIN_MAX_CONNECTIONS")]
    admin_max_connections: Option<String>,

    /// HTTP/2 streams (calls) one connection may have open at once [default: 100]
    #[arg(long, value_name = "N", env = "TOLLGATE_MAX_CONCURRENT_STREAMS")]
    max_concurrent_streams: Option<String>,

    /// A new connection must send its first request's headers within this [default: 10]
    #[arg(
        long,
        value_name = "SECS",
        env = "TOLLGATE_REQUEST_HEADERS_TIMEOUT_SECS"
    )]
    request_headers_timeout_secs: Option<String>,

    /// A connection without a call for this long is closed [default: 300]
    #[arg(long, value_name = "SECS", env = "TOLLGATE_IDLE_TIMEOUT_SECS")]
    idle_timeout_secs: Option<String>,

    /// How often the server PINGs each HTTP/2 connection; 0: never [default: 60]
    #[arg(
        long,
        value_name = "SECS",
        env = "TOLLGATE_HTTP2_KEEPALIVE_INTERVAL_SECS"
    )]
    http2_keepalive_interval_secs: Option<String>,

    /// A PING unanswered this long closes the connection [default: 20]
    #[arg(
        long,
        value_name = "SECS",
        env = "TOLLGATE_HTTP2_KEEPALIVE_TIMEOUT_SECS"
    )]
    http2_keepalive_timeout_secs: Option<String>,

    /// Response bytes one HTTP/2 stream may queue for a slow reader [default: 65536]
    #[arg(long, value_name = "BYTES", env = "TOLLGATE_MAX_SEND_BUFFER_BYTES")]
    max_send_buffer_bytes: Option<String>,

    /// Session policy bytes x context value bytes of one request, at most [default: 268435456]
    #[arg(long, value_name = "N", env = "TOLLGATE_MAX_SESSION_POLICY_COST")]
    max_session_policy_cost: Option<String>,

    /// Refuse (RESOURCE_EXHAUSTED) an admitted call that waited longer than
    /// this for a worker, instead of evaluating it late; 0: off [default: 0]
    #[arg(long, value_name = "MS", env = "TOLLGATE_MAX_QUEUE_WAIT_MS")]
    max_queue_wait_ms: Option<String>,

    /// Serve the HTTP/JSON API (POST /v1/authorize, /v1/authorize:batch,
    /// /v1/simulate, GET /v1/status, /v1/openapi.json) on this address,
    /// `HOST:PORT`, plaintext HTTP/1.1 [default: none: off]
    #[arg(long, value_name = "ADDR", env = "TOLLGATE_HTTP_LISTEN")]
    http_listen: Option<String>,

    /// Serve the policy simulator page at /ui/ on the admin listener
    /// [default: off: /ui/ is 404]
    #[arg(long, env = "TOLLGATE_ADMIN_UI")]
    admin_ui: bool,
}

impl ServeArgs {
    /// The validated configuration: flags and environment over the file
    /// over the defaults.
    fn resolve(&self) -> Result<ServeConfig, ConfigError> {
        let number = |key: &str, text: &Option<String>| {
            text.as_deref()
                .map(|text| ConfigLayer::number(key, text))
                .transpose()
        };
        let mut faults = Vec::new();
        let mut jitter_faults = Vec::new();
        let audit_sample_allows = self
            .audit_sample_allows
            .as_deref()
            .map(|text| ConfigLayer::fraction("audit-sample-allows", text))
            .transpose()
            .unwrap_or_else(|e| {
                faults.extend(e.faults);
                None
            });
        let mut keep = |result: Result<Option<u64>, ConfigError>| {
            result.unwrap_or_else(|e| {
                faults.extend(e.faults);
                None
            })
        };
        let given = ConfigLayer {
            listen: self.listen.clone(),
            socket_mode: self.socket_mode.clone(),
            admin_listen: self.admin_listen.clone(),
            store: self.store.clone(),
            store_endpoint: self.store_endpoint.clone(),
            poll_interval_secs: keep(number("poll-interval-secs", &self.poll_interval_secs)),
            poll_jitter: self
                .poll_jitter
                .as_deref()
                .map(|text| ConfigLayer::fraction("poll-jitter", text))
                .transpose()
                .unwrap_or_else(|e| {
                    jitter_faults = e.faults;
                    None
                }),
            cache_dir: self.cache_dir.clone(),
            reload_debounce_ms: keep(number("reload-debounce-ms", &self.reload_debounce_ms)),
            rescan_interval_secs: keep(number("rescan-interval-secs", &self.rescan_interval_secs)),
            reload_priority: self.reload_priority.clone(),
            drain_timeout_secs: keep(number("drain-timeout-secs", &self.drain_timeout_secs)),
            log_format: self.log_format.clone(),
            log_level: self.log_level.clone(),
            mesh_config: self.mesh_config.clone(),
            ext_authz_listen: self.ext_authz_listen.clone(),
            max_in_flight: keep(number("max-in-flight", &self.max_in_flight)),
            max_message_bytes: keep(number("max-message-bytes", &self.max_message_bytes)),
            max_batch_size: keep(number("max-batch-size", &self.max_batch_size)),
            max_context_keys: keep(number("max-context-keys", &self.max_context_keys)),
            max_values_per_key: keep(number("max-values-per-key", &self.max_values_per_key)),
            max_value_bytes: keep(number("max-value-bytes", &self.max_value_bytes)),
            max_session_policies: keep(number("max-session-policies", &self.max_session_policies)),
            max_session_policy_bytes: keep(number(
                "max-session-policy-bytes",
                &self.max_session_policy_bytes,
            )),
            max_call_secs: keep(number("max-call-secs", &self.max_call_secs)),
            tls_cert: self.tls_cert.clone(),
            tls_key: self.tls_key.clone(),
            tls_client_ca: self.tls_client_ca.clone(),
            tls_reload_interval_secs: keep(number(
                "tls-reload-interval-secs",
                &self.tls_reload_interval_secs,
            )),
            verify_keys: (!self.verify_keys.is_empty()).then(|| self.verify_keys.clone()),
            audit_log: self.audit_log.clone(),
            audit_max_file_mb: keep(number("audit-max-file-mb", &self.audit_max_file_mb)),
            audit_keep_files: keep(number("audit-keep-files", &self.audit_keep_files)),
            audit_decisions: self.audit_decisions.clone(),
            audit_sample_allows,
            audit_queue: keep(number("audit-queue", &self.audit_queue)),
            audit_record_requests: self.audit_record_requests.then_some(true),
            reload_stall_secs: keep(number("reload-stall-secs", &self.reload_stall_secs)),
            ready_requires_fresh_store: self.ready_requires_fresh_store.then_some(true),
            ready_requires_live_reload: self.ready_requires_live_reload.then_some(true),
            caller_principal_keys: self.caller_principal_keys.clone(),
            max_connections: keep(number("max-connections", &self.max_connections)),
            admin_max_connections: keep(number(
                "admin-max-connections",
                &self.admin_max_connections,
            )),
            max_concurrent_streams: keep(number(
                "max-concurrent-streams",
                &self.max_concurrent_streams,
            )),
            request_headers_timeout_secs: keep(number(
                "request-headers-timeout-secs",
                &self.request_headers_timeout_secs,
            )),
            idle_timeout_secs: keep(number("idle-timeout-secs", &self.idle_timeout_secs)),
            http2_keepalive_interval_secs: keep(number(
                "http2-keepalive-interval-secs",
                &self.http2_keepalive_interval_secs,
            )),
            http2_keepalive_timeout_secs: keep(number(
                "http2-keepalive-timeout-secs",
                &self.http2_keepalive_timeout_secs,
            )),
            max_send_buffer_bytes: keep(number(
                "max-send-buffer-bytes",
                &self.max_send_buffer_bytes,
            )),
            max_session_policy_cost: keep(number(
                "max-session-policy-cost",
                &self.max_session_policy_cost,
            )),
            max_queue_wait_ms: keep(number("max-queue-wait-ms", &self.max_queue_wait_ms)),
            http_listen: self.http_listen.clone(),
            admin_ui: self.admin_ui.then_some(true),
        };
        faults.extend(jitter_faults);
        let file = match &self.config {
            Some(path) => ConfigLayer::from_toml_file(path).unwrap_or_else(|e| {
                faults.extend(e.faults);
                ConfigLayer::default()
            }),
            None => ConfigLayer::default(),
        };
        match ServeConfig::from_layer(given.over(file)) {
            Ok(config) if faults.is_empty() => Ok(config),
            Ok(_) => Err(ConfigError { faults }),
            Err(e) => {
                faults.extend(e.faults);
                Err(ConfigError { faults })
            }
        }
    }
}

/// Runs the server until SIGTERM or SIGINT.
pub fn main(args: &ServeArgs) -> ExitCode {
    let config = match args.resolve() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("tollgate serve: invalid configuration:");
            for fault in &e.faults {
                eprintln!("  {fault}");
            }
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    match serve(config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(ServeFailure::Serve(e)) => {
            eprintln!("tollgate serve: {e}");
            ExitCode::from(e.exit_code())
        }
        Err(ServeFailure::Other(e)) => {
            eprintln!("tollgate serve: {e:#}");
            ExitCode::FAILURE
        }
    }
}

enum ServeFailure {
    Serve(tollgate_server::ServeError),
    Other(anyhow::Error),
}

fn serve(config: ServeConfig) -> Result<(), ServeFailure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("tollgate")
        .build()
        .context("cannot start the async runtime")
        .map_err(ServeFailure::Other)?;
    runtime
        .block_on(tollgate_server::run(config, shutdown_signal()))
        .map_err(ServeFailure::Serve)
}

/// Completes on SIGTERM or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    Ok(()) = tokio::signal::ctrl_c() => {}
                }
                return;
            }
            Err(e) => eprintln!("tollgate serve: cannot listen for SIGTERM: {e}"),
        }
    }
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("tollgate serve: cannot listen for SIGINT: {e}; stop with SIGKILL");
        std::future::pending::<()>().await;
    }
}
