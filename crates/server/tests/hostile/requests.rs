//! Hostile requests at the gRPC edge (issue 12, items 1-3 and 13): principal
//! ARNs that would pass for another principal, actions that are patterns or
//! look-alikes, context keys that are not the caller's to set, a
//! single-valued key given twice, a typed key given a value of another type,
//! binary values bounded by their decoded length. Each malformed request
//! gets `INVALID_ARGUMENT` naming the field; each well-formed one that is
//! not the store's principal is decided as unknown.

use std::collections::HashMap;

use tollgate_proto::v1::context_value::Value;
use tollgate_proto::v1::{AuthorizeRequest, ContextValue, ContextValues, Decision};
use tollgate_server::limits::RequestLimits;
use tonic::Code;

use crate::harness::{Running, http_get, store_dir, test_config, write_atomic};

/// bob may do anything, except leave the organization, but only from
/// `us-east-1` over TLS; a `team=admins` tag would let him read secrets.
const BOB: &str = "arn:aws:iam::111122223333:user/bob";
const BOB_FILE: &str = "accounts/111122223333/users/bob.json";
const BOB_TEXT: &str = r#"{"Tags": {"team": "dev"}, "InlinePolicies": {"p": {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"},
    {"Effect": "Deny", "Action": "ec2:*", "Resource": "*",
     "Condition": {"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}}},
    {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    {"Effect": "Deny", "Action": "secrets:GetSecretValue", "Resource": "*",
     "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": "admins"}}}
]}}}"#;

async fn start(limits: RequestLimits) -> (Running, tempfile::TempDir) {
    let dir = store_dir();
    write_atomic(dir.path(), BOB_FILE, BOB_TEXT);
    let mut config = test_config(dir.path());
    config.limits = limits;
    (Running::start(config).await, dir)
}

fn asking(principal: &str, action: &str) -> AuthorizeRequest {
    AuthorizeRequest {
        principal: principal.to_owned(),
        action: action.to_owned(),
        resource: "*".to_owned(),
        explain: true,
        ..AuthorizeRequest::default()
    }
}

fn with(mut request: AuthorizeRequest, key: &str, values: Vec<Value>) -> AuthorizeRequest {
    request.context = HashMap::from([(
        key.to_owned(),
        ContextValues {
            values: values
                .into_iter()
                .map(|v| ContextValue { value: Some(v) })
                .collect(),
        },
    )]);
    request
}

