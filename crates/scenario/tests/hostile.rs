//! Hostile and broken input: every case is a clear error naming where the
//! fault is, the other scenarios still read, and nothing panics. Big inputs
//! are generated here, never committed.

mod common;

use std::fs;

use common::{outcomes, scenario, temp_dir};
use tollgate_scenario::{ReadOptions, read_bytes, read_path};

const REQUEST: &str = r#""request": {"principal": "arn:aws:iam::111122223333:user/sam", "action": "s3:GetObject", "resource": "*"}"#;

/// Reads `text` as JSON Lines between two good scenarios and returns the
/// outcome of the middle one.
fn middle(text: &str) -> String {
    let input = format!("{}\n{text}\n{}\n", scenario("before"), scenario("after"));
    let out = outcomes(&read_bytes(input.as_bytes(), &ReadOptions::default()));
    assert_eq!(out.len(), 3, "{out:?}");
    assert_eq!(out[0], "ok before");
    assert_eq!(out[2], "ok after");
    out[1].clone()
}

fn identity(statement: &str) -> String {
    format!(
        r#"{{"name": "x", "identityPolicies": [{{"Version": "2012-10-17", "Statement": [{statement}]}}], {REQUEST}}}"#
    )
}

#[test]
fn malformed_json() {
    assert_eq!(
        middle(r#"{"name": "x", "request": {"principal": "anonymous",, }}"#),
        "<stdin>:2: invalid JSON at line 2, column 52: key must be a string"
    );
    assert_eq!(
        middle(r#"{"name": "x" "request": 1}"#),
        "<stdin>:2: invalid JSON at line 2, column 14: expected `,` or `}`"
    );
    let dir = temp_dir("malformed");
    let file = dir.join("x.json");
    fs::write(&file, "[\n  {\"name\": \"x\",\n  ]\n").unwrap();
    let out = outcomes(&read_path(&file).unwrap());
    assert_eq!(
        out,
        [format!(
            "{}: invalid JSON at line 3, column 3: key must be a string",
            file.display()
        )]
    );
}

#[test]
fn wrong_types_at_several_depths() {
    assert_eq!(
        middle(&format!(r#"{{"name": ["x"], {REQUEST}}}"#)),
        "<stdin>:2: name: expected a string, found an array"
    );
    assert_eq!(
        middle(
            r#"{"name": "x", "request": {"principal": 7, "action": "s3:GetObject", "resource": "*", "context": {"aws:SourceIp": {"ip": 1}}}}"#
        ),
        "<stdin>:2: request.principal: expected a string, found a number; request.context.aws:SourceIp: expected a string, number, boolean or a list of them, found an object"
    );
    assert_eq!(
        middle(&identity(
            r#"{"Effect": "Allow", "Action": 5, "Resource": "*"}"#
        )),
        "<stdin>:2: identityPolicies[0].Statement[0].Action: expected a string or a list of strings, found a number"
    );
    assert_eq!(
        middle(&identity(
            r#"{"Effect": "Allow", "Action": "s3:*", "Resource": ["*", false]}"#
        )),
        "<stdin>:2: identityPolicies[0].Statement[0].Resource[1]: expected a string, found a boolean"
    );
    let out = middle(&identity(
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"aws:username": {"deep": [1]}}}}"#,
    ));
    assert!(
        out.starts_with(
            "<stdin>:2: identityPolicies[0].Statement[0].Condition.StringEquals.aws:username: "
        ),
        "{out}"
    );
}

#[test]
fn unknown_condition_operator() {
    let out = middle(&identity(
        r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"StringEqualsSometimes": {"aws:username": "x"}}}"#,
    ));
    assert!(
        out.starts_with("<stdin>:2: identityPolicies[0].Statement[2].Condition"),
        "{out}"
    );
    assert!(
        out.contains("unknown condition operator `StringEqualsSometimes`"),
        "{out}"
    );
}

