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

/// Alice may get photos from `vpc` only, and list the bucket asking for at
/// most 10 keys.
fn conditional_alice(vpc: &str) -> String {
    format!(
        r#"{{"InlinePolicies": {{"photos": {{"Version": "2012-10-17", "Statement": [
            {{"Sid": "FromVpc", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*",
              "Condition": {{"StringEquals": {{"aws:SourceVpc": "{vpc}"}}}}}},
            {{"Sid": "SmallLists", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::photos",
              "Condition": {{"NumericLessThanEquals": {{"s3:max-keys": "10"}}}}}}
        ]}}}}}}"#
    )
}

/// A session policy allowing `action` on everything, padded with spaces to
/// `bytes`.
fn session_policy(action: &str, bytes: usize) -> String {
    let policy = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "{action}", "Resource": "*"}}]}}"#
    );
    format!("{policy}{}", " ".repeat(bytes.saturating_sub(policy.len())))
}

/// With `audit-record-requests`, records carry the context and session
/// policies a decision depended on: a replay against the store that decided
/// them re-decides every one alike, a replay against a candidate finds
/// exactly the flips the candidate makes, and a request too large to record
/// is marked truncated and reported as not replayable, never decided.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_requests_replay_exactly() {
    use tollgate_proto::v1::context_value::Value as V;
    use tollgate_proto::v1::{ContextValue, ContextValues, Decision};

    let store = tempfile::tempdir().unwrap();
    harness::write_atomic(
        store.path(),
        harness::ALICE_FILE,
        &conditional_alice("vpc-1"),
    );
    let logs = tempfile::tempdir().unwrap();
    let path = logs.path().join("audit.log");
    let mut config = test_config(store.path());
    let mut settings = AuditSettings::new(AuditSink::File(path.clone()));
    settings.record_requests = true;
    config.audit = Some(settings);
    let server = Running::start(config).await;
    let mut client = server.client().await;

    let with = |key: &str, value: V, session: Vec<String>| {
        let mut request = photo_request();
        request.context.insert(
            key.to_owned(),
            ContextValues {
                values: vec![ContextValue { value: Some(value) }],
            },
        );
        request.session_policies = session;
        request
    };
    let vpc = |name: &str| V::StringValue(name.to_owned());
    let mut list = with("s3:max-keys", V::NumberValue(10.0), Vec::new());
    list.action = "s3:ListBucket".to_owned();
    list.resource = "arn:aws:s3:::photos".to_owned();
    let large = [0, 1]
        .map(|_| session_policy("s3:GetObject", 40_000))
        .to_vec();
    let asked = [
        (
            with("aws:SourceVpc", vpc("vpc-1"), Vec::new()),
            Decision::Allowed,
        ),
        (
            with("aws:SourceVpc", vpc("vpc-2"), Vec::new()),
            Decision::ImplicitDeny,
        ),
        (photo_request(), Decision::ImplicitDeny),
        (list, Decision::Allowed),
        (
            with(
                "aws:SourceVpc",
                vpc("vpc-1"),
                vec![session_policy("s3:PutObject", 0)],
            ),
            Decision::ImplicitDeny,
        ),
        (
            with("aws:SourceVpc", vpc("vpc-1"), large),
            Decision::Allowed,
        ),
    ];
    for (request, expected) in asked {
        let answer = client.authorize(request).await.unwrap().into_inner();
        assert_eq!(answer.decision(), expected);
    }
    server.join().await.unwrap();

    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 6, "{text}");
    assert_eq!(
        lines[0]["context"]["aws:SourceVpc"],
        serde_json::json!(["vpc-1"])
    );
    assert_eq!(lines[0]["requestRecorded"], true);
    assert_eq!(
        lines[3]["context"]["s3:max-keys"],
        serde_json::json!(["10"])
    );
    assert_eq!(lines[4]["sessionPolicies"].as_array().unwrap().len(), 1);
    assert_eq!(lines[5]["requestTruncated"], true);
    assert!(lines[5].get("context").is_none());
    assert!(lines[5]["requestBytes"].as_u64().unwrap() > 80_000);

    let replay = |vpc: &str| {
        let dir = tempfile::tempdir().unwrap();
        harness::write_atomic(dir.path(), harness::ALICE_FILE, &conditional_alice(vpc));
        let candidate = tollgate_store::Store::load_dir(dir.path()).unwrap();
        tollgate_impact::replay::replay(&candidate, text.as_bytes()).unwrap()
    };
    let same = replay("vpc-1");
    assert_eq!(same.replayed, 5);
    assert_eq!(same.flip_count(), 0, "{same:?}");
    assert_eq!(same.without_request, 0);
    assert!(same.unreadable.is_empty(), "{:?}", same.unreadable);
    assert_eq!(
        same.not_replayable,
        [(6, tollgate_policy::DecisionKind::Allowed)]
    );

    let moved = replay("vpc-2");
    let flips: Vec<_> = moved
        .flips
        .iter()
        .map(|((from, to), n)| (from.as_str(), to.as_str(), *n))
        .collect();
    assert_eq!(
        flips,
        [
            ("allowed", "implicitDeny", 1),
            ("implicitDeny", "allowed", 1)
        ]
    );
    let flipped: Vec<usize> = moved.samples.iter().map(|s| s.line).collect();
    assert_eq!(flipped, [1, 2]);
}
