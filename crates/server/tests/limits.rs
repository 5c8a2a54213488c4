//! Overload and limits at the gRPC edge: beyond `max-in-flight` a call fails
//! at once with `RESOURCE_EXHAUSTED`; a call whose deadline has passed gets
//! `DEADLINE_EXCEEDED` without being evaluated; a batch stops at its
//! deadline; oversized requests get `INVALID_ARGUMENT` naming the field and
//! the setting; every refusal is counted in `tollgate_rejected_total`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;

use std::time::{Duration, Instant};

use harness::{Running, http_get, photo_request, store_dir, test_config};
use tollgate_proto::v1::authorizer_server::Authorizer;
use tollgate_proto::v1::context_value::Value;
use tollgate_proto::v1::{
    AuthorizeBatchRequest, AuthorizeRequest, ContextValue, ContextValues, Decision,
};
use tollgate_server::grpc::AuthorizerService;
use tollgate_server::limits::RequestLimits;
use tonic::Code;

/// The metrics are the process's: the tests of this file run one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A session policy that every request compiles for itself: what makes a
/// big batch slow enough to stay in flight for a while.
const SESSION: &str = r#"{"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": ["arn:aws:s3:::photos/*", "arn:aws:s3:::videos/*"],
     "Condition": {"StringLike": {"s3:prefix": ["a*", "b*", "c*"]}, "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}
]}"#;

fn slow_batch(count: usize) -> AuthorizeBatchRequest {
    let request = AuthorizeRequest {
        session_policies: vec![SESSION.to_owned(); 4],
        ..photo_request()
    };
    AuthorizeBatchRequest {
        requests: vec![request; count],
    }
}

/// `message` with a `grpc-timeout` header.
fn with_timeout<T>(message: T, timeout: &str) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request
        .metadata_mut()
        .insert("grpc-timeout", timeout.parse().unwrap());
    request
}

