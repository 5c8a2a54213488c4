//! An `aws iam get-account-authorization-details` output dropped into an
//! account folder loads as is and answers correctly
//! (`tests/data/store/auth-details/`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{decide, decisive, request, request_with};
use tollgate_policy::DecisionKind::{Allowed, ImplicitDeny};
use tollgate_store::Store;

const ACCOUNT: &str = "arn:aws:iam::123456789012";
const FILE: &str = "accounts/123456789012/authorization-details.json";

fn store() -> Store {
    let root = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/store/auth-details"
    );
    match Store::load_dir(root) {
        Ok(store) => store,
        Err(e) => panic!("{e}"),
    }
}

fn user(name: &str) -> String {
    format!("{ACCOUNT}:user/{name}")
}

#[test]
fn loads_users_groups_roles_and_policies() {
    let store = store();
    let stats = store.stats();
    assert_eq!(stats.accounts, 1);
    assert_eq!(stats.principals, 5);
    // Two trust policies; no other resource policies.
    assert_eq!(stats.resource_policies, 2);
    // The unattached customer managed policy is reported, nothing else.
    let warnings: Vec<String> = store.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [format!(
            "{FILE}: Policies[3].PolicyVersionList[0].Document: this managed policy is not attached to anything"
        )]
    );
}

#[test]
fn url_encoded_inline_policies_with_variables() {
    let store = store();
    let own = request(&user("bob"), "iam:ChangePassword", &user("bob"));
    assert_eq!(decide(&store, &own), Allowed);
    assert_eq!(
        decisive(&store, &own)[0],
        format!("{FILE}#UserDetailList/bob/UserPolicyList/AllowChangeOwnPassword#0")
    );
}

#[test]
fn group_policies_and_principal_tags() {
    let store = store();
    let carol = user("engineering/carol");
    // The Developers group's inline policy allows `dev-${aws:PrincipalTag/team}`;
    // carol's tag team=web comes from the store.
    assert_eq!(
        decide(
            &store,
            &request(&carol, "s3:PutObject", "arn:aws:s3:::dev-web/a")
        ),
        Allowed
    );
    assert_eq!(
        decide(
            &store,
            &request(&carol, "s3:PutObject", "arn:aws:s3:::dev-data/a")
        ),
        ImplicitDeny
    );
}

#[test]
fn only_default_versions_count() {
    let store = store();
    let carol = user("engineering/carol");
    // DeveloperTools v3 (default) allows cloudwatch:GetMetricData; the
    // non-default v2 denies everything and must not count.
    let metrics = request(&carol, "cloudwatch:GetMetricData", "*");
    assert_eq!(decide(&store, &metrics), Allowed);
    // S3ReadProjectData v2 (default) allows reads only; v1 allowed s3:*.
    let dave = user("dave");
    assert_eq!(
        decide(
            &store,
            &request(&dave, "s3:GetObject", "arn:aws:s3:::project-data/k")
        ),
        Allowed
    );
    assert_eq!(
        decide(
            &store,
            &request(&dave, "s3:PutObject", "arn:aws:s3:::project-data/k")
        ),
        ImplicitDeny
    );
}

#[test]
fn permissions_boundary_limits_the_user() {
    let store = store();
    let carol = user("engineering/carol");
    // DeveloperTools allows codecommit:*, the boundary does not.
    assert_eq!(
        decide(&store, &request(&carol, "codecommit:GitPush", "*")),
        ImplicitDeny
    );
}

#[test]
fn aws_managed_policies_from_the_file_win_over_the_catalog() {
    let store = store();
    let session = "arn:aws:sts::123456789012:assumed-role/EC2AppRole/i-0abc";
    let get = request(session, "s3:GetObject", "arn:aws:s3:::any/key");
    assert_eq!(decide(&store, &get), Allowed);
    assert_eq!(
        decisive(&store, &get),
        [format!("{FILE}#Policies/AmazonS3ReadOnlyAccess#0")]
    );
    // The catalog's version adds s3:Describe*; the file's v2 does not.
    assert_eq!(
        decide(&store, &request(session, "s3:DescribeJob", "*")),
        ImplicitDeny
    );
}

#[test]
fn aws_managed_policies_from_the_catalog() {
    let store = store();
    let session = "arn:aws:sts::123456789012:assumed-role/CrossAccountAuditor/audit";
    let read = request(session, "iam:GetAccountAuthorizationDetails", "*");
    assert_eq!(decide(&store, &read), Allowed);
    assert_eq!(
        decisive(&store, &read)[0].split('#').next(),
        Some("arn:aws:iam::aws:policy/SecurityAudit")
    );
    let bob_admin = request(&user("bob"), "ec2:TerminateInstances", "*");
    assert_eq!(decide(&store, &bob_admin), Allowed);
}

#[test]
fn trust_policies() {
    let store = store();
    let role = format!("{ACCOUNT}:role/application/EC2AppRole");
    assert_eq!(
        decide(
            &store,
            &request("ec2.amazonaws.com", "sts:AssumeRole", &role)
        ),
        Allowed
    );
    assert_eq!(
        decide(
            &store,
            &request("lambda.amazonaws.com", "sts:AssumeRole", &role)
        ),
        ImplicitDeny
    );
    // An administrator of the same account is not trusted by the role.
    assert_eq!(
        decide(&store, &request(&user("bob"), "sts:AssumeRole", &role)),
        ImplicitDeny
    );
    // The auditor role trusts another account's root with an external id.
    let auditor = format!("{ACCOUNT}:role/CrossAccountAuditor");
    let other_root = "arn:aws:iam::210987654321:root";
    let with_id = request_with(
        other_root,
        "sts:AssumeRole",
        &auditor,
        &[("sts:ExternalId", "audit-2024")],
    );
    // The trust policy applies with the external id, but an account root
    // may never assume a role (STS: "Roles may not be assumed by root
    // accounts"), whatever the trust policy says.
    assert_eq!(decide(&store, &with_id), ImplicitDeny);
    assert_eq!(
        decide(&store, &request(other_root, "sts:AssumeRole", &auditor)),
        ImplicitDeny
    );
}
