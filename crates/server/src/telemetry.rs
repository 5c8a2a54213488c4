//! Logging: a `tracing` subscriber writing to stderr, as text or one JSON
//! object per line. The filter is `--log-level` when given, else `RUST_LOG`,
//! else `info` (with the object store client's retry notices at `warn`).

use std::io::IsTerminal;

use tracing::level_filters::LevelFilter;
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Checks a filter directive (`info`, `tollgate_server=debug,warn`) without
/// installing anything.
pub fn check_filter(directives: &str) -> Result<(), String> {
    EnvFilter::builder()
        .parse(directives)
        .map(drop)
        .map_err(|e| format!("invalid log filter `{directives}`: {e}"))
}

/// Added to the default filter (no `--log-level`, no `RUST_LOG`).
const QUIET_BY_DEFAULT: &str = "object_store=warn";

/// Installs the process's log subscriber. When one is already installed (a
/// test harness, a second server in one process), that one stays and this
/// returns `false`.
pub fn init(format: LogFormat, level: Option<&str>) -> bool {
    let filter = match level.map(|l| EnvFilter::builder().parse(l)) {
        Some(Ok(filter)) => filter,
        // The configuration was checked by `check_filter`; fall back anyway.
        Some(Err(_)) | None => {
            let filter = EnvFilter::builder()
                .with_default_directive(LevelFilter::INFO.into())
                .from_env_lossy();
            let from_env = std::env::var_os("RUST_LOG").is_some_and(|v| !v.is_empty());
            match QUIET_BY_DEFAULT.parse() {
                // The object store client logs each retry at info: a
                // storage outage would log several lines per poll.
                Ok(directive) if !from_env => filter.add_directive(directive),
                _ => filter,
            }
        }
    };
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(filter);
    match format {
        LogFormat::Text => builder.try_init().is_ok(),
        LogFormat::Json => builder.json().try_init().is_ok(),
    }
}
