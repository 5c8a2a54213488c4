//! The decision audit log end to end: `Authorize`, `AuthorizeBatch` and
//! `AuthorizeStream` decisions are written to the file under the caller's `x-request-id`, and
//! shutdown flushes them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;

use harness::{Running, photo_request, store_dir, test_config};
use tollgate_proto::v1::{AuthorizeBatchRequest, AuthorizeStreamRequest};
use tollgate_server::audit::{AuditSettings, AuditSink};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_are_written_under_their_request_id() {
    let store = store_dir();
    let logs = tempfile::tempdir().unwrap();
    let path = logs.path().join("audit.log");
    let mut config = test_config(store.path());
    config.audit = Some(AuditSettings::new(AuditSink::File(path.clone())));
    let server = Running::start(config).await;
    let mut client = server.client().await;

    let mut request = tonic::Request::new(photo_request());
    request
        .metadata_mut()
        .insert("x-request-id", "req-single".parse().unwrap());
    let answer = client.authorize(request).await.unwrap().into_inner();
    let mut batch = tonic::Request::new(AuthorizeBatchRequest {
        requests: vec![photo_request(), photo_request()],
    });
    batch
        .metadata_mut()
        .insert("x-request-id", "req-batch".parse().unwrap());
    client.authorize_batch(batch).await.unwrap();
    client.authorize(photo_request()).await.unwrap();
    server.join().await.unwrap();

    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let ids: Vec<&str> = lines
        .iter()
        .map(|line| line["requestId"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 4, "{text}");
    assert_eq!(&ids[..3], ["req-single", "req-batch/0", "req-batch/1"]);
    assert_eq!(ids[3].len(), 32, "a generated id: {}", ids[3]);
    let first = &lines[0];
    assert_eq!(first["principal"], photo_request().principal);
    assert_eq!(first["action"], "s3:GetObject");
    assert_eq!(first["decision"], "allowed");
    assert_eq!(first["revision"], answer.revision.as_str());
    assert!(first["latencyUs"].as_u64().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_questions_are_written_under_request_id_and_their_own() {
    let store = store_dir();
    let logs = tempfile::tempdir().unwrap();
    let path = logs.path().join("audit.log");
    let mut config = test_config(store.path());
    config.audit = Some(AuditSettings::new(AuditSink::File(path.clone())));
    let server = Running::start(config).await;
    let mut client = server.client().await;

    let questions = [41, 7].map(|id| AuthorizeStreamRequest {
        id,
        request: Some(photo_request()),
    });
    let mut call = tonic::Request::new(tokio_stream::iter(questions));
    call.metadata_mut()
        .insert("x-request-id", "req-stream".parse().unwrap());
    let mut answers = client.authorize_stream(call).await.unwrap().into_inner();
    let mut answered = 0;
    while answers.message().await.unwrap().is_some() {
        answered += 1;
    }
    assert_eq!(answered, 2);
    server.join().await.unwrap();

    let text = std::fs::read_to_string(&path).unwrap();
    let mut ids: Vec<String> = text
        .lines()
        .map(|line| {
            let line: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(line["decision"], "allowed");
            line["requestId"].as_str().unwrap().to_owned()
        })
        .collect();
    ids.sort();
    assert_eq!(ids, ["req-stream/41", "req-stream/7"], "{text}");
}
