use serde_json::{Value, json};
use tollgate_policy::{DecisionKind, ParseLimits, PrincipalKind};

use super::*;

const USER: &str = "arn:aws:iam::111122223333:user/sam";

fn allow(action: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]})
}

fn deny_all() -> Value {
    json!({"Version": "2012-10-17", "Statement": {"Sid": "DenyAll", "Effect": "Deny", "Action": "*", "Resource": "*"}})
}

fn trust() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": USER}, "Action": "sts:AssumeRole"}]})
}

fn request() -> Value {
    json!({"principal": USER, "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"})
}

fn read(value: Value) -> Scenario {
    Scenario::from_json(&value, &ParseLimits::default()).unwrap_or_else(|e| panic!("{e:?}"))
}

/// The faults, each as `path: message`.
fn faults(value: Value) -> Vec<String> {
    Scenario::from_json(&value, &ParseLimits::default())
        .expect_err("the scenario should be rejected")
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn with(field: &str, value: Value) -> Value {
    let mut scenario = json!({"request": request()});
    scenario[field] = value;
    scenario
}

#[test]
fn minimal_scenario() {
    let s = read(json!({"request": request()}));
    assert_eq!(s.name, None);
    assert_eq!(s.description, None);
    assert_eq!(s.expect, None);
    assert!(s.policies.identity.is_empty());
    assert_eq!(s.policies.permissions_boundary, None);
    assert_eq!(s.policies.session, None);
    assert!(s.policies.service_control.is_empty());
    assert!(s.policies.resource_control.is_empty());
    assert_eq!(s.policies.resource, None);
}

#[test]
fn name_and_description() {
    let mut v = with("name", json!("n"));
    v["description"] = json!("why");
    let s = read(v);
    assert_eq!(s.name.as_deref(), Some("n"));
    assert_eq!(s.description.as_deref(), Some("why"));
    assert_eq!(
        faults(with("name", json!(3))),
        ["name: expected a string, found a number"]
    );
    assert_eq!(
        faults(with("description", json!(null))),
        ["description: expected a string, found null"]
    );
}

#[test]
fn identity_policies() {
    let s = read(with(
        "identityPolicies",
        json!([allow("s3:*"), allow("ec2:*")]),
    ));
    let labels: Vec<_> = s
        .policies
        .identity
        .iter()
        .map(|p| p.label.as_str())
        .collect();
    assert_eq!(labels, ["identityPolicies[0]", "identityPolicies[1]"]);
    assert!(
        read(with("identityPolicies", json!([])))
            .policies
            .identity
            .is_empty()
    );
    assert_eq!(
        faults(with("identityPolicies", allow("s3:*"))),
        ["identityPolicies: expected a list of policy documents, found an object"]
    );
    assert_eq!(
        faults(with("identityPolicies", json!(["x"]))),
        ["identityPolicies[0]: expected a policy document (an object), found a string"]
    );
}

#[test]
fn permissions_boundary() {
    let s = read(with("permissionsBoundary", allow("s3:*")));
    let boundary = s.policies.permissions_boundary.unwrap();
    assert_eq!(boundary.label, "permissionsBoundary");
    assert_eq!(boundary.document.statements.len(), 1);
    assert_eq!(
        faults(with("permissionsBoundary", json!([allow("s3:*")]))),
        ["permissionsBoundary: expected a policy document (an object), found an array"]
    );
}

#[test]
fn session_policies_absent_empty_and_given() {
    assert_eq!(read(json!({"request": request()})).policies.session, None);
    assert_eq!(
        read(with("sessionPolicies", json!([]))).policies.session,
        Some(vec![])
    );
    let s = read(with("sessionPolicies", json!([allow("s3:*"), deny_all()])));
    let labels: Vec<_> = s
        .policies
        .session
        .unwrap()
        .into_iter()
        .map(|p| p.label)
        .collect();
    assert_eq!(labels, ["sessionPolicies[0]", "sessionPolicies[1]"]);
}

#[test]
fn service_and_resource_control_policy_levels() {
    let s = read(with(
        "serviceControlPolicies",
        json!([[allow("*")], [], [allow("s3:*"), deny_all()]]),
    ));
    let levels: Vec<Vec<String>> = s
        .policies
        .service_control
        .iter()
        .map(|level| level.iter().map(|p| p.label.clone()).collect())
        .collect();
    assert_eq!(
        levels,
        vec![
            vec!["serviceControlPolicies[0][0]".to_owned()],
            vec![],
            vec![
                "serviceControlPolicies[2][0]".to_owned(),
                "serviceControlPolicies[2][1]".to_owned()
            ],
        ]
    );
    assert!(
        read(with("serviceControlPolicies", json!([])))
            .policies
            .service_control
            .is_empty()
    );
    let rcp = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}]});
    let s = read(with("resourceControlPolicies", json!([[rcp]])));
    assert_eq!(
        s.policies.resource_control[0][0].label,
        "resourceControlPolicies[0][0]"
    );
    assert_eq!(
        faults(with("serviceControlPolicies", json!([allow("*")]))),
        ["serviceControlPolicies[0]: expected a list of policy documents, found an object"]
    );
    // RCPs follow their own grammar: deny only.
    let allow_rcp = json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]});
    let f = faults(with("resourceControlPolicies", json!([[allow_rcp]])));
    assert!(f[0].starts_with("resourceControlPolicies[0][0].Statement[0].Effect: resource control policies may only deny"), "{f:?}");
}