#[test]
fn unknown_fields() {
    assert_eq!(
        middle(&format!(
            r#"{{"name": "x", "expected": "allowed", {REQUEST}}}"#
        )),
        "<stdin>:2: expected: unknown field `expected`; expected one of `name`, `description`, `identityPolicies`, `permissionsBoundary`, `sessionPolicies`, `serviceControlPolicies`, `resourceControlPolicies`, `resourcePolicy`, `request`, `expect`"
    );
    assert_eq!(
        middle(
            r#"{"name": "x", "request": {"principal": "anonymous", "action": "s3:GetObject", "resource": "*", "Context": {}}}"#
        ),
        "<stdin>:2: request.Context: unknown field `Context`; did you mean `context`?"
    );
    assert_eq!(
        middle(&identity(
            r#"{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Resources": "*"}"#
        )),
        "<stdin>:2: identityPolicies[0].Statement[0].Resources: unknown element `Resources`"
    );
}

#[test]
fn principal_in_an_identity_policy() {
    assert_eq!(
        middle(&identity(
            r#"{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}"#
        )),
        "<stdin>:2: identityPolicies[0].Statement[0].Principal: `Principal` is not allowed in an identity-based policy"
    );
}

#[test]
fn missing_effect() {
    assert_eq!(
        middle(&identity(
            r#"{"Sid": "NoEffect", "Action": "s3:*", "Resource": "*"}"#
        )),
        "<stdin>:2: identityPolicies[0].Statement[0]: missing required element `Effect`"
    );
}

/// A statement of about 1 KB, valid for an identity policy.
fn statement(i: usize) -> String {
    format!(
        r#"{{"Sid": "S{i}", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/{}"}}"#,
        "k".repeat(1000)
    )
}

#[test]
fn ten_megabyte_documents() {
    let dir = temp_dir("big");
    // Many statements: about 10 MB in one identity policy.
    let statements: Vec<String> = (0..10_000).map(statement).collect();
    let doc = format!(
        r#"{{"name": "huge", "identityPolicies": [{{"Version": "2012-10-17", "Statement": [{}]}}], {REQUEST}}}"#,
        statements.join(",")
    );
    assert!(doc.len() > 10_000_000);
    let file = dir.join("huge.json");
    fs::write(&file, &doc).unwrap();
    let inputs = read_path(&file).unwrap();
    assert_eq!(
        outcomes(&inputs),
        [format!(
            "{}: identityPolicies[0]: policy document is larger than the limit of 1048576 bytes",
            file.display()
        )]
    );
    assert_eq!(inputs[0].name(), Some("huge"));

    // One 10 MB string.
    let long = format!(
        r#"{{"name": "long", "resourcePolicy": {{"Statement": {{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "{}"}}}}, {REQUEST}}}"#,
        "r".repeat(10 << 20)
    );
    let out = outcomes(&read_bytes(long.as_bytes(), &ReadOptions::default()));
    assert_eq!(
        out,
        ["<stdin>:1: resourcePolicy: policy document is larger than the limit of 1048576 bytes"]
    );

    // Within the document limit, the policy crate's own limits still hold.
    let many = format!(
        r#"{{"identityPolicies": [{{"Statement": {{"Effect": "Allow", "Action": [{}], "Resource": "*"}}}}], {REQUEST}}}"#,
        vec![r#""s3:a""#; 20_001].join(",")
    );
    let out = outcomes(&read_bytes(many.as_bytes(), &ReadOptions::default()));
    assert_eq!(
        out,
        [
            "<stdin>:1: identityPolicies[0].Statement.Action: list of 20001 entries is longer than the limit of 20000"
        ]
    );
    let long_name = format!(r#"{{"name": "{}", {REQUEST}}}"#, "n".repeat(10 << 20));
    let out = outcomes(&read_bytes(long_name.as_bytes(), &ReadOptions::default()));
    assert_eq!(
        out,
        ["<stdin>:1: name: string of 10485760 bytes is longer than the limit of 8192"]
    );
}

#[test]
fn files_over_the_limit_are_refused_before_reading() {
    let dir = temp_dir("sparse");
    let file = dir.join("sparse.json");
    // A sparse file of 1 GiB: refusing it must not read it.
    fs::File::create(&file).unwrap().set_len(1 << 30).unwrap();
    let err = read_path(&file).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: input is 1073741824 bytes, more than the limit of 16777216",
            file.display()
        )
    );
    fs::write(dir.join("ok.json"), scenario("ok")).unwrap();
    let out = outcomes(&read_path(&dir).unwrap());
    assert_eq!(out.len(), 2);
    assert_eq!(out[0], "ok ok");
    assert!(
        out[1].ends_with("sparse.json: input is 1073741824 bytes, more than the limit of 16777216")
    );
}

