//! Access queries (`tollgate-access`): who-can for one action and resource
//! on the `enterprise` store, and a resource plan for a principal with 100
//! identity statements. Figures in docs/performance.md.
//!
//! ```sh
//! cargo bench -p tollgate-benches --bench access
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // bench setup: failing loudly is the point
#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented `pub fn benches`"
)]

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tollgate_access::{Limits, WhoCanQuery, plan_resources, who_can};
use tollgate_policy::RequestContext;
use tollgate_store::Store;
use tollgate_workload::{StoreShape, StoreWorkload};

/// The context `enterprise` requests carry, MFA age included.
fn context() -> RequestContext {
    let mut context = RequestContext::new();
    context.insert("aws:SourceIp", vec!["10.1.2.3".to_owned()]);
    context.insert("aws:MultiFactorAuthAge", vec!["600".to_owned()]);
    context.insert("aws:CurrentTime", vec!["2025-06-01T12:00:00Z".to_owned()]);
    context.insert("aws:RequestedRegion", vec!["us-east-1".to_owned()]);
    context.insert("aws:SecureTransport", vec!["true".to_owned()]);
    context
}

fn who_can_enterprise(c: &mut Criterion) {
    let workload = StoreWorkload::generate(&StoreShape::enterprise(), 1);
    let store = Store::from_files(workload.files.clone()).unwrap();
    let bucket = store
        .resource_policy_arns()
        .into_iter()
        .find(|arn| arn.starts_with("arn:aws:s3:::"))
        .unwrap()
        .to_owned();
    let query = WhoCanQuery {
        action: "s3:GetObject".to_owned(),
        resource: format!("{bucket}/reports/2025.csv"),
        context: context(),
        ..WhoCanQuery::default()
    };
    let answer = who_can(&store, &query).unwrap();
    eprintln!(
        "who-can {} on {}: {} allowed, {} conditional, {} outside",
        query.action,
        query.resource,
        answer.allowed.len(),
        answer.conditional.len(),
        answer.external.len()
    );
    let mut group = c.benchmark_group("access");
    group.sample_size(10);
    group.bench_function("who_can_enterprise", |b| {
        b.iter(|| who_can(black_box(&store), black_box(&query)).unwrap())
    });
    group.finish();
}

/// A store whose one user has 100 identity statements over one bucket's
/// prefixes: allows, denies, some with conditions.
fn hundred_statements() -> Store {
    let statements: Vec<serde_json::Value> = (0..100)
        .map(|i| {
            let mut s = serde_json::json!({
                "Effect": if i % 10 == 9 { "Deny" } else { "Allow" },
                "Action": if i % 3 == 0 { "s3:*" } else { "s3:GetObject" },
                "Resource": format!("arn:aws:s3:::docs/team-{}/*", i % 40),
            });
            if i % 25 == 7 {
                s["Condition"] = serde_json::json!({"Bool": {"aws:SecureTransport": "true"}});
            }
            s
        })
        .collect();
    let user = serde_json::json!({
        "InlinePolicies": {"p": {"Version": "2012-10-17", "Statement": statements}}
    });
    let mut files = BTreeMap::new();
    files.insert(
        "accounts/111122223333/users/reader.json".to_owned(),
        serde_json::to_vec(&user).unwrap(),
    );
    Store::from_files(files).unwrap()
}

fn plan_hundred(c: &mut Criterion) {
    let store = hundred_statements();
    let principal = "arn:aws:iam::111122223333:user/reader";
    let limits = Limits::default();
    let mut given = RequestContext::new();
    given.insert("aws:SecureTransport", vec!["true".to_owned()]);
    let mut group = c.benchmark_group("access");
    for (name, context) in [
        ("plan_100_statements", given),
        ("plan_100_statements_open_key", RequestContext::new()),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                plan_resources(
                    black_box(&store),
                    principal,
                    "s3:GetObject",
                    "arn:aws:s3:::docs/",
                    black_box(&context),
                    &limits,
                )
                .unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, plan_hundred, who_can_enterprise);
criterion_main!(benches);
