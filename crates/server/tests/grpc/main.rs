//! The gRPC edge end to end: the real services on an ephemeral port over a
//! store built for these tests, called with tonic clients. Every RPC of
//! `tollgate.v1.Authorizer`, the health service and both reflection
//! versions are exercised.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod authorize;
mod batch;
mod context;
mod plan;
mod readiness;
mod session;
mod simulate;
mod standard;
mod status;
mod stream;
mod support;
