//! TLS on the gRPC listener, with certificates made by the test (rcgen): a
//! client that trusts the CA is served; with `tls-client-ca` a client
//! without a certificate is refused and one with a certificate is served;
//! replaced certificate files serve new connections while an open one
//! carries on; a stalled handshake does not block other clients.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use harness::{Running, http_get, photo_request, poll, store_dir, test_config};
use hyper_util::rt::TokioIo;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, SerialNumber,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tollgate_proto::v1::authorizer_client::AuthorizerClient;
use tollgate_server::config::TlsSettings;
use tonic::transport::{Channel, Endpoint};

/// A CA and what it signs.
struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// A certificate and its key, PEM and DER.
struct Leaf {
    cert_pem: String,
    key_pem: String,
    der: CertificateDer<'static>,
    key: KeyPair,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        Ca { issuer }
    }

    fn pem(&self) -> String {
        self.issuer.pem()
    }

    fn leaf(&self, name: &str, serial: u64) -> Leaf {
        let mut params = CertificateParams::new(vec![name.to_owned()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.serial_number = Some(SerialNumber::from(serial));
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Leaf {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            der: cert.der().clone(),
            key,
        }
    }
}

fn write_leaf(dir: &Path, leaf: &Leaf) -> (std::path::PathBuf, std::path::PathBuf) {
    let (cert, key) = (dir.join("server.pem"), dir.join("server.key"));
    // Written aside and renamed in, as a certificate manager does.
    for (path, text) in [(&cert, &leaf.cert_pem), (&key, &leaf.key_pem)] {
        let temp = path.with_extension("tmp");
        std::fs::write(&temp, text).unwrap();
        std::fs::rename(&temp, path).unwrap();
    }
    (cert, key)
}

/// A rustls client trusting `ca`, presenting `identity` when given.
fn connector(ca: &Ca, identity: Option<&Leaf>) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.issuer.der().clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let mut config = match identity {
        None => builder.with_no_client_auth(),
        Some(leaf) => {
            let key = PrivateKeyDer::try_from(leaf.key.serialize_der()).unwrap();
            builder
                .with_client_auth_cert(vec![leaf.der.clone()], key)
                .unwrap()
        }
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    TlsConnector::from(Arc::new(config))
}

/// A gRPC client over TLS to `addr`.
async fn tls_client(
    addr: SocketAddr,
    connector: TlsConnector,
) -> Result<AuthorizerClient<Channel>, tonic::transport::Error> {
    let channel = Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(5))
        .connect_with_connector(tower::service_fn(move |_uri| {
            let connector = connector.clone();
            async move {
                let tcp = TcpStream::connect(addr).await?;
                let name = ServerName::try_from("localhost").unwrap();
                let tls = connector.connect(name, tcp).await?;
                Ok::<_, std::io::Error>(TokioIo::new(tls))
            }
        }))
        .await?;
    Ok(AuthorizerClient::new(channel))
}

/// The certificate the server presents to a new connection.
async fn presented(addr: SocketAddr, connector: &TlsConnector) -> CertificateDer<'static> {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let tls = connector.connect(name, tcp).await.unwrap();
    tls.get_ref().1.peer_certificates().unwrap()[0].clone()
}

async fn start(settings: TlsSettings) -> Running {
    let dir = store_dir();
    let mut config = test_config(dir.path());
    config.tls = Some(settings);
    let server = Running::start(config).await;
    // The store is loaded at bind; the folder may go.
    drop(dir);
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_serves_and_a_replaced_certificate_serves_new_connections() {
    let files = tempfile::tempdir().unwrap();
    let ca = Ca::new("tollgate test CA");
    let first = ca.leaf("localhost", 1001);
    let (cert, key) = write_leaf(files.path(), &first);
    let server = start(TlsSettings {
        cert,
        key,
        client_ca: None,
        reload_interval: Duration::from_millis(100),
    })
    .await;
    let trusting = connector(&ca, None);

    let mut client = tls_client(server.grpc, trusting.clone()).await.unwrap();
    client.authorize(photo_request()).await.unwrap();
    assert_eq!(presented(server.grpc, &trusting).await, first.der);

    // Plaintext gRPC to a TLS listener fails (and does not harm it).
    let plain = Endpoint::from_shared(format!("http://{}", server.grpc))
        .unwrap()
        .timeout(Duration::from_secs(2))
        .connect()
        .await;
    if let Ok(channel) = plain {
        assert!(
            AuthorizerClient::new(channel)
                .authorize(photo_request())
                .await
                .is_err()
        );
    }

    // A silent client holding a connection open does not block others.
    let _silent = TcpStream::connect(server.grpc).await.unwrap();

    let second = ca.leaf("localhost", 2002);
    write_leaf(files.path(), &second);
    let addr = server.grpc;
    let seen = poll(Duration::from_secs(5), || {
        let trusting = trusting.clone();
        let expected = second.der.clone();
        async move { (presented(addr, &trusting).await == expected).then_some(()) }
    })
    .await;
    assert!(seen.is_some(), "a new connection sees the new certificate");
    // The connection opened before the change carries on.
    client.authorize(photo_request()).await.unwrap();

    // Files that do not load leave the last good certificate serving.
    std::fs::write(files.path().join("server.pem"), "not a certificate").unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(presented(server.grpc, &trusting).await, second.der);
    let (_, metrics) = http_get(server.admin, "/metrics").await;
    assert!(
        metrics.contains("tollgate_tls_reloads_total{outcome=\"failure\"}"),
        "{metrics}"
    );
    server.join().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_requires_a_client_certificate_from_the_ca() {
    let files = tempfile::tempdir().unwrap();
    let ca = Ca::new("tollgate test CA");
    let (cert, key) = write_leaf(files.path(), &ca.leaf("localhost", 1));
    let client_ca = files.path().join("clients.pem");
    let clients = Ca::new("tollgate clients CA");
    std::fs::write(&client_ca, clients.pem()).unwrap();
    let server = start(TlsSettings {
        cert,
        key,
        client_ca: Some(client_ca),
        reload_interval: Duration::from_secs(10),
    })
    .await;

    // Without a certificate, or with one of another CA: refused.
    let stranger = Ca::new("another CA").leaf("app", 3);
    for identity in [None, Some(&stranger)] {
        let refused = match tls_client(server.grpc, connector(&ca, identity)).await {
            Err(_) => true,
            Ok(mut client) => client.authorize(photo_request()).await.is_err(),
        };
        assert!(refused, "a client without a valid certificate is refused");
    }
    let admin = server.admin;
    let counted = poll(Duration::from_secs(5), || async move {
        let (_, metrics) = http_get(admin, "/metrics").await;
        metrics
            .lines()
            .find_map(|line| line.strip_prefix("tollgate_tls_handshake_failures_total "))
            .and_then(|value| value.trim().parse::<f64>().ok())
            .filter(|count| *count >= 2.0)
    })
    .await;
    assert!(counted.is_some(), "failed handshakes are counted");

    // With a certificate the client CA signed: served.
    let app = clients.leaf("app", 4);
    let mut client = tls_client(server.grpc, connector(&ca, Some(&app)))
        .await
        .unwrap();
    client.authorize(photo_request()).await.unwrap();
    server.join().await.unwrap();
}
