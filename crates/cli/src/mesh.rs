//! `tollgate mesh check FILE`: validates a mesh mapping file as `tollgate
//! serve --mesh-config` would, printing every fault with its key path, then
//! `ok: N routes`. With `--request "METHOD PATH"` (and `--header`,
//! `--peer`), also shows what one HTTP request maps to, for debugging a
//! route table without Envoy.
//!
//! Exit status: 0 when the file is valid (and the sample request maps); 1
//! otherwise.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::SystemTime;

use tollgate_mesh::{Mapping, MeshConfig};

/// Work with mesh mapping files (Envoy ext_authz: HTTP request -> IAM request).
#[derive(Debug, clap::Args)]
pub struct MeshArgs {
    #[command(subcommand)]
    command: MeshCommand,
}

#[derive(Debug, clap::Subcommand)]
enum MeshCommand {
    Check(CheckArgs),
}

/// Check a mesh mapping file: print every fault with its key path, or
/// `ok: N routes`; optionally map one sample request.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Example:
  tollgate mesh check examples/mesh/mapping.toml \\
      --request 'GET /photos/42' --header x-jwt-sub=alice

Exit status: 0 when the file is valid (and the sample request maps); 1
otherwise.")]
struct CheckArgs {
    /// The mapping file.
    #[arg(value_name = "FILE")]
    file: PathBuf,

    /// A sample request to map, `METHOD PATH` (the path may hold a query).
    #[arg(long, value_name = "METHOD PATH")]
    request: Option<String>,

    /// A header of the sample request, `NAME=VALUE` (repeatable).
    #[arg(long, value_name = "NAME=VALUE", requires = "request")]
    header: Vec<String>,

    /// The sample request's peer identity (a SPIFFE ID).
    #[arg(long, value_name = "ID", requires = "request")]
    peer: Option<String>,
}

/// Runs the subcommand.
pub fn main(args: &MeshArgs) -> ExitCode {
    let MeshCommand::Check(args) = &args.command;
    let config = match MeshConfig::load(&args.file) {
        Ok(config) => config,
        Err(e) => {
            for fault in &e.faults {
                println!("error: {}: {fault}", args.file.display());
            }
            println!("invalid: {} faults", e.faults.len());
            return ExitCode::FAILURE;
        }
    };
    println!("ok: {} routes", config.routes().len());
    match &args.request {
        None => ExitCode::SUCCESS,
        Some(request) => map_sample(&config, request, &args.header, args.peer.as_deref()),
    }
}

fn map_sample(
    config: &MeshConfig,
    request: &str,
    headers: &[String],
    peer: Option<&str>,
) -> ExitCode {
    let Some((method, path)) = request.trim().split_once(' ') else {
        println!("error: --request: expected `METHOD PATH`, found `{request}`");
        return ExitCode::FAILURE;
    };
    let mut map = HashMap::new();
    for header in headers {
        let Some((name, value)) = header.split_once('=') else {
            println!("error: --header: expected `NAME=VALUE`, found `{header}`");
            return ExitCode::FAILURE;
        };
        map.insert(name.trim().to_ascii_lowercase(), value.to_owned());
    }
    let http = tollgate_mesh::HttpRequest {
        method: method.trim(),
        path: path.trim(),
        headers: &map,
        source_principal: peer,
        source_address: None,
        tls: peer.is_some(),
        time: SystemTime::now(),
    };
    match config.map(&http) {
        Ok(Mapping::Mapped(mapped)) => {
            let request = &mapped.request;
            println!("route: {}", mapped.route);
            println!(
                "principal: {} (from {})",
                request.principal().text(),
                mapped.principal_source
            );
            println!("action: {}", request.action);
            println!("resource: {}", request.resource);
            for entry in request.context.entries() {
                println!("context: {} = {}", entry.key(), entry.values().join(","));
            }
            ExitCode::SUCCESS
        }
        Ok(Mapping::Unmapped(how)) => {
            println!("unmapped: no route matches; {how:?} by `unmapped`");
            ExitCode::SUCCESS
        }
        Err(error) => {
            println!("error: the request does not map (it would be denied): {error}");
            ExitCode::FAILURE
        }
    }
}
