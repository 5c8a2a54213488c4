//! The server's configuration: [`ServeConfig`], a plain validated struct, and
//! [`ConfigLayer`], the raw settings one source gives (command-line flags,
//! `TOLLGATE_*` environment variables, a TOML file).
//!
//! Layers are merged with [`ConfigLayer::over`] (the binary stacks flag >
//! environment > file), then [`ServeConfig::from_layer`] fills in defaults and
//! validates everything at once, before anything is bound. Every fault is
//! reported, each naming the setting it is about.
//!
//! ```
//! use tollgate_server::config::{ConfigLayer, ServeConfig};
//!
//! let file = ConfigLayer::from_toml("listen = \"127.0.0.1:7000\"\nlog-format = \"json\"\n").unwrap();
//! let flags = ConfigLayer { listen: Some("127.0.0.1:0".into()), ..ConfigLayer::default() };
//! let config = ServeConfig::from_layer(flags.over(file)).unwrap();
//! assert_eq!(config.listen.to_string(), "127.0.0.1:0");
//! assert_eq!(config.admin_listen.to_string(), "127.0.0.1:9090");
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use tollgate_mesh::MeshConfig;

use crate::limits::RequestLimits;

/// Where the gRPC listener listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenAddr {
    /// A TCP address; port 0 picks a free port.
    Tcp(SocketAddr),
    /// A Unix domain socket at this path (`unix:/path/to.sock`).
    Unix(PathBuf),
}

impl fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListenAddr::Tcp(addr) => write!(f, "{addr}"),
            ListenAddr::Unix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}

/// Which store the server answers from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreSource {
    /// The example store built into the binary (no `--store`).
    Embedded,
    /// A store folder, watched for changes.
    Dir(PathBuf),
    /// A store published to object storage (`tollgate publish`), polled.
    Bucket(BucketSource),
}

/// A store published to object storage: where, and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketSource {
    /// `s3://bucket/prefix`, `gs://...`, `az://...` or `file:///path`.
    pub url: String,
    /// An S3-compatible server to use instead of AWS (`--store-endpoint`).
    pub endpoint: Option<String>,
    /// Further backend settings by `object_store` configuration key
    /// (`aws_region`, `aws_access_key_id` ...), over those of the
    /// environment. Not settable by flags or files (credentials belong in the
    /// environment); for embedding and tests.
    pub options: BTreeMap<String, String>,
}

impl BucketSource {
    /// The bundle location to fetch from. Plain `http://` endpoints are
    /// allowed (a local S3-compatible server); credentials come from the
    /// usual environment chain of each provider.
    pub fn location(&self) -> Result<tollgate_bundle::Location, tollgate_bundle::BundleError> {
        let options = tollgate_bundle::LocationOptions {
            endpoint: self.endpoint.clone(),
            allow_http: self
                .endpoint
                .as_deref()
                .is_some_and(|endpoint| endpoint.starts_with("http://")),
            extra: self.options.clone(),
            ..tollgate_bundle::LocationOptions::default()
        };
        tollgate_bundle::Location::parse(&self.url, &options)
    }
}

impl fmt::Display for StoreSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreSource::Embedded => f.write_str("embedded example"),
            StoreSource::Dir(path) => write!(f, "{}", path.display()),
            StoreSource::Bucket(bucket) => f.write_str(&bucket.url),
        }
    }
}

/// How an object-storage store is polled (ignored for folders).
#[derive(Debug, Clone, PartialEq)]
pub struct PollSettings {
    /// The time between two polls when all goes well.
    pub interval: Duration,
    /// Each delay is spread by up to this fraction either way (0 to 1), so
    /// that many sidecars do not poll in step.
    pub jitter: f64,
    /// Where the last loaded revision is kept, to serve from at start-up
    /// when storage is unreachable.
    pub cache_dir: Option<PathBuf>,
    /// When set (`verify-keys`), only revisions signed by one of these keys
    /// are loaded, from storage or from the cache.
    pub trusted_keys: Option<tollgate_bundle::TrustedKeys>,
}

impl Default for PollSettings {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(DEFAULT_POLL_INTERVAL_SECS),
            jitter: DEFAULT_POLL_JITTER,
            cache_dir: None,
            trusted_keys: None,
        }
    }
}

/// TLS on the gRPC listener (TCP only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// `tls-cert`: the certificate chain, PEM, the server's own first.
    pub cert: PathBuf,
    /// `tls-key`: the private key, PEM (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
    /// `tls-client-ca`: CA certificates, PEM; when set, every client must
    /// present a certificate one of them signed (mutual TLS).
    pub client_ca: Option<PathBuf>,
    /// `tls-reload-interval-secs`: how often the files are checked for
    /// changes; changed files are read again for new connections.
    pub reload_interval: Duration,
}

