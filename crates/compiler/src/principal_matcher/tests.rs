use super::*;
use tollgate_policy::{PolicyDocument, PolicyKind};

fn matcher(principal_json: &str) -> PrincipalMatcher {
    let doc =
        format!(r#"{{"Statement": {{"Effect": "Allow", {principal_json}, "Action": "s3:*"}}}}"#);
    let doc = PolicyDocument::parse(&doc, PolicyKind::Resource).unwrap();
    PrincipalMatcher::compile(doc.statements[0].principal.as_ref().unwrap())
}

fn who(text: &str) -> RequestPrincipal {
    RequestPrincipal::parse(text).unwrap()
}

const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/deploy/s1";
const USER: &str = "arn:aws:iam::111122223333:user/sam";

#[test]
fn strengths_follow_the_identity_chain() {
    let m = matcher(r#""Principal": {"AWS": "arn:aws:iam::111122223333:role/ops/deploy"}"#);
    assert_eq!(m.strength(&who(SESSION), false), Some(Strength::Role));
    assert_eq!(m.strength(&who(USER), false), None);
    let m = matcher(r#""Principal": {"AWS": "111122223333"}"#);
    assert_eq!(m.strength(&who(SESSION), false), Some(Strength::Account));
    assert_eq!(m.strength(&who(USER), false), Some(Strength::Account));
    assert_eq!(
        m.strength(&who("arn:aws:iam::444455556666:user/x"), false),
        None
    );
    let m = matcher(&format!(
        r#""Principal": {{"AWS": ["{SESSION}", "111122223333"]}}"#
    ));
    assert_eq!(m.strength(&who(SESSION), false), Some(Strength::Specific));
    let m = matcher(r#""Principal": "*""#);
    assert_eq!(
        m.strength(&who("anonymous"), false),
        Some(Strength::Specific)
    );
    let m = matcher(r#""Principal": {"AWS": "*"}"#);
    assert_eq!(
        m.strength(&who("anonymous"), false),
        Some(Strength::Specific),
        "AWS lists {{\"AWS\": \"*\"}} beside \"*\" for anonymous access"
    );
    assert_eq!(m.strength(&who("lambda.amazonaws.com"), false), None);
    assert_eq!(m.strength(&who(USER), false), Some(Strength::Specific));
    let m = matcher(r#""Principal": {"Service": "lambda.amazonaws.com"}"#);
    assert_eq!(
        m.strength(&who("lambda.amazonaws.com"), false),
        Some(Strength::Specific)
    );
}

#[test]
fn not_principal_exempts_only_fully_listed_chains() {
    let m = matcher(&format!(r#""NotPrincipal": {{"AWS": "{USER}"}}"#));
    assert_eq!(
        m.strength(&who(USER), false),
        Some(Strength::Specific),
        "account not listed"
    );
    let m = matcher(&format!(
        r#""NotPrincipal": {{"AWS": ["{USER}", "111122223333"]}}"#
    ));
    assert_eq!(m.strength(&who(USER), false), None);
    assert_eq!(
        m.strength(&who("anonymous"), false),
        Some(Strength::Specific)
    );
    assert_eq!(m.strength(&who(SESSION), false), Some(Strength::Specific));
}

#[test]
fn not_principal_deny_always_applies_to_bounded_users_and_roles() {
    let m = matcher(&format!(
        r#""NotPrincipal": {{"AWS": ["{USER}", "111122223333"]}}"#
    ));
    assert_eq!(m.strength(&who(USER), false), None);
    assert_eq!(m.strength(&who(USER), true), Some(Strength::Specific));
    assert_eq!(m.strength(&who(SESSION), true), Some(Strength::Specific));
}

#[test]
fn not_principal_star_excepts_everyone_anonymous_included() {
    for element in [r#""NotPrincipal": "*""#, r#""NotPrincipal": {"AWS": "*"}"#] {
        let m = matcher(element);
        for principal in ["anonymous", USER, SESSION, "arn:aws:iam::111122223333:root"] {
            assert_eq!(
                m.strength(&who(principal), false),
                None,
                "{element} {principal}"
            );
        }
    }
    // Services are not IAM principals: `{"AWS": "*"}` does not list them.
    let m = matcher(r#""NotPrincipal": {"AWS": "*"}"#);
    assert_eq!(
        m.strength(&who("lambda.amazonaws.com"), false),
        Some(Strength::Specific)
    );
    assert_eq!(
        matcher(r#""NotPrincipal": "*""#).strength(&who("lambda.amazonaws.com"), false),
        None
    );
}
