#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The quick mode CI runs: the load tester against a real tollgate server
//! (the server library, in process, on 127.0.0.1 ephemeral ports) for about
//! a second per call type at a low rate, and against a tiny in-test Envoy
//! `Authorization` server for `Check`; plus the failure paths (expectation
//! mismatches, drops under a slow server, store swaps seen).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;
use envoy_types::ext_authz::v3::CheckResponseExt;
use envoy_types::ext_authz::v3::pb::{
    Authorization, AuthorizationServer, CheckRequest, CheckResponse,
};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tollgate_loadtest::{Args, Report, execute};
use tollgate_server::Server;
use tollgate_server::config::{ListenAddr, ServeConfig, StoreSource};
use tonic::transport::server::TcpIncoming;
use tonic::{Request, Response, Status};

/// A tollgate server serving `store` until the sender is dropped.
async fn tollgate(store: StoreSource) -> (String, oneshot::Sender<()>) {
    let config = ServeConfig {
        listen: ListenAddr::Tcp(SocketAddr::from(([127, 0, 0, 1], 0))),
        admin_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        store,
        reload_debounce: Duration::from_millis(20),
        rescan_interval: None,
        drain_timeout: Duration::from_secs(2),
        ..ServeConfig::default()
    };
    let server = Server::bind(config).await.unwrap();
    let ListenAddr::Tcp(addr) = *server.grpc_addr() else {
        panic!("a TCP listener was configured");
    };
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(server.serve(async {
        let _ = stopped.await;
    }));
    (format!("http://{addr}"), stop)
}

/// An Envoy ext_authz server: allows sources whose principal ends with
/// `/sa/photo-app`, denies the others, after `delay`.
struct Envoyish {
    delay: Duration,
}

#[tonic::async_trait]
impl Authorization for Envoyish {
    async fn check(
        &self,
        request: Request<CheckRequest>,
    ) -> Result<Response<CheckResponse>, Status> {
        tokio::time::sleep(self.delay).await;
        let request = request.into_inner();
        let attributes = request.attributes.unwrap_or_default();
        let principal = attributes.source.map(|s| s.principal).unwrap_or_default();
        let http = attributes.request.and_then(|r| r.http).unwrap_or_default();
        if http.method.is_empty() || http.headers.get(":path") != Some(&http.path) {
            return Err(Status::invalid_argument("no HTTP attributes"));
        }
        let status = if principal.ends_with("/sa/photo-app") {
            Status::ok("")
        } else {
            Status::permission_denied("not the photo app")
        };
        Ok(Response::new(CheckResponse::with_status(status)))
    }
}

async fn envoyish(delay: Duration) -> (String, oneshot::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(AuthorizationServer::new(Envoyish { delay }))
            .serve_with_incoming_shutdown(TcpIncoming::from(listener), async {
                let _ = stopped.await;
            }),
    );
    (format!("http://{addr}"), stop)
}

