//! The `CheckResponse`s: allowed (`OK`, with the configured headers added,
//! replacing any the client sent), denied (`PERMISSION_DENIED` and an HTTP
//! 403 with a small JSON body), or not ready (`UNAVAILABLE`, HTTP 503).

use envoy_types::pb::envoy::config::core::v3::header_value_option::HeaderAppendAction;
use envoy_types::pb::envoy::config::core::v3::{HeaderValue, HeaderValueOption};
use envoy_types::pb::envoy::service::auth::v3::check_response::HttpResponse;
use envoy_types::pb::envoy::service::auth::v3::{
    CheckResponse, DeniedHttpResponse, OkHttpResponse,
};
use envoy_types::pb::envoy::r#type::v3::{HttpStatus, StatusCode};
use envoy_types::pb::google::rpc;
use serde_json::json;
use tollgate_policy::{DecisiveStatement, Effect, Explanation, Request};

use super::Outcome;

/// The header an allowed, explained request gets: its decisive statements.
pub const DECISIVE_HEADER: &str = "x-tollgate-decisive";

/// What the explain header asked for: the mapped request and the
/// statements that decided it.
#[derive(Debug)]
pub(crate) struct Explained<'a> {
    pub(crate) request: &'a Request,
    pub(crate) decisive: Vec<DecisiveStatement>,
    /// Why the store could not place the request (an unknown principal).
    pub(crate) reason: Option<String>,
    /// For an implicit deny, why.
    pub(crate) explanation: Option<Explanation>,
}

/// A denial being built.
#[derive(Debug)]
pub(crate) struct Answer {
    outcome: Outcome,
    body: serde_json::Value,
    request_id: String,
}

impl Answer {
    /// A denial: `reason` goes into the body; with `explained`, the mapped
    /// request, the decisive statements and (implicit deny) the
    /// explanation too.
    pub(crate) fn denied(
        outcome: Outcome,
        request_id: &str,
        reason: String,
        explained: Option<&Explained<'_>>,
    ) -> Self {
        let mut body = json!({
            "decision": outcome.decision(),
            "request_id": request_id,
            "reason": reason,
        });
        if let (Some(explained), Some(map)) = (explained, body.as_object_mut()) {
            map.insert(
                "principal".into(),
                explained.request.principal().text().into(),
            );
            map.insert("action".into(), explained.request.action.clone().into());
            map.insert("resource".into(), explained.request.resource.clone().into());
            map.insert("decisive".into(), decisive_json(&explained.decisive));
            if let Some(reason) = &explained.reason {
                map.insert("store_reason".into(), reason.clone().into());
            }
            if let Some(explanation) = &explained.explanation {
                map.insert("explanation".into(), explanation.to_json());
            }
        }
        Self {
            outcome,
            body,
            request_id: request_id.to_owned(),
        }
    }

    /// The `CheckResponse`.
    pub(crate) fn into_response(self) -> CheckResponse {
        let (code, http) = if self.outcome == Outcome::NotReady {
            (tonic::Code::Unavailable, StatusCode::ServiceUnavailable)
        } else {
            (tonic::Code::PermissionDenied, StatusCode::Forbidden)
        };
        let body = format!("{}\n", self.body);
        CheckResponse {
            status: Some(rpc::Status {
                code: code as i32,
                message: self.outcome.decision().to_owned(),
                details: Vec::new(),
            }),
            http_response: Some(HttpResponse::DeniedResponse(DeniedHttpResponse {
                status: Some(HttpStatus { code: http as i32 }),
                headers: vec![
                    header("content-type", "application/json"),
                    header("x-request-id", &self.request_id),
                ],
                body,
            })),
            ..CheckResponse::default()
        }
    }

