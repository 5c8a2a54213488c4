//! The request file format shared by `tollgate workload`, `tollgate bench`
//! and the load tester: JSON Lines, one request a line,
//!
//! ```json
//! {"principal": "arn:aws:iam::111122223333:user/u-00042", "action": "s3:GetObject",
//!  "resource": "arn:aws:s3:::bucket-0042/data/object-7.json",
//!  "context": {"aws:SourceIp": ["10.1.2.3"]}, "expect": "ALLOWED"}
//! ```
//!
//! `context` is optional (key → list of strings); `expect` is optional when
//! reading and is one of `ALLOWED`, `EXPLICIT_DENY`, `IMPLICIT_DENY`.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use tollgate_policy::{DecisionKind, Request, RequestContext, RequestPrincipal};

use crate::WorkloadError;

/// One line of a request file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabeledRequest {
    /// The principal ARN (user, role, assumed-role session ...).
    pub principal: String,
    /// `service:Action`.
    pub action: String,
    /// The resource ARN.
    pub resource: String,
    /// Context keys and their values.
    pub context: BTreeMap<String, Vec<String>>,
    /// The answer the request must get, when known.
    pub expect: Option<DecisionKind>,
}

/// The file format's spelling of a decision: `ALLOWED`, `EXPLICIT_DENY`,
/// `IMPLICIT_DENY`.
pub fn expect_str(kind: DecisionKind) -> &'static str {
    match kind {
        DecisionKind::Allowed => "ALLOWED",
        DecisionKind::ExplicitDeny => "EXPLICIT_DENY",
        DecisionKind::ImplicitDeny => "IMPLICIT_DENY",
    }
}

/// Reads the file format's spelling of a decision.
pub fn parse_expect(text: &str) -> Option<DecisionKind> {
    match text {
        "ALLOWED" => Some(DecisionKind::Allowed),
        "EXPLICIT_DENY" => Some(DecisionKind::ExplicitDeny),
        "IMPLICIT_DENY" => Some(DecisionKind::ImplicitDeny),
        _ => None,
    }
}

impl LabeledRequest {
    /// The request as the engine takes it.
    pub fn to_request(&self) -> Result<Request, WorkloadError> {
        let principal =
            RequestPrincipal::parse(&self.principal).map_err(WorkloadError::Principal)?;
        let mut request = Request::new(principal, self.action.clone(), self.resource.clone());
        let mut context = RequestContext::new();
        for (key, values) in &self.context {
            context.insert(key, values.clone());
        }
        request.context = context;
        Ok(request)
    }

    /// The line's JSON (without the newline), keys in the documented order.
    pub fn to_json_line(&self) -> String {
        let mut object = Map::new();
        object.insert("principal".into(), json!(self.principal));
        object.insert("action".into(), json!(self.action));
        object.insert("resource".into(), json!(self.resource));
        if !self.context.is_empty() {
            object.insert("context".into(), json!(self.context));
        }
        if let Some(kind) = self.expect {
            object.insert("expect".into(), json!(expect_str(kind)));
        }
        Value::Object(object).to_string()
    }

    /// Reads one line; `line_number` (1-based) goes into the error.
    pub fn from_json_line(line: &str, line_number: usize) -> Result<Self, WorkloadError> {
        let fault =
            |message: String| WorkloadError::Shape(format!("line {line_number}: {message}"));
        let value: Value =
            serde_json::from_str(line).map_err(|e| fault(format!("not JSON: {e}")))?;
        let Value::Object(object) = value else {
            return Err(fault("not a JSON object".into()));
        };
        for key in object.keys() {
            if !matches!(
                key.as_str(),
                "principal" | "action" | "resource" | "context" | "expect"
            ) {
                return Err(fault(format!("unknown field `{key}`")));
            }
        }
        let text = |field: &str| -> Result<String, WorkloadError> {
            match object.get(field) {
                Some(Value::String(s)) => Ok(s.clone()),
                Some(_) => Err(fault(format!("`{field}` is not a string"))),
                None => Err(fault(format!("`{field}` is missing"))),
            }
        };
        let mut context = BTreeMap::new();
        match object.get("context") {
            None | Some(Value::Null) => {}
            Some(Value::Object(keys)) => {
                for (key, values) in keys {
                    let list = match values {
                        Value::String(s) => vec![s.clone()],
                        Value::Array(items) => items
                            .iter()
                            .enumerate()
                            .map(|(i, item)| match item {
                                Value::String(s) => Ok(s.clone()),
                                _ => Err(fault(format!("`context.{key}[{i}]` is not a string"))),
                            })
                            .collect::<Result<_, _>>()?,
                        _ => {
                            return Err(fault(format!("`context.{key}` is not a list of strings")));
                        }
                    };
                    context.insert(key.clone(), list);
                }
            }
            Some(_) => return Err(fault("`context` is not an object".into())),
        }
        let expect = match object.get("expect") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(parse_expect(s).ok_or_else(|| {
                fault(format!(
                    "`expect` is `{s}`, not ALLOWED, EXPLICIT_DENY or IMPLICIT_DENY"
                ))
            })?),
            Some(_) => return Err(fault("`expect` is not a string".into())),
        };
        Ok(Self {
            principal: text("principal")?,
            action: text("action")?,
            resource: text("resource")?,
            context,
            expect,
        })
    }
}

/// Reads a whole request file; blank lines are skipped.
pub fn parse_request_lines(text: &str) -> Result<Vec<LabeledRequest>, WorkloadError> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| LabeledRequest::from_json_line(line, i + 1))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_round_trips() {
        let mut context = BTreeMap::new();
        context.insert("aws:SourceIp".to_owned(), vec!["10.1.2.3".to_owned()]);
        let request = LabeledRequest {
            principal: "arn:aws:iam::111122223333:user/a".into(),
            action: "s3:GetObject".into(),
            resource: "arn:aws:s3:::b/k".into(),
            context,
            expect: Some(DecisionKind::ExplicitDeny),
        };
        let line = request.to_json_line();
        assert!(line.contains("\"expect\":\"EXPLICIT_DENY\""), "{line}");
        assert_eq!(LabeledRequest::from_json_line(&line, 1).unwrap(), request);
        assert!(request.to_request().is_ok());
    }

    #[test]
    fn faults_name_the_line_and_field() {
        let err = parse_request_lines(
            "{\"principal\":\"p\",\"action\":\"a\",\"resource\":\"r\"}\n\n{\"principal\":\"p\",\"action\":1,\"resource\":\"r\"}",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("line 3") && err.contains("`action`"), "{err}");
        let err = LabeledRequest::from_json_line(
            "{\"principal\":\"p\",\"action\":\"a\",\"resource\":\"r\",\"expect\":\"YES\"}",
            7,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("line 7") && err.contains("YES"), "{err}");
        let err = LabeledRequest::from_json_line(
            "{\"principal\":\"p\",\"action\":\"a\",\"resource\":\"r\",\"context\":{\"k\":[1]}}",
            2,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("context.k[0]"), "{err}");
    }
}
