//! [`AuditRecord`]: one decision as the request path hands it over, and
//! its JSON line, written by the writer thread.

use std::io::{self, Write};
use std::time::{Duration, SystemTime};

use serde::Serialize;
use tollgate_policy::{DecisionKind, Request};

/// The context keys read as the source identity, in order.
const SOURCE_IDENTITY_KEYS: [&str; 2] = ["sts:SourceIdentity", "aws:SourceIdentity"];

/// A request's id: given by the caller (`x-request-id`), or a sequence
/// number the log turns into a 32-hex-digit id unique to this process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestId {
    /// As the caller gave it.
    Given(String),
    /// Made by the log.
    Generated(u64),
}

/// A statement that decided, as the record lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditStatement {
    /// Where the policy is (a store path, a managed policy ARN ...).
    pub policy: String,
    /// Its position in the policy's `Statement` list.
    pub index: u32,
    /// Its `Sid`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// `Allow` or `Deny`.
    pub effect: &'static str,
    /// For an SCP or RCP statement, the organization level it is attached
    /// at (a root id, an OU path, an account id; a scenario level's index).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
}

impl From<&tollgate_policy::DecisiveStatement> for AuditStatement {
    fn from(statement: &tollgate_policy::DecisiveStatement) -> Self {
        Self {
            policy: statement.policy.clone(),
            index: u32::try_from(statement.index).unwrap_or(u32::MAX),
            sid: statement.sid.clone(),
            effect: statement.effect.as_str(),
            level: statement.level.as_ref().map(|level| level.label()),
        }
    }
}

/// One decision to write.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    /// When it was decided.
    pub time: SystemTime,
    /// The request's id ([`AuditLog::admit`](super::AuditLog::admit) gives it).
    pub request_id: RequestId,
    /// The principal as given.
    pub principal: String,
    /// A role session's name.
    pub session_name: Option<String>,
    /// `sts:SourceIdentity` (or `aws:SourceIdentity`) from the context.
    pub source_identity: Option<String>,
    /// The action.
    pub action: String,
    /// The resource.
    pub resource: String,
    /// The decision.
    pub decision: DecisionKind,
    /// The decisive statements, when the decision was explained.
    pub decisive: Vec<AuditStatement>,
    /// The store revision that decided.
    pub revision: String,
    /// The time to decide.
    pub latency: Duration,
    /// For an implicit deny that was explained, why (written as
    /// `explanation`, the shape of [`tollgate_policy::Explanation::to_json`]).
    pub explanation: Option<tollgate_policy::Explanation>,
}

impl AuditRecord {
    /// The record of `request` decided as `decision` by `revision`.
    pub fn of(
        request_id: RequestId,
        request: &Request,
        decision: DecisionKind,
        decisive: Vec<AuditStatement>,
        revision: &str,
        latency: Duration,
    ) -> Self {
        let principal = request.principal();
        let source_identity = SOURCE_IDENTITY_KEYS.iter().find_map(|key| {
            request
                .context
                .get(key)
                .and_then(|values| values.first())
                .map(|value| value.to_string())
        });
        Self {
            time: SystemTime::now(),
            request_id,
            principal: principal.text().to_owned(),
            session_name: principal.session_name().map(str::to_owned),
            source_identity,
            action: request.action.clone(),
            resource: request.resource.clone(),
            decision,
            decisive,
            revision: revision.to_owned(),
            latency,
            explanation: None,
        }
    }

    /// Writes the record as one JSON line; `boot` makes generated request
    /// ids unique to the process.
    pub(crate) fn write_line(&self, boot: u64, out: &mut impl Write) -> io::Result<()> {
        let time = chrono::DateTime::<chrono::Utc>::from(self.time)
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let generated;
        let request_id = match &self.request_id {
            RequestId::Given(id) => id.as_str(),
            RequestId::Generated(n) => {
                generated = format!("{boot:016x}{n:016x}");
                generated.as_str()
            }
        };
        let line = Line {
            time,
            request_id,
            principal: &self.principal,
            session_name: self.session_name.as_deref(),
            source_identity: self.source_identity.as_deref(),
            action: &self.action,
            resource: &self.resource,
            decision: self.decision.as_str(),
            decisive: &self.decisive,
            revision: &self.revision,
            latency_us: u64::try_from(self.latency.as_micros()).unwrap_or(u64::MAX),
            explanation: self.explanation.as_ref().map(|e| e.to_json()),
        };
        serde_json::to_writer(&mut *out, &line).map_err(io::Error::other)?;
        out.write_all(b"\n")
    }
}

/// The JSON line's fields, in order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Line<'a> {
    time: String,
    request_id: &'a str,
    principal: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_identity: Option<&'a str>,
    action: &'a str,
    resource: &'a str,
    decision: &'a str,
    decisive: &'a [AuditStatement],
    revision: &'a str,
    latency_us: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<serde_json::Value>,
}
