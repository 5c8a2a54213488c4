//! `request_rules`: whatever bytes a caller sends, a request is either
//! refused or well-formed by the request rules (`tollgate_policy::rules`,
//! the principal grammar of `tollgate_policy::names`). The rules are
//! checked here a second time, written out plainly as the documentation
//! states them, against every question `tollgate_wire` accepts: a question
//! the edge lets through that the plain statement of a rule refuses is a
//! [`Finding::RuleBroken`].
//!
//! Input: the fields of one `AuthorizeRequest`, separated by `0xFF` (a byte
//! no UTF-8 text holds): principal, action, resource, then key and value
//! pairs of the context (a key given again adds a value). Each field is
//! read as UTF-8 with invalid bytes replaced.

use std::collections::HashMap;

use tollgate_policy::{ParseLimits, PrincipalKind};
use tollgate_proto::v1::context_value::Value;
use tollgate_proto::v1::{AuthorizeRequest, ContextValue, ContextValues};
use tollgate_wire::{Question, question};

use crate::{Checked, Finding};

/// Checks one input.
pub fn check(data: &[u8]) -> Checked {
    let mut fields = data
        .split(|&b| b == 0xff)
        .map(|f| String::from_utf8_lossy(f).into_owned());
    let mut message = AuthorizeRequest {
        principal: fields.next().unwrap_or_default(),
        action: fields.next().unwrap_or_default(),
        resource: fields.next().unwrap_or_default(),
        ..AuthorizeRequest::default()
    };
    let mut context: HashMap<String, ContextValues> = HashMap::new();
    while let (Some(key), Some(value)) = (fields.next(), fields.next()) {
        context.entry(key).or_default().values.push(ContextValue {
            value: Some(Value::StringValue(value)),
        });
    }
    message.context = context;
    match question(message, &ParseLimits::default()) {
        Ok(question) => well_formed(&question).map(|()| 1),
        Err(error) => {
            let _ = error.to_string();
            Ok(0)
        }
    }
}

/// A question the edge accepted, checked against the rules as written.
pub(crate) fn well_formed(question: &Question) -> Result<(), Finding> {
    let request = &question.request;
    let broken = |field: &str, value: &str, rule: &'static str| {
        Err(Finding::RuleBroken {
            field: field.to_owned(),
            value: format!("{value:?}"),
            rule,
        })
    };
    if !action_ok(&request.action) {
        return broken("action", &request.action, "a literal service:Action");
    }
    if !resource_ok(&request.resource) {
        return broken("resource", &request.resource, "`*` or an ARN");
    }
    let principal = request.principal();
    if let Some(rule) = principal_rule_broken(principal) {
        return broken("principal", principal.text(), rule);
    }
    for entry in request.context.entries() {
        let key = entry.key();
        let lower = key.to_ascii_lowercase();
        let derived = lower.starts_with("aws:principaltag/")
            || [
                "aws:principalarn",
                "aws:principalaccount",
                "aws:principaltype",
                "aws:principalorgid",
                "aws:principalorgpaths",
                "aws:principalservicename",
                "aws:principalisawsservice",
                "aws:username",
                "aws:userid",
            ]
            .contains(&lower.as_str());
        if derived {
            return broken("context", key, "no key the store derives");
        }
        let values = entry.values();
        let single = lower == "aws:requestedregion"
            || lower == "aws:sourceip"
            || lower == "aws:securetransport"
            || lower.starts_with("aws:requesttag/")
            || lower.starts_with("aws:resourcetag/");
        if single && values.len() > 1 {
            return broken("context", key, "one value for a single-valued key");
        }
        let typed_ok = |value: &str| match lower.as_str() {
            "aws:securetransport" | "aws:multifactorauthpresent" | "aws:viaawsservice" => {
                value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("false")
            }
            "aws:sourceip" | "aws:vpcsourceip" => value.trim().parse::<std::net::IpAddr>().is_ok(),
            "aws:multifactorauthage" => value.trim().parse::<f64>().is_ok_and(f64::is_finite),
            _ => true,
        };
        if let Some(value) = values.iter().find(|v| !typed_ok(v)) {
            return broken("context", value, "a value of the key's type");
        }
    }
    Ok(())
}

fn action_ok(action: &str) -> bool {
    let mut parts = action.split(':');
    let (Some(service), Some(name), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let service_ok = service
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_alphanumeric() || (c == '-' && i > 0));
    !service.is_empty()
        && service_ok
        && !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric())
}

