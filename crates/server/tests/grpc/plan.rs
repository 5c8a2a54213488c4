//! `PlanResources`: the three shapes of a plan, the filter agreeing with
//! `Authorize` on every ARN of a list, and hostile inputs refused with
//! `INVALID_ARGUMENT` naming the field.

use std::collections::HashMap;

use tollgate_proto::v1::plan_filter::Node;
use tollgate_proto::v1::{
    ContextValue, ContextValues, Decision, PlanFilter, PlanKind, PlanResourcesRequest,
    PlanResourcesResponse, context_value,
};
use tonic::Code;

use crate::support::{ALICE, DEPLOY_SESSION, TestServer, ask, values};

fn plan_request(principal: &str, action: &str, prefix: &str) -> PlanResourcesRequest {
    PlanResourcesRequest {
        principal: principal.to_owned(),
        action: action.to_owned(),
        resource_prefix: prefix.to_owned(),
        context: HashMap::new(),
    }
}

async fn plan(server: &TestServer, request: PlanResourcesRequest) -> PlanResourcesResponse {
    server
        .client()
        .await
        .plan_resources(request)
        .await
        .unwrap()
        .into_inner()
}

/// Glob matching as the filter defines it: `*` any run, `?` one
/// character, `\` before a character that stands for itself.
fn like(pattern: &[char], text: &[char]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some(('*', rest)) => (0..=text.len()).any(|i| like(rest, &text[i..])),
        Some(('?', rest)) => !text.is_empty() && like(rest, &text[1..]),
        Some(('\\', rest)) => match rest.split_first() {
            Some((c, rest)) => text.first() == Some(c) && like(rest, &text[1..]),
            None => false,
        },
        Some((c, rest)) => text.first() == Some(c) && like(rest, &text[1..]),
    }
}

/// The filter on `arn`; a context node is `unknown` (the tests that reach
/// one say what it should count as).
fn holds(filter: &PlanFilter, arn: &str, unknown: bool) -> bool {
    match filter.node.as_ref().unwrap() {
        Node::Constant(value) => *value,
        Node::Like(glob) => {
            let pattern: Vec<char> = glob.chars().collect();
            let text: Vec<char> = arn.chars().collect();
            like(&pattern, &text)
        }
        Node::Not(inner) => !holds(inner, arn, unknown),
        Node::All(list) => list.filters.iter().all(|f| holds(f, arn, unknown)),
        Node::Any(list) => list.filters.iter().any(|f| holds(f, arn, unknown)),
        Node::Context(_) => unknown,
    }
}

const ARNS: [&str; 6] = [
    "arn:aws:s3:::photos",
    "arn:aws:s3:::photos/",
    "arn:aws:s3:::photos/cat.jpg",
    "arn:aws:s3:::photos/2025/dog.jpg",
    "arn:aws:s3:::photosx/cat.jpg",
    "arn:aws:s3:::other/cat.jpg",
];

/// For every ARN of [`ARNS`] below `prefix`: the filter holds exactly when
/// `Authorize` allows.
async fn agrees_with_authorize(server: &TestServer, principal: &str, action: &str, prefix: &str) {
    let answer = plan(server, plan_request(principal, action, prefix)).await;
    let filter = answer.filter.as_ref().unwrap();
    let mut client = server.client().await;
    for arn in ARNS.iter().filter(|a| a.starts_with(prefix)) {
        let decided = client
            .authorize(ask(principal, action, arn))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(
            holds(filter, arn, false),
            decided.decision() == Decision::Allowed,
            "{principal} {action} {arn}: {answer:?}"
        );
    }
}