/// How log lines are written to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// A validated server configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct ServeConfig {
    /// The gRPC listener.
    pub listen: ListenAddr,
    /// The permissions of the Unix socket file (ignored for TCP).
    pub socket_mode: u32,
    /// The admin listener (`/metrics`, `/healthz`, `/readyz`).
    pub admin_listen: SocketAddr,
    /// The store to serve.
    pub store: StoreSource,
    /// How long the store folder must be quiet before a change is reloaded.
    pub reload_debounce: Duration,
    /// How often the folder is rescanned for changes the watcher missed;
    /// `None` turns the rescan off.
    pub rescan_interval: Option<Duration>,
    /// The CPU priority of the reload thread (`reload-priority`).
    pub reload_priority: crate::reload::ReloadPrioritySetting,
    /// How an object-storage store is polled.
    pub poll: PollSettings,
    /// How long shutdown waits for in-flight calls before dropping them.
    pub drain_timeout: Duration,
    /// Log line format.
    pub log_format: LogFormat,
    /// Log filter (`tracing_subscriber::EnvFilter` syntax); `None` defers to
    /// `RUST_LOG`, then `info`.
    pub log_level: Option<String>,
    /// The decision audit log; `None` (no `audit-log`): off.
    pub audit: Option<crate::audit::AuditSettings>,
    /// Limits on what one call may ask (`max-*` settings).
    pub limits: RequestLimits,
    /// TLS on the gRPC listener; `None`: plaintext.
    pub tls: Option<TlsSettings>,
    /// The mesh mapping `Check` answers through; `None`: every `Check` is
    /// denied (see `docs/mesh.md`).
    pub mesh: Option<MeshMapping>,
    /// A separate listener serving only Envoy's `Authorization` and health.
    pub ext_authz_listen: Option<SocketAddr>,
    /// The reload watchdog and the readiness options that depend on
    /// reloads (`reload-stall-secs`, `ready-requires-*`).
    pub watchdog: crate::reload::WatchdogSettings,
    /// Limits on connections and HTTP/2 streams, every listener.
    pub connections: crate::limits::ConnectionLimits,
    /// The HTTP/JSON API's listener (`http-listen`); `None`: off.
    pub http_listen: Option<SocketAddr>,
    /// Whether the admin listener serves the policy simulator page
    /// (`admin-ui`).
    pub admin_ui: bool,
}

/// A mesh mapping file, loaded and validated.
#[derive(Debug, Clone, PartialEq)]
pub struct MeshMapping {
    /// Where it was read from.
    pub path: PathBuf,
    /// The mapping.
    pub config: std::sync::Arc<MeshConfig>,
}

/// Default gRPC address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:50051";
/// Default admin address.
pub const DEFAULT_ADMIN_LISTEN: &str = "127.0.0.1:9090";
/// Default reload debounce, in milliseconds.
pub const DEFAULT_RELOAD_DEBOUNCE_MS: u64 = 200;
/// Default rescan interval, in seconds.
pub const DEFAULT_RESCAN_INTERVAL_SECS: u64 = 30;
/// Default poll interval of an object-storage store, in seconds.
pub const DEFAULT_POLL_INTERVAL_SECS: u64 = 10;
/// Default poll jitter (a fraction of the delay, either way).
pub const DEFAULT_POLL_JITTER: f64 = 0.2;
/// Default drain timeout, in seconds.
pub const DEFAULT_DRAIN_TIMEOUT_SECS: u64 = 10;
/// Default Unix socket permissions.
pub const DEFAULT_SOCKET_MODE: u32 = 0o600;
/// Default interval between checks of the TLS files, in seconds.
pub const DEFAULT_TLS_RELOAD_INTERVAL_SECS: u64 = 10;

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            listen: ListenAddr::Tcp(SocketAddr::from(([127, 0, 0, 1], 50051))),
            socket_mode: DEFAULT_SOCKET_MODE,
            admin_listen: SocketAddr::from(([127, 0, 0, 1], 9090)),
            store: StoreSource::Embedded,
            reload_debounce: Duration::from_millis(DEFAULT_RELOAD_DEBOUNCE_MS),
            rescan_interval: Some(Duration::from_secs(DEFAULT_RESCAN_INTERVAL_SECS)),
            reload_priority: crate::reload::ReloadPrioritySetting::default(),
            poll: PollSettings::default(),
            drain_timeout: Duration::from_secs(DEFAULT_DRAIN_TIMEOUT_SECS),
            log_format: LogFormat::Text,
            log_level: None,
            mesh: None,
            ext_authz_listen: None,
            limits: RequestLimits::default(),
            tls: None,
            audit: None,
            watchdog: crate::reload::WatchdogSettings::default(),
            connections: crate::limits::ConnectionLimits::default(),
            http_listen: None,
            admin_ui: false,
        }
    }
}

