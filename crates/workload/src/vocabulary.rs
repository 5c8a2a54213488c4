//! The vocabulary the generator draws from: real AWS services, real action
//! names, and ARN shapes for each service's resources.
//!
//! Resource shapes are templates with these placeholders, filled by the
//! generator:
//!
//! | placeholder | filled with |
//! |---|---|
//! | `{region}` | a region (mostly `us-east-1`) |
//! | `{account}` | an account (mostly `111122223333`) |
//! | `{n}` | a resource number below the resource space, zero-padded (`0042`) |
//! | `{m}` | a small second number (0–99) |
//! | `{h}` | 17 hex digits derived from the numbers (instance ids, zones ...) |
//! | `{uuid}` | a UUID-shaped id derived from the numbers |
//!
//! No shape yields a name starting with `tollgate-bench-`: those belong to the
//! planted statements and the probe requests.

/// One AWS service: its action prefix, its actions, and its resource shapes.
#[derive(Debug, Clone, Copy)]
pub struct Service {
    /// The action prefix, as in `s3:GetObject`.
    pub prefix: &'static str,
    /// Real action names, without the prefix.
    pub actions: &'static [&'static str],
    /// ARN shapes without wildcards (one resource each).
    pub literal: &'static [&'static str],
    /// ARN shapes with a wildcard (a family of resources each).
    pub wildcard: &'static [&'static str],
    /// Relative frequency with which statements use this service.
    pub weight: u32,
}

impl Service {
    /// The actions that only read ([`is_read_action`]).
    pub fn read_actions(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.actions.iter().copied().filter(|a| is_read_action(a))
    }
}

/// The verbs whose actions only read: `Get`, `List`, `Describe`, and a few
/// data-plane reads (`Query`, `Scan`, `BatchGet...`, `Filter...`).
pub const READ_VERBS: &[&str] = &[
    "Get", "List", "Describe", "BatchGet", "Query", "Scan", "Filter",
];

/// The read verbs that the generator turns into wildcards (`ec2:Describe*`).
pub const READ_WILDCARD_VERBS: &[&str] = &["Get", "List", "Describe"];

/// True when an action name (without prefix) only reads.
pub fn is_read_action(action: &str) -> bool {
    READ_VERBS.iter().any(|verb| {
        action.strip_prefix(verb).is_some_and(|rest| {
            rest.is_empty() || rest.starts_with(|c: char| c.is_ascii_uppercase())
        })
    })
}

/// The leading CamelCase word of an action name: `Describe` for
/// `DescribeInstances`, `Get` for `GetObject`.
pub fn verb_of(action: &str) -> &str {
    let end = action
        .char_indices()
        .skip(1)
        .find(|(_, c)| c.is_ascii_uppercase())
        .map_or(action.len(), |(i, _)| i);
    &action[..end]
}

/// Regions, with the weight each is drawn with.
pub const REGIONS: &[(&str, u32)] = &[
    ("us-east-1", 60),
    ("us-west-2", 20),
    ("eu-west-1", 15),
    ("ap-southeast-2", 5),
];

/// Accounts, with the weight each is drawn with. The first is the probe
/// principal's account.
pub const ACCOUNTS: &[(&str, u32)] = &[
    ("111122223333", 80),
    ("444455556666", 15),
    ("777788889999", 5),
];

