//! Property tests: on generated small stores, who-can and resource plans
//! agree with deciding every request of an enumerable space with the store.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{Value, json};
use tollgate_access::{Limits, WhoCanQuery, plan_resources, who_can};
use tollgate_policy::{DecisionKind, Request, RequestContext, RequestPrincipal};
use tollgate_store::Store;

const A: &str = "111122223333";
const B: &str = "444455556666";
const ACTIONS: [&str; 2] = ["s3:GetObject", "s3:PutObject"];
const RESOURCES: [&str; 7] = [
    "arn:aws:s3:::bkt/a/x",
    "arn:aws:s3:::bkt/a/y",
    "arn:aws:s3:::bkt/b/y",
    "arn:aws:s3:::bkt/c",
    "arn:aws:s3:::bkt/ab",
    "arn:aws:s3:::bkt/a/",
    "arn:aws:s3:::other/a/x",
];
const PATTERNS: [&str; 7] = [
    "arn:aws:s3:::bkt/*",
    "arn:aws:s3:::bkt/a/*",
    "arn:aws:s3:::bkt/a/x",
    "arn:aws:s3:::bkt/?/y",
    "arn:aws:s3:::*/a/*",
    "arn:aws:s3:::bkt/a*",
    "*",
];

fn statement() -> impl Strategy<Value = Value> {
    (
        prop::bool::weighted(0.7),
        prop::sample::select(vec!["s3:GetObject", "s3:PutObject", "s3:*", "s3:Get*"]),
        prop::collection::vec(prop::sample::select(PATTERNS.to_vec()), 1..3),
        prop::bool::ANY,
        0usize..8,
    )
        .prop_map(|(allow, action, resources, not_resource, condition)| {
            let mut s = json!({
                "Effect": if allow { "Allow" } else { "Deny" },
                "Action": action,
            });
            if not_resource && !allow {
                s["NotResource"] = json!(resources);
            } else {
                s["Resource"] = json!(resources);
            }
            match condition {
                1 => s["Condition"] = json!({"StringEquals": {"aws:SourceVpc": "vpc-1"}}),
                2 => s["Condition"] = json!({"Bool": {"aws:SecureTransport": "false"}}),
                3 => s["Condition"] = json!({"StringLike": {"aws:SourceVpc": ["vpc-*", "*-9"]}}),
                4 => {
                    s["Condition"] = json!({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}})
                }
                5 => s["Condition"] = json!({"StringNotEquals": {"aws:sourcevpc": "vpc-9"}}),
                6 => s["Condition"] = json!({"Null": {"aws:SourceVpc": "false"}}),
                _ => {}
            }
            s
        })
}

