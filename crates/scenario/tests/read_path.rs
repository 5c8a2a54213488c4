//! Reading files and folders.

mod common;

use std::fs;

use common::{outcomes, scenario, temp_dir};
use tollgate_scenario::{ReadOptions, read_path, read_path_with, scenario_files};

#[test]
fn a_file_holds_one_scenario_or_an_array() {
    let dir = temp_dir("file");
    let one = dir.join("one.json");
    fs::write(&one, scenario("a")).unwrap();
    let inputs = read_path(&one).unwrap();
    assert_eq!(outcomes(&inputs), ["ok a"]);
    assert_eq!(inputs[0].source.to_string(), one.display().to_string());

    let many = dir.join("many.json");
    fs::write(
        &many,
        format!(
            "[{}, {{\"name\": \"bad\"}}, {}]",
            scenario("b"),
            scenario("c")
        ),
    )
    .unwrap();
    let inputs = read_path(&many).unwrap();
    let m = many.display();
    assert_eq!(
        outcomes(&inputs),
        [
            "ok b".to_owned(),
            format!("{m}[1]: missing required field `request`"),
            "ok c".to_owned()
        ]
    );
    assert_eq!(inputs[1].name(), Some("bad"));
    assert_eq!(inputs[2].source.to_string(), format!("{m}[2]"));
}

#[test]
fn a_folder_is_read_recursively_in_path_order() {
    let dir = temp_dir("folder");
    fs::create_dir_all(dir.join("b/deeper")).unwrap();
    fs::create_dir_all(dir.join("a")).unwrap();
    fs::write(dir.join("b/deeper/z.json"), scenario("b/deeper/z")).unwrap();
    fs::write(dir.join("b/a.json"), scenario("b/a")).unwrap();
    fs::write(
        dir.join("a/x.json"),
        format!("[{}, {}]", scenario("a/x0"), scenario("a/x1")),
    )
    .unwrap();
    fs::write(dir.join("c.json"), scenario("c")).unwrap();
    fs::write(dir.join("notes.txt"), "not a scenario").unwrap();
    fs::write(dir.join("README.md"), "{").unwrap();
    fs::write(dir.join("broken.json"), "{").unwrap();
    let inputs = read_path(&dir).unwrap();
    let broken = dir.join("broken.json");
    assert_eq!(
        outcomes(&inputs),
        [
            "ok a/x0".to_owned(),
            "ok a/x1".to_owned(),
            "ok b/a".to_owned(),
            "ok b/deeper/z".to_owned(),
            format!(
                "{}: invalid JSON at line 1, column 1: EOF while parsing an object",
                broken.display()
            ),
            "ok c".to_owned(),
        ]
    );
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_is_read_once() {
    let dir = temp_dir("loop");
    fs::create_dir_all(dir.join("sub")).unwrap();
    fs::write(dir.join("sub/s.json"), scenario("s")).unwrap();
    std::os::unix::fs::symlink(&dir, dir.join("sub/back")).unwrap();
    let inputs = read_path(&dir).unwrap();
    assert_eq!(outcomes(&inputs), ["ok s"]);
}

#[test]
fn a_missing_path_is_an_error() {
    let dir = temp_dir("missing");
    let err = read_path(dir.join("nope.json")).unwrap_err();
    assert!(err.to_string().contains("nope.json: cannot read:"), "{err}");
}

#[test]
fn an_empty_folder_has_no_scenarios() {
    let dir = temp_dir("empty");
    assert!(read_path(&dir).unwrap().is_empty());
}

#[test]
fn the_size_limit_applies_to_each_file() {
    let dir = temp_dir("limit");
    fs::write(dir.join("big.json"), format!("[{}]", scenario("big"))).unwrap();
    fs::write(dir.join("small.json"), "[]").unwrap();
    let options = ReadOptions {
        max_input_bytes: 100,
        ..ReadOptions::default()
    };
    let inputs = read_path_with(&dir, &options).unwrap();
    let out = outcomes(&inputs);
    assert_eq!(out.len(), 1);
    assert!(out[0].contains("big.json: input is "), "{out:?}");
    assert!(
        out[0].ends_with("bytes, more than the limit of 100"),
        "{out:?}"
    );
    // The path itself: the whole read fails.
    let err = read_path_with(dir.join("big.json"), &options).unwrap_err();
    assert!(
        err.to_string().ends_with("more than the limit of 100"),
        "{err}"
    );
}

#[test]
fn scenario_files_reads_one_file_at_a_time() {
    let dir = temp_dir("lazy");
    fs::write(
        dir.join("a.json"),
        format!("[{}, {}]", scenario("a0"), scenario("a1")),
    )
    .unwrap();
    fs::write(dir.join("b.json"), scenario("b")).unwrap();
    let files = scenario_files(&dir, &ReadOptions::default()).unwrap();
    // Removing a file after listing shows it is read only when reached.
    fs::remove_file(dir.join("b.json")).unwrap();
    let per_file: Vec<Vec<String>> = files.map(|inputs| outcomes(&inputs)).collect();
    assert_eq!(per_file.len(), 2);
    assert_eq!(per_file[0], ["ok a0", "ok a1"]);
    assert!(
        per_file[1][0].contains("b.json: cannot read:"),
        "{per_file:?}"
    );
    let single = scenario_files(dir.join("a.json"), &ReadOptions::default()).unwrap();
    assert_eq!(single.count(), 1);
}
