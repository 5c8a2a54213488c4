//! Whole policy stores for benchmarks and load tests: `small`, `enterprise`
//! and `huge`, generated from a seed as the files of a store folder
//! (`docs/policy-store.md`), so they load exactly as users' stores do, with
//! requests of known answer in known proportions.
//!
//! The identity statements come from the [`generator`](crate::generator)
//! (same distributions: 30% wildcard actions, 50% wildcard resources, 20%
//! conditions, 10% `Deny`); the rest (organization, SCPs, boundaries, trust
//! and resource policies, real AWS managed policies attached by ARN) is laid
//! out here. `docs/performance.md` lists the exact shapes.

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use crate::generator::{GeneratorConfig, policy_documents};
use crate::vocabulary::{REGIONS, SERVICES, Service};

/// The organization's accounts that hold principals, with the share of
/// principals, groups and managed policies each gets.
pub const STORE_ACCOUNTS: &[(&str, &str, u32)] = &[
    ("111122223333", "workloads", 70),
    ("444455556666", "sandbox", 20),
    ("777788889999", "workloads", 10),
];

/// The organization's management account (no principals, no SCPs apply).
pub const MANAGEMENT_ACCOUNT: &str = "999988887777";

/// AWS managed policies (from the built-in catalog) that groups and roles
/// attach by ARN, beside the generated customer managed ones.
pub const AWS_MANAGED_ATTACHED: &[&str] = &[
    "arn:aws:iam::aws:policy/ReadOnlyAccess",
    "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
    "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess",
    "arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess",
    "arn:aws:iam::aws:policy/AWSLambda_ReadOnlyAccess",
    "arn:aws:iam::aws:policy/CloudWatchLogsReadOnlyAccess",
    "arn:aws:iam::aws:policy/AmazonSNSReadOnlyAccess",
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
];

/// The sizes of a generated store.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreShape {
    /// IAM users, spread over [`STORE_ACCOUNTS`].
    pub users: usize,
    /// IAM roles, spread over [`STORE_ACCOUNTS`].
    pub roles: usize,
    /// Groups (one per account at least when there are users).
    pub groups: usize,
    /// Customer managed policies.
    pub managed_policies: usize,
    /// Resource-based policies (bucket, queue, topic policies), besides the
    /// roles' trust policies.
    pub resource_policies: usize,
    /// Identity statements drawn by the generator (inline, group and
    /// customer managed policies together).
    pub identity_statements: usize,
    /// Whether the store has an organization with SCPs at three levels.
    pub organization: bool,
}

impl StoreShape {
    /// One user with one inline policy of 10 statements, no organization.
    pub fn small() -> Self {
        Self {
            users: 1,
            roles: 0,
            groups: 0,
            managed_policies: 0,
            resource_policies: 0,
            identity_statements: 10,
            organization: false,
        }
    }

    /// 6,000 users and 4,000 roles, 600 groups, 1,500 customer managed
    /// policies, 5,000 resource policies, an organization with SCPs at root,
    /// OU and account level: about 200,000 statements.
    pub fn enterprise() -> Self {
        Self {
            users: 6_000,
            roles: 4_000,
            groups: 600,
            managed_policies: 1_500,
            resource_policies: 5_000,
            identity_statements: 180_000,
            organization: true,
        }
    }

    /// `enterprise` five times over: about 1,000,000 statements.
    pub fn huge() -> Self {
        Self {
            users: 30_000,
            roles: 20_000,
            groups: 3_000,
            managed_policies: 7_500,
            resource_policies: 25_000,
            identity_statements: 900_000,
            organization: true,
        }
    }

    /// The shape of a named workload: `small`, `enterprise` or `huge`.
    pub fn named(name: &str) -> Option<Self> {
        match name {
            "small" => Some(Self::small()),
            "enterprise" => Some(Self::enterprise()),
            "huge" => Some(Self::huge()),
            _ => None,
        }
    }

    /// The same shape with every count divided by `factor` (at least one
    /// user, role, group and managed policy left where there were some): a
    /// quick sample of a big workload for tests.
    pub fn scaled_down(&self, factor: usize) -> Self {
        let f = factor.max(1);
        let keep = |n: usize| if n == 0 { 0 } else { (n / f).max(1) };
        Self {
            users: keep(self.users),
            roles: keep(self.roles),
            groups: keep(self.groups),
            managed_policies: keep(self.managed_policies),
            resource_policies: keep(self.resource_policies),
            identity_statements: keep(self.identity_statements).max(10),
            organization: self.organization,
        }
    }
}