/// The services statements are drawn from.
pub const SERVICES: &[Service] = &[
    Service {
        prefix: "s3",
        actions: &[
            "GetObject",
            "PutObject",
            "DeleteObject",
            "ListBucket",
            "GetBucketLocation",
            "GetObjectVersion",
            "GetObjectTagging",
            "PutObjectTagging",
            "PutObjectAcl",
            "GetObjectAcl",
            "DeleteObjectVersion",
            "ListAllMyBuckets",
            "CreateBucket",
            "DeleteBucket",
            "GetBucketPolicy",
            "PutBucketPolicy",
            "GetBucketVersioning",
            "PutBucketVersioning",
            "ListBucketVersions",
            "ListMultipartUploadParts",
            "AbortMultipartUpload",
            "GetEncryptionConfiguration",
            "PutEncryptionConfiguration",
            "GetLifecycleConfiguration",
            "PutLifecycleConfiguration",
            "RestoreObject",
            "GetBucketTagging",
            "PutBucketTagging",
            "GetBucketAcl",
            "PutBucketAcl",
            "GetBucketCORS",
            "PutBucketCORS",
            "GetBucketPublicAccessBlock",
            "PutBucketPublicAccessBlock",
            "GetBucketNotification",
            "PutBucketNotification",
        ],
        literal: &[
            "arn:aws:s3:::bucket-{n}",
            "arn:aws:s3:::bucket-{n}/data/object-{m}.json",
            "arn:aws:s3:::logs-{n}/AWSLogs/{account}/trail-{m}.json.gz",
        ],
        wildcard: &[
            "arn:aws:s3:::bucket-{n}/*",
            "arn:aws:s3:::bucket-{n}/prefix-{m}/*",
            "arn:aws:s3:::bucket-{n}-*",
            "arn:aws:s3:::logs-{n}/AWSLogs/{account}/*",
        ],
        weight: 16,
    },
    Service {
        prefix: "ec2",
        actions: &[
            "DescribeInstances",
            "DescribeImages",
            "DescribeSecurityGroups",
            "DescribeSubnets",
            "DescribeVpcs",
            "DescribeVolumes",
            "DescribeSnapshots",
            "DescribeKeyPairs",
            "DescribeTags",
            "DescribeRegions",
            "DescribeAvailabilityZones",
            "DescribeNetworkInterfaces",
            "RunInstances",
            "StartInstances",
            "StopInstances",
            "RebootInstances",
            "TerminateInstances",
            "CreateTags",
            "DeleteTags",
            "CreateVolume",
            "AttachVolume",
            "DetachVolume",
            "DeleteVolume",
            "CreateSnapshot",
            "DeleteSnapshot",
            "AuthorizeSecurityGroupIngress",
            "RevokeSecurityGroupIngress",
            "CreateSecurityGroup",
            "ModifyInstanceAttribute",
            "GetConsoleOutput",
            "DescribeRouteTables",
            "DescribeSecurityGroupRules",
            "DescribeInstanceStatus",
            "CreateNetworkInterface",
            "DeleteNetworkInterface",
            "AssociateAddress",
        ],
        literal: &[
            "arn:aws:ec2:{region}:{account}:instance/i-{h}",
            "arn:aws:ec2:{region}:{account}:volume/vol-{h}",
            "arn:aws:ec2:{region}:{account}:security-group/sg-{h}",
            "arn:aws:ec2:{region}::image/ami-{h}",
        ],
        wildcard: &[
            "arn:aws:ec2:{region}:{account}:instance/*",
            "arn:aws:ec2:{region}:{account}:volume/*",
            "arn:aws:ec2:{region}:{account}:subnet/subnet-{h}*",
            "arn:aws:ec2:*:{account}:network-interface/*",
            "arn:aws:ec2:{region}::image/ami-*",
        ],
        weight: 12,
    },
    Service {
        prefix: "dynamodb",
        actions: &[
            "GetItem",
            "PutItem",
            "UpdateItem",
            "DeleteItem",
            "Query",
            "Scan",
            "BatchGetItem",
            "BatchWriteItem",
            "ConditionCheckItem",
            "DescribeTable",
            "ListTables",
            "CreateTable",
            "DeleteTable",
            "UpdateTable",
            "DescribeStream",
            "GetRecords",
            "GetShardIterator",
            "ListStreams",
            "DescribeTimeToLive",
            "ListTagsOfResource",
            "TagResource",
            "UntagResource",
            "DescribeContinuousBackups",
            "CreateBackup",
        ],
        literal: &[
            "arn:aws:dynamodb:{region}:{account}:table/app-{n}",
            "arn:aws:dynamodb:{region}:{account}:table/app-{n}/index/by-key-{m}",
        ],
        wildcard: &[
            "arn:aws:dynamodb:{region}:{account}:table/app-{n}-*",
            "arn:aws:dynamodb:{region}:{account}:table/app-{n}/index/*",
            "arn:aws:dynamodb:{region}:{account}:table/app-{n}/stream/*",
        ],
        weight: 10,
    },
    Service {
        prefix: "lambda",
        actions: &[
            "InvokeFunction",
            "GetFunction",
            "GetFunctionConfiguration",
            "ListFunctions",
            "CreateFunction",
            "DeleteFunction",
            "UpdateFunctionCode",
            "UpdateFunctionConfiguration",
            "PublishVersion",
            "ListVersionsByFunction",
            "CreateAlias",
            "GetAlias",
            "ListAliases",
            "AddPermission",
            "RemovePermission",
            "GetPolicy",
            "TagResource",
            "ListTags",
            "UntagResource",
            "GetFunctionUrlConfig",
            "PutFunctionConcurrency",
        ],
        literal: &[
            "arn:aws:lambda:{region}:{account}:function:fn-{n}",
            "arn:aws:lambda:{region}:{account}:function:fn-{n}:live",
        ],
        wildcard: &[
            "arn:aws:lambda:{region}:{account}:function:fn-{n}-*",
            "arn:aws:lambda:{region}:{account}:function:fn-{n}:*",
        ],
        weight: 8,
    },
    Service {
        prefix: "sqs",
        actions: &[
            "SendMessage",
            "ReceiveMessage",
            "DeleteMessage",
            "GetQueueAttributes",
            "GetQueueUrl",
            "ListQueues",
            "CreateQueue",
            "DeleteQueue",
            "PurgeQueue",
            "SetQueueAttributes",
            "ChangeMessageVisibility",
            "ListQueueTags",
            "TagQueue",
        ],
        literal: &["arn:aws:sqs:{region}:{account}:queue-{n}"],
        wildcard: &[
            "arn:aws:sqs:{region}:{account}:queue-{n}-*",
            "arn:aws:sqs:*:{account}:queue-{n}",
        ],
        weight: 6,
    },
    Service {
        prefix: "sns",
        actions: &[
            "Publish",
            "Subscribe",
            "Unsubscribe",
            "CreateTopic",
            "DeleteTopic",
            "ListTopics",
            "ListSubscriptions",
            "ListSubscriptionsByTopic",
            "GetTopicAttributes",
            "SetTopicAttributes",
            "ConfirmSubscription",
            "TagResource",
        ],
        literal: &["arn:aws:sns:{region}:{account}:topic-{n}"],
        wildcard: &["arn:aws:sns:{region}:{account}:topic-{n}-*"],
        weight: 4,
    },
    Service {
        prefix: "iam",
        actions: &[
            "GetUser",
            "ListUsers",
            "CreateUser",
            "DeleteUser",
            "GetRole",
            "ListRoles",
            "CreateRole",
            "DeleteRole",
            "PassRole",
            "AttachRolePolicy",
            "DetachRolePolicy",
            "PutRolePolicy",
            "GetRolePolicy",
            "ListAttachedRolePolicies",
            "ListRolePolicies",
            "GetPolicy",
            "GetPolicyVersion",
            "ListPolicies",
            "CreatePolicy",
            "CreateAccessKey",
            "ListAccessKeys",
            "DeleteAccessKey",
            "UpdateAssumeRolePolicy",
            "TagRole",
            "ListGroups",
            "GetGroup",
            "AddUserToGroup",
            "CreateServiceLinkedRole",
        ],
        literal: &[
            "arn:aws:iam::{account}:role/app-{n}",
            "arn:aws:iam::{account}:user/user-{n}",
            "arn:aws:iam::{account}:policy/policy-{n}",
        ],
        wildcard: &[
            "arn:aws:iam::{account}:role/app-{n}-*",
            "arn:aws:iam::{account}:role/service-role/app-{n}*",
            "arn:aws:iam::{account}:user/team-{n}/*",
        ],
        weight: 5,
    },
    Service {
        prefix: "kms",
        actions: &[
            "Encrypt",
            "Decrypt",
            "GenerateDataKey",
            "GenerateDataKeyWithoutPlaintext",
            "ReEncryptFrom",
            "ReEncryptTo",
            "DescribeKey",
            "ListKeys",
            "ListAliases",
            "CreateKey",
            "CreateGrant",
            "ListGrants",
            "GetKeyPolicy",
            "PutKeyPolicy",
            "ScheduleKeyDeletion",
            "EnableKeyRotation",
            "GetKeyRotationStatus",
        ],
        literal: &["arn:aws:kms:{region}:{account}:key/{uuid}"],
        wildcard: &[
            "arn:aws:kms:{region}:{account}:key/*",
            "arn:aws:kms:{region}:{account}:alias/app-{n}-*",
        ],
        weight: 4,
    },
    Service {
        prefix: "logs",
        actions: &[
            "CreateLogGroup",
            "CreateLogStream",
            "PutLogEvents",
            "DescribeLogGroups",
            "DescribeLogStreams",
            "GetLogEvents",
            "FilterLogEvents",
            "DeleteLogGroup",
            "PutRetentionPolicy",
            "StartQuery",
            "GetQueryResults",
            "TagLogGroup",
        ],
        literal: &["arn:aws:logs:{region}:{account}:log-group:/app/svc-{n}"],
        wildcard: &[
            "arn:aws:logs:{region}:{account}:log-group:/aws/lambda/fn-{n}:*",
            "arn:aws:logs:{region}:{account}:log-group:/app/svc-{n}:log-stream:*",
        ],
        weight: 5,
    },
    Service {
        prefix: "cloudwatch",
        actions: &[
            "PutMetricData",
            "GetMetricData",
            "GetMetricStatistics",
            "ListMetrics",
            "DescribeAlarms",
            "PutMetricAlarm",
            "DeleteAlarms",
            "DescribeAlarmHistory",
            "EnableAlarmActions",
            "DisableAlarmActions",
            "GetDashboard",
            "PutDashboard",
            "ListDashboards",
        ],
        literal: &[
            "arn:aws:cloudwatch:{region}:{account}:alarm:alarm-{n}",
            "arn:aws:cloudwatch::{account}:dashboard/dash-{n}",
        ],
        wildcard: &["arn:aws:cloudwatch:{region}:{account}:alarm:app-{n}-*"],
        weight: 3,
    },
    Service {
        prefix: "rds",
        actions: &[
            "DescribeDBInstances",
            "DescribeDBClusters",
            "DescribeDBSnapshots",
            "CreateDBInstance",
            "DeleteDBInstance",
            "ModifyDBInstance",
            "RebootDBInstance",
            "StartDBInstance",
            "StopDBInstance",
            "CreateDBSnapshot",
            "DeleteDBSnapshot",
            "DescribeDBParameterGroups",
            "ListTagsForResource",
            "AddTagsToResource",
        ],
        literal: &[
            "arn:aws:rds:{region}:{account}:db:db-{n}",
            "arn:aws:rds:{region}:{account}:cluster:cluster-{n}",
            "arn:aws:rds:{region}:{account}:snapshot:db-{n}-snap-{m}",
        ],
        wildcard: &[
            "arn:aws:rds:{region}:{account}:db:db-{n}-*",
            "arn:aws:rds:{region}:{account}:snapshot:db-{n}-*",
        ],
        weight: 3,
    },
    Service {
        prefix: "ecs",
        actions: &[
            "ListClusters",
            "DescribeClusters",
            "ListServices",
            "DescribeServices",
            "UpdateService",
            "CreateService",
            "DeleteService",
            "ListTasks",
            "DescribeTasks",
            "RunTask",
            "StopTask",
            "RegisterTaskDefinition",
            "DescribeTaskDefinition",
            "ListTaskDefinitions",
            "DeregisterTaskDefinition",
        ],
        literal: &[
            "arn:aws:ecs:{region}:{account}:service/cluster-{m}/svc-{n}",
            "arn:aws:ecs:{region}:{account}:cluster/cluster-{n}",
        ],
        wildcard: &[
            "arn:aws:ecs:{region}:{account}:task/cluster-{n}/*",
            "arn:aws:ecs:{region}:{account}:service/cluster-{n}/*",
            "arn:aws:ecs:{region}:{account}:task-definition/svc-{n}:*",
        ],
        weight: 3,
    },
    Service {
        prefix: "ecr",
        actions: &[
            "GetAuthorizationToken",
            "BatchCheckLayerAvailability",
            "GetDownloadUrlForLayer",
            "BatchGetImage",
            "DescribeRepositories",
            "DescribeImages",
            "ListImages",
            "PutImage",
            "InitiateLayerUpload",
            "UploadLayerPart",
            "CompleteLayerUpload",
            "CreateRepository",
            "DeleteRepository",
        ],
        literal: &["arn:aws:ecr:{region}:{account}:repository/repo-{n}"],
        wildcard: &["arn:aws:ecr:{region}:{account}:repository/team-{n}/*"],
        weight: 3,
    },
    Service {
        prefix: "sts",
        actions: &[
            "AssumeRole",
            "GetCallerIdentity",
            "GetSessionToken",
            "GetFederationToken",
            "TagSession",
            "AssumeRoleWithWebIdentity",
            "DecodeAuthorizationMessage",
        ],
        literal: &["arn:aws:iam::{account}:role/deploy-{n}"],
        wildcard: &["arn:aws:iam::{account}:role/cross-account-{n}-*"],
        weight: 3,
    },
    Service {
        prefix: "secretsmanager",
        actions: &[
            "GetSecretValue",
            "DescribeSecret",
            "ListSecrets",
            "CreateSecret",
            "PutSecretValue",
            "UpdateSecret",
            "DeleteSecret",
            "RotateSecret",
            "TagResource",
            "GetResourcePolicy",
            "ListSecretVersionIds",
        ],
        literal: &["arn:aws:secretsmanager:{region}:{account}:secret:app-{n}/db-password-{h}"],
        wildcard: &[
            "arn:aws:secretsmanager:{region}:{account}:secret:app-{n}/*",
            "arn:aws:secretsmanager:{region}:{account}:secret:app-{n}-??????",
        ],
        weight: 3,
    },
    Service {
        prefix: "ssm",
        actions: &[
            "GetParameter",
            "GetParameters",
            "GetParametersByPath",
            "PutParameter",
            "DeleteParameter",
            "DescribeParameters",
            "SendCommand",
            "GetCommandInvocation",
            "ListCommands",
            "StartSession",
            "TerminateSession",
            "DescribeInstanceInformation",
            "GetDocument",
            "ListDocuments",
        ],
        literal: &["arn:aws:ssm:{region}:{account}:parameter/app-{n}/config"],
        wildcard: &[
            "arn:aws:ssm:{region}:{account}:parameter/app-{n}/*",
            "arn:aws:ssm:{region}:{account}:parameter/app-{n}-*",
        ],
        weight: 3,
    },
    Service {
        prefix: "cloudformation",
        actions: &[
            "DescribeStacks",
            "ListStacks",
            "CreateStack",
            "UpdateStack",
            "DeleteStack",
            "DescribeStackEvents",
            "DescribeStackResources",
            "GetTemplate",
            "ValidateTemplate",
            "CreateChangeSet",
            "ExecuteChangeSet",
            "DescribeChangeSet",
            "ListStackResources",
        ],
        literal: &["arn:aws:cloudformation:{region}:{account}:stack/stack-{n}/{uuid}"],
        wildcard: &[
            "arn:aws:cloudformation:{region}:{account}:stack/stack-{n}/*",
            "arn:aws:cloudformation:{region}:{account}:stack/team-{n}-*/*",
        ],
        weight: 2,
    },
    Service {
        prefix: "kinesis",
        actions: &[
            "PutRecord",
            "PutRecords",
            "GetRecords",
            "GetShardIterator",
            "DescribeStream",
            "DescribeStreamSummary",
            "ListStreams",
            "ListShards",
            "CreateStream",
            "DeleteStream",
            "SubscribeToShard",
        ],
        literal: &["arn:aws:kinesis:{region}:{account}:stream/stream-{n}"],
        wildcard: &[
            "arn:aws:kinesis:{region}:{account}:stream/stream-{n}-*",
            "arn:aws:kinesis:{region}:{account}:stream/stream-{n}/consumer/*",
        ],
        weight: 2,
    },
    Service {
        prefix: "states",
        actions: &[
            "StartExecution",
            "StopExecution",
            "DescribeExecution",
            "ListExecutions",
            "DescribeStateMachine",
            "ListStateMachines",
            "CreateStateMachine",
            "UpdateStateMachine",
            "DeleteStateMachine",
            "GetExecutionHistory",
        ],
        literal: &["arn:aws:states:{region}:{account}:stateMachine:flow-{n}"],
        wildcard: &["arn:aws:states:{region}:{account}:execution:flow-{n}:*"],
        weight: 2,
    },
    Service {
        prefix: "events",
        actions: &[
            "PutEvents",
            "PutRule",
            "DeleteRule",
            "DescribeRule",
            "ListRules",
            "PutTargets",
            "RemoveTargets",
            "ListTargetsByRule",
            "EnableRule",
            "DisableRule",
        ],
        literal: &[
            "arn:aws:events:{region}:{account}:rule/rule-{n}",
            "arn:aws:events:{region}:{account}:event-bus/bus-{n}",
        ],
        wildcard: &["arn:aws:events:{region}:{account}:rule/app-{n}-*"],
        weight: 2,
    },
    Service {
        prefix: "route53",
        actions: &[
            "ListHostedZones",
            "GetHostedZone",
            "ChangeResourceRecordSets",
            "ListResourceRecordSets",
            "CreateHostedZone",
            "DeleteHostedZone",
            "GetChange",
            "ListHealthChecks",
            "CreateHealthCheck",
        ],
        literal: &["arn:aws:route53:::hostedzone/Z{h}"],
        wildcard: &[
            "arn:aws:route53:::hostedzone/*",
            "arn:aws:route53:::change/*",
        ],
        weight: 1,
    },
    Service {
        prefix: "elasticloadbalancing",
        actions: &[
            "DescribeLoadBalancers",
            "DescribeTargetGroups",
            "DescribeTargetHealth",
            "DescribeListeners",
            "RegisterTargets",
            "DeregisterTargets",
            "CreateLoadBalancer",
            "DeleteLoadBalancer",
            "ModifyListener",
            "AddTags",
        ],
        literal: &[
            "arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/lb-{n}/{h}",
            "arn:aws:elasticloadbalancing:{region}:{account}:targetgroup/tg-{n}/{h}",
        ],
        wildcard: &[
            "arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/lb-{n}/*",
            "arn:aws:elasticloadbalancing:{region}:{account}:targetgroup/tg-{n}/*",
        ],
        weight: 2,
    },
    Service {
        prefix: "autoscaling",
        actions: &[
            "DescribeAutoScalingGroups",
            "DescribeLaunchConfigurations",
            "UpdateAutoScalingGroup",
            "SetDesiredCapacity",
            "CreateAutoScalingGroup",
            "DeleteAutoScalingGroup",
            "TerminateInstanceInAutoScalingGroup",
            "DescribeScalingActivities",
            "PutScalingPolicy",
        ],
        literal: &[
            "arn:aws:autoscaling:{region}:{account}:autoScalingGroup:{uuid}:autoScalingGroupName/asg-{n}",
        ],
        wildcard: &[
            "arn:aws:autoscaling:{region}:{account}:autoScalingGroup:*:autoScalingGroupName/asg-{n}-*",
        ],
        weight: 1,
    },
    Service {
        prefix: "glue",
        actions: &[
            "GetDatabase",
            "GetDatabases",
            "GetTable",
            "GetTables",
            "GetPartitions",
            "CreateTable",
            "UpdateTable",
            "DeleteTable",
            "StartJobRun",
            "GetJobRun",
            "BatchCreatePartition",
        ],
        literal: &[
            "arn:aws:glue:{region}:{account}:database/db_{n}",
            "arn:aws:glue:{region}:{account}:table/db_{n}/events_{m}",
        ],
        wildcard: &["arn:aws:glue:{region}:{account}:table/db_{n}/*"],
        weight: 2,
    },
    Service {
        prefix: "athena",
        actions: &[
            "StartQueryExecution",
            "GetQueryExecution",
            "GetQueryResults",
            "StopQueryExecution",
            "ListQueryExecutions",
            "GetWorkGroup",
            "ListWorkGroups",
            "CreateNamedQuery",
            "GetNamedQuery",
            "BatchGetQueryExecution",
        ],
        literal: &["arn:aws:athena:{region}:{account}:workgroup/wg-{n}"],
        wildcard: &["arn:aws:athena:{region}:{account}:workgroup/team-{n}-*"],
        weight: 1,
    },
    Service {
        prefix: "elasticache",
        actions: &[
            "DescribeCacheClusters",
            "DescribeReplicationGroups",
            "CreateCacheCluster",
            "DeleteCacheCluster",
            "ModifyCacheCluster",
            "RebootCacheCluster",
            "CreateSnapshot",
            "ListTagsForResource",
        ],
        literal: &[
            "arn:aws:elasticache:{region}:{account}:cluster:cache-{n}",
            "arn:aws:elasticache:{region}:{account}:replicationgroup:rg-{n}",
        ],
        wildcard: &["arn:aws:elasticache:{region}:{account}:cluster:cache-{n}-*"],
        weight: 1,
    },
    Service {
        prefix: "execute-api",
        actions: &["Invoke", "ManageConnections", "InvalidateCache"],
        literal: &["arn:aws:execute-api:{region}:{account}:api{n}/prod/GET/items"],
        wildcard: &[
            "arn:aws:execute-api:{region}:{account}:api{n}/*",
            "arn:aws:execute-api:{region}:{account}:api{n}/prod/*/items/*",
        ],
        weight: 2,
    },
    Service {
        prefix: "cognito-idp",
        actions: &[
            "AdminGetUser",
            "AdminCreateUser",
            "AdminDeleteUser",
            "ListUsers",
            "DescribeUserPool",
            "ListUserPools",
            "AdminInitiateAuth",
            "AdminUpdateUserAttributes",
            "AdminAddUserToGroup",
            "ListGroups",
        ],
        literal: &["arn:aws:cognito-idp:{region}:{account}:userpool/{region}_{h}"],
        wildcard: &["arn:aws:cognito-idp:{region}:{account}:userpool/*"],
        weight: 1,
    },
];

