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
//! Each handshake runs in its own task with a timeout, so a slow or silent
//! client never blocks accepting others; failed handshakes are counted
//! (`tollgate_tls_handshake_failures_total`) and logged at debug.

use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwap;
use rustls::ServerConfig;
use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tonic::transport::server::{Connected, TcpConnectInfo};
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
            settings,
            config: Arc::new(ArcSwap::new(config)),
            seen,
        })
    }

    /// Accepts and handshakes until `stop` completes; the stream of
    /// established connections feeds tonic.
    pub(crate) fn into_incoming(
        self,
        stop: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> tokio_stream::wrappers::ReceiverStream<io::Result<TlsConnection>> {
        let (sender, receiver) = mpsc::channel(64);
        tokio::spawn(self.run(sender, stop));
        tokio_stream::wrappers::ReceiverStream::new(receiver)
    }

    async fn run(
        mut self,
        sender: mpsc::Sender<io::Result<TlsConnection>>,
        stop: impl std::future::Future<Output = ()>,
    ) {
        let mut check = tokio::time::interval(self.settings.reload_interval);
        check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(stop);
        loop {
            tokio::select! {
                () = &mut stop => return,
                _ = check.tick() => self.reload_if_changed(),
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, _peer)) => self.handshake(stream, sender.clone()),
                    // Out of file descriptors and the like: wait a little
                    // rather than spin; the listener itself stays.
                    Err(error) => {
                        warn!(%error, "cannot accept a gRPC connection");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
            }
        }
    }

    fn handshake(&self, stream: TcpStream, sender: mpsc::Sender<io::Result<TlsConnection>>) {
        let _ = stream.set_nodelay(true);
        let info = stream.connect_info();
        let acceptor = TlsAcceptor::from(self.config.load_full());
        tokio::spawn(async move {
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => {
                    let _ = sender.send(Ok(TlsConnection { tls, info })).await;
                }
                Ok(Err(error)) => {
                    metrics::counter!(TLS_HANDSHAKE_FAILURES).increment(1);
                    debug!(peer = ?info.remote_addr(), %error, "TLS handshake failed");
                }
                Err(_) => {
                    metrics::counter!(TLS_HANDSHAKE_FAILURES).increment(1);
                    debug!(peer = ?info.remote_addr(), "TLS handshake timed out");
                }
            }
        });
    }

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

/// An established TLS connection, as tonic serves it.
#[derive(Debug)]
pub(crate) struct TlsConnection {
    tls: TlsStream<TcpStream>,
    info: TcpConnectInfo,
}

impl Connected for TlsConnection {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.info.clone()
    }
}

impl AsyncRead for TlsConnection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tls).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsConnection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tls).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tls).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tls).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tls).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tls.is_write_vectored()
    }
}
