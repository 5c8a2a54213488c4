//! The command line: what to call, how hard, for how long, and where the
//! report goes. [`Args::validate`] rejects contradictory settings before
//! anything connects.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};

use crate::error::LoadError;

/// The RPC the load test sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CallKind {
    /// `tollgate.v1.Authorizer/Authorize`: one decision per call.
    Authorize,
    /// `tollgate.v1.Authorizer/AuthorizeBatch`: `--batch-size` decisions per call.
    AuthorizeBatch,
    /// `envoy.service.auth.v3.Authorization/Check`: Envoy's ext_authz.
    Check,
    /// `tollgate.v1.Authorizer/AuthorizeStream`: one stream per connection,
    /// `--concurrency` questions in flight on each (closed loop only).
    AuthorizeStream,
}

impl CallKind {
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            CallKind::Authorize => "authorize",
            CallKind::AuthorizeBatch => "authorize-batch",
            CallKind::Check => "check",
            CallKind::AuthorizeStream => "authorize-stream",
        }
    }
}

/// How requests arrive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rate {
    /// Open loop: this many calls per second, whatever the server does.
    PerSecond(f64),
    /// Closed loop: `--concurrency` workers, each sending its next call when
    /// the previous one is answered.
    Max,
}

/// Parses `--rate`: a positive number of calls per second, or `max`.
fn parse_rate(text: &str) -> Result<Rate, String> {
    if text.eq_ignore_ascii_case("max") {
        return Ok(Rate::Max);
    }
    match text.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(Rate::PerSecond(rate)),
        _ => Err(format!(
            "`{text}` is neither a positive number of calls per second nor `max`"
        )),
    }
}

/// Parses a duration: `10s`, `500ms`, `2m`, `1.5s`, or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, scale) = if let Some(us) = text.strip_suffix("us") {
        (us, 0.000_001)
    } else if let Some(ms) = text.strip_suffix("ms") {
        (ms, 0.001)
    } else if let Some(s) = text.strip_suffix('s') {
        (s, 1.0)
    } else if let Some(m) = text.strip_suffix('m') {
        (m, 60.0)
    } else {
        (text, 1.0)
    };
    match number.trim().parse::<f64>() {
        Ok(value) if value.is_finite() && value >= 0.0 => {
            Ok(Duration::from_secs_f64(value * scale))
        }
        _ => Err(format!(
            "`{text}` is not a duration (examples: 10s, 500ms, 200us, 2m)"
        )),
    }
}

/// How the report is printed on standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// An aligned table.
    Table,
    /// The JSON report.
    Json,
}

/// A load generator for tollgate's gRPC API.
#[derive(Debug, Clone, Parser)]
#[command(name = "tollgate-loadtest", version, about)]
pub struct Args {
    /// The server to load: `http://HOST:PORT`, or `unix:/PATH` for a Unix socket.
    #[arg(long, default_value = "http://127.0.0.1:50051")]
    pub target: String,

    /// Start this `tollgate` binary (`serve` on 127.0.0.1, ephemeral ports)
    /// and load it instead of `--target`; it is stopped at the end.
    #[arg(long, value_name = "PATH_TO_TOLLGATE")]
    pub spawn_server: Option<PathBuf>,

    /// The store the spawned server serves (`--store` of `tollgate serve`);
    /// without it, the embedded example store.
    #[arg(long, value_name = "DIR", requires = "spawn_server")]
    pub store: Option<PathBuf>,

    /// Extra arguments for the spawned `tollgate serve`, one per flag use,
    /// such as `--server-arg=--reload-debounce-ms=20`.
    #[arg(long = "server-arg", value_name = "ARG", requires = "spawn_server")]
    pub server_args: Vec<String>,

    /// The RPC to send.
    #[arg(long, value_enum, default_value = "authorize")]
    pub call: CallKind,

    /// Requests per `AuthorizeBatch` call.
    #[arg(long, default_value_t = 100)]
    pub batch_size: usize,

    /// Calls per second (open loop), or `max` (closed loop with `--concurrency` workers).
    #[arg(long, default_value = "1000", value_parser = parse_rate)]
    pub rate: Rate,

    /// How long to send (10s, 500ms, 2m).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub duration: Duration,

    /// A run of this length first, not reported (warms connections and caches).
    #[arg(long, default_value = "0s", value_parser = parse_duration)]
    pub warmup: Duration,

    /// HTTP/2 connections (one tonic `Channel` each); calls are spread over them round-robin.
    #[arg(long, default_value_t = 4)]
    pub connections: usize,

    /// Open loop: calls outstanding at most; a call due when this many are
    /// outstanding is not sent and counts as dropped.
    #[arg(long, default_value_t = 4096)]
    pub max_in_flight: usize,

