//! The diff and replay on the example store, with the pull request of
//! `docs/change-impact.md`: the photos bucket's `DevCiReads` statement
//! widened from the dev CI role to the whole dev account, with writes.

use std::collections::BTreeMap;

use serde_json::Value;
use tollgate_impact::replay::{MAX_LINE_BYTES, ReplayError, replay};
use tollgate_impact::{ChangeKind, DiffOptions, Revision, Severity, diff};
use tollgate_store::{Store, StoreLimits};

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/data/store/example"
);
const BUCKET: &str = "accounts/111122223333/resources/example-photos.json";

fn files() -> BTreeMap<String, Vec<u8>> {
    Store::read_dir_files(EXAMPLE, &StoreLimits::default()).unwrap()
}

fn widened() -> BTreeMap<String, Vec<u8>> {
    let mut files = files();
    let mut bucket: Value = serde_json::from_slice(&files[BUCKET]).unwrap();
    let statement = &mut bucket["Policy"]["Statement"][0];
    assert_eq!(statement["Sid"], "DevCiReads");
    statement["Principal"] = serde_json::json!({"AWS": "444455556666"});
    statement["Action"] = serde_json::json!(["s3:GetObject", "s3:PutObject"]);
    files.insert(BUCKET.to_owned(), bucket.to_string().into_bytes());
    files
}

fn revision(files: BTreeMap<String, Vec<u8>>) -> Revision {
    Revision::from_files(files, &StoreLimits::default()).unwrap()
}

#[test]
fn widening_the_bucket_policy_is_a_cross_account_grant() {
    let (old, new) = (revision(files()), revision(widened()));
    let report = diff(&old, &new, &DiffOptions::default());
    assert!(report.grants());
    let f = &report.findings[0];
    assert_eq!(f.severity, Severity::CrossAccountAccess);
    assert_eq!(f.change, ChangeKind::Granted);
    assert_eq!(f.principals, vec!["arn:aws:iam::444455556666:root"]);
    let actions: Vec<&str> = f.actions.iter().map(|a| a.name.as_ref()).collect();
    assert_eq!(actions, vec!["s3:GetObject", "s3:PutObject"]);
    assert_eq!(f.resource, "arn:aws:s3:::example-photos/*");
    assert!(f.new_statements.iter().any(|s| s.contains("DevCiReads")));
    // Only over TLS and in the approved regions: the deny statements are
    // the residual.
    assert!(f.partial);
    assert!(
        f.residual.iter().any(|r| r.contains("aws:SecureTransport")),
        "{:?}",
        f.residual
    );
    // Only the dev account's principals (and nobody else) were asked about.
    assert_eq!(report.principals_checked, 2);
}

#[test]
fn the_reverse_change_is_a_revocation_and_no_change_is_nothing() {
    let (old, new) = (revision(files()), revision(widened()));
    let back = diff(&new, &old, &DiffOptions::default());
    assert!(!back.grants());
    assert_eq!(back.findings[0].change, ChangeKind::Revoked);
    let same = diff(&old, &revision(files()), &DiffOptions::default());
    assert!(same.findings.is_empty());
    assert_eq!(same.principals_checked, 0);
}

#[test]
fn filters_narrow_the_diff() {
    let (old, new) = (revision(files()), revision(widened()));
    let by_action = DiffOptions {
        actions: vec!["s3:Get*".to_owned()],
        ..Default::default()
    };
    let report = diff(&old, &new, &by_action);
    let actions: Vec<&str> = report.findings[0]
        .actions
        .iter()
        .map(|a| a.name.as_ref())
        .collect();
    assert_eq!(actions, vec!["s3:GetObject"]);
    let by_principal = DiffOptions {
        principals: vec!["arn:aws:iam::111122223333:*".to_owned()],
        ..Default::default()
    };
    assert!(diff(&old, &new, &by_principal).findings.is_empty());
}

