//! [`execute`]: from parsed arguments to a [`Report`]: read the requests,
//! start the server if asked, open the connections, warm up, run, report.

use std::sync::Arc;
use std::time::Duration;

use tonic::transport::{Channel, Endpoint};

use crate::args::{Args, CallKind, Rate};
use crate::codec::grpc_frame;
use crate::cpu::cpu_seconds;
use crate::error::LoadError;
use crate::payload::Payloads;
use crate::report::{Report, Settings};
use crate::requests::{authorize_lines, check_lines};
use crate::run::{Load, Plan, run};
use crate::spawn::ServerProcess;
use crate::stream::{self, StreamPlan};
use crate::swap::SwapPlan;

/// How long the drivers wait for outstanding calls after the window,
/// beyond the per-call timeout.
const DRAIN_MARGIN: Duration = Duration::from_secs(1);

/// The calls `args` asks for, encoded.
pub fn payloads(args: &Args) -> Result<Payloads, LoadError> {
    let file = args.requests.as_deref();
    Ok(match args.call {
        CallKind::Authorize => Payloads::authorize(&authorize_lines(file)?),
        CallKind::AuthorizeBatch => {
            Payloads::authorize_batch(&authorize_lines(file)?, args.batch_size)
        }
        CallKind::Check => Payloads::check(&check_lines(file)?),
        CallKind::AuthorizeStream => Payloads::authorize_stream(&authorize_lines(file)?),
    })
}

/// Writes the first call's gRPC frame to `--write-frame`.
pub fn write_frame(args: &Args) -> Result<(), LoadError> {
    let Some(path) = &args.write_frame else {
        return Ok(());
    };
    let payloads = payloads(args)?;
    let frame = grpc_frame(&payloads.get(0).message);
    std::fs::write(path, frame).map_err(|source| LoadError::Write {
        path: path.clone(),
        source,
    })
}

/// `connections` HTTP/2 connections to `target` (`http://HOST:PORT` or
/// `unix:/PATH`), each its own channel.
pub async fn connect(target: &str, connections: usize) -> Result<Vec<Channel>, LoadError> {
    let fail = |message: String| LoadError::Connect {
        target: target.to_owned(),
        message,
    };
    if let Some(path) = target.strip_prefix("unix:") {
        let path = std::path::PathBuf::from(path);
        let endpoint = Endpoint::from_static("http://localhost")
            .connect_timeout(Duration::from_secs(5))
            .initial_stream_window_size(Some(4 << 20))
            .initial_connection_window_size(Some(16 << 20));
        let mut channels = Vec::with_capacity(connections);
        for _ in 0..connections {
            let path = path.clone();
            let connector = tower::service_fn(move |_: tonic::transport::Uri| {
                let path = path.clone();
                async move {
                    tokio::net::UnixStream::connect(path)
                        .await
                        .map(hyper_util::rt::TokioIo::new)
                }
            });
            channels.push(
                endpoint
                    .connect_with_connector(connector)
                    .await
                    .map_err(|e| fail(format!("{e:?}")))?,
            );
        }
        return Ok(channels);
    }
    let endpoint = Endpoint::from_shared(target.to_owned())
        .map_err(|e| fail(e.to_string()))?
        .tcp_nodelay(true)
        .connect_timeout(Duration::from_secs(5))
        // Large batches: let whole answers flow without window updates.
        .initial_stream_window_size(Some(4 << 20))
        .initial_connection_window_size(Some(16 << 20));
    let mut channels = Vec::with_capacity(connections);
    for _ in 0..connections {
        channels.push(
            endpoint
                .connect()
                .await
                .map_err(|e| fail(format!("{e:?}")))?,
        );
    }
    Ok(channels)
}

/// Runs the load test `args` describes (after [`Args::validate`]).
pub async fn execute(args: &Args) -> Result<Report, LoadError> {
    args.validate()?;
    let payloads = Arc::new(payloads(args)?);
    let server = match &args.spawn_server {
        Some(program) => Some(ServerProcess::start(
            program,
            args.store.as_deref(),
            &args.server_args,
        )?),
        None => None,
    };
    let target = server
        .as_ref()
        .map_or_else(|| args.target.clone(), |s| s.target.clone());
    let channels = connect(&target, args.connections).await?;
    let (load, concurrency, offered_rate) = match args.rate {
        Rate::PerSecond(rate) => (
            Load::Open {
                rate,
                max_in_flight: args.max_in_flight,
                tick: args.tick,
            },
            args.max_in_flight,
            Some(rate),
        ),
        Rate::Max => (
            Load::Closed {
                concurrency: args.concurrency,
            },
            args.concurrency,
            None,
        ),
    };
    let plan = Plan {
        channels,
        payloads,
        load,
        duration: args.duration,
        timeout: args.timeout,
        check_expect: args.check_expect,
        drain: args.timeout + DRAIN_MARGIN,
        progress: args.progress,
        swap: None,
    };
    let streams = StreamPlan {
        channels: plan.channels.clone(),
        payloads: plan.payloads.clone(),
        window: args.concurrency,
        duration: args.duration,
        timeout: args.timeout,
        check_expect: args.check_expect,
    };
    let streaming = args.call == CallKind::AuthorizeStream;
    if !args.warmup.is_zero() {
        if streaming {
            stream::run(&StreamPlan {
                duration: args.warmup,
                ..streams.clone()
            })
            .await;
        } else {
            run(Plan {
                duration: args.warmup,
                progress: None,
                ..plan.clone()
            })
            .await?;
        }
    }
    let swap = args.swap_store.as_ref().map(|store| SwapPlan {
        store: store.clone(),
        file: args.swap_file.clone(),
        swaps: args.swaps,
    });
    let server_pid = server.as_ref().map(ServerProcess::id);
    let cpu_before = (
        server_pid.and_then(|pid| cpu_seconds(Some(pid))),
        cpu_seconds(None),
    );
    let mut measured = if streaming {
        stream::run(&streams).await
    } else {
        run(Plan { swap, ..plan }).await?
    };
    let used = |before: Option<f64>, after: Option<f64>| Some(after? - before?);
    measured.server_cpu = used(
        cpu_before.0,
        server_pid.and_then(|pid| cpu_seconds(Some(pid))),
    );
    measured.client_cpu = used(cpu_before.1, cpu_seconds(None));
    drop(server);
    let settings = Settings {
        call: args.call.name(),
        target,
        connections: args.connections,
        concurrency,
        batch_size: match args.call {
            CallKind::AuthorizeBatch => args.batch_size,
            CallKind::Authorize | CallKind::Check | CallKind::AuthorizeStream => 1,
        },
        duration: args.duration,
        offered_rate,
    };
    Ok(Report::new(settings, &measured))
}
