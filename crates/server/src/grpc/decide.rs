//! Answers questions against one store snapshot: the fast `decide` path, or
//! with `explain` the decisive statements and a reason. Each decision is
//! counted and timed (session policy compilation excluded).

use std::time::Instant;

use tollgate_policy::{DecisionKind, ParseLimits};
use tollgate_proto::v1::{AuthorizeRequest, AuthorizeResponse};

use super::observe::record_decision;
use super::session::CompiledSession;
use crate::state::Snapshot;
use tollgate_wire::{self as convert, ConvertError, Question};

/// A question read from the wire with its session policies compiled: all a
/// decision needs, so a batch can check every request before deciding any.
#[derive(Debug)]
pub(crate) struct Prepared {
    question: Question,
    session: Option<CompiledSession>,
}

impl Prepared {
    /// Reads one request and compiles its session policies.
    pub(crate) fn read(message: AuthorizeRequest) -> Result<Self, ConvertError> {
        let question = convert::question(message, &ParseLimits::default())?;
        let session = CompiledSession::compile(&question.session_policies)?;
        Ok(Self { question, session })
    }

    /// The answer from `snapshot`.
    pub(crate) fn answer(&self, snapshot: &Snapshot) -> AuthorizeResponse {
        let store = &snapshot.store;
        let request = &self.question.request;
        let session = self.session.as_ref().map(CompiledSession::tables);
        let start = Instant::now();
        let (kind, decisive, reason) = if self.question.explain {
            let (decision, reason) = store.evaluate(request, session);
            let reason = reason.map(|r| r.to_string()).unwrap_or_default();
            (decision.kind, convert::decisive(decision.decisive), reason)
        } else {
            (
                store.decide(request, session).kind,
                Vec::new(),
                String::new(),
            )
        };
        record_decision(kind, start.elapsed());
        tracing::debug!(
            principal = request.principal().text(),
            action = request.action.as_str(),
            resource = request.resource.as_str(),
            decision = kind.as_str(),
            "decided"
        );
        response(kind, store.revision(), decisive, reason)
    }
}

fn response(
    kind: DecisionKind,
    revision: &str,
    decisive: Vec<tollgate_proto::v1::DecisiveStatement>,
    reason: String,
) -> AuthorizeResponse {
    AuthorizeResponse {
        decision: convert::decision(kind).into(),
        revision: revision.to_owned(),
        decisive,
        reason,
    }
}
