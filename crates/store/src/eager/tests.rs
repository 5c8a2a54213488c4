//! Compiling as the files are read: which documents are compiled at once,
//! that the store answers exactly as one compiled after reading every file,
//! and that a compiler limit still fails the load whole.

use std::collections::BTreeMap;

use tollgate_compiler::{CompileError, CompilerConfig};
use tollgate_policy::{Request, RequestPrincipal};

use crate::error::StoreError;
use crate::limits::StoreLimits;
use crate::model::{PolicyBody, PolicyRole};
use crate::read::{read_files, read_files_compiling};
use crate::revision::revision;
use crate::store::Store;

fn files(entries: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
    entries
        .iter()
        .map(|(p, t)| ((*p).to_owned(), t.as_bytes().to_vec()))
        .collect()
}

const DOC: &str = r#"{"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"},
    {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::secret/*"}]}"#;

fn mixed_store() -> BTreeMap<String, Vec<u8>> {
    let user = format!(
        r#"{{"InlinePolicies": {{"own": {DOC}}}, "AttachedManagedPolicies": ["arn:aws:iam::111122223333:policy/shared"]}}"#
    );
    let role = format!(
        r#"{{"TrustPolicy": {{"Version": "2012-10-17", "Statement": {{"Effect": "Allow", "Principal": {{"Service": "ec2.amazonaws.com"}}, "Action": "sts:AssumeRole"}}}},
            "InlinePolicies": {{"own": {DOC}}}}}"#
    );
    let bucket = r#"{"Arn": "arn:aws:s3:::photos", "Policy": {"Version": "2012-10-17", "Statement": {
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}}}"#;
    let org = r#"{"Id": "o-abcdefghij", "ManagementAccountId": "999988887777", "Root": {"Id": "r-abcd",
        "ServiceControlPolicies": ["FullAWSAccess", "deny-delete"], "Accounts": [{"Id": "111122223333"}, {"Id": "999988887777"}]}}"#;
    let scp = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}}"#;
    files(&[
        ("accounts/111122223333/policies/shared.json", DOC),
        ("accounts/111122223333/users/alice.json", &user),
        ("accounts/111122223333/roles/app.json", &role),
        ("accounts/111122223333/resources/photos.json", bucket),
        ("organization/organization.json", org),
        ("organization/scps/deny-delete.json", scp),
    ])
}

#[test]
fn documents_of_their_own_group_are_compiled_as_they_are_read() {
    let (model, diag) = read_files_compiling(mixed_store(), &StoreLimits::default());
    assert!(diag.faults.is_empty(), "{:?}", diag.faults);
    assert!(model.sink.as_ref().is_some_and(|s| s.error.is_none()));
    let mut compiled = 0;
    for policy in &model.policies {
        match (&policy.body, policy.role) {
            // SCPs wait for the levels that combine them.
            (PolicyBody::Parsed(_), PolicyRole::Control) => {}
            (PolicyBody::Compiled(_), PolicyRole::Managed | PolicyRole::Embedded) => compiled += 1,
            (body, role) => panic!("{}: {role:?} held as {body:?}", policy.label),
        }
    }
    // The managed policy, two inline policies, the trust and the bucket policy.
    assert_eq!(compiled, 5);
    // Read for an inventory, every document stays parsed.
    let (model, _) = read_files(mixed_store(), &StoreLimits::default());
    assert!(model.sink.is_none());
    assert!(
        model
            .policies
            .iter()
            .all(|p| matches!(p.body, PolicyBody::Parsed(_)))
    );
}

/// The store compiled after reading every file, as loading did before
/// documents were compiled as they were read.
fn deferred(files: BTreeMap<String, Vec<u8>>) -> Store {
    let revision = revision(&files);
    let limits = StoreLimits::default();
    let (model, diag) = read_files(files, &limits);
    Store::from_model(revision, model, diag, &limits).unwrap()
}

fn requests() -> Vec<Request> {
    let principals = [
        "arn:aws:iam::111122223333:user/alice",
        "arn:aws:iam::111122223333:user/bob",
        "arn:aws:sts::111122223333:assumed-role/deploy/session",
        "arn:aws:sts::111122223333:assumed-role/photo-app/session",
        "arn:aws:sts::111122223333:assumed-role/app/session",
        "arn:aws:sts::444455556666:assumed-role/ci/session",
        "arn:aws:iam::444455556666:root",
    ];
    let questions = [
        ("s3:GetObject", "arn:aws:s3:::example-photos/cat.jpg"),
        ("s3:PutObject", "arn:aws:s3:::example-photos/cat.jpg"),
        ("s3:GetObject", "arn:aws:s3:::photos/a"),
        ("s3:GetObject", "arn:aws:s3:::secret/a"),
        ("s3:DeleteBucket", "arn:aws:s3:::photos"),
        (
            "kms:Decrypt",
            "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        ),
        (
            "sqs:SendMessage",
            "arn:aws:sqs:us-east-1:444455556666:build-events",
        ),
        ("organizations:LeaveOrganization", "*"),
        ("ec2:RunInstances", "*"),
        ("iam:CreateUser", "*"),
        ("sts:AssumeRole", "arn:aws:iam::111122223333:role/deploy"),
    ];
    let mut requests = Vec::new();
    for principal in principals {
        for (action, resource) in questions {
            for region in ["us-east-1", "ap-south-1"] {
                let principal = RequestPrincipal::parse(principal).unwrap();
                let mut request = Request::new(principal, action, resource);
                request
                    .context
                    .insert("aws:RequestedRegion", vec![region.to_owned()]);
                requests.push(request);
            }
        }
    }
    requests
}

#[test]
fn compiling_as_read_answers_as_compiling_after_reading() {
    let example: BTreeMap<String, Vec<u8>> = crate::example::FILES
        .iter()
        .map(|(p, b)| ((*p).to_owned(), b.to_vec()))
        .collect();
    for files in [example, mixed_store()] {
        let eager = Store::from_files(files.clone()).unwrap();
        let deferred = deferred(files);
        assert_eq!(eager.revision(), deferred.revision());
        assert_eq!(eager.warnings(), deferred.warnings());
        assert_eq!(eager.stats(), deferred.stats());
        let mut allowed = 0;
        for request in requests() {
            let (a, b) = (
                eager.evaluate(&request, None),
                deferred.evaluate(&request, None),
            );
            assert_eq!(a, b, "{request:?}");
            assert_eq!(
                eager.decide(&request, None),
                deferred.decide(&request, None)
            );
            allowed += usize::from(a.0.kind == tollgate_policy::DecisionKind::Allowed);
        }
        assert!(allowed > 0);
    }
}

#[test]
fn a_compiler_limit_fails_the_load_and_faults_come_first() {
    let limits = StoreLimits {
        compiler: CompilerConfig {
            max_statements: 3,
            ..CompilerConfig::default()
        },
        ..StoreLimits::default()
    };
    // Four statements in two documents compiled as they are read.
    let two = files(&[
        ("accounts/111122223333/policies/a.json", DOC),
        ("accounts/111122223333/policies/b.json", DOC),
    ]);
    match Store::from_files_with_limits(two.clone(), &limits) {
        Err(StoreError::Compile(CompileError::TooManyStatements { limit: 3, .. })) => {}
        other => panic!("{other:?}"),
    }
    // Within the limit, it loads.
    let one = files(&[("accounts/111122223333/policies/a.json", DOC)]);
    assert!(Store::from_files_with_limits(one, &limits).is_ok());
    // A fault elsewhere is reported, by file, before the limit.
    let mut faulty = two;
    faulty.insert(
        "accounts/111122223333/users/bad.json".to_owned(),
        b"{\"Groups\": 3}".to_vec(),
    );
    let error = Store::from_files_with_limits(faulty, &limits).unwrap_err();
    let faults: Vec<String> = error.faults().iter().map(ToString::to_string).collect();
    assert_eq!(faults.len(), 1, "{faults:?}");
    assert!(
        faults[0].starts_with("accounts/111122223333/users/bad.json: Groups"),
        "{faults:?}"
    );
}