fn text(value: &str) -> Value {
    Value::StringValue(value.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_are_invalid_arguments_naming_the_field() {
    let (server, _dir) = start(RequestLimits::default()).await;
    let mut client = server.client().await;
    // The baseline: each rule's well-formed request is decided.
    let ok = client.authorize(asking(BOB, "s3:GetObject")).await.unwrap();
    assert_eq!(ok.into_inner().decision(), Decision::Allowed);

    let cases: Vec<(AuthorizeRequest, &str)> = vec![
        (
            asking(
                "arn:aws:iam::111122223333:user/alice\0arn:aws:iam::111122223333:user/bob",
                "s3:GetObject",
            ),
            "principal: ",
        ),
        (
            asking(
                "arn:aws:iam:us-east-1:111122223333:user/bob",
                "s3:GetObject",
            ),
            "principal: ",
        ),
        (asking(BOB, "organizations:Leave*"), "action: "),
        (asking(BOB, "s3:*"), "action: "),
        (asking(BOB, "s3:GetObject\0"), "action: "),
        (
            asking(BOB, "organizations:LeaveOrganizat\u{131}on"),
            "action: ",
        ),
        (
            AuthorizeRequest {
                resource: "bucket".into(),
                ..asking(BOB, "s3:GetObject")
            },
            "resource: ",
        ),
        (
            with(
                asking(BOB, "secrets:GetSecretValue"),
                "aws:PrincipalTag/team",
                vec![text("admins")],
            ),
            r#"context["aws:PrincipalTag/team"]: "#,
        ),
        (
            with(
                asking(BOB, "s3:GetObject"),
                "aws:ResourceOrgID",
                vec![text("o-attacker")],
            ),
            r#"context["aws:ResourceOrgID"]: "#,
        ),
        (
            with(
                asking(BOB, "ec2:RunInstances"),
                "aws:RequestedRegion",
                vec![text("us-east-1"), text("eu-west-1")],
            ),
            r#"context["aws:RequestedRegion"]: "#,
        ),
        (
            with(
                asking(BOB, "s3:GetObject"),
                "aws:SecureTransport",
                vec![Value::NumberValue(0.0)],
            ),
            r#"context["aws:SecureTransport"].values[0]: "#,
        ),
    ];
    for (request, field) in cases {
        let shown = format!(
            "{} {}",
            request.principal.escape_debug(),
            request.action.escape_debug()
        );
        let status = client.authorize(request).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{shown}: {status:?}");
        assert!(
            status.message().starts_with(field),
            "{shown}: expected `{field}...`, got `{}`",
            status.message()
        );
    }
    // The typed and single-valued keys given right are decided as before.
    let region = with(
        asking(BOB, "ec2:RunInstances"),
        "aws:RequestedRegion",
        vec![text("eu-west-1")],
    );
    let answer = client.authorize(region).await.unwrap().into_inner();
    assert_eq!(answer.decision(), Decision::ExplicitDeny);
    let insecure = with(
        asking(BOB, "s3:GetObject"),
        "aws:SecureTransport",
        vec![Value::BoolValue(false)],
    );
    let answer = client.authorize(insecure).await.unwrap().into_inner();
    assert_eq!(answer.decision(), Decision::ExplicitDeny);
    server.join().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn well_formed_principals_that_are_not_the_stores_are_unknown() {
    let (server, _dir) = start(RequestLimits::default()).await;
    let mut client = server.client().await;
    for (principal, reason) in [
        (
            "arn:aws:iam::111122223333:user/alice/../bob",
            "principal not found in the store",
        ),
        (
            "arn:aws:iam::111122223333:user/not-bob/../../bob",
            "principal not found in the store",
        ),
        (
            "arn:aws-us-gov:iam::111122223333:user/bob",
            "principal's account not found in the store",
        ),
    ] {
        let answer = client
            .authorize(asking(principal, "s3:GetObject"))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(answer.decision(), Decision::ImplicitDeny, "{principal}");
        assert_eq!(answer.reason, reason, "{principal}");
    }
    server.join().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ignored_principal_keys_are_dropped_and_counted() {
    let limits = RequestLimits {
        caller_principal_keys: tollgate_policy::CallerPrincipalKeys::Ignore,
        ..RequestLimits::default()
    };
    let (server, _dir) = start(limits).await;
    let mut client = server.client().await;
    let request = with(
        asking(BOB, "secrets:GetSecretValue"),
        "aws:PrincipalTag/team",
        vec![text("admins")],
    );
    let answer = client.authorize(request).await.unwrap().into_inner();
    // The store's tag (`dev`) applies, not the caller's `admins`.
    assert_eq!(answer.decision(), Decision::ExplicitDeny);
    let (code, metrics) = http_get(server.admin, "/metrics").await;
    assert_eq!(code, 200);
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("tollgate_ignored_context_keys_total") && l.ends_with(" 1")),
        "{metrics}"
    );
    server.join().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_values_are_bounded_by_their_decoded_length() {
    let limits = RequestLimits {
        max_value_bytes: 64,
        ..RequestLimits::default()
    };
    let (server, _dir) = start(limits).await;
    let mut client = server.client().await;
    let binary = |n: usize| {
        with(
            asking(BOB, "s3:GetObject"),
            "s3:x-amz-content",
            vec![Value::BinaryValue(vec![0xab; n])],
        )
    };
    // 64 bytes are 88 base64 characters: within a 64-byte limit.
    let answer = client.authorize(binary(64)).await.unwrap().into_inner();
    assert_eq!(answer.decision(), Decision::Allowed);
    let status = client.authorize(binary(65)).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().contains("max-value-bytes"),
        "{}",
        status.message()
    );
    server.join().await.unwrap();
}
