//! Attacks on `tollgate serve`, each on loopback and bounded in time: what a
//! hostile store folder, bucket, cache, connection or request can do must
//! end in a clear refusal (or be decided as what it is), never a grant, a
//! hang, unbounded memory or a wrong decision. One module per topic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../harness/mod.rs"]
mod harness;

mod connections;
mod http_api;
mod malformed;
mod overload;
mod raw;
mod requests;
mod session_budget;
mod shutdown;
mod store_files;
mod stream;
