//! Unit tests of the file readers: what each puts in the model, and the
//! faults and warnings each reports.

use std::collections::BTreeMap;

use super::read_files;
use crate::error::Diagnostics;
use crate::limits::StoreLimits;
use crate::model::Model;

fn read(entries: &[(&str, &str)]) -> (Model, Diagnostics) {
    let files: BTreeMap<String, Vec<u8>> = entries
        .iter()
        .map(|(p, t)| ((*p).to_owned(), t.as_bytes().to_vec()))
        .collect();
    read_files(files, &StoreLimits::default())
}

fn faults(diag: &Diagnostics) -> Vec<String> {
    diag.faults.iter().map(ToString::to_string).collect()
}

fn warnings(diag: &Diagnostics) -> Vec<String> {
    diag.warnings.iter().map(ToString::to_string).collect()
}

const DOC: &str = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}"#;

#[test]
fn reads_a_user_with_every_field() {
    let user = format!(
        r#"{{"Description": "d", "Groups": ["g1", "g2"], "InlinePolicies": {{"a": {DOC}, "b": {DOC}}},
            "AttachedManagedPolicies": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
            "PermissionsBoundary": "arn:aws:iam::111122223333:policy/b", "Tags": {{"team": "x", "empty": ""}}}}"#
    );
    let (model, diag) = read(&[("accounts/111122223333/users/ops/alice.json", &user)]);
    assert!(diag.faults.is_empty(), "{:?}", faults(&diag));
    let alice = &model.accounts["111122223333"].users["alice"];
    assert_eq!(alice.inline.len(), 2);
    assert_eq!(
        model.policies[alice.inline[0]].label,
        "accounts/111122223333/users/ops/alice.json#InlinePolicies/a"
    );
    assert_eq!(
        alice.attached[0].arn,
        "arn:aws:iam::aws:policy/ReadOnlyAccess"
    );
    assert_eq!(
        alice.attached[0].origin.path.to_string(),
        "AttachedManagedPolicies[0]"
    );
    let groups: Vec<&str> = alice.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(groups, ["g1", "g2"]);
    assert_eq!(
        alice.boundary.as_ref().map(|b| b.arn.as_str()),
        Some("arn:aws:iam::111122223333:policy/b")
    );
    assert_eq!(
        alice.tags,
        [("empty".into(), String::new()), ("team".into(), "x".into())]
    );
    assert!(alice.trust.is_none());
}

