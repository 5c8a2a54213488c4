//! `AuthorizeStream`: many questions on one call, each tagged with the
//! caller's id and answered with it, decided by the same code as
//! `Authorize` ([`AuthorizerService::decide_one`]).
//!
//! One task per stream reads the questions. Before it reads one it reserves
//! a place for its answer in a channel of [`STREAM_WINDOW`] answers that the
//! response body drains, so at most that many questions are read and not
//! yet taken by the HTTP/2 layer: a caller that stops reading its answers
//! stops the server reading its questions, and HTTP/2 flow control pushes
//! back on the caller. Each question is then handled as an `Authorize` call:
//! it takes one of the `max-in-flight` permits while it is evaluated (none
//! free: its answer is `RESOURCE_EXHAUSTED`), its limits are checked, it is
//! decided from the snapshot serving at that moment (its answer names that
//! revision), counted and audited (under `REQUEST_ID/ID` when the call has
//! an `x-request-id`). A question with session policies goes to the
//! blocking pool and is answered when it is done, possibly after later
//! questions; the others are decided on the stream's task in order.
//!
//! The stream ends when the caller half-closes and every answer is out
//! (`OK`), at the call's deadline (`DEADLINE_EXCEEDED`; the HTTP/2 stream is
//! reset a second later whatever it waits for), or at a message that does
//! not decode or is too large (`INVALID_ARGUMENT`, `OUT_OF_RANGE`). A
//! question that fails on its own merits (a limit, a malformed field, no
//! revision loaded, overload) gets an answer with `error` and the stream
//! goes on.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::sync::{mpsc, oneshot};
use tokio_stream::Stream;
use tollgate_proto::code_name;
use tollgate_proto::v1::authorize_stream_response::Result as Outcome;
use tollgate_proto::v1::{
    AuthorizeResponse, AuthorizeStreamRequest, AuthorizeStreamResponse, StreamError,
};
use tonic::{Status, Streaming};

use super::authorizer::AuthorizerService;
use super::guard::{self, Deadline};
use super::observe::Method;
use crate::metrics::RPC_ERRORS;

/// Questions of one stream read ahead of the answers its caller has taken.
pub const STREAM_WINDOW: usize = 128;

/// The message of a question without its `request`.
pub const MISSING_REQUEST: &str = "request: missing; every AuthorizeStreamRequest carries one";

/// The outcome of a stream: `Ok` once every question was answered.
type Ending = Result<(), Status>;

/// Starts deciding the questions of `inbound` for `service` until
/// `deadline`, and returns the stream of their answers.
pub(crate) fn open(
    service: AuthorizerService,
    inbound: Streaming<AuthorizeStreamRequest>,
    deadline: Deadline,
    request_id: Option<String>,
) -> Answers {
    let (answers, rx) = mpsc::channel(STREAM_WINDOW);
    let (end, end_rx) = oneshot::channel();
    tokio::spawn(async move {
        let timer = service.metrics().timer(Method::AuthorizeStream);
        let work = read(&service, inbound, answers, deadline, request_id.as_deref());
        let ending = tokio::time::timeout_at(deadline.instant().into(), work)
            .await
            .unwrap_or_else(|_| Err(guard::exceeded()));
        // The caller may be gone; then nobody wants the outcome.
        let _ = end.send(timer.finish(ending));
    });
    Answers {
        answers: rx,
        end: Some(end_rx),
    }
}

/// Reads and decides questions until the caller half-closes.
async fn read(
    service: &AuthorizerService,
    mut inbound: Streaming<AuthorizeStreamRequest>,
    answers: mpsc::Sender<AuthorizeStreamResponse>,
    deadline: Deadline,
    request_id: Option<&str>,
) -> Ending {
    loop {
        let Ok(slot) = answers.clone().reserve_owned().await else {
            return Err(Status::cancelled("the caller stopped taking answers"));
        };
        let question = match inbound.message().await {
            Ok(Some(question)) => question,
            Ok(None) => return Ok(()),
            Err(status) => return Err(malformed(status)),
        };
        let id = question.id;
        let Some(request) = question.request else {
            guard::count(guard::Rejection::Limit);
            slot.send(answer(id, Err(Status::invalid_argument(MISSING_REQUEST))));
            continue;
        };
        let permit = match service.admit() {
            Ok(permit) => permit,
            Err(status) => {
                slot.send(answer(id, Err(status)));
                continue;
            }
        };
        let audit_id = service.audited(request_id, id);
        if request.session_policies.is_empty() {
            let result = service.decide_one(request, deadline, audit_id.as_deref());
            drop(permit);
            slot.send(answer(id, result));
        } else {
            let service = service.clone();
            tokio::spawn(async move {
                let worker = service.clone();
                let work = move || worker.decide_one(request, deadline, audit_id.as_deref());
                let result = service
                    .sessions()
                    .run(deadline, work)
                    .await
                    .and_then(|result| result);
                drop(permit);
                slot.send(answer(id, result));
            });
        }
    }
}

/// The answer to question `id`; a failure is counted as a failed
/// `AuthorizeStream` question.
fn answer(id: u64, result: Result<AuthorizeResponse, Status>) -> AuthorizeStreamResponse {
    let outcome = match result {
        Ok(response) => Outcome::Response(response),
        Err(status) => {
            metrics::counter!(RPC_ERRORS, "method" => "AuthorizeStream", "code" => code_name(status.code()))
                .increment(1);
            Outcome::Error(StreamError {
                code: status.code() as i32,
                message: status.message().to_owned(),
            })
        }
    };
    AuthorizeStreamResponse {
        id,
        result: Some(outcome),
    }
}

/// A message that could not be read ends the stream: one that does not
/// decode is the caller's fault (`INVALID_ARGUMENT`, as `edge` answers it
/// for a unary call), one over `max-message-bytes` stays `OUT_OF_RANGE`.
fn malformed(status: Status) -> Status {
    match status.code() {
        tonic::Code::Internal if status.message().starts_with(super::edge::DECODE_ERROR) => {
            guard::count(guard::Rejection::Limit);
            Status::invalid_argument(status.message().to_owned())
        }
        tonic::Code::OutOfRange => {
            guard::count(guard::Rejection::Limit);
            status
        }
        _ => status,
    }
}

/// The answers of one stream, then its outcome as the call's status.
pub struct Answers {
    answers: mpsc::Receiver<AuthorizeStreamResponse>,
    /// Taken once every answer is out.
    end: Option<oneshot::Receiver<Ending>>,
}

impl std::fmt::Debug for Answers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answers").finish_non_exhaustive()
    }
}

impl Stream for Answers {
    type Item = Result<AuthorizeStreamResponse, Status>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        // Every sender (the reading task and each session job) is gone
        // before the channel ends, so no answer comes after the outcome.
        if let Some(answer) = ready!(this.answers.poll_recv(cx)) {
            return Poll::Ready(Some(Ok(answer)));
        }
        let Some(end) = this.end.as_mut() else {
            return Poll::Ready(None);
        };
        let ending = ready!(Pin::new(end).poll(cx));
        this.end = None;
        match ending {
            Ok(Ok(())) => Poll::Ready(None),
            Ok(Err(status)) => Poll::Ready(Some(Err(status))),
            Err(_) => Poll::Ready(Some(Err(Status::internal(
                "the stream's reader ended without an outcome",
            )))),
        }
    }
}
