//! The validator over every AWS managed policy (`tests/data/aws-managed-policies.json`,
//! 1,594 of them): they are AWS's own, so no action in them may be unknown.
//! The other findings are counted and printed (`--nocapture`); docs/validation.md
//! reports them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::collections::BTreeMap;

use serde_json::Value;
use tollgate_catalog::{FindingKind, validate};
use tollgate_policy::{PolicyDocument, PolicyKind};

#[test]
fn managed_policies_name_only_known_actions() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/aws-managed-policies.json"
    );
    let text = std::fs::read_to_string(path).expect("test data present");
    let all: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(all.len(), 1594);
    let mut by_kind: BTreeMap<FindingKind, Vec<String>> = BTreeMap::new();
    let mut policies_with_findings = 0;
    for (name, entry) in &all {
        let document = PolicyDocument::from_json(&entry["document"], PolicyKind::Identity).unwrap();
        let findings = validate(&document, PolicyKind::Identity);
        policies_with_findings += usize::from(!findings.is_empty());
        for finding in findings {
            by_kind
                .entry(finding.kind)
                .or_default()
                .push(format!("{name}: {finding}"));
        }
    }
    println!(
        "{policies_with_findings} of {} policies have findings",
        all.len()
    );
    for (kind, found) in &by_kind {
        println!("{kind}: {}", found.len());
        for line in found.iter().take(usize::MAX) {
            println!("  {line}");
        }
    }
    for kind in [
        FindingKind::UnknownService,
        FindingKind::UnknownAction,
        FindingKind::CatalogUnavailable,
    ] {
        let found = by_kind.get(&kind).map_or(&[][..], Vec::as_slice);
        assert!(
            found.is_empty(),
            "{kind} in AWS's own policies:\n{}",
            found.join("\n")
        );
    }
}
