//! Shared by the server's integration tests: a store folder with one user
//! whose policy the tests rewrite, a server on 127.0.0.1 ephemeral ports, a
//! gRPC client, and a bare HTTP/1.0 GET for the admin listener.
#![allow(dead_code, reason = "each test file uses part of the harness")]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tollgate_proto::v1::authorizer_client::AuthorizerClient;
use tollgate_proto::v1::{AuthorizeRequest, Decision, GetPolicyStatusRequest, PolicyStatus};
use tollgate_server::config::{ListenAddr, ServeConfig, StoreSource};
use tollgate_server::state::PolicyState;
use tollgate_server::{Reloader, ServeError, Server};
use tonic::transport::Channel;

/// The user whose policy the tests rewrite.
pub const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
/// Alice's file in the store.
pub const ALICE_FILE: &str = "accounts/111122223333/users/alice.json";
/// The object the tests ask about.
pub const PHOTO: &str = "arn:aws:s3:::photos/cat.jpg";

/// Alice's user file with one inline statement of `effect` on the photos
/// bucket; `sid` makes otherwise equal stores differ.
pub fn alice(effect: &str, sid: &str) -> String {
    format!(
        r#"{{"InlinePolicies": {{"photos": {{"Version": "2012-10-17", "Statement": [
            {{"Sid": "{sid}", "Effect": "{effect}", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}}
        ]}}}}}}"#
    )
}

/// Writes `text` to `dir/relative` atomically: a hidden temporary file (the
/// store ignores names starting with `.`) renamed over the target.
pub fn write_atomic(dir: &Path, relative: &str, text: &str) {
    let target = dir.join(relative);
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    let temp = target.with_file_name(format!(
        ".{}.tmp",
        target.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(&temp, text).unwrap();
    std::fs::rename(&temp, &target).unwrap();
}

/// A new store folder where alice is allowed by statement `A`.
pub fn store_dir() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_atomic(dir.path(), ALICE_FILE, &alice("Allow", "A"));
    dir
}

/// The revision of a store holding only alice's file with `text`.
pub fn revision_of(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    write_atomic(dir.path(), ALICE_FILE, text);
    tollgate_server::reload::load(&StoreSource::Dir(dir.path().to_path_buf()))
        .unwrap()
        .revision()
        .to_owned()
}

/// A configuration for tests: both listeners on 127.0.0.1:0, a short
/// debounce, no rescan, a short drain.
pub fn test_config(store: &Path) -> ServeConfig {
    ServeConfig {
        listen: ListenAddr::Tcp(SocketAddr::from(([127, 0, 0, 1], 0))),
        admin_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        store: StoreSource::Dir(store.to_path_buf()),
        reload_debounce: Duration::from_millis(50),
        rescan_interval: None,
        drain_timeout: Duration::from_secs(5),
        ..ServeConfig::default()
    }
}

/// A running server.
pub struct Running {
    pub grpc: SocketAddr,
    pub admin: SocketAddr,
    /// The separate ext_authz listener, when configured.
    pub ext_authz: Option<SocketAddr>,
    /// The HTTP/JSON API's listener, when configured.
    pub http: Option<SocketAddr>,
    pub state: Arc<PolicyState>,
    pub reloader: Reloader,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), ServeError>>,
}

impl Running {
    /// Binds and starts serving `config`.
    pub async fn start(config: ServeConfig) -> Running {
        let server = Server::bind(config).await.unwrap();
        let ListenAddr::Tcp(grpc) = *server.grpc_addr() else {
            panic!("a TCP listener was configured");
        };
        let admin = server.admin_addr();
        let ext_authz = server.ext_authz_addr();
        let http = server.http_addr();
        let state = server.state().clone();
        let reloader = server.reloader().clone();
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(server.serve(async {
            let _ = stopped.await;
        }));
        Running {
            grpc,
            admin,
            ext_authz,
            http,
            state,
            reloader,
            stop: Some(stop),
            task,
        }
    }

    /// A client on its own connection.
    pub async fn client(&self) -> AuthorizerClient<Channel> {
        connect(self.grpc).await
    }

    /// Starts the shutdown; [`Running::join`] waits for it.
    pub fn shut_down(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Shuts down and waits (at most 10 s) for `serve` to return.
    pub async fn join(mut self) -> Result<(), ServeError> {
        self.shut_down();
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("serve returns within 10 s of shutdown")
            .unwrap()
    }
}

/// A client of the gRPC server at `addr`.
pub async fn connect(addr: SocketAddr) -> AuthorizerClient<Channel> {
    AuthorizerClient::new(channel(addr).await)
}

/// A connection to the gRPC server at `addr`; each call times out after 5 s.
pub async fn channel(addr: SocketAddr) -> Channel {
    Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(5))
        .connect()
        .await
        .unwrap()
}

/// The question the tests ask: may alice get the photo?
pub fn photo_request() -> AuthorizeRequest {
    AuthorizeRequest {
        principal: ALICE.to_owned(),
        action: "s3:GetObject".to_owned(),
        resource: PHOTO.to_owned(),
        ..AuthorizeRequest::default()
    }
}

/// Asks the photo question; the decision and the revision that decided.
pub async fn ask(client: &mut AuthorizerClient<Channel>) -> (Decision, String) {
    let answer = client
        .authorize(photo_request())
        .await
        .unwrap()
        .into_inner();
    (answer.decision(), answer.revision)
}

/// The policy status.
pub async fn status(client: &mut AuthorizerClient<Channel>) -> PolicyStatus {
    client
        .get_policy_status(GetPolicyStatusRequest {})
        .await
        .unwrap()
        .into_inner()
}

/// Polls `check` every 20 ms until it returns `Some`, for at most `limit`;
/// the value and the time it took.
pub async fn poll<T, F, Fut>(limit: Duration, mut check: F) -> Option<(T, Duration)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(value) = check().await {
            return Some((value, start.elapsed()));
        }
        if start.elapsed() >= limit {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `GET path` over HTTP/1.0: the status code and the body.
pub async fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_string(&mut response))
        .await
        .unwrap()
        .unwrap();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {response}"));
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// A path in `dir`.
pub fn path_in(dir: &TempDir, relative: &str) -> PathBuf {
    dir.path().join(relative)
}
