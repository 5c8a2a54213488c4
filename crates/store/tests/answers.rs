//! How the store answers: which groups apply to which principal, account and
//! resource, and which keys it adds to the context.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{allow, decide, decisive, request, request_with, store};
use serde_json::json;
use tollgate_policy::DecisionKind::{Allowed, ExplicitDeny, ImplicitDeny};
use tollgate_store::{Reason, SessionTables, compile_session_policies};

const PROD: &str = "111122223333";
const DEV: &str = "444455556666";

fn user(account: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:user/{name}")
}

fn resource(arn: &str, policy: &str) -> String {
    format!(r#"{{"Arn": "{arn}", "Policy": {policy}}}"#)
}

#[test]
fn session_policies_limit_a_role_session() {
    let store = store(&[(
        "accounts/111122223333/roles/app.json",
        &format!(
            r#"{{"TrustPolicy": {{"Statement": {{"Effect": "Allow", "Principal": {{"AWS": "{PROD}"}}, "Action": "sts:AssumeRole"}}}},
                "InlinePolicies": {{"s3": {}}}}}"#,
            allow("s3:*", "*")
        ),
    )]);
    let session = "arn:aws:sts::111122223333:assumed-role/app/s1";
    let get = request(session, "s3:GetObject", "arn:aws:s3:::b/k");
    let put = request(session, "s3:PutObject", "arn:aws:s3:::b/k");
    assert_eq!(store.decide(&put, None).kind, Allowed);
    let text = allow("s3:GetObject", "*");
    let value = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]});
    let (tables, group) = compile_session_policies(&[text.as_str()]).unwrap();
    let (value_tables, value_group) = compile_session_policies(&[&value]).unwrap();
    for (tables, group) in [(&tables, group), (&value_tables, value_group)] {
        let session_tables = Some(SessionTables { tables, group });
        assert_eq!(store.decide(&get, session_tables).kind, Allowed);
        assert_eq!(store.decide(&put, session_tables).kind, ImplicitDeny);
    }
    let (decision, _) = store.evaluate(
        &get,
        Some(SessionTables {
            tables: &tables,
            group,
        }),
    );
    assert!(
        decision
            .decisive
            .iter()
            .any(|s| s.policy == "sessionPolicies[0]")
    );
    // Session policies are checked with their own grammar.
    let error = compile_session_policies(&[
        r#"{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}}"#,
    ])
    .unwrap_err();
    assert_eq!(
        common::fault_lines(&error),
        ["sessionPolicies[0]: Statement.Principal: `Principal` is not allowed in a session policy"]
    );
}

#[test]
fn principal_tags_feed_conditions() {
    let policy = r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ec2:StartInstances", "Resource": "*",
         "Condition": {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}},
        {"Effect": "Deny", "Action": "ec2:TerminateInstances", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:PrincipalTag/level": "senior"}}},
        {"Effect": "Allow", "Action": "ec2:TerminateInstances", "Resource": "*"}]}"#;
    let store = store(&[
        ("accounts/111122223333/policies/tagged.json", policy),
        (
            "accounts/111122223333/users/ann.json",
            r#"{"AttachedManagedPolicies": ["arn:aws:iam::111122223333:policy/tagged"], "Tags": {"team": "web", "level": "senior"}}"#,
        ),
        (
            "accounts/111122223333/roles/ops.json",
            r#"{"TrustPolicy": {"Statement": {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole"}},
                "AttachedManagedPolicies": ["arn:aws:iam::111122223333:policy/tagged"], "Tags": {"team": "ops"}}"#,
        ),
    ]);
    let ann = user(PROD, "ann");
    let start = |who: &str, team: &str| {
        request_with(
            who,
            "ec2:StartInstances",
            "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
            &[("aws:ResourceTag/team", team)],
        )
    };
    assert_eq!(decide(&store, &start(&ann, "web")), Allowed);
    assert_eq!(decide(&store, &start(&ann, "ops")), ImplicitDeny);
    // A role session gets its role's tags.
    let ops = "arn:aws:sts::111122223333:assumed-role/ops/s1";
    assert_eq!(decide(&store, &start(ops, "ops")), Allowed);
    let terminate = |who: &str| request(who, "ec2:TerminateInstances", "*");
    assert_eq!(decide(&store, &terminate(&ann)), Allowed);
    assert_eq!(decide(&store, &terminate(ops)), ExplicitDeny);
    // Tags the caller gives win over the store's.
    let junior = request_with(
        &ann,
        "ec2:TerminateInstances",
        "*",
        &[("aws:PrincipalTag/level", "junior")],
    );
    assert_eq!(decide(&store, &junior), ExplicitDeny);
}