/// Where a policy attached to a principal or group comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyRef {
    /// A generated document (index into [`StoreWorkload::documents`]).
    Generated(usize),
    /// An AWS managed policy of the built-in catalog, by ARN.
    AwsManaged(&'static str),
}

/// A user or role of the generated store.
#[derive(Debug, Clone)]
pub struct PrincipalModel {
    /// Its account.
    pub account: &'static str,
    /// Its name (`u-00042`, `r-00042`).
    pub name: String,
    /// True for a role.
    pub role: bool,
    /// The ARN requests use: the user ARN, or an assumed-role session ARN.
    pub request_arn: String,
    /// Inline policies (generated documents).
    pub inline: Vec<usize>,
    /// Attached managed policies.
    pub attached: Vec<PolicyRef>,
    /// Groups (indexes into [`StoreWorkload::groups`]).
    pub groups: Vec<usize>,
    /// Its permissions boundary (a generated document).
    pub boundary: Option<usize>,
    /// Its `team` tag.
    pub team: String,
}

/// A group of the generated store.
#[derive(Debug, Clone)]
pub struct GroupModel {
    /// Its account.
    pub account: &'static str,
    /// Its name.
    pub name: String,
    /// Its inline policies.
    pub inline: Vec<usize>,
    /// Its attached managed policies.
    pub attached: Vec<PolicyRef>,
}

/// A generated store: its files and the model they were written from.
#[derive(Debug, Clone)]
pub struct StoreWorkload {
    /// The store folder's files, relative paths with `/`.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Every generated policy document (identity, managed, boundary, SCP,
    /// trust and resource policies).
    pub documents: Vec<Value>,
    /// Users and roles.
    pub principals: Vec<PrincipalModel>,
    /// Groups.
    pub groups: Vec<GroupModel>,
    /// `(account, name, document)` of each customer managed policy.
    pub managed: Vec<(&'static str, String, usize)>,
    /// `(resource ARN, account, document)` of each resource policy.
    pub resource_policies: Vec<(String, &'static str, usize)>,
    /// SCP documents per level for each account: root, OU, account.
    pub scp_levels: BTreeMap<&'static str, Vec<Vec<usize>>>,
    /// Statements in every generated document (AWS managed ones not
    /// counted).
    pub generated_statements: usize,
}

/// Picks an index by weight.
fn weighted_index(rng: &mut ChaCha8Rng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut roll = rng.gen_range(0..total.max(1));
    for (i, w) in weights.iter().enumerate() {
        if roll < *w {
            return i;
        }
        roll -= w;
    }
    weights.len() - 1
}

fn statements_of(document: &Value) -> usize {
    document
        .get("Statement")
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

fn json_bytes(value: &Value) -> Vec<u8> {
    // Pretty output costs ~30% more bytes; stores are written compact.
    value.to_string().into_bytes()
}

/// The SCP documents of the organization.
fn scp_documents() -> Vec<(&'static str, Value)> {
    vec![
        (
            "deny-leave-organization",
            json!({"Version": "2012-10-17", "Statement": [
                {"Sid": "DenyLeave", "Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}
            ]}),
        ),
        (
            "protect-audit",
            json!({"Version": "2012-10-17", "Statement": [
                {"Sid": "ProtectAudit", "Effect": "Deny",
                 "Action": ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "config:StopConfigurationRecorder", "logs:DeleteLogGroup"],
                 "Resource": "*",
                 "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": "security"}}}
            ]}),
        ),
        (
            "deny-outside-regions",
            json!({"Version": "2012-10-17", "Statement": [
                {"Sid": "DenyOutsideRegions", "Effect": "Deny",
                 "NotAction": ["iam:*", "sts:*", "organizations:*", "cloudfront:*", "route53:*", "support:*"],
                 "Resource": "*",
                 "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "us-west-2", "eu-west-1"]}}}
            ]}),
        ),
        (
            "sandbox-limits",
            json!({"Version": "2012-10-17", "Statement": [
                {"Sid": "NoExpensive", "Effect": "Deny",
                 "Action": ["redshift:*", "sagemaker:*", "ec2:PurchaseReservedInstancesOffering"], "Resource": "*"},
                {"Sid": "NoIamUsers", "Effect": "Deny", "Action": ["iam:CreateUser", "iam:CreateAccessKey"], "Resource": "*"}
            ]}),
        ),
        (
            "account-guardrails",
            json!({"Version": "2012-10-17", "Statement": [
                {"Sid": "ProtectKeys", "Effect": "Deny",
                 "Action": ["kms:ScheduleKeyDeletion", "kms:DisableKey", "iam:DeleteRole", "iam:DeleteRolePolicy"],
                 "Resource": "*",
                 "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": ["security", "platform"]}}},
                {"Sid": "DenyNoTls", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
            ]}),
        ),
    ]
}

/// A permissions boundary that allows the common application services.
fn boundary_document() -> Value {
    json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "AppServices", "Effect": "Allow",
         "Action": ["s3:*", "dynamodb:*", "sqs:*", "sns:*", "lambda:*", "logs:*", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "ec2:Describe*", "cloudwatch:*"],
         "Resource": "*"},
        {"Sid": "NoIam", "Effect": "Deny", "Action": ["iam:*", "organizations:*"], "Resource": "*"}
    ]})
}

