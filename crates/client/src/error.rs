//! [`ClientError`]: why a question got no decision. Every variant means
//! "not allowed": a caller must deny on any of them.

use std::time::Duration;

/// Why [`crate::Client::authorize`] has no decision.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The target does not parse.
    #[error("invalid target `{target}`: {reason}")]
    Target {
        /// The target as given.
        target: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The first connection could not be made within the connect timeout.
    #[error("cannot connect to {target}: {reason}")]
    Connect {
        /// The target.
        target: String,
        /// Why.
        reason: String,
    },
    /// The server answered with a gRPC error (after any retries).
    #[error("the sidecar failed the call: {0}")]
    Status(#[from] tonic::Status),
    /// No decision within the call's deadline (retries included).
    #[error("no decision within the deadline of {0:?}")]
    Deadline(Duration),
    /// The coalescing task is gone (the client is shutting down).
    #[error("the coalescing task has stopped")]
    Stopped,
}

impl ClientError {
    /// The gRPC code this error stands for.
    pub fn code(&self) -> tonic::Code {
        match self {
            ClientError::Target { .. } => tonic::Code::InvalidArgument,
            ClientError::Connect { .. } => tonic::Code::Unavailable,
            ClientError::Status(status) => status.code(),
            ClientError::Deadline(_) => tonic::Code::DeadlineExceeded,
            ClientError::Stopped => tonic::Code::Cancelled,
        }
    }
}
