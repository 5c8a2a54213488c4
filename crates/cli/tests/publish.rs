//! Runs the built `tollgate` binary: `publish` to a `file://` location —
//! first publish, a change, a no-op, a dry run, a refused store, a conflict
//! and usage errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn tollgate(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(args)
        .env_remove("TOLLGATE_STORE_ENDPOINT")
        .env_remove("TOLLGATE_PUBLISHER")
        .output()
        .unwrap();
    Run {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn example_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/store/example");
    copy_dir(&example, dir.path());
    dir
}

fn summary(run: &Run) -> &str {
    run.stdout.lines().last().unwrap_or_default()
}

fn bucket_url(bucket: &Path) -> String {
    format!("file://{}/stores/prod", bucket.display())
}

fn manifest_path(bucket: &Path) -> PathBuf {
    bucket.join("stores/prod/manifest.json")
}

#[test]
fn publish_reports_the_diff_the_revision_and_the_uploads() {
    let store = example_copy();
    let bucket = tempfile::tempdir().unwrap();
    let dir = store.path().to_str().unwrap();
    let url = bucket_url(bucket.path());

    // A dry run writes nothing.
    let run = tollgate(&["publish", dir, &url, "--dry-run"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        summary(&run).starts_with("dry run: revision "),
        "{}",
        run.stdout
    );
    assert!(summary(&run).contains("(previous none)"), "{}", run.stdout);
    assert!(summary(&run).ends_with("to upload; nothing written"));
    assert!(!bucket.path().join("stores").exists());

    let run = tollgate(&["publish", dir, &url, "--publisher", "alice"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("added: accounts/111122223333/users/alice.json\n"),
        "{}",
        run.stdout
    );
    let first = summary(&run).to_owned();
    assert!(first.starts_with("published: revision "), "{first}");
    let added = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("added: "))
        .count();
    assert!(added > 10, "{}", run.stdout);
    assert!(
        first.contains(&format!(
            "(previous none); {added} added, 0 removed, 0 changed"
        )),
        "{first}"
    );
    let revision = first.split_whitespace().nth(2).unwrap().to_owned();
    let validate = tollgate(&["validate", dir]);
    assert!(
        validate
            .stdout
            .trim_end()
            .ends_with(&format!("revision {revision}"))
    );
    let manifest = std::fs::read_to_string(manifest_path(bucket.path())).unwrap();
    assert!(
        manifest.contains(&format!("\"revision\": \"{revision}\"")),
        "{manifest}"
    );
    assert!(manifest.contains("\"publisher\": \"alice\""), "{manifest}");
    assert!(
        run.stdout.contains("sequence: 1, expires "),
        "{}",
        run.stdout
    );
    assert!(manifest.contains("\"sequence\": 1"), "{manifest}");

    // Again: nothing to do.
    let run = tollgate(&["publish", dir, &url]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout,
        format!("already published: revision {revision}\n")
    );

    // A change.
    std::fs::write(store.path().join("NOTES.md"), "Reviewed.\n").unwrap();
    std::fs::remove_file(store.path().join("README.md")).unwrap();
    let run = tollgate(&["publish", dir, &url]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("added: NOTES.md\n"), "{}", run.stdout);
    assert!(
        run.stdout.contains("removed: README.md\n"),
        "{}",
        run.stdout
    );
    assert!(
        summary(&run).contains(&format!(
            "(previous {revision}); 1 added, 1 removed, 0 changed; 1 object uploaded"
        )),
        "{}",
        run.stdout
    );
}

#[test]
fn a_store_that_does_not_load_is_refused_with_exit_1() {
    let store = example_copy();
    std::fs::write(
        store.path().join("accounts/111122223333/users/alice.json"),
        "{\"Groups\": ",
    )
    .unwrap();
    let bucket = tempfile::tempdir().unwrap();
    let run = tollgate(&[
        "publish",
        store.path().to_str().unwrap(),
        &bucket_url(bucket.path()),
    ]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .starts_with("error: accounts/111122223333/users/alice.json: "),
        "{}",
        run.stdout
    );
    assert!(summary(&run).starts_with("refused: the store does not load (1 error)"));
    assert!(!bucket.path().join("stores").exists());
}

/// A dangling symbolic link as `manifest.json` reads as absent but makes
/// the create-if-absent write fail: exactly what a manifest published by
/// someone else between our read and our write looks like.
#[cfg(unix)]
#[test]
fn a_manifest_that_appeared_since_it_was_read_is_a_conflict_with_exit_4() {
    let store = example_copy();
    let bucket = tempfile::tempdir().unwrap();
    let manifest = manifest_path(bucket.path());
    std::fs::create_dir_all(manifest.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(bucket.path().join("nowhere"), &manifest).unwrap();
    let run = tollgate(&[
        "publish",
        store.path().to_str().unwrap(),
        &bucket_url(bucket.path()),
    ]);
    assert_eq!(run.code, 4, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.stderr,
        "tollgate publish: store changed since you read it (another revision was \
         published meanwhile); fetch, review and publish again\n"
    );
    assert!(
        std::fs::symlink_metadata(&manifest)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn help_documents_the_exit_status() {
    let run = tollgate(&["publish", "--help"]);
    assert_eq!(run.code, 0);
    for needle in [
        "4 conflict",
        "1 refused",
        "2 usage",
        "--store-endpoint",
        "--dry-run",
    ] {
        assert!(
            run.stdout.contains(needle),
            "{needle} missing: {}",
            run.stdout
        );
    }
}

#[test]
fn usage_and_location_errors_exit_2() {
    let store = example_copy();
    let dir = store.path().to_str().unwrap();
    let run = tollgate(&["publish", dir]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    let run = tollgate(&["publish", dir, "http://example.invalid/x"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("unsupported scheme `http`"),
        "{}",
        run.stderr
    );
    let bucket = tempfile::tempdir().unwrap();
    let run = tollgate(&["publish", "/no/such/store", &bucket_url(bucket.path())]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.starts_with("tollgate publish: cannot read"),
        "{}",
        run.stderr
    );
}

#[test]
fn sequence_and_expiry_are_set_and_checked() {
    let store = example_copy();
    let bucket = tempfile::tempdir().unwrap();
    let dir = store.path().to_str().unwrap();
    let url = bucket_url(bucket.path());
    let run = tollgate(&[
        "publish",
        dir,
        &url,
        "--sequence",
        "7",
        "--expires-in",
        "2h",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("sequence: 7, expires "),
        "{}",
        run.stdout
    );
    let manifest = std::fs::read_to_string(manifest_path(bucket.path())).unwrap();
    assert!(manifest.contains("\"sequence\": 7"), "{manifest}");
    assert!(manifest.contains("\"expiresAt\": "), "{manifest}");

    // Not above the published sequence: refused, nothing written.
    let run = tollgate(&["publish", dir, &url, "--sequence", "7"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("rollback"), "{}", run.stderr);
    let run = tollgate(&["publish", dir, &url, "--expires-in", "30"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("unit"), "{}", run.stderr);
}
