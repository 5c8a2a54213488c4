//! The generated stores load as users' stores do, and the answers their
//! request files carry are the store's and the reference interpreter's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use tollgate_policy::{DecisionKind, NamedPolicy, PolicyDocument, PolicyKind, PolicySet, Request};
use tollgate_store::Store;
use tollgate_workload::managed::managed_policies;
use tollgate_workload::store_workload::PolicyRef;
use tollgate_workload::{RequestMix, StoreShape, StoreWorkload, draw_requests};

fn parse(value: &Value, kind: PolicyKind, label: &str) -> NamedPolicy {
    NamedPolicy::new(label, PolicyDocument::from_json(value, kind).unwrap())
}

/// The policies that apply to a request, assembled from the generator's
/// model (not from the store's loader), for the reference interpreter.
fn reference_set(
    workload: &StoreWorkload,
    aws: &[(String, Value)],
    request: &mut Request,
    principal_arn: &str,
) -> PolicySet {
    let principal = workload
        .principals
        .iter()
        .find(|p| p.request_arn == principal_arn)
        .unwrap();
    request.insert_derived("aws:PrincipalTag/team", vec![principal.team.clone()]);
    let aws_doc = |arn: &str| -> NamedPolicy {
        let name = arn.rsplit('/').next().unwrap();
        let doc = &aws.iter().find(|(n, _)| n == name).unwrap().1;
        parse(doc, PolicyKind::Identity, arn)
    };
    let refs = |attached: &[PolicyRef], out: &mut Vec<NamedPolicy>| {
        for r in attached {
            out.push(match r {
                PolicyRef::AwsManaged(arn) => aws_doc(arn),
                PolicyRef::Generated(d) => parse(
                    &workload.documents[*d],
                    PolicyKind::Identity,
                    &format!("doc{d}"),
                ),
            });
        }
    };
    let mut identity = Vec::new();
    for d in &principal.inline {
        identity.push(parse(
            &workload.documents[*d],
            PolicyKind::Identity,
            &format!("doc{d}"),
        ));
    }
    refs(&principal.attached, &mut identity);
    for g in &principal.groups {
        let group = &workload.groups[*g];
        for d in &group.inline {
            identity.push(parse(
                &workload.documents[*d],
                PolicyKind::Identity,
                &format!("doc{d}"),
            ));
        }
        refs(&group.attached, &mut identity);
    }
    let full = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    let service_control = workload
        .scp_levels
        .get(principal.account)
        .map(|levels| {
            levels
                .iter()
                .map(|level| {
                    let mut policies =
                        vec![parse(&full, PolicyKind::ServiceControl, "FullAWSAccess")];
                    for d in level {
                        policies.push(parse(
                            &workload.documents[*d],
                            PolicyKind::ServiceControl,
                            &format!("scp{d}"),
                        ));
                    }
                    policies
                })
                .collect()
        })
        .unwrap_or_default();
    assert!(
        !workload
            .principals
            .iter()
            .any(|p| p.role
                && request.resource == format!("arn:aws:iam::{}:role/{}", p.account, p.name)),
        "requests on the store's roles need their trust policies"
    );
    let resource = workload
        .resource_policy_for(&request.resource)
        .map(|(account, d)| {
            if request.resource.starts_with("arn:aws:s3:::") {
                request.resource_account = Some(account.to_owned());
            }
            parse(
                &workload.documents[d],
                PolicyKind::Resource,
                &format!("res{d}"),
            )
        });
    PolicySet {
        identity,
        permissions_boundary: principal.boundary.map(|d| {
            parse(
                &workload.documents[d],
                PolicyKind::PermissionsBoundary,
                "boundary",
            )
        }),
        session: None,
        service_control,
        resource_control: Vec::new(),
        resource,
    }
}

fn check_against_reference(shape: &StoreShape, seed: u64, n: usize) {
    let workload = StoreWorkload::generate(shape, seed);
    let store = Store::from_files(workload.files.clone()).unwrap();
    assert_eq!(store.principal_count(), shape.users + shape.roles);
    assert_eq!(
        store.resource_policy_count(),
        shape.resource_policies + shape.roles
    );
    let mix = RequestMix::default();
    let requests = draw_requests(&workload, n, seed, mix, |r| store.decide(r, None).kind).unwrap();
    assert_eq!(requests.len(), n);
    let count = |k: DecisionKind| requests.iter().filter(|r| r.expect == Some(k)).count();
    assert_eq!(
        count(DecisionKind::Allowed),
        (n as f64 * mix.allowed).round() as usize
    );
    assert_eq!(
        count(DecisionKind::ExplicitDeny),
        (n as f64 * mix.explicit_deny).round() as usize
    );
    let aws = managed_policies().unwrap();
    let mut mismatches = Vec::new();
    for line in &requests {
        let mut request = line.to_request().unwrap();
        let set = reference_set(&workload, &aws, &mut request, &line.principal);
        let reference = tollgate_reference::evaluate(&set, &request).kind;
        if Some(reference) != line.expect {
            mismatches.push(format!("{} -> reference {reference}", line.to_json_line()));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn small_store_answers_agree_with_the_reference() {
    let shape = StoreShape::small();
    let workload = StoreWorkload::generate(&shape, 1);
    assert_eq!(workload.generated_statements, 10);
    check_against_reference(&shape, 1, 200);
}

#[test]
fn a_sample_of_enterprise_agrees_with_the_reference() {
    // 1/40 of enterprise: 150 users, 100 roles, 15 groups, 4,500 statements.
    check_against_reference(&StoreShape::enterprise().scaled_down(40), 7, 600);
}

#[test]
fn the_same_seed_gives_the_same_files() {
    let shape = StoreShape::enterprise().scaled_down(200);
    let a = StoreWorkload::generate(&shape, 3);
    let b = StoreWorkload::generate(&shape, 3);
    let c = StoreWorkload::generate(&shape, 4);
    assert_eq!(a.files, b.files);
    assert_ne!(a.files, c.files);
}

#[test]
fn more_resource_policies_than_names_stay_distinct() {
    // `huge` has 25,000 resource policies over 5,000 names per shape.
    let shape = StoreShape {
        resource_policies: 12_000,
        ..StoreShape::enterprise().scaled_down(200)
    };
    let workload = StoreWorkload::generate(&shape, 5);
    let mut arns: Vec<&str> = workload
        .resource_policies
        .iter()
        .map(|r| r.0.as_str())
        .collect();
    arns.sort_unstable();
    arns.dedup();
    assert_eq!(arns.len(), 12_000);
    let store = Store::from_files(workload.files).unwrap();
    assert_eq!(store.resource_policy_count(), 12_000 + shape.roles);
}
