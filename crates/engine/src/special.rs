//! Requests whose resource-based policy is required even within one account:
//! role trust actions on IAM roles, and any action on a KMS key.

use tollgate_policy::arn::Arn;

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
        "iam" => {
            arn.resource.starts_with("role/")
                && TRUST_ACTIONS.iter().any(|a| a.eq_ignore_ascii_case(action))
        }
        "kms" => arn.resource.starts_with("key/"),
        _ => false,
    }
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
    }
}
