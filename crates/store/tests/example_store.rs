//! The example store (`tests/data/store/example/`): the embedded copy is
//! the folder on disk, and every request of the table in
//! `docs/policy-store.md` gets the answer written there.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use tollgate_policy::DecisionKind;
use tollgate_store::Store;

const DOC: &str = include_str!("../../../docs/policy-store.md");
const FOLDER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/data/store/example"
);

/// One row of the documented table.
#[derive(Debug)]
struct Row {
    principal: String,
    action: String,
    resource: String,
    context: Vec<(String, String)>,
    answer: DecisionKind,
    reason: Option<String>,
    decided_by: Vec<String>,
}

fn cell(text: &str) -> String {
    text.trim().trim_matches('`').to_owned()
}

fn rows() -> Vec<Row> {
    let start = DOC.find("<!-- example-requests:start -->").unwrap();
    let end = DOC.find("<!-- example-requests:end -->").unwrap();
    DOC[start..end]
        .lines()
        .filter(|l| l.starts_with("| `") || l.starts_with("| lambda"))
        .map(|line| {
            let cells: Vec<&str> = line.trim().trim_matches('|').split('|').collect();
            assert_eq!(cells.len(), 7, "{line}");
            let context = cell(cells[3])
                .split(';')
                .filter(|c| !c.trim().is_empty())
                .map(|c| {
                    let (k, v) = c.trim().trim_matches('`').split_once('=').unwrap();
                    (k.to_owned(), v.to_owned())
                })
                .collect();
            let reason = cell(cells[5]);
            Row {
                principal: cell(cells[0]),
                action: cell(cells[1]),
                resource: cell(cells[2]),
                context,
                answer: DecisionKind::parse(&cell(cells[4])).unwrap(),
                reason: (!reason.is_empty()).then_some(reason),
                decided_by: cells[6]
                    .split(',')
                    .map(cell)
                    .filter(|c| !c.is_empty())
                    .collect(),
            }
        })
        .collect()
}

#[test]
fn the_embedded_example_is_the_folder() {
    let embedded = Store::embedded_example().unwrap();
    let folder = Store::load_dir(FOLDER).unwrap();
    assert_eq!(embedded.revision(), folder.revision());
    assert!(embedded.warnings().is_empty(), "{:?}", embedded.warnings());
    let stats = embedded.stats();
    assert_eq!(stats.accounts, 3);
    assert_eq!(stats.principals, 5);
    assert_eq!(stats.resource_policies, 6);
}

#[test]
fn the_documented_answers_hold() {
    let store = Store::embedded_example().unwrap();
    let rows = rows();
    assert_eq!(rows.len(), 18);
    for row in rows {
        let context: Vec<(&str, &str)> = row
            .context
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let request = common::request_with(&row.principal, &row.action, &row.resource, &context);
        let answer = store.decide(&request, None);
        let (decision, reason) = store.evaluate(&request, None);
        assert_eq!(answer.kind, row.answer, "{row:?}");
        assert_eq!(decision.kind, row.answer, "{row:?}");
        assert_eq!(answer.reason, reason);
        assert_eq!(reason.map(|r| r.to_string()), row.reason, "{row:?}");
        for policy in &row.decided_by {
            assert!(
                decision.decisive.iter().any(|s| &s.policy == policy),
                "{policy} is not among the decisive statements of {row:?}: {:?}",
                decision.decisive
            );
        }
    }
}

/// A Kubernetes ConfigMap volume presents its keys as top-level symbolic
/// links into a hidden, atomically swapped `..data` folder; the store reads
/// it as the folder it presents.
#[cfg(unix)]
#[test]
fn a_configmap_style_folder_of_symbolic_links_loads() {
    use std::os::unix::fs::symlink;

    let volume = tempfile::tempdir().unwrap();
    let data = volume.path().join("..2026_11_22_13_00_00.1");
    copy_tree(std::path::Path::new(FOLDER), &data);
    symlink("..2026_11_22_13_00_00.1", volume.path().join("..data")).unwrap();
    for entry in std::fs::read_dir(&data).unwrap() {
        let name = entry.unwrap().file_name();
        symlink(
            std::path::Path::new("..data").join(&name),
            volume.path().join(&name),
        )
        .unwrap();
    }
    let linked = Store::load_dir(volume.path()).unwrap();
    let folder = Store::load_dir(FOLDER).unwrap();
    assert_eq!(linked.revision(), folder.revision());
}

#[cfg(unix)]
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
