//! Splitting exports by account, and the split loading as a store.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use tollgate_policy::{DecisionKind, Request, RequestPrincipal};

use super::*;
use crate::Store;

fn fixture(name: &str) -> (String, Value) {
    let path = format!(
        "{}/../../tests/data/exports/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    (name.to_owned(), serde_json::from_str(&text).unwrap())
}

fn pages() -> Vec<(String, Value)> {
    vec![
        fixture("two-accounts-page1.json"),
        fixture("two-accounts-page2.json"),
    ]
}

fn arns(document: &Value, list: &str) -> Vec<String> {
    document[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["Arn"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn entries_go_to_the_account_their_arn_names() {
    let split = split_authorization_details(&pages()).unwrap();
    assert_eq!(
        split.accounts.keys().collect::<Vec<_>>(),
        ["111111111111", "222222222222"]
    );
    let a = &split.accounts["111111111111"];
    let b = &split.accounts["222222222222"];
    assert_eq!(
        arns(a, "UserDetailList"),
        ["arn:aws:iam::111111111111:user/ana"]
    );
    assert_eq!(
        arns(b, "RoleDetailList"),
        ["arn:aws:iam::222222222222:role/ci"]
    );
    // AWS managed policies go where they are attached, once though listed twice.
    assert_eq!(
        arns(a, "Policies"),
        [
            "arn:aws:iam::111111111111:policy/deploy",
            "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
        ]
    );
    assert_eq!(
        arns(b, "Policies"),
        ["arn:aws:iam::aws:policy/AWSLambdaFullAccess"]
    );
    // boto3's metadata and the pagination fields are not carried over.
    assert!(a.get("ResponseMetadata").is_none() && a.get("Marker").is_none());
    assert_eq!(split.warnings.len(), 1);
    assert_eq!(
        split.warnings[0].to_string(),
        "two-accounts-page1.json: IsTruncated: this page does not hold the whole account: give the other pages too"
    );
}

fn store_of(split: &SplitExport) -> Store {
    let files: BTreeMap<String, Vec<u8>> = split
        .accounts
        .iter()
        .map(|(id, document)| {
            (
                format!("accounts/{id}/authorization-details.json"),
                serde_json::to_vec(document).unwrap(),
            )
        })
        .collect();
    Store::from_files(files).unwrap()
}

fn decide(store: &Store, principal: &str, action: &str, resource: &str) -> DecisionKind {
    let principal = RequestPrincipal::parse(principal).unwrap();
    store
        .decide(&Request::new(principal, action, resource), None)
        .kind
}

#[test]
fn the_split_loads_and_decides() {
    let store = store_of(&split_authorization_details(&pages()).unwrap());
    let ana = "arn:aws:iam::111111111111:user/ana";
    let ben = "arn:aws:iam::222222222222:user/ben";
    let ci = "arn:aws:sts::222222222222:assumed-role/ci/build-1";
    let function = "arn:aws:lambda:us-east-1:111111111111:function:app";
    assert_eq!(
        decide(&store, ana, "s3:GetObject", "arn:aws:s3:::b/k"),
        DecisionKind::Allowed
    );
    assert_eq!(
        decide(&store, ana, "lambda:InvokeFunction", function),
        DecisionKind::ImplicitDeny
    );
    // The deprecated AWSLambdaFullAccess, carried by the export itself.
    assert_eq!(
        decide(
            &store,
            ben,
            "lambda:InvokeFunction",
            "arn:aws:lambda:us-east-1:222222222222:function:f"
        ),
        DecisionKind::Allowed
    );
    // Across the two accounts: the trust policy delegates to 222222222222,
    // whose role allows the assumption.
    assert_eq!(
        decide(
            &store,
            ci,
            "sts:AssumeRole",
            "arn:aws:iam::111111111111:role/deployer"
        ),
        DecisionKind::Allowed
    );
    assert_eq!(
        decide(
            &store,
            ben,
            "sts:AssumeRole",
            "arn:aws:iam::111111111111:role/deployer"
        ),
        DecisionKind::ImplicitDeny
    );
}

#[test]
fn an_unattached_aws_policy_stays_with_every_account() {
    let mut files = pages();
    files.push((
        "extra.json".into(),
        json!({"Policies": [{"Arn": "arn:aws:iam::aws:policy/Unused", "PolicyName": "Unused"}]}),
    ));
    let split = split_authorization_details(&files).unwrap();
    for document in split.accounts.values() {
        assert!(arns(document, "Policies").contains(&"arn:aws:iam::aws:policy/Unused".to_owned()));
    }
}

#[test]
fn faults_name_the_file_and_the_json_path() {
    let files = vec![
        ("a.json".to_owned(), json!([])),
        (
            "b.json".to_owned(),
            json!({"Colour": 1, "UserDetailList": [{"UserName": "x"}, {"Arn": "arn:aws:iam::12:user/y"}], "RoleDetailList": {}}),
        ),
        (
            "c.json".to_owned(),
            json!({"Policies": [{"Arn": "arn:aws:iam::111111111111:policy/p", "PolicyName": "p"}]}),
        ),
        (
            "d.json".to_owned(),
            json!({"Policies": [{"Arn": "arn:aws:iam::111111111111:policy/p", "PolicyName": "other"}]}),
        ),
    ];
    let faults: Vec<String> = split_authorization_details(&files)
        .unwrap_err()
        .0
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        faults,
        [
            "a.json: $: expected an object: the output of `aws iam get-account-authorization-details`",
            "b.json: Colour: unknown field `Colour`: an authorization-details export has UserDetailList, GroupDetailList, RoleDetailList, Policies",
            "b.json: UserDetailList[0].Arn: required: the entry's ARN, which says its account",
            "b.json: UserDetailList[1].Arn: `arn:aws:iam::12:user/y` names no 12-digit account",
            "b.json: RoleDetailList: expected a list",
            "d.json: Policies[0].Arn: `arn:aws:iam::111111111111:policy/p` is listed again with different content (pages of different exports?)",
        ]
    );
    let empty = split_authorization_details(&[("e.json".into(), json!({"Policies": []}))]);
    assert!(
        empty
            .unwrap_err()
            .to_string()
            .contains("no account to import")
    );
}

#[test]
fn a_boto3_page_of_one_account_loads_as_it_is() {
    let (_, page) = fixture("two-accounts-page2.json");
    assert!(page.get("ResponseMetadata").is_some());
    let files = BTreeMap::from([(
        "accounts/222222222222/page2.json".to_owned(),
        serde_json::to_vec(&page).unwrap(),
    )]);
    let store = Store::from_files(files).unwrap();
    assert_eq!(store.stats().principals, 1);
}

#[test]
fn a_mixed_page_in_one_account_folder_points_to_import() {
    let (_, page) = fixture("two-accounts-page1.json");
    let files = BTreeMap::from([(
        "accounts/111111111111/page1.json".to_owned(),
        serde_json::to_vec(&page).unwrap(),
    )]);
    let error = Store::from_files(files).unwrap_err().to_string();
    assert!(
        error.contains("is not in account `111111111111` whose folder holds this file (an export of several accounts: `tollgate import` splits it by account)"),
        "{error}"
    );
}

#[test]
fn a_deprecated_aws_policy_the_export_does_not_carry_comes_from_the_catalog_with_a_warning() {
    // Without its `Policies` entry (an export filtered to users and roles),
    // the deprecated AWSLambdaFullAccess ben has attached is in neither the
    // export nor AWS's current list: the catalog keeps its last version.
    let mut split = split_authorization_details(&pages()).unwrap();
    let ben_account = split.accounts.get_mut("222222222222").unwrap();
    ben_account["Policies"] = json!([]);
    let store = store_of(&split);
    assert_eq!(
        decide(
            &store,
            "arn:aws:iam::222222222222:user/ben",
            "lambda:InvokeFunction",
            "arn:aws:lambda:us-east-1:222222222222:function:f"
        ),
        DecisionKind::Allowed
    );
    let deprecated: Vec<String> = store
        .warnings()
        .iter()
        .map(ToString::to_string)
        .filter(|w| w.contains("deprecated"))
        .collect();
    assert_eq!(deprecated.len(), 1, "{:#?}", store.warnings());
    assert!(
        deprecated[0].contains(
            "`arn:aws:iam::aws:policy/AWSLambdaFullAccess` is an AWS managed policy that AWS has deprecated"
        ) && deprecated[0].starts_with("accounts/222222222222/authorization-details.json"),
        "{}",
        deprecated[0]
    );
}
