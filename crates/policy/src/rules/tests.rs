use super::*;

#[test]
fn actions_are_literal_action_names() {
    for good in [
        "s3:GetObject",
        "organizations:LeaveOrganization",
        "S3:GETOBJECT",
        "resource-groups:ListGroups",
        "ec2:DescribeInstances",
    ] {
        assert_eq!(check_action(good), Ok(()), "{good}");
    }
    // Each repro of the issue, and the neighbours of each rule.
    for bad in [
        "organizations:Leave*",
        "s3:*",
        "s3:Get?bject",
        "s3:GetObject\0",
        "organizations:LeaveOrganizat\u{131}on",
        "*",
        "s3",
        ":GetObject",
        "s3:",
        "s3:Get Object",
        "s3 :GetObject",
        "s3:GetObject:x",
        "s_3:GetObject",
        "-s3:GetObject",
        "s3:GetObject\u{200b}",
        "ｓ3:GetObject",
        "",
    ] {
        let err = check_action(bad).unwrap_err();
        assert!(err.contains("is not an action"), "{bad:?}: {err}");
    }
    // NUL is shown escaped, not raw.
    assert!(
        check_action("s3:GetObject\0")
            .unwrap_err()
            .contains("\\u{0}")
    );
}

#[test]
fn resources_are_star_or_arns() {
    for good in [
        "*",
        "arn:aws:s3:::bucket",
        "arn:aws:s3:::bucket/key with spaces/ü",
        "arn:aws:iam::111122223333:role/deploy",
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "arn:aws-us-gov:sqs:us-gov-west-1:111122223333:queue:with:colons",
        "arn:aws:ec2:us-east-1::image/ami-1",
        "arn:app:photos:::photo/1",
    ] {
        assert_eq!(check_resource(good), Ok(()), "{good}");
    }
    for (bad, part) in [
        ("bucket", "expected `*` or an ARN"),
        ("", "expected `*` or an ARN"),
        ("**", "expected `*` or an ARN"),
        ("arn:aws:s3", "expected `*` or an ARN"),
        ("arn:AWS:s3:::b", "partition"),
        ("arn:a\u{131}:s3:::b", "partition"),
        ("arn:aws:S3:::b", "service"),
        ("arn:aws:s3:US-EAST-1::b", "region"),
        ("arn:aws:sqs:us-east-1:12:q", "account"),
        ("arn:aws:s3:::", "resource part is empty"),
        ("arn:aws:s3:::b/k\0", "control character"),
        ("arn:aws:s3:::b/k\n", "control character"),
    ] {
        let err = check_resource(bad).unwrap_err();
        assert!(err.contains(part), "{bad:?}: {err}");
    }
}

#[test]
fn checked_requests_name_the_field() {
    let principal = crate::RequestPrincipal::parse("arn:aws:iam::111122223333:user/bob").unwrap();
    let err = crate::Request::checked(principal.clone(), "s3:*", "*").unwrap_err();
    assert_eq!(err.field, "action");
    let err = crate::Request::checked(principal.clone(), "s3:GetObject", "bucket").unwrap_err();
    assert_eq!(err.field, "resource");
    assert!(crate::Request::checked(principal, "s3:GetObject", "arn:aws:s3:::b/k").is_ok());
}

fn context(pairs: &[(&str, &[&str])]) -> RequestContext {
    let mut context = RequestContext::new();
    for (key, values) in pairs {
        context.insert(key, values.iter().map(|v| (*v).to_owned()).collect());
    }
    context
}

const STORE: ContextRules = ContextRules {
    caller_principal_keys: Some(CallerPrincipalKeys::Refuse),
};

#[test]
fn derived_keys_are_refused_where_a_store_derives_them() {
    for key in [
        "aws:PrincipalTag/team",
        "AWS:principaltag/Team",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalArn",
        "aws:username",
        "aws:userid",
        "aws:PrincipalAccount",
        "aws:PrincipalType",
        "aws:PrincipalIsAWSService",
        "aws:PrincipalServiceName",
        "aws:ResourceAccount",
        "aws:resourceorgid",
        "aws:ResourceOrgPaths",
    ] {
        let mut c = context(&[(key, &["x"])]);
        let err = check_context(&mut c, STORE).unwrap_err();
        assert!(err.field.starts_with("context["), "{key}: {err}");
        assert!(
            err.message.contains("caller-principal-keys"),
            "{key}: {err}"
        );
        // Without a store (a simulate scenario) the caller says them.
        let mut c = context(&[(key, &["true"])]);
        assert_eq!(
            check_context(&mut c, ContextRules::default()),
            Ok(0),
            "{key}"
        );
    }
    let mut c = context(&[
        ("aws:PrincipalTag/team", &["admins"]),
        ("aws:username", &["bob"]),
        ("s3:prefix", &["home/"]),
    ]);
    let ignore = ContextRules {
        caller_principal_keys: Some(CallerPrincipalKeys::Ignore),
    };
    assert_eq!(check_context(&mut c, ignore), Ok(2));
    assert_eq!(c.len(), 1);
    assert!(c.contains("s3:prefix"));
    // Keys that merely look alike are the caller's.
    let mut c = context(&[
        ("aws:RequestTag/team", &["x"]),
        ("aws:PrincipalTags", &["x"]),
        ("aws:ResourceTag/team", &["x"]),
    ]);
    assert_eq!(check_context(&mut c, STORE), Ok(0));
}

#[test]
fn single_valued_keys_take_one_value() {
    let mut c = context(&[("aws:RequestedRegion", &["us-east-1", "eu-west-1"])]);
    let err = check_context(&mut c, ContextRules::default()).unwrap_err();
    assert_eq!(err.field, "context[\"aws:RequestedRegion\"]");
    assert!(err.message.contains("single-valued"), "{err}");
    let mut c = context(&[("aws:ResourceTag/env", &["a", "b"])]);
    assert!(check_context(&mut c, ContextRules::default()).is_err());
    // Multivalued keys keep their sets.
    let mut c = context(&[
        ("aws:TagKeys", &["a", "b"]),
        ("aws:CalledVia", &["a", "b"]),
        ("aws:RequestedRegion", &["us-east-1"]),
    ]);
    assert_eq!(check_context(&mut c, ContextRules::default()), Ok(0));
}

#[test]
fn typed_keys_take_values_of_their_type() {
    for (key, good, bad) in [
        ("aws:SecureTransport", "false", "0"),
        ("aws:MultiFactorAuthPresent", "TRUE", "yes"),
        ("aws:ViaAWSService", "true", "1"),
        ("aws:PrincipalIsAWSService", "false", ""),
        ("aws:CurrentTime", "2026-01-01T00:00:00Z", "yesterday"),
        ("aws:TokenIssueTime", "2026-01-01", "soon"),
        ("aws:EpochTime", "1767225600", "never"),
        ("aws:MultiFactorAuthAge", "3600", "an hour"),
        ("aws:SourceIp", "203.0.113.5", "203.0.113.0/24x"),
        ("aws:VpcSourceIp", "2001:db8::1", "localhost"),
    ] {
        let mut c = context(&[(key, &[good])]);
        assert_eq!(
            check_context(&mut c, ContextRules::default()),
            Ok(0),
            "{key}"
        );
        let mut c = context(&[(key, &[bad])]);
        let err = check_context(&mut c, ContextRules::default()).unwrap_err();
        assert!(
            err.field.contains(key) && err.field.ends_with(".values[0]"),
            "{err}"
        );
    }
}