/// The value of the metric line starting with `series`, 0 when absent.
async fn metric(server: &Running, series: &str) -> f64 {
    let (_, body) = http_get(server.admin, "/metrics").await;
    body.lines()
        .find_map(|line| line.strip_prefix(series))
        .and_then(|rest| rest.trim().parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beyond_max_in_flight_calls_fail_fast() {
    let _serial = SERIAL.lock().await;
    let dir = store_dir();
    let mut config = test_config(dir.path());
    config.limits.max_in_flight = 1;
    config.limits.max_message_bytes = 64 << 20;
    let server = Running::start(config).await;
    let rejected = r#"tollgate_rejected_total{reason="overload"}"#;
    let before = metric(&server, rejected).await;

    let mut slow = server.client().await;
    let batch = tokio::spawn(async move { slow.authorize_batch(slow_batch(10_000)).await });
    let mut client = server.client().await;
    let mut refused = None;
    let started = Instant::now();
    while refused.is_none() && !batch.is_finished() && started.elapsed() < Duration::from_secs(20) {
        let call = Instant::now();
        if let Err(status) = client.authorize(photo_request()).await {
            refused = Some((status, call.elapsed()));
        }
    }
    let (status, took) = refused.expect("a call was refused while the batch was in flight");
    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
    assert!(
        status.message().contains("the limit is 1 (max-in-flight)"),
        "{}",
        status.message()
    );
    assert!(took < Duration::from_millis(500), "refused in {took:?}");
    let answer = batch.await.unwrap().expect("the batch itself succeeds");
    assert_eq!(answer.into_inner().responses.len(), 10_000);
    // The permit is back: calls succeed again.
    client.authorize(photo_request()).await.unwrap();
    assert!(metric(&server, rejected).await > before);
    server.join().await.unwrap();
}

/// The service is called in-process with a `grpc-timeout` header: over the
/// network, the client's own timer (tonic reads the same header) would race
/// the server's answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadlines_are_honoured() {
    let _serial = SERIAL.lock().await;
    let dir = store_dir();
    let server = Running::start(test_config(dir.path())).await;
    let service = AuthorizerService::new(server.state.clone());
    let decisions = "tollgate_decisions_total{decision=\"allowed\"}";

    // A deadline already passed on arrival: refused, not evaluated.
    let before = metric(&server, decisions).await;
    let status = service
        .authorize(with_timeout(photo_request(), "1n"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    let status = service
        .authorize_batch(with_timeout(slow_batch(100), "1n"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert_eq!(
        metric(&server, decisions).await,
        before,
        "nothing was decided"
    );

    // A batch that needs longer than its deadline is answered at it.
    let started = Instant::now();
    let status = service
        .authorize_batch(with_timeout(slow_batch(10_000), "50m"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let deadline = r#"tollgate_rejected_total{reason="deadline"}"#;
    assert!(metric(&server, deadline).await >= 3.0);

    // A deadline with room: answered, here and over the network.
    service
        .authorize(with_timeout(photo_request(), "5S"))
        .await
        .unwrap();
    let mut request = tonic::Request::new(photo_request());
    request.set_timeout(Duration::from_secs(5));
    server.client().await.authorize(request).await.unwrap();
    server.join().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_requests_name_field_and_setting() {
    let _serial = SERIAL.lock().await;
    let dir = store_dir();
    let mut config = test_config(dir.path());
    config.limits = RequestLimits {
        max_batch_size: 100,
        max_context_keys: 4,
        max_message_bytes: 64 << 10,
        max_session_policies: 2,
        ..RequestLimits::default()
    };
    let server = Running::start(config).await;
    let mut client = server.client().await;

    let status = client
        .authorize_batch(AuthorizeBatchRequest {
            requests: vec![photo_request(); 101],
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        status.message(),
        "requests: 101 requests, the limit is 100 (max-batch-size)"
    );

    let mut request = photo_request();
    for n in 0..5 {
        request
            .context
            .insert(format!("app:key{n}"), Default::default());
    }
    let mut batch = vec![photo_request(); 3];
    batch.push(request);
    let status = client
        .authorize_batch(AuthorizeBatchRequest { requests: batch })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        status.message(),
        "requests[3].context: 5 keys, the limit is 4 (max-context-keys)"
    );

    let request = AuthorizeRequest {
        session_policies: vec![SESSION.to_owned(); 3],
        ..photo_request()
    };
    let status = client.authorize(request).await.unwrap_err();
    assert_eq!(
        status.message(),
        "session_policies: 3 documents, the limit is 2 (max-session-policies)"
    );

    let request = AuthorizeRequest {
        resource: format!("arn:aws:s3:::photos/{}", "x".repeat(70_000)),
        ..photo_request()
    };
    let status = client.authorize(request).await.unwrap_err();
    assert_eq!(status.code(), Code::OutOfRange, "{status:?}");
    assert!(status.message().contains("65536"), "{}", status.message());

    let limit = r#"tollgate_rejected_total{reason="limit"}"#;
    assert!(metric(&server, limit).await >= 3.0);
    server.join().await.unwrap();
}

fn with_value(bytes: usize) -> AuthorizeRequest {
    let mut request = photo_request();
    request.context.insert(
        "app:note".to_owned(),
        ContextValues {
            values: vec![ContextValue {
                value: Some(Value::StringValue("n".repeat(bytes))),
            }],
        },
    );
    request
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_value_bytes_is_the_limit_the_request_is_read_with() {
    let _serial = SERIAL.lock().await;
    let dir = store_dir();

    // The default (8 KiB): a 9 KiB value is refused, naming the value.
    let server = Running::start(test_config(dir.path())).await;
    let mut client = server.client().await;
    let status = client.authorize(with_value(9 << 10)).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert_eq!(
        status.message(),
        r#"context["app:note"].values[0]: 9216 bytes, the limit is 8192 (max-value-bytes)"#
    );
    server.join().await.unwrap();

    // Raised to 32 KiB: a 16 KiB value is read and decided, a 40 KiB one refused.
    let mut config = test_config(dir.path());
    config.limits.max_value_bytes = 32 << 10;
    let server = Running::start(config).await;
    let mut client = server.client().await;
    let answer = client
        .authorize(with_value(16 << 10))
        .await
        .expect("a value under the raised limit is accepted")
        .into_inner();
    assert_eq!(answer.decision(), Decision::Allowed);
    let status = client.authorize(with_value(40 << 10)).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    assert!(
        status
            .message()
            .ends_with("the limit is 32768 (max-value-bytes)"),
        "{}",
        status.message()
    );
    server.join().await.unwrap();
}