    /// An allowed request: `OK` with `headers` set on the request sent
    /// upstream; with `explained`, the decisive statements in
    /// [`DECISIVE_HEADER`].
    pub(crate) fn allowed(
        headers: Vec<(String, String)>,
        explained: Option<&Explained<'_>>,
    ) -> CheckResponse {
        let mut options: Vec<HeaderValueOption> = headers
            .iter()
            .map(|(name, value)| header(name, value))
            .collect();
        if let Some(explained) = explained {
            let statements: Vec<String> = explained.decisive.iter().map(statement_text).collect();
            options.push(header(DECISIVE_HEADER, &statements.join(", ")));
        }
        ok(options)
    }

    /// A request no route matched, allowed by `unmapped = "allow"`: `OK`
    /// with nothing added.
    pub(crate) fn unmapped_allowed() -> CheckResponse {
        ok(Vec::new())
    }
}

fn ok(headers: Vec<HeaderValueOption>) -> CheckResponse {
    CheckResponse {
        status: Some(rpc::Status {
            code: tonic::Code::Ok as i32,
            message: String::new(),
            details: Vec::new(),
        }),
        http_response: Some(HttpResponse::OkResponse(OkHttpResponse {
            headers,
            ..OkHttpResponse::default()
        })),
        ..CheckResponse::default()
    }
}

/// A header that replaces any of the same name.
fn header(name: &str, value: &str) -> HeaderValueOption {
    HeaderValueOption {
        header: Some(HeaderValue {
            key: name.to_owned(),
            value: value.to_owned(),
            ..HeaderValue::default()
        }),
        append_action: HeaderAppendAction::OverwriteIfExistsOrAdd as i32,
        ..HeaderValueOption::default()
    }
}

/// The decisive statements of a deny body; SCP and RCP statements also
/// have `level` (the root id, OU path or account id they are attached at).
fn decisive_json(statements: &[DecisiveStatement]) -> serde_json::Value {
    statements
        .iter()
        .map(|s| {
            let mut entry = json!({
                "policy": s.policy,
                "index": s.index,
                "sid": s.sid,
                "effect": effect(s.effect),
            });
            if let (Some(level), Some(map)) = (&s.level, entry.as_object_mut()) {
                map.insert("level".into(), level.label().into());
            }
            entry
        })
        .collect()
}

/// `POLICY[INDEX]`, then ` @LEVEL` for an SCP or RCP statement, then
/// ` (SID)` when it has one.
fn statement_text(statement: &DecisiveStatement) -> String {
    let mut text = format!("{}[{}]", statement.policy, statement.index);
    if let Some(level) = &statement.level {
        text.push_str(" @");
        text.push_str(&level.label());
    }
    if let Some(sid) = &statement.sid {
        text.push_str(&format!(" ({sid})"));
    }
    text
}

fn effect(effect: Effect) -> &'static str {
    match effect {
        Effect::Allow => "Allow",
        Effect::Deny => "Deny",
    }
}

#[cfg(test)]
mod tests {
    use tollgate_policy::OrgLevel;

    use super::*;

    #[test]
    fn control_policy_statements_show_their_level() {
        let full = "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess";
        let statements = [
            DecisiveStatement {
                policy: full.into(),
                index: 0,
                sid: None,
                effect: Effect::Allow,
                level: Some(OrgLevel {
                    index: 1,
                    name: Some("r-ab12/ou-ab12-apps".into()),
                }),
            },
            DecisiveStatement {
                policy: "accounts/111122223333/policies/p.json".into(),
                index: 2,
                sid: Some("S".into()),
                effect: Effect::Allow,
                level: None,
            },
        ];
        let text: Vec<String> = statements.iter().map(statement_text).collect();
        assert_eq!(
            text,
            [
                format!("{full}[0] @r-ab12/ou-ab12-apps"),
                "accounts/111122223333/policies/p.json[2] (S)".to_owned()
            ]
        );
        let json = decisive_json(&statements);
        assert_eq!(json[0]["level"], "r-ab12/ou-ab12-apps");
        assert!(json[1].get("level").is_none());
    }
}
