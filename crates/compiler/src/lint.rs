//! Warnings about policies that parse but probably do not say what their
//! author meant: action patterns of no known form, condition keys with an
//! unknown global (`aws:`) name or a malformed prefix, and policy variables
//! in documents whose `Version` makes them literal text.

use std::fmt;

use tollgate_policy::{Effect, NamedPolicy, PolicyVersion, TemplatePart};

/// A finding that does not stop compilation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileWarning {
    /// The label of the policy.
    pub policy: String,
    /// Where in the policy, as a JSON path.
    pub path: String,
    /// What looks wrong.
    pub message: String,
}

impl fmt::Display for CompileWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}: {}", self.policy, self.path, self.message)
    }
}

/// Global condition keys AWS documents (lowercase); tag keys are checked by prefix.
const GLOBAL_KEYS: &[&str] = &[
    "aws:assumedroot",
    "aws:calledvia",
    "aws:calledviafirst",
    "aws:calledvialast",
    "aws:chatbotsourcearn",
    "aws:currenttime",
    "aws:ec2instancesourceprivateipv4",
    "aws:ec2instancesourcevpc",
    "aws:epochtime",
    "aws:federatedprovider",
    "aws:multifactorauthage",
    "aws:multifactorauthpresent",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalisawsservice",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalservicename",
    "aws:principalservicenameslist",
    "aws:principaltype",
    "aws:referer",
    "aws:requestedregion",
    "aws:resourceaccount",
    "aws:resourceorgid",
    "aws:resourceorgpaths",
    "aws:securetransport",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceidentity",
    "aws:sourceip",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourcevpc",
    "aws:sourcevpcarn",
    "aws:sourcevpce",
    "aws:tagkeys",
    "aws:tokenissuetime",
    "aws:useragent",
    "aws:userid",
    "aws:username",
    "aws:viaawsservice",
    "aws:vpcsourceip",
    "aws:ismcpserviceaction",
    "aws:principalorgmasteraccountid",
];

const GLOBAL_KEY_PREFIXES: &[&str] = &[
    "aws:principaltag/",
    "aws:requesttag/",
    "aws:resourcetag/",
    "aws:requestattribute/",
];

fn is_service_prefix(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Condition key prefixes are service prefixes or, for web identity
/// federation, provider host names (`accounts.google.com:aud`).
fn is_condition_prefix(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with('.')
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

fn known_global_key(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    GLOBAL_KEYS.iter().any(|k| k.eq_ignore_ascii_case(&lower))
        || GLOBAL_KEY_PREFIXES
            .iter()
            .any(|p| lower.starts_with(p) && lower.len() > p.len())
}

/// Lints one policy.
pub(crate) fn lint(policy: &NamedPolicy, warnings: &mut Vec<CompileWarning>) {
    let mut warn = |path: String, message: String| {
        warnings.push(CompileWarning {
            policy: policy.label.clone(),
            path,
            message,
        })
    };
    let document = &policy.document;
    for (s, statement) in document.statements.iter().enumerate() {
        if statement.effect == Effect::Allow
            && statement.principal.as_ref().is_some_and(|p| p.negated)
        {
            warn(
                format!("Statement[{s}].NotPrincipal"),
                "AWS supports `NotPrincipal` only with `Deny`: this allow grants everyone not listed, anonymous callers included".to_owned(),
            );
        }
        let element = if statement.action.negated {
            "NotAction"
        } else {
            "Action"
        };
        for (a, pattern) in statement.action.patterns.iter().enumerate() {
            if pattern.raw() == "*" {
                continue;
            }
            let well_formed = pattern
                .raw()
                .split_once(':')
                .is_some_and(|(service, name)| is_service_prefix(service) && !name.is_empty());
            if !well_formed {
                warn(
                    format!("Statement[{s}].{element}[{a}]"),
                    format!(
                        "action pattern `{}` matches no known form: expected `service:Action` with a plain service prefix",
                        pattern.raw()
                    ),
                );
            }
        }
        for condition in &statement.conditions {
            let path = format!(
                "Statement[{s}].Condition.{}.{}",
                condition.operator, condition.key
            );
            let prefix = condition.key.split_once(':').map(|(p, _)| p).unwrap_or("");
            if !is_condition_prefix(prefix) {
                warn(
                    path,
                    format!(
                        "condition key `{}` has a malformed service prefix",
                        condition.key
                    ),
                );
            } else if prefix.eq_ignore_ascii_case("aws") && !known_global_key(&condition.key) {
                warn(
                    path,
                    format!(
                        "`{}` is not a documented global condition key; check its spelling",
                        condition.key
                    ),
                );
            }
        }
        if document.version != PolicyVersion::V2012_10_17 {
            let mentions_variable = statement
                .resource
                .iter()
                .flat_map(|r| r.patterns.iter())
                .chain(statement.conditions.iter().flat_map(|c| c.values.iter()))
                .any(|t| {
                    t.parts()
                        .iter()
                        .any(|p| matches!(p, TemplatePart::Literal(text) if text.contains("${")))
                });
            if mentions_variable {
                warn(
                    format!("Statement[{s}]"),
                    "`${...}` is literal text here: policy variables need `\"Version\": \"2012-10-17\"`".to_owned(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_policy::{PolicyDocument, PolicyKind};

    fn warnings_of(json: &str) -> Vec<String> {
        let document = PolicyDocument::parse(json, PolicyKind::Identity).unwrap();
        let mut out = Vec::new();
        lint(&NamedPolicy::new("p", document), &mut out);
        out.into_iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn flags_malformed_actions_typoed_keys_and_dead_variables() {
        let w = warnings_of(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3*:Get", "s3:GetObject"], "Resource": "*",
                "Condition": {"StringEquals": {"aws:SoruceIp": "x", "aws:PrincipalTag/team": "a", "s3:prefix": "p", "a b:c": "d", "accounts.google.com:aud": "x"}}}]}"#,
        );
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w[0].starts_with("p.Statement[0].Action[0]: action pattern `s3*:Get`"));
        assert!(
            w.iter()
                .any(|m| m.contains("`aws:SoruceIp` is not a documented global condition key"))
        );
        assert!(
            w.iter()
                .any(|m| m.contains("`a b:c` has a malformed service prefix"))
        );
        let w = warnings_of(
            r#"{"Version": "2008-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:username}/*"}}"#,
        );
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("literal text"));
        let w = warnings_of(
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/${aws:username}/*"}}"#,
        );
        assert!(w.is_empty());
        let document = PolicyDocument::parse(
            r#"{"Statement": {"Effect": "Allow", "NotPrincipal": {"AWS": "111122223333"}, "Action": "s3:*"}}"#,
            PolicyKind::Resource,
        )
        .unwrap();
        let mut out = Vec::new();
        lint(&NamedPolicy::new("r", document), &mut out);
        assert_eq!(out.len(), 1);
        assert!(
            out[0]
                .to_string()
                .starts_with("r.Statement[0].NotPrincipal: AWS supports")
        );
    }
}
