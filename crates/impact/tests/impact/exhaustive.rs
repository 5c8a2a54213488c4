//! Generated stores whose request space is small enough to enumerate: the
//! diff's findings must equal the brute-force comparison of every request
//! (principal × action × resource × context) decided under both revisions.
//! Condition-free statements give exact findings; with conditions, partial
//! findings say in which contexts they hold, and that is checked too.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{Value, json};
use tollgate_impact::{DiffOptions, Finding, Revision, diff};
use tollgate_policy::glob::{CaseMode, matches};
use tollgate_policy::{DecisionKind, Request, RequestContext, RequestPrincipal};
use tollgate_store::StoreLimits;

const A: &str = "111111111111";

const PRINCIPALS: &[&str] = &[
    "arn:aws:iam::111111111111:user/u1",
    "arn:aws:iam::111111111111:user/u2",
    "arn:aws:iam::111111111111:role/r1",
    "arn:aws:iam::111111111111:root",
    "arn:aws:iam::222222222222:root",
    // An account neither revision names: the public.
    "arn:aws:iam::000000000000:root",
];
const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:GetBucketPolicy",
    "s3:ListBucket",
    "ec2:RunInstances",
];
const RESOURCES: &[&str] = &[
    "arn:aws:s3:::b1",
    "arn:aws:s3:::b1/x",
    "arn:aws:s3:::b1/xy",
    "arn:aws:s3:::b1/public/y",
    "arn:aws:s3:::b2/x",
];
/// Values of `aws:SourceVpc`: absent, the two conditions name, one neither does.
const VPCS: &[Option<&str>] = &[None, Some("vpc-1"), Some("vpc-2"), Some("vpc-9")];

const ACTION_PATTERNS: &[&str] = &["s3:GetObject", "s3:PutObject", "s3:Get*", "s3:*", "*"];
const RESOURCE_PATTERNS: &[&str] = &[
    "*",
    "arn:aws:s3:::b1",
    "arn:aws:s3:::b1/*",
    "arn:aws:s3:::b1/public/*",
    "arn:aws:s3:::b1/x",
    "arn:aws:s3:::b2/*",
];
const BUCKET_PATTERNS: &[&str] = &[
    "arn:aws:s3:::b1",
    "arn:aws:s3:::b1/*",
    "arn:aws:s3:::b1/public/*",
];
const BUCKET_PRINCIPALS: &[&str] = &["*", A, "222222222222", "arn:aws:iam::111111111111:user/u1"];

fn statement(
    resource_patterns: &'static [&'static str],
    principal: bool,
    conditions: bool,
) -> impl Strategy<Value = Value> {
    (
        any::<bool>(),
        proptest::sample::subsequence(ACTION_PATTERNS, 1..=2),
        prop::bool::weighted(0.1),
        proptest::sample::subsequence(resource_patterns, 1..=2),
        prop::bool::weighted(0.1),
        0..BUCKET_PRINCIPALS.len(),
        if conditions { 0..4usize } else { 0..1usize },
    )
        .prop_map(
            move |(allow, actions, not_action, resources, not_resource, who, condition)| {
                let mut s = json!({"Effect": if allow { "Allow" } else { "Deny" }});
                s[if not_action { "NotAction" } else { "Action" }] = json!(actions);
                s[if not_resource {
                    "NotResource"
                } else {
                    "Resource"
                }] = json!(resources);
                if principal {
                    s["Principal"] = match BUCKET_PRINCIPALS[who] {
                        "*" => json!("*"),
                        p => json!({"AWS": p}),
                    };
                }
                match condition {
                    1 => s["Condition"] = json!({"StringEquals": {"aws:SourceVpc": "vpc-1"}}),
                    2 => {
                        s["Condition"] =
                            json!({"StringEquals": {"aws:SourceVpc": ["vpc-1", "vpc-2"]}})
                    }
                    3 => s["Condition"] = json!({"StringNotEquals": {"aws:SourceVpc": "vpc-2"}}),
                    _ => {}
                }
                s
            },
        )
}