/// The raw settings of one source. Field names are the TOML keys (kebab
/// case, as the flags); numbers from flags and the environment arrive as
/// text and are checked by [`ConfigLayer::number`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigLayer {
    /// `listen`: `HOST:PORT` or `unix:/path/to.sock`.
    pub listen: Option<String>,
    /// `socket-mode`: octal permissions of the Unix socket, such as `0660`.
    pub socket_mode: Option<String>,
    /// `admin-listen`: `HOST:PORT`.
    pub admin_listen: Option<String>,
    /// `store`: a store folder, or the URL of a store published to object
    /// storage (`s3://bucket/prefix`, `gs://`, `az://`, `file://`).
    pub store: Option<PathBuf>,
    /// `store-endpoint`: an S3-compatible server's URL, for an `s3://` store.
    pub store_endpoint: Option<String>,
    /// `poll-interval-secs`: the time between polls of an object-storage store.
    pub poll_interval_secs: Option<u64>,
    /// `poll-jitter`: the fraction (0 to 1) by which each poll delay is spread.
    pub poll_jitter: Option<f64>,
    /// `cache-dir`: where the last loaded revision of an object-storage store
    /// is kept, to start from when storage is unreachable.
    pub cache_dir: Option<PathBuf>,
    /// `reload-debounce-ms`.
    pub reload_debounce_ms: Option<u64>,
    /// `rescan-interval-secs` (0: off).
    pub rescan_interval_secs: Option<u64>,
    /// `reload-priority`: `idle`, `low` or `normal`.
    pub reload_priority: Option<String>,
    /// `drain-timeout-secs`.
    pub drain_timeout_secs: Option<u64>,
    /// `log-format`: `text` or `json`.
    pub log_format: Option<String>,
    /// `log-level`: an `EnvFilter` directive such as `info` or `tollgate_server=debug`.
    pub log_level: Option<String>,
    /// `mesh-config`: the mesh mapping file (HTTP request → IAM request) for
    /// Envoy's ext_authz `Check`.
    pub mesh_config: Option<PathBuf>,
    /// `ext-authz-listen`: `HOST:PORT` of a separate listener serving only
    /// `Check` and health.
    pub ext_authz_listen: Option<String>,
    /// `max-in-flight`: calls evaluated at once.
    pub max_in_flight: Option<u64>,
    /// `max-message-bytes`: the largest request message.
    pub max_message_bytes: Option<u64>,
    /// `max-batch-size`: requests in one `AuthorizeBatch`.
    pub max_batch_size: Option<u64>,
    /// `max-context-keys`: entries of one request's context.
    pub max_context_keys: Option<u64>,
    /// `max-values-per-key`: values of one context entry.
    pub max_values_per_key: Option<u64>,
    /// `max-value-bytes`: the longest principal, action, resource, key or value.
    pub max_value_bytes: Option<u64>,
    /// `max-session-policies`: session policy documents in one request.
    pub max_session_policies: Option<u64>,
    /// `max-session-policy-bytes`: the largest session policy document.
    pub max_session_policy_bytes: Option<u64>,
    /// `max-call-secs`: the longest a call may run.
    pub max_call_secs: Option<u64>,
    /// `tls-cert`: certificate chain (PEM) for TLS on the gRPC listener.
    pub tls_cert: Option<PathBuf>,
    /// `tls-key`: private key (PEM) for `tls-cert`.
    pub tls_key: Option<PathBuf>,
    /// `tls-client-ca`: CA bundle (PEM) that client certificates must chain to.
    pub tls_client_ca: Option<PathBuf>,
    /// `tls-reload-interval-secs`: how often the TLS files are checked for changes.
    pub tls_reload_interval_secs: Option<u64>,
    /// `verify-keys`: Ed25519 public key files (PEM); a store in object
    /// storage must then be signed by one of them.
    pub verify_keys: Option<Vec<PathBuf>>,
    /// `audit-log`: `-` or `stdout`, or a file path; unset: no audit log.
    pub audit_log: Option<String>,
    /// `audit-max-file-mb`: a log file is rotated at this size.
    pub audit_max_file_mb: Option<u64>,
    /// `audit-keep-files`: rotated files kept besides the current one.
    pub audit_keep_files: Option<u64>,
    /// `audit-decisions`: `all` or `deny`.
    pub audit_decisions: Option<String>,
    /// `audit-sample-allows`: the fraction (0 to 1) of allows written.
    pub audit_sample_allows: Option<f64>,
    /// `audit-queue`: records waiting for the writer, at most.
    pub audit_queue: Option<u64>,
    /// `audit-record-requests`: records carry the request's context and
    /// session policies, for `tollgate replay`.
    pub audit_record_requests: Option<bool>,
    /// `reload-stall-secs`: a store reload running longer is reported as
    /// stalled.
    pub reload_stall_secs: Option<u64>,
    /// `ready-requires-fresh-store`: not ready while the serving revision's
    /// manifest has expired.
    pub ready_requires_fresh_store: Option<bool>,
    /// `ready-requires-live-reload`: not ready while a reload is stalled.
    pub ready_requires_live_reload: Option<bool>,
    /// `caller-principal-keys`: `refuse` or `ignore` a caller's value for a
    /// context key the store derives for the principal.
    pub caller_principal_keys: Option<String>,
    // Connection limits and the session policy budget (see `limits`).
    /// `max-connections`: open connections of the gRPC (and ext_authz) listener.
    pub max_connections: Option<u64>,
    /// `admin-max-connections`: open connections of the admin listener.
    pub admin_max_connections: Option<u64>,
    /// `max-concurrent-streams`: HTTP/2 streams one connection may have open.
    pub max_concurrent_streams: Option<u64>,
    /// `request-headers-timeout-secs`: time a new connection has to send its first request's headers.
    pub request_headers_timeout_secs: Option<u64>,
    /// `idle-timeout-secs`: a connection without a call this long is closed.
    pub idle_timeout_secs: Option<u64>,
    /// `http2-keepalive-interval-secs`: PING interval (0: off).
    pub http2_keepalive_interval_secs: Option<u64>,
    /// `http2-keepalive-timeout-secs`: an unanswered PING closes the connection after this.
    pub http2_keepalive_timeout_secs: Option<u64>,
    /// `max-send-buffer-bytes`: response bytes one stream may queue for a slow reader.
    pub max_send_buffer_bytes: Option<u64>,
    /// `max-session-policy-cost`: session policy bytes × context value bytes, at most.
    pub max_session_policy_cost: Option<u64>,
    /// `max-queue-wait-ms`: the longest an admitted call may wait for a worker (0: off).
    pub max_queue_wait_ms: Option<u64>,
    /// `http-listen`: `HOST:PORT` of the HTTP/JSON API's listener.
    pub http_listen: Option<String>,
    /// `admin-ui`: serve the policy simulator page on the admin listener.
    pub admin_ui: Option<bool>,
}