fn trust_document(account: &str, rng: &mut ChaCha8Rng) -> Value {
    match rng.gen_range(0..3) {
        0 => json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
        1 => json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
        _ => json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{account}:root")}, "Action": "sts:AssumeRole",
             "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}),
    }
}

/// A bucket, queue or topic policy: a cross-account read grant, a grant to
/// one role of the store, and a TLS guardrail.
fn resource_document(
    arn: &str,
    service: &str,
    reader_account: &str,
    role_arn: Option<&str>,
) -> Value {
    let (read, write, resources): (Vec<&str>, Vec<&str>, Value) = match service {
        "s3" => (
            vec!["s3:GetObject", "s3:ListBucket"],
            vec!["s3:PutObject", "s3:DeleteObject"],
            json!([arn, format!("{arn}/*")]),
        ),
        "sqs" => (
            vec!["sqs:ReceiveMessage", "sqs:GetQueueAttributes"],
            vec!["sqs:SendMessage", "sqs:DeleteMessage"],
            json!(arn),
        ),
        _ => (
            vec!["sns:Subscribe", "sns:GetTopicAttributes"],
            vec!["sns:Publish"],
            json!(arn),
        ),
    };
    let mut statements = vec![json!({
        "Sid": "CrossAccountRead", "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{reader_account}:root")},
        "Action": read, "Resource": resources.clone()
    })];
    if let Some(role) = role_arn {
        statements.push(json!({
            "Sid": "AppWrite", "Effect": "Allow", "Principal": {"AWS": role},
            "Action": write, "Resource": resources.clone()
        }));
    }
    statements.push(json!({
        "Sid": "DenyInsecure", "Effect": "Deny", "Principal": "*",
        "Action": format!("{service}:*"), "Resource": resources,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}
    }));
    json!({"Version": "2012-10-17", "Statement": statements})
}

impl StoreWorkload {
    /// Generates the store of `shape` from `seed`: the same pair gives the
    /// same files everywhere.
    pub fn generate(shape: &StoreShape, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5707_e000);
        let pool = policy_documents(&GeneratorConfig::new(shape.identity_statements), seed);
        let mut documents: Vec<Value> = Vec::with_capacity(pool.len() + shape.resource_policies);
        let mut files = BTreeMap::new();
        let weights: Vec<u32> = STORE_ACCOUNTS.iter().map(|a| a.2).collect();

        // Generated documents go, in order, to groups, managed policies,
        // then one to each principal; the rest are second inline policies.
        let mut pool = pool.into_iter();
        let mut next_doc = |documents: &mut Vec<Value>| -> Option<usize> {
            let doc = pool.next()?;
            documents.push(doc);
            Some(documents.len() - 1)
        };

