//! `AuthorizeStream`: every question answered once under its id with the
//! decision `Authorize` gives, failures answered in place without ending the
//! stream, session policy questions decided beside the others.

use std::collections::HashMap;

use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tollgate_proto::v1::authorize_stream_response::Result as Outcome;
use tollgate_proto::v1::{
    AuthorizeRequest, AuthorizeResponse, AuthorizeStreamRequest, AuthorizeStreamResponse, Decision,
    StreamError,
};
use tollgate_server::grpc::{MISSING_REQUEST, STREAM_WINDOW};

use crate::support::{ALICE, DEPLOY_SESSION, TestServer, ask, explained};

const ONLY_GET: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#;

fn question(id: u64, request: AuthorizeRequest) -> AuthorizeStreamRequest {
    AuthorizeStreamRequest {
        id,
        request: Some(request),
    }
}

/// Sends `questions` on one stream and returns every answer by id, after
/// checking that the stream ended with OK and no id was answered twice.
async fn exchange(
    server: &TestServer,
    questions: Vec<AuthorizeStreamRequest>,
) -> HashMap<u64, Outcome> {
    let mut client = server.client().await;
    let (send, receive) = mpsc::channel(16);
    let writer = tokio::spawn(async move {
        for question in questions {
            send.send(question).await.unwrap();
        }
    });
    let mut answers = client
        .authorize_stream(ReceiverStream::new(receive))
        .await
        .unwrap()
        .into_inner();
    let mut by_id = HashMap::new();
    while let Some(AuthorizeStreamResponse { id, result }) = answers.message().await.unwrap() {
        let previous = by_id.insert(id, result.expect("every answer has a result"));
        assert!(previous.is_none(), "question {id} answered twice");
    }
    writer.await.unwrap();
    by_id
}

fn decided(outcome: &Outcome) -> &AuthorizeResponse {
    match outcome {
        Outcome::Response(response) => response,
        Outcome::Error(error) => panic!("not decided: {error:?}"),
    }
}

fn failed(outcome: &Outcome) -> &StreamError {
    match outcome {
        Outcome::Error(error) => error,
        Outcome::Response(response) => panic!("decided: {response:?}"),
    }
}

#[tokio::test]
async fn answers_echo_ids_with_the_decisions_of_authorize() {
    let server = TestServer::with_test_store().await;
    let mut unary = server.client().await;
    let asks = [
        ask(ALICE, "s3:GetObject", "arn:aws:s3:::photos/cat.jpg"),
        ask(ALICE, "s3:DeleteObject", "arn:aws:s3:::photos/cat.jpg"),
        ask(ALICE, "s3:GetObject", "arn:aws:s3:::other/x"),
        explained(ask(ALICE, "s3:DeleteObject", "arn:aws:s3:::photos/a")),
    ];
    let mut expected = Vec::new();
    for request in &asks {
        expected.push(unary.authorize(request.clone()).await.unwrap().into_inner());
    }
    // Many more questions than the window, with ids that are not positions.
    let count = 20 * STREAM_WINDOW as u64;
    let questions = (0..count)
        .map(|i| question(i * 7 + 3, asks[(i % 4) as usize].clone()))
        .collect();
    let answers = exchange(&server, questions).await;
    assert_eq!(answers.len() as u64, count);
    for i in 0..count {
        let answer = decided(&answers[&(i * 7 + 3)]);
        assert_eq!(answer, &expected[(i % 4) as usize], "question {i}");
    }
    assert_eq!(expected[0].decision(), Decision::Allowed);
    assert_eq!(expected[1].decision(), Decision::ExplicitDeny);
    assert!(!expected[3].decisive.is_empty(), "explain is honoured");
    server.stop().await;
}

#[tokio::test]
async fn a_failing_question_is_answered_in_place_and_the_stream_goes_on() {
    let server = TestServer::with_test_store().await;
    let mut bad_principal = ask(ALICE, "s3:GetObject", "arn:aws:s3:::photos/cat.jpg");
    bad_principal.resource_account = "42".into();
    let mut unary = server.client().await;
    let unary_error = unary.authorize(bad_principal.clone()).await.unwrap_err();
    let questions = vec![
        AuthorizeStreamRequest {
            id: 1,
            request: None,
        },
        question(2, bad_principal),
        question(3, ask(ALICE, "s3:GetObject", "arn:aws:s3:::photos/cat.jpg")),
    ];
    let answers = exchange(&server, questions).await;
    let missing = failed(&answers[&1]);
    assert_eq!(missing.code, tonic::Code::InvalidArgument as i32);
    assert_eq!(missing.message, MISSING_REQUEST);
    let refused = failed(&answers[&2]);
    assert_eq!(refused.code, unary_error.code() as i32);
    assert_eq!(refused.message, unary_error.message());
    assert_eq!(decided(&answers[&3]).decision(), Decision::Allowed);
    server.stop().await;
}

#[tokio::test]
async fn session_policy_questions_are_decided_beside_the_others() {
    let server = TestServer::with_test_store().await;
    let mut narrowed = ask(DEPLOY_SESSION, "s3:PutObject", "arn:aws:s3:::releases/v1");
    narrowed.session_policies = vec![ONLY_GET.to_owned()];
    let mut allowed = ask(DEPLOY_SESSION, "s3:GetObject", "arn:aws:s3:::releases/v1");
    allowed.session_policies = vec![ONLY_GET.to_owned()];
    let mut questions = Vec::new();
    for i in 0..50 {
        questions.push(question(i * 3, narrowed.clone()));
        questions.push(question(i * 3 + 1, allowed.clone()));
        questions.push(question(
            i * 3 + 2,
            ask(ALICE, "s3:GetObject", "arn:aws:s3:::photos/cat.jpg"),
        ));
    }
    let answers = exchange(&server, questions).await;
    assert_eq!(answers.len(), 150);
    for i in 0..50 {
        assert_eq!(
            decided(&answers[&(i * 3)]).decision(),
            Decision::ImplicitDeny
        );
        assert_eq!(
            decided(&answers[&(i * 3 + 1)]).decision(),
            Decision::Allowed
        );
        assert_eq!(
            decided(&answers[&(i * 3 + 2)]).decision(),
            Decision::Allowed
        );
    }
    server.stop().await;
}

#[tokio::test]
async fn without_a_revision_each_question_is_unavailable() {
    let state = std::sync::Arc::new(tollgate_server::state::PolicyState::empty());
    let server = TestServer::start(state).await;
    let answers = exchange(
        &server,
        vec![question(
            9,
            ask(ALICE, "s3:GetObject", "arn:aws:s3:::photos/a"),
        )],
    )
    .await;
    assert_eq!(failed(&answers[&9]).code, tonic::Code::Unavailable as i32);
    server.stop().await;
}
