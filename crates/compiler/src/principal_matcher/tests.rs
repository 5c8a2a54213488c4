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
    assert_eq!(m.strength(&who(SESSION)), Some(Strength::Role));
    assert_eq!(m.strength(&who(USER)), None);
    let m = matcher(r#""Principal": {"AWS": "111122223333"}"#);
    assert_eq!(m.strength(&who(SESSION)), Some(Strength::Account));
    assert_eq!(m.strength(&who(USER)), Some(Strength::Account));
    assert_eq!(m.strength(&who("arn:aws:iam::444455556666:user/x")), None);
    let m = matcher(&format!(
        r#""Principal": {{"AWS": ["{SESSION}", "111122223333"]}}"#
    ));
    assert_eq!(m.strength(&who(SESSION)), Some(Strength::Specific));
    let m = matcher(r#""Principal": "*""#);
    assert_eq!(m.strength(&who("anonymous")), Some(Strength::Specific));
    let m = matcher(r#""Principal": {"AWS": "*"}"#);
    assert_eq!(m.strength(&who("anonymous")), None);
    assert_eq!(m.strength(&who("lambda.amazonaws.com")), None);
    assert_eq!(m.strength(&who(USER)), Some(Strength::Specific));
    let m = matcher(r#""Principal": {"Service": "lambda.amazonaws.com"}"#);
    assert_eq!(
        m.strength(&who("lambda.amazonaws.com")),
        Some(Strength::Specific)
    );
}

#[test]
fn not_principal_exempts_only_fully_listed_chains() {
    let m = matcher(&format!(r#""NotPrincipal": {{"AWS": "{USER}"}}"#));
    assert_eq!(
        m.strength(&who(USER)),
        Some(Strength::Specific),
        "account not listed"
    );
    let m = matcher(&format!(
        r#""NotPrincipal": {{"AWS": ["{USER}", "111122223333"]}}"#
    ));
    assert_eq!(m.strength(&who(USER)), None);
    assert_eq!(m.strength(&who("anonymous")), Some(Strength::Specific));
    assert_eq!(m.strength(&who(SESSION)), Some(Strength::Specific));
}