#[test]
fn replay_counts_flips_with_samples() {
    let store = Store::from_files(widened()).unwrap();
    let records = concat!(
        r#"{"principal":"arn:aws:iam::444455556666:root","action":"s3:PutObject","resource":"arn:aws:s3:::example-photos/a.jpg","context":{"aws:SecureTransport":true,"aws:RequestedRegion":"us-east-1"},"decision":"implicitDeny"}"#,
        "\n",
        r#"{"principal":"arn:aws:iam::111122223333:user/alice","action":"s3:GetObject","resource":"arn:aws:s3:::example-photos/cat.jpg","context":{"aws:SecureTransport":true},"decision":"allowed"}"#,
        "\n",
        r#"{"principal":"arn:aws:iam::444455556666:root","action":"s3:PutObject","resource":"arn:aws:s3:::example-photos/a.jpg","decision":"implicitDeny"}"#,
        "\n",
        "not json\n",
        r#"{"principal":"arn:aws:iam::111122223333:user/alice","action":"s3:*","resource":"*","decision":"allowed"}"#,
        "\n",
    );
    let report = replay(&store, records.as_bytes()).unwrap();
    assert_eq!(report.replayed, 3);
    assert_eq!(report.flip_count(), 2);
    assert_eq!(report.grants(), 2);
    assert_eq!(report.by_principal["arn:aws:iam::444455556666:root"], 2);
    assert_eq!(report.samples[0].line, 1);
    assert!(
        report.samples[0]
            .statements
            .iter()
            .any(|s| s.contains("DevCiReads"))
    );
    // The third record carries no context: counted as such.
    assert_eq!(report.without_request, 1);
    // Unreadable lines are listed by line, naming the fault.
    assert_eq!(report.unreadable.len(), 2);
    assert_eq!(report.unreadable[0].line, 4);
    assert!(
        report.unreadable[1].message.contains("action"),
        "{:?}",
        report.unreadable[1]
    );
}

#[test]
fn replay_refuses_a_line_past_the_bound() {
    let store = Store::from_files(files()).unwrap();
    let long = "x".repeat(MAX_LINE_BYTES + 10);
    assert!(matches!(
        replay(&store, long.as_bytes()),
        Err(ReplayError::LineTooLong(1))
    ));
}

/// A record the audit log marked truncated (its request was larger than it
/// records) is not decided: deciding it without its context could invent a
/// flip or miss one. It is listed with the decision it got.
#[test]
fn truncated_records_are_not_replayable() {
    let store = Store::from_files(widened()).unwrap();
    let records = concat!(
        r#"{"principal":"arn:aws:iam::444455556666:root","action":"s3:PutObject","resource":"arn:aws:s3:::example-photos/a.jpg","decision":"implicitDeny","requestTruncated":true,"requestBytes":70000}"#,
        "\n",
        r#"{"principal":"arn:aws:iam::444455556666:root","action":"s3:PutObject","resource":"arn:aws:s3:::example-photos/a.jpg","context":{},"decision":"allowed","requestRecorded":true}"#,
        "\n",
        r#"{"principal":"arn:aws:iam::444455556666:root","action":"s3:PutObject","resource":"arn:aws:s3:::example-photos/a.jpg","decision":"allowed","requestTruncated":"yes"}"#,
        "\n",
    );
    let report = replay(&store, records.as_bytes()).unwrap();
    assert_eq!(report.replayed, 1);
    assert_eq!(report.flip_count(), 0);
    assert_eq!(
        report.not_replayable,
        [(1, tollgate_policy::DecisionKind::ImplicitDeny)]
    );
    assert_eq!(report.denied_not_replayable(), 1);
    assert_eq!(report.without_request, 0);
    assert_eq!(report.unreadable.len(), 1);
    assert!(report.unreadable[0].message.contains("requestTruncated"));
    let json = tollgate_impact::replay::replay_json(&report);
    assert_eq!(json["notReplayable"], 1);
    assert!(tollgate_impact::replay::replay_text(&report).contains("1 records not replayable"));
}
