//! TLS on the gRPC listener, with rustls: the certificate chain and key
//! (PEM), and with a client CA bundle mutual TLS (every client must present
//! a certificate that CA signed).
//!
//! The files are re-checked every `tls-reload-interval-secs`: when one has
//! changed (size or modification time), all are read again and new
//! handshakes use the new configuration; connections already open carry on.
//! A set of files that does not load is logged and counted, and the
//! previous configuration keeps serving.
//!
//! Each handshake runs in its connection's task with a timeout, so a slow
//! or silent client never blocks accepting others (and counts against
//! `max-connections` meanwhile); failed handshakes are counted
//! (`tollgate_tls_handshake_failures_total`) and logged at debug.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwap;
use rustls::ServerConfig;
use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tracing::{debug, info, warn};

use crate::config::TlsSettings;
use crate::metrics::{TLS_HANDSHAKE_FAILURES, TLS_RELOADS};

/// How long a client has to finish its handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the TLS files could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read or holds no usable PEM item.
    #[error("`{setting}` `{path}`: {message}")]
    File {
        /// The setting naming the file (`tls-cert`, `tls-key`, `tls-client-ca`).
        setting: &'static str,
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// rustls refused the combination (a key that does not match the
    /// certificate, an unusable CA ...).
    #[error("TLS configuration: {0}")]
    Config(String),
}

fn file_error(setting: &'static str, path: &Path, message: impl ToString) -> TlsError {
    TlsError::File {
        setting,
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

/// Reads the files of `settings` into a rustls server configuration that
/// offers HTTP/2.
pub fn load_config(settings: &TlsSettings) -> Result<Arc<ServerConfig>, TlsError> {
    let certs = CertificateDer::pem_file_iter(&settings.cert)
        .map_err(|e| file_error("tls-cert", &settings.cert, e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| file_error("tls-cert", &settings.cert, e))?;
    if certs.is_empty() {
        return Err(file_error(
            "tls-cert",
            &settings.cert,
            "no CERTIFICATE in the file",
        ));
    }
    let key = PrivateKeyDer::from_pem_file(&settings.key)
        .map_err(|e| file_error("tls-key", &settings.key, e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?;
    let builder = match &settings.client_ca {
        None => builder.with_no_client_auth(),
        Some(path) => {
            let mut roots = rustls::RootCertStore::empty();
            let cas = CertificateDer::pem_file_iter(path)
                .map_err(|e| file_error("tls-client-ca", path, e))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| file_error("tls-client-ca", path, e))?;
            if cas.is_empty() {
                return Err(file_error(
                    "tls-client-ca",
                    path,
                    "no CERTIFICATE in the file",
                ));
            }
            for ca in cas {
                roots
                    .add(ca)
                    .map_err(|e| file_error("tls-client-ca", path, e))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| TlsError::Config(e.to_string()))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder
        .with_single_cert(certs, key)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(Arc::new(config))
}

/// Size and modification time of each file: what a change is seen by.
type Fingerprint = Vec<Option<(u64, SystemTime)>>;

fn fingerprint(settings: &TlsSettings) -> Fingerprint {
    let mut paths = vec![&settings.cert, &settings.key];
    paths.extend(settings.client_ca.as_ref());
    paths
        .into_iter()
        .map(|path| {
            let meta = std::fs::metadata(path).ok()?;
            Some((meta.len(), meta.modified().ok()?))
        })
        .collect()
}

/// A TCP listener whose connections are handed on after a TLS handshake.
#[derive(Debug)]
pub(crate) struct TlsListener {
    listener: TcpListener,
    files: TlsFiles,
}

/// The TLS files, what they looked like when last read, and the
/// configuration read from them.
#[derive(Debug)]
struct TlsFiles {
    settings: TlsSettings,
    config: Arc<ArcSwap<ServerConfig>>,
    seen: Fingerprint,
}

impl TlsListener {
    /// Reads the TLS files (a fault here stops the start-up).
    pub(crate) fn new(listener: TcpListener, settings: TlsSettings) -> Result<Self, TlsError> {
        let seen = fingerprint(&settings);
        let config = load_config(&settings)?;
        Ok(Self {
            listener,
            files: TlsFiles {
                settings,
                config: Arc::new(ArcSwap::new(config)),
                seen,
            },
        })
    }

    /// The plain listener, and the handshake every accepted connection goes
    /// through; the files are re-checked until `stop` completes.
    pub(crate) fn into_parts(
        self,
        stop: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> (TcpListener, TlsHandshake) {
        let Self {
            listener,
            mut files,
        } = self;
        let handshake = TlsHandshake {
            config: files.config.clone(),
        };
        tokio::spawn(async move {
            let mut check = tokio::time::interval(files.settings.reload_interval);
            check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tokio::pin!(stop);
            loop {
                tokio::select! {
                    () = &mut stop => return,
                    _ = check.tick() => files.reload_if_changed(),
                }
            }
        });
        (listener, handshake)
    }
}

impl TlsFiles {
    fn reload_if_changed(&mut self) {
        let now = fingerprint(&self.settings);
        if now == self.seen {
            return;
        }
        self.seen = now;
        match load_config(&self.settings) {
            Ok(config) => {
                self.config.store(config);
                metrics::counter!(TLS_RELOADS, "outcome" => "success").increment(1);
                info!(cert = %self.settings.cert.display(), "TLS files reloaded");
            }
            Err(error) => {
                metrics::counter!(TLS_RELOADS, "outcome" => "failure").increment(1);
                warn!(%error, "TLS files changed but do not load: the previous ones keep serving");
            }
        }
    }
}

/// The TLS handshake of accepted connections, with the configuration the
/// files last loaded into.
#[derive(Debug, Clone)]
pub(crate) struct TlsHandshake {
    config: Arc<ArcSwap<ServerConfig>>,
}

impl TlsHandshake {
    /// The established connection, or `None` (counted, logged at debug)
    /// when the handshake fails or takes longer than [`HANDSHAKE_TIMEOUT`].
    pub(crate) async fn accept(&self, stream: TcpStream) -> Option<TlsStream<TcpStream>> {
        let peer = stream.peer_addr().ok();
        let acceptor = TlsAcceptor::from(self.config.load_full());
        match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
            Ok(Ok(tls)) => Some(tls),
            Ok(Err(error)) => {
                metrics::counter!(TLS_HANDSHAKE_FAILURES).increment(1);
                debug!(?peer, %error, "TLS handshake failed");
                None
            }
            Err(_) => {
                metrics::counter!(TLS_HANDSHAKE_FAILURES).increment(1);
                debug!(?peer, "TLS handshake timed out");
                None
            }
        }
    }
}
