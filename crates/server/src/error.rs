//! Why the server could not start or stopped with an error.

use crate::config::ConfigError;
use crate::grpc::ServicesError;
use crate::metrics::MetricsError;
use crate::reload::{LoadError, WatchError};

/// Why [`crate::run`] failed. [`ServeError::exit_code`] maps each to the
/// binary's exit status.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The configuration is invalid; nothing was bound.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The store could not be loaded at startup; nothing was bound.
    #[error("cannot load the store: {0}")]
    Store(#[from] LoadError),
    /// The metrics recorder could not be installed.
    #[error(transparent)]
    Metrics(#[from] MetricsError),
    /// The gRPC services could not be assembled.
    #[error(transparent)]
    Services(#[from] ServicesError),
    /// The HTTP/JSON API could not be assembled (a build defect).
    #[error(transparent)]
    HttpApi(#[from] crate::http_api::DescriptorError),
    /// A listener could not be bound.
    #[error("cannot listen for {what} on {addr}: {source}")]
    Bind {
        /// `gRPC` or `admin`.
        what: &'static str,
        /// The address as configured.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// The TLS files could not be used; nothing was served.
    #[error(transparent)]
    Tls(#[from] crate::server::tls::TlsError),
    /// The store folder could not be watched.
    #[error(transparent)]
    Watch(#[from] WatchError),
    /// The gRPC server failed.
    #[error("the gRPC server failed: {0}")]
    Grpc(#[source] tonic::transport::Error),
    /// The audit log could not be opened.
    #[error(transparent)]
    Audit(#[from] crate::audit::AuditError),
    /// A server task panicked.
    #[error("a server task failed: {0}")]
    Task(String),
}

/// `EX_USAGE` of sysexits.h: bad configuration (or a store that does not
/// load at startup); nothing was bound.
pub const EXIT_CONFIG: u8 = 64;

impl ServeError {
    /// The process exit status for this error: [`EXIT_CONFIG`] (64) when
    /// the configuration or the initial store is bad, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            ServeError::Config(_) | ServeError::Store(_) | ServeError::Tls(_) => EXIT_CONFIG,
            _ => 1,
        }
    }
}
