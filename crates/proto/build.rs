//! Compiles `proto/` with protox (pure Rust, no system `protoc`) and
//! generates the tonic client and server, plus the file descriptor set that
//! server reflection serves. Also compiles Envoy's ext_authz API
//! (`envoy/service/auth/v3/external_auth.proto` and what it imports) from the
//! proto files the `envoy-types` crate ships into a second descriptor set, so
//! reflection describes `envoy.service.auth.v3.Authorization` too (envoy-types
//! ships the generated code, but no encoded descriptor set).
//!
//! The Envoy proto folder is found in Cargo's registry sources
//! (`$CARGO_HOME/registry/src/*/envoy-types-VERSION/proto`, VERSION from the
//! workspace's Cargo.lock), or given by `TOLLGATE_ENVOY_PROTO_DIR`.

use std::path::{Path, PathBuf};

use prost::Message as _;

/// The roots under envoy-types' `proto/` folder that imports resolve against.
const ENVOY_INCLUDE_ROOTS: &[&str] = &[
    "data-plane-api",
    "xds",
    "protoc-gen-validate",
    "googleapis",
    "cel-spec/proto",
    "opentelemetry-proto",
    "client_model",
];

const ENVOY_SERVICE: &str = "envoy/service/auth/v3/external_auth.proto";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let root = manifest.join("../../proto");
    println!("cargo:rerun-if-changed={}", root.display());
    let descriptors = protox::compile(["tollgate/v1/authorizer.proto"], [&root])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out.join("tollgate_v1_descriptor.bin"),
        descriptors.encode_to_vec(),
    )?;
    tonic_prost_build::configure().compile_fds(descriptors)?;

    let envoy = envoy_proto_dir(&manifest)?;
    println!("cargo:rerun-if-changed={}", envoy.display());
    let roots: Vec<PathBuf> = ENVOY_INCLUDE_ROOTS
        .iter()
        .map(|r| envoy.join(r))
        .filter(|p| p.is_dir())
        .collect();
    let envoy_descriptors = protox::compile([ENVOY_SERVICE], roots)?;
    std::fs::write(
        out.join("envoy_auth_v3_descriptor.bin"),
        envoy_descriptors.encode_to_vec(),
    )?;
    Ok(())
}

/// The `proto/` folder of the envoy-types crate this workspace builds with.
fn envoy_proto_dir(manifest: &Path) -> Result<PathBuf, String> {
    println!("cargo:rerun-if-env-changed=TOLLGATE_ENVOY_PROTO_DIR");
    if let Ok(dir) = std::env::var("TOLLGATE_ENVOY_PROTO_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let lock_path = manifest.join("../../Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path)
        .map_err(|e| format!("cannot read {}: {e}", lock_path.display()))?;
    let version = lock
        .split("[[package]]")
        .find(|package| package.contains("\nname = \"envoy-types\"\n"))
        .and_then(|package| {
            package
                .lines()
                .find_map(|line| line.strip_prefix("version = \""))
                .and_then(|rest| rest.strip_suffix('"'))
        })
        .ok_or("Cargo.lock lists no envoy-types package")?;
    let homes = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .into_iter()
        .chain(std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")));
    for home in homes {
        let Ok(registries) = std::fs::read_dir(home.join("registry/src")) else {
            continue;
        };
        for registry in registries.flatten() {
            let candidate = registry
                .path()
                .join(format!("envoy-types-{version}"))
                .join("proto");
            if candidate
                .join("data-plane-api")
                .join(ENVOY_SERVICE)
                .is_file()
            {
                return Ok(candidate);
            }
        }
    }
    Err(format!(
        "cannot find the proto files of envoy-types {version} in Cargo's registry sources; set TOLLGATE_ENVOY_PROTO_DIR to its `proto` folder"
    ))
}