#[test]
fn resource_policy() {
    let s = read(with("resourcePolicy", trust()));
    assert_eq!(s.policies.resource.unwrap().label, "resourcePolicy");
    let f = faults(with("resourcePolicy", allow("s3:*")));
    assert_eq!(
        f,
        ["resourcePolicy.Statement[0]: missing required element `Principal`"]
    );
}

#[test]
fn policy_kinds_follow_the_fields() {
    // A Principal is an error in every kind but resource policies and RCPs.
    let with_principal = trust();
    for field in ["permissionsBoundary", "resourcePolicy"] {
        let is_resource = field == "resourcePolicy";
        let result = Scenario::from_json(
            &with(field, with_principal.clone()),
            &ParseLimits::default(),
        );
        assert_eq!(result.is_ok(), is_resource, "{field}");
    }
    let mut with_resource = with_principal;
    with_resource["Statement"][0]["Resource"] = json!("*");
    let f = faults(with("identityPolicies", json!([with_resource.clone()])));
    assert_eq!(
        f,
        [
            "identityPolicies[0].Statement[0].Principal: `Principal` is not allowed in an identity-based policy"
        ]
    );
    let f = faults(with("sessionPolicies", json!([with_resource.clone()])));
    assert_eq!(
        f,
        [
            "sessionPolicies[0].Statement[0].Principal: `Principal` is not allowed in a session policy"
        ]
    );
    let f = faults(with("serviceControlPolicies", json!([[with_resource]])));
    assert_eq!(
        f,
        [
            "serviceControlPolicies[0][0].Statement[0].Principal: `Principal` is not allowed in a service control policy"
        ]
    );
}

#[test]
fn policy_errors_carry_the_full_path() {
    let bad = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEqualz": {"aws:username": "x"}}}
    ]});
    let f = faults(with("identityPolicies", json!([bad])));
    assert_eq!(f.len(), 1);
    assert!(
        f[0].starts_with("identityPolicies[0].Statement[2].Condition"),
        "{f:?}"
    );
    assert!(
        f[0].contains("unknown condition operator `StringEqualz`"),
        "{f:?}"
    );
}

#[test]
fn every_fault_is_reported() {
    let v = json!({
        "nmae": "typo",
        "identityPolicies": [{"Statement": {"Action": "s3:*", "Resource": "*"}}],
        "request": {"principal": "bob", "action": "GetObject", "resource": "", "resourceAccount": "12", "extra": 1},
        "expect": "allow"
    });
    let f = faults(v);
    assert_eq!(
        f,
        [
            "nmae: unknown field `nmae`; expected one of `name`, `description`, `identityPolicies`, `permissionsBoundary`, `sessionPolicies`, `serviceControlPolicies`, `resourceControlPolicies`, `resourcePolicy`, `request`, `expect`",
            "identityPolicies[0].Statement: missing required element `Effect`",
            "request.extra: unknown field `extra`; expected one of `principal`, `action`, `resource`, `resourceAccount`, `context`",
            "request.principal: `bob` is not a principal: expected an IAM user, role, role session, federated user, account root or identity provider ARN, a service or web identity provider name, or `anonymous`",
            "request.action: `GetObject` is not an action: expected `service:Action`, a service prefix of ASCII letters, digits and hyphens and an action name of ASCII letters and digits (no wildcards)",
            "request.resource: `` is not a resource: expected `*` or an ARN `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`",
            "request.resourceAccount: `12` is not an account id: expected 12 digits",
            "expect: `allow` is not a decision: expected `allowed`, `explicitDeny` or `implicitDeny`",
        ]
    );
}

