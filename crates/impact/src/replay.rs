//! `tollgate replay`: recorded decisions re-decided against a candidate
//! store. A record is one JSON object per line: the request (`principal`,
//! `action`, `resource`, optional `resourceAccount`, `context`,
//! `sessionPolicies`) and the decision it got (`decision`). Audit log lines
//! are such records; without `--audit-record-requests` they lack the
//! context and session policies, and the report counts them as
//! `withoutRequest` (their replay decides with no context keys). A record
//! whose request was too large to record (`requestTruncated`) is not
//! decided at all: it is counted as `notReplayable`, since deciding it
//! without its context could report a flip that is not one, or miss one.
//!
//! Every flip is counted by kind, principal and action; the first few of
//! each kind are kept as samples with the statements that decided them now.

use std::collections::BTreeMap;
use std::io::BufRead;

use serde_json::{Map, Value, json};
use tollgate_policy::{DecisionKind, Request, RequestPrincipal};
use tollgate_store::{SessionTables, Store, compile_session_policies};

/// The longest record line read, in bytes.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

/// Samples kept per kind of flip.
pub const SAMPLES_PER_KIND: usize = 5;

/// Why a record could not be replayed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct RecordError {
    /// The 1-based line.
    pub line: usize,
    /// What is wrong, naming the field.
    pub message: String,
}

/// Why a replay stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The input could not be read.
    #[error("cannot read the records: {0}")]
    Io(#[from] std::io::Error),
    /// A line is longer than [`MAX_LINE_BYTES`].
    #[error("line {0} is longer than {MAX_LINE_BYTES} bytes")]
    LineTooLong(usize),
}

/// One recorded decision, read.
#[derive(Debug)]
pub struct Record {
    /// The request.
    pub request: Request,
    /// Session policies, as JSON values.
    pub session_policies: Vec<Value>,
    /// The decision recorded.
    pub decision: DecisionKind,
    /// True when the record carries the request's context (or says it had none).
    pub has_request: bool,
    /// True when the audit log left the request's context out as too large
    /// (`requestTruncated`): the record cannot be replayed faithfully.
    pub truncated: bool,
}

fn text<'a>(object: &'a Map<String, Value>, field: &str) -> Result<Option<&'a str>, String> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("`{field}` must be a string")),
    }
}

fn context_values(key: &str, value: &Value) -> Result<Vec<String>, String> {
    let one = |v: &Value| match v {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(format!(
            "`context.{key}` must be a string, number, boolean or a list of them"
        )),
    };
    match value {
        Value::Array(items) => items.iter().map(one).collect(),
        v => Ok(vec![one(v)?]),
    }
}

/// A decision as records spell it (`allowed`, or `ALLOWED` as the
/// gRPC enum and workload files do).
fn decision_of(text: &str) -> Option<DecisionKind> {
    DecisionKind::parse(text).or(match text {
        "ALLOWED" => Some(DecisionKind::Allowed),
        "EXPLICIT_DENY" => Some(DecisionKind::ExplicitDeny),
        "IMPLICIT_DENY" => Some(DecisionKind::ImplicitDeny),
        _ => None,
    })
}

/// Reads one record line.
pub fn read_record(line: &str) -> Result<Record, String> {
    let value: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(object) = value else {
        return Err("a record must be a JSON object".to_owned());
    };
    let field = |name: &str| -> Result<&str, String> {
        text(&object, name)?.ok_or_else(|| format!("`{name}` is missing"))
    };
    let principal = RequestPrincipal::parse(field("principal")?)
        .map_err(|e| format!("`principal`: {}", e.problem()))?;
    let mut request = Request::checked(principal, field("action")?, field("resource")?)
        .map_err(|e| format!("`{}`: {}", e.field, e.message))?;
    request.resource_account = text(&object, "resourceAccount")?.map(str::to_owned);
    // `decision` (audit log), or `expect` (`tollgate workload` request files).
    let (name, recorded) = match text(&object, "decision")? {
        Some(d) => ("decision", d),
        None => (
            "expect",
            field("expect").map_err(|_| "`decision` is missing".to_owned())?,
        ),
    };
    let decision = decision_of(recorded)
        .ok_or_else(|| format!("`{name}` must be allowed, explicitDeny or implicitDeny"))?;
    let mut has_request = object.contains_key("context") || object.contains_key("sessionPolicies");
    match object.get("context") {
        None | Some(Value::Null) => {}
        Some(Value::Object(context)) => {
            for (key, value) in context {
                request.context.insert(key, context_values(key, value)?);
            }
        }
        Some(_) => return Err("`context` must be an object".to_owned()),
    }
    let session_policies = match object.get("sessionPolicies") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(_) => return Err("`sessionPolicies` must be a list".to_owned()),
    };
    // An audit record written with request recording says so.
    if object.get("requestRecorded") == Some(&Value::Bool(true)) {
        has_request = true;
    }
    let truncated = match object.get("requestTruncated") {
        None | Some(Value::Null | Value::Bool(false)) => false,
        Some(Value::Bool(true)) => true,
        Some(_) => return Err("`requestTruncated` must be a boolean".to_owned()),
    };
    Ok(Record {
        request,
        session_policies,
        decision,
        has_request,
        truncated,
    })
}

