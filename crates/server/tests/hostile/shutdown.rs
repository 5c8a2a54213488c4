//! Shutdown drains every listener at once: calls held open on the gRPC and
//! the ext_authz listener (and an idle admin connection) are all dropped at
//! one drain timeout, not one timeout per listener.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::{Running, store_dir, test_config};
use crate::raw::{self, AUTHORIZE};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listeners_drain_concurrently_within_one_timeout() {
    let dir = store_dir();
    let mut config = test_config(dir.path());
    config.drain_timeout = Duration::from_secs(2);
    config.ext_authz_listen = Some(SocketAddr::from(([127, 0, 0, 1], 0)));
    let server = Running::start(config).await;

    // A call on each gRPC listener that never sends its message.
    let mut held = Vec::new();
    for (addr, path) in [
        (server.grpc, AUTHORIZE),
        (
            server.ext_authz.unwrap(),
            "/envoy.service.auth.v3.Authorization/Check",
        ),
    ] {
        let (send, conn) = raw::connect(addr).await;
        let mut send = send.ready().await.unwrap();
        let stream = send.send_request(raw::request(path, &[]), false).unwrap();
        held.push((send, conn, stream));
    }
    // An admin connection kept alive after one request.
    let mut admin = tokio::net::TcpStream::connect(server.admin).await.unwrap();
    admin
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 512];
    let _ = admin.read(&mut buf).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let started = Instant::now();
    server.join().await.unwrap();
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(1_500) && took < Duration::from_millis(3_500),
        "shutdown took {took:?} with a 2 s drain timeout"
    );
    drop(held);
}