#[test]
fn unknown_field_suggests_the_right_case() {
    assert_eq!(
        faults(json!({"Request": request()})),
        [
            "Request: unknown field `Request`; did you mean `request`?",
            "missing required field `request`"
        ]
    );
    let mut r = request();
    r["Action"] = json!("s3:GetObject");
    assert_eq!(
        faults(json!({"request": r})),
        ["request.Action: unknown field `Action`; did you mean `action`?"]
    );
}

#[test]
fn not_an_object() {
    assert_eq!(
        faults(json!([1])),
        ["expected a scenario object, found an array"]
    );
    assert_eq!(
        faults(json!({"request": "x"})),
        ["request: expected a request object, found a string"]
    );
}

#[test]
fn request_fields() {
    let s = read(json!({"request": {
        "principal": "arn:aws:sts::111122223333:assumed-role/deploy/s1",
        "action": "sts:AssumeRole",
        "resource": "arn:aws:iam::444455556666:role/deploy",
        "resourceAccount": "444455556666"
    }}));
    assert_eq!(s.request.principal().kind(), PrincipalKind::AssumedRole);
    assert_eq!(s.request.action, "sts:AssumeRole");
    assert_eq!(s.request.resource, "arn:aws:iam::444455556666:role/deploy");
    assert_eq!(s.request.resource_account.as_deref(), Some("444455556666"));
    assert!(s.request.context.is_empty());
    // Derived keys come from the principal.
    assert_eq!(
        s.request.context_view().get("aws:PrincipalArn").unwrap()[0].as_ref(),
        "arn:aws:iam::111122223333:role/deploy"
    );
    let s = read(
        json!({"request": {"principal": "lambda.amazonaws.com", "action": "s3:PutObject", "resource": "*"}}),
    );
    assert_eq!(s.request.principal().kind(), PrincipalKind::Service);
    assert_eq!(s.request.resource_account, None);
}

#[test]
fn request_required_fields() {
    assert_eq!(
        faults(json!({"request": {}})),
        [
            "request: missing required field `principal`",
            "request: missing required field `action`",
            "request: missing required field `resource`",
        ]
    );
    assert_eq!(faults(json!({})), ["missing required field `request`"]);
    let mut r = request();
    r["principal"] = json!(["a"]);
    assert_eq!(
        faults(json!({"request": r})),
        ["request.principal: expected a string, found an array"]
    );
}

#[test]
fn context_values() {
    let mut r = request();
    r["context"] = json!({
        "aws:SourceIp": "203.0.113.5",
        "aws:TagKeys": ["a", "b"],
        "aws:MultiFactorAuthAge": 300,
        "aws:SecureTransport": true,
        "ec2:Ratio": 1.5,
        "aws:Mixed": [1, false, "x"],
        "aws:Empty": []
    });
    let s = read(json!({"request": r}));
    let c = &s.request.context;
    let get =
        |k: &str| -> Vec<String> { c.get(k).unwrap().iter().map(|v| v.to_string()).collect() };
    assert_eq!(get("aws:sourceip"), ["203.0.113.5"]);
    assert_eq!(get("aws:TagKeys"), ["a", "b"]);
    assert_eq!(get("aws:MultiFactorAuthAge"), ["300"]);
    assert_eq!(get("aws:SecureTransport"), ["true"]);
    assert_eq!(get("ec2:Ratio"), ["1.5"]);
    assert_eq!(get("aws:Mixed"), ["1", "false", "x"]);
    assert!(get("aws:Empty").is_empty());
    // A given key wins over a derived one.
    let mut r = request();
    r["context"] = json!({"aws:username": "other"});
    let s = read(json!({"request": r}));
    assert_eq!(
        s.request.context_view().get("aws:username").unwrap()[0].as_ref(),
        "other"
    );
}