#[test]
fn a_bucket_policy_covers_its_objects() {
    let bucket_policy = r#"{"Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/reader"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::logs/*"},
        {"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::logs/*"}]}"#;
    let store = store(&[
        ("accounts/111122223333/users/reader.json", "{}"),
        (
            "accounts/111122223333/users/admin.json",
            r#"{"AttachedManagedPolicies": ["arn:aws:iam::aws:policy/AdministratorAccess"]}"#,
        ),
        (
            "accounts/111122223333/resources/s3/logs.json",
            &resource("arn:aws:s3:::logs", bucket_policy),
        ),
    ]);
    let reader = user(PROD, "reader");
    // The user has no identity policy: the bucket policy names it, same account.
    let get = request(&reader, "s3:GetObject", "arn:aws:s3:::logs/2024/01/01.gz");
    assert_eq!(decide(&store, &get), Allowed);
    assert_eq!(
        decisive(&store, &get),
        ["accounts/111122223333/resources/s3/logs.json#0"]
    );
    assert_eq!(
        decide(
            &store,
            &request(&reader, "s3:GetObject", "arn:aws:s3:::other/k")
        ),
        ImplicitDeny
    );
    assert_eq!(
        decide(
            &store,
            &request(
                &user(PROD, "admin"),
                "s3:DeleteObject",
                "arn:aws:s3:::logs/x"
            )
        ),
        ExplicitDeny
    );
    assert_eq!(
        decide(
            &store,
            &request(
                &user(PROD, "admin"),
                "s3:DeleteObject",
                "arn:aws:s3:::other/x"
            )
        ),
        Allowed
    );
}

