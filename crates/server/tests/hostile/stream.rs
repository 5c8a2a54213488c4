//! `AuthorizeStream` against hostile callers, through the whole server: a
//! caller that never takes its answers cannot make the server read (and
//! hold) its questions without bound, a flood of questions is answered
//! without loss, questions are admitted one by one under `max-in-flight`,
//! a stream ends at the call's deadline, and an oversized or undecodable
//! message ends the stream with a clear status.

use std::time::{Duration, Instant};

use bytes::Bytes;
use prost::Message;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tollgate_proto::v1::authorize_stream_response::Result as Outcome;
use tollgate_proto::v1::{AuthorizeStreamRequest, Decision};
use tonic::Code;

use crate::harness::{Running, photo_request, store_dir, test_config};
use crate::raw::{self, AUTHORIZE, SERIAL};

const STREAM: &str = "/tollgate.v1.Authorizer/AuthorizeStream";

fn question(id: u64) -> AuthorizeStreamRequest {
    AuthorizeStreamRequest {
        id,
        request: Some(photo_request()),
    }
}

/// Decisions the server has counted so far.
async fn decisions(server: &Running) -> f64 {
    raw::metric(server, "tollgate_decisions_total{decision=\"allowed\"}").await
}

/// A caller that opens no receive window and keeps sending: the server
/// stops reading once its window of answers is full, the caller's
/// questions back up behind HTTP/2 flow control, and the stream is reset
/// at `max-call-secs`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_never_reads_cannot_make_the_server_read_on() {
    let _serial = SERIAL.lock().await;
    let dir = store_dir();
    let mut config = test_config(dir.path());
    config.limits.max_call = Duration::from_secs(1);
    let server = Running::start(config).await;
    let before = decisions(&server).await;

    let mut builder = h2::client::Builder::new();
    builder.initial_window_size(0);
    let (send, _conn) = raw::connect_with(server.grpc, &builder).await;
    let mut send = send.ready().await.unwrap();
    let (response, mut body) = send.send_request(raw::request(STREAM, &[]), false).unwrap();
    let one = raw::frame(&question(1).encode_to_vec());
    // 16 MiB of questions, far beyond every window on the way.
    let target = 16usize << 20;
    let mut sent = 0usize;
    let mut pending = Bytes::new();
    let started = Instant::now();
    while sent < target {
        if pending.is_empty() {
            pending = Bytes::from(one.repeat(1024));
        }
        body.reserve_capacity(pending.len());
        let capacity = tokio::time::timeout(
            Duration::from_millis(300),
            std::future::poll_fn(|cx| body.poll_capacity(cx)),
        )
        .await;
        let granted = match capacity {
            Ok(Some(Ok(granted))) => granted,
            // No more capacity (stalled), or the stream was reset.
            Err(_) | Ok(None) | Ok(Some(Err(_))) => break,
        };
        let chunk = pending.split_to(granted.min(pending.len()));
        sent += chunk.len();
        if body.send_data(chunk, false).is_err() {
            break;
        }
    }
    assert!(
        sent < target / 4,
        "the server took {sent} bytes of questions from a caller that reads nothing"
    );
    let decided = decisions(&server).await - before;
    let asked = (sent / one.len()) as f64;
    assert!(
        decided < 10_000.0 && decided < asked,
        "{decided} questions decided of {asked} sent"
    );
    // The stream does not outlive max-call-secs (+1 s): it is reset.
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        let Ok(response) = response.await else {
            return;
        };
        let mut answers = response.into_body();
        while let Some(Ok(_)) = answers.data().await {}
    })
    .await;
    assert!(ended.is_ok(), "the stream is ended at max-call-secs");
    assert!(started.elapsed() < Duration::from_secs(6));
    server.join().await.unwrap();
}

/// Tens of thousands of questions as fast as the caller can send them are
/// all answered, once each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_questions_is_answered_in_full() {
    // Its 30,000 decisions would cross another test's count of decisions.
    let _serial = SERIAL.lock().await;
    let dir = store_dir();
    let server = Running::start(test_config(dir.path())).await;
    let mut client = server.client().await;
    let count = 30_000u64;
    let (tx, rx) = mpsc::channel(1024);
    let writer = tokio::spawn(async move {
        for id in 0..count {
            tx.send(question(id)).await.unwrap();
        }
    });
    let mut answers = client
        .authorize_stream(ReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    let mut seen = vec![false; count as usize];
    while let Some(answer) = answers.message().await.unwrap() {
        let Some(Outcome::Response(response)) = answer.result else {
            panic!("question {} failed: {:?}", answer.id, answer.result);
        };
        assert_eq!(response.decision(), Decision::Allowed);
        assert!(!std::mem::replace(&mut seen[answer.id as usize], true));
    }
    assert!(seen.iter().all(|s| *s), "every question answered");
    writer.await.unwrap();
    server.join().await.unwrap();
}

