//! Context values of every type reach the engine as the text it compares.

use tollgate_proto::v1::context_value::Value;
use tollgate_proto::v1::{AuthorizeRequest, ContextValue, Decision};
use tonic::Code;

use crate::support::{ALICE, TestServer, ask, values};

fn with(mut request: AuthorizeRequest, key: &str, given: Vec<Value>) -> AuthorizeRequest {
    let given = given.into_iter().map(|v| ContextValue { value: Some(v) });
    request.context.insert(key.to_owned(), values(given));
    request
}

#[tokio::test]
async fn every_value_type_decides() {
    let server = TestServer::with_test_store().await;
    let mut client = server.client().await;
    let s = |text: &str| Value::StringValue(text.to_owned());
    let cases = [
        // string
        (
            "ec2:DescribeInstances",
            "aws:SourceIp",
            vec![s("10.1.2.3")],
            Decision::Allowed,
        ),
        (
            "ec2:DescribeInstances",
            "aws:SourceIp",
            vec![s("192.168.0.1")],
            Decision::ImplicitDeny,
        ),
        // number: integral doubles are written without a fraction
        (
            "s3:ListBucket",
            "s3:max-keys",
            vec![Value::NumberValue(10.0)],
            Decision::Allowed,
        ),
        (
            "s3:ListBucket",
            "s3:max-keys",
            vec![Value::NumberValue(2.5)],
            Decision::Allowed,
        ),
        (
            "s3:ListBucket",
            "s3:max-keys",
            vec![Value::NumberValue(10.5)],
            Decision::ImplicitDeny,
        ),
        // bool
        (
            "iam:ChangePassword",
            "aws:MultiFactorAuthPresent",
            vec![Value::BoolValue(true)],
            Decision::Allowed,
        ),
        (
            "iam:ChangePassword",
            "aws:MultiFactorAuthPresent",
            vec![Value::BoolValue(false)],
            Decision::ImplicitDeny,
        ),
        // bytes, compared as base64
        (
            "kms:Decrypt",
            "kms:EncryptionContext/blob",
            vec![Value::BinaryValue(b"Binary".to_vec())],
            Decision::Allowed,
        ),
        (
            "kms:Decrypt",
            "kms:EncryptionContext/blob",
            vec![Value::BinaryValue(b"binary".to_vec())],
            Decision::ImplicitDeny,
        ),
        // several values, against a store-derived principal tag
        (
            "s3:TagResource",
            "aws:TagKeys",
            vec![s("owner"), s("data")],
            Decision::Allowed,
        ),
        (
            "s3:TagResource",
            "aws:TagKeys",
            vec![s("owner"), s("web")],
            Decision::ImplicitDeny,
        ),
    ];
    for (action, key, given, expected) in cases {
        let request = with(ask(ALICE, action, "*"), key, given.clone());
        let answer = client.authorize(request).await.unwrap().into_inner();
        assert_eq!(answer.decision(), expected, "{action} {key}={given:?}");
    }
    // Keys compare without regard to case.
    let request = with(
        ask(ALICE, "ec2:DescribeInstances", "*"),
        "AWS:SOURCEIP",
        vec![s("10.9.9.9")],
    );
    let answer = client.authorize(request).await.unwrap().into_inner();
    assert_eq!(answer.decision(), Decision::Allowed);
    // Without the key, the condition does not hold.
    let answer = client
        .authorize(ask(ALICE, "ec2:DescribeInstances", "*"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.decision(), Decision::ImplicitDeny);
    server.stop().await;
}

#[tokio::test]
async fn bad_context_values_name_the_key_and_index() {
    let server = TestServer::with_test_store().await;
    let mut client = server.client().await;
    let mut request = ask(ALICE, "ec2:DescribeInstances", "*");
    request.context.insert(
        "aws:SourceIp".to_owned(),
        values([
            ContextValue {
                value: Some(Value::StringValue("10.0.0.1".into())),
            },
            ContextValue { value: None },
        ]),
    );
    let status = client.authorize(request).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status
            .message()
            .starts_with(r#"context["aws:SourceIp"].values[1]: empty value"#),
        "{}",
        status.message()
    );

    let request = with(
        ask(ALICE, "s3:ListBucket", "*"),
        "s3:max-keys",
        vec![Value::NumberValue(f64::NAN)],
    );
    let status = client.authorize(request).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status
            .message()
            .starts_with(r#"context["s3:max-keys"].values[0]: NaN is not a finite number"#),
        "{}",
        status.message()
    );
    server.stop().await;
}