const PARTITIONS: [&str; 8] = [
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

fn resource_ok(resource: &str) -> bool {
    if resource == "*" {
        return true;
    }
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    let [arn, partition, service, _region, account, rest] = parts.as_slice() else {
        return false;
    };
    *arn == "arn"
        && !partition.is_empty()
        && !service.is_empty()
        && (account.is_empty() || *account == "aws" || account.len() == 12)
        && !rest.is_empty()
        && !resource.chars().any(char::is_control)
}

/// The rule an accepted principal breaks, if any.
fn principal_rule_broken(principal: &tollgate_policy::RequestPrincipal) -> Option<&'static str> {
    let text = principal.text();
    if !text.chars().all(|c| c.is_ascii_graphic()) {
        return Some("printable ASCII only");
    }
    let name_ok = |name: &str, min: usize, max: usize| {
        (min..=max).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
    };
    match principal.kind() {
        PrincipalKind::User => {
            let (Some(path), Some(name)) = (principal.path(), principal.name()) else {
                return Some("a user has a path and a name");
            };
            let rebuilt = format!(
                "arn:{}:iam::{}:user{path}{name}",
                principal.partition(),
                principal.account().unwrap_or_default()
            );
            if rebuilt != text {
                return Some("the user ARN is its partition, account, path and name");
            }
            if !name_ok(name, 1, 64) || path.len() > 512 {
                return Some("IAM name and path lengths");
            }
        }
        PrincipalKind::AssumedRole => {
            let Some(name) = principal.name() else {
                return Some("a role has a name");
            };
            if !name_ok(name, 1, 64) {
                return Some("IAM role name");
            }
            if let Some(session) = principal.session_name()
                && !name_ok(session, 2, 64)
            {
                return Some("role session name");
            }
        }
        _ => {}
    }
    if text.starts_with("arn:") {
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        let ok = matches!(parts.as_slice(), [_, partition, _, "", account, _]
            if PARTITIONS.contains(partition) && account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()));
        if !ok {
            return Some("partition, empty region, 12-digit account");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(fields: &[&str]) -> Vec<u8> {
        let mut bytes = Vec::new();
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                bytes.push(0xff);
            }
            bytes.extend_from_slice(field.as_bytes());
        }
        bytes
    }

    #[test]
    fn the_repros_are_refused_and_good_requests_pass() {
        let good = input(&[
            "arn:aws:iam::111122223333:user/alice",
            "s3:GetObject",
            "arn:aws:s3:::example-photos/cat.jpg",
            "aws:SourceIp",
            "10.1.2.3",
        ]);
        assert_eq!(check(&good).unwrap(), 1);
        for bad in [
            &[
                "arn:aws:iam::111122223333:user/alice\0arn:aws:iam::111122223333:user/bob",
                "s3:GetObject",
                "*",
            ][..],
            &[
                "arn:aws:iam:us-east-1:111122223333:user/bob",
                "s3:GetObject",
                "*",
            ],
            &[
                "arn:aws:iam::111122223333:user/bob",
                "organizations:Leave*",
                "*",
            ],
            &["arn:aws:iam::111122223333:user/bob", "s3:GetObject\0", "*"],
            &[
                "arn:aws:iam::111122223333:user/bob",
                "organizations:LeaveOrganizat\u{131}on",
                "*",
            ],
            &[
                "arn:aws:iam::111122223333:user/bob",
                "s3:GetObject",
                "bucket",
            ],
            &[
                "arn:aws:iam::111122223333:user/bob",
                "s3:GetObject",
                "*",
                "aws:PrincipalTag/team",
                "admins",
            ],
            &[
                "arn:aws:iam::111122223333:user/bob",
                "s3:GetObject",
                "*",
                "aws:RequestedRegion",
                "a",
                "aws:RequestedRegion",
                "b",
            ],
            &[
                "arn:aws:iam::111122223333:user/bob",
                "s3:GetObject",
                "*",
                "aws:SecureTransport",
                "0",
            ],
        ] {
            assert_eq!(check(&input(bad)).unwrap(), 0, "{bad:?}");
        }
        // A user on another path is well-formed: accepted, and not bob.
        let other = input(&[
            "arn:aws:iam::111122223333:user/alice/../bob",
            "s3:GetObject",
            "*",
        ]);
        assert_eq!(check(&other).unwrap(), 1);
    }
}
