//! Runs the built `tollgate` binary: `workload` writes a store and a request
//! file that `validate` accepts and `bench` answers as the file expects;
//! `bench` catches a wrong `expect` and names a bad line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

fn tollgate(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn workload_then_bench() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let (code, stdout, stderr) = tollgate(&[
        "workload",
        "--name",
        "small",
        "--seed",
        "3",
        "--requests",
        "40",
        "--out",
        out,
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let store = dir.path().join("store");
    let requests = dir.path().join("requests.jsonl");
    let text = std::fs::read_to_string(&requests).unwrap();
    assert_eq!(text.lines().count(), 40);
    assert_eq!(text.matches("\"expect\":\"ALLOWED\"").count(), 20);

    let (code, stdout, _) = tollgate(&["validate", store.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}");

    let (code, stdout, stderr) = tollgate(&[
        "bench",
        "--store",
        store.to_str().unwrap(),
        "--requests",
        requests.to_str().unwrap(),
        "--seconds",
        "0.05",
        "--json",
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["wrong_answers"], 0);
    assert_eq!(report["requests"], 40);
    assert!(report["latency_ns"]["p50"].as_u64().unwrap() > 0);
    assert!(report["decisions_per_second"].as_f64().unwrap() > 0.0);

    // A wrong expectation is caught (exit 1), a bad line is a usage error.
    let flipped = text.replacen("\"expect\":\"ALLOWED\"", "\"expect\":\"IMPLICIT_DENY\"", 1);
    std::fs::write(&requests, flipped).unwrap();
    let (code, _, stderr) = tollgate(&[
        "bench",
        "--store",
        store.to_str().unwrap(),
        "--requests",
        requests.to_str().unwrap(),
        "--seconds",
        "0.05",
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("expected IMPLICIT_DENY, got ALLOWED"),
        "{stderr}"
    );
    std::fs::write(&requests, format!("{text}{{\"principal\": 1}}\n")).unwrap();
    let (code, _, stderr) = tollgate(&[
        "bench",
        "--store",
        store.to_str().unwrap(),
        "--requests",
        requests.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("line 41"), "{stderr}");

    // The same name and seed again into a used folder is refused.
    let (code, _, stderr) = tollgate(&["workload", "--name", "small", "--out", out]);
    assert_eq!(code, 2);
    assert!(stderr.contains("exists already"), "{stderr}");
    let (code, _, stderr) = tollgate(&["workload", "--name", "medium", "--out", out]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown workload `medium`"), "{stderr}");
}
