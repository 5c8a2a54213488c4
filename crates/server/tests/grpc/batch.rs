//! `AuthorizeBatch`: one revision for all, answers in request order, and a
//! malformed request failing the whole batch with its index.

use tollgate_proto::v1::{AuthorizeBatchRequest, Decision, GetPolicyStatusRequest};
use tollgate_server::grpc::INLINE_BATCH;
use tonic::Code;

use crate::support::{ALICE, DEPLOY_SESSION, TestServer, ask, explained};

#[tokio::test]
async fn answers_in_order_from_one_revision() {
    let server = TestServer::with_test_store().await;
    let mut client = server.client().await;
    let mut narrowed = ask(DEPLOY_SESSION, "s3:PutObject", "*");
    narrowed.session_policies = vec![
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}"#.to_owned(),
    ];
    let requests = vec![
        ask(ALICE, "s3:DeleteObject", "arn:aws:s3:::photos/a"),
        ask(ALICE, "s3:GetObject", "arn:aws:s3:::photos/a"),
        explained(ask(
            "arn:aws:iam::111122223333:user/nobody",
            "s3:GetObject",
            "*",
        )),
        ask(DEPLOY_SESSION, "s3:PutObject", "*"),
        narrowed,
        ask(ALICE, "s3:GetObject", "arn:aws:s3:::photos/b"),
    ];
    let expected = [
        Decision::ExplicitDeny,
        Decision::Allowed,
        Decision::ImplicitDeny,
        Decision::Allowed,
        Decision::ImplicitDeny,
        Decision::Allowed,
    ];
    let batch = client
        .authorize_batch(AuthorizeBatchRequest {
            requests: requests.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let decisions: Vec<Decision> = batch.responses.iter().map(|r| r.decision()).collect();
    assert_eq!(decisions, expected);
    assert!(!batch.revision.is_empty());
    for response in &batch.responses {
        assert_eq!(response.revision, batch.revision);
    }
    assert_eq!(
        batch.responses[2].reason,
        "principal not found in the store"
    );
    // Each answer is what Authorize gives for the same request.
    for (request, response) in requests.into_iter().zip(&batch.responses) {
        let single = client.authorize(request).await.unwrap().into_inner();
        assert_eq!(&single, response);
    }
    let status = client
        .get_policy_status(GetPolicyStatusRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(status.revision, batch.revision);

    let empty = client
        .authorize_batch(AuthorizeBatchRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert!(empty.responses.is_empty());
    assert_eq!(empty.revision, batch.revision);
    server.stop().await;
}

#[tokio::test]
async fn a_malformed_request_fails_the_batch_naming_its_index() {
    let server = TestServer::with_test_store().await;
    let mut client = server.client().await;
    let mut bad_session = ask(DEPLOY_SESSION, "s3:GetObject", "*");
    bad_session.session_policies = vec!["[]".to_owned()];
    let cases = [
        (
            ask("bob", "s3:GetObject", "*"),
            "requests[2].principal: `bob` is not a principal",
        ),
        (ask(ALICE, "", "*"), "requests[2].action: required"),
        (bad_session, "requests[2].session_policies[0]"),
    ];
    for (bad, expected) in cases {
        let requests = vec![
            ask(ALICE, "s3:GetObject", "*"),
            ask(ALICE, "s3:GetObject", "*"),
            bad,
            ask(ALICE, "s3:GetObject", "*"),
        ];
        let status = client
            .authorize_batch(AuthorizeBatchRequest { requests })
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(
            status.message().starts_with(expected),
            "expected {expected:?}, got {:?}",
            status.message()
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn a_large_batch_keeps_its_order() {
    let server = TestServer::with_test_store().await;
    let mut client = server.client().await;
    let count = 3 * INLINE_BATCH + 1;
    let actions = ["s3:GetObject", "s3:DeleteObject", "ec2:DescribeInstances"];
    let expected = [
        Decision::Allowed,
        Decision::ExplicitDeny,
        Decision::ImplicitDeny,
    ];
    let requests = (0..count)
        .map(|i| ask(ALICE, actions[i % 3], &format!("arn:aws:s3:::photos/{i}")))
        .collect();
    let batch = client
        .authorize_batch(AuthorizeBatchRequest { requests })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(batch.responses.len(), count);
    for (i, response) in batch.responses.iter().enumerate() {
        assert_eq!(response.decision(), expected[i % 3], "request {i}");
        assert_eq!(response.revision, batch.revision);
    }
    server.stop().await;
}