async fn load(target: &str, flags: &[&str]) -> Report {
    let mut argv = vec!["tollgate-loadtest", "--target", target];
    argv.extend_from_slice(flags);
    let args = Args::try_parse_from(argv).unwrap();
    tokio::time::timeout(Duration::from_secs(30), execute(&args))
        .await
        .expect("the load test finished in time")
        .unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorize_open_loop_answers_every_call_as_expected() {
    let (target, _stop) = tollgate(StoreSource::Embedded).await;
    let report = load(
        &target,
        &[
            "--rate",
            "300",
            "--duration",
            "1s",
            "--connections",
            "3",
            "--check-expect",
        ],
    )
    .await;
    assert!(report.is_clean(), "{}", report.to_table());
    assert_eq!(report.mode, "open-loop");
    assert_eq!(report.sent, 300);
    assert_eq!(report.ok, 300);
    assert_eq!(report.decisions, 300);
    assert_eq!(report.revisions_seen, 1);
    assert!(
        report.achieved_rate > 200.0 && report.achieved_rate <= 301.0,
        "{}",
        report.to_table()
    );
    let latency = report.latency_us;
    assert_eq!(latency.count, 300);
    assert!(latency.p50 > 0.0 && latency.p50 <= latency.p99 && latency.p99 <= latency.max);
    assert!(report.send_lag_us.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorize_batch_counts_each_decision() {
    let (target, _stop) = tollgate(StoreSource::Embedded).await;
    let report = load(
        &target,
        &[
            "--call",
            "authorize-batch",
            "--batch-size",
            "25",
            "--rate",
            "100",
            "--duration",
            "1s",
            "--check-expect",
        ],
    )
    .await;
    assert!(report.is_clean(), "{}", report.to_table());
    assert_eq!(report.ok, 100);
    assert_eq!(report.decisions, 2500);
    assert_eq!(report.batch_size, 25);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_loop_finds_throughput() {
    let (target, _stop) = tollgate(StoreSource::Embedded).await;
    let report = load(
        &target,
        &[
            "--rate",
            "max",
            "--concurrency",
            "4",
            "--connections",
            "2",
            "--duration",
            "500ms",
            "--check-expect",
        ],
    )
    .await;
    assert!(report.is_clean(), "{}", report.to_table());
    assert_eq!(report.mode, "closed-loop");
    assert_eq!(report.offered_rate, None);
    assert!(report.ok >= 10, "{}", report.to_table());
    assert_eq!(report.ok, report.sent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorize_stream_keeps_a_window_in_flight_per_stream() {
    let (target, _stop) = tollgate(StoreSource::Embedded).await;
    let report = load(
        &target,
        &[
            "--call",
            "authorize-stream",
            "--rate",
            "max",
            "--concurrency",
            "32",
            "--connections",
            "2",
            "--duration",
            "500ms",
            "--warmup",
            "0s",
            "--check-expect",
        ],
    )
    .await;
    assert!(report.is_clean(), "{}", report.to_table());
    assert_eq!(report.call, "authorize-stream");
    assert!(report.ok >= 100, "{}", report.to_table());
    assert_eq!(report.ok, report.sent);
    assert_eq!(report.decisions, report.ok);
    assert_eq!(report.revisions_seen, 1);
    let open_loop = Args::try_parse_from([
        "tollgate-loadtest",
        "--call",
        "authorize-stream",
        "--rate",
        "100",
    ])
    .unwrap();
    let error = open_loop.validate().unwrap_err().to_string();
    assert!(error.starts_with("--rate:"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_expectations_and_failed_calls_are_counted() {
    let (target, _stop) = tollgate(StoreSource::Embedded).await;
    let dir = tempfile::tempdir().unwrap();
    let requests = write(
        dir.path(),
        "wrong.jsonl",
        concat!(
            r#"{"principal": "arn:aws:iam::111122223333:user/alice", "action": "s3:GetObject", "resource": "arn:aws:s3:::example-photos/cat.jpg", "expect": "EXPLICIT_DENY"}"#,
            "\n",
            r#"{"principal": "", "action": "s3:GetObject", "resource": "*"}"#,
            "\n"
        ),
    );
    let report = load(
        &target,
        &[
            "--rate",
            "100",
            "--duration",
            "500ms",
            "--check-expect",
            "--requests",
            requests.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(report.sent, 50);
    assert_eq!(report.mismatches, 25, "{}", report.to_table());
    assert_eq!(
        report.errors_by_code.get("INVALID_ARGUMENT"),
        Some(&25),
        "{}",
        report.to_table()
    );
    assert!(!report.is_clean());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_sends_envoy_requests() {
    let (target, _stop) = envoyish(Duration::ZERO).await;
    let dir = tempfile::tempdir().unwrap();
    let requests = write(
        dir.path(),
        "check.jsonl",
        concat!(
            r#"{"method": "GET", "path": "/photos/1?size=2", "headers": {"Host": "photos"}, "source_principal": "spiffe://td/ns/default/sa/photo-app", "expect": "ALLOWED"}"#,
            "\n",
            r#"{"method": "DELETE", "path": "/photos/1", "source_principal": "spiffe://td/ns/ci/sa/build", "expect": "DENIED"}"#,
            "\n"
        ),
    );
    let path = requests.to_str().unwrap();
    let report = load(
        &target,
        &[
            "--call",
            "check",
            "--rate",
            "200",
            "--duration",
            "1s",
            "--check-expect",
            "--requests",
            path,
        ],
    )
    .await;
    assert!(report.is_clean(), "{}", report.to_table());
    assert_eq!(report.call, "check");
    assert_eq!(report.ok, 200);

    // The built-in sample has no expectations; the server checks its shape.
    let report = load(
        &target,
        &["--call", "check", "--rate", "100", "--duration", "500ms"],
    )
    .await;
    assert!(report.is_clean(), "{}", report.to_table());

    // Expectations the server does not meet are counted.
    let wrong = write(
        dir.path(),
        "wrong.jsonl",
        r#"{"method": "GET", "path": "/", "source_principal": "spiffe://td/ns/x/sa/other", "expect": "ALLOWED"}"#,
    );
    let report = load(
        &target,
        &[
            "--call",
            "check",
            "--rate",
            "100",
            "--duration",
            "500ms",
            "--check-expect",
            "--requests",
            wrong.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(report.mismatches, 50, "{}", report.to_table());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_server_costs_drops_and_latency_not_rate() {
    // 50 ms per answer, one call outstanding at most: of the calls due every
    // 10 ms, most cannot be sent.
    let (target, _stop) = envoyish(Duration::from_millis(50)).await;
    let report = load(
        &target,
        &[
            "--call",
            "check",
            "--rate",
            "100",
            "--duration",
            "1s",
            "--max-in-flight",
            "1",
        ],
    )
    .await;
    assert_eq!(report.sent + report.dropped, 100);
    assert!(report.dropped >= 60, "{}", report.to_table());
    assert!(report.latency_us.p50 >= 50_000.0, "{}", report.to_table());
    assert_eq!(report.errors, 0);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_swaps_during_a_run_are_seen() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/store/example");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&example, dir.path());
    let (target, _stop) = tollgate(StoreSource::Dir(dir.path().to_path_buf())).await;
    let store = dir.path().to_str().unwrap();
    let report = load(
        &target,
        &[
            "--rate",
            "200",
            "--duration",
            "1500ms",
            "--check-expect",
            "--swap-store",
            store,
            "--swaps",
            "3",
        ],
    )
    .await;
    assert!(report.is_clean(), "{}", report.to_table());
    assert_eq!(report.swaps, 3);
    assert!(report.revisions_seen >= 2, "{}", report.to_table());
}
