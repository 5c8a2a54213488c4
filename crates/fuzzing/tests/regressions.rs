//! Replays every kept fuzz input, `fuzz/regressions/TARGET/*`, through the
//! check of its target, as `cargo fuzz run TARGET` would: no panic, no
//! finding. Inputs that once crashed stay here after their fix; interesting
//! seeds are kept too so the replay always exercises every target.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};

use tollgate_fuzzing::TARGETS;

fn regressions() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions")
}

fn inputs(target: &str) -> Vec<PathBuf> {
    let folder = regressions().join(target);
    let mut files: Vec<PathBuf> = fs::read_dir(&folder)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", folder.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_kept_input_passes_its_target() {
    let mut replayed = 0;
    for target in TARGETS {
        let mut compared = 0;
        let files = inputs(target.name);
        assert!(
            files.len() >= 3,
            "{}: expected at least 3 kept inputs, found {}",
            target.name,
            files.len()
        );
        for file in files {
            let data = fs::read(&file).unwrap();
            match (target.check)(&data) {
                Ok(n) => compared += n,
                Err(finding) => panic!("{} {}: {finding}", target.name, file.display()),
            }
            replayed += 1;
        }
        assert!(
            compared > 0,
            "{}: no kept input reaches a decision; keep one that does",
            target.name
        );
    }
    println!("replayed {replayed} inputs");
}

#[test]
fn every_target_folder_is_a_target() {
    for entry in fs::read_dir(regressions()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            TARGETS.iter().any(|target| target.name == name),
            "fuzz/regressions/{name} is not a fuzz target"
        );
    }
}
