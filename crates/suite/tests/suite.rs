//! Suites against the example store: the shipped suite passes, wrong
//! expectations fail with the answer explained, malformed and hostile files
//! are refused naming the file and the JSON path.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use tollgate_policy::DecisionKind;
use tollgate_store::Store;
use tollgate_suite::{
    Format, Outcome, Report, SuiteError, SuiteLimits, read_suite, read_suite_bytes, run_case,
    suite_files,
};

fn example_suite() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/store/example.tests.json")
}

fn read(text: &str) -> Result<tollgate_suite::Suite, SuiteError> {
    read_suite_bytes("t.json", text.as_bytes(), &SuiteLimits::default())
}

fn case(fields: &str) -> String {
    format!(
        r#"{{"tests": [{{"name": "n", "principal": "arn:aws:iam::111122223333:user/alice",
            "action": "s3:GetObject", "resource": "arn:aws:s3:::example-photos/cat.jpg"{fields}}}]}}"#
    )
}

#[test]
fn the_example_store_passes_its_own_suite() {
    let store = Store::embedded_example().unwrap();
    let suite = read_suite(&example_suite(), &SuiteLimits::default()).unwrap();
    assert!(suite.cases.len() >= 15, "{}", suite.cases.len());
    let mut report = Report::new();
    for case in &suite.cases {
        report.add(&suite.file, case, run_case(&store, case));
    }
    let text = report.render(Format::Text);
    assert_eq!(report.failed() + report.errors(), 0, "{text}");
    assert!(text.ends_with(&format!("{} passed, 0 failed\n", suite.cases.len())));
    // Every kind of answer is exercised.
    for kind in ["allowed", "explicitDeny", "implicitDeny"] {
        let kind = DecisionKind::parse(kind).unwrap();
        assert!(suite.cases.iter().any(|c| c.expect == kind), "{kind}");
    }
    assert!(
        suite
            .cases
            .iter()
            .any(|c| !c.request.session_policies.is_empty())
    );
}

