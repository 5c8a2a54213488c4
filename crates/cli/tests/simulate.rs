//! Runs the built `tollgate` binary on scenario files, folders and stdin.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers outside #[test] functions: failing is the test failing"
)]

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    /// Every output line that is a JSON object, parsed.
    fn json(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .filter(|l| l.starts_with('{'))
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }
}

fn tollgate(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(bytes) = stdin {
        child.stdin.take().unwrap().write_all(bytes).unwrap();
    }
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn temp_dir(tag: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("tollgate-cli")
        .join(format!("{tag}-{}-{n}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

const SAM: &str = "arn:aws:iam::111122223333:user/sam";

/// A scenario: sam reads `resource` under an identity policy allowing s3:GetObject
/// on bucket `b`.
fn read_scenario(name: &str, resource: &str, expect: &str) -> String {
    format!(
        r#"{{"name": "{name}", "identityPolicies": [{{"Version": "2012-10-17", "Statement": [{{"Sid": "AllowRead", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}}]}}], "request": {{"principal": "{SAM}", "action": "s3:GetObject", "resource": "{resource}"}}, "expect": "{expect}"}}"#
    )
}

fn allowed(name: &str) -> String {
    read_scenario(name, "arn:aws:s3:::b/k", "allowed")
}

/// Expects `allowed` but is implicitly denied.
fn mismatched(name: &str) -> String {
    read_scenario(name, "arn:aws:s3:::other/k", "allowed")
}

/// The fault is at identityPolicies[0].Statement[2].Condition.
fn broken(name: &str) -> String {
    format!(
        r#"{{"name": "{name}", "identityPolicies": [{{"Version": "2012-10-17", "Statement": [
            {{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}},
            {{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}},
            {{"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {{"StringEqualsPerhaps": {{"aws:username": "x"}}}}}}
        ]}}], "request": {{"principal": "{SAM}", "action": "s3:GetObject", "resource": "*"}}}}"#
    )
}

#[test]
fn answers_each_scenario_with_the_contract_shape() {
    let dir = temp_dir("shape");
    let file = dir.join("s.json");
    fs::write(
        &file,
        format!("[{}, {}]", allowed("read"), mismatched("other")),
    )
    .unwrap();
    let run = tollgate(&["simulate", s(&file)], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.lines(),
        [
            r#"{"name": "read", "decision": "allowed", "decisive": [{"policy": "identityPolicies[0]", "index": 0, "sid": "AllowRead", "effect": "Allow"}]}"#,
            r#"{"name": "other", "decision": "implicitDeny", "decisive": []}"#,
        ]
    );
}

#[test]
fn unnamed_scenarios_and_missing_sids_are_null() {
    let text = r#"{"identityPolicies": [{"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}], "request": {"principal": "arn:aws:iam::111122223333:user/sam", "action": "s3:GetObject", "resource": "*"}}"#;
    let run = tollgate(&["simulate", "-"], Some(text.as_bytes()));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.lines(),
        [
            r#"{"name": null, "decision": "explicitDeny", "decisive": [{"policy": "identityPolicies[0]", "index": 0, "sid": null, "effect": "Deny"}]}"#
        ]
    );
}

#[test]
fn check_passes_with_exit_0() {
    let dir = temp_dir("pass");
    let file = dir.join("s.json");
    fs::write(&file, format!("[{}, {}]", allowed("a"), allowed("b"))).unwrap();
    let run = tollgate(&["simulate", "--check", s(&file)], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines = run.lines();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[2], "2 passed, 0 failed");
}

