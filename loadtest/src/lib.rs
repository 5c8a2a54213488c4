//! `tollgate-loadtest`: a load generator for tollgate's gRPC API.
//!
//! It sends `Authorize`, `AuthorizeBatch` or Envoy ext_authz `Check` calls
//! (or `AuthorizeStream` questions, a window of them per stream)
//! over many HTTP/2 connections, either open-loop (a constant arrival rate;
//! each latency counts from the request's intended send time, so a slow
//! server cannot slow the clock) or closed-loop (N workers as fast as the
//! server answers), records latencies in HDR histograms and reports them as
//! a table or as JSON.
//!
//! | module | does |
//! | --- | --- |
//! | [`args`] | the command line |
//! | [`requests`] | request files (JSON lines) and the built-in sample |
//! | [`payload`] | requests encoded once, ahead of the run, and their expectations |
//! | [`codec`] | the gRPC codec sending pre-encoded messages |
//! | [`cpu`] | CPU time used by the server and the generator |
//! | [`call`] | one call on one connection and what its answer says |
//! | [`schedule`] | the open-loop arrival times |
//! | [`stats`] | per-task recorders merged at the end |
//! | [`run`] | the open- and closed-loop drivers |
//! | [`stream`] | the `AuthorizeStream` driver: a window of questions per stream |
//! | [`swap`] | store rewrites during a run (hot-swap measurement) |
//! | [`spawn`] | starting a `tollgate serve` child process |
//! | [`report`] | the report: table and JSON |
//! | [`execute`] | all of it, from parsed arguments to a report |

pub mod args;
pub mod call;
pub mod codec;
pub mod cpu;
mod error;
pub mod execute;
pub mod payload;
pub mod report;
pub mod requests;
pub mod run;
pub mod schedule;
pub mod spawn;
pub mod stats;
pub mod stream;
pub mod swap;

pub use args::Args;
pub use error::LoadError;
pub use execute::execute;
pub use report::Report;