#[test]
fn each_entity_kind_has_its_fields() {
    let (model, diag) = read(&[
        (
            "accounts/111122223333/groups/g.json",
            r#"{"Tags": {}, "Groups": []}"#,
        ),
        ("accounts/111122223333/roles/r.json", r#"{"Groups": []}"#),
        (
            "accounts/111122223333/roles/ok.json",
            r#"{"TrustPolicy": {"Statement": {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}}}"#,
        ),
        ("accounts/111122223333/users/a b.json", "{}"),
    ]);
    assert_eq!(
        faults(&diag),
        [
            // In the order of the document (serde_json's `preserve_order`).
            "accounts/111122223333/groups/g.json: Tags: unknown field `Tags`",
            "accounts/111122223333/groups/g.json: Groups: unknown field `Groups`",
            "accounts/111122223333/roles/r.json: Groups: unknown field `Groups`",
            "accounts/111122223333/roles/r.json: $: missing required field `TrustPolicy`",
            "accounts/111122223333/users/a b.json: $: `a b` is not a valid user name: use letters, digits and `+=,.@_-`",
        ]
    );
    let role = &model.accounts["111122223333"].roles["ok"];
    assert_eq!(
        role.trust.map(|t| model.policies[t].label.as_str()),
        Some("accounts/111122223333/roles/ok.json#TrustPolicy")
    );
}

#[test]
fn reads_policy_documents_by_kind() {
    let rcp =
        r#"{"Statement": {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}}"#;
    let (model, diag) = read(&[
        ("accounts/111122223333/policies/team/p.json", DOC),
        ("aws-managed/service-role/R.json", DOC),
        ("organization/scps/s.json", DOC),
        ("organization/rcps/r.json", rcp),
    ]);
    assert!(diag.faults.is_empty(), "{:?}", faults(&diag));
    assert!(
        model.accounts["111122223333"]
            .managed
            .contains_key("arn:aws:iam::111122223333:policy/team/p")
    );
    assert!(
        model
            .aws_managed
            .contains_key("arn:aws:iam::aws:policy/service-role/R")
    );
    assert!(model.scps.contains_key("s"));
    assert!(model.rcps.contains_key("r"));
}

#[test]
fn checks_resource_policies() {
    let policy =
        r#"{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}}"#;
    let wrap = |arn: &str| format!(r#"{{"Arn": "{arn}", "Policy": {policy}}}"#);
    let (model, diag) = read(&[
        (
            "accounts/111122223333/resources/a.json",
            &wrap("arn:aws:s3:::b"),
        ),
        (
            "accounts/111122223333/resources/b.json",
            &wrap("arn:aws:s3:::b"),
        ),
        (
            "accounts/111122223333/resources/c.json",
            &wrap("arn:aws:s3:::b*"),
        ),
        (
            "accounts/111122223333/resources/d.json",
            &wrap("arn:aws:iam::111122223333:role/x"),
        ),
        ("accounts/111122223333/resources/e.json", &wrap("bucket")),
        (
            "accounts/111122223333/resources/f.json",
            r#"{"Arn": "arn:aws:s3:::f"}"#,
        ),
    ]);
    assert_eq!(
        faults(&diag),
        [
            "accounts/111122223333/resources/b.json: Arn: account `111122223333` already has a resource policy for `arn:aws:s3:::b`",
            "accounts/111122223333/resources/c.json: Arn: `arn:aws:s3:::b*` has wildcards: a resource policy belongs to one resource",
            "accounts/111122223333/resources/d.json: Arn: `arn:aws:iam::111122223333:role/x` is a role: its trust policy is the role's `TrustPolicy`",
            "accounts/111122223333/resources/e.json: Arn: `bucket` is not an ARN",
            "accounts/111122223333/resources/f.json: $: missing required field `Policy`",
        ]
    );
    assert_eq!(model.accounts["111122223333"].resources.len(), 1);
}

#[test]
fn reads_the_organization_tree() {
    let org = r#"{"Id": "o-abcdefghij", "ManagementAccountId": "999988887777",
        "Root": {"Id": "r-ab12", "ResourceControlPolicies": ["x"],
          "OrganizationalUnits": [{"Name": "a", "Id": "ou-ab12-aaaaaaaa", "ServiceControlPolicies": [],
            "OrganizationalUnits": [{"Name": "b", "Accounts": [{"Id": "111122223333", "ServiceControlPolicies": ["s"]}]}]}],
          "Accounts": [{"Id": "999988887777", "Name": "management"}]}}"#;
    let (model, diag) = read(&[("organization/organization.json", org)]);
    assert!(diag.faults.is_empty(), "{:?}", faults(&diag));
    assert_eq!(
        warnings(&diag),
        [
            "organization/organization.json: Root.OrganizationalUnits[0].ServiceControlPolicies: no SCP is attached here: every request of the principals below is implicitly denied (AWS requires at least one SCP per level)"
        ]
    );
    let organization = model.organization.as_ref().unwrap();
    assert_eq!(organization.id.as_deref(), Some("o-abcdefghij"));
    assert_eq!(
        organization.management_account.as_deref(),
        Some("999988887777")
    );
    let root = &organization.root;
    // No list: FullAWSAccess, as AWS attaches it.
    let names =
        |refs: &[crate::model::NameRef]| refs.iter().map(|r| r.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&root.level.scps), ["FullAWSAccess"]);
    assert_eq!(names(&root.level.rcps), ["x"]);
    let a = &root.units[0];
    assert!(a.level.scps.is_empty());
    let b = &a.units[0];
    assert_eq!(b.level.id, None);
    assert_eq!(names(&b.accounts[0].scps), ["s"]);
    // Placed accounts exist without folders.
    assert!(model.accounts.contains_key("111122223333"));
    assert!(model.accounts.contains_key("999988887777"));
}

