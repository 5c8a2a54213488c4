//! Runs the built `tollgate` binary: `mesh check` on the example mapping, a
//! sample request and a broken file; `serve --mesh-config` with a broken file
//! exits 64 listing every fault.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn tollgate(args: &[&str], envs: &[(&str, &str)]) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tollgate"));
    command.args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("TOLLGATE_") {
            command.env_remove(key);
        }
    }
    let output = command.envs(envs.iter().copied()).output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn example(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/mesh")
        .join(relative)
}

const BROKEN: &str = "[[route]]\nmethod = \"get\"\npath = \"/a/{id}\"\naction = \"x\"\nresource = \"arn:a:b:::{idd}\"\n";

#[test]
fn check_the_example_mapping_and_a_sample_request() {
    let mapping = example("mapping.toml");
    let mapping = mapping.to_str().unwrap();
    let (code, stdout, stderr) = tollgate(&["mesh", "check", mapping], &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(stdout, "ok: 5 routes\n");

    let (code, stdout, _) = tollgate(
        &[
            "mesh",
            "check",
            mapping,
            "--request",
            "GET /photos/42?x=1",
            "--header",
            "x-jwt-sub=alice",
            "--header",
            "x-tenant=acme",
        ],
        &[],
    );
    assert_eq!(code, 0, "{stdout}");
    for line in [
        "principal: arn:aws:iam::111122223333:user/alice (from header x-jwt-sub)",
        "action: photos:GetPhoto",
        "resource: arn:app:photos:::photo/42",
        "context: app:Tenant = acme",
    ] {
        assert!(
            stdout.lines().any(|l| l == line),
            "{line} missing in {stdout}"
        );
    }

    let (code, stdout, _) = tollgate(
        &[
            "mesh",
            "check",
            mapping,
            "--request",
            "GET /photos/%2e%2e/x",
            "--peer",
            "spiffe://cluster.local/ns/photos/sa/frontend",
        ],
        &[],
    );
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("`..` segment"), "{stdout}");
}

#[test]
fn a_broken_mapping_lists_every_fault() {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), BROKEN).unwrap();
    let path = file.path().to_str().unwrap();
    let (code, stdout, _) = tollgate(&["mesh", "check", path], &[]);
    assert_eq!(code, 1, "{stdout}");
    for fault in [
        "principal: no source",
        "route[0].method:",
        "route[0].action:",
        "route[0].resource: unknown capture `{idd}`",
    ] {
        assert!(
            stdout.contains(&format!("error: {path}: {fault}")),
            "{fault} missing in {stdout}"
        );
    }
    assert!(stdout.ends_with("invalid: 4 faults\n"), "{stdout}");

    // `serve` refuses it before binding anything: exit 64, every fault.
    let (code, _, stderr) = tollgate(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--admin-listen",
            "127.0.0.1:0",
        ],
        &[("TOLLGATE_MESH_CONFIG", path)],
    );
    assert_eq!(code, 64, "{stderr}");
    assert!(
        stderr.contains("route[0].resource: unknown capture `{idd}`"),
        "{stderr}"
    );
    assert!(stderr.contains("principal: no source"), "{stderr}");
    assert!(!stderr.contains("listening"), "{stderr}");
}
