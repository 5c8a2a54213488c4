//! The reference interpreter against the conformance corpus
//! (`tests/conformance`, scenarios taken from AWS's documentation): every
//! scenario with an `expect` must get that decision.

use std::path::Path;

use tollgate_scenario::read_path;

#[test]
fn reference_meets_the_conformance_corpus() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance");
    let inputs = match read_path(&corpus) {
        Ok(inputs) => inputs,
        Err(e) => panic!("cannot read {}: {e}", corpus.display()),
    };
    let mut checked = 0;
    let mut mismatches = Vec::new();
    for input in &inputs {
        let scenario = match &input.scenario {
            Ok(scenario) => scenario,
            Err(e) => panic!("unreadable scenario {:?}: {e}", input.name()),
        };
        let Some(expect) = scenario.expect else {
            continue;
        };
        checked += 1;
        let got = tollgate_reference::evaluate(&scenario.policies, &scenario.request).kind;
        if got != expect {
            mismatches.push(format!(
                "{:?} ({:?}): expected {expect}, reference says {got}",
                scenario.name, input.source
            ));
        }
    }
    eprintln!(
        "{checked} scenarios checked, {} mismatches",
        mismatches.len()
    );
    assert!(
        checked > 0,
        "no scenario with `expect` under {}",
        corpus.display()
    );
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