#[test]
fn a_wrong_expectation_fails_with_the_answer_explained() {
    let store = Store::embedded_example().unwrap();
    let suite = read(&case(r#", "expect": "implicitDeny""#)).unwrap();
    let outcome = run_case(&store, &suite.cases[0]);
    let Outcome::Fail { got, decisive, .. } = &outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(*got, DecisionKind::Allowed);
    assert!(!decisive.is_empty());
    let mut report = Report::new();
    report.add(&suite.file, &suite.cases[0], outcome);
    let text = report.render(Format::Text);
    assert!(
        text.starts_with("FAIL t.json tests[0] \"n\": got allowed (decisive: Allow arn:aws:iam::aws:policy/ReadOnlyAccess Statement["),
        "{text}"
    );
    assert!(text.ends_with("0 passed, 1 failed\n"), "{text}");
}

#[test]
fn an_expected_decisive_statement_must_decide() {
    let store = Store::embedded_example().unwrap();
    let pass = read(&case(
        r#", "expect": "allowed", "expectDecisive": [{"policy": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]"#,
    ))
    .unwrap();
    assert_eq!(run_case(&store, &pass.cases[0]), Outcome::Pass);
    let fail = read(&case(
        r#", "expect": "allowed", "expectDecisive": [{"policy": "arn:aws:iam::aws:policy/ReadOnlyAccess", "index": 99}]"#,
    ))
    .unwrap();
    let Outcome::Fail { got, missing, .. } = run_case(&store, &fail.cases[0]) else {
        panic!()
    };
    assert_eq!(got, DecisionKind::Allowed);
    assert_eq!(missing.len(), 1);
}

#[test]
fn a_request_the_api_refuses_is_an_error_naming_the_field() {
    let store = Store::embedded_example().unwrap();
    let suite = read(
        r#"{"tests": [{"name": "n", "principal": "bob", "action": "s3:GetObject", "resource": "*", "expect": "allowed"}]}"#,
    )
    .unwrap();
    let Outcome::Error(message) = run_case(&store, &suite.cases[0]) else {
        panic!()
    };
    assert!(message.starts_with("principal: "), "{message}");
    let suite = read(&case(
        r#", "expect": "allowed", "sessionPolicies": [{"Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]}]"#,
    ))
    .unwrap();
    let Outcome::Error(message) = run_case(&store, &suite.cases[0]) else {
        panic!()
    };
    assert!(message.contains("Statement[0].Effect"), "{message}");
}

#[test]
fn malformed_suites_name_the_json_path() {
    let cases = [
        ("[]", "$"),
        ("{\"tests\": 1}", "tests"),
        ("{\"tests\": [], \"extra\": 1}", "extra"),
        (&case(r#", "expect": "maybe""#) as &str, "tests[0].expect"),
        (&case(""), "tests[0].expect"),
        (
            &case(r#", "expect": "allowed", "colour": 1"#),
            "tests[0].colour",
        ),
        (
            &case(r#", "expect": "allowed", "context": {"k": [{}]}"#),
            "tests[0].context[\"k\"][0]",
        ),
        (
            &case(r#", "expect": "allowed", "expectDecisive": [{"index": -1, "policy": "p"}]"#),
            "tests[0].expectDecisive[0].index",
        ),
        (
            &case(r#", "expect": "allowed", "sessionPolicies": ["text"]"#),
            "tests[0].sessionPolicies[0]",
        ),
    ];
    for (text, path) in cases {
        match read(text) {
            Err(SuiteError::Invalid { path: found, .. }) => assert_eq!(found, path, "{text}"),
            other => panic!("{text}: {other:?}"),
        }
    }
}

#[test]
fn hostile_files_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.json");
    std::fs::write(&big, vec![b' '; 2048]).unwrap();
    let limits = SuiteLimits {
        max_file_bytes: 1024,
        max_cases: 2,
    };
    assert!(matches!(
        read_suite(&big, &limits),
        Err(SuiteError::TooLarge { limit: 1024, .. })
    ));
    let many = format!("{{\"tests\": [{}]}}", ["{}"; 3].join(","));
    let err = read_suite_bytes("m.json", many.as_bytes(), &limits).unwrap_err();
    assert!(
        err.to_string().contains("more than the limit of 2"),
        "{err}"
    );
    // A FIFO would block a reader forever: it is refused unopened.
    let fifo = dir.path().join("fifo.json");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let err = read_suite(&fifo, &SuiteLimits::default()).unwrap_err();
    assert!(
        err.to_string().contains("is a FIFO, not a regular file"),
        "{err}"
    );
    // Deep nesting is refused by the JSON reader, not by the stack.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(read(&deep).is_err());
}

#[test]
fn folders_give_their_json_files_in_order_without_following_links() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("b")).unwrap();
    std::fs::write(dir.path().join("b/2.json"), "{}").unwrap();
    std::fs::write(dir.path().join("a.json"), "{}").unwrap();
    std::fs::write(dir.path().join("notes.md"), "").unwrap();
    std::fs::write(dir.path().join(".hidden.json"), "{}").unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
    let files = suite_files(&[dir.path().to_owned()]).unwrap();
    let names: Vec<String> = files
        .iter()
        .map(|f| f.strip_prefix(dir.path()).unwrap().display().to_string())
        .collect();
    assert_eq!(names, ["a.json", "b/2.json"]);
}

#[test]
fn junit_lists_each_case_with_its_failure() {
    let store = Store::embedded_example().unwrap();
    let suite = read(&case(r#", "expect": "explicitDeny""#)).unwrap();
    let mut report = Report::new();
    report.add(
        &suite.file,
        &suite.cases[0],
        run_case(&store, &suite.cases[0]),
    );
    report.add_unreadable("bad.json", "bad.json: $: not JSON".to_owned());
    let xml = report.render(Format::Junit);
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(
        xml.contains(r#"<testsuites name="tollgate test" tests="1" failures="1" errors="1">"#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<testcase classname="t.json" name="n">"#),
        "{xml}"
    );
    assert!(xml.contains(r#"<failure message="got allowed"#), "{xml}");
    assert!(
        xml.contains(r#"<testsuite name="bad.json" tests="0" failures="0" errors="1">"#),
        "{xml}"
    );
    assert_eq!(
        xml.matches("<testsuite ").count(),
        xml.matches("</testsuite>").count()
    );
}
