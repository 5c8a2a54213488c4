//! The client against a real sidecar (the server library in process, the
//! embedded example store): TCP and Unix socket, coalescing with a
//! malformed request among many, retries while no revision is loaded, and
//! the deadline bounding them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_stream::wrappers::TcpListenerStream;
use tollgate_client::{
    AuthorizeRequest, Client, ClientConfig, ClientError, Coalescing, Decision, Target,
};
use tollgate_server::Server;
use tollgate_server::config::{ListenAddr, ServeConfig, StoreSource};
use tollgate_server::state::{PolicyState, Snapshot};

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
const PHOTO: &str = "arn:aws:s3:::example-photos/cat.jpg";

/// `tollgate serve` of the embedded example store on `listen`, until the
/// sender is dropped.
async fn sidecar(listen: ListenAddr) -> (Target, oneshot::Sender<()>) {
    let config = ServeConfig {
        listen,
        admin_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        store: StoreSource::Embedded,
        rescan_interval: None,
        drain_timeout: Duration::from_secs(2),
        ..ServeConfig::default()
    };
    let server = Server::bind(config).await.unwrap();
    let target = match server.grpc_addr() {
        ListenAddr::Tcp(addr) => Target::Tcp(format!("http://{addr}")),
        ListenAddr::Unix(path) => Target::Unix(path.clone()),
    };
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(server.serve(async {
        let _ = stopped.await;
    }));
    (target, stop)
}

fn ask(action: &str) -> AuthorizeRequest {
    AuthorizeRequest {
        principal: ALICE.into(),
        action: action.into(),
        resource: PHOTO.into(),
        ..AuthorizeRequest::default()
    }
}

async fn decisions_over(target: &Target, config: ClientConfig) {
    let client = Client::connect(target, config).await.unwrap();
    let allowed = client.authorize(ask("s3:GetObject")).await.unwrap();
    assert_eq!(allowed.decision, Decision::Allowed);
    assert!(allowed.is_allowed());
    assert!(!allowed.revision.is_empty());
    let denied = client.authorize(ask("iam:CreateUser")).await.unwrap();
    assert!(!denied.is_allowed(), "{denied:?}");
    let mut bad = ask("s3:GetObject");
    bad.resource_account = "42".into();
    let error = client.authorize(bad).await.unwrap_err();
    assert_eq!(error.code(), tonic::Code::InvalidArgument, "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decides_over_tcp_and_a_unix_socket() {
    let (tcp, _stop_tcp) = sidecar(ListenAddr::Tcp(SocketAddr::from(([127, 0, 0, 1], 0)))).await;
    decisions_over(&tcp, ClientConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let socket: PathBuf = dir.path().join("grpc.sock");
    let (unix, _stop_unix) = sidecar(ListenAddr::Unix(socket.clone())).await;
    assert_eq!(unix, Target::Unix(socket));
    decisions_over(&unix, ClientConfig::default()).await;
    let missing = Target::Unix(dir.path().join("absent.sock"));
    let error = Client::connect(&missing, ClientConfig::default())
        .await
        .unwrap_err();
    assert!(matches!(error, ClientError::Connect { .. }), "{error}");
}

/// Hundreds of concurrent calls through the coalescer each get their own
/// answer; the malformed one gets its own error, the others their
/// decisions (the batch it spoiled is asked again one by one).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coalesced_calls_each_get_their_own_answer() {
    let (tcp, _stop) = sidecar(ListenAddr::Tcp(SocketAddr::from(([127, 0, 0, 1], 0)))).await;
    let config = ClientConfig {
        coalescing: Some(Coalescing {
            window: Duration::from_micros(200),
            ..Coalescing::default()
        }),
        ..ClientConfig::default()
    };
    let client = Client::connect(&tcp, config).await.unwrap();
    let calls: Vec<_> = (0..400)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                let mut request = ask(if i % 2 == 0 {
                    "s3:GetObject"
                } else {
                    "iam:CreateUser"
                });
                if i == 123 {
                    request.resource_account = "42".into();
                }
                (i, client.authorize(request).await)
            })
        })
        .collect();
    for call in calls {
        let (i, result) = call.await.unwrap();
        match (i, result) {
            (123, Err(error)) => assert_eq!(error.code(), tonic::Code::InvalidArgument),
            (123, Ok(answer)) => panic!("the malformed request was decided: {answer:?}"),
            (i, Ok(answer)) => assert_eq!(answer.is_allowed(), i % 2 == 0, "call {i}"),
            (i, Err(error)) => panic!("call {i} failed: {error}"),
        }
    }
}

/// The services over `state`, on an ephemeral port (no edge needed here).
async fn services_over(state: Arc<PolicyState>) -> Target {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let routes = tollgate_server::grpc::services(state).await.unwrap().routes;
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_routes(routes)
            .serve_with_incoming(TcpListenerStream::new(listener)),
    );
    Target::Tcp(format!("http://{addr}"))
}

/// `UNAVAILABLE` (no revision yet) is retried with backoff until a
/// revision loads; without one, the deadline ends the retries with an
/// error, never an answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unavailable_is_retried_within_the_deadline() {
    let state = Arc::new(PolicyState::empty());
    let target = services_over(state.clone()).await;
    let patient = ClientConfig {
        deadline: Duration::from_secs(5),
        retries: 100,
        backoff: Duration::from_millis(2),
        ..ClientConfig::default()
    };
    let client = Client::connect(&target, patient).await.unwrap();
    let loader = {
        let state = state.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let store = tollgate_server::reload::load(&StoreSource::Embedded).unwrap();
            state.install(Snapshot {
                store,
                source: "embedded example".into(),
                loaded_at: SystemTime::now(),
            });
        })
    };
    let answer = client.authorize(ask("s3:GetObject")).await.unwrap();
    assert!(answer.is_allowed());
    loader.await.unwrap();

    let empty = services_over(Arc::new(PolicyState::empty())).await;
    let impatient = ClientConfig {
        deadline: Duration::from_millis(150),
        retries: 1000,
        backoff: Duration::from_millis(1),
        ..ClientConfig::default()
    };
    let client = Client::connect(&empty, impatient).await.unwrap();
    let started = Instant::now();
    let error = client.authorize(ask("s3:GetObject")).await.unwrap_err();
    assert!(matches!(error, ClientError::Deadline(_)), "{error}");
    assert!(started.elapsed() < Duration::from_secs(2));
    let once = ClientConfig {
        retries: 0,
        ..ClientConfig::default()
    };
    let client = Client::connect(&empty, once).await.unwrap();
    let error = client.authorize(ask("s3:GetObject")).await.unwrap_err();
    assert_eq!(error.code(), tonic::Code::Unavailable, "{error}");
}
