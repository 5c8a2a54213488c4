//! Differential property tests: the compiled engine (`tollgate_compiler::compile`
//! then `tollgate_engine::evaluate`/`decide`) against the reference interpreter
//! (`tollgate_reference::evaluate`) on generated policy sets and requests.
//!
//! Every case must give the same decision kind **and** the same decisive
//! statements, and the fast path `decide` must give the same kind. A failure
//! prints the disagreeing request as a scenario object (contract format, with
//! the reference's answer as `expect`) next to both answers.
//!
//! `cargo test -p tollgate-engine --release --test differential` runs
//! `SETS` policy sets × `REQUESTS_PER_SET` requests (20,000 evaluations, a
//! few seconds; `DIFFERENTIAL_SETS=N` runs N sets instead), and
//! `decision_kinds_are_frequent` prints how often each decision kind occurs,
//! per category of request and per kind of decisive policy. Failing cases are
//! kept in `differential.regressions` and replayed first on the next run.

// Test code: failing loudly on a generator bug is what we want.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

mod differential_support;
mod explain_kinds;

use std::collections::BTreeMap;

use differential_support::{Case, RequestSpec, SetSpec, case, scenario_json};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{FileFailurePersistence, RngAlgorithm, TestRng, TestRunner};
use tollgate_policy::{Decision, DecisionKind, PolicySet};

/// Policy sets per run of the property, unless `DIFFERENTIAL_SETS` says
/// otherwise (a long hunt: `DIFFERENTIAL_SETS=200000`).
const SETS: u32 = 5_000;

fn sets() -> u32 {
    std::env::var("DIFFERENTIAL_SETS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(SETS)
}

/// Requests asked of each policy set.
const REQUESTS_PER_SET: usize = 4;

/// Compares the engine with the reference on every request of `case`.
fn check_case(case: &Case) -> Result<(), TestCaseError> {
    let set = case.set.policy_set();
    let compiled = tollgate_compiler::compile(&set).map_err(|e| {
        TestCaseError::fail(format!("compile failed: {e}\npolicies: {:?}", case.set))
    })?;
    for spec in &case.requests {
        let request = spec.request();
        let expected = tollgate_reference::evaluate(&set, &request);
        let got = tollgate_engine::evaluate(&compiled.tables, &request);
        if got != expected {
            return Err(TestCaseError::fail(disagreement(
                "evaluate",
                &case.set,
                spec,
                &expected,
                &format!("{got:#?}"),
            )));
        }
        let kind = tollgate_engine::decide(&compiled.tables, &request);
        if kind != expected.kind {
            return Err(TestCaseError::fail(disagreement(
                "decide",
                &case.set,
                spec,
                &expected,
                &format!("{kind:?}"),
            )));
        }
    }
    Ok(())
}

fn disagreement(
    what: &str,
    set: &SetSpec,
    spec: &RequestSpec,
    expected: &Decision,
    got: &str,
) -> String {
    format!(
        "tollgate_engine::{what} disagrees with the reference\n\
         reference: {expected:#?}\n\
         engine {what}: {got}\n\
         scenario:\n{}\n",
        scenario_json(set, spec, expected.kind.as_str())
    )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: sets(),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    })]

    /// The engine's full answer and its fast path agree with the reference.
    #[test]
    fn engine_agrees_with_reference(case in case(REQUESTS_PER_SET)) {
        check_case(&case)?;
    }
}

/// How a request relates to the decision rules, for the statistics.
fn category(set: &PolicySet, spec: &RequestSpec) -> &'static str {
    let request = spec.request();
    let principal = request.principal();
    if !principal.is_iam_identity() {
        return "non-IAM principal";
    }
    let special = needs_resource_policy(&request.action, &request.resource);
    let same = principal.account() == request.effective_resource_account();
    match (same, special, set.resource.is_some()) {
        (true, true, _) => "same account, role trust/KMS key",
        (true, false, true) => "same account, with resource policy",
        (true, false, false) => "same account, no resource policy",
        (false, _, _) => "cross account",
    }
}

/// Step 2 `special` of docs/evaluation.md, restated here so the statistics do
/// not depend on either implementation.
fn needs_resource_policy(action: &str, resource: &str) -> bool {
    use tollgate_policy::glob::{CaseMode, matches};
    let trust = [
        "sts:AssumeRole",
        "sts:AssumeRoleWithSAML",
        "sts:AssumeRoleWithWebIdentity",
        "sts:TagSession",
        "sts:SetSourceIdentity",
    ]
    .iter()
    .any(|a| a.eq_ignore_ascii_case(action));
    (trust && matches("arn:*:iam::*:role/*", resource, CaseMode::Sensitive))
        || matches("arn:*:kms:*:*:key/*", resource, CaseMode::Sensitive)
}

