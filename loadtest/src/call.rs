//! One call on one connection, and what its answer says: how many
//! decisions it carried, how many differ from their expectation, and the
//! store revision that decided (so a run can tell that swaps happened).

use std::time::Duration;

use envoy_types::pb::envoy::service::auth::v3::CheckResponse;
use tollgate_proto::v1::{AuthorizeBatchResponse, AuthorizeResponse, Decision};
use tonic::transport::Channel;
use tonic::{Code, Request, Status};

use crate::args::CallKind;
use crate::codec::PreEncoded;
use crate::payload::{Payload, Payloads};
use crate::requests::Verdict;

/// What a successful call answered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    /// Decisions carried (a batch counts its requests).
    pub decisions: u64,
    /// Decisions that differ from their request's `expect` (checked only
    /// when asked to; a batch answering a wrong number of requests counts
    /// every missing or extra one).
    pub mismatches: u64,
    /// The revision that decided (empty for `Check`, which does not say).
    pub revision: String,
}

/// Sends `payload` on `channel` and reads the answer; fails with the
/// call's status, or `DEADLINE_EXCEEDED` after `timeout`.
pub async fn send(
    channel: Channel,
    payloads: &Payloads,
    payload: &Payload,
    check_expect: bool,
    timeout: Duration,
) -> Result<Answer, Status> {
    let call = async {
        match payloads.kind {
            CallKind::Authorize => {
                let response: AuthorizeResponse = unary(channel, payloads, payload).await?;
                let answer = verdict_of(response.decision);
                Ok(Answer {
                    decisions: 1,
                    mismatches: u64::from(check_expect && !meets(payload.expect.first(), answer)),
                    revision: response.revision,
                })
            }
            CallKind::AuthorizeBatch => {
                let response: AuthorizeBatchResponse = unary(channel, payloads, payload).await?;
                let mismatches = if check_expect {
                    batch_mismatches(&payload.expect, &response)
                } else {
                    0
                };
                Ok(Answer {
                    decisions: response.responses.len() as u64,
                    mismatches,
                    revision: response.revision,
                })
            }
            // Streams are driven by `stream`, never one call at a time.
            CallKind::AuthorizeStream => Err(Status::unimplemented(
                "AuthorizeStream is driven by the stream driver",
            )),
            CallKind::Check => {
                let response: CheckResponse = unary(channel, payloads, payload).await?;
                let allowed = response.status.is_some_and(|s| s.code == Code::Ok as i32);
                let answer = Some(if allowed {
                    Verdict::Allowed
                } else {
                    Verdict::Denied
                });
                Ok(Answer {
                    decisions: 1,
                    mismatches: u64::from(check_expect && !meets(payload.expect.first(), answer)),
                    revision: String::new(),
                })
            }
        }
    };
    match tokio::time::timeout(timeout, call).await {
        Ok(result) => result,
        Err(_) => Err(Status::deadline_exceeded(format!(
            "no answer within {timeout:?}"
        ))),
    }
}

async fn unary<R: prost::Message + Default + Send + Sync + 'static>(
    channel: Channel,
    payloads: &Payloads,
    payload: &Payload,
) -> Result<R, Status> {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready()
        .await
        .map_err(|e| Status::unavailable(format!("connection not ready: {e}")))?;
    let response = grpc
        .unary(
            Request::new(payload.message.clone()),
            payloads.path.clone(),
            PreEncoded::<R>::default(),
        )
        .await?;
    Ok(response.into_inner())
}

/// The verdict of a wire decision; `None` for an unknown value.
pub(crate) fn verdict_of(decision: i32) -> Option<Verdict> {
    match Decision::try_from(decision) {
        Ok(Decision::Allowed) => Some(Verdict::Allowed),
        Ok(Decision::ExplicitDeny) => Some(Verdict::ExplicitDeny),
        Ok(Decision::ImplicitDeny) => Some(Verdict::ImplicitDeny),
        Ok(Decision::Unspecified) | Err(_) => None,
    }
}

/// Whether `answer` meets the expectation (no expectation: always).
pub(crate) fn meets(expect: Option<&Option<Verdict>>, answer: Option<Verdict>) -> bool {
    match (expect.copied().flatten(), answer) {
        (None, _) => true,
        (Some(expected), Some(answer)) => expected.accepts(answer),
        (Some(_), None) => false,
    }
}

fn batch_mismatches(expect: &[Option<Verdict>], response: &AuthorizeBatchResponse) -> u64 {
    let wrong = expect
        .iter()
        .zip(&response.responses)
        .filter(|(expected, answer)| !meets(Some(expected), verdict_of(answer.decision)))
        .count();
    let missing = expect.len().abs_diff(response.responses.len());
    (wrong + missing) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(decision: Decision) -> AuthorizeResponse {
        AuthorizeResponse {
            decision: decision.into(),
            ..AuthorizeResponse::default()
        }
    }

    #[test]
    fn expectations_are_met_by_matching_answers() {
        assert!(meets(Some(&None), None));
        assert!(meets(None, Some(Verdict::Allowed)));
        assert!(meets(Some(&Some(Verdict::Allowed)), Some(Verdict::Allowed)));
        assert!(!meets(
            Some(&Some(Verdict::Allowed)),
            Some(Verdict::ImplicitDeny)
        ));
        assert!(!meets(Some(&Some(Verdict::Allowed)), None));
        assert_eq!(verdict_of(99), None);
    }

    #[test]
    fn a_batch_counts_wrong_and_missing_answers() {
        let expect = [
            Some(Verdict::Allowed),
            Some(Verdict::ExplicitDeny),
            None,
            Some(Verdict::ImplicitDeny),
        ];
        let response = AuthorizeBatchResponse {
            revision: String::new(),
            responses: vec![
                answer(Decision::Allowed),
                answer(Decision::ImplicitDeny),
                answer(Decision::Allowed),
            ],
        };
        // one wrong (index 1), one missing (index 3)
        assert_eq!(batch_mismatches(&expect, &response), 2);
    }
}