/// The number of distinct action names in [`SERVICES`].
pub fn action_count() -> usize {
    SERVICES.iter().map(|s| s.actions.len()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_has_the_promised_size() {
        assert!(SERVICES.len() >= 25, "{} services", SERVICES.len());
        assert!(action_count() >= 390, "{} actions", action_count());
        for service in SERVICES {
            assert!(
                !service.literal.is_empty() && !service.wildcard.is_empty(),
                "{}",
                service.prefix
            );
            assert!(
                service
                    .literal
                    .iter()
                    .all(|t| !t.contains('*') && !t.contains('?')),
                "{}",
                service.prefix
            );
            assert!(
                service
                    .wildcard
                    .iter()
                    .all(|t| t.contains('*') || t.contains('?')),
                "{}",
                service.prefix
            );
            assert!(
                service
                    .literal
                    .iter()
                    .chain(service.wildcard)
                    .all(|t| t.starts_with("arn:aws:")),
                "{}",
                service.prefix
            );
            let mut names: Vec<_> = service.actions.to_vec();
            names.sort_unstable();
            names.dedup();
            assert_eq!(
                names.len(),
                service.actions.len(),
                "duplicate action in {}",
                service.prefix
            );
        }
    }

    #[test]
    fn classifies_read_actions() {
        assert!(is_read_action("GetObject"));
        assert!(is_read_action("DescribeInstances"));
        assert!(is_read_action("Query"));
        assert!(is_read_action("BatchGetItem"));
        assert!(!is_read_action("PutObject"));
        assert!(!is_read_action("Getaway"));
        assert!(!is_read_action("BatchWriteItem"));
        assert_eq!(verb_of("DescribeInstances"), "Describe");
        assert_eq!(verb_of("Query"), "Query");
    }
}
