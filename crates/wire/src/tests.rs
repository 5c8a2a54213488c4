use std::collections::HashMap;

use tollgate_policy::{DecisionKind, DecisiveStatement, Effect, ParseLimits};
use tollgate_proto::v1::context_value::Value;
use tollgate_proto::v1::{self, AuthorizeRequest, ContextValue, ContextValues};

use super::context::{number_text, value_text};
use super::*;

fn request() -> AuthorizeRequest {
    AuthorizeRequest {
        principal: "arn:aws:iam::111122223333:user/alice".into(),
        action: "s3:GetObject".into(),
        resource: "arn:aws:s3:::photos/cat.jpg".into(),
        ..AuthorizeRequest::default()
    }
}

fn values(values: Vec<Option<Value>>) -> ContextValues {
    ContextValues {
        values: values
            .into_iter()
            .map(|value| ContextValue { value })
            .collect(),
    }
}

fn read(message: AuthorizeRequest) -> Result<Question, ConvertError> {
    question(message, &ParseLimits::default())
}

#[test]
fn numbers_take_their_shortest_text() {
    assert_eq!(number_text(3.0).unwrap(), "3");
    assert_eq!(number_text(-7.0).unwrap(), "-7");
    assert_eq!(number_text(0.25).unwrap(), "0.25");
    assert_eq!(number_text(0.1).unwrap(), "0.1");
    assert_eq!(number_text(-0.0).unwrap(), "0");
    assert_eq!(number_text(1e21).unwrap(), "1000000000000000000000");
    assert_eq!(number_text(1.5e-7).unwrap(), "0.00000015");
    assert_eq!(number_text(f64::NAN), None);
    assert_eq!(number_text(f64::INFINITY), None);
}

#[test]
fn every_value_type_becomes_text() {
    let limits = ParseLimits::default();
    let text = |v| value_text(ContextValue { value: Some(v) }, &limits).unwrap();
    assert_eq!(text(Value::StringValue("10.0.0.1".into())), "10.0.0.1");
    assert_eq!(text(Value::StringValue(String::new())), "");
    assert_eq!(text(Value::NumberValue(42.0)), "42");
    assert_eq!(text(Value::BoolValue(true)), "true");
    assert_eq!(text(Value::BoolValue(false)), "false");
    assert_eq!(text(Value::BinaryValue(b"Binary".to_vec())), "QmluYXJ5");
    assert_eq!(text(Value::BinaryValue(vec![0xff, 0xfe])), "//4=");
}

#[test]
fn reads_a_full_request() {
    let mut message = request();
    message.resource_account = "444455556666".into();
    message.explain = true;
    message.session_policies = vec!["{}".into()];
    message.context = HashMap::from([
        (
            "aws:SourceIp".into(),
            values(vec![Some(Value::StringValue("10.0.0.1".into()))]),
        ),
        (
            "aws:TagKeys".into(),
            values(vec![
                Some(Value::StringValue("a".into())),
                Some(Value::StringValue("b".into())),
            ]),
        ),
        (
            "aws:MultiFactorAuthPresent".into(),
            values(vec![Some(Value::BoolValue(true))]),
        ),
    ]);
    let q = read(message).unwrap();
    assert!(q.explain);
    assert_eq!(q.session_policies, vec!["{}".to_owned()]);
    let r = &q.request;
    assert_eq!(r.principal().text(), "arn:aws:iam::111122223333:user/alice");
    assert_eq!(r.action, "s3:GetObject");
    assert_eq!(r.resource_account.as_deref(), Some("444455556666"));
    assert_eq!(
        r.context.get("aws:sourceip").unwrap()[0].as_ref(),
        "10.0.0.1"
    );
    assert_eq!(r.context.get("aws:TagKeys").unwrap().len(), 2);
    assert_eq!(
        r.context.get("aws:MultiFactorAuthPresent").unwrap()[0].as_ref(),
        "true"
    );
}

