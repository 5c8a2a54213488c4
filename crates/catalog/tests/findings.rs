//! Each kind of finding on hand-written policies, and silence on good ones.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use tollgate_catalog::{Finding, FindingKind, validate};
use tollgate_policy::{PolicyDocument, PolicyKind};

fn findings(kind: PolicyKind, statements: &str) -> Vec<Finding> {
    let text = format!(r#"{{"Version": "2012-10-17", "Statement": {statements}}}"#);
    let document = PolicyDocument::parse(&text, kind).unwrap();
    validate(&document, kind)
}

fn identity(statements: &str) -> Vec<Finding> {
    findings(PolicyKind::Identity, statements)
}

fn only(found: &[Finding], kind: FindingKind, path: &str) -> String {
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].kind, kind, "{found:#?}");
    assert_eq!(found[0].path, path);
    found[0].message.clone()
}

#[test]
fn good_policies_have_no_findings() {
    let found = identity(
        r#"[{"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "S3:getobjectversion", "s3:List*"],
             "Resource": ["arn:aws:s3:::photos/*", "arn:aws:s3:::photos"],
             "Condition": {"StringEquals": {"s3:ExistingObjectTag/team": "blue", "aws:PrincipalTag/team": "blue"},
                           "StringLike": {"s3:prefix": "home/${aws:username}/*"}}},
            {"Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*",
             "Condition": {"StringEquals": {"aws:RequestTag/team": "blue", "ec2:InstanceType": "t3.micro"}}},
            {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*",
             "Condition": {"StringNotEquals": {"kms:EncryptionContext:tenant": "a"}}},
            {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:iam::111122223333:role/*"}]"#,
    );
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn unknown_actions_get_a_did_you_mean() {
    let found = identity(
        r#"{"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjet"], "Resource": "*"}"#,
    );
    let message = only(&found, FindingKind::UnknownAction, "Statement[0].Action[1]");
    assert_eq!(
        message,
        "`s3:GetObjet` is not an action of Amazon S3 (`s3`); did you mean `s3:GetObject`?"
    );
    let found =
        identity(r#"{"Effect": "Deny", "NotAction": "s3:CompletelyMadeUp", "Resource": "*"}"#);
    let message = only(
        &found,
        FindingKind::UnknownAction,
        "Statement[0].NotAction[0]",
    );
    assert!(!message.contains("did you mean"), "{message}");
}

#[test]
fn unknown_service_prefixes_get_a_did_you_mean() {
    let found = identity(r#"{"Effect": "Allow", "Action": "s4:GetObject", "Resource": "*"}"#);
    let message = only(
        &found,
        FindingKind::UnknownService,
        "Statement[0].Action[0]",
    );
    assert!(
        message.contains("no AWS service has the prefix `s4`; did you mean `s3:GetObject`?"),
        "{message}"
    );
}

#[test]
fn actions_only_aws_managed_policies_use_are_accepted() {
    // `mobilehub` is retired (not in the reference); `budgets:UpdateBudget`
    // is used by AWS's own policies though the reference lacks it.
    let found = identity(
        r#"{"Effect": "Allow", "Action": ["mobilehub:GetProject", "mobilehub:*", "budgets:UpdateBudget"], "Resource": "arn:aws:s3:::x",
            "Condition": {"StringEquals": {"mobilehub:Whatever": "x"}}}"#,
    );
    assert!(found.is_empty(), "{found:#?}");
    // Other missing budgets actions are still findings.
    let found =
        identity(r#"{"Effect": "Allow", "Action": "budgets:ViewBudgett", "Resource": "*"}"#);
    let message = only(&found, FindingKind::UnknownAction, "Statement[0].Action[0]");
    assert!(
        message.ends_with("did you mean `budgets:ViewBudget`?"),
        "{message}"
    );
}

#[test]
fn wildcards_that_match_nothing() {
    let found =
        identity(r#"[{"Effect": "Allow", "Action": ["s3:Get*", "s3:Gte*"], "Resource": "*"}]"#);
    let message = only(
        &found,
        FindingKind::WildcardMatchesNoAction,
        "Statement[0].Action[1]",
    );
    assert_eq!(message, "`s3:Gte*` matches no action of Amazon S3 (`s3`)");
}

#[test]
fn condition_keys_must_exist_and_belong_to_the_actions() {
    let found = identity(
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {"StringEquals": {"s3:prefx": "a"}}}"#,
    );
    let message = only(
        &found,
        FindingKind::UnknownConditionKey,
        "Statement[0].Condition.StringEquals.s3:prefx",
    );
    assert!(message.ends_with("did you mean `s3:prefix`?"), "{message}");

    // `s3:prefix` exists, but GetObject requests do not carry it.
    let found = identity(
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {"StringLike": {"s3:prefix": "a/*"}}}"#,
    );
    let message = only(
        &found,
        FindingKind::ConditionKeyNotForActions,
        "Statement[0].Condition.StringLike.s3:prefix",
    );
    assert!(message.contains("(s3:GetObject)"), "{message}");

    // Context keys (listed for no action) may be on any request.
    let found = identity(
        r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*",
            "Condition": {"ArnEquals": {"lambda:SourceFunctionArn": "arn:aws:lambda:us-east-1:111122223333:function:f"}}}"#,
    );
    assert!(found.is_empty(), "{found:#?}");

    // Tag templates match their instances; an empty tag name does not.
    let found = identity(
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {"StringEquals": {"s3:ExistingObjectTag/": "a", "s3:ExistingObjectTag/x": "b"}}}"#,
    );
    only(
        &found,
        FindingKind::UnknownConditionKey,
        "Statement[0].Condition.StringEquals.s3:ExistingObjectTag/",
    );

    // Open statements: keys are only checked for existing.
    let found = identity(
        r#"{"Effect": "Deny", "NotAction": "s3:GetObject", "Resource": "*",
            "Condition": {"StringLike": {"s3:prefix": "a/*", "ec2:Nope": "x"}}}"#,
    );
    only(
        &found,
        FindingKind::UnknownConditionKey,
        "Statement[0].Condition.StringLike.ec2:Nope",
    );
}

#[test]
fn resources_of_a_type_no_action_accepts() {
    let found = identity(
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": ["arn:aws:s3:::bucket", "arn:aws:s3:::bucket/*"]}"#,
    );
    let message = only(
        &found,
        FindingKind::ResourceTypeNotAccepted,
        "Statement[0].Resource[0]",
    );
    assert!(message.starts_with("`arn:aws:s3:::bucket` is not a resource type this statement's actions (s3:GetObject) accept (they take "), "{message}");
    assert!(message.contains("object"), "{message}");

    let found = identity(
        r#"{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::bucket/*"}"#,
    );
    only(
        &found,
        FindingKind::ResourceTypeNotAccepted,
        "Statement[0].Resource[0]",
    );

    // Two actions: the ARN needs only one that accepts it.
    let found = identity(
        r#"{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": ["arn:aws:s3:::bucket", "arn:aws:s3:::bucket/*"]}"#,
    );
    assert!(found.is_empty(), "{found:#?}");

    // Actions that list no resource type are not judged (AWS's own policies
    // give them service ARNs).
    let found = identity(
        r#"{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "arn:aws:s3:::*"}"#,
    );
    assert!(found.is_empty(), "{found:#?}");

    // Another service's ARN.
    let found = identity(
        r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:kms:us-east-1:111122223333:key/1"}"#,
    );
    only(
        &found,
        FindingKind::ResourceTypeNotAccepted,
        "Statement[0].Resource[0]",
    );
}

#[test]
fn grammar_aws_refuses() {
    let found =
        identity(r#"{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3"}"#);
    let message = only(&found, FindingKind::Grammar, "Statement[0].Resource[0]");
    assert!(message.contains("is not a whole ARN"), "{message}");
    let found =
        identity(r#"{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "*bucket"}"#);
    only(&found, FindingKind::Grammar, "Statement[0].NotResource[0]");

    let found = identity(
        r#"[{"Sid": "A", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            {"Sid": "A", "Effect": "Deny", "Action": "s3:PutObject", "Resource": "*"}]"#,
    );
    let message = only(&found, FindingKind::Grammar, "Statement[1].Sid");
    assert!(
        message.contains("also the `Sid` of Statement[0]"),
        "{message}"
    );

    let found = identity(
        r#"{"Sid": "read objects", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}"#,
    );
    only(&found, FindingKind::Grammar, "Statement[0].Sid");
    // Resource policies (bucket policies ...) may use other characters.
    let found = findings(
        PolicyKind::Resource,
        r#"{"Sid": "read objects", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}"#,
    );
    assert!(found.is_empty(), "{found:#?}");

    let found = identity("[]");
    only(&found, FindingKind::Grammar, "Statement");
}

#[test]
fn identity_provider_keys_are_not_service_keys() {
    let found = findings(
        PolicyKind::Resource,
        r#"[{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
             "Action": "sts:AssumeRoleWithWebIdentity",
             "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                                            "oidc.cluster.local:sub": "system:serviceaccount:app:web"},
                           "StringLike": {"accounts.google.com:sub": "*"}}}]"#,
    );
    assert!(
        !found
            .iter()
            .any(|f| f.kind == FindingKind::UnknownConditionKey),
        "{found:#?}"
    );
}