/// The situations of the five rules of issue 13 that the generators must
/// produce often, so that a divergence there would be caught.
const RULES_OF_ISSUE_13: [&str; 5] = [
    "anonymous, resource policy naming AWS *",
    "NotPrincipal * or AWS *",
    "service-linked role under SCPs",
    "root asks a role trust action",
    "trust request with a permissions boundary",
];

/// Which situation of [`RULES_OF_ISSUE_13`] a request is in, if any, read
/// from the generated JSON (so as not to depend on either implementation).
fn rule_of_issue_13(
    set: &differential_support::SetSpec,
    spec: &RequestSpec,
) -> Option<&'static str> {
    let resource = set
        .resource
        .as_ref()
        .map(|r| r.to_string())
        .unwrap_or_default();
    let trust =
        needs_resource_policy(spec.action, spec.resource) && spec.resource.contains(":role/");
    if spec.principal == "anonymous" && resource.contains(r#""AWS":"*""#) {
        Some(RULES_OF_ISSUE_13[0])
    } else if resource.contains(r#""NotPrincipal":"*""#)
        || resource.contains(r#""NotPrincipal":{"AWS":"*"}"#)
    {
        Some(RULES_OF_ISSUE_13[1])
    } else if spec.principal == differential_support::vocabulary::SERVICE_LINKED_ROLE
        && !set.scp.is_empty()
    {
        Some(RULES_OF_ISSUE_13[2])
    } else if spec.principal.ends_with(":root") && trust {
        Some(RULES_OF_ISSUE_13[3])
    } else if set.boundary.is_some() && trust {
        Some(RULES_OF_ISSUE_13[4])
    } else {
        None
    }
}

/// Prints how often each decision kind occurs (overall and per category of
/// request) on a fixed sample of the generated cases, and checks that all
/// three kinds are frequent, so the property above tests something.
#[test]
fn decision_kinds_are_frequent() {
    let mut runner = TestRunner::new_with_rng(
        ProptestConfig::default(),
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    let strategy = case(REQUESTS_PER_SET);
    let mut overall: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_category: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut by_policy: BTreeMap<(&str, String), usize> = BTreeMap::new();
    let mut rules: BTreeMap<&str, usize> = BTreeMap::new();
    let mut total = 0usize;
    let mut decisive_lengths = 0usize;
    for _ in 0..1_000 {
        let case = strategy.new_tree(&mut runner).expect("a case").current();
        let set = case.set.policy_set();
        for spec in &case.requests {
            let decision = tollgate_reference::evaluate(&set, &spec.request());
            let kind = decision.kind.as_str();
            *overall.entry(kind).or_default() += 1;
            *by_category.entry((category(&set, spec), kind)).or_default() += 1;
            if let Some(rule) = rule_of_issue_13(&case.set, spec) {
                *rules.entry(rule).or_default() += 1;
            }
            decisive_lengths += decision.decisive.len();
            for d in &decision.decisive {
                let kind = d.policy.split('[').next().unwrap_or("");
                *by_policy
                    .entry((decision.kind.as_str(), kind.to_owned()))
                    .or_default() += 1;
            }
            total += 1;
        }
    }
    eprintln!("decision kinds over {total} generated requests (reference):");
    for (kind, count) in &overall {
        eprintln!(
            "  {kind:>13}: {count:5} ({:.1}%)",
            100.0 * *count as f64 / total as f64
        );
    }
    eprintln!(
        "  mean decisive statements: {:.2}",
        decisive_lengths as f64 / total as f64
    );
    eprintln!("by category:");
    for ((category, kind), count) in &by_category {
        eprintln!("  {category:>36} {kind:>13}: {count:5}");
    }
    eprintln!("decisive statements by policy kind:");
    for ((decision, policy), count) in &by_policy {
        eprintln!("  {decision:>13} {policy:>24}: {count:5}");
    }
    eprintln!("requests the rules of issue 13 bear on:");
    for (rule, count) in &rules {
        eprintln!("  {rule:>44}: {count:5}");
    }
    for rule in RULES_OF_ISSUE_13 {
        let count = rules.get(rule).copied().unwrap_or(0);
        assert!(count >= 20, "{rule}: only {count} generated requests");
    }
    for kind in [
        DecisionKind::Allowed,
        DecisionKind::ExplicitDeny,
        DecisionKind::ImplicitDeny,
    ] {
        let count = overall.get(kind.as_str()).copied().unwrap_or(0);
        assert!(
            count * 100 >= total * 15,
            "{kind} occurs in only {count} of {total} requests"
        );
    }
    for category in [
        "non-IAM principal",
        "same account, role trust/KMS key",
        "same account, with resource policy",
        "same account, no resource policy",
        "cross account",
    ] {
        let allowed = by_category
            .get(&(category, "allowed"))
            .copied()
            .unwrap_or(0);
        assert!(allowed >= 20, "{category}: only {allowed} requests allowed");
    }
}