#[test]
fn context_errors() {
    let mut r = request();
    r["context"] = json!({"a:b": null, "a:c": [["x"]], "a:d": {"x": 1}, "A:E": "1", "a:e": "2"});
    assert_eq!(
        faults(json!({"request": r})),
        [
            "request.context.a:b: expected a string, number, boolean or a list of them, found null",
            "request.context.a:c[0]: expected a string, number or boolean, found an array",
            "request.context.a:d: expected a string, number, boolean or a list of them, found an object",
            "request.context.a:e: `a:e` is given twice (condition keys ignore case)",
        ]
    );
    let mut r = request();
    r["context"] = json!(["a"]);
    assert_eq!(
        faults(json!({"request": r})),
        ["request.context: expected an object of condition keys, found an array"]
    );
}

#[test]
fn expect_values() {
    for (text, kind) in [
        ("allowed", DecisionKind::Allowed),
        ("explicitDeny", DecisionKind::ExplicitDeny),
        ("implicitDeny", DecisionKind::ImplicitDeny),
    ] {
        assert_eq!(read(with("expect", json!(text))).expect, Some(kind));
    }
    assert_eq!(
        faults(with("expect", json!(true))),
        ["expect: expected a string, found a boolean"]
    );
    assert_eq!(
        faults(with("expect", json!("Allowed"))),
        [
            "expect: `Allowed` is not a decision: expected `allowed`, `explicitDeny` or `implicitDeny`"
        ]
    );
}

#[test]
fn limits_apply_to_scenario_strings_lists_and_documents() {
    let limits = ParseLimits {
        max_document_bytes: 200,
        max_statements: 10,
        max_list_len: 3,
        max_string_bytes: 16,
    };
    let check = |v: Value| -> Vec<String> {
        Scenario::from_json(&v, &limits)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    let long = "x".repeat(17);
    assert_eq!(
        check(
            json!({"name": long, "request": {"principal": "anonymous", "action": "s3:a", "resource": "*"}})
        ),
        ["name: string of 17 bytes is longer than the limit of 16"]
    );
    let big =
        json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "x".repeat(300)}]});
    assert_eq!(
        check(
            json!({"identityPolicies": [big], "request": {"principal": "anonymous", "action": "s3:a", "resource": "*"}})
        ),
        ["identityPolicies[0]: policy document is larger than the limit of 200 bytes"]
    );
    assert_eq!(
        check(
            json!({"request": {"principal": "anonymous", "action": "s3:a", "resource": "*", "context": {"k:k": [1, 2, 3, 4]}}})
        ),
        ["request.context.k:k: list of 4 values is longer than the limit of 3"]
    );
}

#[test]
fn long_user_text_is_cut_in_messages() {
    let key = "k".repeat(5000);
    let f = faults(json!({key.clone(): 1, "request": request()}));
    assert!(
        f[0].len() < 2 * crate::MAX_MESSAGE_BYTES + 10,
        "{}",
        f[0].len()
    );
    assert!(f[0].contains("`kkkk"));
    assert!(f[0].contains("...`"));
}

#[test]
fn the_request_rules_apply_to_scenarios() {
    let with_request = |field: &str, value: Value| {
        let mut request = request();
        request[field] = value;
        json!({"request": request})
    };
    for action in [
        "organizations:Leave*",
        "s3:*",
        "s3:GetObject\u{0}",
        "organizations:LeaveOrganizat\u{131}on",
    ] {
        let f = faults(with_request("action", json!(action)));
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].starts_with("request.action: "), "{f:?}");
    }
    let f = faults(with_request("resource", json!("bucket")));
    assert!(f[0].starts_with("request.resource: "), "{f:?}");
    let f = faults(with_request(
        "principal",
        json!("arn:aws:iam:us-east-1:111122223333:user/bob"),
    ));
    assert!(f[0].starts_with("request.principal: "), "{f:?}");
    // Typed and single-valued keys hold here too.
    let f = faults(with_request(
        "context",
        json!({"aws:SecureTransport": 0, "aws:RequestedRegion": ["a", "b"]}),
    ));
    assert!(f[0].starts_with("request.context: "), "{f:?}");
    // Principal keys are the scenario's to give: there is no store.
    let s = read(with_request(
        "context",
        json!({"aws:PrincipalTag/team": "admins", "aws:username": "sam"}),
    ));
    assert_eq!(s.request.context.len(), 2);
}
