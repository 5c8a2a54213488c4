//! Unit tests of reference resolution: identity lists, managed policy
//! lookup, organization levels and unused-policy warnings.

use std::collections::BTreeMap;

use super::{Plan, resolve};
use crate::error::Diagnostics;
use crate::limits::StoreLimits;
use crate::read::read_files;

const DOC: &str = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}"#;

fn plan(entries: &[(&str, &str)]) -> (Plan, Diagnostics) {
    let files: BTreeMap<String, Vec<u8>> = entries
        .iter()
        .map(|(p, t)| ((*p).to_owned(), t.as_bytes().to_vec()))
        .collect();
    let (model, mut diag) = read_files(files, &StoreLimits::default());
    let plan = resolve(model, &mut diag);
    (plan, diag)
}

fn labels(plan: &Plan, ids: &[usize]) -> Vec<String> {
    ids.iter()
        .map(|&i| plan.policies[i].label.clone())
        .collect()
}

#[test]
fn a_users_list_is_its_own_policies_then_its_groups() {
    let group = format!(
        r#"{{"InlinePolicies": {{"g": {DOC}}}, "AttachedManagedPolicies": ["arn:aws:iam::111122223333:policy/shared", "arn:aws:iam::aws:policy/ReadOnlyAccess"]}}"#
    );
    let user = format!(
        r#"{{"InlinePolicies": {{"u": {DOC}}}, "AttachedManagedPolicies": ["arn:aws:iam::111122223333:policy/shared"], "Groups": ["g"]}}"#
    );
    let other = r#"{"AttachedManagedPolicies": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}"#;
    let (plan, diag) = plan(&[
        ("accounts/111122223333/groups/g.json", &group),
        ("accounts/111122223333/policies/shared.json", DOC),
        ("accounts/111122223333/users/u.json", &user),
        ("accounts/111122223333/users/v.json", other),
    ]);
    assert!(diag.faults.is_empty(), "{:?}", diag.faults);
    let account = &plan.accounts["111122223333"];
    assert_eq!(
        labels(&plan, &account.users["u"].identity),
        [
            "accounts/111122223333/users/u.json#InlinePolicies/u",
            "accounts/111122223333/policies/shared.json",
            "accounts/111122223333/groups/g.json#InlinePolicies/g",
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
        ]
    );
    // The catalog policy is loaded once for both users.
    assert_eq!(
        account.users["u"].identity[3],
        account.users["v"].identity[0]
    );
}

#[test]
fn aws_managed_resolution_order() {
    let details = r#"{"Policies": [{"PolicyName": "ReadOnlyAccess", "Arn": "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "PolicyVersionList": [{"VersionId": "v1", "IsDefaultVersion": true, "Document": {"Statement": {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}}}]}]}"#;
    let user = r#"{"AttachedManagedPolicies": ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"]}"#;
    let (plan, diag) = plan(&[
        ("accounts/111122223333/details.json", details),
        ("accounts/111122223333/users/a.json", user),
        ("accounts/444455556666/users/b.json", user),
        ("aws-managed/job-function/ViewOnlyAccess.json", DOC),
    ]);
    assert!(diag.faults.is_empty(), "{:?}", diag.faults);
    assert_eq!(
        labels(&plan, &plan.accounts["111122223333"].users["a"].identity),
        [
            "accounts/111122223333/details.json#Policies/ReadOnlyAccess",
            "aws-managed/job-function/ViewOnlyAccess.json",
        ]
    );
    // Another account does not see the first account's details.
    assert_eq!(
        labels(&plan, &plan.accounts["444455556666"].users["b"].identity),
        [
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
            "aws-managed/job-function/ViewOnlyAccess.json",
        ]
    );
}

#[test]
fn organization_levels_and_memberships() {
    let org = r#"{"Id": "o-abcdefghij", "ManagementAccountId": "999988887777",
        "Root": {"Id": "r-ab12", "ServiceControlPolicies": ["FullAWSAccess", "s"],
          "OrganizationalUnits": [{"Name": "a", "Id": "ou-ab12-aaaaaaaa",
            "Accounts": [{"Id": "111122223333", "ResourceControlPolicies": ["r", "RCPFullAWSAccess"]}]},
            {"Name": "b", "Accounts": [{"Id": "444455556666"}]}],
          "Accounts": [{"Id": "999988887777"}]}}"#;
    let rcp =
        r#"{"Statement": {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}}"#;
    let (plan, diag) = plan(&[
        ("organization/organization.json", org),
        ("organization/scps/s.json", DOC),
        ("organization/scps/unused.json", DOC),
        ("organization/rcps/r.json", rcp),
    ]);
    assert!(diag.faults.is_empty(), "{:?}", diag.faults);
    assert_eq!(
        diag.warnings
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["organization/scps/unused.json: $: this policy is not attached to anything"]
    );
    let prod = plan.accounts["111122223333"].membership.as_ref().unwrap();
    assert_eq!(prod.org_id.as_deref(), Some("o-abcdefghij"));
    assert_eq!(
        prod.org_path.as_deref(),
        Some("o-abcdefghij/r-ab12/ou-ab12-aaaaaaaa/")
    );
    assert_eq!(prod.levels.len(), 3);
    let root = &plan.levels[prod.levels[0]];
    assert_eq!(
        labels(&plan, &root.scps),
        [
            "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
            "organization/scps/s.json",
        ]
    );
    let account = &plan.levels[prod.levels[2]];
    assert_eq!(labels(&plan, &account.rcps), ["organization/rcps/r.json"]);
    assert_eq!(labels(&plan, &account.scps).len(), 1);
    // The built-in FullAWSAccess is one policy wherever it is attached.
    assert_eq!(plan.levels[prod.levels[1]].scps, account.scps);
    // An OU without an id: no org path below it.
    let dev = plan.accounts["444455556666"].membership.as_ref().unwrap();
    assert_eq!(dev.org_path, None);
    assert_eq!(dev.levels.len(), 3);
    // Levels are named by the path of ids from the root, an OU without an
    // id by its name.
    let names = |levels: &[usize]| -> Vec<&str> {
        levels
            .iter()
            .map(|&l| plan.levels[l].name.as_str())
            .collect()
    };
    assert_eq!(
        names(&prod.levels),
        ["r-ab12", "r-ab12/ou-ab12-aaaaaaaa", "111122223333"]
    );
    assert_eq!(names(&dev.levels), ["r-ab12", "r-ab12/b", "444455556666"]);
    // The management account is exempt.
    let management = plan.accounts["999988887777"].membership.as_ref().unwrap();
    assert!(management.levels.is_empty());
    assert_eq!(management.org_path.as_deref(), Some("o-abcdefghij/r-ab12/"));
}

#[test]
fn duplicate_resource_arns_across_accounts() {
    let policy = r#"{"Arn": "arn:aws:s3:::shared", "Policy": {"Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}}}"#;
    let (_, diag) = plan(&[
        ("accounts/111122223333/resources/b.json", policy),
        ("accounts/444455556666/resources/b.json", policy),
    ]);
    assert_eq!(
        diag.faults
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        [
            "accounts/444455556666/resources/b.json: Policy: `arn:aws:s3:::shared` already has a resource policy in account `111122223333`"
        ]
    );
}