#[test]
fn ten_thousand_deep_nesting() {
    let deep = format!(
        r#"{{"name": "deep", "request": {}{}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert_eq!(
        middle(&deep),
        "<stdin>:2: JSON nests deeper than 128 levels (line 2, column 155)"
    );
    let objects = format!("{}{}", r#"{"a":"#.repeat(10_000), "}".repeat(10_000));
    let dir = temp_dir("deep");
    let file = dir.join("deep.json");
    fs::write(&file, objects).unwrap();
    let out = outcomes(&read_path(&file).unwrap());
    assert_eq!(
        out,
        [format!(
            "{}: JSON nests deeper than 128 levels (line 1, column 636)",
            file.display()
        )]
    );
}

#[test]
fn invalid_utf8() {
    let mut bytes = scenario("before").into_bytes();
    bytes.extend_from_slice(b"\n{\"name\": \"caf\xe9\"}\n");
    bytes.extend_from_slice(scenario("after").as_bytes());
    let out = outcomes(&read_bytes(&bytes, &ReadOptions::default()));
    let at = scenario("before").len() + 1 + 13;
    assert_eq!(
        out,
        [
            "ok before".to_owned(),
            format!("<stdin>:2: invalid UTF-8 at byte {at} (line 2, column 14)"),
            "ok after".to_owned()
        ]
    );
    let dir = temp_dir("utf8");
    let file = dir.join("latin1.json");
    fs::write(&file, b"[\n  {\"name\": \"\xff\"}\n]").unwrap();
    let out = outcomes(&read_path(&file).unwrap());
    assert_eq!(
        out,
        [format!(
            "{}: invalid UTF-8 at byte 14 (line 2, column 13)",
            file.display()
        )]
    );
}

#[test]
fn many_faults_are_capped() {
    let statements: Vec<&str> =
        vec![r#"{"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}"#; 5_000];
    let out = middle(&identity(&statements.join(",")));
    assert!(
        out.ends_with("; and 4950 more"),
        "{}",
        &out[out.len() - 100..]
    );
    assert!(out.len() < 10_000, "{}", out.len());
}

#[test]
fn millions_of_tiny_scenarios_stop_at_the_limit() {
    // 10 MB of `1,`: each would be a failed scenario; reading stops at the limit.
    let tiny = format!("[{}1]", "1,".repeat(5_000_000));
    let out = outcomes(&read_bytes(tiny.as_bytes(), &ReadOptions::default()));
    assert_eq!(out, ["<stdin>: more than 100000 scenarios in one input"]);
    let lines = "{}\n".repeat(200_000);
    let inputs = read_bytes(lines.as_bytes(), &ReadOptions::default());
    assert_eq!(inputs.len(), 100_001);
    assert_eq!(
        common::outcome(&inputs[100_000]),
        "<stdin>:100001: more than 100000 scenarios in one input; the rest is not read"
    );
}

#[test]
fn a_huge_list_stops_at_the_value_budget() {
    // 16 MB of `1,` in one context list: 8 million values would take a
    // quarter of a gigabyte as a JSON tree; reading stops at the budget.
    let list = format!(
        r#"{{"name": "list", "request": {{"principal": "anonymous", "action": "s3:a", "resource": "*", "context": {{"k:k": [{}1]}}}}}}"#,
        "1,".repeat(8_000_000)
    );
    let out = outcomes(&read_bytes(list.as_bytes(), &ReadOptions::default()));
    assert_eq!(out.len(), 1);
    assert!(
        out[0].starts_with(
            "<stdin>:1: a scenario holds more than 1000000 JSON values (line 1, column "
        ),
        "{out:?}"
    );
}
