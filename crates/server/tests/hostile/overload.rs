//! Overload is refused, not queued: admission is taken when a call's
//! HEADERS arrive, so calls whose messages are still on their way (or
//! queued anywhere in the server) count against `max-in-flight`, and one
//! more call is refused at once; the deadline counts from the HEADERS too.

use std::time::{Duration, Instant};

use crate::harness::{Running, photo_request, store_dir, test_config};
use crate::raw::{self, AUTHORIZE, SERIAL};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_are_admitted_from_their_headers_and_refused_at_once() {
    let _serial = SERIAL.lock().await;
    let dir = store_dir();
    let mut config = test_config(dir.path());
    config.limits.max_in_flight = 2;
    let server = Running::start(config).await;
    let overload = r#"tollgate_rejected_total{reason="overload"}"#;
    let before = raw::metric(&server, overload).await;

    // Two calls whose messages have not arrived hold both permits.
    let (send, _conn) = raw::connect(server.grpc).await;
    let mut send = send.ready().await.unwrap();
    let (first, first_body) = send
        .send_request(raw::request(AUTHORIZE, &[]), false)
        .unwrap();
    let mut send = send.ready().await.unwrap();
    let (_second, _second_body) = send
        .send_request(raw::request(AUTHORIZE, &[]), false)
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    // A third, complete call is refused at once, its message unread.
    let (mut other, _other_conn) = raw::connect(server.grpc).await;
    let started = Instant::now();
    let response = raw::call(
        &mut other,
        AUTHORIZE,
        &[],
        raw::authorize_frame(&photo_request()),
    )
    .await;
    let (code, message) = raw::status(response).await;
    let took = started.elapsed();
    assert_eq!(code, 8, "RESOURCE_EXHAUSTED: {message}");
    assert!(message.contains("max-in-flight"), "{message}");
    assert!(took < Duration::from_millis(100), "refused after {took:?}");
    assert!(raw::metric(&server, overload).await >= before + 1.0);

    // Once the first call completes, its permit serves the next call.
    let mut first_body = first_body;
    first_body
        .send_data(raw::authorize_frame(&photo_request()), true)
        .unwrap();
    assert_eq!(raw::status(first).await.0, 0);
    let response = raw::call(
        &mut other,
        AUTHORIZE,
        &[],
        raw::authorize_frame(&photo_request()),
    )
    .await;
    assert_eq!(raw::status(response).await.0, 0);
    server.join().await.unwrap();
}

/// A call whose message arrives after its `grpc-timeout` has run out is
/// answered `DEADLINE_EXCEEDED` at the deadline: the deadline counts from
/// the HEADERS, not from the moment the message was read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deadline_counts_from_the_headers() {
    let dir = store_dir();
    let server = Running::start(test_config(dir.path())).await;
    let (send, _conn) = raw::connect(server.grpc).await;
    let mut send = send.ready().await.unwrap();
    let started = Instant::now();
    let (response, mut body) = send
        .send_request(raw::request(AUTHORIZE, &[("grpc-timeout", "300m")]), false)
        .unwrap();
    let late = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(600)).await;
        let _ = body.send_data(raw::authorize_frame(&photo_request()), true);
    });
    let (code, _) = raw::status(response).await;
    assert_eq!(code, 4, "DEADLINE_EXCEEDED");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(290) && took < Duration::from_millis(550),
        "answered after {took:?}"
    );
    late.await.unwrap();
    server.join().await.unwrap();
}
