//! Cedar and tollgate (compiled tables and reference interpreter) decide
//! alike, allow versus deny, on the translatable subset of generated sets.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cedar_policy::Authorizer;
use tollgate_benches::cedar::Comparison;
use tollgate_policy::DecisionKind;

fn agree(statements: usize, seed: u64, questions: usize) {
    let comparison = Comparison::generated(statements, seed, questions).unwrap();
    assert!(
        comparison.kept_statements * 10 >= comparison.generated_statements * 7,
        "kept only {} of {}",
        comparison.kept_statements,
        comparison.generated_statements
    );
    let authorizer = Authorizer::new();
    let mut mismatches = Vec::new();
    let mut allowed = 0;
    for q in &comparison.questions {
        let compiled =
            tollgate_engine::decide(&comparison.tables, &q.request) == DecisionKind::Allowed;
        let reference = tollgate_reference::evaluate(&comparison.policies, &q.request).kind
            == DecisionKind::Allowed;
        let cedar = comparison.cedar_allows(&authorizer, q);
        allowed += usize::from(compiled);
        if compiled != cedar || compiled != reference {
            mismatches.push(format!(
                "{} {}: compiled {compiled}, reference {reference}, cedar {cedar}",
                q.request.action, q.request.resource
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert!(
        allowed * 20 >= questions,
        "only {allowed} of {questions} allowed: the sample is lopsided"
    );
}

#[test]
fn both_engines_decide_alike_on_a_small_set() {
    agree(10, 1, 500);
}

#[test]
fn both_engines_decide_alike_on_2000_questions_over_200_statements() {
    // Cedar evaluates every policy per question: 1,000 statements would
    // take ~15 s here; `cedar_compare` measures that size.
    agree(200, 20_250_601, 2_000);
}