#[test]
fn check_mismatch_exits_1_and_explains() {
    let dir = temp_dir("mismatch");
    let file = dir.join("s.json");
    // A scenario without `expect` is answered but not counted.
    let no_expect = allowed("no expect").replace(r#", "expect": "allowed""#, "");
    fs::write(
        &file,
        format!(
            "[{}, {}, {}]",
            allowed("good"),
            mismatched("bad"),
            no_expect
        ),
    )
    .unwrap();
    let run = tollgate(&["simulate", "--check", s(&file)], None);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let lines = run.lines();
    assert_eq!(
        lines,
        [
            r#"{"name": "good", "decision": "allowed", "decisive": [{"policy": "identityPolicies[0]", "index": 0, "sid": "AllowRead", "effect": "Allow"}]}"#.to_owned(),
            r#"{"name": "bad", "decision": "implicitDeny", "decisive": []}"#.to_owned(),
            format!(
                r#"FAIL {}[1] "bad": expected allowed, got implicitDeny: identity: no identity-based policy allows"#,
                file.display()
            ),
            r#"{"name": "no expect", "decision": "allowed", "decisive": [{"policy": "identityPolicies[0]", "index": 0, "sid": "AllowRead", "effect": "Allow"}]}"#.to_owned(),
            "1 passed, 1 failed".to_owned(),
        ]
    );
    // Without --check, expectations are ignored.
    let run = tollgate(&["simulate", s(&file)], None);
    assert_eq!(run.code, 0);
    assert_eq!(run.lines().len(), 3);
    assert!(run.lines().iter().all(|l| l.starts_with('{')));
}

#[test]
fn explain_adds_why_to_an_implicit_deny() {
    let dir = temp_dir("explain");
    let file = dir.join("s.json");
    let conditional = r#"{"name": "tagged", "identityPolicies": [{"Version": "2012-10-17", "Statement": [{"Sid": "Team", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalTag/team": "photos"}}}]}], "request": {"principal": "arn:aws:iam::111122223333:user/sam", "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"}}"#;
    fs::write(&file, format!("[{}, {conditional}]", allowed("read"))).unwrap();
    let run = tollgate(&["simulate", "--explain", s(&file)], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let answers = run.json();
    assert!(answers[0].get("explanation").is_none(), "{}", answers[0]);
    assert_eq!(
        answers[1]["explanation"]["lines"],
        serde_json::json!([
            "identity: no identity-based policy allows",
            "identityPolicies[0] Statement[0] (Team) matched the action and resource; failed condition StringEquals aws:PrincipalTag/team",
            "missing context keys: aws:PrincipalTag/team"
        ])
    );
    // Without --explain, the contract's shape.
    let run = tollgate(&["simulate", s(&file)], None);
    assert!(run.json()[1].get("explanation").is_none());
}

#[test]
fn an_action_not_in_the_catalog_warns_and_strict_refuses_it() {
    let dir = temp_dir("catalog");
    let file = dir.join("s.json");
    let typo = read_scenario("typo", "arn:aws:s3:::b/k", "allowed").replace(
        r#""action": "s3:GetObject""#,
        r#""action": "s3:GetObjectt""#,
    );
    fs::write(&file, &typo).unwrap();
    let run = tollgate(&["simulate", s(&file)], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let warnings = &run.json()[0]["warnings"];
    assert!(
        warnings[0]
            .as_str()
            .unwrap_or_default()
            .starts_with("request.action: `s3:GetObjectt` is not an action of Amazon S3"),
        "{warnings}"
    );
    let run = tollgate(&["simulate", "--strict", s(&file)], None);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let error = run.json()[0]["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(error.ends_with("(--strict)"), "{error}");
}

#[test]
fn mismatch_names_the_decisive_statements() {
    let text = r#"{"name": "deny", "identityPolicies": [{"Version": "2012-10-17", "Statement": [{"Sid": "All", "Effect": "Allow", "Action": "*", "Resource": "*"}]}], "serviceControlPolicies": [[{"Version": "2012-10-17", "Statement": [{"Sid": "Full", "Effect": "Allow", "Action": "*", "Resource": "*"}, {"Sid": "NoS3", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}]], "request": {"principal": "arn:aws:iam::111122223333:user/sam", "action": "s3:GetObject", "resource": "*"}, "expect": "allowed"}"#;
    let run = tollgate(&["simulate", "--check", "-"], Some(text.as_bytes()));
    assert_eq!(run.code, 1);
    let json = run.json();
    assert_eq!(json[0]["decision"], "explicitDeny");
    assert_eq!(
        json[0]["decisive"][0]["policy"],
        "serviceControlPolicies[0][0]"
    );
    assert_eq!(json[0]["decisive"][0]["index"], 1);
    assert_eq!(
        run.lines()[1..],
        [
            r#"FAIL <stdin>:1 "deny": expected allowed, got explicitDeny: denied by serviceControlPolicies[0][0] Statement[1] (Sid NoS3)"#,
            "0 passed, 1 failed"
        ]
    );
}

#[test]
fn a_bad_scenario_gets_an_error_line_and_exit_2() {
    let dir = temp_dir("error");
    let file = dir.join("s.json");
    fs::write(
        &file,
        format!(
            "[{}, {}, {}]",
            allowed("first"),
            broken("broken"),
            allowed("last")
        ),
    )
    .unwrap();
    let run = tollgate(&["simulate", s(&file)], None);
    assert_eq!(run.code, 2);
    let json = run.json();
    assert_eq!(json.len(), 3);
    assert_eq!(json[0]["decision"], "allowed");
    assert_eq!(json[2]["decision"], "allowed");
    assert_eq!(json[1]["name"], "broken");
    let error = json[1]["error"].as_str().unwrap();
    assert!(
        error.starts_with(&format!(
            "{}[1]: identityPolicies[0].Statement[2].Condition",
            file.display()
        )),
        "{error}"
    );
    assert!(error.contains("StringEqualsPerhaps"), "{error}");
    assert_eq!(
        json[1].as_object().unwrap().len(),
        2,
        "an error line has only name and error"
    );
}

#[test]
fn input_errors_win_over_mismatches() {
    let dir = temp_dir("both");
    let file = dir.join("s.json");
    fs::write(
        &file,
        format!(
            "[{}, {}, {}]",
            allowed("ok"),
            mismatched("bad"),
            broken("broken")
        ),
    )
    .unwrap();
    let run = tollgate(&["simulate", "--check", s(&file)], None);
    assert_eq!(run.code, 2);
    let lines = run.lines();
    assert_eq!(lines.len(), 5);
    assert!(lines[2].starts_with("FAIL "), "{lines:?}");
    assert!(lines[3].contains(r#""error": "#), "{lines:?}");
    assert_eq!(lines[4], "1 passed, 1 failed");
    assert!(
        run.stderr.contains("could not be evaluated"),
        "{}",
        run.stderr
    );
}

#[test]
fn stdin_json_lines() {
    let input = format!(
        "{}\n\n{}\n{{\"name\": \"x\", \"request\": 3}}\n{}\n",
        allowed("one"),
        mismatched("two"),
        allowed("four")
    );
    let run = tollgate(&["simulate", "--check", "-"], Some(input.as_bytes()));
    assert_eq!(run.code, 2);
    let json = run.json();
    let names: Vec<&str> = json.iter().map(|v| v["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["one", "two", "x", "four"]);
    assert_eq!(
        json[2]["error"],
        "<stdin>:4: request: expected a request object, found a number"
    );
    let lines = run.lines();
    assert!(
        lines[2].starts_with(r#"FAIL <stdin>:3 "two": expected allowed"#),
        "{lines:?}"
    );
    assert_eq!(lines[5], "2 passed, 1 failed");
}

#[test]
fn stdin_array_and_pretty_object() {
    let input = format!("[{},\n{}]", allowed("a"), allowed("b"));
    let run = tollgate(&["simulate", "-"], Some(input.as_bytes()));
    assert_eq!(run.code, 0);
    assert_eq!(run.json().len(), 2);
    let value: Value = serde_json::from_str(&allowed("pretty")).unwrap();
    let pretty = serde_json::to_string_pretty(&value).unwrap();
    let run = tollgate(&["simulate", "-"], Some(pretty.as_bytes()));
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.json()[0]["name"], "pretty");
}

#[test]
fn folders_are_read_recursively_in_path_order() {
    let dir = temp_dir("folder");
    fs::create_dir_all(dir.join("b/c")).unwrap();
    fs::create_dir_all(dir.join("a")).unwrap();
    fs::write(dir.join("b/c/3.json"), allowed("b/c/3")).unwrap();
    fs::write(dir.join("b/2.json"), allowed("b/2")).unwrap();
    fs::write(
        dir.join("a/1.json"),
        format!("[{}, {}]", allowed("a/1[0]"), allowed("a/1[1]")),
    )
    .unwrap();
    fs::write(dir.join("z.json"), allowed("z")).unwrap();
    fs::write(dir.join("ignored.txt"), "{").unwrap();
    let run = tollgate(&["simulate", "--check", s(&dir)], None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let names: Vec<String> = run
        .json()
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["a/1[0]", "a/1[1]", "b/2", "b/c/3", "z"]);
    assert_eq!(run.lines()[5], "5 passed, 0 failed");
}

#[test]
fn paths_are_answered_in_the_order_given() {
    let dir = temp_dir("order");
    fs::write(dir.join("1.json"), allowed("file 1")).unwrap();
    fs::write(dir.join("2.json"), allowed("file 2")).unwrap();
    let stdin = allowed("stdin");
    let run = tollgate(
        &[
            "simulate",
            s(&dir.join("2.json")),
            "-",
            s(&dir.join("1.json")),
        ],
        Some(stdin.as_bytes()),
    );
    assert_eq!(run.code, 0);
    let names: Vec<String> = run
        .json()
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["file 2", "stdin", "file 1"]);
}

#[test]
fn unreadable_inputs_are_error_lines() {
    let dir = temp_dir("unreadable");
    let missing = dir.join("missing.json");
    fs::write(dir.join("bad.json"), "{\"name\": ").unwrap();
    fs::write(dir.join("ok.json"), allowed("ok")).unwrap();
    let run = tollgate(&["simulate", s(&missing), s(&dir)], None);
    assert_eq!(run.code, 2);
    let json = run.json();
    assert_eq!(json.len(), 3);
    assert_eq!(json[0]["name"], Value::Null);
    assert!(
        json[0]["error"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}: cannot read:", missing.display()))
    );
    assert_eq!(
        json[1]["error"],
        format!(
            "{}: invalid JSON at line 1, column 9: EOF while parsing a value",
            dir.join("bad.json").display()
        )
    );
    assert_eq!(json[2]["name"], "ok");
}

#[test]
fn the_input_size_limit_is_configurable() {
    let input = allowed("big");
    let run = tollgate(
        &["simulate", "--max-input-bytes", "100", "-"],
        Some(input.as_bytes()),
    );
    assert_eq!(run.code, 2);
    assert_eq!(
        run.json()[0]["error"],
        "<stdin>: input is larger than the limit of 100 bytes"
    );
}

#[test]
fn compiler_warnings_go_to_stderr_with_the_scenario_name() {
    let text = r#"{"name": "old version", "identityPolicies": [{"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username}/*"}}], "request": {"principal": "arn:aws:iam::111122223333:user/sam", "action": "s3:GetObject", "resource": "arn:aws:s3:::b/sam/k"}}"#;
    let run = tollgate(&["simulate", "-"], Some(text.as_bytes()));
    assert_eq!(run.code, 0);
    assert_eq!(run.json()[0]["decision"], "implicitDeny");
    assert!(
        run.stderr
            .starts_with("old version: warning: identityPolicies[0]"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("2012-10-17"), "{}", run.stderr);
}

#[test]
fn usage_errors_exit_2() {
    let run = tollgate(&["simulate"], None);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("PATH"), "{}", run.stderr);
}

#[test]
fn the_examples_pass_their_checks() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/simulate");
    let run = tollgate(&["simulate", "--check", s(&examples)], None);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.stderr, "");
    let lines = run.lines();
    let summary = lines.last().unwrap();
    assert!(summary.ends_with(" passed, 0 failed"), "{summary}");
    assert!(lines.len() >= 4);
}

#[test]
fn catalog_findings_are_warnings_in_the_answer_and_change_no_decision() {
    let text = r#"{"name": "typo", "identityPolicies": [{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObjet", "s3:GetObject"], "Resource": "arn:aws:s3:::photos/*"}]}],
        "resourcePolicy": {"Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos"}},
        "request": {"principal": "arn:aws:iam::111122223333:user/sam", "action": "s3:GetObject", "resource": "arn:aws:s3:::photos/a.jpg"}}"#;
    let run = tollgate(&["simulate", "-"], Some(text.as_bytes()));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let answers = run.json();
    assert_eq!(answers.len(), 1, "{}", run.stdout);
    assert_eq!(answers[0]["decision"], "allowed");
    let warnings: Vec<&str> = answers[0]["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(
        warnings,
        [
            "identityPolicies[0].Statement[0].Action[0]: `s3:GetObjet` is not an action of Amazon S3 (`s3`); did you mean `s3:GetObject`?",
            "resourcePolicy.Statement[0].Resource[0]: `arn:aws:s3:::photos` is not a resource type this statement's actions (s3:GetObject) accept (they take accesspointobject, object)",
        ]
    );
    // The same scenario with the typo fixed: no `warnings` key at all.
    let clean = text.replace(r#""s3:GetObjet", "#, "").replace(
        r#""Resource": "arn:aws:s3:::photos"}"#,
        r#""Resource": "arn:aws:s3:::photos/*"}"#,
    );
    let run = tollgate(&["simulate", "-"], Some(clean.as_bytes()));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let answers = run.json();
    assert!(answers[0].get("warnings").is_none(), "{}", run.stdout);
    assert_eq!(answers[0]["decision"], "allowed");
}