fn document(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// One revision's files.
fn revision(conditions: bool) -> impl Strategy<Value = BTreeMap<String, String>> {
    let identity =
        move || prop::collection::vec(statement(RESOURCE_PATTERNS, false, conditions), 0..3);
    (
        identity(),
        identity(),
        identity(),
        prop::collection::vec(statement(BUCKET_PATTERNS, true, conditions), 0..3),
        any::<bool>(),
    )
        .prop_map(|(managed, u1, r1, bucket, u2_attached)| {
            let mut files = BTreeMap::new();
            let mut put = |path: &str, value: Value| {
                files.insert(format!("accounts/{A}/{path}"), value.to_string());
            };
            let managed_arn = format!("arn:aws:iam::{A}:policy/m");
            put("policies/m.json", document(managed));
            put(
                "users/u1.json",
                json!({"AttachedManagedPolicies": [managed_arn], "InlinePolicies": {"own": document(u1)}}),
            );
            put(
                "users/u2.json",
                if u2_attached {
                    json!({"AttachedManagedPolicies": [managed_arn]})
                } else {
                    json!({})
                },
            );
            put(
                "roles/r1.json",
                json!({
                    "TrustPolicy": document(vec![json!({"Effect": "Allow", "Principal": {"AWS": A}, "Action": "sts:AssumeRole"})]),
                    "InlinePolicies": {"own": document(r1)},
                }),
            );
            if !bucket.is_empty() {
                put(
                    "resources/b1.json",
                    json!({"Arn": "arn:aws:s3:::b1", "Policy": document(bucket)}),
                );
            }
            files
        })
}

fn load(files: &BTreeMap<String, String>) -> Revision {
    let files = files
        .iter()
        .map(|(k, v)| (k.clone(), v.clone().into_bytes()))
        .collect();
    Revision::from_files(files, &StoreLimits::default()).unwrap()
}

fn context(vpc: Option<&str>) -> RequestContext {
    let mut c = RequestContext::new();
    if let Some(v) = vpc {
        c.insert("aws:SourceVpc", vec![v.to_owned()]);
    }
    c
}

fn covers(f: &Finding, actions: &[&str], principal: &str, action: &str, resource: &str) -> bool {
    f.principals.iter().any(|p| p == principal)
        && actions.contains(&action)
        && matches(&f.resource, resource, CaseMode::Sensitive)
        && !f
            .except
            .iter()
            .any(|e| matches(e, resource, CaseMode::Sensitive))
}

/// Checks the diff of `old` → `new` against brute force.
fn check(
    old_files: &BTreeMap<String, String>,
    new_files: &BTreeMap<String, String>,
    conditions: bool,
) {
    let (old, new) = (load(old_files), load(new_files));
    let report = diff(&old, &new, &DiffOptions::default());
    if !conditions {
        for f in &report.findings {
            assert!(
                !f.partial,
                "a condition-free change is never partial: {f:?}"
            );
        }
    }
    // Per finding, the actions of the universe it names.
    let universe_actions: Vec<Vec<&str>> = report
        .findings
        .iter()
        .map(|f| {
            ACTIONS
                .iter()
                .copied()
                .filter(|a| {
                    f.actions
                        .iter()
                        .any(|n| !n.outside_catalog && n.name.eq_ignore_ascii_case(a))
                })
                .collect()
        })
        .collect();
    let named = |account: &str| {
        [old_files, new_files]
            .iter()
            .any(|files| files.values().any(|text| text.contains(account)))
    };
    for principal in PRINCIPALS {
        let p = RequestPrincipal::parse(principal).unwrap();
        // An account neither revision names is one the outside account stands for.
        let as_reported = if principal.contains("222222222222") && !named("222222222222") {
            "arn:aws:iam::000000000000:root"
        } else {
            principal
        };
        for action in ACTIONS {
            for resource in RESOURCES {
                let covering: Vec<&Finding> = report
                    .findings
                    .iter()
                    .zip(&universe_actions)
                    .filter(|(f, names)| covers(f, names, as_reported, action, resource))
                    .map(|(f, _)| f)
                    .collect();
                for vpc in VPCS {
                    let mut request = Request::new(p.clone(), *action, *resource);
                    request.context = context(*vpc);
                    let a = old.store.decide(&request, None).kind;
                    let b = new.store.decide(&request, None).kind;
                    let holding: Vec<&&Finding> = covering
                        .iter()
                        .filter(|f| f.holds_in(&request.context))
                        .collect();
                    if a == b {
                        assert!(
                            holding.is_empty(),
                            "invented: {principal} {action} {resource} {vpc:?} stays {a} but {}",
                            tollgate_impact::diff_text(&report)
                        );
                    } else {
                        assert_eq!(
                            holding.len(),
                            1,
                            "{principal} {action} {resource} {vpc:?}: {a} -> {b}, findings {holding:#?}\nall: {}",
                            tollgate_impact::diff_text(&report)
                        );
                        assert_eq!((holding[0].old, holding[0].new), (a, b));
                    }
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn condition_free_diff_equals_brute_force(old in revision(false), new in revision(false)) {
        check(&old, &new, false);
    }

    #[test]
    fn conditional_diff_is_partial_where_it_must_be(old in revision(true), new in revision(true)) {
        check(&old, &new, true);
    }
}

/// A grant that depends on a condition is reported partial, holding only
/// for the value the condition names.
#[test]
fn residual_condition_of_a_conditional_grant() {
    let old = revision_files(json!([]));
    let new = revision_files(
        json!([{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b1/*", "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-1"}}}]),
    );
    let report = diff(&load(&old), &load(&new), &DiffOptions::default());
    let f = report
        .findings
        .iter()
        .find(|f| {
            f.principals
                .contains(&"arn:aws:iam::111111111111:user/u1".to_owned())
        })
        .unwrap();
    assert!(f.partial);
    assert_eq!(f.new, DecisionKind::Allowed);
    assert_eq!(
        f.residual,
        vec![r#"StringEquals aws:SourceVpc ["vpc-1"]"#.to_owned()]
    );
    assert!(f.holds_in(&context(Some("vpc-1"))));
    assert!(!f.holds_in(&context(Some("vpc-2"))));
    assert!(!f.holds_in(&context(None)));
    check(&old, &new, true);
}

fn revision_files(u1: Value) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    files.insert(
        format!("accounts/{A}/users/u1.json"),
        json!({"InlinePolicies": {"own": {"Version": "2012-10-17", "Statement": u1}}}).to_string(),
    );
    files
}
