//! The small vocabularies the generators draw from. They are kept small so
//! that patterns, principals and condition values match requests often.

/// The principal's usual account.
pub const A: &str = "111122223333";
/// The other account.
pub const B: &str = "444455556666";

/// Request principals that are IAM identities, in both accounts.
pub const IAM_PRINCIPALS: &[&str] = &[
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:iam::111122223333:user/eng/bob",
    "arn:aws:iam::444455556666:user/carol",
    "arn:aws:sts::111122223333:assumed-role/deploy/s1",
    "arn:aws:sts::111122223333:assumed-role/admin/s2",
    "arn:aws:sts::444455556666:assumed-role/deploy/s1",
    "arn:aws:iam::111122223333:role/deploy",
    "arn:aws:iam::111122223333:role/ops/admin",
    "arn:aws:iam::444455556666:role/deploy",
    "arn:aws:sts::111122223333:federated-user/fed",
    "arn:aws:sts::444455556666:federated-user/fed",
    "arn:aws:iam::111122223333:root",
    "arn:aws:iam::444455556666:root",
    // A service-linked role by its ARN (the path says so: SCPs do not
    // restrict it), and a session of it (no path: SCPs apply).
    SERVICE_LINKED_ROLE,
    "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForECS/s3",
    // Account A's ids in another partition: policies of the `aws` partition
    // never reach them, whatever they name.
    "arn:aws-us-gov:sts::111122223333:assumed-role/deploy/s1",
    "arn:aws-us-gov:iam::111122223333:user/alice",
];

/// A service-linked role of account A.
pub const SERVICE_LINKED_ROLE: &str =
    "arn:aws:iam::111122223333:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS";

/// Request principals that are not IAM identities.
pub const OTHER_PRINCIPALS: &[&str] = &[
    "lambda.amazonaws.com",
    "s3.amazonaws.com",
    "accounts.google.com",
    "cognito-identity.amazonaws.com",
    "arn:aws:iam::111122223333:saml-provider/corp",
    "arn:aws:iam::444455556666:saml-provider/corp",
    "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com",
    "anonymous",
];

/// One service: the actions requests ask for, the resources they ask them
/// on, and the patterns policies write for them.
pub struct Service {
    /// Request actions (some in odd case).
    pub actions: &'static [&'static str],
    /// Request resources.
    pub resources: &'static [&'static str],
    /// `Action`/`NotAction` patterns: literals, wildcards, mixed case.
    pub action_patterns: &'static [&'static str],
    /// `Resource`/`NotResource` patterns: wildcards and policy variables.
    pub resource_patterns: &'static [&'static str],
}

