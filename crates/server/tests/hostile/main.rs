//! Hostile clients against a real server on loopback, each attack bounded
//! in time: connections and HTTP/2 streams that hold resources, overload,
//! expensive requests, malformed messages.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../harness/mod.rs"]
mod harness;

mod connections;
mod malformed;
mod overload;
mod raw;
mod session_budget;
mod shutdown;
