//! `Authorize`: each decision, explained and not, and malformed requests.

use std::sync::Arc;

use tollgate_proto::v1::{AuthorizeRequest, Decision, Effect};
use tollgate_server::state::PolicyState;
use tollgate_store::Store;
use tonic::Code;

use crate::support::{ALICE, ALICE_POLICY, TestServer, ask, explained, snapshot};

#[tokio::test]
async fn allowed_with_and_without_explain() {
    let server = TestServer::with_test_store().await;
    let mut client = server.client().await;
    let request = ask(ALICE, "s3:GetObject", "arn:aws:s3:::photos/cat.jpg");

    let fast = client
        .authorize(request.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(fast.decision(), Decision::Allowed);
    assert!(fast.revision.len() > 8, "revision {:?}", fast.revision);
    assert!(fast.decisive.is_empty());
    assert!(fast.reason.is_empty());

    let slow = client
        .authorize(explained(request))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(slow.decision(), Decision::Allowed);
    assert_eq!(slow.revision, fast.revision);
    let sids: Vec<&str> = slow.decisive.iter().map(|d| d.sid.as_str()).collect();
    assert_eq!(sids, ["ReadPhotos", "AnyPhotos"]);
    for statement in &slow.decisive {
        assert!(statement.policy.starts_with(ALICE_POLICY), "{statement:?}");
        assert_eq!(statement.effect(), Effect::Allow);
    }
    assert_eq!(slow.decisive[0].index, 0);
    assert_eq!(slow.decisive[1].index, 2);
    assert!(slow.reason.is_empty(), "{:?}", slow.reason);
    server.stop().await;
}

#[tokio::test]
async fn explicit_deny_names_the_deny_statements() {
    let server = TestServer::with_test_store().await;
    let mut client = server.client().await;
    let request = ask(ALICE, "s3:DeleteObject", "arn:aws:s3:::photos/cat.jpg");
    let fast = client
        .authorize(request.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(fast.decision(), Decision::ExplicitDeny);
    let slow = client
        .authorize(explained(request))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(slow.decision(), Decision::ExplicitDeny);
    assert_eq!(slow.decisive.len(), 1, "{:?}", slow.decisive);
    let deny = &slow.decisive[0];
    assert_eq!((deny.sid.as_str(), deny.index), ("NoDelete", 1));
    assert_eq!(deny.effect(), Effect::Deny);
    assert!(deny.policy.starts_with(ALICE_POLICY), "{deny:?}");
    server.stop().await;
}

#[tokio::test]
async fn implicit_deny_explains_what_the_store_lacks() {
    let server = TestServer::with_test_store().await;
    let mut client = server.client().await;

    let known = ask(ALICE, "s3:GetObject", "arn:aws:s3:::other/cat.jpg");
    let answer = client
        .authorize(explained(known))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.decision(), Decision::ImplicitDeny);
    assert!(answer.decisive.is_empty());
    assert!(answer.reason.is_empty(), "{:?}", answer.reason);
    let explanation = answer.explanation.expect("an implicit deny is explained");
    assert_eq!(explanation.unmet.len(), 1, "{explanation:?}");
    assert_eq!(explanation.unmet[0].kind, "identity");
    assert_eq!(
        explanation.lines[0],
        "identity: no identity-based policy allows"
    );

    let stranger = ask(
        "arn:aws:iam::111122223333:user/mallory",
        "s3:GetObject",
        "arn:aws:s3:::photos/cat.jpg",
    );
    let answer = client
        .authorize(explained(stranger.clone()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.decision(), Decision::ImplicitDeny);
    assert!(answer.decisive.is_empty());
    assert_eq!(answer.reason, "principal not found in the store");
    // Without explain, no reason and no explanation.
    let answer = client.authorize(stranger).await.unwrap().into_inner();
    assert_eq!(answer.decision(), Decision::ImplicitDeny);
    assert!(answer.reason.is_empty());
    assert!(answer.explanation.is_none());

    let foreigner = ask(
        "arn:aws:iam::999988887777:user/eve",
        "s3:GetObject",
        "arn:aws:s3:::photos/cat.jpg",
    );
    let answer = client
        .authorize(explained(foreigner))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.decision(), Decision::ImplicitDeny);
    assert_eq!(answer.reason, "principal's account not found in the store");
    server.stop().await;
}

/// A change that breaks a good request.
type Change = fn(&mut AuthorizeRequest);

#[tokio::test]
async fn malformed_requests_are_invalid_arguments_naming_the_field() {
    let server = TestServer::with_test_store().await;
    let mut client = server.client().await;
    let good = ask(ALICE, "s3:GetObject", "arn:aws:s3:::photos/cat.jpg");
    let cases: [(&str, Change); 6] = [
        ("principal: required", |r| r.principal.clear()),
        ("principal: `bob` is not a principal", |r| {
            r.principal = "bob".into()
        }),
        ("action: required", |r| r.action.clear()),
        ("action: `GetObject` is not an action", |r| {
            r.action = "GetObject".into()
        }),
        ("resource: required", |r| r.resource.clear()),
        ("resource_account: `42` is not an account id", |r| {
            r.resource_account = "42".into()
        }),
    ];
    for (expected, change) in cases {
        let mut request = good.clone();
        change(&mut request);
        let status = client.authorize(request).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        assert!(
            status.message().starts_with(expected),
            "expected {expected:?}, got {:?}",
            status.message()
        );
    }
    // The server still answers after errors.
    let answer = client.authorize(good).await.unwrap().into_inner();
    assert_eq!(answer.decision(), Decision::Allowed);
    server.stop().await;
}

#[tokio::test]
async fn serves_the_embedded_example() {
    let store = Store::embedded_example().unwrap();
    let state = PolicyState::serving(snapshot(store, "embedded example"));
    let server = TestServer::start(Arc::new(state)).await;
    let mut client = server.client().await;
    let request = ask(ALICE, "s3:GetObject", "arn:aws:s3:::example-photos/cat.jpg");
    let answer = client.authorize(request).await.unwrap().into_inner();
    assert_eq!(answer.decision(), Decision::Allowed);
    server.stop().await;
}

#[tokio::test]
async fn scp_statements_name_their_organization_level() {
    let store = Store::embedded_example().unwrap();
    let state = PolicyState::serving(snapshot(store, "embedded example"));
    let server = TestServer::start(Arc::new(state)).await;
    let mut client = server.client().await;
    let request = ask(ALICE, "s3:GetObject", "arn:aws:s3:::example-photos/cat.jpg");
    let answer = client
        .authorize(explained(request))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.decision(), Decision::Allowed);
    // `FullAWSAccess` at the root, the `workloads` OU and (by default) the
    // account: three entries, one per level.
    let full: Vec<&str> = answer
        .decisive
        .iter()
        .filter(|d| d.policy.ends_with("p-FullAWSAccess"))
        .map(|d| d.level.as_str())
        .collect();
    assert_eq!(
        full,
        ["r-ex12", "r-ex12/ou-ex12-workload1", "111122223333"],
        "{:?}",
        answer.decisive
    );
    // Other policies have no level.
    assert!(
        answer
            .decisive
            .iter()
            .filter(|d| !d.policy.ends_with("p-FullAWSAccess"))
            .all(|d| d.level.is_empty()),
        "{:?}",
        answer.decisive
    );
    server.stop().await;
}
