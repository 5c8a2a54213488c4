//! Attacks on a running sidecar, on loopback, each bounded in time: what a
//! hostile store folder, bucket, cache or request can do must end in a
//! clear refusal, never a hang, unbounded memory or a wrong decision.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../harness/mod.rs"]
mod harness;

mod store_files;
