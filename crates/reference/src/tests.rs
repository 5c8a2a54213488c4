//! One or more tests per rule of `docs/evaluation.md`.

use tollgate_policy::{
    Decision, DecisionKind, DecisiveStatement, Effect, NamedPolicy, PolicyDocument, PolicyKind,
    PolicySet, Request, RequestPrincipal,
};

use crate::evaluate;

const A: &str = "111122223333";
const B: &str = "444455556666";

fn doc(kind: PolicyKind, json: &str) -> PolicyDocument {
    match PolicyDocument::parse(json, kind) {
        Ok(doc) => doc,
        Err(e) => panic!("bad test policy {json}: {e}"),
    }
}

/// A one-statement 2012-10-17 policy from the statement's JSON.
fn stmt(kind: PolicyKind, statement: &str) -> PolicyDocument {
    doc(
        kind,
        &format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#),
    )
}

fn identity(statement: &str) -> NamedPolicy {
    NamedPolicy::new("identityPolicies[0]", stmt(PolicyKind::Identity, statement))
}

fn resource_policy(statement: &str) -> NamedPolicy {
    NamedPolicy::new("resourcePolicy", stmt(PolicyKind::Resource, statement))
}

fn with_identity(statement: &str) -> PolicySet {
    PolicySet {
        identity: vec![identity(statement)],
        ..PolicySet::default()
    }
}

fn with_resource(statement: &str) -> PolicySet {
    PolicySet {
        resource: Some(resource_policy(statement)),
        ..PolicySet::default()
    }
}

fn principal(text: &str) -> RequestPrincipal {
    match RequestPrincipal::parse(text) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    }
}

fn request(who: &str, action: &str, resource: &str) -> Request {
    Request::new(principal(who), action, resource)
}

fn with_context(mut request: Request, keys: &[(&str, &[&str])]) -> Request {
    for (key, values) in keys {
        request
            .context
            .insert(key, values.iter().map(|v| (*v).to_owned()).collect());
    }
    request
}

fn kind(policies: &PolicySet, request: &Request) -> DecisionKind {
    evaluate(policies, request).kind
}

const USER: &str = "arn:aws:iam::111122223333:user/alice";
const OBJECT: &str = "arn:aws:s3:::bucket/key";

fn user_get(resource: &str) -> Request {
    request(USER, "s3:GetObject", resource)
}

// ---------------------------------------------------------------- rule 1: Action

