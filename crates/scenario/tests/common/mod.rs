//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use tollgate_scenario::ScenarioInput;

/// A fresh, empty folder under cargo's temporary directory for tests.
#[allow(
    clippy::unwrap_used,
    reason = "a test helper; failing is the test failing"
)]
pub fn temp_dir(tag: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("tollgate-scenario")
        .join(format!("{tag}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `ok NAME` for a scenario, the error text for a failure.
pub fn outcome(input: &ScenarioInput) -> String {
    match &input.scenario {
        Ok(s) => format!("ok {}", s.name.as_deref().unwrap_or("-")),
        Err(e) => e.to_string(),
    }
}

pub fn outcomes(inputs: &[ScenarioInput]) -> Vec<String> {
    inputs.iter().map(outcome).collect()
}

/// A valid scenario named `name`, as JSON text.
pub fn scenario(name: &str) -> String {
    format!(
        r#"{{"name": "{name}", "identityPolicies": [{{"Version": "2012-10-17", "Statement": [{{"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}]}}], "request": {{"principal": "arn:aws:iam::111122223333:user/sam", "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"}}, "expect": "allowed"}}"#
    )
}