impl ConfigLayer {
    /// Reads a TOML configuration file; an unknown key is an error.
    pub fn from_toml_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError::single(format!("cannot read config file `{}`: {e}", path.display()))
        })?;
        Self::from_toml(&text).map_err(|e| ConfigError {
            faults: e
                .faults
                .into_iter()
                .map(|fault| format!("config file `{}`: {fault}", path.display()))
                .collect(),
        })
    }

    /// Reads TOML text; an unknown key is an error.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::single(e.to_string().trim_end().to_owned()))
    }

    /// Parses a whole number given as text for the setting `key`.
    pub fn number(key: &str, text: &str) -> Result<u64, ConfigError> {
        text.trim().parse().map_err(|_| {
            ConfigError::single(format!("`{key}`: expected a whole number, found `{text}`"))
        })
    }

    /// Parses a fraction such as `0.2` given as text for the setting `key`.
    pub fn fraction(key: &str, text: &str) -> Result<f64, ConfigError> {
        text.trim().parse().map_err(|_| {
            ConfigError::single(format!(
                "`{key}`: expected a number such as `0.2`, found `{text}`"
            ))
        })
    }

    /// This layer with unset settings taken from `lower`.
    pub fn over(self, lower: ConfigLayer) -> ConfigLayer {
        ConfigLayer {
            listen: self.listen.or(lower.listen),
            socket_mode: self.socket_mode.or(lower.socket_mode),
            admin_listen: self.admin_listen.or(lower.admin_listen),
            store: self.store.or(lower.store),
            store_endpoint: self.store_endpoint.or(lower.store_endpoint),
            poll_interval_secs: self.poll_interval_secs.or(lower.poll_interval_secs),
            poll_jitter: self.poll_jitter.or(lower.poll_jitter),
            cache_dir: self.cache_dir.or(lower.cache_dir),
            reload_debounce_ms: self.reload_debounce_ms.or(lower.reload_debounce_ms),
            rescan_interval_secs: self.rescan_interval_secs.or(lower.rescan_interval_secs),
            reload_priority: self.reload_priority.or(lower.reload_priority),
            drain_timeout_secs: self.drain_timeout_secs.or(lower.drain_timeout_secs),
            log_format: self.log_format.or(lower.log_format),
            log_level: self.log_level.or(lower.log_level),
            mesh_config: self.mesh_config.or(lower.mesh_config),
            ext_authz_listen: self.ext_authz_listen.or(lower.ext_authz_listen),
            max_in_flight: self.max_in_flight.or(lower.max_in_flight),
            max_message_bytes: self.max_message_bytes.or(lower.max_message_bytes),
            max_batch_size: self.max_batch_size.or(lower.max_batch_size),
            max_context_keys: self.max_context_keys.or(lower.max_context_keys),
            max_values_per_key: self.max_values_per_key.or(lower.max_values_per_key),
            max_value_bytes: self.max_value_bytes.or(lower.max_value_bytes),
            max_session_policies: self.max_session_policies.or(lower.max_session_policies),
            max_session_policy_bytes: self
                .max_session_policy_bytes
                .or(lower.max_session_policy_bytes),
            max_call_secs: self.max_call_secs.or(lower.max_call_secs),
            tls_cert: self.tls_cert.or(lower.tls_cert),
            tls_key: self.tls_key.or(lower.tls_key),
            tls_client_ca: self.tls_client_ca.or(lower.tls_client_ca),
            tls_reload_interval_secs: self
                .tls_reload_interval_secs
                .or(lower.tls_reload_interval_secs),
            verify_keys: self.verify_keys.or(lower.verify_keys),
            audit_log: self.audit_log.or(lower.audit_log),
            audit_max_file_mb: self.audit_max_file_mb.or(lower.audit_max_file_mb),
            audit_keep_files: self.audit_keep_files.or(lower.audit_keep_files),
            audit_decisions: self.audit_decisions.or(lower.audit_decisions),
            audit_sample_allows: self.audit_sample_allows.or(lower.audit_sample_allows),
            audit_queue: self.audit_queue.or(lower.audit_queue),
            audit_record_requests: self.audit_record_requests.or(lower.audit_record_requests),
            reload_stall_secs: self.reload_stall_secs.or(lower.reload_stall_secs),
            ready_requires_fresh_store: self
                .ready_requires_fresh_store
                .or(lower.ready_requires_fresh_store),
            ready_requires_live_reload: self
                .ready_requires_live_reload
                .or(lower.ready_requires_live_reload),
            caller_principal_keys: self.caller_principal_keys.or(lower.caller_principal_keys),
            max_connections: self.max_connections.or(lower.max_connections),
            admin_max_connections: self.admin_max_connections.or(lower.admin_max_connections),
            max_concurrent_streams: self.max_concurrent_streams.or(lower.max_concurrent_streams),
            request_headers_timeout_secs: self
                .request_headers_timeout_secs
                .or(lower.request_headers_timeout_secs),
            idle_timeout_secs: self.idle_timeout_secs.or(lower.idle_timeout_secs),
            http2_keepalive_interval_secs: self
                .http2_keepalive_interval_secs
                .or(lower.http2_keepalive_interval_secs),
            http2_keepalive_timeout_secs: self
                .http2_keepalive_timeout_secs
                .or(lower.http2_keepalive_timeout_secs),
            max_send_buffer_bytes: self.max_send_buffer_bytes.or(lower.max_send_buffer_bytes),
            max_session_policy_cost: self
                .max_session_policy_cost
                .or(lower.max_session_policy_cost),
            max_queue_wait_ms: self.max_queue_wait_ms.or(lower.max_queue_wait_ms),
            http_listen: self.http_listen.or(lower.http_listen),
            admin_ui: self.admin_ui.or(lower.admin_ui),
        }
    }
}

