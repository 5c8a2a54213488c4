//! Session policies narrow a role session's permissions, per request.

use tollgate_proto::v1::Decision;
use tonic::Code;

use crate::support::{DEPLOY_SESSION, TestServer, ask, explained};

const ONLY_GET: &str = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "OnlyGet", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#;

#[tokio::test]
async fn session_policies_narrow_the_role() {
    let server = TestServer::with_test_store().await;
    let mut client = server.client().await;
    let put = ask(
        DEPLOY_SESSION,
        "s3:PutObject",
        "arn:aws:s3:::releases/v1.tgz",
    );
    let get = ask(
        DEPLOY_SESSION,
        "s3:GetObject",
        "arn:aws:s3:::releases/v1.tgz",
    );

    // The role alone may do both.
    for request in [&put, &get] {
        let answer = client
            .authorize(request.clone())
            .await
            .unwrap()
            .into_inner();
        assert_eq!(answer.decision(), Decision::Allowed, "{request:?}");
    }

    let narrowed = |mut request: tollgate_proto::v1::AuthorizeRequest| {
        request.session_policies = vec![ONLY_GET.to_owned()];
        request
    };
    let answer = client.authorize(narrowed(put)).await.unwrap().into_inner();
    assert_eq!(answer.decision(), Decision::ImplicitDeny);
    let answer = client
        .authorize(explained(narrowed(get)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.decision(), Decision::Allowed);
    let places: Vec<(&str, &str)> = answer
        .decisive
        .iter()
        .map(|d| (d.policy.as_str(), d.sid.as_str()))
        .collect();
    assert!(
        places.contains(&("sessionPolicies[0]", "OnlyGet")),
        "{places:?}"
    );
    assert!(
        places.iter().any(|(_, sid)| *sid == "Everything"),
        "{places:?}"
    );
    server.stop().await;
}

#[tokio::test]
async fn bad_session_policies_name_the_document() {
    let server = TestServer::with_test_store().await;
    let mut client = server.client().await;
    let mut request = ask(DEPLOY_SESSION, "s3:GetObject", "*");
    request.session_policies = vec![ONLY_GET.to_owned(), "{not json".to_owned()];
    let status = client.authorize(request).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status.message().starts_with("session_policies[1]"),
        "{}",
        status.message()
    );

    let mut request = ask(DEPLOY_SESSION, "s3:GetObject", "*");
    request.session_policies =
        vec![r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}]}"#.to_owned()];
    let status = client.authorize(request).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status
            .message()
            .starts_with("session_policies[0].Statement[0].Effect: "),
        "{}",
        status.message()
    );
    server.stop().await;
}