#[tokio::test]
async fn plans_have_the_three_shapes_and_agree_with_authorize() {
    let server = TestServer::with_test_store().await;

    let photos = plan(
        &server,
        plan_request(ALICE, "s3:GetObject", "arn:aws:s3:::"),
    )
    .await;
    assert_eq!(photos.kind(), PlanKind::Conditional);
    assert_eq!(
        photos.filter.as_ref().unwrap().node,
        Some(Node::Like("arn:aws:s3:::photos/*".to_owned()))
    );
    assert!(photos.missing_keys.is_empty());
    assert!(!photos.revision.is_empty());

    let any = plan(
        &server,
        plan_request(DEPLOY_SESSION, "s3:GetObject", "arn:aws:s3:::"),
    )
    .await;
    assert_eq!(any.kind(), PlanKind::AlwaysAllowed);
    assert_eq!(any.filter.unwrap().node, Some(Node::Constant(true)));

    let delete = plan(
        &server,
        plan_request(ALICE, "s3:DeleteObject", "arn:aws:s3:::photos/"),
    )
    .await;
    assert_eq!(delete.kind(), PlanKind::AlwaysDenied);
    assert_eq!(delete.filter.unwrap().node, Some(Node::Constant(false)));

    for (principal, action) in [
        (ALICE, "s3:GetObject"),
        (ALICE, "s3:PutObject"),
        (ALICE, "s3:DeleteObject"),
        (DEPLOY_SESSION, "s3:DeleteObject"),
        ("arn:aws:iam::111122223333:user/nobody", "s3:GetObject"),
    ] {
        for prefix in [
            "arn:aws:s3:::",
            "arn:aws:s3:::photos",
            "arn:aws:s3:::photos/",
        ] {
            agrees_with_authorize(&server, principal, action, prefix).await;
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn a_context_key_not_given_stays_open_and_a_given_one_decides() {
    let server = TestServer::with_test_store().await;
    let prefix = "arn:aws:ec2:us-east-1:111122223333:";
    let open = plan(
        &server,
        plan_request(ALICE, "ec2:DescribeInstances", prefix),
    )
    .await;
    assert_eq!(open.kind(), PlanKind::Conditional);
    assert_eq!(open.missing_keys, ["aws:SourceIp"]);
    let filter = open.filter.unwrap();
    let instance = "arn:aws:ec2:us-east-1:111122223333:instance/i-1";
    // Only the key decides: true when it is allowed, false when not.
    assert!(holds(&filter, instance, true));
    assert!(!holds(&filter, instance, false));

    let ip = |text: &str| ContextValue {
        value: Some(context_value::Value::StringValue(text.to_owned())),
    };
    for (given, kind) in [
        ("10.1.2.3", PlanKind::AlwaysAllowed),
        ("192.0.2.1", PlanKind::AlwaysDenied),
    ] {
        let mut request = plan_request(ALICE, "ec2:DescribeInstances", prefix);
        request
            .context
            .insert("aws:SourceIp".to_owned(), values([ip(given)]));
        let answer = plan(&server, request).await;
        assert_eq!(answer.kind(), kind, "{given}");
        assert!(answer.missing_keys.is_empty());
    }
    server.stop().await;
}

/// Each hostile request, the field its error must start with.
fn hostile() -> Vec<(PlanResourcesRequest, &'static str)> {
    let base = || plan_request(ALICE, "s3:GetObject", "arn:aws:s3:::photos/");
    let mut out = Vec::new();
    let mut r = base();
    r.resource_prefix = String::new();
    out.push((r, "resource_prefix"));
    let mut r = base();
    r.resource_prefix = "arn:aws:s3".to_owned();
    out.push((r, "resource_prefix"));
    let mut r = base();
    r.resource_prefix = format!("arn:aws:s3:::{}", "p".repeat(9000));
    out.push((r, "resource_prefix"));
    let mut r = base();
    r.resource_prefix = "arn:aws:s3:::a\u{0}b".to_owned();
    out.push((r, "resource_prefix"));
    let mut r = base();
    r.principal = String::new();
    out.push((r, "principal"));
    let mut r = base();
    r.principal = "not a principal".to_owned();
    out.push((r, "principal"));
    let mut r = base();
    r.principal = format!("arn:aws:iam::111122223333:user/{}", "a".repeat(9000));
    out.push((r, "principal"));
    let mut r = base();
    r.action = String::new();
    out.push((r, "action"));
    let mut r = base();
    r.action = "s3".to_owned();
    out.push((r, "action"));
    let mut r = base();
    for i in 0..300 {
        r.context
            .insert(format!("k{i}"), ContextValues { values: Vec::new() });
    }
    out.push((r, "context"));
    let mut r = base();
    r.context.insert(
        "aws:PrincipalTag/team".to_owned(),
        values([ContextValue {
            value: Some(context_value::Value::StringValue("data".to_owned())),
        }]),
    );
    out.push((r, "context"));
    let mut r = base();
    r.context.insert(
        "aws:SourceIp".to_owned(),
        values([ContextValue {
            value: Some(context_value::Value::StringValue("x".repeat(9000))),
        }]),
    );
    out.push((r, "context"));
    out
}

#[tokio::test]
async fn hostile_inputs_are_refused_naming_the_field() {
    let server = TestServer::with_test_store().await;
    let mut client = server.client().await;
    for (request, field) in hostile() {
        let shown = format!("{:.200?}", request);
        let status = client.plan_resources(request).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{shown}: {status:?}");
        assert!(
            status.message().starts_with(field),
            "{shown}: {}",
            status.message()
        );
    }
    server.stop().await;
}
