//! Connections and HTTP/2 streams cannot hold the server: streams per
//! connection are advertised and bounded, a stream lives at most
//! `max-call-secs` from its HEADERS (half-open, or stuck behind a closed
//! window), connections are capped per listener, and silent or idle
//! connections are closed — on the gRPC and the admin listener alike.

use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::harness::{Running, photo_request, store_dir, test_config};
use crate::raw::{self, AUTHORIZE, SERIAL};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_concurrent_streams_is_advertised() {
    let dir = store_dir();
    let mut config = test_config(dir.path());
    config.connections.max_concurrent_streams = 7;
    let server = Running::start(config).await;
    let (mut send, _conn) = raw::connect(server.grpc).await;
    // One call: the server's SETTINGS have been applied by its answer.
    let response = raw::call(
        &mut send,
        AUTHORIZE,
        &[],
        raw::authorize_frame(&photo_request()),
    )
    .await;
    assert_eq!(raw::status(response).await.0, 0);
    assert_eq!(send.current_max_send_streams(), 7);
    server.join().await.unwrap();
}

/// A stream that sends its HEADERS and nothing more is answered
/// `DEADLINE_EXCEEDED` at `max-call-secs`, not held forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_open_streams_end_at_the_call_deadline() {
    let dir = store_dir();
    let mut config = test_config(dir.path());
    config.limits.max_call = Duration::from_secs(1);
    let server = Running::start(config).await;
    let (send, _conn) = raw::connect(server.grpc).await;
    let mut send = send.ready().await.unwrap();
    let started = Instant::now();
    let (response, _body) = send
        .send_request(raw::request(AUTHORIZE, &[]), false)
        .unwrap();
    let (code, _) = tokio::time::timeout(Duration::from_secs(5), raw::status(response))
        .await
        .expect("a half-open stream is answered within max-call-secs");
    assert_eq!(code, 4, "DEADLINE_EXCEEDED");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    server.join().await.unwrap();
}

/// A client that never opens its receive window cannot make the server
/// hold answers: it is told it may have at most `max-concurrent-streams`
/// calls open (h2 refuses more), and those are reset once they outlive
/// `max-call-secs`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_receive_window_holds_nothing_for_long() {
    let _serial = SERIAL.lock().await;
    let dir = store_dir();
    let mut config = test_config(dir.path());
    config.limits.max_call = Duration::from_secs(1);
    config.connections.max_concurrent_streams = 8;
    let server = Running::start(config).await;
    let expired = "tollgate_streams_expired_total";
    let before = raw::metric(&server, expired).await;

    let mut builder = h2::client::Builder::new();
    builder.initial_window_size(0);
    let (mut send, _conn) = raw::connect_with(server.grpc, &builder).await;
    // A call answered by HEADERS alone (no DATA can pass the closed
    // window): the server's SETTINGS have arrived once it is answered.
    let unknown = raw::call(&mut send, "/no.Such/Method", &[], raw::frame(b"")).await;
    assert_eq!(raw::status(unknown).await.0, 12, "UNIMPLEMENTED");
    assert_eq!(send.current_max_send_streams(), 8);
    let frame = raw::authorize_frame(&photo_request());
    let mut responses = Vec::new();
    for _ in 0..8 {
        responses.push(raw::call(&mut send, AUTHORIZE, &[], frame.clone()).await);
    }
    // Every stuck answer is reset within max-call-secs (+1 s of grace).
    let all_ended = async {
        for response in responses {
            let ended = match response.await {
                Err(_) => true,
                Ok(response) => {
                    let mut body = response.into_body();
                    loop {
                        match body.data().await {
                            None | Some(Err(_)) => break true,
                            Some(Ok(_)) => {}
                        }
                    }
                }
            };
            assert!(ended);
        }
    };
    tokio::time::timeout(Duration::from_secs(6), all_ended)
        .await
        .expect("stuck streams are reset");
    assert!(raw::metric(&server, expired).await >= before + 8.0);
    server.join().await.unwrap();
}

/// One connection more than `max-connections` is closed at once; the
/// others keep working, and a freed slot is usable again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_are_closed_at_once() {
    let _serial = SERIAL.lock().await;
    let dir = store_dir();
    let mut config = test_config(dir.path());
    config.connections.max_connections = 3;
    config.connections.admin_max_connections = 2;
    let server = Running::start(config).await;
    let refused = r#"tollgate_connections_closed_total{listener="grpc",reason="limit"}"#;
    let before = raw::metric(&server, refused).await;

    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(raw::connect(server.grpc).await);
    }
    let mut fourth = TcpStream::connect(server.grpc).await.unwrap();
    assert!(raw::closed_within(&mut fourth, Duration::from_secs(2)).await);
    let counted = crate::harness::poll(Duration::from_secs(2), || async {
        (raw::metric(&server, refused).await >= before + 1.0).then_some(())
    })
    .await;
    assert!(counted.is_some(), "the refused connection was not counted");
    // The held connections still answer.
    let (send, _) = &mut held[0];
    let response = raw::call(send, AUTHORIZE, &[], raw::authorize_frame(&photo_request())).await;
    assert_eq!(raw::status(response).await.0, 0);
    // A freed slot serves a new connection.
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (mut send, _conn) = raw::connect(server.grpc).await;
    let response = raw::call(
        &mut send,
        AUTHORIZE,
        &[],
        raw::authorize_frame(&photo_request()),
    )
    .await;
    assert_eq!(raw::status(response).await.0, 0);

    // The admin listener has its own cap: idle admin connections cannot
    // take the gRPC listener's descriptors, nor each other's beyond it.
    let _a = TcpStream::connect(server.admin).await.unwrap();
    let _b = TcpStream::connect(server.admin).await.unwrap();
    let mut c = TcpStream::connect(server.admin).await.unwrap();
    assert!(raw::closed_within(&mut c, Duration::from_secs(2)).await);
    drop(held);
    server.join().await.unwrap();
}

/// Connections that never send a request (slowloris) are closed after
/// `request-headers-timeout-secs`, on the gRPC and the admin listener.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_connections_are_closed_after_the_headers_timeout() {
    let dir = store_dir();
    let mut config = test_config(dir.path());
    config.connections.request_headers_timeout = Duration::from_secs(1);
    let server = Running::start(config).await;

    let mut silent = TcpStream::connect(server.grpc).await.unwrap();
    // The HTTP/2 preface alone, then nothing.
    silent
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        .await
        .unwrap();
    let mut admin = TcpStream::connect(server.admin).await.unwrap();
    admin.write_all(b"GET /metrics HTTP/1.1\r\n").await.unwrap();
    let started = Instant::now();
    assert!(raw::closed_within(&mut silent, Duration::from_secs(4)).await);
    assert!(raw::closed_within(&mut admin, Duration::from_secs(4)).await);
    assert!(started.elapsed() < Duration::from_secs(4));
    server.join().await.unwrap();
}

/// A connection without a call for `idle-timeout-secs` is told to go away
/// and closed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_closed() {
    let dir = store_dir();
    let mut config = test_config(dir.path());
    config.connections.idle_timeout = Duration::from_secs(1);
    let server = Running::start(config).await;
    let (mut send, connection) = raw::connect(server.grpc).await;
    let response = raw::call(
        &mut send,
        AUTHORIZE,
        &[],
        raw::authorize_frame(&photo_request()),
    )
    .await;
    assert_eq!(raw::status(response).await.0, 0);
    let ended = tokio::time::timeout(Duration::from_secs(5), connection).await;
    assert!(ended.is_ok(), "the idle connection was not closed");
    server.join().await.unwrap();
}