/// Each question takes a `max-in-flight` permit: with the only permit held
/// by another call, a question is answered `RESOURCE_EXHAUSTED` and the
/// stream goes on; once the permit is free, questions are decided again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn questions_are_admitted_one_by_one() {
    let dir = store_dir();
    let mut config = test_config(dir.path());
    config.limits.max_in_flight = 1;
    let server = Running::start(config).await;

    // A unary call whose body has not come yet holds the permit.
    let (send, _conn) = raw::connect(server.grpc).await;
    let mut send = send.ready().await.unwrap();
    let (held, mut held_body) = send
        .send_request(raw::request(AUTHORIZE, &[]), false)
        .unwrap();

    let mut client = server.client().await;
    let (tx, rx) = mpsc::channel(4);
    let mut answers = client
        .authorize_stream(ReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    let mut refused = false;
    for id in 0..50 {
        tx.send(question(id)).await.unwrap();
        let answer = answers.message().await.unwrap().unwrap();
        assert_eq!(answer.id, id);
        if let Some(Outcome::Error(error)) = answer.result {
            assert_eq!(error.code, Code::ResourceExhausted as i32, "{error:?}");
            assert!(error.message.contains("max-in-flight"), "{error:?}");
            refused = true;
            break;
        }
        // The unary call's HEADERS may not have been admitted yet.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        refused,
        "a question found no permit while another call held it"
    );

    held_body
        .send_data(raw::authorize_frame(&photo_request()), true)
        .unwrap();
    assert_eq!(raw::status(held).await.0, 0);
    tx.send(question(100)).await.unwrap();
    let answer = answers.message().await.unwrap().unwrap();
    assert_eq!(answer.id, 100);
    assert!(
        matches!(answer.result, Some(Outcome::Response(_))),
        "{answer:?}"
    );
    drop(tx);
    assert!(answers.message().await.unwrap().is_none());
    server.join().await.unwrap();
}

/// A stream the caller keeps open ends at `max-call-secs` with
/// `DEADLINE_EXCEEDED`, after the answers it was due.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_ends_at_the_call_deadline() {
    let dir = store_dir();
    let mut config = test_config(dir.path());
    config.limits.max_call = Duration::from_secs(1);
    let server = Running::start(config).await;
    let mut client = server.client().await;
    let (tx, rx) = mpsc::channel(4);
    let started = Instant::now();
    let mut answers = client
        .authorize_stream(ReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    tx.send(question(5)).await.unwrap();
    assert_eq!(answers.message().await.unwrap().unwrap().id, 5);
    let ended = tokio::time::timeout(Duration::from_secs(5), answers.message())
        .await
        .expect("the stream ends by itself");
    assert_eq!(ended.unwrap_err().code(), Code::DeadlineExceeded);
    assert!(started.elapsed() < Duration::from_secs(3));
    drop(tx);
    server.join().await.unwrap();
}

/// A message over `max-message-bytes` ends the stream with `OUT_OF_RANGE`
/// before it is read; one that does not decode ends it with
/// `INVALID_ARGUMENT`. Questions before it are answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_and_undecodable_messages_end_the_stream() {
    let dir = store_dir();
    let mut config = test_config(dir.path());
    config.limits.max_message_bytes = 1024;
    let server = Running::start(config).await;

    let mut client = server.client().await;
    let mut huge = question(2);
    if let Some(request) = huge.request.as_mut() {
        request.resource = format!("arn:aws:s3:::photos/{}", "x".repeat(4096));
    }
    let questions = tokio_stream::iter([question(1), huge, question(3)]);
    let mut answers = client
        .authorize_stream(questions)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answers.message().await.unwrap().unwrap().id, 1);
    let status = answers.message().await.unwrap_err();
    assert_eq!(status.code(), Code::OutOfRange, "{status:?}");

    let (mut send, _conn) = raw::connect(server.grpc).await;
    let mut body = raw::frame(&question(1).encode_to_vec()).to_vec();
    body.extend_from_slice(&raw::frame(&[0xff, 0xff, 0xff, 0xff]));
    let response = raw::call(&mut send, STREAM, &[], Bytes::from(body)).await;
    let (code, message) = raw::status(response).await;
    assert_eq!(code, Code::InvalidArgument as i32, "{message}");
    assert!(message.contains("decode"), "{message}");
    server.join().await.unwrap();
}