fn document(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn resource_statement() -> impl Strategy<Value = Value> {
    (
        statement(),
        prop::sample::select(vec![
            json!({"AWS": format!("arn:aws:iam::{A}:user/u0")}),
            json!({"AWS": B}),
            json!({"AWS": "777788889999"}),
            json!("*"),
        ]),
    )
        .prop_map(|(mut s, principal)| {
            s["Principal"] = principal;
            s
        })
}

#[derive(Debug, Clone)]
struct Generated {
    users: Vec<(Vec<Value>, bool)>,
    boundary: Vec<Value>,
    role: Vec<Value>,
    b_user: Vec<Value>,
    bucket: Vec<Value>,
}

fn generated() -> impl Strategy<Value = Generated> {
    (
        prop::collection::vec(
            (prop::collection::vec(statement(), 0..3), prop::bool::ANY),
            1..3,
        ),
        prop::collection::vec(statement(), 1..3),
        prop::collection::vec(statement(), 0..3),
        prop::collection::vec(statement(), 0..2),
        prop::collection::vec(resource_statement(), 0..3),
    )
        .prop_map(|(users, boundary, role, b_user, bucket)| Generated {
            users,
            boundary,
            role,
            b_user,
            bucket,
        })
}

fn store_of(g: &Generated) -> Store {
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut put = |path: String, value: Value| {
        files.insert(path, serde_json::to_vec_pretty(&value).unwrap());
    };
    for (i, (statements, bounded)) in g.users.iter().enumerate() {
        let mut user = json!({"InlinePolicies": {"p": document(statements.clone())}});
        if *bounded {
            user["PermissionsBoundary"] = json!(format!("arn:aws:iam::{A}:policy/boundary"));
        }
        put(format!("accounts/{A}/users/u{i}.json"), user);
    }
    put(
        format!("accounts/{A}/policies/boundary.json"),
        document(g.boundary.clone()),
    );
    put(
        format!("accounts/{A}/roles/r0.json"),
        json!({
            "TrustPolicy": document(vec![json!({
                "Effect": "Allow",
                "Principal": {"AWS": format!("arn:aws:iam::{A}:user/u0")},
                "Action": "sts:AssumeRole"
            })]),
            "InlinePolicies": {"p": document(g.role.clone())}
        }),
    );
    put(
        format!("accounts/{B}/users/v0.json"),
        json!({"InlinePolicies": {"p": document(g.b_user.clone())}}),
    );
    if !g.bucket.is_empty() {
        put(
            format!("accounts/{A}/resources/bkt.json"),
            json!({"Arn": "arn:aws:s3:::bkt", "Policy": document(g.bucket.clone())}),
        );
    }
    Store::from_files(files).unwrap()
}

/// Every combination of the two context keys the statements compare.
fn contexts() -> Vec<RequestContext> {
    let mut out = Vec::new();
    for vpc in [
        None,
        Some("vpc-1"),
        Some("vpc-9"),
        Some("x-9"),
        Some("other"),
    ] {
        for tls in [None, Some("true"), Some("FALSE"), Some("no")] {
            for age in [
                None,
                Some("100"),
                Some("3600"),
                Some("7200.5"),
                Some("soon"),
            ] {
                let mut context = RequestContext::new();
                if let Some(v) = vpc {
                    context.insert("aws:SourceVpc", vec![v.to_owned()]);
                }
                if let Some(v) = tls {
                    context.insert("aws:SecureTransport", vec![v.to_owned()]);
                }
                if let Some(v) = age {
                    context.insert("aws:MultiFactorAuthAge", vec![v.to_owned()]);
                }
                out.push(context);
            }
        }
    }
    out
}

fn brute(
    store: &Store,
    principal: &str,
    action: &str,
    resource: &str,
    context: &RequestContext,
) -> bool {
    let mut request = Request::new(
        RequestPrincipal::parse(principal).unwrap(),
        action,
        resource,
    );
    request.context = context.clone();
    store.decide(&request, None).kind == DecisionKind::Allowed
}

fn principals(store: &Store) -> Vec<String> {
    let mut out: Vec<String> = store.principals().into_iter().map(|p| p.arn).collect();
    out.push(format!("arn:aws:iam::{A}:root"));
    out.push(format!("arn:aws:iam::{B}:root"));
    out
}

/// True when the case list of an access lets `context` in.
fn access_allows(
    answer: &tollgate_access::WhoCan,
    principal: &str,
    context: &RequestContext,
) -> bool {
    let Some(access) = answer
        .allowed
        .iter()
        .chain(&answer.conditional)
        .chain(&answer.external)
        .find(|a| a.principal == principal)
    else {
        return false;
    };
    if !access.conditional {
        return true;
    }
    access.allowed_cases.iter().any(|case| {
        case.keys.iter().all(|(key, value)| {
            tollgate_access::Filter::Context {
                key: key.clone(),
                value: value.clone(),
            }
            .holds("", context)
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn who_can_agrees_with_deciding_every_request(g in generated()) {
        let store = store_of(&g);
        let everyone = principals(&store);
        for action in ACTIONS {
            for resource in RESOURCES {
                let open = who_can(&store, &WhoCanQuery {
                    action: action.to_owned(),
                    resource: resource.to_owned(),
                    ..WhoCanQuery::default()
                }).unwrap();
                let mut asked: Vec<String> = everyone.clone();
                asked.extend(open.external.iter().map(|a| a.principal.clone()));
                for principal in &asked {
                    for context in contexts() {
                        let expected = brute(&store, principal, action, resource, &context);
                        prop_assert_eq!(
                            access_allows(&open, principal, &context), expected,
                            "{} {} {} {:?}: {:#?}", principal, action, resource, context, open
                        );
                    }
                }
                for context in contexts().into_iter().step_by(7) {
                    let given = who_can(&store, &WhoCanQuery {
                        action: action.to_owned(),
                        resource: resource.to_owned(),
                        context: context.clone(),
                        ..WhoCanQuery::default()
                    }).unwrap();
                    // Keys the context leaves out stay open; the given ones are fixed.
                    for principal in &everyone {
                        prop_assert_eq!(
                            access_allows(&given, principal, &context),
                            brute(&store, principal, action, resource, &context)
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn plans_agree_with_deciding_every_resource(g in generated()) {
        let store = store_of(&g);
        for principal in principals(&store) {
            for action in ACTIONS {
                for prefix in ["arn:aws:s3:::", "arn:aws:s3:::bkt/a"] {
                    let plan = plan_resources(
                        &store, &principal, action, prefix, &RequestContext::new(), &Limits::default(),
                    ).unwrap();
                    for resource in RESOURCES.iter().filter(|r| r.starts_with(prefix)) {
                        for context in contexts() {
                            let expected = brute(&store, &principal, action, resource, &context);
                            prop_assert_eq!(
                                plan.filter.holds(resource, &context), expected,
                                "{} {} {} {:?}: {:#?}", principal, action, resource, context, plan
                            );
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn a_prefix_without_its_account_field_is_refused() {
    let store = Store::embedded_example().unwrap();
    let err = plan_resources(
        &store,
        "arn:aws:iam::111122223333:user/alice",
        "s3:GetObject",
        "arn:aws:s3",
        &RequestContext::new(),
        &Limits::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("resource_prefix"), "{err}");
}

#[test]
fn too_many_context_cases_are_refused_naming_the_keys() {
    let store = Store::embedded_example().unwrap();
    let limits = Limits {
        max_cases: 1,
        ..Limits::default()
    };
    let err = who_can(
        &store,
        &WhoCanQuery {
            action: "s3:GetObject".to_owned(),
            resource: "arn:aws:s3:::example-photos/cat.jpg".to_owned(),
            limits,
            ..WhoCanQuery::default()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("aws:SecureTransport"), "{err}");
}

fn names(list: &[tollgate_access::Access]) -> Vec<&str> {
    let mut names: Vec<&str> = list.iter().map(|a| a.principal.as_str()).collect();
    names.sort_unstable();
    names
}

/// The answers docs/access-queries.md quotes for the example store.
#[test]
fn the_example_store_answers_as_documented() {
    let store = Store::embedded_example().unwrap();
    let deploy = "arn:aws:iam::111122223333:role/deploy";
    let assume = who_can(
        &store,
        &WhoCanQuery {
            action: "sts:AssumeRole".to_owned(),
            resource: deploy.to_owned(),
            ..WhoCanQuery::default()
        },
    )
    .unwrap();
    assert_eq!(
        names(&assume.allowed),
        ["arn:aws:iam::444455556666:role/ci"]
    );
    assert!(assume.conditional.is_empty() && assume.external.is_empty());

    let mut region = RequestContext::new();
    region.insert("aws:RequestedRegion", vec!["us-east-1".to_owned()]);
    let decrypt = who_can(
        &store,
        &WhoCanQuery {
            action: "kms:Decrypt".to_owned(),
            resource: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
                .to_owned(),
            context: region.clone(),
            via_assume_role: true,
            ..WhoCanQuery::default()
        },
    )
    .unwrap();
    assert_eq!(
        names(&decrypt.allowed),
        [
            deploy,
            "arn:aws:iam::111122223333:root",
            "arn:aws:iam::111122223333:user/bob"
        ]
    );
    assert!(
        decrypt
            .via_assume_role
            .iter()
            .any(|c| c.principal == "arn:aws:iam::444455556666:role/ci" && c.role == deploy)
    );

    let read = who_can(
        &store,
        &WhoCanQuery {
            action: "s3:GetObject".to_owned(),
            resource: "arn:aws:s3:::example-photos/cat.jpg".to_owned(),
            ..WhoCanQuery::default()
        },
    )
    .unwrap();
    assert!(read.allowed.is_empty());
    assert_eq!(
        names(&read.conditional),
        [
            "arn:aws:iam::111122223333:role/photo-app",
            "arn:aws:iam::111122223333:root",
            "arn:aws:iam::111122223333:user/alice",
            "arn:aws:iam::111122223333:user/bob",
            "arn:aws:iam::444455556666:role/ci"
        ]
    );
    // Every conditional answer is the region and TLS keys, per key.
    for access in &read.conditional {
        let keys: Vec<&str> = access
            .when
            .as_ref()
            .unwrap()
            .iter()
            .map(|k| k.key.as_str())
            .collect();
        assert_eq!(keys, ["aws:RequestedRegion", "aws:SecureTransport"]);
    }
}
