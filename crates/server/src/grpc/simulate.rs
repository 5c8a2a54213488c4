//! `Simulate`: one scenario of the simulate contract, compiled and evaluated
//! the way `tollgate simulate` does it (`tollgate_compiler::compile`, then
//! `tollgate_engine::evaluate`), with the same output line. A scenario that
//! cannot be read or compiled is an answer with `error` set, not a failed RPC.
//!
//! Cost is bounded by the RPC's message size limit (4 MiB by default), by
//! serde_json's nesting limit and by the policy parse limits the scenario
//! reader applies.

use serde_json::Value;
use tollgate_policy::{Decision, ParseLimits};
use tollgate_proto::v1::{self, SimulateResponse};
use tollgate_scenario::{MAX_FAULTS, Scenario, answer_line, error_line};

use tollgate_wire as convert;

/// Answers one scenario given as JSON text.
pub(crate) fn simulate(scenario_json: &str) -> SimulateResponse {
    let value: Value = match serde_json::from_str(scenario_json) {
        Ok(value) => value,
        Err(e) => return failed(None, format!("invalid JSON: {e}")),
    };
    let name = value.get("name").and_then(Value::as_str);
    if !value.is_object() {
        return failed(None, "expected one scenario object".to_owned());
    }
    let scenario = match Scenario::from_json(&value, &ParseLimits::default()) {
        Ok(scenario) => scenario,
        Err(faults) => {
            let mut message = faults
                .iter()
                .take(MAX_FAULTS)
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ");
            if faults.len() > MAX_FAULTS {
                message.push_str(&format!("; and {} more", faults.len() - MAX_FAULTS));
            }
            return failed(name, message);
        }
    };
    let compiled = match tollgate_compiler::compile(&scenario.policies) {
        Ok(compiled) => compiled,
        Err(e) => return failed(name, format!("cannot compile the policies: {e}")),
    };
    for warning in &compiled.warnings {
        tracing::debug!(scenario = name, %warning, "simulate: compiler warning");
    }
    let decision = tollgate_engine::evaluate(&compiled.tables, &scenario.request);
    answered(name, scenario.expect, decision)
}

fn answered(
    name: Option<&str>,
    expect: Option<tollgate_policy::DecisionKind>,
    decision: Decision,
) -> SimulateResponse {
    SimulateResponse {
        answer_json: answer_line(name, &decision),
        decision: convert::decision(decision.kind).into(),
        matches_expectation: expect == Some(decision.kind),
        has_expectation: expect.is_some(),
        explanation: decision.explanation.as_ref().map(convert::explanation),
        decisive: convert::decisive(decision.decisive),
        error: String::new(),
    }
}

fn failed(name: Option<&str>, error: String) -> SimulateResponse {
    SimulateResponse {
        answer_json: error_line(name, &error),
        decision: v1::Decision::Unspecified.into(),
        decisive: Vec::new(),
        error,
        matches_expectation: false,
        has_expectation: false,
        explanation: None,
    }
}
