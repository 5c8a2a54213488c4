//! Every AWS managed policy (1,594 of them, `tests/data/aws-managed-policies.json`)
//! parses, compiles, and evaluates; and on requests derived from their own
//! statements the compiled engine answers exactly as the reference interpreter.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use serde_json::Value;
use tollgate_policy::{
    DecisionKind, NamedPolicy, PolicyDocument, PolicyKind, PolicySet, Request, RequestPrincipal,
    TemplatePart,
};

fn managed_policies() -> Vec<(String, PolicyDocument)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/aws-managed-policies.json"
    );
    let text = std::fs::read_to_string(path).expect("test data present");
    let all: serde_json::Map<String, Value> = serde_json::from_str(&text).expect("valid JSON");
    let mut failures = Vec::new();
    let mut out = Vec::new();
    for (name, entry) in all {
        match PolicyDocument::from_json(&entry["document"], PolicyKind::Identity) {
            Ok(doc) => out.push((name, doc)),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} managed policies failed to parse:\n{}",
        failures.len(),
        failures.join("\n")
    );
    out
}

/// A concrete name a wildcard pattern matches: `*` becomes `Probe`, `?` `q`.
fn instance(parts: &[TemplatePart]) -> Option<String> {
    let mut out = String::new();
    for part in parts {
        match part {
            TemplatePart::Literal(text) => out.push_str(text),
            TemplatePart::Star => out.push_str("Probe"),
            TemplatePart::Question => out.push('q'),
            TemplatePart::Variable(_) => return None,
        }
    }
    Some(out)
}

/// Requests built from the policy's own statements: each action pattern made
/// concrete, on each resource pattern made concrete.
fn derived_requests(doc: &PolicyDocument) -> Vec<Request> {
    let principal = RequestPrincipal::parse("arn:aws:iam::111122223333:user/probe").unwrap();
    let mut requests = Vec::new();
    for statement in &doc.statements {
        let actions: Vec<String> = statement
            .action
            .patterns
            .iter()
            .take(8)
            .map(|p| p.raw().replace('*', "Probe").replace('?', "q"))
            .collect();
        let resources: Vec<String> = match &statement.resource {
            Some(clause) if !clause.negated => clause
                .patterns
                .iter()
                .take(4)
                .filter_map(|t| instance(t.parts()))
                .collect(),
            _ => vec!["arn:aws:s3:::tollgate-probe/object".to_owned()],
        };
        for action in &actions {
            for resource in &resources {
                let action = if action == "Probe" {
                    "s3:GetObject"
                } else {
                    action
                };
                requests.push(Request::new(principal.clone(), action, resource));
            }
        }
    }
    requests
}

fn identity_set(policies: &[(String, PolicyDocument)]) -> PolicySet {
    PolicySet {
        identity: policies
            .iter()
            .map(|(name, doc)| NamedPolicy::new(name.clone(), doc.clone()))
            .collect(),
        ..Default::default()
    }
}

#[test]
fn every_managed_policy_parses_compiles_and_agrees_with_the_reference() {
    let policies = managed_policies();
    assert!(
        policies.len() >= 1_500,
        "only {} managed policies",
        policies.len()
    );
    let mut requests_checked = 0;
    let mut allowed = 0;
    let mut warnings = Vec::new();
    for (name, doc) in &policies {
        let set = identity_set(std::slice::from_ref(&(name.clone(), doc.clone())));
        let compiled = tollgate_compiler::compile(&set)
            .unwrap_or_else(|e| panic!("{name} does not compile: {e}"));
        warnings.extend(compiled.warnings.iter().map(ToString::to_string));
        for request in derived_requests(doc) {
            let engine = tollgate_engine::evaluate(&compiled.tables, &request);
            let reference = tollgate_reference::evaluate(&set, &request);
            assert_eq!(
                engine, reference,
                "{name}: {} on {}",
                request.action, request.resource
            );
            assert_eq!(
                tollgate_engine::decide(&compiled.tables, &request),
                engine.kind
            );
            requests_checked += 1;
            allowed += usize::from(engine.kind == DecisionKind::Allowed);
        }
    }
    eprintln!(
        "{} managed policies, {requests_checked} derived requests ({allowed} allowed), {} lint warnings:\n{}",
        policies.len(),
        warnings.len(),
        warnings.join("\n")
    );
    assert!(warnings.is_empty(), "AWS's own policies should lint clean");
    assert!(requests_checked > 10_000);
    assert!(
        allowed > requests_checked / 4,
        "too few allowed: the derivation is broken"
    );
}

#[test]
fn all_managed_policies_compile_as_one_set_and_agree_on_a_sample() {
    let policies = managed_policies();
    let set = identity_set(&policies);
    let compiled = tollgate_compiler::compile(&set).expect("compiles");
    let stats = compiled.tables.stats();
    assert_eq!(stats.statements, set.statement_count());
    let mut sample = Vec::new();
    for (_, doc) in policies.iter().step_by(7) {
        sample.extend(derived_requests(doc).into_iter().take(3));
    }
    for request in &sample {
        let engine = tollgate_engine::evaluate(&compiled.tables, request);
        let reference = tollgate_reference::evaluate(&set, request);
        assert_eq!(
            engine, reference,
            "{} on {}",
            request.action, request.resource
        );
    }
    eprintln!("{stats:?}; {} sampled requests agree", sample.len());
}
