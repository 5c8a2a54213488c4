//! The store's warnings include what AWS's service catalog finds in the
//! store's own documents, placed in their files; they change no decision.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod common;

use common::store;
use tollgate_policy::{DecisionKind, Request, RequestPrincipal};

#[test]
fn catalog_findings_are_store_warnings_in_their_files() {
    let loaded = store(&[
        (
            "accounts/111122223333/users/alice.json",
            r#"{"InlinePolicies": {"read": {"Version": "2012-10-17", "Statement": [
                {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObjet", "s3:GetObject"], "Resource": "arn:aws:s3:::photos/*"}]}},
                "AttachedManagedPolicies": ["arn:aws:iam::111122223333:policy/tagged"]}"#,
        ),
        (
            "accounts/111122223333/policies/tagged.json",
            r#"{"Version": "2012-10-17", "Statement": [
                {"Sid": "Tagged", "Effect": "Allow", "Action": "ec2:StartInstances", "Resource": "*",
                 "Condition": {"StringEquals": {"ec2:ResourceTag/team": "blue", "ec2:NoSuchKey": "x"}}}]}"#,
        ),
        (
            "accounts/111122223333/resources/photos.json",
            r#"{"Arn": "arn:aws:s3:::photos", "Policy": {"Version": "2012-10-17", "Statement": [
                {"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::photos/*"}]}}"#,
        ),
    ]);
    let warnings: Vec<String> = loaded.warnings().iter().map(ToString::to_string).collect();
    let expected = [
        "accounts/111122223333/policies/tagged.json: Statement[0].Condition.StringEquals.ec2:NoSuchKey: no AWS service defines the condition key `ec2:NoSuchKey`",
        "accounts/111122223333/resources/photos.json: Policy.Statement[0].Resource[0]: `arn:aws:s3:::photos/*` is not a resource type this statement's actions (s3:ListBucket) accept (they take accesspoint, bucket)",
        "accounts/111122223333/users/alice.json: InlinePolicies.read.Statement[0].Action[0]: `s3:GetObjet` is not an action of Amazon S3 (`s3`); did you mean `s3:GetObject`?",
    ];
    for line in expected {
        assert!(
            warnings.iter().any(|w| w == line),
            "missing {line}\nin {warnings:#?}"
        );
    }
    assert_eq!(warnings.len(), expected.len(), "{warnings:#?}");

    // Warnings are advice: the misspelt action simply never matches.
    let alice = RequestPrincipal::parse("arn:aws:iam::111122223333:user/alice").unwrap();
    let get = Request::new(alice.clone(), "s3:GetObject", "arn:aws:s3:::photos/a.jpg");
    assert_eq!(loaded.decide(&get, None).kind, DecisionKind::Allowed);
}
