//! The `AuthorizeStream` driver: one stream per connection, each keeping
//! `window` questions in flight (closed loop: a question is sent when an
//! answer comes back). A question's id carries its send time and its
//! request's index, so an answer (in any order) yields its latency and its
//! expectation without a lookup table. A stream the server ends (at its
//! `max-call-secs`) is reopened while the window lasts; questions it left
//! unanswered are counted as errors with the stream's status.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::{BufMut, Bytes, BytesMut};
use tokio::sync::{Semaphore, mpsc};
use tollgate_proto::v1::AuthorizeStreamResponse;
use tollgate_proto::v1::authorize_stream_response::Result as Outcome;
use tonic::transport::Channel;
use tonic::{Code, Request, Status};

use crate::call::{Answer, meets, verdict_of};
use crate::codec::PreEncoded;
use crate::payload::Payloads;
use crate::report::Measured;
use crate::stats::Recorder;

/// Bits of an id holding the request's index; the rest hold the send time
/// in nanoseconds since the run started (2^44 ns: almost 5 hours).
const INDEX_BITS: u32 = 20;
const INDEX_MASK: u64 = (1 << INDEX_BITS) - 1;

/// One stream run.
#[derive(Debug, Clone)]
pub struct StreamPlan {
    /// One stream at a time on each channel.
    pub channels: Vec<Channel>,
    /// The questions, cycled through (pre-encoded `AuthorizeRequest`s).
    pub payloads: Arc<Payloads>,
    /// Questions in flight per stream.
    pub window: usize,
    /// The sending window.
    pub duration: Duration,
    /// How long a stream may stay silent before it is given up.
    pub timeout: Duration,
    /// Whether to compare answers with expectations.
    pub check_expect: bool,
}

/// Runs `plan` and returns what it measured.
pub async fn run(plan: &StreamPlan) -> Measured {
    let start = Instant::now();
    let drivers: Vec<_> = plan
        .channels
        .iter()
        .map(|channel| tokio::spawn(drive(channel.clone(), plan.clone(), start)))
        .collect();
    let mut recorder = Recorder::new();
    let (mut sent, mut unfinished) = (0, 0);
    for driver in drivers {
        if let Ok(driven) = driver.await {
            recorder.merge(&driven.recorder);
            sent += driven.sent;
            unfinished += driven.unfinished;
        }
    }
    Measured {
        recorder,
        sent,
        dropped: 0,
        unfinished,
        elapsed: start.elapsed(),
        send_lag: None,
        swaps: 0,
        server_cpu: None,
        client_cpu: None,
    }
}

/// What one connection's streams did.
struct Driven {
    recorder: Recorder,
    sent: u64,
    unfinished: u64,
}

