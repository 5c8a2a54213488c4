//! Every kind of implicit deny explained: one test per policy kind that must
//! allow (identity, boundary, session, SCP level, trust policy, key policy,
//! the cross-account side, a non-IAM caller, a root asking a role trust
//! action), each checked against the reference interpreter and the engine
//! alike, plus near misses (operator and key) and missing context keys.
//! RCPs never cause an implicit deny: the full-access RCP is implicit at
//! every level, so they can only deny explicitly.

use tollgate_policy::{
    Decision, DecisionKind, Explanation, NamedPolicy, OrgLevel, PolicyDocument, PolicyKind,
    PolicySet, Request, RequestPrincipal, Requirement, ResourceNeed,
};

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
const OBJECT: &str = "arn:aws:s3:::photos/cat.jpg";

fn doc(kind: PolicyKind, statements: &str) -> PolicyDocument {
    let text = format!(r#"{{"Version": "2012-10-17", "Statement": [{statements}]}}"#);
    PolicyDocument::parse(&text, kind).unwrap()
}

fn named(label: &str, kind: PolicyKind, statements: &str) -> NamedPolicy {
    NamedPolicy::new(label, doc(kind, statements))
}

fn identity(statements: &str) -> Vec<NamedPolicy> {
    vec![named(
        "identityPolicies[0]",
        PolicyKind::Identity,
        statements,
    )]
}

const ALLOW_ALL: &str = r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#;

fn request(principal: &str, action: &str, resource: &str) -> Request {
    Request::new(
        RequestPrincipal::parse(principal).unwrap(),
        action,
        resource,
    )
}

/// The explanation, after checking that engine and reference agree on the
/// whole decision and that it is an implicit deny.
fn explained(set: &PolicySet, request: &Request) -> Explanation {
    let reference = tollgate_reference::evaluate(set, request);
    let tables = tollgate_compiler::compile(set).unwrap().tables;
    let engine = tollgate_engine::evaluate(&tables, request);
    assert_eq!(engine, reference, "engine and reference disagree");
    assert_eq!(
        tollgate_engine::decide(&tables, request),
        DecisionKind::ImplicitDeny
    );
    let Decision {
        kind, explanation, ..
    } = reference;
    assert_eq!(kind, DecisionKind::ImplicitDeny);
    explanation.expect("an implicit deny is explained")
}

fn unmet(set: &PolicySet, request: &Request) -> Vec<Requirement> {
    explained(set, request).unmet
}

#[test]
fn identity_kind() {
    let set = PolicySet {
        identity: identity(r#"{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}"#),
        ..Default::default()
    };
    let asked = request(ALICE, "s3:GetObject", OBJECT);
    assert_eq!(unmet(&set, &asked), [Requirement::Identity]);
    assert_eq!(
        explained(&set, &asked).lines(),
        ["identity: no identity-based policy allows"]
    );
}

#[test]
fn boundary_kind() {
    let set = PolicySet {
        identity: identity(ALLOW_ALL),
        permissions_boundary: Some(named(
            "permissionsBoundary",
            PolicyKind::PermissionsBoundary,
            r#"{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}"#,
        )),
        ..Default::default()
    };
    let asked = request(ALICE, "s3:GetObject", OBJECT);
    assert_eq!(unmet(&set, &asked), [Requirement::Boundary]);
}

#[test]
fn session_kind() {
    let set = PolicySet {
        identity: identity(ALLOW_ALL),
        session: Some(vec![named(
            "sessionPolicies[0]",
            PolicyKind::Session,
            r#"{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}"#,
        )]),
        ..Default::default()
    };
    let asked = request(
        "arn:aws:sts::111122223333:assumed-role/deploy/s1",
        "s3:GetObject",
        OBJECT,
    );
    assert_eq!(unmet(&set, &asked), [Requirement::Session]);
}

#[test]
fn scp_level_kind() {
    let set = PolicySet {
        identity: identity(ALLOW_ALL),
        service_control: vec![
            vec![named(
                "serviceControlPolicies[0][0]",
                PolicyKind::ServiceControl,
                ALLOW_ALL,
            )],
            vec![named(
                "serviceControlPolicies[1][0]",
                PolicyKind::ServiceControl,
                r#"{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}"#,
            )],
        ],
        ..Default::default()
    };
    let asked = request(ALICE, "s3:GetObject", OBJECT);
    assert_eq!(
        unmet(&set, &asked),
        [Requirement::ServiceControl(OrgLevel {
            index: 1,
            name: None
        })]
    );
    assert_eq!(
        explained(&set, &asked).lines(),
        ["scp: no SCP at level 1 allows"]
    );
}

#[test]
fn trust_policy_kind() {
    let set = PolicySet {
        identity: identity(ALLOW_ALL),
        resource: Some(named(
            "resourcePolicy",
            PolicyKind::Resource,
            r#"{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/bob"}, "Action": "sts:AssumeRole"}"#,
        )),
        ..Default::default()
    };
    let asked = request(
        ALICE,
        "sts:AssumeRole",
        "arn:aws:iam::111122223333:role/deploy",
    );
    assert_eq!(
        unmet(&set, &asked),
        [Requirement::Resource(ResourceNeed::TrustPolicy)]
    );
}

#[test]
fn root_cannot_assume_a_role() {
    let set = PolicySet {
        resource: Some(named(
            "resourcePolicy",
            PolicyKind::Resource,
            r#"{"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole"}"#,
        )),
        ..Default::default()
    };
    let asked = request(
        "arn:aws:iam::111122223333:root",
        "sts:AssumeRole",
        "arn:aws:iam::111122223333:role/deploy",
    );
    assert_eq!(unmet(&set, &asked), [Requirement::RootCannotAssumeRole]);
}

#[test]
fn other_partition_kind() {
    let set = PolicySet {
        identity: identity(ALLOW_ALL),
        ..Default::default()
    };
    let asked = request(
        "arn:aws-us-gov:iam::111122223333:user/alice",
        "s3:GetObject",
        "arn:aws:s3:::bucket/key",
    );
    assert_eq!(unmet(&set, &asked), [Requirement::OtherPartition]);
}

#[test]
fn key_policy_kind() {
    let set = PolicySet {
        identity: identity(ALLOW_ALL),
        ..Default::default()
    };
    let asked = request(
        ALICE,
        "kms:Decrypt",
        "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    );
    assert_eq!(
        unmet(&set, &asked),
        [Requirement::Resource(ResourceNeed::KeyPolicy)]
    );
}

#[test]
fn cross_account_kind_names_the_other_side() {
    let set = PolicySet {
        identity: identity(ALLOW_ALL),
        ..Default::default()
    };
    let mut asked = request(ALICE, "s3:GetObject", OBJECT);
    asked.resource_account = Some("444455556666".into());
    assert_eq!(
        unmet(&set, &asked),
        [Requirement::Resource(ResourceNeed::CrossAccount)]
    );
    // Granted by the other side but not by its own identity policies.
    let granted = PolicySet {
        identity: Vec::new(),
        resource: Some(named(
            "resourcePolicy",
            PolicyKind::Resource,
            &format!(
                r#"{{"Effect": "Allow", "Principal": {{"AWS": "{ALICE}"}}, "Action": "s3:GetObject", "Resource": "*"}}"#
            ),
        )),
        ..Default::default()
    };
    assert_eq!(unmet(&granted, &asked), [Requirement::Identity]);
}

#[test]
fn a_service_needs_a_resource_policy() {
    let set = PolicySet::default();
    let asked = request("cloudtrail.amazonaws.com", "s3:PutObject", OBJECT);
    assert_eq!(
        unmet(&set, &asked),
        [Requirement::Resource(ResourceNeed::NotIamIdentity)]
    );
}

#[test]
fn near_misses_name_operator_and_key_and_missing_keys_are_listed() {
    let set = PolicySet {
        identity: identity(
            r#"{"Sid": "FromOffice", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
                              "StringEquals": {"aws:PrincipalTag/team": "photos"}}},
               {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
               {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}"#,
        ),
        ..Default::default()
    };
    let mut asked = request(ALICE, "s3:GetObject", OBJECT);
    asked
        .context
        .insert("aws:SourceIp", vec!["192.0.2.1".to_owned()]);
    let explanation = explained(&set, &asked);
    assert_eq!(explanation.unmet, [Requirement::Identity]);
    assert_eq!(explanation.near_misses.len(), 1, "{explanation:?}");
    // Only the statement that matched the action; the deny read its key too.
    assert_eq!(
        explanation.missing_context_keys,
        ["aws:MultiFactorAuthPresent", "aws:PrincipalTag/team"]
    );
    assert_eq!(
        explanation.lines(),
        [
            "identity: no identity-based policy allows",
            "identityPolicies[0] Statement[0] (FromOffice) matched the action and resource; failed condition IpAddress aws:SourceIp, StringEquals aws:PrincipalTag/team",
            "missing context keys: aws:MultiFactorAuthPresent, aws:PrincipalTag/team",
        ]
    );
}

#[test]
fn allowed_and_explicitly_denied_answers_carry_no_explanation() {
    let set = PolicySet {
        identity: identity(ALLOW_ALL),
        ..Default::default()
    };
    let asked = request(ALICE, "s3:GetObject", OBJECT);
    let tables = tollgate_compiler::compile(&set).unwrap().tables;
    assert_eq!(tollgate_engine::evaluate(&tables, &asked).explanation, None);
    assert_eq!(tollgate_reference::evaluate(&set, &asked).explanation, None);
}
