//! Graceful shutdown: a call in flight when the shutdown starts is answered;
//! new connections are refused; a call that outlives the drain timeout does
//! not hold the server up.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;

use std::time::{Duration, Instant};

use harness::{Running, channel, photo_request, store_dir, test_config};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tollgate_proto::v1::{AuthorizeRequest, AuthorizeResponse, Decision};
use tonic::codegen::http::uri::PathAndQuery;

const AUTHORIZE: &str = "/tollgate.v1.Authorizer/Authorize";

/// Starts an Authorize call whose request message is sent only when the
/// returned sender sends it: until then the call is in flight on the server.
async fn stalled_call(
    server: &Running,
) -> (
    mpsc::Sender<AuthorizeRequest>,
    tokio::task::JoinHandle<Result<AuthorizeResponse, tonic::Status>>,
) {
    let channel = channel(server.grpc).await;
    let (send, receive) = mpsc::channel(1);
    let call = tokio::spawn(async move {
        let mut grpc = tonic::client::Grpc::new(channel);
        grpc.ready().await.unwrap();
        grpc.client_streaming(
            tonic::Request::new(ReceiverStream::new(receive)),
            PathAndQuery::from_static(AUTHORIZE),
            tonic_prost::ProstCodec::default(),
        )
        .await
        .map(tonic::Response::into_inner)
    });
    // Let the call's headers reach the server.
    tokio::time::sleep(Duration::from_millis(200)).await;
    (send, call)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_drains_a_call_in_flight() {
    let dir = store_dir();
    let mut server = Running::start(test_config(dir.path())).await;
    let (send, call) = stalled_call(&server).await;

    server.shut_down();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        tokio::net::TcpStream::connect(server.grpc).await.is_err(),
        "the listener is closed once shutdown starts"
    );
    assert!(!call.is_finished(), "the call is still in flight");

    send.send(photo_request()).await.unwrap();
    drop(send);
    let answer = tokio::time::timeout(Duration::from_secs(5), call)
        .await
        .expect("the call is answered")
        .unwrap()
        .expect("the call in flight succeeds");
    assert_eq!(answer.decision(), Decision::Allowed);
    server.join().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_drain_timeout_bounds_the_shutdown() {
    let dir = store_dir();
    let mut config = test_config(dir.path());
    config.drain_timeout = Duration::from_millis(300);
    let server = Running::start(config).await;
    let (_send, _call) = stalled_call(&server).await;

    let started = Instant::now();
    server.join().await.unwrap();
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(3),
        "shutdown took {took:?} with a 300 ms drain timeout"
    );
}
