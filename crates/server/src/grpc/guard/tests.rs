use std::collections::HashMap;

use tollgate_proto::v1::{ContextValue, ContextValues};

use super::*;

fn small() -> RequestLimits {
    RequestLimits {
        max_batch_size: 2,
        max_context_keys: 2,
        max_values_per_key: 2,
        max_value_bytes: 8,
        max_session_policies: 1,
        max_session_policy_bytes: 10,
        ..RequestLimits::default()
    }
}

fn text(value: &str) -> ContextValue {
    ContextValue {
        value: Some(Value::StringValue(value.to_owned())),
    }
}

fn with_context(entries: &[(&str, Vec<ContextValue>)]) -> AuthorizeRequest {
    AuthorizeRequest {
        context: entries
            .iter()
            .map(|(key, values)| {
                let values = ContextValues {
                    values: values.clone(),
                };
                ((*key).to_owned(), values)
            })
            .collect::<HashMap<_, _>>(),
        ..AuthorizeRequest::default()
    }
}

fn fault(result: Result<(), LimitError>) -> String {
    match result {
        Ok(()) => String::from("accepted"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn grpc_timeout_reads_every_unit() {
    assert_eq!(grpc_timeout("2H"), Some(Duration::from_secs(7200)));
    assert_eq!(grpc_timeout("3M"), Some(Duration::from_secs(180)));
    assert_eq!(grpc_timeout("4S"), Some(Duration::from_secs(4)));
    assert_eq!(grpc_timeout("5m"), Some(Duration::from_millis(5)));
    assert_eq!(grpc_timeout("6u"), Some(Duration::from_micros(6)));
    assert_eq!(grpc_timeout("0n"), Some(Duration::ZERO));
    for bad in ["", "S", "123456789S", "5x", "-5S", "5 S", "5é"] {
        assert_eq!(grpc_timeout(bad), None, "{bad:?}");
    }
}

#[test]
fn deadline_is_the_shorter_of_caller_and_cap() {
    let mut metadata = MetadataMap::new();
    let cap = Duration::from_secs(30);
    let before = Instant::now();
    assert!(Deadline::from_metadata(Instant::now(), &metadata, cap).instant() >= before + cap);
    metadata.insert(
        "grpc-timeout",
        tonic::metadata::MetadataValue::from_static("0n"),
    );
    assert!(
        Deadline::from_metadata(Instant::now(), &metadata, cap)
            .check()
            .is_err()
    );
    metadata.insert(
        "grpc-timeout",
        tonic::metadata::MetadataValue::from_static("1H"),
    );
    let deadline = Deadline::from_metadata(Instant::now(), &metadata, cap).instant();
    assert!(deadline <= Instant::now() + cap);
}

#[test]
fn deadline_counts_from_the_start_it_is_given() {
    let cap = Duration::from_secs(30);
    let start = Instant::now();
    let mut headers = http::HeaderMap::new();
    headers.insert("grpc-timeout", http::HeaderValue::from_static("100m"));
    let deadline = Deadline::from_headers(start, &headers, cap).instant();
    assert_eq!(deadline, start + Duration::from_millis(100));
    // The edge's deadline, once in the request, wins over the metadata.
    let mut request = tonic::Request::new(());
    request
        .extensions_mut()
        .insert(Deadline::from_headers(start, &headers, cap));
    assert_eq!(Deadline::of(&request, cap).instant(), deadline);
}

#[test]
fn each_limit_names_field_and_setting() {
    let limits = small();
    let batch = AuthorizeBatchRequest {
        requests: vec![AuthorizeRequest::default(); 3],
    };
    assert_eq!(
        fault(check_batch(&batch, &limits)),
        "requests: 3 requests, the limit is 2 (max-batch-size)"
    );
    let long = AuthorizeRequest {
        resource: "arn:aws:s3:::bucket".to_owned(),
        ..AuthorizeRequest::default()
    };
    let batch = AuthorizeBatchRequest {
        requests: vec![AuthorizeRequest::default(), long],
    };
    assert_eq!(
        fault(check_batch(&batch, &limits)),
        "requests[1].resource: 19 bytes, the limit is 8 (max-value-bytes)"
    );
    let keys = with_context(&[("a", vec![]), ("b", vec![]), ("c", vec![])]);
    assert_eq!(
        fault(check_request(&keys, &limits)),
        "context: 3 keys, the limit is 2 (max-context-keys)"
    );
    let values = with_context(&[("k", vec![text("1"), text("2"), text("3")])]);
    assert_eq!(
        fault(check_request(&values, &limits)),
        "context[\"k\"]: 3 values, the limit is 2 (max-values-per-key)"
    );
    let value = with_context(&[("k", vec![text("1"), text("123456789")])]);
    assert_eq!(
        fault(check_request(&value, &limits)),
        "context[\"k\"].values[1]: 9 bytes, the limit is 8 (max-value-bytes)"
    );
    let key = with_context(&[("aws:TooLongKey", vec![])]);
    assert_eq!(
        fault(check_request(&key, &limits)),
        "context[\"aws:TooLongKey\"]: the key has 14 bytes, the limit is 8 (max-value-bytes)"
    );
    let session = AuthorizeRequest {
        session_policies: vec!["{}".to_owned(), "{}".to_owned()],
        ..AuthorizeRequest::default()
    };
    assert_eq!(
        fault(check_request(&session, &limits)),
        "session_policies: 2 documents, the limit is 1 (max-session-policies)"
    );
    let session = AuthorizeRequest {
        session_policies: vec!["{\"Version\": 1}".to_owned()],
        ..AuthorizeRequest::default()
    };
    assert_eq!(
        fault(check_request(&session, &limits)),
        "session_policies[0]: 14 bytes, the limit is 10 (max-session-policy-bytes)"
    );
    assert_eq!(
        fault(check_request(&AuthorizeRequest::default(), &limits)),
        "accepted"
    );
}

#[test]
fn admission_refuses_beyond_the_limit_and_frees_on_drop() {
    let admission = Admission::new(2);
    let first = admission.admit();
    let second = admission.admit();
    assert!(first.is_ok() && second.is_ok());
    let refused = admission
        .admit()
        .err()
        .map(|s| (s.code(), s.message().to_owned()));
    let Some((code, message)) = refused else {
        unreachable!("a third call was admitted");
    };
    assert_eq!(code, tonic::Code::ResourceExhausted);
    assert!(
        message.contains("the limit is 2 (max-in-flight)"),
        "{message}"
    );
    drop(first);
    assert!(admission.admit().is_ok());
}
