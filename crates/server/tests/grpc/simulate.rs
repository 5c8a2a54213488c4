//! `Simulate`: the simulate contract's answer for one scenario; faults come
//! back in `error`, not as a failed RPC.

use tollgate_proto::v1::{Decision, Effect, SimulateRequest};

use crate::support::TestServer;

const READ: &str = r#"{"name": "read", "identityPolicies": [{"Version": "2012-10-17", "Statement": {"Sid": "AllowRead", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}], "request": {"principal": "arn:aws:iam::111122223333:user/sam", "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"}, "expect": "allowed"}"#;

async fn simulate(server: &TestServer, json: &str) -> tollgate_proto::v1::SimulateResponse {
    let mut client = server.client().await;
    client
        .simulate(SimulateRequest {
            scenario_json: json.to_owned(),
        })
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn a_good_scenario_gets_the_contract_answer() {
    let server = TestServer::with_test_store().await;
    let answer = simulate(&server, READ).await;
    assert_eq!(answer.error, "");
    assert_eq!(answer.decision(), Decision::Allowed);
    assert_eq!(
        answer.answer_json,
        r#"{"name": "read", "decision": "allowed", "decisive": [{"policy": "identityPolicies[0]", "index": 0, "sid": "AllowRead", "effect": "Allow"}]}"#
    );
    assert_eq!(answer.decisive.len(), 1);
    assert_eq!(answer.decisive[0].policy, "identityPolicies[0]");
    assert_eq!(answer.decisive[0].effect(), Effect::Allow);
    assert!(answer.has_expectation);
    assert!(answer.matches_expectation);

    let wrong = READ.replace(r#""expect": "allowed""#, r#""expect": "explicitDeny""#);
    let answer = simulate(&server, &wrong).await;
    assert_eq!(answer.decision(), Decision::Allowed);
    assert!(answer.has_expectation);
    assert!(!answer.matches_expectation);

    let unexpected = READ.replace(r#", "expect": "allowed""#, "");
    let answer = simulate(&server, &unexpected).await;
    assert!(!answer.has_expectation);
    assert!(!answer.matches_expectation);
    server.stop().await;
}

#[tokio::test]
async fn a_bad_scenario_gets_an_error_naming_the_json_path() {
    let server = TestServer::with_test_store().await;
    let bad = READ.replace("arn:aws:iam::111122223333:user/sam", "bob");
    let answer = simulate(&server, &bad).await;
    assert!(
        answer
            .error
            .starts_with("request.principal: `bob` is not a principal"),
        "{}",
        answer.error
    );
    assert_eq!(answer.decision(), Decision::Unspecified);
    assert!(answer.decisive.is_empty());
    let line: serde_json::Value = serde_json::from_str(&answer.answer_json).unwrap();
    assert_eq!(line["name"], "read");
    assert_eq!(line["error"], answer.error.as_str());

    let bad = READ.replace(r#""Effect": "Allow""#, r#""Effect": "Perhaps""#);
    let answer = simulate(&server, &bad).await;
    assert!(
        answer
            .error
            .starts_with("identityPolicies[0].Statement.Effect: "),
        "{}",
        answer.error
    );

    let answer = simulate(&server, "{not json").await;
    assert!(answer.error.starts_with("invalid JSON"), "{}", answer.error);
    assert_eq!(answer.decision(), Decision::Unspecified);
    let answer = simulate(&server, "[]").await;
    assert_eq!(answer.error, "expected one scenario object");
    server.stop().await;
}

#[tokio::test]
async fn scp_statements_carry_their_level_index() {
    let server = TestServer::with_test_store().await;
    let full = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#;
    let scenario = READ.replace(
        r#""request":"#,
        &format!(r#""serviceControlPolicies": [[{full}], [{full}]], "request":"#),
    );
    let answer = simulate(&server, &scenario).await;
    assert_eq!(answer.error, "");
    assert_eq!(answer.decision(), Decision::Allowed);
    let levels: Vec<(&str, &str)> = answer
        .decisive
        .iter()
        .map(|d| (d.policy.as_str(), d.level.as_str()))
        .collect();
    assert_eq!(
        levels,
        [
            ("identityPolicies[0]", ""),
            ("serviceControlPolicies[0][0]", "0"),
            ("serviceControlPolicies[1][0]", "1"),
        ]
    );
    assert!(
        answer.answer_json.contains(
            r#"{"policy": "serviceControlPolicies[1][0]", "index": 0, "sid": null, "effect": "Allow", "level": 1}"#
        ),
        "{}",
        answer.answer_json
    );
    server.stop().await;
}