#[test]
fn action_patterns_ignore_ascii_case_and_use_wildcards() {
    for pattern in [
        "s3:GetObject",
        "S3:getobject",
        "*",
        "s3:*",
        "s3:Get*",
        "s3:?etObject",
        "s3:*Object",
    ] {
        let policies = with_identity(&format!(
            r#"{{"Effect":"Allow","Action":"{pattern}","Resource":"*"}}"#
        ));
        assert_eq!(
            kind(&policies, &user_get(OBJECT)),
            DecisionKind::Allowed,
            "{pattern}"
        );
    }
    for pattern in ["s3:Get", "s3:??etObject", "iam:*", "s3:Put*"] {
        let policies = with_identity(&format!(
            r#"{{"Effect":"Allow","Action":"{pattern}","Resource":"*"}}"#
        ));
        assert_eq!(
            kind(&policies, &user_get(OBJECT)),
            DecisionKind::ImplicitDeny,
            "{pattern}"
        );
    }
    let policies = with_identity(r#"{"Effect":"Allow","Action":"s3:getobject","Resource":"*"}"#);
    assert_eq!(
        kind(&policies, &request(USER, "S3:GETOBJECT", OBJECT)),
        DecisionKind::Allowed
    );
}

#[test]
fn not_action_applies_when_no_pattern_matches() {
    let policies =
        with_identity(r#"{"Effect":"Allow","NotAction":["iam:*","s3:Put*"],"Resource":"*"}"#);
    assert_eq!(kind(&policies, &user_get(OBJECT)), DecisionKind::Allowed);
    assert_eq!(
        kind(&policies, &request(USER, "s3:PutObject", OBJECT)),
        DecisionKind::ImplicitDeny
    );
    assert_eq!(
        kind(&policies, &request(USER, "IAM:CreateUser", "*")),
        DecisionKind::ImplicitDeny
    );
}

// ---------------------------------------------------------------- rule 2: Resource

#[test]
fn resource_patterns_are_case_sensitive_wildcards() {
    let policies =
        with_identity(r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::bucket/*"}"#);
    assert_eq!(kind(&policies, &user_get(OBJECT)), DecisionKind::Allowed);
    assert_eq!(
        kind(&policies, &user_get("arn:aws:s3:::bucket/a/b:c")),
        DecisionKind::Allowed
    );
    assert_eq!(
        kind(&policies, &user_get("arn:aws:s3:::Bucket/key")),
        DecisionKind::ImplicitDeny
    );
    assert_eq!(
        kind(&policies, &user_get("arn:aws:s3:::bucket")),
        DecisionKind::ImplicitDeny
    );
    let policies =
        with_identity(r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::bucke?/k*"}"#);
    assert_eq!(kind(&policies, &user_get(OBJECT)), DecisionKind::Allowed);
}

#[test]
fn not_resource_applies_when_no_pattern_matches() {
    let policies = with_identity(
        r#"{"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::secret/*"}"#,
    );
    assert_eq!(kind(&policies, &user_get(OBJECT)), DecisionKind::Allowed);
    assert_eq!(
        kind(&policies, &user_get("arn:aws:s3:::secret/x")),
        DecisionKind::ImplicitDeny
    );
}

#[test]
fn resource_policy_statements_without_resource_cover_any_resource() {
    let policies = with_resource(
        r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"s3:*"}"#,
    );
    assert_eq!(
        kind(&policies, &user_get("arn:aws:s3:::anything")),
        DecisionKind::Allowed
    );
}

#[test]
fn resource_variables_are_filled_from_the_context() {
    let policies = with_identity(
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*"}"#,
    );
    assert_eq!(
        kind(&policies, &user_get("arn:aws:s3:::b/alice/x")),
        DecisionKind::Allowed
    );
    assert_eq!(
        kind(&policies, &user_get("arn:aws:s3:::b/bob/x")),
        DecisionKind::ImplicitDeny
    );
    // Tags given by the caller, and the caller's keys win over derived ones.
    let policies = with_identity(
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:PrincipalTag/team}"}"#,
    );
    let tagged = with_context(
        user_get("arn:aws:s3:::b/red"),
        &[("aws:principaltag/TEAM", &["red"])],
    );
    assert_eq!(kind(&policies, &tagged), DecisionKind::Allowed);
    // A multi-valued key is no variable value.
    let multi = with_context(
        user_get("arn:aws:s3:::b/red"),
        &[("aws:PrincipalTag/team", &["red", "blue"])],
    );
    assert_eq!(kind(&policies, &multi), DecisionKind::ImplicitDeny);
}

#[test]
fn a_variable_without_value_matches_nothing_unless_it_has_a_default() {
    let role = "arn:aws:sts::111122223333:assumed-role/r/s1";
    let get = |resource: &str| request(role, "s3:GetObject", resource);
    let policies = with_identity(
        r#"{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::b/${aws:username}","arn:aws:s3:::b/${aws:username}*"]}"#,
    );
    assert_eq!(
        kind(&policies, &get("arn:aws:s3:::b/")),
        DecisionKind::ImplicitDeny
    );
    // ... so a NotResource pattern with such a variable excludes nothing.
    let policies = with_identity(
        r#"{"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::b/${aws:username}"}"#,
    );
    assert_eq!(
        kind(&policies, &get("arn:aws:s3:::b/")),
        DecisionKind::Allowed
    );
    let policies = with_identity(
        r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username, 'none'}"}"#,
    );
    assert_eq!(
        kind(&policies, &get("arn:aws:s3:::b/none")),
        DecisionKind::Allowed
    );
    assert_eq!(
        kind(&policies, &user_get("arn:aws:s3:::b/alice")),
        DecisionKind::Allowed
    );
    assert_eq!(
        kind(&policies, &user_get("arn:aws:s3:::b/none")),
        DecisionKind::ImplicitDeny
    );
}

#[test]
fn variables_only_in_2012_and_escapes_are_literal() {
    let old = PolicySet {
        identity: vec![NamedPolicy::new(
            "identityPolicies[0]",
            doc(
                PolicyKind::Identity,
                r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}"}}"#,
            ),
        )],
        ..PolicySet::default()
    };
    assert_eq!(
        kind(&old, &user_get("arn:aws:s3:::b/alice")),
        DecisionKind::ImplicitDeny
    );
    assert_eq!(
        kind(&old, &user_get("arn:aws:s3:::b/${aws:username}")),
        DecisionKind::Allowed
    );
    let star =
        with_identity(r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${*}"}"#);
    assert_eq!(
        kind(&star, &user_get("arn:aws:s3:::b/*")),
        DecisionKind::Allowed
    );
    assert_eq!(
        kind(&star, &user_get("arn:aws:s3:::b/x")),
        DecisionKind::ImplicitDeny
    );
}

// ---------------------------------------------------------------- rule 3: Principal

/// Whether a resource-policy statement with this principal element applies to `who`.
fn principal_applies(element: &str, who: &str) -> bool {
    let policies = with_resource(&format!(r#"{{"Effect":"Deny",{element},"Action":"*"}}"#));
    kind(&policies, &request(who, "s3:GetObject", OBJECT)) == DecisionKind::ExplicitDeny
}

const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/deploy/s1";
const UNNAMED: &str = "arn:aws:iam::111122223333:role/deploy";
const FEDERATED: &str = "arn:aws:sts::111122223333:federated-user/fed";
const ROOT: &str = "arn:aws:iam::111122223333:root";
const SERVICE: &str = "lambda.amazonaws.com";
const WEB: &str = "accounts.google.com";
const PROVIDER: &str = "arn:aws:iam::111122223333:saml-provider/corp";

#[test]
fn principal_entries_cover_the_identities_of_the_chain() {
    let p = |aws: &str| format!(r#""Principal":{{"AWS":"{aws}"}}"#);
    // IAM user: its ARN, its account.
    assert!(principal_applies(&p(USER), USER));
    assert!(principal_applies(&p(A), USER));
    assert!(principal_applies(&p(ROOT), USER));
    assert!(!principal_applies(&p(B), USER));
    assert!(!principal_applies(
        &p("arn:aws:iam::111122223333:user/bob"),
        USER
    ));
    // Role session: session ARN when named, its role, its account.
    assert!(principal_applies(&p(SESSION), SESSION));
    assert!(principal_applies(&p(UNNAMED), SESSION));
    assert!(principal_applies(
        &p("arn:aws:iam::111122223333:role/path/deploy"),
        SESSION
    ));
    assert!(principal_applies(&p(A), SESSION));
    assert!(!principal_applies(
        &p("arn:aws:sts::111122223333:assumed-role/deploy/s2"),
        SESSION
    ));
    assert!(!principal_applies(
        &p("arn:aws:iam::444455556666:role/deploy"),
        SESSION
    ));
    assert!(principal_applies(&p(UNNAMED), UNNAMED));
    assert!(!principal_applies(&p(SESSION), UNNAMED));
    // Federated user, root.
    assert!(principal_applies(&p(FEDERATED), FEDERATED));
    assert!(principal_applies(&p(A), FEDERATED));
    assert!(principal_applies(&p(A), ROOT));
    assert!(principal_applies(&p(ROOT), ROOT));
    assert!(!principal_applies(&p(USER), ROOT));
}

#[test]
fn wildcard_service_and_federated_principals() {
    let any_aws = r#""Principal":{"AWS":"*"}"#;
    // AWS lists `"*"` and `{"AWS": "*"}` side by side as the ways to grant
    // anonymous access ("AWS JSON policy elements: Principal").
    for who in [USER, SESSION, UNNAMED, FEDERATED, ROOT, "anonymous"] {
        assert!(principal_applies(any_aws, who), "{who}");
    }
    for who in [SERVICE, WEB, PROVIDER] {
        assert!(!principal_applies(any_aws, who), "{who}");
    }
    for who in [USER, SESSION, ROOT, SERVICE, WEB, PROVIDER, "anonymous"] {
        assert!(principal_applies(r#""Principal":"*""#, who), "{who}");
    }
    assert!(principal_applies(
        r#""Principal":{"Service":"lambda.amazonaws.com"}"#,
        SERVICE
    ));
    assert!(!principal_applies(
        r#""Principal":{"Service":"s3.amazonaws.com"}"#,
        SERVICE
    ));
    // A bare name matches whichever of `Service` and `Federated` lists it
    // (the scenario contract).
    assert!(principal_applies(
        r#""Principal":{"Federated":"lambda.amazonaws.com"}"#,
        SERVICE
    ));
    assert!(principal_applies(
        r#""Principal":{"Federated":"accounts.google.com"}"#,
        WEB
    ));
    assert!(principal_applies(
        &format!(r#""Principal":{{"Federated":"{PROVIDER}"}}"#),
        PROVIDER
    ));
    assert!(principal_applies(
        r#""Principal":{"Service":"accounts.google.com"}"#,
        WEB
    ));
    assert!(!principal_applies(
        r#""Principal":{"Service":"accounts.google.com"}"#,
        SERVICE
    ));
    assert!(!principal_applies(
        r#""Principal":{"CanonicalUser":"abc"}"#,
        USER
    ));
    assert!(!principal_applies(
        &format!(r#""Principal":{{"AWS":"{A}"}}"#),
        SERVICE
    ));
}

#[test]
fn not_principal_applies_when_some_identity_is_not_covered() {
    let np = |aws: &str| format!(r#""NotPrincipal":{{"AWS":{aws}}}"#);
    // Listing the user alone does not exempt it: its account is not covered.
    assert!(principal_applies(&np(&format!(r#""{USER}""#)), USER));
    assert!(!principal_applies(
        &np(&format!(r#"["{USER}","{A}"]"#)),
        USER
    ));
    assert!(principal_applies(
        &np(&format!(r#"["{USER}","{A}"]"#)),
        "arn:aws:iam::111122223333:user/bob"
    ));
    // A named session needs its ARN, its role and its account.
    assert!(principal_applies(
        &np(&format!(r#"["{SESSION}","{A}"]"#)),
        SESSION
    ));
    assert!(!principal_applies(
        &np(&format!(r#"["{SESSION}","{UNNAMED}","{A}"]"#)),
        SESSION
    ));
    assert!(!principal_applies(
        &np(&format!(r#"["{UNNAMED}","{A}"]"#)),
        UNNAMED
    ));
    assert!(!principal_applies(&np(&format!(r#""{A}""#)), ROOT));
    assert!(!principal_applies(&np(r#""*""#), USER));
    assert!(principal_applies(&np(r#""*""#), SERVICE));
    // Anonymous callers: unless `"*"` or `{"AWS": "*"}` excepts them.
    assert!(!principal_applies(&np(r#""*""#), "anonymous"));
    assert!(principal_applies(&np(&format!(r#""{A}""#)), "anonymous"));
    assert!(!principal_applies(r#""NotPrincipal":"*""#, "anonymous"));
    assert!(!principal_applies(r#""NotPrincipal":"*""#, SERVICE));
    for who in [USER, SESSION, UNNAMED, FEDERATED, ROOT] {
        assert!(!principal_applies(r#""NotPrincipal":"*""#, who), "{who}");
    }
    assert!(!principal_applies(
        r#""NotPrincipal":{"Service":"lambda.amazonaws.com"}"#,
        SERVICE
    ));
}

#[test]
fn not_principal_deny_always_applies_to_bounded_users_and_role_sessions() {
    let listed = format!(r#"{{"AWS":["{USER}","{SESSION}","{UNNAMED}","{FEDERATED}","{A}"]}}"#);
    let deny = resource_policy(&format!(
        r#"{{"Effect":"Deny","NotPrincipal":{listed},"Action":"*"}},{{"Effect":"Allow","Principal":"*","Action":"*"}}"#
    ));
    let unbounded = PolicySet {
        resource: Some(deny.clone()),
        ..PolicySet::default()
    };
    let bounded = PolicySet {
        permissions_boundary: boundary(ALLOW_ALL),
        ..unbounded.clone()
    };
    for who in [USER, SESSION, UNNAMED] {
        let r = request(who, "s3:GetObject", OBJECT);
        assert_eq!(kind(&unbounded, &r), DecisionKind::Allowed, "{who}");
        assert_eq!(kind(&bounded, &r), DecisionKind::ExplicitDeny, "{who}");
    }
    // Federated users and roots are not IAM users or role sessions.
    let r = request(FEDERATED, "s3:GetObject", OBJECT);
    assert_eq!(kind(&bounded, &r), DecisionKind::Allowed);
    let r = request(ROOT, "s3:GetObject", OBJECT);
    assert_eq!(kind(&bounded, &r), DecisionKind::Allowed);
    // Only denies: a `NotPrincipal` allow is matched as usual.
    let allow = PolicySet {
        permissions_boundary: boundary(ALLOW_ALL),
        resource: Some(resource_policy(&format!(
            r#"{{"Effect":"Allow","NotPrincipal":{listed},"Action":"*"}}"#
        ))),
        ..PolicySet::default()
    };
    assert_eq!(
        kind(&allow, &request(USER, "s3:GetObject", OBJECT)),
        DecisionKind::ImplicitDeny
    );
}

// ---------------------------------------------------------------- rule 4: Conditions

/// Whether a statement with this condition block applies to `req`.
fn holds(condition: &str, req: &Request) -> bool {
    let policies = with_identity(&format!(
        r#"{{"Effect":"Deny","Action":"*","Resource":"*","Condition":{condition}}}"#
    ));
    kind(&policies, req) == DecisionKind::ExplicitDeny
}

fn ctx(keys: &[(&str, &[&str])]) -> Request {
    with_context(user_get(OBJECT), keys)
}

#[test]
fn null_tests_presence() {
    let absent = ctx(&[]);
    let present = ctx(&[("aws:SourceIp", &["10.0.0.1"])]);
    let empty = ctx(&[("aws:SourceIp", &[])]);
    assert!(holds(r#"{"Null":{"aws:SourceIp":"true"}}"#, &absent));
    assert!(holds(r#"{"Null":{"aws:SourceIp":"true"}}"#, &empty));
    assert!(!holds(r#"{"Null":{"aws:SourceIp":"true"}}"#, &present));
    assert!(holds(r#"{"Null":{"aws:SourceIp":false}}"#, &present));
    assert!(!holds(r#"{"Null":{"aws:SourceIp":"false"}}"#, &absent));
    assert!(holds(
        r#"{"Null":{"aws:SourceIp":["true","false"]}}"#,
        &absent
    ));
    // Derived keys count as present.
    assert!(holds(r#"{"Null":{"aws:username":"false"}}"#, &absent));
}

#[test]
fn no_qualifier_absent_and_present_keys() {
    let absent = ctx(&[]);
    assert!(!holds(r#"{"StringEquals":{"s3:prefix":"a"}}"#, &absent));
    assert!(holds(r#"{"StringNotEquals":{"s3:prefix":"a"}}"#, &absent));
    assert!(holds(
        r#"{"StringEqualsIfExists":{"s3:prefix":"a"}}"#,
        &absent
    ));
    assert!(holds(
        r#"{"NumericLessThanIfExists":{"s3:max-keys":"5"}}"#,
        &absent
    ));
    let multi = ctx(&[("s3:prefix", &["a", "b"])]);
    assert!(holds(r#"{"StringEquals":{"s3:prefix":"a"}}"#, &multi));
    assert!(holds(
        r#"{"StringEqualsIfExists":{"s3:prefix":"b"}}"#,
        &multi
    ));
    assert!(!holds(r#"{"StringEquals":{"s3:prefix":"c"}}"#, &multi));
    // Negated: every request value must be accepted (match no policy value).
    assert!(!holds(r#"{"StringNotEquals":{"s3:prefix":"a"}}"#, &multi));
    assert!(holds(
        r#"{"StringNotEquals":{"s3:prefix":["c","d"]}}"#,
        &multi
    ));
    assert!(!holds(
        r#"{"StringNotEquals":{"s3:prefix":["c","b"]}}"#,
        &multi
    ));
}

#[test]
fn set_qualifiers() {
    let absent = ctx(&[]);
    let tags = ctx(&[("aws:TagKeys", &["env", "team"])]);
    assert!(!holds(
        r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":"env"}}"#,
        &absent
    ));
    assert!(holds(
        r#"{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":"env"}}"#,
        &absent
    ));
    assert!(holds(
        r#"{"ForAllValues:StringEquals":{"aws:TagKeys":"env"}}"#,
        &absent
    ));
    assert!(holds(
        r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":"env"}}"#,
        &tags
    ));
    assert!(!holds(
        r#"{"ForAllValues:StringEquals":{"aws:TagKeys":"env"}}"#,
        &tags
    ));
    assert!(holds(
        r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team","x"]}}"#,
        &tags
    ));
    // Negated with qualifiers: accepted = does not match.
    assert!(holds(
        r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"env"}}"#,
        &tags
    ));
    assert!(!holds(
        r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["env","team"]}}"#,
        &tags
    ));
    assert!(!holds(
        r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":"env"}}"#,
        &tags
    ));
    assert!(holds(
        r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":"x"}}"#,
        &tags
    ));
    assert!(!holds(
        r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"env"}}"#,
        &absent
    ));
    assert!(holds(
        r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":"env"}}"#,
        &absent
    ));
}

#[test]
fn string_comparisons() {
    let r = ctx(&[
        ("aws:PrincipalTag/team", &["Straße"]),
        ("s3:prefix", &["home/alice/x"]),
    ]);
    assert!(holds(
        r#"{"StringEquals":{"aws:PrincipalTag/team":"Straße"}}"#,
        &r
    ));
    assert!(!holds(
        r#"{"StringEquals":{"aws:PrincipalTag/team":"straße"}}"#,
        &r
    ));
    assert!(holds(
        r#"{"StringEqualsIgnoreCase":{"aws:PrincipalTag/team":"STRAßE"}}"#,
        &r
    ));
    assert!(!holds(
        r#"{"StringNotEqualsIgnoreCase":{"aws:PrincipalTag/team":"straße"}}"#,
        &r
    ));
    assert!(holds(r#"{"StringLike":{"s3:prefix":"home/*/x"}}"#, &r));
    assert!(!holds(r#"{"StringLike":{"s3:prefix":"HOME/*"}}"#, &r));
    assert!(holds(r#"{"StringNotLike":{"s3:prefix":"other/*"}}"#, &r));
    // `*` is literal in StringEquals.
    assert!(!holds(r#"{"StringEquals":{"s3:prefix":"home/*"}}"#, &r));
    // Keys compare without case.
    assert!(holds(
        r#"{"StringEquals":{"AWS:PRINCIPALTAG/TEAM":"Straße"}}"#,
        &r
    ));
}

#[test]
fn condition_variables() {
    let r = ctx(&[("s3:prefix", &["home/alice/x"])]);
    assert!(holds(
        r#"{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}"#,
        &r
    ));
    assert!(holds(
        r#"{"StringEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/${aws:username}"}}"#,
        &r
    ));
    assert!(holds(
        r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/${aws:username}"}}"#,
        &r
    ));
    // Unresolvable variable: the policy value compares false.
    assert!(!holds(
        r#"{"StringLike":{"s3:prefix":"home/${aws:userid}/*"}}"#,
        &r
    ));
    assert!(holds(
        r#"{"StringNotLike":{"s3:prefix":"home/${aws:userid}/*"}}"#,
        &r
    ));
    assert!(holds(
        r#"{"StringLike":{"s3:prefix":"home/${aws:userid, 'alice'}/*"}}"#,
        &r
    ));
}

#[test]
fn numeric_comparisons_with_the_request_value_on_the_left() {
    let r = ctx(&[("s3:max-keys", &["10"])]);
    assert!(holds(r#"{"NumericEquals":{"s3:max-keys":"10.0"}}"#, &r));
    assert!(holds(r#"{"NumericEquals":{"s3:max-keys":10}}"#, &r));
    assert!(holds(r#"{"NumericLessThan":{"s3:max-keys":"11"}}"#, &r));
    assert!(!holds(r#"{"NumericLessThan":{"s3:max-keys":"10"}}"#, &r));
    assert!(holds(
        r#"{"NumericLessThanEquals":{"s3:max-keys":"10"}}"#,
        &r
    ));
    assert!(holds(r#"{"NumericGreaterThan":{"s3:max-keys":"9.5"}}"#, &r));
    assert!(holds(
        r#"{"NumericGreaterThanEquals":{"s3:max-keys":"10"}}"#,
        &r
    ));
    assert!(holds(
        r#"{"NumericNotEquals":{"s3:max-keys":["1","2"]}}"#,
        &r
    ));
    let wrong = ctx(&[("s3:max-keys", &["ten"])]);
    assert!(!holds(
        r#"{"NumericLessThan":{"s3:max-keys":"11"}}"#,
        &wrong
    ));
    assert!(holds(
        r#"{"NumericNotEquals":{"s3:max-keys":"11"}}"#,
        &wrong
    ));
}

#[test]
fn date_comparisons_as_instants() {
    let r = ctx(&[("aws:CurrentTime", &["2024-06-01T12:00:00Z"])]);
    assert!(holds(
        r#"{"DateEquals":{"aws:CurrentTime":"1717243200"}}"#,
        &r
    ));
    assert!(holds(
        r#"{"DateEquals":{"aws:CurrentTime":"2024-06-01T14:00:00+02:00"}}"#,
        &r
    ));
    assert!(holds(
        r#"{"DateLessThan":{"aws:CurrentTime":"2025-01-01"}}"#,
        &r
    ));
    assert!(holds(
        r#"{"DateGreaterThan":{"aws:CurrentTime":"2024-06-01"}}"#,
        &r
    ));
    assert!(holds(
        r#"{"DateGreaterThanEquals":{"aws:CurrentTime":"2024-06-01T12:00:00Z"}}"#,
        &r
    ));
    assert!(!holds(
        r#"{"DateLessThanEquals":{"aws:CurrentTime":"2024-06-01"}}"#,
        &r
    ));
    assert!(holds(
        r#"{"DateNotEquals":{"aws:CurrentTime":"2024-06-01"}}"#,
        &r
    ));
    let epoch = ctx(&[("aws:CurrentTime", &["1717243200"])]);
    assert!(holds(
        r#"{"DateEquals":{"aws:CurrentTime":"2024-06-01T12:00:00Z"}}"#,
        &epoch
    ));
    let wrong = ctx(&[("aws:CurrentTime", &["noon"])]);
    assert!(!holds(
        r#"{"DateLessThan":{"aws:CurrentTime":"2025-01-01"}}"#,
        &wrong
    ));
}

#[test]
fn bool_binary_ip_and_arn_comparisons() {
    let r = ctx(&[
        ("aws:SecureTransport", &["TRUE"]),
        ("aws:SourceIp", &["203.0.113.9"]),
        ("x:bin", &["QmluYXJ5"]),
        (
            "aws:SourceArn",
            &["arn:aws:sns:us-east-1:111122223333:topic"],
        ),
    ]);
    assert!(holds(r#"{"Bool":{"aws:SecureTransport":"true"}}"#, &r));
    assert!(holds(r#"{"Bool":{"aws:SecureTransport":true}}"#, &r));
    assert!(!holds(r#"{"Bool":{"aws:SecureTransport":"false"}}"#, &r));
    assert!(holds(r#"{"BinaryEquals":{"x:bin":"QmluYXJ5"}}"#, &r));
    assert!(!holds(r#"{"BinaryEquals":{"x:bin":"QmluYXJy"}}"#, &r));
    assert!(holds(
        r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
        &r
    ));
    assert!(!holds(
        r#"{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}"#,
        &r
    ));
    assert!(holds(
        r#"{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#,
        &r
    ));
    assert!(!holds(
        r#"{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","203.0.113.9"]}}"#,
        &r
    ));
    let cidr = ctx(&[("aws:SourceIp", &["203.0.113.0/24"])]);
    assert!(!holds(
        r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
        &cidr
    ));
    assert!(holds(
        r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:111122223333:*"}}"#,
        &r
    ));
    assert!(holds(
        r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:topic"}}"#,
        &r
    ));
    assert!(!holds(
        r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:444455556666:*"}}"#,
        &r
    ));
    assert!(holds(
        r#"{"ArnNotLike":{"aws:SourceArn":"arn:aws:sqs:*:*:*"}}"#,
        &r
    ));
    assert!(!holds(
        r#"{"ArnNotEquals":{"aws:SourceArn":"arn:aws:sns:*:*:topic"}}"#,
        &r
    ));
    // `*` in one part does not span the colon into the next part.
    let colons = ctx(&[(
        "aws:SourceArn",
        &["arn:aws:sns:us-east-1:111122223333:topic:x"],
    )]);
    assert!(holds(
        r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:111122223333:*"}}"#,
        &colons
    ));
    assert!(!holds(
        r#"{"ArnLike":{"aws:SourceArn":"arn:aws:*:111122223333:*:*"}}"#,
        &colons
    ));
    assert!(holds(
        r#"{"StringLike":{"aws:SourceArn":"arn:aws:*:111122223333:*:*"}}"#,
        &colons
    ));
}

#[test]
fn condition_entries_are_anded() {
    let r = ctx(&[("s3:prefix", &["a"]), ("s3:max-keys", &["3"])]);
    assert!(holds(
        r#"{"StringEquals":{"s3:prefix":"a"},"NumericLessThan":{"s3:max-keys":"5"}}"#,
        &r
    ));
    assert!(!holds(
        r#"{"StringEquals":{"s3:prefix":"a"},"NumericLessThan":{"s3:max-keys":"2"}}"#,
        &r
    ));
    assert!(!holds(
        r#"{"StringEquals":{"s3:prefix":"a","s3:delimiter":"/"}}"#,
        &r
    ));
}

// ---------------------------------------------------------------- which policies take part

fn scp(level: usize, statement: &str) -> NamedPolicy {
    NamedPolicy::new(
        format!("serviceControlPolicies[{level}][0]"),
        stmt(PolicyKind::ServiceControl, statement),
    )
}

const ALLOW_ALL: &str = r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#;
const DENY_ALL: &str = r#"{"Effect":"Deny","Action":"*","Resource":"*"}"#;

#[test]
fn scps_take_part_only_for_iam_principals() {
    let policies = PolicySet {
        service_control: vec![vec![scp(0, DENY_ALL)]],
        resource: Some(resource_policy(
            r#"{"Effect":"Allow","Principal":"*","Action":"*"}"#,
        )),
        ..PolicySet::default()
    };
    for who in [USER, SESSION, FEDERATED, ROOT] {
        assert_eq!(
            kind(&policies, &request(who, "s3:GetObject", OBJECT)),
            DecisionKind::ExplicitDeny,
            "{who}"
        );
    }
    for who in [SERVICE, WEB, PROVIDER, "anonymous"] {
        let decision = evaluate(&policies, &request(who, "s3:GetObject", OBJECT));
        assert_eq!(decision.kind, DecisionKind::Allowed, "{who}");
        assert_eq!(decision.decisive.len(), 1);
    }
}

// ---------------------------------------------------------------- the decision

fn decisive(policy: &str, index: usize, sid: Option<&str>, effect: Effect) -> DecisiveStatement {
    DecisiveStatement {
        policy: policy.to_owned(),
        index,
        sid: sid.map(str::to_owned),
        effect,
        level: None,
    }
}

/// `statement`, decided at organization level `index`.
fn at_level(statement: DecisiveStatement, index: usize) -> DecisiveStatement {
    DecisiveStatement {
        level: Some(tollgate_policy::OrgLevel { index, name: None }),
        ..statement
    }
}

#[test]
fn step1_explicit_deny_lists_every_applicable_deny_in_canonical_order() {
    let policies = PolicySet {
        identity: vec![NamedPolicy::new(
            "identityPolicies[0]",
            doc(
                PolicyKind::Identity,
                r#"{"Version":"2012-10-17","Statement":[
                    {"Effect":"Allow","Action":"*","Resource":"*"},
                    {"Sid":"D1","Effect":"Deny","Action":"s3:*","Resource":"*"},
                    {"Effect":"Deny","Action":"iam:*","Resource":"*"}]}"#,
            ),
        )],
        resource_control: vec![vec![NamedPolicy::new(
            "resourceControlPolicies[0][0]",
            stmt(
                PolicyKind::ResourceControl,
                r#"{"Sid":"R","Effect":"Deny","Principal":"*","Action":"s3:Get*","Resource":"*"}"#,
            ),
        )]],
        resource: Some(resource_policy(
            r#"{"Effect":"Deny","Principal":{"AWS":"111122223333"},"Action":"*"}"#,
        )),
        ..PolicySet::default()
    };
    assert_eq!(
        evaluate(&policies, &user_get(OBJECT)),
        Decision {
            kind: DecisionKind::ExplicitDeny,
            decisive: vec![
                decisive("identityPolicies[0]", 1, Some("D1"), Effect::Deny),
                at_level(
                    decisive("resourceControlPolicies[0][0]", 0, Some("R"), Effect::Deny),
                    0
                ),
                decisive("resourcePolicy", 0, None, Effect::Deny),
            ],
            explanation: None,
        }
    );
}

#[test]
fn step2_root_needs_no_identity_policy() {
    let none = PolicySet::default();
    assert_eq!(
        kind(&none, &request(ROOT, "s3:GetObject", OBJECT)),
        DecisionKind::Allowed
    );
    assert_eq!(
        evaluate(&none, &request(ROOT, "s3:GetObject", OBJECT)).decisive,
        vec![]
    );
    assert_eq!(kind(&none, &user_get(OBJECT)), DecisionKind::ImplicitDeny);
    // Even the root is bound by a boundary and by SCPs.
    let bounded = PolicySet {
        permissions_boundary: Some(NamedPolicy::new(
            "permissionsBoundary",
            stmt(
                PolicyKind::PermissionsBoundary,
                r#"{"Effect":"Allow","Action":"iam:*","Resource":"*"}"#,
            ),
        )),
        ..PolicySet::default()
    };
    assert_eq!(
        kind(&bounded, &request(ROOT, "s3:GetObject", OBJECT)),
        DecisionKind::ImplicitDeny
    );
}

fn boundary(statement: &str) -> Option<NamedPolicy> {
    Some(NamedPolicy::new(
        "permissionsBoundary",
        stmt(PolicyKind::PermissionsBoundary, statement),
    ))
}

fn sessions(statements: &[&str]) -> Option<Vec<NamedPolicy>> {
    Some(
        statements
            .iter()
            .enumerate()
            .map(|(i, s)| {
                NamedPolicy::new(
                    format!("sessionPolicies[{i}]"),
                    stmt(PolicyKind::Session, s),
                )
            })
            .collect(),
    )
}

#[test]
fn step2_identity_boundary_and_session_must_all_allow() {
    let base = with_identity(ALLOW_ALL);
    assert_eq!(kind(&base, &user_get(OBJECT)), DecisionKind::Allowed);
    let narrow = r#"{"Effect":"Allow","Action":"iam:*","Resource":"*"}"#;
    let with_boundary = PolicySet {
        permissions_boundary: boundary(narrow),
        ..base.clone()
    };
    assert_eq!(
        kind(&with_boundary, &user_get(OBJECT)),
        DecisionKind::ImplicitDeny
    );
    let with_boundary = PolicySet {
        permissions_boundary: boundary(ALLOW_ALL),
        ..base.clone()
    };
    assert_eq!(
        kind(&with_boundary, &user_get(OBJECT)),
        DecisionKind::Allowed
    );
    let with_session = PolicySet {
        session: sessions(&[narrow]),
        ..base.clone()
    };
    assert_eq!(
        kind(&with_session, &request(SESSION, "s3:GetObject", OBJECT)),
        DecisionKind::ImplicitDeny
    );
    let with_session = PolicySet {
        session: sessions(&[narrow, ALLOW_ALL]),
        ..base.clone()
    };
    assert_eq!(
        kind(&with_session, &request(SESSION, "s3:GetObject", OBJECT)),
        DecisionKind::Allowed
    );
    let empty_sessions = PolicySet {
        session: Some(vec![]),
        ..base.clone()
    };
    assert_eq!(
        kind(&empty_sessions, &request(SESSION, "s3:GetObject", OBJECT)),
        DecisionKind::ImplicitDeny
    );
}

#[test]
fn step2_federated_users_need_a_session_policy() {
    let base = with_identity(ALLOW_ALL);
    let fed = request(FEDERATED, "s3:GetObject", OBJECT);
    assert_eq!(kind(&base, &fed), DecisionKind::ImplicitDeny);
    let with_session = PolicySet {
        session: sessions(&[ALLOW_ALL]),
        ..base
    };
    assert_eq!(kind(&with_session, &fed), DecisionKind::Allowed);
    // ... but a resource policy naming the federated user grants directly.
    let named = with_resource(&format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"{FEDERATED}"}},"Action":"*"}}"#
    ));
    assert_eq!(kind(&named, &fed), DecisionKind::Allowed);
}

#[test]
fn step2_every_scp_level_must_allow() {
    let base = with_identity(ALLOW_ALL);
    let levels = |levels: Vec<Vec<NamedPolicy>>| PolicySet {
        service_control: levels,
        ..base.clone()
    };
    assert_eq!(
        kind(
            &levels(vec![vec![scp(0, ALLOW_ALL)], vec![scp(1, ALLOW_ALL)]]),
            &user_get(OBJECT)
        ),
        DecisionKind::Allowed
    );
    assert_eq!(
        kind(
            &levels(vec![vec![scp(0, ALLOW_ALL)], vec![]]),
            &user_get(OBJECT)
        ),
        DecisionKind::ImplicitDeny
    );
    let narrow = r#"{"Effect":"Allow","Action":"iam:*","Resource":"*"}"#;
    assert_eq!(
        kind(
            &levels(vec![vec![scp(0, ALLOW_ALL)], vec![scp(1, narrow)]]),
            &user_get(OBJECT)
        ),
        DecisionKind::ImplicitDeny
    );
    // SCPs also limit grants from resource policies.
    let granted = PolicySet {
        service_control: vec![vec![scp(0, narrow)]],
        ..with_resource(&format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":"{USER}"}},"Action":"*"}}"#
        ))
    };
    assert_eq!(
        kind(&granted, &user_get(OBJECT)),
        DecisionKind::ImplicitDeny
    );
}

#[test]
fn step3_non_iam_principals_need_a_grant() {
    let identity_only = with_identity(ALLOW_ALL);
    assert_eq!(
        kind(&identity_only, &request(SERVICE, "s3:GetObject", OBJECT)),
        DecisionKind::ImplicitDeny
    );
    let granted = with_resource(
        r#"{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"s3:*"}"#,
    );
    assert_eq!(
        kind(&granted, &request(SERVICE, "s3:GetObject", OBJECT)),
        DecisionKind::Allowed
    );
    assert_eq!(
        kind(&granted, &request("anonymous", "s3:GetObject", OBJECT)),
        DecisionKind::ImplicitDeny
    );
    let public = with_resource(r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject"}"#);
    assert_eq!(
        kind(&public, &request("anonymous", "s3:GetObject", OBJECT)),
        DecisionKind::Allowed
    );
}

const ROLE_RESOURCE: &str = "arn:aws:iam::111122223333:role/target";
const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/k1";

/// A same-account set with an identity policy and boundary as given, and a
/// resource policy naming `named`.
fn grant_case(named: Option<&str>, identity_allows: bool, boundary_allows: bool) -> PolicySet {
    let narrow = r#"{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}"#;
    PolicySet {
        identity: vec![identity(if identity_allows { ALLOW_ALL } else { narrow })],
        permissions_boundary: boundary(if boundary_allows { ALLOW_ALL } else { narrow }),
        resource: named.map(|n| {
            resource_policy(&format!(
                r#"{{"Effect":"Allow","Principal":{{"AWS":"{n}"}},"Action":"*"}}"#
            ))
        }),
        ..PolicySet::default()
    }
}

#[test]
fn step4_same_account_grant_strengths() {
    let session_get = request(SESSION, "s3:GetObject", OBJECT);
    // Specific: grants alone.
    assert_eq!(
        kind(&grant_case(Some(SESSION), false, false), &session_get),
        DecisionKind::Allowed
    );
    // Role: limited by the boundary (and session policies), not identity policies.
    assert_eq!(
        kind(&grant_case(Some(UNNAMED), false, true), &session_get),
        DecisionKind::Allowed
    );
    assert_eq!(
        kind(&grant_case(Some(UNNAMED), true, false), &session_get),
        DecisionKind::ImplicitDeny
    );
    let mut limited = grant_case(Some(UNNAMED), false, true);
    limited.session = Some(vec![]);
    assert_eq!(kind(&limited, &session_get), DecisionKind::ImplicitDeny);
    // Account: delegates to the identity path.
    assert_eq!(
        kind(&grant_case(Some(A), false, true), &session_get),
        DecisionKind::ImplicitDeny
    );
    assert_eq!(
        kind(&grant_case(Some(A), true, true), &session_get),
        DecisionKind::Allowed
    );
    assert_eq!(
        kind(&grant_case(Some(A), true, false), &session_get),
        DecisionKind::ImplicitDeny
    );
    // `AWS: *` counts as specific.
    assert_eq!(
        kind(&grant_case(Some("*"), false, false), &session_get),
        DecisionKind::Allowed
    );
    // No grant: the identity path.
    assert_eq!(
        kind(&grant_case(None, true, true), &session_get),
        DecisionKind::Allowed
    );
    assert_eq!(
        kind(&grant_case(None, true, false), &session_get),
        DecisionKind::ImplicitDeny
    );
    // A grant to someone else counts as no grant.
    assert_eq!(
        kind(&grant_case(Some(B), true, true), &session_get),
        DecisionKind::Allowed
    );
}

#[test]
fn step4_roles_and_keys_need_their_resource_policy() {
    for action in [
        "sts:AssumeRole",
        "STS:assumerole",
        "sts:TagSession",
        "sts:SetSourceIdentity",
        "sts:AssumeRoleWithSAML",
        "sts:AssumeRoleWithWebIdentity",
    ] {
        let assume = request(USER, action, ROLE_RESOURCE);
        assert_eq!(
            kind(&grant_case(None, true, true), &assume),
            DecisionKind::ImplicitDeny,
            "{action}"
        );
        assert_eq!(
            kind(&grant_case(Some(A), true, true), &assume),
            DecisionKind::Allowed,
            "{action}"
        );
        // Named specifically: the identity policies do not matter, the
        // boundary does ("Update a role trust policy").
        assert_eq!(
            kind(&grant_case(Some(USER), false, true), &assume),
            DecisionKind::Allowed,
            "{action}"
        );
        assert_eq!(
            kind(&grant_case(Some(USER), false, false), &assume),
            DecisionKind::ImplicitDeny,
            "{action}"
        );
        let mut unbounded = grant_case(Some(USER), false, false);
        unbounded.permissions_boundary = None;
        assert_eq!(kind(&unbounded, &assume), DecisionKind::Allowed, "{action}");
    }
    // Other actions on roles are ordinary.
    assert_eq!(
        kind(
            &grant_case(None, true, true),
            &request(USER, "iam:GetRole", ROLE_RESOURCE)
        ),
        DecisionKind::Allowed
    );
    // Any action on a KMS key.
    assert_eq!(
        kind(
            &grant_case(None, true, true),
            &request(USER, "kms:Decrypt", KEY)
        ),
        DecisionKind::ImplicitDeny
    );
    assert_eq!(
        kind(
            &grant_case(Some(ROOT), true, true),
            &request(USER, "kms:Decrypt", KEY)
        ),
        DecisionKind::Allowed
    );
    // Aliases are not keys.
    let alias = "arn:aws:kms:us-east-1:111122223333:alias/a";
    assert_eq!(
        kind(
            &grant_case(None, true, true),
            &request(USER, "kms:Decrypt", alias)
        ),
        DecisionKind::Allowed
    );
}

#[test]
fn step5_cross_account_needs_both_sides() {
    let other_bucket = |set: &PolicySet| {
        let mut r = user_get(OBJECT);
        r.resource_account = Some(B.to_owned());
        kind(set, &r)
    };
    assert_eq!(
        other_bucket(&grant_case(None, true, true)),
        DecisionKind::ImplicitDeny
    );
    assert_eq!(
        other_bucket(&grant_case(Some(USER), false, true)),
        DecisionKind::ImplicitDeny
    );
    assert_eq!(
        other_bucket(&grant_case(Some(USER), true, false)),
        DecisionKind::ImplicitDeny
    );
    assert_eq!(
        other_bucket(&grant_case(Some(A), true, true)),
        DecisionKind::Allowed
    );
    assert_eq!(
        other_bucket(&grant_case(Some(USER), true, true)),
        DecisionKind::Allowed
    );
    // The resource account comes from the ARN when not given.
    let key_b = "arn:aws:kms:us-east-1:444455556666:key/k1";
    assert_eq!(
        kind(
            &grant_case(Some(USER), false, true),
            &request(USER, "kms:Decrypt", key_b)
        ),
        DecisionKind::ImplicitDeny
    );
    assert_eq!(
        kind(
            &grant_case(Some(USER), true, true),
            &request(USER, "kms:Decrypt", key_b)
        ),
        DecisionKind::Allowed
    );
}

#[test]
fn step6_rcps_only_deny() {
    let rcp = |statement: &str| {
        NamedPolicy::new(
            "resourceControlPolicies[0][0]",
            stmt(PolicyKind::ResourceControl, statement),
        )
    };
    let policies = PolicySet {
        resource_control: vec![
            vec![rcp(
                r#"{"Effect":"Deny","Principal":"*","Action":"iam:*","Resource":"*"}"#,
            )],
            vec![],
        ],
        ..with_identity(ALLOW_ALL)
    };
    assert_eq!(kind(&policies, &user_get(OBJECT)), DecisionKind::Allowed);
    assert_eq!(
        kind(&policies, &request(USER, "iam:GetRole", ROLE_RESOURCE)),
        DecisionKind::ExplicitDeny
    );
    // RCP denies apply to service principals too.
    let for_service = PolicySet {
        resource_control: vec![vec![rcp(
            r#"{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}"#,
        )]],
        ..with_resource(r#"{"Effect":"Allow","Principal":"*","Action":"*"}"#)
    };
    assert_eq!(
        kind(&for_service, &request(SERVICE, "s3:GetObject", OBJECT)),
        DecisionKind::ExplicitDeny
    );
}

#[test]
fn step7_allowed_lists_every_applicable_allow_in_canonical_order() {
    let policies = PolicySet {
        identity: vec![
            NamedPolicy::new(
                "identityPolicies[0]",
                doc(
                    PolicyKind::Identity,
                    r#"{"Version":"2012-10-17","Statement":[
                {"Sid":"a","Effect":"Allow","Action":"s3:*","Resource":"*"},
                {"Effect":"Allow","Action":"iam:*","Resource":"*"},
                {"Sid":"c","Effect":"Allow","Action":"*","Resource":"*"}]}"#,
                ),
            ),
            NamedPolicy::new("identityPolicies[1]", stmt(PolicyKind::Identity, ALLOW_ALL)),
        ],
        permissions_boundary: boundary(ALLOW_ALL),
        session: sessions(&[ALLOW_ALL]),
        service_control: vec![vec![scp(0, ALLOW_ALL)]],
        resource: Some(resource_policy(&format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":"{B}"}},"Action":"*"}},{{"Effect":"Allow","Principal":"*","Action":"*"}}"#
        ))),
        ..PolicySet::default()
    };
    assert_eq!(
        evaluate(&policies, &request(SESSION, "s3:GetObject", OBJECT)),
        Decision {
            kind: DecisionKind::Allowed,
            decisive: vec![
                decisive("identityPolicies[0]", 0, Some("a"), Effect::Allow),
                decisive("identityPolicies[0]", 2, Some("c"), Effect::Allow),
                decisive("identityPolicies[1]", 0, None, Effect::Allow),
                decisive("permissionsBoundary", 0, None, Effect::Allow),
                decisive("sessionPolicies[0]", 0, None, Effect::Allow),
                at_level(
                    decisive("serviceControlPolicies[0][0]", 0, None, Effect::Allow),
                    0
                ),
                decisive("resourcePolicy", 1, None, Effect::Allow),
            ],
            explanation: None,
        }
    );
    // SCP allows are not decisive for principals SCPs do not govern.
    let decision = evaluate(&policies, &request(SERVICE, "s3:GetObject", OBJECT));
    assert_eq!(decision.kind, DecisionKind::Allowed);
    assert!(
        decision
            .decisive
            .iter()
            .all(|d| !d.policy.starts_with("serviceControl"))
    );
    assert_eq!(decision.decisive.len(), 6);
}

#[test]
fn step7_implicit_deny_has_no_decisive_statements() {
    let policies = PolicySet {
        permissions_boundary: boundary(r#"{"Effect":"Allow","Action":"iam:*","Resource":"*"}"#),
        ..with_identity(ALLOW_ALL)
    };
    assert_eq!(
        evaluate(&policies, &user_get(OBJECT)),
        Decision {
            kind: DecisionKind::ImplicitDeny,
            decisive: vec![],
            explanation: Some(tollgate_policy::Explanation {
                unmet: vec![tollgate_policy::Requirement::Boundary],
                ..Default::default()
            }),
        }
    );
}

// ---------------------------------------------------------------- the five rules of issue 13

#[test]
fn any_aws_grants_and_not_principal_star_excepts_anonymous_callers() {
    let get = request("anonymous", "s3:GetObject", OBJECT);
    let public =
        with_resource(r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject"}"#);
    assert_eq!(kind(&public, &get), DecisionKind::Allowed);
    for element in [r#""*""#, r#"{"AWS":"*"}"#] {
        let policies = with_resource(&format!(
            r#"{{"Effect":"Deny","NotPrincipal":{element},"Action":"*"}},{{"Effect":"Allow","Principal":"*","Action":"*"}}"#
        ));
        assert_eq!(kind(&policies, &get), DecisionKind::Allowed, "{element}");
        assert_eq!(
            kind(&policies, &user_get(OBJECT)),
            DecisionKind::Allowed,
            "{element}"
        );
    }
}

const SLR: &str =
    "arn:aws:iam::111122223333:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS";

#[test]
fn service_linked_roles_are_not_restricted_by_scps() {
    let policies = PolicySet {
        identity: vec![identity(ALLOW_ALL)],
        service_control: vec![vec![scp(0, DENY_ALL)], vec![]],
        ..PolicySet::default()
    };
    let decision = evaluate(&policies, &request(SLR, "ec2:RunInstances", "*"));
    assert_eq!(decision.kind, DecisionKind::Allowed);
    assert_eq!(decision.decisive.len(), 1, "{:?}", decision.decisive);
    // Another path, or a session ARN (which carries no path): SCPs apply.
    for who in [
        "arn:aws:iam::111122223333:role/service-role/AWSServiceRoleForECS",
        "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForECS/s1",
    ] {
        assert_eq!(
            kind(&policies, &request(who, "ec2:RunInstances", "*")),
            DecisionKind::ExplicitDeny,
            "{who}"
        );
    }
}

#[test]
fn an_account_root_never_assumes_a_role() {
    for trusted in [A, ROOT, "*"] {
        let policies = PolicySet {
            resource: Some(resource_policy(&format!(
                r#"{{"Effect":"Allow","Principal":{{"AWS":"{trusted}"}},"Action":"sts:*"}}"#
            ))),
            ..PolicySet::default()
        };
        for action in [
            "sts:AssumeRole",
            "sts:AssumeRoleWithSAML",
            "sts:AssumeRoleWithWebIdentity",
            "sts:TagSession",
            "sts:SetSourceIdentity",
        ] {
            let decision = evaluate(&policies, &request(ROOT, action, ROLE_RESOURCE));
            assert_eq!(
                decision.kind,
                DecisionKind::ImplicitDeny,
                "{trusted} {action}"
            );
            assert!(decision.decisive.is_empty());
        }
        // The account's users still may, through their identity policies.
        let mut with_user = policies.clone();
        with_user.identity = vec![identity(ALLOW_ALL)];
        assert_eq!(
            kind(&with_user, &request(USER, "sts:AssumeRole", ROLE_RESOURCE)),
            DecisionKind::Allowed,
            "{trusted}"
        );
    }
    // An explicit deny still says which statement denied.
    let denied = with_resource(&format!(
        r#"{{"Effect":"Deny","Principal":{{"AWS":"{A}"}},"Action":"sts:AssumeRole"}}"#
    ));
    assert_eq!(
        kind(&denied, &request(ROOT, "sts:AssumeRole", ROLE_RESOURCE)),
        DecisionKind::ExplicitDeny
    );
    // Other requests on a role are the root's as ever.
    assert_eq!(
        kind(
            &PolicySet::default(),
            &request(ROOT, "iam:GetRole", ROLE_RESOURCE)
        ),
        DecisionKind::Allowed
    );
}

#[test]
fn a_named_session_assuming_a_role_needs_its_boundary() {
    let assume = request(SESSION, "sts:AssumeRole", ROLE_RESOURCE);
    assert_eq!(
        kind(&grant_case(Some(SESSION), false, true), &assume),
        DecisionKind::Allowed
    );
    assert_eq!(
        kind(&grant_case(Some(SESSION), false, false), &assume),
        DecisionKind::ImplicitDeny
    );
    // Not for other resources: a specific grant stands alone there.
    assert_eq!(
        kind(
            &grant_case(Some(SESSION), false, false),
            &request(SESSION, "s3:GetObject", OBJECT)
        ),
        DecisionKind::Allowed
    );
}

#[test]
fn scp_and_rcp_statements_name_their_level() {
    let policies = PolicySet {
        identity: vec![identity(ALLOW_ALL)],
        service_control: vec![vec![scp(0, ALLOW_ALL)], vec![scp(1, ALLOW_ALL)]],
        ..PolicySet::default()
    };
    let decision = evaluate(&policies, &user_get(OBJECT));
    let levels: Vec<_> = decision.decisive.iter().map(|d| d.level.clone()).collect();
    assert_eq!(
        levels,
        [
            None,
            Some(tollgate_policy::OrgLevel {
                index: 0,
                name: None
            }),
            Some(tollgate_policy::OrgLevel {
                index: 1,
                name: None
            }),
        ]
    );
}

#[test]
fn no_policy_reaches_across_partitions() {
    let policies = PolicySet {
        identity: vec![identity(ALLOW_ALL)],
        resource: Some(resource_policy(&format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":["{A}","arn:aws:iam::{A}:role/deploy"]}},"Action":"*","Resource":"*"}}"#
        ))),
        ..PolicySet::default()
    };
    for who in [
        "arn:aws-us-gov:iam::111122223333:user/alice",
        "arn:aws-us-gov:sts::111122223333:assumed-role/deploy/s1",
        "arn:aws-cn:iam::111122223333:root",
    ] {
        let decision = evaluate(&policies, &request(who, "s3:GetObject", OBJECT));
        assert_eq!(decision.kind, DecisionKind::ImplicitDeny, "{who}");
        let own = OBJECT.replacen(
            "arn:aws:",
            &format!("arn:{}:", who.split(':').nth(1).unwrap()),
            1,
        );
        assert_eq!(
            kind(&policies, &request(who, "s3:GetObject", &own)),
            DecisionKind::Allowed,
            "{who} {own}"
        );
    }
    // An explicit deny is still reported as one.
    let mut denied = policies.clone();
    denied.identity.push(identity(DENY_ALL));
    assert_eq!(
        kind(
            &denied,
            &request(
                "arn:aws-us-gov:iam::111122223333:user/alice",
                "s3:GetObject",
                OBJECT
            )
        ),
        DecisionKind::ExplicitDeny
    );
    // An application's own names are in no AWS partition: unchanged.
    for app in [
        "arn:app:photos:::photo/42",
        "arn:aws-photos:photos:::photo/42",
    ] {
        assert_eq!(
            kind(
                &policies,
                &request(
                    "arn:aws-us-gov:iam::111122223333:user/alice",
                    "s3:GetObject",
                    app
                )
            ),
            DecisionKind::Allowed,
            "{app}"
        );
    }
    // Services are not IAM identities of a partition: unchanged.
    assert_eq!(
        kind(&policies, &request(SERVICE, "s3:GetObject", OBJECT)),
        DecisionKind::ImplicitDeny
    );
}