impl ServeConfig {
    /// Fills unset settings with defaults and checks every one; all faults
    /// are reported together.
    pub fn from_layer(layer: ConfigLayer) -> Result<ServeConfig, ConfigError> {
        let mut faults = Vec::new();
        let mut config = ServeConfig::default();
        let mut fault = |text: String| faults.push(text);

        if let Some(text) = &layer.listen {
            match parse_listen(text) {
                Ok(listen) => config.listen = listen,
                Err(e) => fault(format!("`listen`: {e}")),
            }
        }
        if let Some(text) = &layer.socket_mode {
            match parse_mode(text) {
                Ok(mode) => config.socket_mode = mode,
                Err(e) => fault(format!("`socket-mode`: {e}")),
            }
        }
        if let Some(text) = &layer.admin_listen {
            match parse_socket_addr(text) {
                Ok(addr) => config.admin_listen = addr,
                Err(e) => fault(format!("`admin-listen`: {e}")),
            }
        }
        match (&layer.store, store_url(layer.store.as_deref())) {
            (_, Some(url)) => {
                let bucket = BucketSource {
                    url: url.to_owned(),
                    endpoint: layer.store_endpoint.clone(),
                    options: BTreeMap::new(),
                };
                match bucket.location() {
                    Ok(_) => config.store = StoreSource::Bucket(bucket),
                    Err(e) => fault(format!("`store`: {e}")),
                }
            }
            (Some(dir), None) => match std::fs::metadata(dir) {
                Ok(meta) if meta.is_dir() => config.store = StoreSource::Dir(dir.clone()),
                Ok(_) => fault(format!("`store`: `{}` is not a folder", dir.display())),
                Err(e) => fault(format!("`store`: cannot read `{}`: {e}", dir.display())),
            },
            (None, None) => {}
        }
        if layer.store_endpoint.is_some() && store_url(layer.store.as_deref()).is_none() {
            fault(
                "`store-endpoint`: only for a `store` in object storage (`s3://bucket/prefix`)"
                    .to_owned(),
            );
        }
        if let Some(secs) = layer.poll_interval_secs {
            if secs == 0 || secs > 86_400 {
                fault(format!(
                    "`poll-interval-secs`: must be between 1 and 86400, found {secs}"
                ));
            } else {
                config.poll.interval = Duration::from_secs(secs);
            }
        }
        if let Some(jitter) = layer.poll_jitter {
            if (0.0..=1.0).contains(&jitter) {
                config.poll.jitter = jitter;
            } else {
                fault(format!(
                    "`poll-jitter`: must be a fraction between 0 and 1, found {jitter}"
                ));
            }
        }
        if let Some(dir) = &layer.cache_dir {
            if store_url(layer.store.as_deref()).is_none() {
                fault(
                    "`cache-dir`: only for a `store` in object storage (`s3://bucket/prefix`)"
                        .to_owned(),
                );
            } else {
                match std::fs::metadata(dir) {
                    Ok(meta) if !meta.is_dir() => {
                        fault(format!("`cache-dir`: `{}` is not a folder", dir.display()));
                    }
                    Ok(_) => config.poll.cache_dir = Some(dir.clone()),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        // Made by the first cache write.
                        config.poll.cache_dir = Some(dir.clone());
                    }
                    Err(e) => fault(format!("`cache-dir`: cannot read `{}`: {e}", dir.display())),
                }
            }
        }
        if let Some(ms) = layer.reload_debounce_ms {
            if ms == 0 || ms > 60_000 {
                fault(format!(
                    "`reload-debounce-ms`: must be between 1 and 60000, found {ms}"
                ));
            } else {
                config.reload_debounce = Duration::from_millis(ms);
            }
        }
        if let Some(secs) = layer.rescan_interval_secs {
            config.rescan_interval = (secs > 0).then(|| Duration::from_secs(secs));
        }
        if let Some(text) = &layer.reload_priority {
            match text.parse() {
                Ok(priority) => config.reload_priority = priority,
                Err(error) => fault(error),
            }
        }
        if let Some(secs) = layer.drain_timeout_secs {
            if secs > 3600 {
                fault(format!(
                    "`drain-timeout-secs`: must be at most 3600, found {secs}"
                ));
            } else {
                config.drain_timeout = Duration::from_secs(secs);
            }
        }
        if let Some(text) = &layer.log_format {
            match text.as_str() {
                "text" => config.log_format = LogFormat::Text,
                "json" => config.log_format = LogFormat::Json,
                other => fault(format!(
                    "`log-format`: expected `text` or `json`, found `{other}`"
                )),
            }
        }
        if let Some(level) = &layer.log_level {
            match crate::telemetry::check_filter(level) {
                Ok(()) => config.log_level = Some(level.clone()),
                Err(e) => fault(format!("`log-level`: {e}")),
            }
        }
        if let Some(path) = &layer.mesh_config {
            match MeshConfig::load(path) {
                Ok(mesh) => {
                    config.mesh = Some(MeshMapping {
                        path: path.clone(),
                        config: std::sync::Arc::new(mesh),
                    });
                }
                Err(e) => {
                    for f in e.faults {
                        fault(format!("`mesh-config` `{}`: {f}", path.display()));
                    }
                }
            }
        }
        if let Some(text) = &layer.ext_authz_listen {
            match parse_socket_addr(text) {
                Ok(addr) if addr.port() != 0 && addr == config.admin_listen => fault(format!(
                    "`ext-authz-listen` and `admin-listen` are the same address `{addr}`"
                )),
                Ok(addr) if addr.port() != 0 && config.listen == ListenAddr::Tcp(addr) => fault(
                    format!("`ext-authz-listen` and `listen` are the same address `{addr}`"),
                ),
                Ok(addr) => config.ext_authz_listen = Some(addr),
                Err(e) => fault(format!("`ext-authz-listen`: {e}")),
            }
        }
        if let Some(text) = &layer.http_listen {
            match parse_socket_addr(text) {
                Ok(addr) if addr.port() != 0 && addr == config.admin_listen => fault(format!(
                    "`http-listen` and `admin-listen` are the same address `{addr}`"
                )),
                Ok(addr) if addr.port() != 0 && config.listen == ListenAddr::Tcp(addr) => fault(
                    format!("`http-listen` and `listen` are the same address `{addr}`"),
                ),
                Ok(addr) if addr.port() != 0 && config.ext_authz_listen == Some(addr) => fault(
                    format!("`http-listen` and `ext-authz-listen` are the same address `{addr}`"),
                ),
                Ok(addr) => config.http_listen = Some(addr),
                Err(e) => fault(format!("`http-listen`: {e}")),
            }
        }
        if let Some(on) = layer.admin_ui {
            config.admin_ui = on;
        }
        read_limits(&layer, &mut config.limits, &mut fault);
        read_connection_limits(&layer, &mut config, &mut fault);
        config.tls = read_tls(&layer, &config.listen, &mut fault);
        if let Some(paths) = &layer.verify_keys {
            match verify_keys(paths, store_url(layer.store.as_deref()).is_some()) {
                Ok(keys) => config.poll.trusted_keys = keys,
                Err(faults) => faults.into_iter().for_each(&mut fault),
            }
        }
        match crate::audit::AuditSettings::from_layer(&layer) {
            Ok(audit) => config.audit = audit,
            Err(faults) => faults.into_iter().for_each(&mut fault),
        }
        if let Some(secs) = layer.reload_stall_secs {
            if secs == 0 || secs > 86_400 {
                fault(format!(
                    "`reload-stall-secs`: must be between 1 and 86400, found {secs}"
                ));
            } else {
                config.watchdog.stall_after = Duration::from_secs(secs);
            }
        }
        if let Some(on) = layer.ready_requires_fresh_store {
            config.watchdog.ready_requires_fresh_store = on;
        }
        if let Some(on) = layer.ready_requires_live_reload {
            config.watchdog.ready_requires_live_reload = on;
        }
        if let ListenAddr::Tcp(grpc) = config.listen
            && grpc.port() != 0
            && grpc == config.admin_listen
        {
            fault(format!(
                "`listen` and `admin-listen` are the same address `{grpc}`"
            ));
        }
        if let ListenAddr::Unix(path) = &config.listen {
            let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
            if let Some(parent) = parent
                && !parent.is_dir()
            {
                fault(format!(
                    "`listen`: the socket's folder `{}` does not exist",
                    parent.display()
                ));
            }
        }