/// The services of the vocabulary. A generated case focuses on one of them,
/// so that its patterns match its requests often.
pub const SERVICES: &[Service] = &[
    Service {
        actions: &[
            "s3:GetObject",
            "s3:PutObject",
            "s3:ListBucket",
            "s3:GetBucketPolicy",
            "s3:getobject",
        ],
        resources: &[
            "arn:aws:s3:::bucket-a",
            "arn:aws:s3:::bucket-a/alice/doc.txt",
            "arn:aws:s3:::bucket-a/red/x",
            "arn:aws:s3:::bucket-b/none",
            "arn:aws:s3:::bucket-b/*",
            "arn:aws:s3:::bucket-b/alice",
            "arn:aws:s3:::Bucket-a/alice/doc.txt",
            "arn:aws:s3:::bucket-red/x",
            // An object whose key looks like a KMS key ARN: the `special`
            // rule's glob `arn:*:kms:*:*:key/*` matches it.
            "arn:aws:s3:::bucket-a/arn:aws:kms:us-east-1:111122223333:key/k1",
        ],
        action_patterns: &[
            "s3:*",
            "s3:Get*",
            "s3:?etObject",
            "S3:getobject",
            "s3:GetObject",
            "s3:PutObject",
            "s3:List*",
            "s3:*Object",
        ],
        resource_patterns: &[
            "arn:aws:s3:::bucket-a",
            "arn:aws:s3:::bucket-a/*",
            "arn:aws:s3:::bucket-?/*",
            "arn:aws:s3:::*",
            "arn:aws:s3:::Bucket-a/*",
            "arn:aws:s3:::bucket-a/${aws:username}/*",
            "arn:aws:s3:::bucket-a/${aws:PrincipalTag/team}/*",
            "arn:aws:s3:::bucket-b/${aws:username, 'none'}",
            "arn:aws:s3:::bucket-b/${*}",
            "arn:aws:s3:::bucket-${aws:PrincipalTag/team}/*",
            "arn:aws:s3:::bucket-a/${AWS:UserName}/*",
        ],
    },
    Service {
        actions: &["iam:GetRole", "iam:PassRole", "iam:CreateUser"],
        resources: &[
            "arn:aws:iam::111122223333:role/deploy",
            "arn:aws:iam::111122223333:role/ops/admin",
            "arn:aws:iam::444455556666:role/deploy",
            "arn:aws:iam::111122223333:user/alice",
            "*",
        ],
        action_patterns: &["iam:*", "iam:GetRole", "iam:Pass*", "IAM:createuser"],
        resource_patterns: &[
            "arn:aws:iam::*:role/*",
            "arn:aws:iam::111122223333:role/deploy",
            "arn:aws:iam::111122223333:role/ops/*",
            "arn:aws:iam::444455556666:role/*",
            "arn:aws:iam::111122223333:user/${aws:username}",
        ],
    },
    Service {
        actions: &[
            "sts:AssumeRole",
            "sts:TagSession",
            "sts:AssumeRoleWithWebIdentity",
            "sts:AssumeRoleWithSAML",
            "sts:SetSourceIdentity",
            "STS:assumerole",
            "sts:GetCallerIdentity",
        ],
        resources: &[
            "arn:aws:iam::111122223333:role/deploy",
            "arn:aws:iam::111122223333:role/ops/admin",
            "arn:aws:iam::444455556666:role/deploy",
        ],
        action_patterns: &[
            "sts:AssumeRole",
            "sts:*",
            "sts:AssumeRole*",
            "sts:TagSession",
            "sts:?ssumeRole",
        ],
        resource_patterns: &[
            "arn:aws:iam::*:role/*",
            "arn:aws:iam::111122223333:role/deploy",
            "arn:aws:iam::111122223333:role/ops/*",
            "arn:aws:iam::444455556666:role/*",
        ],
    },
    Service {
        actions: &[
            "kms:Decrypt",
            "kms:Encrypt",
            "kms:CreateGrant",
            "\u{212A}MS:Decrypt",
        ],
        resources: &[
            "arn:aws:kms:us-east-1:111122223333:key/k1",
            "arn:aws:kms:us-east-1:444455556666:key/k2",
            "arn:aws:kms:us-east-1:111122223333:alias/a",
        ],
        action_patterns: &["kms:*", "kms:Decrypt", "kms:*crypt", "KMS:Encrypt"],
        resource_patterns: &[
            "arn:aws:kms:*:111122223333:key/*",
            "arn:aws:kms:us-east-1:*:*",
            "*key/k?",
        ],
    },
    Service {
        actions: &["dynamodb:GetItem", "dynamodb:PutItem"],
        resources: &[
            "arn:aws:dynamodb:us-east-1:111122223333:table/t1",
            "arn:aws:dynamodb:us-east-1:444455556666:table/red",
        ],
        action_patterns: &["dynamodb:*", "dynamodb:Get*", "dynamodb:PutItem"],
        resource_patterns: &[
            "arn:aws:dynamodb:*:*:table/t?",
            "arn:aws:dynamodb:us-east-1:444455556666:table/${aws:PrincipalTag/team}",
        ],
    },
];

/// Action patterns of no one service.
pub const GENERIC_ACTION_PATTERNS: &[&str] = &["*", "*:Get*", "*:*Object"];

/// Resource patterns of no one service.
pub const GENERIC_RESOURCE_PATTERNS: &[&str] = &["*", "arn:aws:*:*:111122223333:*", "arn:aws:*"];

/// Exact resources and prefixes that no request names, to fill indexes.
pub const UNUSED_RESOURCES: &[&str] = &[
    "arn:aws:s3:::bucket-z",
    "arn:aws:s3:::bucket-z/*",
    "arn:aws:s3:::bucket-a/alice/doc.txx",
    "arn:aws:s3:::bucket-a/alice/",
    "arn:aws:iam::111122223333:role/deployer",
    "arn:aws:iam::111122223333:role/dep*",
    "arn:aws:kms:us-east-1:111122223333:key/k10",
    "arn:aws:kms:us-east-1:111122223333:key/k1*",
    "arn:aws:dynamodb:us-east-1:111122223333:table/t1/index/*",
    "arn:aws:dynamodb:us-east-1:111122223333:table/t",
];

