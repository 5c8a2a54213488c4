//! [`Client`]: one HTTP/2 connection to the sidecar, a deadline on every
//! question, retries only for answers that say the question was not
//! evaluated, and optional coalescing.

use std::time::{Duration, Instant};

use hyper_util::rt::TokioIo;
use tokio::net::UnixStream;
use tollgate_proto::v1::authorizer_client::AuthorizerClient;
use tollgate_proto::v1::{AuthorizeRequest, AuthorizeResponse};
use tonic::transport::{Channel, Endpoint, Uri};
use tonic::{Code, Status};

use crate::answer::Answer;
use crate::coalesce::Coalescer;
use crate::error::ClientError;
use crate::target::Target;

/// How a [`Client`] behaves.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The longest one [`Client::authorize`] may take, retries included
    /// (default 1 s).
    pub deadline: Duration,
    /// Further attempts after a retryable failure (default 2).
    pub retries: u32,
    /// The wait before the first retry, doubled for each next one
    /// (default 5 ms).
    pub backoff: Duration,
    /// How long the first connection may take (default 2 s).
    pub connect_timeout: Duration,
    /// Coalescing of concurrent calls into `AuthorizeBatch`; `None`: every
    /// call is its own `Authorize` (the default).
    pub coalescing: Option<Coalescing>,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            deadline: Duration::from_secs(1),
            retries: 2,
            backoff: Duration::from_millis(5),
            connect_timeout: Duration::from_secs(2),
            coalescing: None,
        }
    }
}

/// How concurrent calls are gathered into one `AuthorizeBatch`.
#[derive(Debug, Clone, Copy)]
pub struct Coalescing {
    /// How long the first call of a group waits for others (default 20 µs;
    /// the gathering task yields while it waits, so keep it short). Calls
    /// already queued are always taken, whatever the window.
    pub window: Duration,
    /// The most calls in one batch (default 64; at most the server's
    /// `max-batch-size`).
    pub max_batch: usize,
    /// Groups queued for the gathering task at most; a caller beyond it
    /// waits (default 4096).
    pub queue: usize,
}

impl Default for Coalescing {
    fn default() -> Self {
        Self {
            window: Duration::from_micros(20),
            max_batch: 64,
            queue: 4096,
        }
    }
}

/// A client of one sidecar. Cheap to clone; clones share the connection
/// and the coalescing task.
#[derive(Debug, Clone)]
pub struct Client {
    grpc: AuthorizerClient<Channel>,
    config: ClientConfig,
    coalescer: Option<Coalescer>,
}

impl Client {
    /// Connects to `target` (waiting for the first connection at most
    /// `config.connect_timeout`). Must run inside a Tokio runtime.
    pub async fn connect(target: &Target, config: ClientConfig) -> Result<Self, ClientError> {
        let fail = |reason: String| ClientError::Connect {
            target: target.to_string(),
            reason,
        };
        let channel = match target {
            Target::Tcp(url) => {
                let endpoint = Endpoint::from_shared(url.clone())
                    .map_err(|e| fail(e.to_string()))?
                    .tcp_nodelay(true)
                    .connect_timeout(config.connect_timeout);
                endpoint
                    .connect()
                    .await
                    .map_err(|e| fail(format!("{e:?}")))?
            }
            Target::Unix(path) => {
                let path = path.clone();
                // The URI only names the `:authority`; the connector below
                // ignores it and dials the socket.
                let endpoint = Endpoint::from_static("http://localhost")
                    .connect_timeout(config.connect_timeout);
                let connector = tower::service_fn(move |_: Uri| {
                    let path = path.clone();
                    async move { UnixStream::connect(path).await.map(TokioIo::new) }
                });
                endpoint
                    .connect_with_connector(connector)
                    .await
                    .map_err(|e| fail(format!("{e:?}")))?
            }
        };
        Ok(Self::with_channel(channel, config))
    }

    /// A client over an established tonic `channel`.
    pub fn with_channel(channel: Channel, config: ClientConfig) -> Self {
        let grpc = AuthorizerClient::new(channel);
        let coalescer = config
            .coalescing
            .map(|coalescing| Coalescer::start(grpc.clone(), coalescing));
        Self {
            grpc,
            config,
            coalescer,
        }
    }

    /// Decides `request` within the configured deadline. An `Err` is not a
    /// decision: deny.
    pub async fn authorize(&self, request: AuthorizeRequest) -> Result<Answer, ClientError> {
        let deadline = Instant::now() + self.config.deadline;
        let mut backoff = self.config.backoff;
        let mut attempt = 0;
        loop {
            let result = match &self.coalescer {
                Some(coalescer) => coalescer.ask(request.clone(), deadline).await,
                None => unary(self.grpc.clone(), request.clone(), deadline).await,
            };
            let status = match result {
                // A decision is final, whatever it says.
                Ok(response) => return Ok(Answer::from_response(response)),
                Err(status) => status,
            };
            let now = Instant::now();
            if now >= deadline || status.code() == Code::DeadlineExceeded {
                return Err(ClientError::Deadline(self.config.deadline));
            }
            if attempt >= self.config.retries || !retryable(&status) {
                return Err(ClientError::Status(status));
            }
            attempt += 1;
            let wait = backoff.min(deadline - now);
            tokio::time::sleep(wait).await;
            backoff = backoff.saturating_mul(2);
        }
    }
}

/// Whether a failed call may be asked again: only when the server said it
/// did not evaluate it (no connection or no revision yet: `UNAVAILABLE`;
/// refused by admission: `RESOURCE_EXHAUSTED`). Asking again is harmless
/// even if it had been evaluated (a decision reads, it changes nothing).
pub(crate) fn retryable(status: &Status) -> bool {
    matches!(status.code(), Code::Unavailable | Code::ResourceExhausted)
}

/// One `Authorize` call answered by `deadline`.
pub(crate) async fn unary(
    mut grpc: AuthorizerClient<Channel>,
    request: AuthorizeRequest,
    deadline: Instant,
) -> Result<AuthorizeResponse, Status> {
    let mut call = tonic::Request::new(request);
    call.set_timeout(deadline.saturating_duration_since(Instant::now()));
    match tokio::time::timeout_at(deadline.into(), grpc.authorize(call)).await {
        Ok(result) => result.map(tonic::Response::into_inner),
        Err(_) => Err(Status::deadline_exceeded("no answer by the deadline")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unevaluated_failures_are_retried() {
        assert!(retryable(&Status::unavailable("no revision")));
        assert!(retryable(&Status::resource_exhausted("overloaded")));
        for code in [
            Code::InvalidArgument,
            Code::DeadlineExceeded,
            Code::Internal,
            Code::PermissionDenied,
            Code::Unknown,
        ] {
            assert!(!retryable(&Status::new(code, "")), "{code:?}");
        }
    }
}