        if faults.is_empty() {
            Ok(config)
        } else {
            Err(ConfigError { faults })
        }
    }
}

/// Reads the `max-*` settings; each must be between 1 and its ceiling.
fn read_limits(layer: &ConfigLayer, limits: &mut RequestLimits, fault: &mut impl FnMut(String)) {
    const MAX: u64 = 1 << 30;
    let mut set = |key: &str, given: Option<u64>, ceiling: u64, target: &mut usize| {
        if let Some(value) = given {
            match usize::try_from(value) {
                Ok(value) if (1..=ceiling).contains(&(value as u64)) => *target = value,
                _ => fault(format!(
                    "`{key}`: must be between 1 and {ceiling}, found {value}"
                )),
            }
        }
    };
    set(
        "max-in-flight",
        layer.max_in_flight,
        1 << 20,
        &mut limits.max_in_flight,
    );
    set(
        "max-message-bytes",
        layer.max_message_bytes,
        MAX,
        &mut limits.max_message_bytes,
    );
    set(
        "max-batch-size",
        layer.max_batch_size,
        MAX,
        &mut limits.max_batch_size,
    );
    set(
        "max-context-keys",
        layer.max_context_keys,
        MAX,
        &mut limits.max_context_keys,
    );
    set(
        "max-values-per-key",
        layer.max_values_per_key,
        MAX,
        &mut limits.max_values_per_key,
    );
    set(
        "max-value-bytes",
        layer.max_value_bytes,
        MAX,
        &mut limits.max_value_bytes,
    );
    set(
        "max-session-policies",
        layer.max_session_policies,
        MAX,
        &mut limits.max_session_policies,
    );
    set(
        "max-session-policy-bytes",
        layer.max_session_policy_bytes,
        MAX,
        &mut limits.max_session_policy_bytes,
    );
    let mut secs = usize::try_from(limits.max_call.as_secs()).unwrap_or(usize::MAX);
    set("max-call-secs", layer.max_call_secs, 3600, &mut secs);
    limits.max_call = Duration::from_secs(secs as u64);
    if let Some(text) = &layer.caller_principal_keys {
        match tollgate_policy::CallerPrincipalKeys::parse(text) {
            Some(value) => limits.caller_principal_keys = value,
            None => fault(format!(
                "`caller-principal-keys`: expected `refuse` or `ignore`, found `{text}`"
            )),
        }
    }
}

