//! The store finds a principal by the whole of its ARN: partition, account,
//! path and name for users and roles, the role's name for sessions. A
//! well-formed principal that is not the store's (another path, another
//! partition) is unknown: implicitly denied, with the reason.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{allow, decide, request, store};
use tollgate_policy::DecisionKind::{Allowed, ImplicitDeny};
use tollgate_store::{Reason, Store};

fn admin_store() -> Store {
    let admin = allow("*", "*");
    store(&[
        (
            "accounts/111122223333/users/bob.json",
            &format!(r#"{{"InlinePolicies": {{"admin": {admin}}}}}"#),
        ),
        (
            "accounts/111122223333/users/eng/sam.json",
            &format!(r#"{{"InlinePolicies": {{"admin": {admin}}}}}"#),
        ),
        (
            "accounts/111122223333/roles/ops/deploy.json",
            &format!(
                r#"{{"TrustPolicy": {{"Statement": {{"Effect": "Allow", "Principal": {{"AWS": "111122223333"}}, "Action": "sts:AssumeRole"}}}},
                    "InlinePolicies": {{"admin": {admin}}}}}"#
            ),
        ),
    ])
}

fn answer(store: &Store, principal: &str) -> (tollgate_policy::DecisionKind, Option<Reason>) {
    let request = request(principal, "organizations:LeaveOrganization", "*");
    let kind = decide(store, &request);
    (kind, store.decide(&request, None).reason)
}

#[test]
fn a_user_on_another_path_is_not_the_stores_user() {
    let store = admin_store();
    assert_eq!(
        answer(&store, "arn:aws:iam::111122223333:user/bob"),
        (Allowed, None)
    );
    for other in [
        "arn:aws:iam::111122223333:user/alice/../bob",
        "arn:aws:iam::111122223333:user/not-bob/../../bob",
        "arn:aws:iam::111122223333:user/eng/bob",
        // sam's path is /eng/: sam at the root is someone else.
        "arn:aws:iam::111122223333:user/sam",
    ] {
        assert_eq!(
            answer(&store, other),
            (ImplicitDeny, Some(Reason::PrincipalNotFound)),
            "{other}"
        );
    }
    assert_eq!(
        answer(&store, "arn:aws:iam::111122223333:user/eng/sam"),
        (Allowed, None)
    );
}

#[test]
fn another_partition_is_another_account() {
    let store = admin_store();
    for other in [
        "arn:aws-us-gov:iam::111122223333:user/bob",
        "arn:aws-cn:iam::111122223333:user/bob",
        "arn:aws-us-gov:sts::111122223333:assumed-role/deploy/s1",
    ] {
        assert_eq!(
            answer(&store, other),
            (ImplicitDeny, Some(Reason::AccountNotFound)),
            "{other}"
        );
    }
}

#[test]
fn roles_match_by_path_when_the_request_gives_it() {
    let store = admin_store();
    // A session ARN carries no path: the role's name is unique in the account.
    assert_eq!(
        answer(&store, "arn:aws:sts::111122223333:assumed-role/deploy/s1"),
        (Allowed, None)
    );
    assert_eq!(
        answer(&store, "arn:aws:iam::111122223333:role/ops/deploy"),
        (Allowed, None)
    );
    for other in [
        "arn:aws:iam::111122223333:role/deploy",
        "arn:aws:iam::111122223333:role/x/../ops/deploy",
    ] {
        assert_eq!(
            answer(&store, other),
            (ImplicitDeny, Some(Reason::PrincipalNotFound)),
            "{other}"
        );
    }
}

#[test]
fn a_trust_policy_is_found_only_by_the_roles_own_arn() {
    let store = admin_store();
    let assume = |resource: &str| {
        decide(
            &store,
            &request(
                "arn:aws:iam::111122223333:user/bob",
                "sts:AssumeRole",
                resource,
            ),
        )
    };
    // The trust policy names the account, so bob's `*` grant lets him in;
    // a role ARN that is not the role's own finds no trust policy, and
    // assuming a role always needs one, whatever bob's grant says. (The
    // account root cannot assume any role: STS refuses it.)
    assert_eq!(assume("arn:aws:iam::111122223333:role/ops/deploy"), Allowed);
    for other in [
        "arn:aws:iam::111122223333:role/deploy",
        "arn:aws:iam::111122223333:role/other/deploy",
        "arn:aws-us-gov:iam::111122223333:role/ops/deploy",
        "arn:aws:iam:us-east-1:111122223333:role/ops/deploy",
    ] {
        assert_eq!(assume(other), ImplicitDeny, "{other}");
    }
}

#[test]
fn an_authorization_details_user_keeps_its_path() {
    let admin = allow("*", "*");
    let store = store(&[(
        "accounts/111122223333/details.json",
        &format!(
            r#"{{"UserDetailList": [{{"UserName": "ana", "Path": "/eng/", "UserPolicyList": [{{"PolicyName": "admin", "PolicyDocument": {admin}}}]}}]}}"#
        ),
    )]);
    assert_eq!(
        answer(&store, "arn:aws:iam::111122223333:user/eng/ana"),
        (Allowed, None)
    );
    assert_eq!(
        answer(&store, "arn:aws:iam::111122223333:user/ana"),
        (ImplicitDeny, Some(Reason::PrincipalNotFound))
    );
    let faults = common::faults(&[(
        "accounts/111122223333/details.json",
        r#"{"UserDetailList": [{"UserName": "ana", "Path": "eng"}]}"#,
    )]);
    assert!(
        faults
            .iter()
            .any(|f| f.contains("UserDetailList[0].Path") && f.contains("not an IAM path")),
        "{faults:?}"
    );
}

#[test]
fn a_sessions_principal_arn_has_its_roles_path() {
    // "aws:PrincipalArn ... For an IAM role, the request context returns the
    // ARN of the role, not the ARN of the user that assumed the role" (AWS
    // global condition context keys): the role's ARN has its path, which the
    // session ARN does not carry; the store knows it.
    let only_ops = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
        "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/ops/*"}}}}"#;
    let store = store(&[(
        "accounts/111122223333/roles/ops/deploy.json",
        &format!(
            r#"{{"TrustPolicy": {{"Statement": {{"Effect": "Allow", "Principal": {{"AWS": "111122223333"}}, "Action": "sts:AssumeRole"}}}},
                "InlinePolicies": {{"ops-only": {only_ops}}}}}"#
        ),
    )]);
    for who in [
        "arn:aws:sts::111122223333:assumed-role/deploy/s1",
        "arn:aws:iam::111122223333:role/ops/deploy",
    ] {
        let request = request(who, "s3:GetObject", "arn:aws:s3:::bucket/key");
        assert_eq!(decide(&store, &request), Allowed, "{who}");
    }
}

#[test]
fn the_root_of_an_account_the_store_lacks_owns_nothing_here() {
    let store = admin_store();
    let bucket = "arn:aws:s3:::some-bucket/key";
    // The store's own account root: a bucket nothing names is its own.
    let own = request("arn:aws:iam::111122223333:root", "s3:GetObject", bucket);
    assert_eq!(decide(&store, &own), Allowed);
    // Another account's root: the store knows nothing of that account, so
    // the bucket is not taken to be its own, and nothing lets it in.
    for who in [
        "arn:aws:iam::999999999999:root",
        "arn:aws:iam::999999999999:user/mallory",
    ] {
        let asked = request(who, "s3:GetObject", bucket);
        assert_eq!(
            (decide(&store, &asked), store.decide(&asked, None).reason),
            (ImplicitDeny, Some(Reason::AccountNotFound)),
            "{who}"
        );
    }
}
