//! The tollgate sidecar as a library: the gRPC `Authorizer` service over a
//! hot-reloading policy store, the standard health and reflection services,
//! and the admin listener (metrics, liveness, readiness). The `tollgate`
//! binary only parses flags and calls [`run`]; integration tests start the
//! same server on ephemeral ports.

pub mod grpc;
pub mod metrics;
pub mod state;