/// Reads the connection limits and `max-session-policy-cost`; each must be
/// within its range.
fn read_connection_limits(
    layer: &ConfigLayer,
    config: &mut ServeConfig,
    fault: &mut impl FnMut(String),
) {
    let mut within = |key: &str, given: Option<u64>, low: u64, high: u64| match given {
        Some(value) if (low..=high).contains(&value) => Some(value),
        Some(value) => {
            fault(format!(
                "`{key}`: must be between {low} and {high}, found {value}"
            ));
            None
        }
        None => None,
    };
    let limits = &mut config.connections;
    let count = |value: u64| usize::try_from(value).unwrap_or(usize::MAX);
    if let Some(n) = within("max-connections", layer.max_connections, 1, 1 << 20) {
        limits.max_connections = count(n);
    }
    if let Some(n) = within(
        "admin-max-connections",
        layer.admin_max_connections,
        1,
        1 << 16,
    ) {
        limits.admin_max_connections = count(n);
    }
    if let Some(n) = within(
        "max-concurrent-streams",
        layer.max_concurrent_streams,
        1,
        1 << 16,
    ) {
        limits.max_concurrent_streams = u32::try_from(n).unwrap_or(u32::MAX);
    }
    if let Some(secs) = within(
        "request-headers-timeout-secs",
        layer.request_headers_timeout_secs,
        1,
        3600,
    ) {
        limits.request_headers_timeout = Duration::from_secs(secs);
    }
    if let Some(secs) = within("idle-timeout-secs", layer.idle_timeout_secs, 1, 86_400) {
        limits.idle_timeout = Duration::from_secs(secs);
    }
    if let Some(secs) = within(
        "http2-keepalive-interval-secs",
        layer.http2_keepalive_interval_secs,
        0,
        86_400,
    ) {
        limits.keepalive_interval = (secs > 0).then(|| Duration::from_secs(secs));
    }
    if let Some(secs) = within(
        "http2-keepalive-timeout-secs",
        layer.http2_keepalive_timeout_secs,
        1,
        3600,
    ) {
        limits.keepalive_timeout = Duration::from_secs(secs);
    }
    if let Some(bytes) = within(
        "max-send-buffer-bytes",
        layer.max_send_buffer_bytes,
        1024,
        1 << 30,
    ) {
        limits.max_send_buffer_bytes = count(bytes);
    }
    if let Some(cost) = within(
        "max-session-policy-cost",
        layer.max_session_policy_cost,
        1,
        1 << 50,
    ) {
        config.limits.max_session_policy_cost = cost;
    }
    if let Some(ms) = within("max-queue-wait-ms", layer.max_queue_wait_ms, 0, 60_000) {
        config.limits.max_queue_wait = (ms > 0).then(|| Duration::from_millis(ms));
    }
}

