//! The AWS Organizations policies every organization has without writing
//! them: the `FullAWSAccess` SCP, attached by name, and the
//! `RCPFullAWSAccess` RCP, implicit at every level (so naming it adds nothing).

/// The name of the AWS managed SCP that allows everything.
pub(crate) const FULL_AWS_ACCESS: &str = "FullAWSAccess";

/// The name of the AWS managed RCP that allows everything.
pub(crate) const RCP_FULL_AWS_ACCESS: &str = "RCPFullAWSAccess";

/// How answers name the built-in `FullAWSAccess`.
pub(crate) const FULL_AWS_ACCESS_LABEL: &str =
    "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess";

/// The document of `FullAWSAccess`.
pub(crate) const FULL_AWS_ACCESS_DOCUMENT: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;