#[test]
fn organization_faults() {
    let org = r#"{"Id": "x-1", "ManagementAccountId": "999988887777",
        "Root": {"Id": "r-UPPER", "Accounts": [{"Id": "111122223333"}, {"Id": "111122223333"}, {"Id": "12"}, {}],
                 "OrganizationalUnits": [{"Id": "ou-ab12-aaaaaaaa"}]}}"#;
    let (_, diag) = read(&[("organization/organization.json", org)]);
    let file = "organization/organization.json";
    assert_eq!(
        faults(&diag),
        [
            format!(
                "{file}: Id: `x-1` is not an id of the form `o-...` (lowercase letters and digits)"
            ),
            format!(
                "{file}: Root.Id: `r-UPPER` is not an id of the form `r-...` (lowercase letters and digits)"
            ),
            format!("{file}: Root.OrganizationalUnits[0]: missing required field `Name`"),
            format!(
                "{file}: Root.Accounts[1].Id: account `111122223333` is already placed at Root.Accounts[0].Id"
            ),
            format!("{file}: Root.Accounts[2].Id: `12` is not a 12-digit account id"),
            format!("{file}: Root.Accounts[3]: missing required field `Id`"),
            format!(
                "{file}: ManagementAccountId: management account `999988887777` is not placed in the tree under `Root`"
            ),
        ]
    );
}

#[test]
fn reads_authorization_details() {
    let encoded = "%7B%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3A%2A%22%2C%22Resource%22%3A%22%2A%22%7D%7D";
    let details = format!(
        r#"{{"UserDetailList": [{{"UserName": "u", "Path": "/", "Arn": "arn:aws:iam::111122223333:user/u", "NewField": 1,
              "UserPolicyList": [{{"PolicyName": "p", "PolicyDocument": "{encoded}"}}],
              "GroupList": ["g"], "Tags": [{{"Key": "k", "Value": "v"}}],
              "PermissionsBoundary": {{"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": "arn:aws:iam::aws:policy/PowerUserAccess"}}}}],
            "GroupDetailList": [{{"GroupName": "g", "GroupPolicyList": [], "AttachedManagedPolicies": [{{"PolicyName": "m", "PolicyArn": "arn:aws:iam::111122223333:policy/m"}}]}}],
            "RoleDetailList": [{{"RoleName": "r", "AssumeRolePolicyDocument": {{"Statement": {{"Effect": "Allow", "Principal": {{"Service": "ec2.amazonaws.com"}}, "Action": "sts:AssumeRole"}}}},
              "InstanceProfileList": [{{"anything": true}}], "RoleLastUsed": {{}}}}],
            "Policies": [{{"PolicyName": "m", "Arn": "arn:aws:iam::111122223333:policy/m",
              "PolicyVersionList": [{{"VersionId": "v2", "IsDefaultVersion": false, "Document": "not even JSON"}},
                                    {{"VersionId": "v1", "IsDefaultVersion": true, "Document": "{encoded}"}}]}}],
            "IsTruncated": true, "Marker": "abc"}}"#
    );
    let file = "accounts/111122223333/page-1.json";
    let (model, diag) = read(&[(file, &details)]);
    assert!(diag.faults.is_empty(), "{:?}", faults(&diag));
    assert_eq!(
        warnings(&diag),
        [
            format!(
                "{file}: IsTruncated: this page does not hold the whole account: add the other pages as more files"
            ),
            format!("{file}: UserDetailList[0].NewField: unknown field `NewField` ignored"),
        ]
    );
    let account = &model.accounts["111122223333"];
    let user = &account.users["u"];
    assert_eq!(
        model.policies[user.inline[0]].label,
        format!("{file}#UserDetailList/u/UserPolicyList/p")
    );
    assert_eq!(user.tags, [("k".into(), "v".into())]);
    assert_eq!(user.groups[0].name, "g");
    assert!(user.boundary.is_some());
    assert_eq!(
        account.groups["g"].attached[0].arn,
        "arn:aws:iam::111122223333:policy/m"
    );
    assert!(account.roles["r"].trust.is_some());
    let managed = account.managed["arn:aws:iam::111122223333:policy/m"];
    assert_eq!(model.policies[managed].label, format!("{file}#Policies/m"));
    assert_eq!(
        model.policies[managed].origin.path.to_string(),
        "Policies[0].PolicyVersionList[1].Document"
    );
}

#[test]
fn authorization_details_pages_must_not_repeat_entities() {
    let page = r#"{"GroupDetailList": [{"GroupName": "g"}]}"#;
    let (_, diag) = read(&[
        ("accounts/111122223333/a.json", page),
        ("accounts/111122223333/b.json", page),
        ("accounts/111122223333/groups/g.json", "{}"),
    ]);
    assert_eq!(
        faults(&diag),
        [
            "accounts/111122223333/b.json: GroupDetailList[0]: group `g` is already defined in `accounts/111122223333/a.json` at GroupDetailList[0]",
            "accounts/111122223333/groups/g.json: $: group `g` is already defined in `accounts/111122223333/a.json` at GroupDetailList[0]",
        ]
    );
}