/// A flip kept as an example.
#[derive(Debug, Clone)]
pub struct Sample {
    /// The 1-based line.
    pub line: usize,
    /// Principal, action, resource.
    pub request: (String, String, String),
    /// Recorded decision.
    pub from: DecisionKind,
    /// The candidate's decision.
    pub to: DecisionKind,
    /// The statements that decided it now.
    pub statements: Vec<String>,
}

/// What a replay found.
#[derive(Debug, Default)]
pub struct ReplayReport {
    /// Records replayed.
    pub replayed: usize,
    /// Records whose line could not be read.
    pub unreadable: Vec<RecordError>,
    /// Records without the request's context and session policies.
    pub without_request: usize,
    /// Records whose request the audit log left out as too large
    /// (`requestTruncated`): not decided; the 1-based line and the
    /// decision recorded.
    pub not_replayable: Vec<(usize, DecisionKind)>,
    /// Flips by (from, to).
    pub flips: BTreeMap<(String, String), usize>,
    /// Flips by principal.
    pub by_principal: BTreeMap<String, usize>,
    /// Flips by action.
    pub by_action: BTreeMap<String, usize>,
    /// Up to [`SAMPLES_PER_KIND`] flips per kind.
    pub samples: Vec<Sample>,
}

impl ReplayReport {
    /// Flips in all.
    pub fn flip_count(&self) -> usize {
        self.flips.values().sum()
    }

    /// Records not replayable that were denied: each may be allowed now,
    /// unknown to the replay.
    pub fn denied_not_replayable(&self) -> usize {
        self.not_replayable
            .iter()
            .filter(|(_, d)| *d != DecisionKind::Allowed)
            .count()
    }

    /// Flips that allow what was denied.
    pub fn grants(&self) -> usize {
        self.flips
            .iter()
            .filter(|((_, to), _)| to == DecisionKind::Allowed.as_str())
            .map(|(_, n)| n)
            .sum()
    }
}

/// Decides one record with its session policies.
fn decide(store: &Store, record: &Record) -> Result<DecisionKind, String> {
    if record.session_policies.is_empty() {
        return Ok(store.decide(&record.request, None).kind);
    }
    let (tables, group) =
        compile_session_policies(&record.session_policies.iter().collect::<Vec<_>>())
            .map_err(|e| format!("`sessionPolicies`: {e}"))?;
    Ok(store
        .decide(
            &record.request,
            Some(SessionTables {
                tables: &tables,
                group,
            }),
        )
        .kind)
}

fn statements(store: &Store, record: &Record) -> Vec<String> {
    let session = if record.session_policies.is_empty() {
        None
    } else {
        compile_session_policies(&record.session_policies.iter().collect::<Vec<_>>()).ok()
    };
    let tables = session.as_ref().map(|(tables, group)| SessionTables {
        tables,
        group: *group,
    });
    let (decision, _) = store.evaluate(&record.request, tables);
    decision
        .decisive
        .iter()
        .map(|s| {
            let mut t = format!("{}#Statement[{}]", s.policy, s.index);
            if let Some(sid) = &s.sid {
                t.push_str(&format!(" ({sid})"));
            }
            t
        })
        .collect()
}