/// Streams on `channel` until the window ends.
async fn drive(channel: Channel, plan: StreamPlan, start: Instant) -> Driven {
    let deadline = start + plan.duration;
    let mut driven = Driven {
        recorder: Recorder::new(),
        sent: 0,
        unfinished: 0,
    };
    let next = Arc::new(AtomicU64::new(0));
    while Instant::now() < deadline {
        let sent = Arc::new(AtomicU64::new(0));
        let credit = Arc::new(Semaphore::new(plan.window));
        let (questions, outbox) = mpsc::channel::<Bytes>(plan.window);
        let writer = tokio::spawn(write(
            questions,
            credit.clone(),
            plan.payloads.clone(),
            next.clone(),
            sent.clone(),
            start,
            deadline,
        ));
        let mut grpc = tonic::client::Grpc::new(channel.clone());
        let opened = match grpc.ready().await {
            Ok(()) => {
                let request = Request::new(tokio_stream::wrappers::ReceiverStream::new(outbox));
                let path = plan.payloads.path.clone();
                grpc.streaming(
                    request,
                    path,
                    PreEncoded::<AuthorizeStreamResponse>::default(),
                )
                .await
            }
            Err(e) => Err(Status::unavailable(format!("connection not ready: {e}"))),
        };
        let mut answered = 0u64;
        let ending = match opened {
            Ok(response) => {
                let mut answers = response.into_inner();
                loop {
                    match tokio::time::timeout(plan.timeout, answers.message()).await {
                        Ok(Ok(Some(answer))) => {
                            credit.add_permits(1);
                            answered += 1;
                            let (latency, outcome) = judge(&plan, start, answer);
                            driven.recorder.record(latency, outcome);
                        }
                        Ok(Ok(None)) => break None,
                        Ok(Err(status)) => break Some(status),
                        Err(_) => {
                            break Some(Status::deadline_exceeded(format!(
                                "no answer within {:?}",
                                plan.timeout
                            )));
                        }
                    }
                }
            }
            Err(status) => Some(status),
        };
        // Stop the writer (it may wait for credit) and count what it sent.
        credit.close();
        writer.abort();
        let _ = writer.await;
        let sent = sent.load(Ordering::Relaxed);
        driven.sent += sent;
        let missing = sent.saturating_sub(answered);
        match ending {
            None => driven.unfinished += missing,
            Some(status) => {
                for _ in 0..missing.max(1) {
                    driven
                        .recorder
                        .record(Duration::ZERO, Err(Status::new(status.code(), "")));
                }
                if status.code() != Code::DeadlineExceeded {
                    // Not the server's stream lifetime: do not spin.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }
    driven
}

/// Sends questions while there is credit, until `deadline`.
async fn write(
    questions: mpsc::Sender<Bytes>,
    credit: Arc<Semaphore>,
    payloads: Arc<Payloads>,
    next: Arc<AtomicU64>,
    sent: Arc<AtomicU64>,
    start: Instant,
    deadline: Instant,
) {
    let len = payloads.calls.len().max(1) as u64;
    loop {
        let Ok(permit) = credit.acquire().await else {
            return;
        };
        permit.forget();
        let now = Instant::now();
        if now >= deadline {
            return;
        }
        let index = next.fetch_add(1, Ordering::Relaxed) % len;
        let nanos = u64::try_from(now.duration_since(start).as_nanos()).unwrap_or(u64::MAX);
        let id = (nanos << INDEX_BITS) | (index & INDEX_MASK);
        let question = question(id, &payloads.get(index).message);
        if questions.send(question).await.is_err() {
            return;
        }
        sent.fetch_add(1, Ordering::Relaxed);
    }
}

/// An encoded `AuthorizeStreamRequest` carrying `id` and the encoded
/// `AuthorizeRequest` `request`.
pub fn question(id: u64, request: &[u8]) -> Bytes {
    let mut buf = BytesMut::with_capacity(request.len() + 22);
    buf.put_u8(0x08); // field 1, varint
    prost::encoding::encode_varint(id, &mut buf);
    buf.put_u8(0x12); // field 2, length-delimited
    prost::encoding::encode_varint(request.len() as u64, &mut buf);
    buf.put_slice(request);
    buf.freeze()
}

/// The latency and outcome of one answer.
fn judge(
    plan: &StreamPlan,
    start: Instant,
    answer: AuthorizeStreamResponse,
) -> (Duration, Result<Answer, Status>) {
    let sent_at = Duration::from_nanos(answer.id >> INDEX_BITS);
    let latency = start.elapsed().saturating_sub(sent_at);
    let outcome = match answer.result {
        Some(Outcome::Response(response)) => {
            let expectable = plan.payloads.calls.len() as u64 <= INDEX_MASK + 1;
            let expect = plan.payloads.get(answer.id & INDEX_MASK).expect.first();
            let wrong =
                plan.check_expect && expectable && !meets(expect, verdict_of(response.decision));
            Ok(Answer {
                decisions: 1,
                mismatches: u64::from(wrong),
                revision: response.revision,
            })
        }
        Some(Outcome::Error(error)) => Err(Status::new(Code::from(error.code), error.message)),
        None => Err(Status::internal("an answer without a result")),
    };
    (latency, outcome)
}

#[cfg(test)]
mod tests {
    use prost::Message;
    use tollgate_proto::v1::{AuthorizeRequest, AuthorizeStreamRequest};

    use super::*;

    #[test]
    fn a_question_decodes_as_the_stream_request() {
        let request = AuthorizeRequest {
            principal: "arn:aws:iam::111122223333:user/alice".into(),
            action: "s3:GetObject".into(),
            ..AuthorizeRequest::default()
        };
        let id = (123_456_789 << INDEX_BITS) | 42;
        let bytes = question(id, &request.encode_to_vec());
        let decoded = AuthorizeStreamRequest::decode(bytes).unwrap();
        assert_eq!(decoded.id, id);
        assert_eq!(decoded.request, Some(request));
    }
}