/// `AWS` entries of `Principal`/`NotPrincipal` elements.
pub const AWS_ENTRIES: &[&str] = &[
    "111122223333",
    "444455556666",
    "arn:aws:iam::111122223333:root",
    "arn:aws:iam::444455556666:root",
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:iam::111122223333:user/eng/bob",
    "arn:aws:iam::111122223333:user/bob",
    "arn:aws:iam::444455556666:user/carol",
    "arn:aws:iam::111122223333:role/deploy",
    "arn:aws:iam::111122223333:role/ops/admin",
    "arn:aws:iam::111122223333:role/admin",
    "arn:aws:iam::444455556666:role/deploy",
    "arn:aws:sts::111122223333:assumed-role/deploy/s1",
    "arn:aws:sts::111122223333:assumed-role/admin/s2",
    "arn:aws:sts::444455556666:assumed-role/deploy/s1",
    "arn:aws:sts::111122223333:federated-user/fed",
    "arn:aws:sts::444455556666:federated-user/fed",
    "arn:aws:iam::111122223333:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
    "*",
];

/// `Service` entries.
pub const SERVICE_ENTRIES: &[&str] = &[
    "lambda.amazonaws.com",
    "s3.amazonaws.com",
    "ec2.amazonaws.com",
    // A bare name matches whichever of `Service` and `Federated` lists it
    // (scenario contract), so names are also listed under the other key.
    "cognito-identity.amazonaws.com",
];

/// `Federated` entries.
pub const FEDERATED_ENTRIES: &[&str] = &[
    "accounts.google.com",
    "cognito-identity.amazonaws.com",
    "arn:aws:iam::111122223333:saml-provider/corp",
    "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com",
    "lambda.amazonaws.com",
];

/// Condition keys the caller may give, each with the value lists it may
/// have (an empty list is a key given without values).
pub const CONTEXT_KEYS: &[(&str, &[&[&str]])] = &[
    (
        "aws:SourceIp",
        &[
            &["203.0.113.9"],
            &["10.1.2.3"],
            &["2001:db8::1"],
            &["203.0.113.0/24"],
            &["::ffff:203.0.113.9"],
        ],
    ),
    (
        "aws:SecureTransport",
        &[&["true"], &["false"], &["TRUE"], &["yes"]],
    ),
    (
        "aws:CurrentTime",
        &[
            &["2024-06-01T12:00:00Z"],
            &["1717243200"],
            &["2023-01-01"],
            &["noon"],
        ],
    ),
    (
        "s3:max-keys",
        &[&["10"], &["5.5"], &["ten"], &["10", "3"], &["1e1"]],
    ),
    (
        "aws:TagKeys",
        &[
            &[],
            &["env"],
            &["env", "team"],
            &["owner", "env"],
            &["Team"],
            &["*"],
        ],
    ),
    (
        "aws:PrincipalTag/team",
        &[&["red"], &["blue"], &["Red"], &["red", "blue"], &["ÉQUIPE"]],
    ),
    (
        "aws:SourceArn",
        &[
            &["arn:aws:sns:us-east-1:111122223333:topic"],
            &["arn:aws:sns:us-east-1:111122223333:topic:x"],
            &["arn:aws:sqs:us-east-1:444455556666:q"],
            &["not-an-arn"],
        ],
    ),
    ("custom:bin", &[&["QmluYXJ5"], &["QmluYXJy"], &["%%%"]]),
    ("aws:username", &[&["alice"], &["ALICE"], &["a*"]]),
];

/// One family of condition operators with the keys it is used on and the
/// policy values (as JSON text) each key may be compared with.
pub struct OperatorFamily {
    /// The base operators of the family.
    pub operators: &'static [&'static str],
    /// Keys and their candidate policy values.
    pub keys: &'static [(&'static str, &'static [&'static str])],
}

