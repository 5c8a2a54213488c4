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

/// The most bytes of a request a record carries with
/// `audit-record-requests`: the resource account, the context's keys and
/// values and the session policy documents, counted together. A larger
/// request is recorded without them, as truncated (`requestTruncated`), and
/// `tollgate replay` reports it as not replayable instead of deciding it
/// without what decided it.
pub const MAX_RECORDED_REQUEST_BYTES: usize = 64 << 10;

/// What a faithful replay needs besides the principal, action and resource
/// (`audit-record-requests`): the request's context and session policies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordedRequest {
    /// The whole request.
    Whole {
        /// The resource's account, when the caller gave it.
        resource_account: Option<String>,
        /// The context the request was decided with, keys in order.
        context: Vec<(String, Vec<String>)>,
        /// The session policy documents, as the caller sent them.
        session_policies: Vec<String>,
    },
    /// Left out: larger than the limit.
    Truncated {
        /// The bytes it would have taken.
        bytes: usize,
    },
}

impl RecordedRequest {
    /// The context and session policies of `request`, or [`Self::Truncated`]
    /// when together they take more than `limit` bytes (measured before
    /// anything is copied).
    pub fn of(request: &Request, session_policies: &[String], limit: usize) -> Self {
        let context_bytes: usize = request
            .context
            .entries()
            .iter()
            .map(|e| e.key().len() + e.values().iter().map(|v| v.len()).sum::<usize>())
            .sum();
        let bytes = context_bytes
            + session_policies.iter().map(String::len).sum::<usize>()
            + request.resource_account.as_ref().map_or(0, String::len);
        if bytes > limit {
            return Self::Truncated { bytes };
        }
        Self::Whole {
            resource_account: request.resource_account.clone(),
            context: request
                .context
                .entries()
                .iter()
                .map(|e| {
                    let values = e.values().iter().map(|v| v.to_string()).collect();
                    (e.key().to_owned(), values)
                })
                .collect(),
            session_policies: session_policies.to_vec(),
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
    /// The request's context and session policies, with
    /// `audit-record-requests` ([`AuditLog::request_of`](super::AuditLog::request_of)).
    pub request: Option<RecordedRequest>,
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
            request: None,
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
        let mut line = Line {
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
            resource_account: None,
            context: None,
            session_policies: None,
            request_recorded: None,
            request_truncated: None,
            request_bytes: None,
        };
        match &self.request {
            None => {}
            Some(RecordedRequest::Whole {
                resource_account,
                context,
                session_policies,
            }) => {
                line.resource_account = resource_account.as_deref();
                line.context = Some(
                    context
                        .iter()
                        .map(|(key, values)| (key.clone(), serde_json::json!(values)))
                        .collect(),
                );
                line.session_policies = (!session_policies.is_empty()).then_some(session_policies);
                line.request_recorded = Some(true);
            }
            Some(RecordedRequest::Truncated { bytes }) => {
                line.request_truncated = Some(true);
                line.request_bytes = Some(*bytes);
            }
        }
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
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_account: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    context: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_policies: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_recorded: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_truncated: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_bytes: Option<usize>,
}
