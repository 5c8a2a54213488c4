//! A store with faults does not load, and the error names every fault with
//! its file and JSON path.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{allow, faults, files, store};
use tollgate_store::{FaultKind, Store, StoreError, StoreLimits};

const ALICE: &str = "accounts/111122223333/users/alice.json";

#[test]
fn unknown_field() {
    assert_eq!(
        faults(&[(ALICE, r#"{"Groups": [], "Gropus": ["x"]}"#)]),
        [format!("{ALICE}: Gropus: unknown field `Gropus`")]
    );
    assert_eq!(
        faults(&[(
            "organization/organization.json",
            r#"{"Root": {"OrganizationalUnits": [{"Name": "a", "Acounts": []}]}}"#
        )]),
        [
            "organization/organization.json: Root.OrganizationalUnits[0].Acounts: unknown field `Acounts`"
        ]
    );
}

#[test]
fn bad_json() {
    let found = faults(&[(ALICE, r#"{"Groups": ["#)]);
    assert_eq!(found.len(), 1);
    assert!(
        found[0].starts_with(&format!("{ALICE}: $: invalid JSON: ")),
        "{found:?}"
    );
}

#[test]
fn bad_policy() {
    let found = faults(&[(
        ALICE,
        r#"{"InlinePolicies": {"p": {"Version": "2012-10-17", "Statement": [{"Effect": "Permit", "Action": "s3:*", "Resource": "*"}]}}}"#,
    )]);
    assert_eq!(
        found,
        [format!(
            "{ALICE}: InlinePolicies.p.Statement[0].Effect: `Permit` is not `Allow` or `Deny`"
        )]
    );
}

#[test]
fn principal_in_an_identity_policy() {
    let found = faults(&[(
        "accounts/111122223333/policies/p.json",
        r#"{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}}"#,
    )]);
    assert_eq!(
        found,
        [
            "accounts/111122223333/policies/p.json: Statement.Principal: `Principal` is not allowed in an identity-based policy"
        ]
    );
}

#[test]
fn unknown_managed_policy_arn() {
    let found = faults(&[(
        ALICE,
        r#"{"AttachedManagedPolicies": ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/NoSuchPolicy", "arn:aws:iam::111122223333:policy/missing"], "PermissionsBoundary": "arn:aws:iam::999999999999:policy/b"}"#,
    )]);
    assert_eq!(
        found,
        [
            format!(
                "{ALICE}: AttachedManagedPolicies[1]: unknown managed policy `arn:aws:iam::aws:policy/NoSuchPolicy`: the built-in catalog of AWS managed policies does not have it (deprecated or newer than the catalog): add its document as `aws-managed/NoSuchPolicy.json`, or give the authorization-details export that lists it under `Policies`"
            ),
            format!(
                "{ALICE}: AttachedManagedPolicies[2]: unknown managed policy `arn:aws:iam::111122223333:policy/missing`: add its document as `accounts/111122223333/policies/missing.json`, or give the account's authorization-details export that lists it under `Policies`"
            ),
            format!(
                "{ALICE}: PermissionsBoundary: `arn:aws:iam::999999999999:policy/b` belongs to account `999999999999`: only policies of account `111122223333` and AWS managed policies can be attached here"
            ),
        ]
    );
}

#[test]
fn unknown_group_scp_and_missing_trust_policy() {
    let found = faults(&[
        (ALICE, r#"{"Groups": ["nobody"]}"#),
        ("accounts/111122223333/roles/r.json", "{}"),
        (
            "organization/organization.json",
            r#"{"Root": {"ServiceControlPolicies": ["FullAWSAccess", "nope"], "ResourceControlPolicies": ["RCPFullAWSAccess", "gone"]}}"#,
        ),
    ]);
    assert_eq!(
        found,
        [
            "accounts/111122223333/roles/r.json: $: missing required field `TrustPolicy`"
                .to_owned(),
            format!("{ALICE}: Groups[0]: unknown group `nobody`"),
            "organization/organization.json: Root.ResourceControlPolicies[1]: unknown RCP `gone`"
                .to_owned(),
            "organization/organization.json: Root.ServiceControlPolicies[1]: unknown SCP `nope`"
                .to_owned(),
        ]
    );
}

#[test]
fn files_with_no_place_and_duplicates() {
    let found = faults(&[
        ("acounts/111122223333/users/a.json", "{}"),
        ("accounts/111122223333/users/a.jsn", "{}"),
        ("accounts/1234/users/a.json", "{}"),
        ("accounts/111122223333/users/bob.json", "{}"),
        ("accounts/111122223333/users/eng/bob.json", "{}"),
    ]);
    assert_eq!(found.len(), 4, "{found:#?}");
    assert!(found[0].starts_with("accounts/111122223333/users/a.jsn: $: unexpected file: "));
    assert!(found[1].starts_with("accounts/111122223333/users/eng/bob.json: $: user `bob` is already defined in `accounts/111122223333/users/bob.json`"));
    assert!(found[2].starts_with(
        "accounts/1234/users/a.json: $: unexpected file: `1234` is not a 12-digit account id"
    ));
    assert!(found[3].starts_with("acounts/111122223333/users/a.json: $: unexpected file: "));
}

#[test]
fn rcps_may_only_deny_and_resource_policies_need_principals() {
    let found = faults(&[
        ("organization/rcps/r.json", &allow("s3:*", "*")),
        (
            "accounts/111122223333/resources/b.json",
            &format!(
                r#"{{"Arn": "arn:aws:s3:::b", "Policy": {}}}"#,
                allow("s3:*", "*")
            ),
        ),
        (
            "accounts/111122223333/resources/q.json",
            r#"{"Arn": "arn:aws:sqs:us-east-1:444455556666:q", "Policy": {"Statement": {"Effect": "Allow", "Principal": "*", "Action": "sqs:*"}}}"#,
        ),
    ]);
    assert_eq!(
        found,
        [
            "accounts/111122223333/resources/b.json: Policy.Statement[0]: missing required element `Principal`",
            "accounts/111122223333/resources/q.json: Arn: `arn:aws:sqs:us-east-1:444455556666:q` belongs to account `444455556666`, not to `111122223333` whose folder holds this file",
            "organization/rcps/r.json: Statement[0]: missing required element `Principal`",
            "organization/rcps/r.json: Statement[0].Effect: resource control policies may only deny; the full-access allow is implicit",
        ]
    );
}

#[test]
fn authorization_details_faults() {
    let details = r#"{
        "UserDetailList": [{"UserName": "u", "Arn": "arn:aws:iam::444455556666:user/u",
                            "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": "%7Bbroken"}],
                            "Shiny": 1}],
        "Policies": [{"Arn": "arn:aws:iam::111122223333:policy/x", "PolicyName": "x", "DefaultVersionId": "v2",
                      "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true, "Document": {}}]}],
        "Extra": []
    }"#;
    let found = faults(&[("accounts/111122223333/details.json", details)]);
    let file = "accounts/111122223333/details.json";
    assert_eq!(found.len(), 5, "{found:#?}");
    assert_eq!(found[0], format!("{file}: Extra: unknown field `Extra`"));
    assert_eq!(
        found[1],
        format!("{file}: Policies[0].PolicyVersionList: no policy version has the default id `v2`")
    );
    assert_eq!(
        found[2],
        format!(
            "{file}: Policies[0].PolicyVersionList[0]: this version is marked default but `DefaultVersionId` is `v2`"
        )
    );
    assert!(found[3].starts_with(&format!(
        "{file}: UserDetailList[0].Arn: `arn:aws:iam::444455556666:user/u` is not in account `111122223333`"
    )));
    assert!(found[4].starts_with(&format!(
        "{file}: UserDetailList[0].UserPolicyList[0].PolicyDocument: invalid JSON: in the URL-decoded policy document"
    )));
}

#[test]
fn all_or_nothing() {
    let good = allow("s3:*", "*");
    let entries = [
        ("accounts/111122223333/policies/good.json", good.as_str()),
        (
            "accounts/111122223333/users/ok.json",
            r#"{"AttachedManagedPolicies": ["arn:aws:iam::111122223333:policy/good"]}"#,
        ),
        (
            "accounts/111122223333/users/bad.json",
            r#"{"Tags": {"a": 1}}"#,
        ),
        ("organization/scps/bad.json", r#"{"Statement": []"#),
    ];
    let error = Store::from_files(files(&entries)).unwrap_err();
    // Both faulty files are reported, and nothing of the good ones is kept.
    assert_eq!(error.faults().len(), 2, "{error}");
    let text = error.to_string();
    assert!(text.starts_with("the store has 2 faults:\n  "), "{text}");
    assert!(text.contains(
        "accounts/111122223333/users/bad.json: Tags.a: expected a string, found a number"
    ));
    assert!(text.contains("organization/scps/bad.json: $: invalid JSON"));
    assert!(matches!(error, StoreError::Invalid(_)));
    // Without the faulty files the rest loads.
    store(&entries[..2]);
}

#[test]
fn limits() {
    let limits = StoreLimits {
        max_files: 2,
        ..StoreLimits::default()
    };
    let three = files(&[("a.md", ""), ("b.md", ""), ("c.md", "")]);
    let error = Store::from_files_with_limits(three, &limits).unwrap_err();
    assert!(
        matches!(error.faults()[0].kind, FaultKind::Limit(_)),
        "{error}"
    );
    let limits = StoreLimits {
        max_file_bytes: 10,
        ..StoreLimits::default()
    };
    let big = files(&[(ALICE, r#"{"Groups": []}"#)]);
    let error = Store::from_files_with_limits(big, &limits).unwrap_err();
    assert_eq!(
        common::fault_lines(&error),
        [format!(
            "{ALICE}: $: the file has 14 bytes, more than the limit of 10"
        )]
    );
}

#[test]
fn load_dir_reports_missing_folders() {
    let error = Store::load_dir("/nonexistent/tollgate-store").unwrap_err();
    assert!(matches!(error, StoreError::Io { .. }), "{error}");
}

#[test]
fn warnings_name_file_and_path() {
    let odd = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalTeg/team": "x"}}}]}"#;
    let store = store(&[
        (ALICE, &format!(r#"{{"InlinePolicies": {{"odd": {odd}}}}}"#)),
        ("accounts/111122223333/policies/odd.json", odd),
        (
            "accounts/111122223333/policies/spare.json",
            &allow("s3:*", "*"),
        ),
        (
            "organization/organization.json",
            r#"{"Root": {"ServiceControlPolicies": [], "Accounts": [{"Id": "111122223333"}]}}"#,
        ),
    ]);
    let warnings: Vec<String> = store.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "accounts/111122223333/policies/odd.json: $: this managed policy is not attached to anything".to_owned(),
            "accounts/111122223333/policies/spare.json: $: this managed policy is not attached to anything".to_owned(),
            format!("{ALICE}: InlinePolicies.odd.Statement[0].Condition.StringEquals.aws:PrincipalTeg/team: `aws:PrincipalTeg/team` is not a documented global condition key; check its spelling"),
            "organization/organization.json: Root.ServiceControlPolicies: no SCP is attached here: every request of the principals below is implicitly denied (AWS requires at least one SCP per level)".to_owned(),
        ]
    );
}

#[test]
fn a_broken_definition_is_not_also_reported_as_unknown() {
    let found = faults(&[
        ("accounts/111122223333/groups/g.json", "{"),
        (
            "accounts/111122223333/policies/p.json",
            r#"{"Statement": []"#,
        ),
        (
            ALICE,
            r#"{"Groups": ["g"], "AttachedManagedPolicies": ["arn:aws:iam::111122223333:policy/p"]}"#,
        ),
        (
            "organization/scps/s.json",
            r#"{"Statement": {"Effect": "Maybe"}}"#,
        ),
        (
            "organization/organization.json",
            r#"{"Root": {"ServiceControlPolicies": ["s"]}}"#,
        ),
    ]);
    assert_eq!(found.len(), 5, "{found:#?}");
    assert!(found.iter().all(|f| !f.contains("unknown")), "{found:#?}");
}
