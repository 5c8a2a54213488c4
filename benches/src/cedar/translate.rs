//! IAM identity statements (as the generator writes them, JSON) to Cedar
//! policy text, for the side-by-side benchmark only.
//!
//! What translates: `Effect` (`Allow` → `permit`, `Deny` → `forbid`);
//! `Action` lists (each pattern becomes an action entity; a wildcard pattern
//! becomes an action group that every matching action is a member of);
//! `Resource` lists (`*` → no constraint, a literal ARN → `==` on the
//! resource's `arn` attribute, a pattern with `*` → `like`); and these
//! conditions on single-valued context keys: `StringEquals`,
//! `StringNotEquals`, `StringLike` (without `?`), `Bool`, `IpAddress`,
//! `NotIpAddress` (the `ipaddr` extension), `Null`, each also with
//! `IfExists`, with IAM's rule for absent keys (a negated operator holds).
//! What does not: policy variables (`${...}`), `ForAnyValue`/`ForAllValues`,
//! dates, numbers, `ArnLike`, `?` in patterns, `NotAction`, `NotResource`,
//! `Principal`. A statement with any of those is left out of both sides.

use serde_json::Value;

/// A statement, translated: its Cedar text and the action patterns it names.
#[derive(Debug, Clone)]
pub struct CedarStatement {
    /// The Cedar policy text.
    pub text: String,
    /// Its action patterns as written (wildcards kept).
    pub actions: Vec<String>,
}

fn strings(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => None,
    }
}

fn quote(text: &str) -> String {
    // The generator's strings hold no quote or backslash; escape anyway.
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The Cedar entity id of an action pattern: the pattern itself.
pub fn action_entity(pattern: &str) -> String {
    format!("Action::{}", quote(pattern))
}

fn condition(operator: &str, key: &str, values: &[String]) -> Option<String> {
    if values.iter().any(|v| v.contains("${")) {
        return None;
    }
    let (base, if_exists) = match operator.strip_suffix("IfExists") {
        Some(base) => (base, true),
        None => (operator, false),
    };
    let k = quote(key);
    let present = format!("context has {k}");
    let value = format!("context[{k}]");
    let any = |f: &dyn Fn(&str) -> Option<String>| -> Option<String> {
        let parts: Option<Vec<String>> = values.iter().map(|v| f(v)).collect();
        Some(format!("({})", parts?.join(" || ")))
    };
    // (test when present, holds when absent)
    let (test, absent) = match base {
        "StringEquals" => (any(&|v| Some(format!("{value} == {}", quote(v))))?, false),
        "StringNotEquals" => (
            format!("!{}", any(&|v| Some(format!("{value} == {}", quote(v))))?),
            true,
        ),
        "StringLike" => (
            any(&|v| (!v.contains('?')).then(|| format!("{value} like {}", quote(v))))?,
            false,
        ),
        "Bool" => (
            any(&|v| Some(format!("{value} == {}", quote(&v.to_ascii_lowercase()))))?,
            false,
        ),
        "IpAddress" => (
            any(&|v| Some(format!("ip({value}).isInRange(ip({}))", quote(v))))?,
            false,
        ),
        "NotIpAddress" => (
            format!(
                "!{}",
                any(&|v| Some(format!("ip({value}).isInRange(ip({}))", quote(v))))?
            ),
            true,
        ),
        "Null" if !if_exists => {
            // Null "true": the key is absent; "false": present.
            return match values {
                [v] if v == "true" => Some(format!("!({present})")),
                [v] if v == "false" => Some(present),
                _ => None,
            };
        }
        _ => return None,
    };
    let absent = absent || if_exists;
    Some(if absent {
        format!("(!({present}) || {test})")
    } else {
        format!("({present} && {test})")
    })
}

/// Translates one statement of an identity policy, or `None` when it holds
/// something the translator does not cover (see the module doc).
pub fn statement(statement: &Value) -> Option<CedarStatement> {
    let object = statement.as_object()?;
    for key in object.keys() {
        if !matches!(
            key.as_str(),
            "Sid" | "Effect" | "Action" | "Resource" | "Condition"
        ) {
            return None;
        }
    }
    let effect = match object.get("Effect")?.as_str()? {
        "Allow" => "permit",
        "Deny" => "forbid",
        _ => return None,
    };
    let actions = strings(object.get("Action")?)?;
    if actions.iter().any(|a| a.contains('?')) {
        return None;
    }
    let resources = strings(object.get("Resource")?)?;
    if resources.iter().any(|r| r.contains('?')) {
        return None;
    }
    let mut clauses = Vec::new();
    if !resources.iter().any(|r| r == "*") {
        let tests: Vec<String> = resources
            .iter()
            .map(|r| {
                if r.contains('*') {
                    format!("resource.arn like {}", quote(r))
                } else {
                    format!("resource.arn == {}", quote(r))
                }
            })
            .collect();
        clauses.push(format!("({})", tests.join(" || ")));
    }
    if let Some(block) = object.get("Condition") {
        for (operator, keys) in block.as_object()? {
            for (key, values) in keys.as_object()? {
                clauses.push(condition(operator, key, &strings(values)?)?);
            }
        }
    }
    let action_list: Vec<String> = actions.iter().map(|a| action_entity(a)).collect();
    let when = if clauses.is_empty() {
        String::new()
    } else {
        format!(" when {{ {} }}", clauses.join(" && "))
    };
    Some(CedarStatement {
        text: format!(
            "{effect}(principal, action in [{}], resource){when};",
            action_list.join(", ")
        ),
        actions,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn conditions_translate_with_iam_absent_key_rules() {
        let s = statement(
            &json!({"Effect": "Deny", "Action": "s3:Delete*", "Resource": "arn:aws:s3:::b/*",
            "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": "security"}}}),
        )
        .unwrap();
        assert_eq!(
            s.text,
            "forbid(principal, action in [Action::\"s3:Delete*\"], resource) when { (resource.arn like \"arn:aws:s3:::b/*\") && (!(context has \"aws:PrincipalTag/team\") || !(context[\"aws:PrincipalTag/team\"] == \"security\")) };"
        );
        assert!(
            statement(
                &json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}})
            )
            .is_none()
        );
        assert!(
            statement(
                &json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
            "Condition": {"StringLike": {"s3:prefix": "home/${aws:username}/*"}}})
            )
            .is_none()
        );
    }
}
