//! Answers questions against one store snapshot: the fast `decide` path, or
//! with `explain` the decisive statements, a reason and, for an implicit
//! deny, the explanation. Each decision is
//! counted and timed (session policy compilation excluded), and handed to
//! the audit log when one is on (a non-blocking push).

use std::time::Instant;

use tollgate_policy::{ContextRules, DecisionKind, ParseLimits};
use tollgate_proto::v1::{AuthorizeRequest, AuthorizeResponse};

use super::observe::EdgeMetrics;
use super::session::CompiledSession;
use crate::audit::{AuditLog, AuditRecord, AuditStatement};
use crate::metrics::IGNORED_CONTEXT_KEYS;
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
    /// Reads one request within `limits` (the server's configured limits,
    /// already checked by `guard`, so the conversion never refuses what the
    /// configuration allows) and compiles its session policies.
    /// The request rules apply with `rules` (`caller-principal-keys`); a
    /// caller's principal keys dropped under `ignore` are counted.
    pub(crate) fn read(
        message: AuthorizeRequest,
        limits: &ParseLimits,
        rules: ContextRules,
    ) -> Result<Self, ConvertError> {
        let question = convert::question_with(message, limits, rules)?;
        if question.ignored_keys > 0 {
            metrics::counter!(IGNORED_CONTEXT_KEYS).increment(question.ignored_keys as u64);
        }
        let session = CompiledSession::compile(&question.session_policies)?;
        Ok(Self { question, session })
    }

    /// The answer from `snapshot`, counted in `metrics`; recorded in
    /// `audit` (when on) under the caller's `request_id`, if any.
    pub(crate) fn answer(
        &self,
        snapshot: &Snapshot,
        metrics: &EdgeMetrics,
        audit: Option<&AuditLog>,
        request_id: Option<&str>,
    ) -> AuthorizeResponse {
        let store = &snapshot.store;
        let request = &self.question.request;
        let session = self.session.as_ref().map(CompiledSession::tables);
        let start = Instant::now();
        let (kind, decisive, reason, explanation) = if self.question.explain {
            let (decision, reason) = store.evaluate(request, session);
            let reason = reason.map(|r| r.to_string()).unwrap_or_default();
            (
                decision.kind,
                decision.decisive,
                reason,
                decision.explanation,
            )
        } else {
            (
                store.decide(request, session).kind,
                Vec::new(),
                String::new(),
                None,
            )
        };
        let latency = start.elapsed();
        metrics.decision(kind, latency);
        if let Some(log) = audit
            && let Some(id) = log.admit(kind, request_id)
        {
            let statements = decisive.iter().map(AuditStatement::from).collect();
            let mut record =
                AuditRecord::of(id, request, kind, statements, store.revision(), latency);
            record.explanation = explanation.clone();
            record.request = log.request_of(request, &self.question.session_policies);
            log.record(record);
        }
        tracing::debug!(
            principal = request.principal().text(),
            action = request.action.as_str(),
            resource = request.resource.as_str(),
            decision = kind.as_str(),
            "decided"
        );
        let mut response = response(kind, store.revision(), convert::decisive(decisive), reason);
        response.explanation = explanation.as_ref().map(convert::explanation);
        response
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
        explanation: None,
    }
}