/// Every operator family with its keys and values.
pub const FAMILIES: &[OperatorFamily] = &[
    OperatorFamily {
        operators: &[
            "StringEquals",
            "StringNotEquals",
            "StringEqualsIgnoreCase",
            "StringNotEqualsIgnoreCase",
            "StringLike",
            "StringNotLike",
        ],
        keys: &[
            (
                "aws:PrincipalTag/team",
                &[
                    r#""red""#,
                    r#""RED""#,
                    r#""blue""#,
                    r#""r*""#,
                    r#""${aws:username}""#,
                    r#""${aws:nothing, 'red'}""#,
                    r#""équipe""#,
                ],
            ),
            (
                "aws:TagKeys",
                &[
                    r#""env""#,
                    r#""team""#,
                    r#""owner""#,
                    r#""e*""#,
                    r#""*""#,
                    r#""t?am""#,
                    r#""${*}""#,
                ],
            ),
            (
                "aws:username",
                &[
                    r#""alice""#,
                    r#""ALICE""#,
                    r#""a*""#,
                    r#""${aws:PrincipalTag/team, 'alice'}""#,
                    r#""x*""#,
                ],
            ),
            (
                "aws:PrincipalType",
                &[
                    r#""User""#,
                    r#""AssumedRole""#,
                    r#""Account""#,
                    r#""Anonymous""#,
                    r#""FederatedUser""#,
                ],
            ),
            (
                "aws:PrincipalAccount",
                &[r#""111122223333""#, r#""444455556666""#, r#""1111*""#],
            ),
            (
                "aws:PrincipalArn",
                &[
                    r#""arn:aws:iam::111122223333:role/deploy""#,
                    r#""arn:aws:iam::111122223333:user/${aws:username}""#,
                    r#""arn:aws:iam::*""#,
                ],
            ),
            ("aws:SourceIp", &[r#""203.0.113.9""#, r#""203.0.113.*""#]),
        ],
    },
    OperatorFamily {
        operators: &[
            "NumericEquals",
            "NumericNotEquals",
            "NumericLessThan",
            "NumericLessThanEquals",
            "NumericGreaterThan",
            "NumericGreaterThanEquals",
        ],
        keys: &[
            (
                "s3:max-keys",
                &[r#""5""#, r#""10""#, r#""10.0""#, r#""7.5""#, "10", "-1"],
            ),
            ("aws:username", &[r#""1""#]),
        ],
    },
    OperatorFamily {
        operators: &[
            "DateEquals",
            "DateNotEquals",
            "DateLessThan",
            "DateLessThanEquals",
            "DateGreaterThan",
            "DateGreaterThanEquals",
        ],
        keys: &[(
            "aws:CurrentTime",
            &[
                r#""2024-06-01T12:00:00Z""#,
                r#""2024-01-01""#,
                r#""1717243200""#,
                r#""2025-01-01T00:00:00+02:00""#,
                r#""2024-06-01T14:00:00+02:00""#,
            ],
        )],
    },
    OperatorFamily {
        operators: &["Bool"],
        keys: &[
            (
                "aws:SecureTransport",
                &[r#""true""#, r#""false""#, "true", r#""TRUE""#],
            ),
            ("aws:PrincipalIsAWSService", &[r#""true""#, "false"]),
        ],
    },
    OperatorFamily {
        operators: &["BinaryEquals"],
        keys: &[("custom:bin", &[r#""QmluYXJ5""#, r#""QmluYXJy""#])],
    },
    OperatorFamily {
        operators: &["IpAddress", "NotIpAddress"],
        keys: &[(
            "aws:SourceIp",
            &[
                r#""203.0.113.0/24""#,
                r#""10.0.0.0/8""#,
                r#""2001:db8::/32""#,
                r#""203.0.113.9""#,
                r#""0.0.0.0/0""#,
            ],
        )],
    },
    OperatorFamily {
        operators: &["ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"],
        keys: &[
            (
                "aws:SourceArn",
                &[
                    r#""arn:aws:sns:*:111122223333:*""#,
                    r#""arn:aws:*:111122223333:*:*""#,
                    r#""arn:aws:sns:us-east-1:111122223333:topic""#,
                    r#""*""#,
                ],
            ),
            (
                "aws:PrincipalArn",
                &[
                    r#""arn:aws:iam::*:role/deploy""#,
                    r#""arn:aws:iam::111122223333:user/${aws:username}""#,
                    r#""arn:aws:iam::111122223333:role/*""#,
                    r#""arn:aws:iam::*:root""#,
                ],
            ),
        ],
    },
];

/// Keys a `Null` condition may test: the caller's and the derived ones.
pub const NULL_KEYS: &[&str] = &[
    "aws:SourceIp",
    "aws:TagKeys",
    "aws:PrincipalTag/team",
    "aws:username",
    "aws:PrincipalArn",
    "aws:PrincipalServiceName",
];