#[test]
fn errors_name_the_field() {
    let err = |change: fn(&mut AuthorizeRequest)| {
        let mut message = request();
        change(&mut message);
        read(message).unwrap_err()
    };
    let e = err(|m| m.principal = "bob".into());
    assert_eq!(e.path(), "principal");
    assert!(e.message().starts_with("`bob` is not a principal"), "{e}");
    assert_eq!(err(|m| m.principal.clear()).path(), "principal");
    assert_eq!(err(|m| m.action.clear()).path(), "action");
    assert_eq!(err(|m| m.action = "s3".into()).path(), "action");
    assert_eq!(err(|m| m.resource.clear()).path(), "resource");
    assert_eq!(
        err(|m| m.resource_account = "12".into()).path(),
        "resource_account"
    );
    let e = err(|m| {
        m.context.insert("aws:SourceIp".into(), values(vec![None]));
    });
    assert_eq!(
        e.to_string(),
        r#"context["aws:SourceIp"].values[0]: empty value: set one of string_value, number_value, bool_value, binary_value"#
    );
    let e = err(|m| {
        m.context.insert(
            "n".into(),
            values(vec![
                Some(Value::NumberValue(1.0)),
                Some(Value::NumberValue(f64::NAN)),
            ]),
        );
    });
    assert_eq!(e.path(), r#"context["n"].values[1]"#);
    let e = err(|m| {
        m.context.insert(String::new(), values(vec![]));
    });
    assert_eq!(e.path(), r#"context[""]"#);
    let e = err(|m| {
        m.context.insert("aws:a".into(), values(vec![]));
        m.context.insert("AWS:A".into(), values(vec![]));
    });
    assert!(e.message().contains("given twice"), "{e}");
}

#[test]
fn batch_errors_name_the_index() {
    let e = ConvertError::new("principal", "bad").within("requests", 3);
    assert_eq!(e.to_string(), "requests[3].principal: bad");
    let status = tonic::Status::from(e);
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert_eq!(status.message(), "requests[3].principal: bad");
}

#[test]
fn writes_decisions_and_statements() {
    assert_eq!(decision(DecisionKind::Allowed), v1::Decision::Allowed);
    assert_eq!(
        decision(DecisionKind::ExplicitDeny),
        v1::Decision::ExplicitDeny
    );
    assert_eq!(
        decision(DecisionKind::ImplicitDeny),
        v1::Decision::ImplicitDeny
    );
    let wire = decisive(vec![
        DecisiveStatement {
            policy: "p".into(),
            index: 2,
            sid: None,
            effect: Effect::Deny,
            level: None,
        },
        DecisiveStatement {
            policy: "q".into(),
            index: 0,
            sid: Some("S".into()),
            effect: Effect::Allow,
            level: Some(tollgate_policy::OrgLevel {
                index: 2,
                name: Some("r-ab12/ou-ab12-apps".into()),
            }),
        },
        DecisiveStatement {
            policy: "serviceControlPolicies[1][0]".into(),
            index: 0,
            sid: None,
            effect: Effect::Allow,
            level: Some(tollgate_policy::OrgLevel {
                index: 1,
                name: None,
            }),
        },
    ]);
    assert_eq!(wire[0].level, "");
    assert_eq!(wire[1].level, "r-ab12/ou-ab12-apps");
    assert_eq!(wire[2].level, "1");
    assert_eq!(wire[0].sid, "");
    assert_eq!(wire[0].index, 2);
    assert_eq!(wire[0].effect(), v1::Effect::Deny);
    assert_eq!(wire[1].sid, "S");
    assert_eq!(wire[1].effect(), v1::Effect::Allow);
}

fn with_context(key: &str, given: Vec<Option<Value>>) -> Result<Question, ConvertError> {
    let mut message = request();
    message.context.insert(key.into(), values(given));
    read(message)
}

#[test]
fn the_request_rules_apply_at_the_edge() {
    let err = |change: fn(&mut AuthorizeRequest)| {
        let mut message = request();
        change(&mut message);
        read(message).unwrap_err()
    };
    for action in [
        "organizations:Leave*",
        "s3:*",
        "s3:GetObject\0",
        "organizations:LeaveOrganizat\u{131}on",
    ] {
        let mut message = request();
        message.action = action.into();
        let e = read(message).unwrap_err();
        assert_eq!(e.path(), "action", "{action:?}: {e}");
    }
    let e = err(|m| m.resource = "bucket".into());
    assert_eq!(e.path(), "resource");
    for principal in [
        "arn:aws:iam::111122223333:user/alice\0arn:aws:iam::111122223333:user/bob",
        "arn:aws:iam:us-east-1:111122223333:user/bob",
    ] {
        let mut message = request();
        message.principal = principal.into();
        let e = read(message).unwrap_err();
        assert_eq!(e.path(), "principal", "{e}");
    }
    // Well-formed principals on other paths and partitions are read as such.
    let mut message = request();
    message.principal = "arn:aws:iam::111122223333:user/alice/../bob".into();
    assert_eq!(
        read(message).unwrap().request.principal().path(),
        Some("/alice/../")
    );
}

#[test]
fn context_rules_apply_at_the_edge() {
    let e = with_context(
        "aws:PrincipalTag/team",
        vec![Some(Value::StringValue("admins".into()))],
    )
    .unwrap_err();
    assert_eq!(e.path(), r#"context["aws:PrincipalTag/team"]"#);
    assert!(e.message().contains("caller-principal-keys"), "{e}");
    let e = with_context(
        "aws:RequestedRegion",
        vec![
            Some(Value::StringValue("us-east-1".into())),
            Some(Value::StringValue("eu-west-1".into())),
        ],
    )
    .unwrap_err();
    assert_eq!(e.path(), r#"context["aws:RequestedRegion"]"#);
    let e = with_context("aws:SecureTransport", vec![Some(Value::NumberValue(0.0))]).unwrap_err();
    assert_eq!(e.path(), r#"context["aws:SecureTransport"].values[0]"#);
    assert!(with_context("aws:SecureTransport", vec![Some(Value::BoolValue(false))]).is_ok());
    // With `ignore`, the caller's value is dropped and counted.
    let mut message = request();
    message.context.insert(
        "aws:PrincipalOrgID".into(),
        values(vec![Some(Value::StringValue("o-x".into()))]),
    );
    let rules = tollgate_policy::ContextRules {
        caller_principal_keys: Some(tollgate_policy::CallerPrincipalKeys::Ignore),
    };
    let q = question_with(message, &ParseLimits::default(), rules).unwrap();
    assert_eq!(q.ignored_keys, 1);
    assert!(q.request.context.is_empty());
}

#[test]
fn binary_values_are_bounded_by_their_decoded_length() {
    let limits = ParseLimits {
        max_string_bytes: 6,
        ..ParseLimits::default()
    };
    let text = |n: usize| {
        value_text(
            ContextValue {
                value: Some(Value::BinaryValue(vec![7; n])),
            },
            &limits,
        )
    };
    // Six bytes are eight base64 characters: within the limit of six bytes.
    assert_eq!(text(6).unwrap().len(), 8);
    let e = text(7).unwrap_err();
    assert!(e.contains("7 bytes (decoded)"), "{e}");
}
