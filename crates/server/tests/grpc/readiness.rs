//! Before the first revision loads: `UNAVAILABLE`, health `NOT_SERVING`,
//! and a status that still reports reload failures; then serving once a
//! revision is installed and the health handle follows the state.

use std::sync::Arc;

use tollgate_proto::v1::{AuthorizeBatchRequest, Decision, GetPolicyStatusRequest};
use tollgate_server::grpc::NOT_LOADED;
use tollgate_server::state::PolicyState;
use tonic::Code;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use crate::support::{ALICE, TestServer, ask, snapshot, test_store};

async fn health(server: &TestServer, service: &str) -> ServingStatus {
    HealthClient::new(server.channel().await)
        .check(HealthCheckRequest {
            service: service.to_owned(),
        })
        .await
        .unwrap()
        .into_inner()
        .status()
}

#[tokio::test]
async fn unavailable_until_a_revision_loads() {
    let state = Arc::new(PolicyState::empty());
    let server = TestServer::start(state.clone()).await;
    let mut client = server.client().await;
    let request = ask(ALICE, "s3:GetObject", "arn:aws:s3:::photos/a");

    let status = client.authorize(request.clone()).await.unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
    assert_eq!(status.message(), NOT_LOADED);
    let status = client
        .authorize_batch(AuthorizeBatchRequest {
            requests: vec![request.clone()],
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unavailable);
    assert_eq!(health(&server, "").await, ServingStatus::NotServing);
    assert_eq!(
        health(&server, "tollgate.v1.Authorizer").await,
        ServingStatus::NotServing
    );

    state.record_failure("the store folder is missing".to_owned());
    let status = client
        .get_policy_status(GetPolicyStatusRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(status.revision, "");
    assert_eq!(status.loaded_at, None);
    assert_eq!(status.last_reload_error, "the store folder is missing");
    assert_eq!(status.reloads_failed, 1);

    state.install(snapshot(test_store(), "test store"));
    server.health.follow(&state).await;
    let answer = client.authorize(request).await.unwrap().into_inner();
    assert_eq!(answer.decision(), Decision::Allowed);
    assert_eq!(health(&server, "").await, ServingStatus::Serving);
    assert_eq!(
        health(&server, "tollgate.v1.Authorizer").await,
        ServingStatus::Serving
    );
    server.stop().await;
}
