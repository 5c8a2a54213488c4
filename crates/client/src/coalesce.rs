//! [`Coalescer`]: gathers concurrent questions into one `AuthorizeBatch`.
//!
//! A task takes the first waiting question, then every question queued
//! behind it, yielding to let more arrive until the window ends or the batch
//! is full, and sends the group (on its own task, so gathering goes on):
//! one question as `Authorize`, more as `AuthorizeBatch` with the earliest
//! deadline among them. The batch's answers go back in order. A batch the
//! server refuses whole with `INVALID_ARGUMENT` (one malformed request) is
//! asked again one request at a time, so each caller gets its own answer or
//! error; any other failure is each caller's failure (their own retry rules
//! apply). A batch answering a different number of requests fails every
//! caller (`INTERNAL`) — never a guess.

use std::time::Instant;

use tokio::sync::{mpsc, oneshot};
use tollgate_proto::v1::authorizer_client::AuthorizerClient;
use tollgate_proto::v1::{AuthorizeBatchRequest, AuthorizeRequest, AuthorizeResponse};
use tonic::transport::Channel;
use tonic::{Code, Status};

use crate::client::{Coalescing, unary};

/// One question waiting for its group.
struct Waiting {
    request: AuthorizeRequest,
    deadline: Instant,
    reply: oneshot::Sender<Result<AuthorizeResponse, Status>>,
}

/// The handle of the gathering task; it stops when every handle is gone.
#[derive(Debug, Clone)]
pub(crate) struct Coalescer {
    queue: mpsc::Sender<Waiting>,
}

impl Coalescer {
    /// Starts the gathering task.
    pub(crate) fn start(grpc: AuthorizerClient<Channel>, settings: Coalescing) -> Self {
        let (queue, waiting) = mpsc::channel(settings.queue.max(1));
        tokio::spawn(gather(grpc, settings, waiting));
        Self { queue }
    }

    /// Asks `request` in the next group.
    pub(crate) async fn ask(
        &self,
        request: AuthorizeRequest,
        deadline: Instant,
    ) -> Result<AuthorizeResponse, Status> {
        let (reply, answer) = oneshot::channel();
        let waiting = Waiting {
            request,
            deadline,
            reply,
        };
        let stopped = || Status::cancelled("the coalescing task has stopped");
        let queued = tokio::time::timeout_at(deadline.into(), self.queue.send(waiting)).await;
        match queued {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return Err(stopped()),
            Err(_) => return Err(Status::deadline_exceeded("queued past the deadline")),
        }
        match tokio::time::timeout_at(deadline.into(), answer).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(stopped()),
            Err(_) => Err(Status::deadline_exceeded("no answer by the deadline")),
        }
    }
}

async fn gather(
    grpc: AuthorizerClient<Channel>,
    settings: Coalescing,
    mut waiting: mpsc::Receiver<Waiting>,
) {
    let max = settings.max_batch.max(1);
    while let Some(first) = waiting.recv().await {
        let until = Instant::now() + settings.window;
        let mut group = vec![first];
        loop {
            while group.len() < max {
                match waiting.try_recv() {
                    Ok(next) => group.push(next),
                    Err(_) => break,
                }
            }
            if group.len() >= max || Instant::now() >= until {
                break;
            }
            tokio::task::yield_now().await;
        }
        tokio::spawn(send(grpc.clone(), group));
    }
}

/// Sends one group and answers each of its callers.
async fn send(grpc: AuthorizerClient<Channel>, mut group: Vec<Waiting>) {
    if group.len() == 1 {
        if let Some(one) = group.pop() {
            let result = unary(grpc, one.request, one.deadline).await;
            let _ = one.reply.send(result);
        }
        return;
    }
    let deadline = group
        .iter()
        .map(|w| w.deadline)
        .min()
        .unwrap_or_else(Instant::now);
    let requests = group.iter().map(|w| w.request.clone()).collect();
    let mut call = tonic::Request::new(AuthorizeBatchRequest { requests });
    call.set_timeout(deadline.saturating_duration_since(Instant::now()));
    let mut batch_grpc = grpc.clone();
    let result =
        match tokio::time::timeout_at(deadline.into(), batch_grpc.authorize_batch(call)).await {
            Ok(result) => result.map(tonic::Response::into_inner),
            Err(_) => Err(Status::deadline_exceeded("no answer by the deadline")),
        };
    match result {
        Ok(batch) if batch.responses.len() == group.len() => {
            for (waiting, response) in group.into_iter().zip(batch.responses) {
                let _ = waiting.reply.send(Ok(response));
            }
        }
        Ok(batch) => {
            let message = format!(
                "the sidecar answered {} of {} batched requests",
                batch.responses.len(),
                group.len()
            );
            for waiting in group {
                let _ = waiting.reply.send(Err(Status::internal(message.clone())));
            }
        }
        Err(status) if status.code() == Code::InvalidArgument => {
            // One request spoiled the batch: each on its own.
            for waiting in group {
                let grpc = grpc.clone();
                tokio::spawn(async move {
                    let result = unary(grpc, waiting.request, waiting.deadline).await;
                    let _ = waiting.reply.send(result);
                });
            }
        }
        Err(status) => {
            for waiting in group {
                let _ = waiting
                    .reply
                    .send(Err(Status::new(status.code(), status.message())));
            }
        }
    }
}
