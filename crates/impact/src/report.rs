//! How diff and replay reports are written: a readable report (most severe
//! first, long lists shortened) and JSON (everything).

use std::fmt::Write;

use serde_json::{Value, json};

use crate::diff::{DiffReport, Finding};
use crate::universe::{ContextAssignment, OTHER_VALUE};

/// Items of a list a readable report shows before "and N more".
const SHOWN: usize = 8;

fn shortened(items: &[String]) -> String {
    let mut text = items
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOWN {
        let _ = write!(text, ", and {} more", items.len() - SHOWN);
    }
    text
}

fn assignment_text(a: &ContextAssignment) -> String {
    if a.is_empty() {
        return "(no keys)".to_owned();
    }
    let keys = a
        .iter()
        .map(|(k, v)| match v.as_deref() {
            Some(OTHER_VALUE) => format!("{k}=(a value no condition names)"),
            Some(v) => format!("{k}={v}"),
            None => format!("{k} absent"),
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!("{{{keys}}}")
}

fn action_texts(f: &Finding) -> Vec<String> {
    f.actions
        .iter()
        .map(|a| {
            if a.outside_catalog {
                format!("{} (outside the catalog)", a.name)
            } else {
                a.name.to_string()
            }
        })
        .collect()
}

/// The readable diff report.
pub fn diff_text(report: &DiffReport) -> String {
    let mut out = String::new();
    if report.findings.is_empty() {
        let _ = writeln!(
            out,
            "no access changed ({} of {} principals checked, {} requests decided)",
            report.principals_checked, report.principals_total, report.requests_decided
        );
        return out;
    }
    for (i, f) in report.findings.iter().enumerate() {
        let _ = writeln!(
            out,
            "[{}] {} ({} -> {}){}",
            f.severity.as_str(),
            f.change.as_str(),
            f.old,
            f.new,
            if f.partial {
                ", partial: depends on conditions"
            } else {
                ""
            }
        );
        let _ = writeln!(
            out,
            "  principals ({}): {}",
            f.principals.len(),
            shortened(&f.principals)
        );
        let actions = action_texts(f);
        let _ = writeln!(
            out,
            "  actions ({}): {}",
            actions.len(),
            shortened(&actions)
        );
        let mut resource = f.resource.clone();
        if !f.except.is_empty() {
            let _ = write!(resource, " except {}", f.except.join(", "));
        }
        let _ = writeln!(out, "  resource: {resource}");
        if !f.old_statements.is_empty() {
            let _ = writeln!(out, "  before: {}", f.old_statements.join("; "));
        }
        if !f.new_statements.is_empty() {
            let _ = writeln!(out, "  now: {}", f.new_statements.join("; "));
        }
        if f.partial {
            if !f.residual.is_empty() {
                let _ = writeln!(out, "  residual conditions: {}", f.residual.join("; "));
            }
            let when: Vec<String> = f.when.iter().map(assignment_text).collect();
            let _ = writeln!(
                out,
                "  when: {}{}",
                shortened(&when),
                if f.exhaustive {
                    ""
                } else {
                    " (keys tried one at a time)"
                }
            );
        }
        if i + 1 < report.findings.len() {
            out.push('\n');
        }
    }
    let grants = report
        .findings
        .iter()
        .filter(|f| f.change == crate::ChangeKind::Granted)
        .count();
    let _ = writeln!(
        out,
        "\n{} findings ({} grant access); {} of {} principals checked, {} requests decided",
        report.findings.len(),
        grants,
        report.principals_checked,
        report.principals_total,
        report.requests_decided
    );
    out
}

fn assignment_json(a: &ContextAssignment) -> Value {
    let mut map = serde_json::Map::new();
    for (k, v) in a {
        map.insert(k.clone(), v.clone().map_or(Value::Null, Value::String));
    }
    Value::Object(map)
}

/// The diff report as JSON.
pub fn diff_json(report: &DiffReport) -> Value {
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            json!({
                "severity": f.severity.as_str(),
                "change": f.change.as_str(),
                "from": f.old.as_str(),
                "to": f.new.as_str(),
                "principals": f.principals,
                "actions": f.actions.iter().map(|a| json!({"action": a.name.as_ref(), "outsideCatalog": a.outside_catalog})).collect::<Vec<_>>(),
                "resource": f.resource,
                "except": f.except,
                "example": f.example,
                "before": f.old_statements,
                "now": f.new_statements,
                "partial": f.partial,
                "residualConditions": f.residual,
                "when": f.when.iter().map(assignment_json).collect::<Vec<_>>(),
                "contextsExhaustive": f.exhaustive,
            })
        })
        .collect();
    json!({
        "findings": findings,
        "principalsChecked": report.principals_checked,
        "principalsTotal": report.principals_total,
        "requestsDecided": report.requests_decided,
    })
}