        let mut groups: Vec<GroupModel> = Vec::with_capacity(shape.groups);
        let mut managed: Vec<(&'static str, String, usize)> = Vec::new();
        for i in 0..shape.managed_policies {
            let account = STORE_ACCOUNTS[weighted_index(&mut rng, &weights)].0;
            if let Some(doc) = next_doc(&mut documents) {
                managed.push((account, format!("managed-{i:05}"), doc));
            }
        }
        let managed_of = |account: &str| -> Vec<usize> {
            managed
                .iter()
                .enumerate()
                .filter(|(_, m)| m.0 == account)
                .map(|(i, _)| i)
                .collect()
        };
        let managed_by_account: Vec<Vec<usize>> =
            STORE_ACCOUNTS.iter().map(|a| managed_of(a.0)).collect();

        for i in 0..shape.groups {
            // The first group of each account is its admins group.
            let account_index = if i < STORE_ACCOUNTS.len() {
                i
            } else {
                weighted_index(&mut rng, &weights)
            };
            let account = STORE_ACCOUNTS[account_index].0;
            let mut attached = Vec::new();
            if i < STORE_ACCOUNTS.len() {
                attached.push(PolicyRef::AwsManaged(
                    "arn:aws:iam::aws:policy/AdministratorAccess",
                ));
                groups.push(GroupModel {
                    account,
                    name: "admins".into(),
                    inline: Vec::new(),
                    attached,
                });
                continue;
            }
            let own = &managed_by_account[account_index];
            if !own.is_empty() {
                for _ in 0..rng.gen_range(0..=2) {
                    let m = own[rng.gen_range(0..own.len())];
                    let r = PolicyRef::Generated(managed[m].2);
                    if !attached.contains(&r) {
                        attached.push(r);
                    }
                }
            }
            if rng.gen_bool(0.15) {
                attached.push(PolicyRef::AwsManaged(
                    AWS_MANAGED_ATTACHED[rng.gen_range(0..AWS_MANAGED_ATTACHED.len())],
                ));
            }
            let inline = next_doc(&mut documents).into_iter().collect();
            groups.push(GroupModel {
                account,
                name: format!("group-{i:04}"),
                inline,
                attached,
            });
        }
        let groups_by_account: Vec<Vec<usize>> = STORE_ACCOUNTS
            .iter()
            .map(|a| {
                groups
                    .iter()
                    .enumerate()
                    .filter(|(_, g)| g.account == a.0 && g.name != "admins")
                    .map(|(i, _)| i)
                    .collect()
            })
            .collect();

        // Boundaries: one customer managed policy per account.
        let mut boundaries = BTreeMap::new();
        if shape.roles > 0 {
            for (account, _, _) in STORE_ACCOUNTS {
                documents.push(boundary_document());
                let doc = documents.len() - 1;
                boundaries.insert(*account, doc);
                managed.push((account, "app-boundary".into(), doc));
            }
        }

        let mut principals = Vec::with_capacity(shape.users + shape.roles);
        for i in 0..shape.users + shape.roles {
            let role = i >= shape.users;
            let account_index = if shape.users + shape.roles == 1 {
                0
            } else {
                weighted_index(&mut rng, &weights)
            };
            let account = STORE_ACCOUNTS[account_index].0;
            let name = if role {
                format!("r-{:05}", i - shape.users)
            } else {
                format!("u-{i:05}")
            };
            let request_arn = if role {
                format!("arn:aws:sts::{account}:assumed-role/{name}/session-{i}")
            } else {
                format!("arn:aws:iam::{account}:user/{name}")
            };
            let team = if rng.gen_bool(0.6) {
                "platform".to_owned()
            } else {
                format!("team-{:03}", rng.gen_range(0..500))
            };
            let mut attached = Vec::new();
            let own = &managed_by_account[account_index];
            if !own.is_empty() {
                for _ in 0..rng.gen_range(if role { 1..=3 } else { 0..=1 }) {
                    let r = PolicyRef::Generated(managed[own[rng.gen_range(0..own.len())]].2);
                    if !attached.contains(&r) {
                        attached.push(r);
                    }
                }
            }
            if role && rng.gen_bool(0.2) {
                attached.push(PolicyRef::AwsManaged(
                    AWS_MANAGED_ATTACHED[rng.gen_range(0..AWS_MANAGED_ATTACHED.len())],
                ));
            }
            let mut member_of = Vec::new();
            if !role {
                if rng.gen_bool(0.005) {
                    member_of.push(account_index);
                }
                let pool = &groups_by_account[account_index];
                if !pool.is_empty() {
                    for _ in 0..rng.gen_range(1..=3) {
                        let g = pool[rng.gen_range(0..pool.len())];
                        if !member_of.contains(&g) {
                            member_of.push(g);
                        }
                    }
                }
            }
            let boundary = if role && rng.gen_bool(0.25) {
                boundaries.get(account).copied()
            } else {
                None
            };
            principals.push(PrincipalModel {
                account,
                name,
                role,
                request_arn,
                inline: next_doc(&mut documents).into_iter().collect(),
                attached,
                groups: member_of,
                boundary,
                team,
            });
        }
        // Documents left in the pool become second inline policies.
        let mut i = 0;
        while let Some(doc) = next_doc(&mut documents) {
            if principals.is_empty() {
                break;
            }
            let n = principals.len();
            principals[i % n].inline.push(doc);
            i += 1;
        }

        // Resource policies: buckets, queues and topics of the vocabulary's
        // name space, each in one account's folder.
        let mut resource_policies = Vec::with_capacity(shape.resource_policies);
        let space = GeneratorConfig::default().resource_space as usize;
        for i in 0..shape.resource_policies {
            let account_index = weighted_index(&mut rng, &weights);
            let account = STORE_ACCOUNTS[account_index].0;
            let n = i % space;
            let round = i / space;
            let (service, arn) = match i % 5 {
                0..=2 => ("s3", format!("arn:aws:s3:::bucket-{n:04}")),
                3 => {
                    let region = REGIONS[round % REGIONS.len()].0;
                    (
                        "sqs",
                        format!("arn:aws:sqs:{region}:{account}:queue-{n:04}"),
                    )
                }
                _ => {
                    let region = REGIONS[round % REGIONS.len()].0;
                    (
                        "sns",
                        format!("arn:aws:sns:{region}:{account}:topic-{n:04}"),
                    )
                }
            };
            // One ARN has one policy: names repeat after `space` policies.
            let arn = if round > 0 {
                format!("{arn}-r{round}")
            } else {
                arn
            };
            let reader = STORE_ACCOUNTS[(account_index + 1) % STORE_ACCOUNTS.len()].0;
            let role_arn = if shape.roles > 0 && rng.gen_bool(0.5) {
                let r = shape.users + rng.gen_range(0..shape.roles);
                let p = &principals[r];
                Some(format!("arn:aws:iam::{}:role/{}", p.account, p.name))
            } else {
                None
            };
            documents.push(resource_document(
                &arn,
                service,
                reader,
                role_arn.as_deref(),
            ));
            resource_policies.push((arn, account, documents.len() - 1));
        }

        // The organization: SCPs at root, OU and account level.
        let mut scp_levels = BTreeMap::new();
        if shape.organization {
            let mut scp_doc = BTreeMap::new();
            for (name, document) in scp_documents() {
                files.insert(
                    format!("organization/scps/{name}.json"),
                    json_bytes(&document),
                );
                documents.push(document);
                scp_doc.insert(name, documents.len() - 1);
            }
            let level = |names: &[&str]| -> Vec<usize> {
                names
                    .iter()
                    .filter_map(|n| scp_doc.get(n).copied())
                    .collect()
            };
            let mut ous: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
            for (account, ou, _) in STORE_ACCOUNTS {
                ous.entry(ou).or_default().push(json!({
                    "Id": account, "Name": format!("acct-{account}"),
                    "ServiceControlPolicies": ["FullAWSAccess", "account-guardrails"]
                }));
                let ou_scp = if *ou == "sandbox" {
                    "sandbox-limits"
                } else {
                    "deny-outside-regions"
                };
                scp_levels.insert(
                    *account,
                    vec![
                        level(&["deny-leave-organization", "protect-audit"]),
                        level(&[ou_scp]),
                        level(&["account-guardrails"]),
                    ],
                );
            }
            let units: Vec<Value> = ous
                .into_iter()
                .enumerate()
                .map(|(i, (ou, accounts))| {
                    let scp = if ou == "sandbox" {
                        "sandbox-limits"
                    } else {
                        "deny-outside-regions"
                    };
                    json!({
                        "Name": ou, "Id": format!("ou-ent1-unit000{i}"),
                        "ServiceControlPolicies": ["FullAWSAccess", scp],
                        "Accounts": accounts
                    })
                })
                .collect();
            let organization = json!({
                "Id": "o-enterprise1",
                "ManagementAccountId": MANAGEMENT_ACCOUNT,
                "Root": {
                    "Id": "r-ent1",
                    "ServiceControlPolicies": ["FullAWSAccess", "deny-leave-organization", "protect-audit"],
                    "OrganizationalUnits": units,
                    "Accounts": [{"Id": MANAGEMENT_ACCOUNT, "Name": "management"}]
                }
            });
            files.insert(
                "organization/organization.json".into(),
                json_bytes(&organization),
            );
        }

        // Files.
        let refs = |attached: &[PolicyRef], account: &str| -> Vec<String> {
            attached
                .iter()
                .map(|r| match r {
                    PolicyRef::AwsManaged(arn) => (*arn).to_owned(),
                    PolicyRef::Generated(doc) => {
                        let name = managed
                            .iter()
                            .find(|m| m.2 == *doc)
                            .map_or("", |m| m.1.as_str());
                        format!("arn:aws:iam::{account}:policy/{name}")
                    }
                })
                .collect()
        };
        for (account, name, doc) in &managed {
            files.insert(
                format!("accounts/{account}/policies/{name}.json"),
                json_bytes(&documents[*doc]),
            );
        }
        for group in &groups {
            let inline: serde_json::Map<String, Value> = group
                .inline
                .iter()
                .enumerate()
                .map(|(k, d)| (format!("inline-{k}"), documents[*d].clone()))
                .collect();
            let body = json!({
                "InlinePolicies": inline,
                "AttachedManagedPolicies": refs(&group.attached, group.account),
            });
            files.insert(
                format!("accounts/{}/groups/{}.json", group.account, group.name),
                json_bytes(&body),
            );
        }
        for principal in &principals {
            let inline: serde_json::Map<String, Value> = principal
                .inline
                .iter()
                .enumerate()
                .map(|(k, d)| (format!("inline-{k}"), documents[*d].clone()))
                .collect();
            let mut body = json!({
                "InlinePolicies": inline,
                "AttachedManagedPolicies": refs(&principal.attached, principal.account),
                "Tags": {"team": principal.team},
            });
            if principal.role {
                body["TrustPolicy"] = trust_document(principal.account, &mut rng);
                if principal.boundary.is_some() {
                    body["PermissionsBoundary"] = json!(format!(
                        "arn:aws:iam::{}:policy/app-boundary",
                        principal.account
                    ));
                }
            } else {
                let names: Vec<&str> = principal
                    .groups
                    .iter()
                    .map(|g| groups[*g].name.as_str())
                    .collect();
                body["Groups"] = json!(names);
            }
            let kind = if principal.role { "roles" } else { "users" };
            files.insert(
                format!(
                    "accounts/{}/{kind}/{}.json",
                    principal.account, principal.name
                ),
                json_bytes(&body),
            );
        }
        for (k, (arn, account, doc)) in resource_policies.iter().enumerate() {
            let body = json!({"Arn": arn, "Policy": documents[*doc]});
            files.insert(
                format!("accounts/{account}/resources/policy-{k:05}.json"),
                json_bytes(&body),
            );
        }
        let generated_statements = documents.iter().map(statements_of).sum();
        Self {
            files,
            documents,
            principals,
            groups,
            managed,
            resource_policies,
            scp_levels,
            generated_statements,
        }
    }

    /// The resource policy that answers for `resource`: its own, or its
    /// bucket's for an S3 object. `(account, document)`.
    pub fn resource_policy_for(&self, resource: &str) -> Option<(&'static str, usize)> {
        let bucket = resource
            .strip_prefix("arn:aws:s3:::")
            .map(|rest| rest.split('/').next().unwrap_or(rest))
            .map(|b| format!("arn:aws:s3:::{b}"));
        self.resource_policies
            .iter()
            .find(|(arn, _, _)| arn == resource || bucket.as_deref() == Some(arn.as_str()))
            .map(|(_, account, doc)| (*account, *doc))
    }
}

/// A service of the vocabulary by prefix.
pub(crate) fn service(prefix: &str) -> Option<&'static Service> {
    SERVICES.iter().find(|s| s.prefix == prefix)
}