    /// Open loop: the dispatcher sleeps at least this long when the next
    /// call is not due yet, then sends every call that has come due (`0s`:
    /// it wakes for each call). A call sent late by up to one tick still
    /// counts its latency from its due time, so the tick can only raise
    /// latency; at high rates it saves the generator a wake-up per call
    /// (e.g. `--tick 200us`).
    #[arg(long, default_value = "0s", value_parser = parse_duration)]
    pub tick: Duration,

    /// Closed loop (`--rate max`): concurrent workers (streams) over all connections.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,

    /// A call not answered within this time fails with DEADLINE_EXCEEDED.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Requests as JSON lines (see the README); without it, a built-in
    /// sample against the embedded example store.
    #[arg(long, value_name = "FILE")]
    pub requests: Option<PathBuf>,

    /// Count answers that differ from a request's `expect` as mismatches.
    #[arg(long)]
    pub check_expect: bool,

    /// Print a progress line to stderr this often (such as 1s).
    #[arg(long, value_parser = parse_duration)]
    pub progress: Option<Duration>,

    /// The report on standard output: a table or JSON.
    #[arg(long, value_enum, default_value = "table")]
    pub output: Output,

    /// Also write the JSON report to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Hot-swap measurement: a store folder (the one the server watches) in
    /// which a user file is rewritten `--swaps` times, evenly spread over the run.
    #[arg(long, value_name = "DIR")]
    pub swap_store: Option<PathBuf>,

    /// How many times to rewrite the store during the run.
    #[arg(long, default_value_t = 100, requires = "swap_store")]
    pub swaps: usize,

    /// The file (relative to `--swap-store`) that is rewritten.
    #[arg(long, default_value = crate::swap::DEFAULT_SWAP_FILE, requires = "swap_store")]
    pub swap_file: String,

    /// Write the first call's length-prefixed gRPC frame to FILE (for
    /// `h2load -d`) and exit without sending anything.
    #[arg(long, value_name = "FILE")]
    pub write_frame: Option<PathBuf>,

    /// Tokio worker threads of the load generator (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
}

impl Args {
    /// Rejects settings that cannot run, naming the flag.
    pub fn validate(&self) -> Result<(), LoadError> {
        let positive = |flag: &'static str, value: usize| {
            if value == 0 {
                Err(LoadError::Setting {
                    flag,
                    message: "must be at least 1".to_owned(),
                })
            } else {
                Ok(())
            }
        };
        positive("--connections", self.connections)?;
        positive("--batch-size", self.batch_size)?;
        positive("--max-in-flight", self.max_in_flight)?;
        positive("--concurrency", self.concurrency)?;
        if self.threads == Some(0) {
            return Err(LoadError::Setting {
                flag: "--threads",
                message: "must be at least 1".to_owned(),
            });
        }
        if self.duration.is_zero() {
            return Err(LoadError::Setting {
                flag: "--duration",
                message: "must be longer than zero".to_owned(),
            });
        }
        if self.timeout.is_zero() {
            return Err(LoadError::Setting {
                flag: "--timeout",
                message: "must be longer than zero".to_owned(),
            });
        }
        if let Rate::PerSecond(rate) = self.rate {
            let calls = rate * self.duration.as_secs_f64();
            if calls < 1.0 {
                return Err(LoadError::Setting {
                    flag: "--rate",
                    message: format!(
                        "{rate}/s for {:?} sends no call; raise --rate or --duration",
                        self.duration
                    ),
                });
            }
        }
        if self.call == CallKind::AuthorizeStream && self.rate != Rate::Max {
            return Err(LoadError::Setting {
                flag: "--rate",
                message: "authorize-stream runs closed-loop only: use `--rate max` \
                          with `--concurrency` questions in flight per stream"
                    .to_owned(),
            });
        }
        if self.swap_store.is_some() && self.swaps == 0 {
            return Err(LoadError::Setting {
                flag: "--swaps",
                message: "must be at least 1 with --swap-store".to_owned(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_units() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("200us"), Ok(Duration::from_micros(200)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-1s").is_err());
    }

    #[test]
    fn rates_are_positive_or_max() {
        assert_eq!(parse_rate("max"), Ok(Rate::Max));
        assert_eq!(parse_rate("2500"), Ok(Rate::PerSecond(2500.0)));
        assert!(parse_rate("0").is_err());
        assert!(parse_rate("fast").is_err());
    }

    #[test]
    fn validation_names_the_flag() {
        let args = Args::parse_from(["tollgate-loadtest", "--connections", "0"]);
        let error = args.validate().unwrap_err().to_string();
        assert!(error.starts_with("--connections:"), "{error}");
        let args = Args::parse_from(["tollgate-loadtest", "--rate", "0.5", "--duration", "1s"]);
        let error = args.validate().unwrap_err().to_string();
        assert!(error.starts_with("--rate:"), "{error}");
        let args = Args::parse_from(["tollgate-loadtest"]);
        args.validate().unwrap();
    }
}