/// Replays every record of `input` against `candidate`. Unreadable lines are
/// listed, not fatal; an unreadable input is.
pub fn replay(candidate: &Store, input: impl BufRead) -> Result<ReplayReport, ReplayError> {
    let mut report = ReplayReport::default();
    let mut input = input;
    let mut buffer = Vec::new();
    let mut line_no = 0usize;
    loop {
        buffer.clear();
        let read = std::io::Read::take(&mut input, MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut buffer)?;
        if read == 0 {
            break;
        }
        line_no += 1;
        if buffer.len() > MAX_LINE_BYTES && buffer.last() != Some(&b'\n') {
            return Err(ReplayError::LineTooLong(line_no));
        }
        let Ok(line) = std::str::from_utf8(&buffer) else {
            report.unreadable.push(RecordError {
                line: line_no,
                message: "not UTF-8".to_owned(),
            });
            continue;
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let record = match read_record(line) {
            Ok(r) => r,
            Err(message) => {
                report.unreadable.push(RecordError {
                    line: line_no,
                    message,
                });
                continue;
            }
        };
        if record.truncated {
            report.not_replayable.push((line_no, record.decision));
            continue;
        }
        let now = match decide(candidate, &record) {
            Ok(k) => k,
            Err(message) => {
                report.unreadable.push(RecordError {
                    line: line_no,
                    message,
                });
                continue;
            }
        };
        report.replayed += 1;
        if !record.has_request {
            report.without_request += 1;
        }
        if now == record.decision {
            continue;
        }
        let kind = (record.decision.as_str().to_owned(), now.as_str().to_owned());
        let count = report.flips.entry(kind).or_default();
        *count += 1;
        let sample = *count <= SAMPLES_PER_KIND;
        let principal = record.request.principal().text().to_owned();
        *report.by_principal.entry(principal.clone()).or_default() += 1;
        *report
            .by_action
            .entry(record.request.action.clone())
            .or_default() += 1;
        if sample {
            report.samples.push(Sample {
                line: line_no,
                request: (
                    principal,
                    record.request.action.clone(),
                    record.request.resource.clone(),
                ),
                from: record.decision,
                to: now,
                statements: statements(candidate, &record),
            });
        }
    }
    Ok(report)
}

/// The replay report as JSON.
pub fn replay_json(report: &ReplayReport) -> Value {
    json!({
        "replayed": report.replayed,
        "flips": report.flip_count(),
        "byKind": report.flips.iter().map(|((from, to), n)| json!({"from": from, "to": to, "count": n})).collect::<Vec<_>>(),
        "byPrincipal": report.by_principal,
        "byAction": report.by_action,
        "samples": report.samples.iter().map(|s| json!({
            "line": s.line,
            "principal": s.request.0,
            "action": s.request.1,
            "resource": s.request.2,
            "from": s.from.as_str(),
            "to": s.to.as_str(),
            "statements": s.statements,
        })).collect::<Vec<_>>(),
        "withoutRequest": report.without_request,
        "notReplayable": report.not_replayable.len(),
        "notReplayableLines": report.not_replayable.iter().take(100).map(|(line, _)| line).collect::<Vec<_>>(),
        "unreadable": report.unreadable.iter().map(|e| json!({"line": e.line, "message": e.message})).collect::<Vec<_>>(),
    })
}

/// The readable replay report.
pub fn replay_text(report: &ReplayReport) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} records replayed, {} flips",
        report.replayed,
        report.flip_count()
    );
    for ((from, to), n) in &report.flips {
        let _ = writeln!(out, "  {from} -> {to}: {n}");
    }
    let top = |map: &BTreeMap<String, usize>| {
        let mut v: Vec<(&String, &usize)> = map.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        v.into_iter()
            .take(10)
            .map(|(k, n)| format!("    {k}: {n}"))
            .collect::<Vec<_>>()
    };
    if !report.by_principal.is_empty() {
        let _ = writeln!(
            out,
            "  by principal:\n{}",
            top(&report.by_principal).join("\n")
        );
        let _ = writeln!(out, "  by action:\n{}", top(&report.by_action).join("\n"));
    }
    for s in &report.samples {
        let _ = writeln!(
            out,
            "  line {}: {} {} {}: {} -> {}{}",
            s.line,
            s.request.0,
            s.request.1,
            s.request.2,
            s.from,
            s.to,
            if s.statements.is_empty() {
                String::new()
            } else {
                format!(" by {}", s.statements.join("; "))
            }
        );
    }
    if report.without_request > 0 {
        let _ = writeln!(
            out,
            "  {} records carry no request context (audit log written without --audit-record-requests): replayed with no context keys",
            report.without_request
        );
    }
    if !report.not_replayable.is_empty() {
        let lines: Vec<String> = report
            .not_replayable
            .iter()
            .take(10)
            .map(|(line, _)| line.to_string())
            .collect();
        let _ = writeln!(
            out,
            "  {} records not replayable: their request was larger than the audit log records (lines {}{})",
            report.not_replayable.len(),
            lines.join(", "),
            if report.not_replayable.len() > 10 {
                ", ..."
            } else {
                ""
            }
        );
    }
    for e in report.unreadable.iter().take(10) {
        let _ = writeln!(out, "  unreadable: {e}");
    }
    if report.unreadable.len() > 10 {
        let _ = writeln!(
            out,
            "  ... {} unreadable lines in all",
            report.unreadable.len()
        );
    }
    out
}