/// An organization: root → OU `apps` → OU `team` → account DEV; PROD directly
/// under the root; the management account exempt.
fn org_store() -> tollgate_store::Store {
    let org = format!(
        r#"{{"Id": "o-aaaaaaaaaa", "ManagementAccountId": "999988887777",
            "Root": {{"Id": "r-root",
              "ServiceControlPolicies": ["FullAWSAccess", "no-leave"],
              "ResourceControlPolicies": ["only-org"],
              "OrganizationalUnits": [{{"Name": "apps", "Id": "ou-root-apps1234",
                 "ServiceControlPolicies": ["s3-and-sts-only"],
                 "OrganizationalUnits": [{{"Name": "team", "Id": "ou-root-team1234",
                   "Accounts": [{{"Id": "{DEV}", "ServiceControlPolicies": ["FullAWSAccess", "no-delete"]}}]}}]}}],
              "Accounts": [{{"Id": "{PROD}"}}, {{"Id": "999988887777"}}]}}}}"#
    );
    let admin = r#"{"AttachedManagedPolicies": ["arn:aws:iam::aws:policy/AdministratorAccess"]}"#;
    let deny = |action: &str| {
        format!(r#"{{"Statement": {{"Effect": "Deny", "Action": "{action}", "Resource": "*"}}}}"#)
    };
    let only_org = r#"{"Statement": {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
        "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-aaaaaaaaaa"}, "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}}}"#;
    let shared = r#"{"Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared/*"},
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:PutObject", "Resource": "arn:aws:s3:::shared/*",
         "Condition": {"StringLike": {"aws:PrincipalOrgPaths": "o-aaaaaaaaaa/r-root/ou-root-apps1234/*"}}}]}"#;
    store(&[
        ("organization/organization.json", &org),
        (
            "organization/scps/no-leave.json",
            &deny("organizations:LeaveOrganization"),
        ),
        ("organization/scps/no-delete.json", &deny("s3:DeleteBucket")),
        (
            "organization/scps/s3-and-sts-only.json",
            &allow("s3:*", "*").replace("\"s3:*\"", "[\"s3:*\", \"sts:*\"]"),
        ),
        ("organization/rcps/only-org.json", only_org),
        ("accounts/111122223333/users/admin.json", admin),
        (
            "accounts/111122223333/resources/shared.json",
            &resource("arn:aws:s3:::shared", shared),
        ),
        ("accounts/444455556666/users/admin.json", admin),
        ("accounts/999988887777/users/admin.json", admin),
    ])
}

#[test]
fn scps_apply_at_every_level_of_the_principals_path() {
    let store = org_store();
    let prod = user(PROD, "admin");
    let dev = user(DEV, "admin");
    let management = user("999988887777", "admin");
    // Root level: denies leaving, for member accounts only.
    let leave = |who: &str| request(who, "organizations:LeaveOrganization", "*");
    assert_eq!(decide(&store, &leave(&prod)), ExplicitDeny);
    assert_eq!(decide(&store, &leave(&dev)), ExplicitDeny);
    assert_eq!(decide(&store, &leave(&management)), Allowed);
    // OU `apps` allows only S3 and STS; the nested OU `team` has FullAWSAccess
    // by default; the account level denies deleting buckets.
    let ec2 = |who: &str| request(who, "ec2:RunInstances", "*");
    assert_eq!(decide(&store, &ec2(&prod)), Allowed);
    assert_eq!(decide(&store, &ec2(&dev)), ImplicitDeny);
    let s3 = |who: &str, action: &str| request(who, action, "arn:aws:s3:::dev-bucket");
    assert_eq!(decide(&store, &s3(&dev, "s3:CreateBucket")), Allowed);
    assert_eq!(decide(&store, &s3(&dev, "s3:DeleteBucket")), ExplicitDeny);
    assert_eq!(decide(&store, &s3(&prod, "s3:DeleteBucket")), Allowed);
    // Four levels for dev: root, apps, team, the account.
    let (decision, _) = store.evaluate(&s3(&dev, "s3:CreateBucket"), None);
    let scps = decision
        .decisive
        .iter()
        .filter(|s| {
            s.policy.starts_with("organization/scps/") || s.policy.contains("FullAWSAccess")
        })
        .count();
    assert_eq!(scps, 4, "{:?}", decision.decisive);
}

#[test]
fn rcps_and_organization_keys() {
    let store = org_store();
    let object = "arn:aws:s3:::shared/file";
    // Member principals are in the organization; the RCP lets them through.
    assert_eq!(
        decide(
            &store,
            &request(&user(DEV, "admin"), "s3:GetObject", object)
        ),
        Allowed
    );
    // A principal of another account: the bucket allows everyone, the RCP denies.
    let outsider = user("777788889999", "x");
    let (decision, reason) = store.evaluate(&request(&outsider, "s3:GetObject", object), None);
    assert_eq!(decision.kind, ExplicitDeny);
    assert_eq!(reason, Some(Reason::AccountNotFound));
    assert_eq!(
        decision.decisive[0].policy,
        "organization/rcps/only-org.json"
    );
    // Anonymous callers too; AWS services are excepted.
    assert_eq!(
        decide(&store, &request("anonymous", "s3:GetObject", object)),
        ExplicitDeny
    );
    assert_eq!(
        decide(
            &store,
            &request("cloudtrail.amazonaws.com", "s3:GetObject", object)
        ),
        Allowed
    );
    // aws:PrincipalOrgPaths: DEV is under `apps`, PROD is not.
    assert_eq!(
        decide(
            &store,
            &request(&user(DEV, "admin"), "s3:PutObject", object)
        ),
        Allowed
    );
    assert_eq!(
        decide(
            &store,
            &request("arn:aws:iam::444455556666:root", "s3:PutObject", object)
        ),
        Allowed
    );
    // The management account is in the organization but not under `apps`.
    let management = user("999988887777", "admin");
    assert_eq!(
        decide(&store, &request(&management, "s3:GetObject", object)),
        Allowed
    );
    assert_eq!(
        decide(&store, &request(&management, "s3:PutObject", object)),
        ImplicitDeny
    );
    // PROD owns the bucket: same account, its admin's identity policy allows.
    assert_eq!(
        decide(
            &store,
            &request(&user(PROD, "admin"), "s3:PutObject", object)
        ),
        Allowed
    );
}

#[test]
fn cross_account_with_a_resource_policy_naming_the_other_account() {
    let queue = "arn:aws:sqs:us-east-1:111122223333:jobs";
    let policy = r#"{"Statement": {"Effect": "Allow", "Principal": {"AWS": "444455556666"}, "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:111122223333:jobs"}}"#;
    let store = store(&[
        (
            "accounts/111122223333/resources/jobs.json",
            &resource(queue, policy),
        ),
        (
            "accounts/444455556666/users/sender.json",
            &format!(
                r#"{{"InlinePolicies": {{"send": {}}}}}"#,
                allow("sqs:SendMessage", queue)
            ),
        ),
        ("accounts/444455556666/users/idle.json", "{}"),
        (
            "accounts/777788889999/users/sender.json",
            &format!(
                r#"{{"InlinePolicies": {{"send": {}}}}}"#,
                allow("sqs:SendMessage", queue)
            ),
        ),
    ]);
    let send = |who: &str| request(who, "sqs:SendMessage", queue);
    // The queue trusts account DEV: a DEV principal whose policy allows gets in.
    assert_eq!(decide(&store, &send(&user(DEV, "sender"))), Allowed);
    assert_eq!(
        decisive(&store, &send(&user(DEV, "sender"))),
        [
            "accounts/444455556666/users/sender.json#InlinePolicies/send#0",
            "accounts/111122223333/resources/jobs.json#0"
        ]
    );
    // ... one whose policy does not, does not; nor does another account.
    assert_eq!(decide(&store, &send(&user(DEV, "idle"))), ImplicitDeny);
    assert_eq!(
        decide(&store, &send(&user("777788889999", "sender"))),
        ImplicitDeny
    );
}

#[test]
fn principals_the_store_does_not_hold() {
    let store = store(&[(
        "accounts/111122223333/users/known.json",
        &format!(r#"{{"InlinePolicies": {{"all": {}}}}}"#, allow("*", "*")),
    )]);
    let known = store.decide(&request(&user(PROD, "known"), "s3:ListBuckets", "*"), None);
    assert_eq!((known.kind, known.reason), (Allowed, None));
    let ghost = store.decide(&request(&user(PROD, "ghost"), "s3:ListBuckets", "*"), None);
    assert_eq!(
        (ghost.kind, ghost.reason),
        (ImplicitDeny, Some(Reason::PrincipalNotFound))
    );
    assert_eq!(
        Reason::PrincipalNotFound.to_string(),
        "principal not found in the store"
    );
    let role = store.decide(
        &request(
            "arn:aws:sts::111122223333:assumed-role/r/s1",
            "s3:ListBuckets",
            "*",
        ),
        None,
    );
    assert_eq!(role.reason, Some(Reason::PrincipalNotFound));
    // The account root needs no identity policy; a federated user has none.
    let root = store.decide(
        &request("arn:aws:iam::111122223333:root", "s3:ListBuckets", "*"),
        None,
    );
    assert_eq!((root.kind, root.reason), (Allowed, None));
    let federated = store.decide(
        &request(
            "arn:aws:sts::111122223333:federated-user/bob",
            "s3:ListBuckets",
            "*",
        ),
        None,
    );
    assert_eq!((federated.kind, federated.reason), (ImplicitDeny, None));
}

#[test]
fn principals_with_the_same_policies_add_no_groups() {
    let group = r#"{"AttachedManagedPolicies": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}"#;
    let member = r#"{"Groups": ["readers"]}"#;
    let two = store(&[
        ("accounts/111122223333/groups/readers.json", group),
        ("accounts/111122223333/users/a.json", member),
    ]);
    let three = store(&[
        ("accounts/111122223333/groups/readers.json", group),
        ("accounts/111122223333/users/a.json", member),
        ("accounts/111122223333/users/b.json", member),
    ]);
    assert_eq!(two.stats().groups, three.stats().groups);
    assert_eq!(two.stats().statements, three.stats().statements);
    assert_eq!(three.principal_count(), 2);
}

#[test]
fn shared_policies_compile_once_and_answers_keep_the_policy_order() {
    let policy = allow("s3:GetObject", "arn:aws:s3:::shared/*");
    let group = format!(
        r#"{{"AttachedManagedPolicies": ["arn:aws:iam::111122223333:policy/shared"], "InlinePolicies": {{"team": {policy}}}}}"#
    );
    let member = |n: usize| {
        format!(
            r#"{{"Groups": ["readers"], "AttachedManagedPolicies": ["arn:aws:iam::111122223333:policy/own"], "InlinePolicies": {{"mine{n}": {policy}}}}}"#
        )
    };
    let files = |users: usize| {
        let mut files = vec![
            (
                "accounts/111122223333/policies/shared.json".to_owned(),
                policy.clone(),
            ),
            (
                "accounts/111122223333/policies/own.json".to_owned(),
                policy.clone(),
            ),
            (
                "accounts/111122223333/groups/readers.json".to_owned(),
                group.clone(),
            ),
        ];
        for n in 0..users {
            files.push((format!("accounts/111122223333/users/u{n}.json"), member(n)));
        }
        files
    };
    let load = |users: usize| {
        let files = files(users);
        let entries: Vec<(&str, &str)> = files
            .iter()
            .map(|(path, text)| (path.as_str(), text.as_str()))
            .collect();
        store(&entries)
    };
    let one = load(1);
    let five = load(5);
    // Each more user adds only its own inline policy's statement.
    assert_eq!(five.stats().statements, one.stats().statements + 4);
    let get = request(&user(PROD, "u3"), "s3:GetObject", "arn:aws:s3:::shared/a");
    assert_eq!(decide(&five, &get), Allowed);
    // The user's inline, then its attached, then its group's inline and attached.
    let labels = decisive(&five, &get);
    assert_eq!(labels.len(), 4, "{labels:?}");
    assert!(labels[0].contains("mine3"), "{labels:?}");
    assert!(labels[1].contains("own"), "{labels:?}");
    assert!(labels[2].contains("team"), "{labels:?}");
    assert!(labels[3].contains("shared"), "{labels:?}");
}

/// The store releases each parsed policy once compiled into every group
/// that holds it: a managed policy attached to several principals and used
/// as a boundary, and an AWS managed policy attached twice, still apply to
/// every one of them.
#[test]
fn a_policy_shared_by_principals_and_boundaries_applies_to_each() {
    let shared = format!("arn:aws:iam::{PROD}:policy/shared");
    let user_file = format!(
        r#"{{"AttachedManagedPolicies": ["{shared}", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]}}"#
    );
    let role_file = format!(
        r#"{{"TrustPolicy": {{"Statement": {{"Effect": "Allow", "Principal": {{"AWS": "{PROD}"}}, "Action": "sts:AssumeRole"}}}},
            "AttachedManagedPolicies": ["{shared}", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
            "InlinePolicies": {{"all": {}}},
            "PermissionsBoundary": "{shared}"}}"#,
        allow("*", "*")
    );
    let shared_policy = allow("sqs:SendMessage", "*");
    let store = store(&[
        ("accounts/111122223333/policies/shared.json", &shared_policy),
        ("accounts/111122223333/users/u1.json", &user_file),
        ("accounts/111122223333/users/u2.json", &user_file),
        ("accounts/111122223333/roles/r.json", &role_file),
    ]);
    let role = "arn:aws:sts::111122223333:assumed-role/r/s1";
    for principal in [user(PROD, "u1"), user(PROD, "u2"), role.to_owned()] {
        let send = request(
            &principal,
            "sqs:SendMessage",
            "arn:aws:sqs:us-east-1:111122223333:q",
        );
        assert_eq!(decide(&store, &send), Allowed, "{principal}");
        let read = request(&principal, "s3:GetObject", "arn:aws:s3:::b/k");
        // The role's boundary (the shared policy) does not allow S3.
        let expected = if principal == role {
            ImplicitDeny
        } else {
            Allowed
        };
        assert_eq!(decide(&store, &read), expected, "{principal}");
    }
}

/// The levels of the SCP and RCP statements of a decision, as answers name
/// them, with their policy labels.
fn levels(decision: &tollgate_policy::Decision) -> Vec<(String, String)> {
    decision
        .decisive
        .iter()
        .filter_map(|s| Some((s.policy.clone(), s.level.as_ref()?.label())))
        .collect()
}

#[test]
fn scp_and_rcp_statements_name_their_level() {
    let store = org_store();
    let full = "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess";
    // FullAWSAccess at the root, the OU `team` (by default) and the account:
    // three entries, told apart by their level.
    let (decision, _) = store.evaluate(
        &request(
            &user(DEV, "admin"),
            "s3:CreateBucket",
            "arn:aws:s3:::dev-bucket",
        ),
        None,
    );
    assert_eq!(decision.kind, Allowed);
    let ou = "r-root/ou-root-apps1234";
    let team = "r-root/ou-root-apps1234/ou-root-team1234";
    assert_eq!(
        levels(&decision),
        [
            (full.to_owned(), "r-root".to_owned()),
            (
                "organization/scps/s3-and-sts-only.json".to_owned(),
                ou.to_owned()
            ),
            (full.to_owned(), team.to_owned()),
            (full.to_owned(), DEV.to_owned()),
        ]
    );
    // Identity policy statements carry no level.
    assert!(
        decision
            .decisive
            .iter()
            .any(|s| s.level.is_none() && s.policy.contains("AdministratorAccess"))
    );
    // A deny names its level too: the account-level SCP, the root-level RCP.
    let (decision, _) = store.evaluate(
        &request(
            &user(DEV, "admin"),
            "s3:DeleteBucket",
            "arn:aws:s3:::dev-bucket",
        ),
        None,
    );
    assert_eq!(
        levels(&decision),
        [(
            "organization/scps/no-delete.json".to_owned(),
            DEV.to_owned()
        )]
    );
    let (decision, _) = store.evaluate(
        &request(
            &user("777788889999", "x"),
            "s3:GetObject",
            "arn:aws:s3:::shared/file",
        ),
        None,
    );
    assert_eq!(
        levels(&decision),
        [(
            "organization/rcps/only-org.json".to_owned(),
            "r-root".to_owned()
        )]
    );
}

#[test]
fn levels_without_ids_are_named_by_their_path_of_names() {
    let org = format!(
        r#"{{"Root": {{"OrganizationalUnits": [{{"Name": "apps",
              "Accounts": [{{"Id": "{PROD}"}}]}}]}}}}"#
    );
    let store = store(&[
        ("organization/organization.json", &org),
        (
            "accounts/111122223333/users/admin.json",
            r#"{"AttachedManagedPolicies": ["arn:aws:iam::aws:policy/AdministratorAccess"]}"#,
        ),
    ]);
    let (decision, _) = store.evaluate(
        &request(&user(PROD, "admin"), "ec2:RunInstances", "*"),
        None,
    );
    let names: Vec<String> = levels(&decision).into_iter().map(|(_, l)| l).collect();
    assert_eq!(names, ["Root", "Root/apps", PROD]);
}

/// An organization whose root SCP denies everything, with a service-linked
/// role and an ordinary role in PROD, in the store's own format and in an
/// authorization-details file.
fn service_linked_store() -> tollgate_store::Store {
    let org = format!(
        r#"{{"Root": {{"ServiceControlPolicies": ["FullAWSAccess", "deny-all"],
              "Accounts": [{{"Id": "{PROD}"}}, {{"Id": "{DEV}"}}]}}}}"#
    );
    let role = r#"{"TrustPolicy": {"Statement": {"Effect": "Allow", "Principal": {"Service": "ecs.amazonaws.com"}, "Action": "sts:AssumeRole"}},
        "AttachedManagedPolicies": ["arn:aws:iam::aws:policy/AdministratorAccess"]}"#;
    let details = r#"{"RoleDetailList": [
        {"RoleName": "AWSServiceRoleForRDS", "Path": "/aws-service-role/rds.amazonaws.com/",
         "AssumeRolePolicyDocument": {"Statement": {"Effect": "Allow", "Principal": {"Service": "rds.amazonaws.com"}, "Action": "sts:AssumeRole"}},
         "AttachedManagedPolicies": [{"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}]},
        {"RoleName": "app", "Path": "/",
         "AssumeRolePolicyDocument": {"Statement": {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}},
         "AttachedManagedPolicies": [{"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}]}],
        "UserDetailList": [], "GroupDetailList": [], "Policies": []}"#;
    store(&[
        ("organization/organization.json", &org),
        (
            "organization/scps/deny-all.json",
            r#"{"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}"#,
        ),
        (
            "accounts/111122223333/roles/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS.json",
            role,
        ),
        ("accounts/111122223333/roles/ops.json", role),
        ("accounts/444455556666/authorization-details.json", details),
    ])
}

#[test]
fn service_linked_roles_are_not_restricted_by_scps() {
    let store = service_linked_store();
    let run = |who: &str| request(who, "ec2:RunInstances", "*");
    // Sessions carry no path: the store knows the role's.
    for who in [
        "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForECS/ecs-task",
        "arn:aws:iam::111122223333:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
        "arn:aws:sts::444455556666:assumed-role/AWSServiceRoleForRDS/rds",
    ] {
        let (decision, _) = store.evaluate(&run(who), None);
        assert_eq!(decision.kind, Allowed, "{who}");
        assert!(levels(&decision).is_empty(), "{:?}", decision.decisive);
        assert_eq!(store.decide(&run(who), None).kind, Allowed, "{who}");
    }
    for who in [
        "arn:aws:sts::111122223333:assumed-role/ops/s1",
        "arn:aws:sts::444455556666:assumed-role/app/s1",
        "arn:aws:iam::111122223333:root",
    ] {
        assert_eq!(decide(&store, &run(who)), ExplicitDeny, "{who}");
    }
}

#[test]
fn a_root_user_cannot_assume_a_role_of_the_store() {
    let store = store(&[(
        "accounts/111122223333/roles/deploy.json",
        &format!(
            r#"{{"TrustPolicy": {{"Statement": {{"Effect": "Allow", "Principal": {{"AWS": "{PROD}"}}, "Action": "sts:AssumeRole"}}}}}}"#
        ),
    )]);
    let role = "arn:aws:iam::111122223333:role/deploy";
    let (decision, _) = store.evaluate(
        &request("arn:aws:iam::111122223333:root", "sts:AssumeRole", role),
        None,
    );
    assert_eq!(decision.kind, ImplicitDeny);
    assert!(decision.decisive.is_empty());
}
