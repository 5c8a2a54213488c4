//! Store folders holding what is not a regular file, or that never ends:
//! a FIFO (which would block a reader forever), a link to `/dev/zero`
//! (whose metadata says 0 bytes), two links to the folder itself (a walk
//! bounded only by depth explores 2^depth paths), a huge sparse file. Each
//! load ends within seconds with a fault naming the entry; every load runs
//! on its own thread under a 10 s timeout, so a regression fails instead of
//! hanging.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use tollgate_store::files::{FileError, WalkLimits, read_regular, walk};
use tollgate_store::{Store, StoreError, StoreLimits};

const FOLDER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/data/store/example"
);
const LIMIT: Duration = Duration::from_secs(10);

/// A copy of the example store.
fn example() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(Path::new(FOLDER), dir.path());
    dir
}

fn copy_tree(from: &Path, to: &Path) {
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

fn mkfifo(path: &Path) {
    let made = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(made.success());
}

/// Loads `dir` on a thread; panics when that takes longer than [`LIMIT`].
fn load_within_limit(dir: &Path, limits: StoreLimits) -> Result<Store, StoreError> {
    let (send, receive) = mpsc::channel();
    let dir: PathBuf = dir.to_owned();
    std::thread::spawn(move || {
        let _ = send.send(Store::load_dir_with_limits(&dir, &limits));
    });
    receive
        .recv_timeout(LIMIT)
        .unwrap_or_else(|_| panic!("the load did not end within {LIMIT:?}"))
}

fn fault_text(result: Result<Store, StoreError>) -> String {
    match result {
        Ok(_) => panic!("the store loaded"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn a_fifo_is_refused_without_blocking() {
    let dir = example();
    mkfifo(&dir.path().join("accounts/pipe.json"));
    let text = fault_text(load_within_limit(dir.path(), StoreLimits::default()));
    assert!(text.contains("accounts/pipe.json"), "{text}");
    assert!(text.contains("a FIFO"), "{text}");
}

#[test]
fn a_link_to_dev_zero_is_refused() {
    let dir = example();
    symlink("/dev/zero", dir.path().join("accounts/zero.json")).unwrap();
    let text = fault_text(load_within_limit(dir.path(), StoreLimits::default()));
    assert!(text.contains("accounts/zero.json"), "{text}");
    assert!(text.contains("character device"), "{text}");
}

#[test]
fn two_links_to_the_folder_itself_are_a_cycle() {
    let dir = example();
    symlink(".", dir.path().join("l1")).unwrap();
    symlink(".", dir.path().join("l2")).unwrap();
    let text = fault_text(load_within_limit(dir.path(), StoreLimits::default()));
    assert!(text.contains("cycle"), "{text}");
    assert!(text.contains("l1"), "{text}");
}

#[test]
fn a_huge_sparse_file_is_refused_by_size() {
    let dir = example();
    let file = std::fs::File::create(dir.path().join("accounts/huge.json")).unwrap();
    file.set_len(1 << 40).unwrap();
    let text = fault_text(load_within_limit(dir.path(), StoreLimits::default()));
    assert!(text.contains("accounts/huge.json"), "{text}");
    assert!(text.contains("limit"), "{text}");
}

#[test]
fn sizes_are_counted_on_the_bytes_read() {
    // `/proc` files say 0 bytes in their metadata and have more.
    let limit = 16;
    match read_regular(Path::new("/proc/self/status"), limit) {
        Err(FileError::TooLarge { limit: l, .. }) => assert_eq!(l, limit),
        other => panic!("{other:?}"),
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a");
    std::fs::write(&path, "0123456789").unwrap();
    assert_eq!(read_regular(&path, 10).unwrap(), b"0123456789");
    assert!(matches!(
        read_regular(&path, 9),
        Err(FileError::TooLarge { .. })
    ));
}

#[test]
fn walks_are_bounded_in_depth_and_entries() {
    let dir = tempfile::tempdir().unwrap();
    let mut deep = dir.path().to_owned();
    for _ in 0..10 {
        deep.push("d");
    }
    std::fs::create_dir_all(&deep).unwrap();
    let shallow = WalkLimits {
        max_depth: 5,
        ..WalkLimits::default()
    };
    let error = walk(dir.path(), &shallow, true, &mut |_| {
        std::ops::ControlFlow::Continue(())
    })
    .unwrap_err();
    assert!(error.to_string().contains("nested more than"), "{error}");
    let few = WalkLimits {
        max_entries: 3,
        ..WalkLimits::default()
    };
    let error = walk(dir.path(), &few, true, &mut |_| {
        std::ops::ControlFlow::Continue(())
    })
    .unwrap_err();
    assert!(error.to_string().contains("entries"), "{error}");
    // The store applies its walk limits.
    let limits = StoreLimits {
        walk: shallow,
        ..StoreLimits::default()
    };
    let text = fault_text(load_within_limit(dir.path(), limits));
    assert!(text.contains("nested more than"), "{text}");
}
