//! Requests that IAM treats specially (`docs/evaluation.md`): those whose
//! resource-based policy is required even within one account (role trust
//! actions on IAM roles, any action on a KMS key), and service-linked roles,
//! which SCPs do not restrict.

use tollgate_policy::arn::Arn;
use tollgate_policy::{PrincipalKind, RequestPrincipal};

const TRUST_ACTIONS: &[&str] = &[
    "sts:assumerole",
    "sts:assumerolewithsaml",
    "sts:assumerolewithwebidentity",
    "sts:tagsession",
    "sts:setsourceidentity",
];

/// True when the resource policy must allow whatever the accounts.
pub fn requires_resource_policy(action: &str, resource: &str) -> bool {
    let Some(arn) = Arn::parse(resource) else {
        return false;
    };
    match arn.service {
        "iam" => is_trust(action, &arn),
        "kms" => arn.resource.starts_with("key/"),
        _ => false,
    }
}

/// True for a role trust action (`sts:AssumeRole` and its variants,
/// `sts:TagSession`, `sts:SetSourceIdentity`) on an IAM role: the trust
/// policy decides, an account root may never do it, and a specifically named
/// caller's permissions boundary must allow it.
pub fn is_role_trust_request(action: &str, resource: &str) -> bool {
    Arn::parse(resource).is_some_and(|arn| arn.service == "iam" && is_trust(action, &arn))
}

fn is_trust(action: &str, arn: &Arn<'_>) -> bool {
    arn.resource.starts_with("role/")
        && TRUST_ACTIONS.iter().any(|a| a.eq_ignore_ascii_case(action))
}

/// The IAM path of every service-linked role.
pub const SERVICE_LINKED_ROLE_PATH: &str = "/aws-service-role/";

/// True when `path` (an IAM path such as `/aws-service-role/ecs.amazonaws.com/`)
/// is a service-linked role's.
pub fn is_service_linked_path(path: &str) -> bool {
    path.starts_with(SERVICE_LINKED_ROLE_PATH)
}

/// True when the principal itself says it is a service-linked role: a role
/// given by its ARN, whose path is `/aws-service-role/`. A session ARN
/// (`assumed-role/NAME/SESSION`) carries no path; the caller that knows the
/// role says so instead ([`crate::Applicable::service_linked_role`]).
pub fn is_service_linked_role(principal: &RequestPrincipal) -> bool {
    if principal.kind() != PrincipalKind::AssumedRole || principal.session_name().is_some() {
        return false;
    }
    principal
        .role_arn()
        .and_then(Arn::parse)
        .is_some_and(|arn| {
            arn.service == "iam"
                && arn
                    .resource
                    .strip_prefix("role")
                    .is_some_and(is_service_linked_path)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trust_and_key_requests() {
        assert!(requires_resource_policy(
            "sts:AssumeRole",
            "arn:aws:iam::111122223333:role/deploy"
        ));
        assert!(requires_resource_policy(
            "STS:TagSession",
            "arn:aws:iam::111122223333:role/a/b"
        ));
        assert!(!requires_resource_policy(
            "iam:GetRole",
            "arn:aws:iam::111122223333:role/deploy"
        ));
        assert!(!requires_resource_policy(
            "sts:AssumeRole",
            "arn:aws:iam::111122223333:user/x"
        ));
        assert!(requires_resource_policy(
            "kms:Decrypt",
            "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        ));
        assert!(!requires_resource_policy(
            "kms:Decrypt",
            "arn:aws:kms:us-east-1:111122223333:alias/x"
        ));
        assert!(!requires_resource_policy("s3:GetObject", "*"));
        assert!(is_role_trust_request(
            "sts:assumerolewithsaml",
            "arn:aws:iam::111122223333:role/deploy"
        ));
        assert!(!is_role_trust_request(
            "kms:Decrypt",
            "arn:aws:kms:us-east-1:111122223333:key/1234"
        ));
    }

    #[test]
    fn service_linked_roles_by_their_path() {
        let slr = |text: &str| is_service_linked_role(&RequestPrincipal::parse(text).unwrap());
        assert!(slr(
            "arn:aws:iam::111122223333:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS"
        ));
        assert!(!slr("arn:aws:iam::111122223333:role/aws-service-role"));
        assert!(!slr(
            "arn:aws:iam::111122223333:role/service-role/aws-service-role/x"
        ));
        assert!(!slr(
            "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForECS/s1"
        ));
        assert!(!slr("arn:aws:iam::111122223333:user/aws-service-role/x"));
        assert!(is_service_linked_path(
            "/aws-service-role/ecs.amazonaws.com/"
        ));
        assert!(!is_service_linked_path("/"));
    }
}