/// Reads the `tls-*` settings: `tls-cert` and `tls-key` together, on a TCP
/// listener, files that exist (they are read, and checked, at bind).
fn read_tls(
    layer: &ConfigLayer,
    listen: &ListenAddr,
    fault: &mut impl FnMut(String),
) -> Option<TlsSettings> {
    let mut file = |key: &str, path: &Option<PathBuf>| {
        let path = path.as_ref()?;
        if path.is_file() {
            Some(path.clone())
        } else {
            fault(format!(
                "`{key}`: `{}` is not a readable file",
                path.display()
            ));
            None
        }
    };
    let cert = file("tls-cert", &layer.tls_cert);
    let key = file("tls-key", &layer.tls_key);
    let client_ca = file("tls-client-ca", &layer.tls_client_ca);
    let reload_interval = match layer.tls_reload_interval_secs {
        Some(secs) if secs == 0 || secs > 86_400 => {
            fault(format!(
                "`tls-reload-interval-secs`: must be between 1 and 86400, found {secs}"
            ));
            None
        }
        Some(secs) => Some(Duration::from_secs(secs)),
        None => Some(Duration::from_secs(DEFAULT_TLS_RELOAD_INTERVAL_SECS)),
    };
    let any = layer.tls_cert.is_some() || layer.tls_key.is_some() || layer.tls_client_ca.is_some();
    if !any {
        return None;
    }
    if layer.tls_cert.is_none() || layer.tls_key.is_none() {
        fault(
            "`tls-cert` and `tls-key`: TLS needs both (and `tls-client-ca` needs them)".to_owned(),
        );
        return None;
    }
    if matches!(listen, ListenAddr::Unix(_)) {
        fault("`tls-cert`: TLS is for a TCP `listen` address, not a Unix socket".to_owned());
        return None;
    }
    if layer.tls_client_ca.is_some() && client_ca.is_none() {
        return None;
    }
    Some(TlsSettings {
        cert: cert?,
        key: key?,
        client_ca,
        reload_interval: reload_interval?,
    })
}

/// The `store` setting as a URL (`SCHEME://...`), when it is one rather than
/// a folder.
fn store_url(store: Option<&Path>) -> Option<&str> {
    let text = store?.to_str()?;
    let (scheme, _) = text.split_once("://")?;
    let mut chars = scheme.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    (starts_with_letter && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
        .then_some(text)
}

/// Reads the `verify-keys` files; only for a store in object storage (a
/// folder store has no signatures to check).
fn verify_keys(
    paths: &[PathBuf],
    in_object_storage: bool,
) -> Result<Option<tollgate_bundle::TrustedKeys>, Vec<String>> {
    if paths.is_empty() {
        return Ok(None);
    }
    if !in_object_storage {
        return Err(vec![
            "`verify-keys`: only for a `store` in object storage (`tollgate publish --sign-key`); a folder store is not signed"
                .to_owned(),
        ]);
    }
    let mut keys = Vec::new();
    let mut faults = Vec::new();
    for path in paths {
        match tollgate_bundle::VerifyKey::read(path) {
            Ok(key) => keys.push(key),
            Err(e) => faults.push(format!("`verify-keys`: {e}")),
        }
    }
    if faults.is_empty() {
        Ok(Some(tollgate_bundle::TrustedKeys::new(keys)))
    } else {
        Err(faults)
    }
}

fn parse_listen(text: &str) -> Result<ListenAddr, String> {
    match text.strip_prefix("unix:") {
        Some("") => Err("`unix:` needs a socket path".to_owned()),
        Some(path) => Ok(ListenAddr::Unix(PathBuf::from(path))),
        None => parse_socket_addr(text).map(ListenAddr::Tcp),
    }
}

/// An IP address and port, or `localhost:PORT` for the IPv4 loopback
/// `127.0.0.1:PORT` (the name is not looked up: `localhost` is loopback by
/// definition, and a listener must not depend on a resolver).
fn parse_socket_addr(text: &str) -> Result<SocketAddr, String> {
    let expected = || {
        format!(
            "expected an IP address and port such as `127.0.0.1:50051` or `localhost:50051`, found `{text}`"
        )
    };
    if let Some((host, port)) = text.rsplit_once(':')
        && host.eq_ignore_ascii_case("localhost")
    {
        let port: u16 = port.parse().map_err(|_| expected())?;
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    text.parse().map_err(|_| expected())
}

fn parse_mode(text: &str) -> Result<u32, String> {
    let mode = u32::from_str_radix(text.trim_start_matches("0o"), 8)
        .map_err(|_| format!("expected octal permissions such as `0660`, found `{text}`"))?;
    if mode & 0o600 != 0o600 || mode & !0o770 != 0 {
        return Err(format!(
            "`{text}`: the owner needs read and write, others must have no access (such as `0600` or `0660`)"
        ));
    }
    Ok(mode)
}

/// What is wrong with a configuration: every fault found, each naming its
/// setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration: {}", faults.join("; "))]
pub struct ConfigError {
    /// One line per fault.
    pub faults: Vec<String>,
}

impl ConfigError {
    fn single(fault: String) -> Self {
        Self {
            faults: vec![fault],
        }
    }
}

#[cfg(test)]
mod tests;
