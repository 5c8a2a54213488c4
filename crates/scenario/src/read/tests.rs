use super::*;

const OK: &str = r#"{"name": "ok", "request": {"principal": "anonymous", "action": "s3:GetObject", "resource": "*"}}"#;

fn sources(inputs: &[ScenarioInput]) -> Vec<String> {
    inputs.iter().map(|i| i.source.to_string()).collect()
}

fn outcome(input: &ScenarioInput) -> String {
    match &input.scenario {
        Ok(s) => format!("ok {}", s.name.as_deref().unwrap_or("-")),
        Err(e) => e.to_string(),
    }
}

fn read(text: &str) -> Vec<String> {
    read_bytes(text.as_bytes(), &ReadOptions::default())
        .iter()
        .map(outcome)
        .collect()
}

#[test]
fn json_lines_name_their_line() {
    let text = format!("{OK}\n\n{{\"name\": \"bad\", \"request\": 1}}\r\n{OK}\n");
    let inputs = read_bytes(text.as_bytes(), &ReadOptions::default());
    assert_eq!(sources(&inputs), ["<stdin>:1", "<stdin>:3", "<stdin>:4"]);
    assert_eq!(inputs[1].name(), Some("bad"));
    assert_eq!(
        inputs.iter().map(outcome).collect::<Vec<_>>(),
        [
            "ok ok",
            "<stdin>:3: request: expected a request object, found a number",
            "ok ok"
        ]
    );
}

#[test]
fn a_malformed_line_fails_alone() {
    let text = format!("{OK}\n{{\"name\": }}\n{OK}\n");
    assert_eq!(
        read(&text),
        [
            "ok ok",
            "<stdin>:2: invalid JSON at line 2, column 10: expected value",
            "ok ok"
        ]
    );
    // Even when the first line is the bad one.
    let text = format!("{{\"name\": }}\n{OK}\n");
    assert_eq!(read(&text).len(), 2);
}

#[test]
fn stdin_may_be_an_array_or_one_object() {
    let text = format!("[\n{OK},\n  {OK}\n]");
    let inputs = read_bytes(text.as_bytes(), &ReadOptions::default());
    assert_eq!(sources(&inputs), ["<stdin>[0]", "<stdin>[1]"]);
    let pretty = "{\n  \"name\": \"p\",\n  \"request\": {\"principal\": \"anonymous\", \"action\": \"s3:a\", \"resource\": \"*\"}\n}\n";
    let inputs = read_bytes(pretty.as_bytes(), &ReadOptions::default());
    assert_eq!(sources(&inputs), ["<stdin>"]);
    assert_eq!(outcome(&inputs[0]), "ok p");
    // A broken multi-line object is one error with its position.
    assert_eq!(
        read("{\n  \"name\": \"p\",\n  \"request\": \n}\n"),
        ["<stdin>: invalid JSON at line 4, column 1: expected value"]
    );
}

#[test]
fn empty_input_has_no_scenarios() {
    assert!(read("").is_empty());
    assert!(read(" \n\n").is_empty());
    assert!(read("[]").is_empty());
}

#[test]
fn a_byte_order_mark_is_skipped() {
    let text = format!("\u{feff}{OK}");
    assert_eq!(read(&text), ["ok ok"]);
}

#[test]
fn top_level_must_be_object_or_array() {
    assert_eq!(
        read("3"),
        ["<stdin>:1: expected a scenario object or an array of them, found a number"]
    );
    assert_eq!(
        read("[3]"),
        ["<stdin>[0]: expected a scenario object, found a number"]
    );
}

#[test]
fn invalid_utf8_names_byte_line_and_column() {
    let mut bytes = format!("{OK}\n").into_bytes();
    bytes.extend_from_slice(b"{\"name\": \"a\xff\"}\n");
    bytes.extend_from_slice(format!("{OK}\n").as_bytes());
    let inputs = read_bytes(&bytes, &ReadOptions::default());
    let at = OK.len() + 1 + 11;
    assert_eq!(
        inputs.iter().map(outcome).collect::<Vec<_>>(),
        [
            "ok ok".to_owned(),
            format!("<stdin>:2: invalid UTF-8 at byte {at} (line 2, column 12)"),
            "ok ok".to_owned()
        ]
    );
    let doc = b"[\n{\"name\": \"\xc3\"}]";
    let inputs = read_bytes(doc, &ReadOptions::default());
    assert_eq!(
        outcome(&inputs[0]),
        "<stdin>: invalid UTF-8 at byte 12 (line 2, column 11)"
    );
}

#[test]
fn deep_nesting_is_a_clear_error() {
    let text = format!("{}{}", "[".repeat(200), "]".repeat(200));
    assert_eq!(
        read(&text),
        ["<stdin>: JSON nests deeper than 128 levels (line 1, column 128)"]
    );
    let text = format!(
        "{OK}\n{{\"name\": {}{}}}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let out = read(&text);
    assert_eq!(
        out[1],
        "<stdin>:2: JSON nests deeper than 128 levels (line 2, column 136)"
    );
}

#[test]
fn input_over_the_limit_is_refused_before_reading_on() {
    let options = ReadOptions {
        max_input_bytes: 10,
        ..ReadOptions::default()
    };
    let err = read_reader(io::repeat(b' '), &options).unwrap_err();
    assert_eq!(
        err.to_string(),
        "<stdin>: input is larger than the limit of 10 bytes"
    );
    let inputs = read_bytes(&[b' '; 11], &options);
    assert_eq!(
        outcome(&inputs[0]),
        "<stdin>: input is 11 bytes, more than the limit of 10"
    );
    assert!(read_reader(&b"  [] "[..], &options).unwrap().is_empty());
}

#[test]
fn the_scenario_limit_holds_across_an_input() {
    let options = ReadOptions {
        max_scenarios: 2,
        ..ReadOptions::default()
    };
    let inputs = read_bytes(format!("[{OK}, {OK}]").as_bytes(), &options);
    assert_eq!(inputs.len(), 2);
    let inputs = read_bytes(format!("[{OK}, {OK}, {OK}]").as_bytes(), &options);
    assert_eq!(
        inputs.iter().map(outcome).collect::<Vec<_>>(),
        ["<stdin>: more than 2 scenarios in one input"]
    );
    let lines = format!("{OK}\n{OK}\n\n{OK}\n{OK}\n");
    assert_eq!(
        read_bytes(lines.as_bytes(), &options)
            .iter()
            .map(outcome)
            .collect::<Vec<_>>(),
        [
            "ok ok",
            "ok ok",
            "<stdin>:4: more than 2 scenarios in one input; the rest is not read"
        ]
    );
}

#[test]
fn the_json_value_budget_holds_per_scenario() {
    let options = ReadOptions {
        max_json_values: 12,
        ..ReadOptions::default()
    };
    // OK has 6 values (the object, its name, the request and its three fields): it fits.
    assert_eq!(
        read_bytes(format!("[{OK}, {OK}]").as_bytes(), &options)
            .iter()
            .map(outcome)
            .collect::<Vec<_>>(),
        ["ok ok", "ok ok"]
    );
    let big = r#"{"name": "x", "description": "y", "request": {"principal": "anonymous", "action": "s3:a", "resource": "*", "context": {"k:k": [1, 2, 3, 4]}}}"#;
    assert_eq!(
        read_bytes(format!("[{OK},\n{big}]").as_bytes(), &options)
            .iter()
            .map(outcome)
            .collect::<Vec<_>>(),
        ["<stdin>: a scenario holds more than 12 JSON values (line 2, column 137)"]
    );
}
