//! `scenario_read`: input of the simulate contract through the scenario
//! reader (JSON, an array, or JSON lines); every scenario it reads is then
//! compiled and evaluated by the engine and by the reference interpreter,
//! which must agree (a differential check: a disagreement is an engine or
//! reference bug). The scenario's own `expect` is not checked: fuzzed
//! expectations mean nothing.

use tollgate_scenario::{ReadOptions, read_bytes};

use crate::Checked;
use crate::policy::LIMITS;
use crate::requests::differential;

/// Most scenarios read from one input.
const MAX_SCENARIOS: usize = 16;

/// Checks one input.
pub fn check(data: &[u8]) -> Checked {
    let mut compared = 0;
    let options = ReadOptions {
        max_input_bytes: 1 << 20,
        max_scenarios: MAX_SCENARIOS,
        max_json_values: 100_000,
        parse_limits: LIMITS,
    };
    for input in read_bytes(data, &options) {
        match input.scenario {
            Ok(scenario) => {
                compared +=
                    differential(&scenario.policies, std::slice::from_ref(&scenario.request))?;
            }
            Err(error) => {
                // Rendering the error is part of the contract too.
                let _ = error.to_string();
            }
        }
    }
    Ok(compared)
}
