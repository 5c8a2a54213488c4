//! `GetPolicyStatus`: the serving revision, its sizes and warnings, the
//! reload history; and the metrics the RPCs record.

use std::sync::Arc;

use tollgate_proto::v1::{AuthorizeRequest, GetPolicyStatusRequest, SimulateRequest};
use tollgate_server::metrics;
use tollgate_server::state::PolicyState;

use crate::support::{ALICE, LOADED_AT_SECS, TestServer, ask, snapshot, test_store};

#[tokio::test]
async fn reports_the_serving_revision_and_reloads() {
    let store = test_store();
    let revision = store.revision().to_owned();
    let stats = store.stats();
    let state = Arc::new(PolicyState::serving(snapshot(store, "test store")));
    let server = TestServer::start(state.clone()).await;
    let mut client = server.client().await;

    let status = client
        .get_policy_status(GetPolicyStatusRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(status.revision, revision);
    assert_eq!(status.source, "test store");
    let loaded_at = status.loaded_at.unwrap();
    assert_eq!(
        (loaded_at.seconds, loaded_at.nanos),
        (LOADED_AT_SECS as i64, 0)
    );
    assert_eq!(status.accounts, 1);
    assert_eq!(status.principals, 2);
    assert_eq!(status.policies, stats.policies as u64);
    assert_eq!(status.statements, stats.statements as u64);
    assert!(status.statements >= 9, "{status:?}");
    assert_eq!(status.resource_policies, stats.resource_policies as u64);
    assert_eq!(status.reloads_succeeded, 1);
    assert_eq!(status.reloads_failed, 0);
    assert_eq!(status.last_reload_error, "");
    assert_eq!(status.last_reload_error_at, None);

    state.record_failure("accounts/x: broken".to_owned());
    let status = client
        .get_policy_status(GetPolicyStatusRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(status.revision, revision, "the old revision keeps serving");
    assert_eq!(status.last_reload_error, "accounts/x: broken");
    assert!(status.last_reload_error_at.is_some());
    assert_eq!(status.reloads_failed, 1);
    server.stop().await;
}

#[tokio::test]
async fn reports_warnings() {
    let store = tollgate_store::Store::embedded_example().unwrap();
    let warnings: Vec<String> = store.warnings().iter().map(ToString::to_string).collect();
    let state = Arc::new(PolicyState::serving(snapshot(store, "embedded example")));
    let server = TestServer::start(state).await;
    let status = server
        .client()
        .await
        .get_policy_status(GetPolicyStatusRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(status.warnings, warnings);
    assert_eq!(status.source, "embedded example");
    assert!(status.accounts >= 3, "{status:?}");
    server.stop().await;
}

#[tokio::test]
async fn rpcs_record_metrics() {
    let handle = metrics::install_recorder().unwrap();
    let server = TestServer::with_test_store().await;
    let mut client = server.client().await;
    client
        .authorize(ask(ALICE, "s3:GetObject", "arn:aws:s3:::photos/a"))
        .await
        .unwrap();
    client
        .authorize(ask(ALICE, "s3:DeleteObject", "arn:aws:s3:::photos/a"))
        .await
        .unwrap();
    client
        .authorize(AuthorizeRequest::default())
        .await
        .unwrap_err();
    client.simulate(SimulateRequest::default()).await.unwrap();
    let text = handle.render();
    for expected in [
        r#"tollgate_decisions_total{decision="allowed"}"#,
        r#"tollgate_decisions_total{decision="explicit_deny"}"#,
        "tollgate_decision_duration_seconds_bucket",
        r#"tollgate_rpc_duration_seconds_count{method="Authorize"}"#,
        r#"tollgate_rpc_duration_seconds_count{method="Simulate"}"#,
        r#"tollgate_rpc_errors_total{method="Authorize",code="INVALID_ARGUMENT"}"#,
    ] {
        assert!(text.contains(expected), "{expected} missing from\n{text}");
    }
    server.stop().await;
}
