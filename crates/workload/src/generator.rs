//! A seeded generator of realistic identity-side policy sets, with three probe
//! requests whose answers are known at every size.
//!
//! See the [crate documentation](crate) for the distributions. Everything is
//! drawn from one [`ChaCha8Rng`] seeded with the caller's seed, in a fixed
//! order, so a `(config, seed)` pair always yields the same documents, on
//! every platform.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value, json};
use tollgate_policy::{
    DecisionKind, NamedPolicy, PolicyDocument, PolicyKind, PolicySet, Request, RequestContext,
    RequestPrincipal,
};

use crate::WorkloadError;
use crate::vocabulary::{
    ACCOUNTS, READ_WILDCARD_VERBS, REGIONS, SERVICES, Service, is_read_action, verb_of,
};

/// The principal of the probe requests (and of [`random_requests`]).
pub const PRINCIPAL: &str = "arn:aws:iam::111122223333:user/bench";

/// The `Sid` of the planted `Allow` statement.
pub const PLANTED_ALLOW_SID: &str = "TollgateBenchAllow";

/// The `Sid` of the planted `Deny` statement.
pub const PLANTED_DENY_SID: &str = "TollgateBenchDeny";

/// The bucket the planted statements are about. No generated resource name
/// starts with `tollgate-bench-`.
pub const PLANTED_BUCKET: &str = "tollgate-bench-allowed";

/// What to generate. [`GeneratorConfig::default`] gives the documented
/// distributions for 1,000 statements; [`GeneratorConfig::new`] the same for
/// another size.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratorConfig {
    /// Statements in the whole set, the two planted ones included (at least 2;
    /// smaller values are raised to 2).
    pub statements: usize,
    /// Share of statements whose `Action` holds a wildcard pattern.
    pub wildcard_action_ratio: f64,
    /// Among those: share whose wildcard is `*` (every action).
    pub star_action_share: f64,
    /// Among those: share whose wildcard is a whole service (`s3:*`); the
    /// rest are verb prefixes (`ec2:Describe*`, `s3:Get*`).
    pub service_action_share: f64,
    /// Share of statements whose `Resource` holds a wildcard pattern.
    pub wildcard_resource_ratio: f64,
    /// Among those: share whose `Resource` is `*`.
    pub star_resource_share: f64,
    /// Share of statements with a `Condition` block.
    pub condition_ratio: f64,
    /// Share of `Deny` statements.
    pub deny_ratio: f64,
    /// Fewest statements in one document.
    pub min_statements_per_document: usize,
    /// Most statements in one document.
    pub max_statements_per_document: usize,
    /// How many distinct names each resource shape draws from (`bucket-0000`
    /// to `bucket-4999` ...).
    pub resource_space: u32,
}

impl Default for GeneratorConfig {
    fn default() -> Self {
        Self {
            statements: 1000,
            wildcard_action_ratio: 0.30,
            star_action_share: 0.05,
            service_action_share: 0.40,
            wildcard_resource_ratio: 0.50,
            star_resource_share: 0.15,
            condition_ratio: 0.20,
            deny_ratio: 0.10,
            min_statements_per_document: 5,
            max_statements_per_document: 20,
            resource_space: 5000,
        }
    }
}

impl GeneratorConfig {
    /// The default distributions with `statements` statements.
    pub fn new(statements: usize) -> Self {
        Self {
            statements,
            ..Self::default()
        }
    }
}

/// The JSON documents of a generated set, in order: document `i` is labelled
/// `identityPolicies[i]` by [`policy_set`].
pub fn policy_documents(config: &GeneratorConfig, seed: u64) -> Vec<Value> {
    Generator::new(config, seed).documents()
}

/// The generated set, every document parsed as an identity policy; fails only
/// if a document does not parse (a generator bug, which the tests rule out).
pub fn try_policy_set(config: &GeneratorConfig, seed: u64) -> Result<PolicySet, WorkloadError> {
    let identity = policy_documents(config, seed)
        .iter()
        .enumerate()
        .map(|(i, value)| {
            let label = format!("identityPolicies[{i}]");
            match PolicyDocument::from_json(value, PolicyKind::Identity) {
                Ok(document) => Ok(NamedPolicy::new(label, document)),
                Err(errors) => Err(WorkloadError::Parse {
                    policy: label,
                    errors,
                }),
            }
        })
        .collect::<Result<_, _>>()?;
    Ok(PolicySet {
        identity,
        ..PolicySet::default()
    })
}

/// The generated set: identity policies only, labelled `identityPolicies[i]`,
/// [`GeneratorConfig::statements`] statements in all, the planted `Allow` and
/// `Deny` among them.
///
/// Every document obeys the grammar (the tests parse all of them with
/// [`PolicyDocument::from_json`]); should one ever not, it would be left out,
/// and [`PolicySet::statement_count`] would show it. [`try_policy_set`]
/// reports it instead.
pub fn policy_set(config: &GeneratorConfig, seed: u64) -> PolicySet {
    let identity = policy_documents(config, seed)
        .iter()
        .enumerate()
        .filter_map(|(i, value)| {
            let document = PolicyDocument::from_json(value, PolicyKind::Identity).ok()?;
            Some(NamedPolicy::new(format!("identityPolicies[{i}]"), document))
        })
        .collect();
    PolicySet {
        identity,
        ..PolicySet::default()
    }
}

/// The context of every probe request: `aws:SourceIp` 10.1.2.3,
/// `aws:SecureTransport` true, `aws:PrincipalTag/team` platform,
/// `aws:CurrentTime` 2025-06-01T12:00:00Z, `aws:RequestedRegion` us-east-1.
pub fn probe_context() -> RequestContext {
    let mut context = RequestContext::new();
    for (key, value) in [
        ("aws:SourceIp", "10.1.2.3"),
        ("aws:SecureTransport", "true"),
        ("aws:PrincipalTag/team", "platform"),
        ("aws:CurrentTime", "2025-06-01T12:00:00Z"),
        ("aws:RequestedRegion", "us-east-1"),
    ] {
        context.insert(key, vec![value.to_owned()]);
    }
    context
}

fn probe(action: &str, resource: &str) -> Result<Request, WorkloadError> {
    let principal = RequestPrincipal::parse(PRINCIPAL).map_err(WorkloadError::Principal)?;
    let mut request = Request::new(principal, action, resource);
    request.context = probe_context();
    Ok(request)
}

/// `s3:GetObject` on an object of the planted bucket: allowed by the planted
/// `Allow` (whose conditions the probe context meets), denied by nothing.
pub fn allowed_request() -> Result<Request, WorkloadError> {
    probe(
        "s3:GetObject",
        "arn:aws:s3:::tollgate-bench-allowed/reports/2025/q2.csv",
    )
}

/// `s3:DeleteObject` under `protected/` in the planted bucket: allowed by the
/// planted `Allow` but denied by the planted `Deny`.
pub fn explicitly_denied_request() -> Result<Request, WorkloadError> {
    probe(
        "s3:DeleteObject",
        "arn:aws:s3:::tollgate-bench-allowed/protected/audit.log",
    )
}

/// `s3:PutObject` on a bucket no statement names: nothing allows it (broad
/// `Resource: "*"` allows only read actions), nothing denies it.
pub fn implicitly_denied_request() -> Result<Request, WorkloadError> {
    probe(
        "s3:PutObject",
        "arn:aws:s3:::tollgate-bench-private/uploads/q2.csv",
    )
}

/// The three probe requests, with the answer each must get from every
/// generated set.
#[derive(Debug, Clone)]
pub struct Probes {
    /// Gets [`DecisionKind::Allowed`].
    pub allowed: Request,
    /// Gets [`DecisionKind::ExplicitDeny`].
    pub explicitly_denied: Request,
    /// Gets [`DecisionKind::ImplicitDeny`].
    pub implicitly_denied: Request,
}

impl Probes {
    /// Builds the three probes.
    pub fn new() -> Result<Self, WorkloadError> {
        Ok(Self {
            allowed: allowed_request()?,
            explicitly_denied: explicitly_denied_request()?,
            implicitly_denied: implicitly_denied_request()?,
        })
    }

    /// `(name, expected answer, request)` for each probe; the names are
    /// `allowed`, `explicit_deny`, `implicit_deny`.
    pub fn cases(&self) -> [(&'static str, DecisionKind, &Request); 3] {
        [
            ("allowed", DecisionKind::Allowed, &self.allowed),
            (
                "explicit_deny",
                DecisionKind::ExplicitDeny,
                &self.explicitly_denied,
            ),
            (
                "implicit_deny",
                DecisionKind::ImplicitDeny,
                &self.implicitly_denied,
            ),
        ]
    }
}

/// `n` requests for load tests, whose answers are not known in advance: one
/// in eight is a probe (in turn), the others take a random action of the
/// vocabulary on a resource drawn from the same literal shapes and resource
/// space as the policies (so a few hit a statement), with the probe context.
/// The principal is [`PRINCIPAL`].
pub fn random_requests(
    config: &GeneratorConfig,
    seed: u64,
    n: usize,
) -> Result<Vec<Request>, WorkloadError> {
    let probes = Probes::new()?;
    let principal = RequestPrincipal::parse(PRINCIPAL).map_err(WorkloadError::Principal)?;
    let context = probe_context();
    let mut generator = Generator::new(config, seed);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        if i % 8 == 7 {
            let cases = probes.cases();
            out.push(cases[(i / 8) % cases.len()].2.clone());
            continue;
        }
        let service = generator.pick_service();
        let action = generator.pick(service.actions);
        let shape = generator.pick(service.literal);
        generator.locate();
        let resource = generator.fill(shape);
        let mut request = Request::new(
            principal.clone(),
            format!("{}:{action}", service.prefix),
            resource,
        );
        request.context = context.clone();
        out.push(request);
    }
    Ok(out)
}

/// The statement that every set holds once: read, write and delete in the
/// planted bucket, for the platform team over TLS.
fn planted_allow() -> Value {
    json!({
        "Sid": PLANTED_ALLOW_SID,
        "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
        "Resource": [
            format!("arn:aws:s3:::{PLANTED_BUCKET}"),
            format!("arn:aws:s3:::{PLANTED_BUCKET}/*"),
        ],
        "Condition": {
            "StringEquals": {"aws:PrincipalTag/team": "platform"},
            "Bool": {"aws:SecureTransport": "true"},
        },
    })
}

/// The statement that every set holds once: only the security team may delete
/// or re-ACL under `protected/`.
fn planted_deny() -> Value {
    json!({
        "Sid": PLANTED_DENY_SID,
        "Effect": "Deny",
        "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectAcl"],
        "Resource": format!("arn:aws:s3:::{PLANTED_BUCKET}/protected/*"),
        "Condition": {
            "StringNotEquals": {"aws:PrincipalTag/team": "security"},
        },
    })
}

struct Generator<'c> {
    rng: ChaCha8Rng,
    config: &'c GeneratorConfig,
    /// The region and account of the statement being drawn.
    region: &'static str,
    account: &'static str,
}

impl<'c> Generator<'c> {
    fn new(config: &'c GeneratorConfig, seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
            config,
            region: REGIONS[0].0,
            account: ACCOUNTS[0].0,
        }
    }

    fn documents(&mut self) -> Vec<Value> {
        let total = self.config.statements.max(2);
        let random = total - 2;
        let mut statements: Vec<Value> = (0..random).map(|i| self.statement(i)).collect();
        let allow_at = self.rng.gen_range(0..=statements.len());
        statements.insert(allow_at, planted_allow());
        let deny_at = self.rng.gen_range(0..=statements.len());
        statements.insert(deny_at, planted_deny());

        let sizes = self.document_sizes(statements.len());
        let mut rest = statements.into_iter();
        sizes
            .into_iter()
            .map(|size| {
                let chunk: Vec<Value> = rest.by_ref().take(size).collect();
                json!({"Version": "2012-10-17", "Statement": chunk})
            })
            .collect()
    }

    /// Sizes drawn uniformly from `min..=max`; the last document takes what
    /// remains, and a remainder under `min` is spread back so that every
    /// document stays within bounds (when the total allows it).
    fn document_sizes(&mut self, total: usize) -> Vec<usize> {
        let min = self.config.min_statements_per_document.max(1);
        let max = self.config.max_statements_per_document.max(min);
        let mut sizes = Vec::new();
        let mut remaining = total;
        while remaining > 0 {
            if remaining <= max {
                sizes.push(remaining);
                break;
            }
            let mut size = self.rng.gen_range(min..=max);
            if remaining - size < min {
                // Leave exactly `min` for the last document.
                size = (remaining - min).clamp(1, max);
            }
            sizes.push(size);
            remaining -= size;
        }
        sizes
    }

    fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut roll = self.rng.gen_range(0..total.max(1));
        for (item, weight) in items {
            if roll < *weight {
                return *item;
            }
            roll -= weight;
        }
        items[items.len() - 1].0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.gen_range(0..items.len())]
    }

    fn pick_service(&mut self) -> &'static Service {
        let total: u32 = SERVICES.iter().map(|s| s.weight).sum();
        let mut roll = self.rng.gen_range(0..total);
        for service in SERVICES {
            if roll < service.weight {
                return service;
            }
            roll -= service.weight;
        }
        &SERVICES[0]
    }

    /// A service with a `Get`/`List`/`Describe` action, for read-only grants.
    fn pick_read_service(&mut self) -> &'static Service {
        loop {
            let service = self.pick_service();
            if service
                .actions
                .iter()
                .any(|a| READ_WILDCARD_VERBS.contains(&verb_of(a)))
            {
                return service;
            }
        }
    }

    /// Draws the region and account that the next resources use: a
    /// statement's resources are in one region and account, as usual.
    fn locate(&mut self) {
        self.region = self.weighted(REGIONS);
        self.account = self.weighted(ACCOUNTS);
    }

    fn fill(&mut self, shape: &str) -> String {
        let (region, account) = (self.region, self.account);
        let n = self.rng.gen_range(0..self.config.resource_space.max(1));
        let m = self.rng.gen_range(0..100u32);
        let mut out = shape
            .replace("{region}", region)
            .replace("{account}", account)
            .replace("{n}", &format!("{n:04}"))
            .replace("{m}", &m.to_string());
        if out.contains("{h}") {
            let h = self.rng.gen_range(0..1u64 << 60);
            out = out.replace("{h}", &format!("{h:017x}"));
        }
        if out.contains("{uuid}") {
            let a = self.rng.gen_range(0..u64::MAX);
            let b = self.rng.gen_range(0..u64::MAX);
            let uuid = format!(
                "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
                a >> 32,
                (a >> 16) & 0xffff,
                a & 0xfff,
                b >> 52,
                b & 0xffff_ffff_ffff
            );
            out = out.replace("{uuid}", &uuid);
        }
        out
    }

    /// `count` distinct actions of `service` (fewer if it has fewer), read
    /// actions only when `read_only`.
    fn literal_actions(&mut self, service: &Service, count: usize, read_only: bool) -> Vec<String> {
        let pool: Vec<&str> = service
            .actions
            .iter()
            .copied()
            .filter(|a| !read_only || is_read_action(a))
            .collect();
        let mut chosen: Vec<&str> = Vec::with_capacity(count);
        for _ in 0..count.min(pool.len()) {
            let action = *self.pick(&pool);
            if !chosen.contains(&action) {
                chosen.push(action);
            }
        }
        chosen
            .into_iter()
            .map(|a| format!("{}:{a}", service.prefix))
            .collect()
    }

    fn statement(&mut self, index: usize) -> Value {
        let config = self.config;
        self.locate();
        let deny = self.rng.gen_bool(config.deny_ratio);
        let wild_action = self.rng.gen_bool(config.wildcard_action_ratio);
        let wild_resource = self.rng.gen_bool(config.wildcard_resource_ratio);
        let mut conditioned = self.rng.gen_bool(config.condition_ratio);
        let star_resource = wild_resource && self.rng.gen_bool(config.star_resource_share);
        // An Allow on every resource grants only reads, as real broad grants
        // (ReadOnlyAccess, `ec2:Describe*` on `*`) do. This keeps the
        // implicitly denied probe (a write) unallowed.
        let read_only = star_resource && !deny;
        let service = if read_only {
            self.pick_read_service()
        } else {
            self.pick_service()
        };

        let actions: Vec<String> = if wild_action {
            let roll: f64 = self.rng.gen_range(0.0..1.0);
            let pattern = if read_only {
                let verbs: Vec<&str> = READ_WILDCARD_VERBS
                    .iter()
                    .copied()
                    .filter(|v| service.actions.iter().any(|a| verb_of(a) == *v))
                    .collect();
                format!("{}:{}*", service.prefix, self.pick(&verbs))
            } else if roll < config.star_action_share {
                "*".to_owned()
            } else if roll < config.star_action_share + config.service_action_share {
                format!("{}:*", service.prefix)
            } else {
                let action = *self.pick(service.actions);
                format!("{}:{}*", service.prefix, verb_of(action))
            };
            // Literal actions next to a service-wide pattern would be redundant.
            let extra = if pattern.ends_with(":*") || pattern == "*" {
                0
            } else {
                self.rng.gen_range(0..=2)
            };
            let mut actions = vec![pattern];
            for action in self.literal_actions(service, extra, read_only) {
                if !actions.contains(&action) {
                    actions.push(action);
                }
            }
            actions
        } else {
            let count = self.rng.gen_range(1..=4);
            self.literal_actions(service, count, read_only)
        };

        let resources: Vec<String> = if star_resource {
            vec!["*".to_owned()]
        } else if wild_resource {
            let count = self.rng.gen_range(1..=2);
            let mut resources = Vec::with_capacity(3);
            for _ in 0..count {
                let shape = *self.pick(service.wildcard);
                resources.push(self.fill(shape));
            }
            if self.rng.gen_bool(0.3) {
                let shape = *self.pick(service.literal);
                resources.push(self.fill(shape));
            }
            resources
        } else {
            let count = self.rng.gen_range(1..=3);
            (0..count)
                .map(|_| {
                    let shape = *self.pick(service.literal);
                    self.fill(shape)
                })
                .collect()
        };

        // A Deny on every resource is a guardrail, always conditioned, and
        // its guard never holds in the probe context.
        let guard = deny && star_resource;
        conditioned |= guard;
        let mut block = Map::new();
        if guard {
            self.guard_condition(&mut block);
            if self.rng.gen_bool(0.3) {
                self.general_condition(&mut block);
            }
        } else if conditioned {
            let count = self.rng.gen_range(1..=2);
            for _ in 0..count {
                self.general_condition(&mut block);
            }
        }

        let mut statement = Map::new();
        if self.rng.gen_bool(0.5) {
            let verb = if deny { "Deny" } else { "Allow" };
            let name: String = service
                .prefix
                .split('-')
                .map(|part| {
                    let mut chars = part.chars();
                    chars
                        .next()
                        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                        .unwrap_or_default()
                })
                .collect();
            statement.insert("Sid".into(), json!(format!("{verb}{name}{index}")));
        }
        statement.insert("Effect".into(), json!(if deny { "Deny" } else { "Allow" }));
        statement.insert("Action".into(), one_or_list(actions));
        statement.insert("Resource".into(), one_or_list(resources));
        if conditioned && !block.is_empty() {
            statement.insert("Condition".into(), Value::Object(block));
        }
        Value::Object(statement)
    }

    /// A condition that is false in the probe context.
    fn guard_condition(&mut self, block: &mut Map<String, Value>) {
        let team = self.rng.gen_range(0..100u32);
        let (operator, key, values) = match self.rng.gen_range(0..5) {
            0 => ("Bool", "aws:SecureTransport", json!("false")),
            1 => (
                "NotIpAddress",
                "aws:SourceIp",
                json!(["10.0.0.0/8", "172.16.0.0/12"]),
            ),
            2 => (
                "StringNotEquals",
                "aws:RequestedRegion",
                json!(["us-east-1", "us-west-2", "eu-west-1"]),
            ),
            3 => (
                "StringEquals",
                "aws:PrincipalTag/team",
                json!(format!("contractor-{team:03}")),
            ),
            _ => (
                "DateGreaterThan",
                "aws:CurrentTime",
                json!("2030-01-01T00:00:00Z"),
            ),
        };
        add_condition(block, operator, key, values);
    }

    /// One of the common conditions of real policies, with random values.
    fn general_condition(&mut self, block: &mut Map<String, Value>) {
        let n = self.rng.gen_range(0..self.config.resource_space.max(1));
        let (region, account) = (self.region, self.account);
        let (operator, key, values) = match self.rng.gen_range(0..14) {
            0 => (
                "StringEquals",
                "aws:PrincipalTag/team",
                json!(format!("team-{:03}", n % 500)),
            ),
            1 => ("StringEquals", "aws:RequestedRegion", json!(region)),
            2 => (
                "IpAddress",
                "aws:SourceIp",
                json!(["203.0.113.0/24", format!("198.51.{}.0/24", n % 256)]),
            ),
            3 => ("Bool", "aws:SecureTransport", json!("true")),
            4 => (
                "DateLessThan",
                "aws:CurrentTime",
                json!(format!("{}-{:02}-01T00:00:00Z", 2024 + n % 4, 1 + n % 12)),
            ),
            5 => (
                "DateGreaterThan",
                "aws:CurrentTime",
                json!(format!("{}-{:02}-15T00:00:00Z", 2023 + n % 4, 1 + n % 12)),
            ),
            6 => (
                "StringLike",
                "s3:prefix",
                json!(["home/${aws:username}/*", "shared/*"]),
            ),
            7 => (
                "StringEquals",
                "aws:ResourceTag/project",
                json!(format!("project-{n:04}")),
            ),
            8 => (
                "StringEqualsIfExists",
                "aws:ResourceTag/env",
                json!(if n % 2 == 0 { "prod" } else { "staging" }),
            ),
            9 => (
                "ForAnyValue:StringEquals",
                "aws:TagKeys",
                json!(["owner", "cost-center"]),
            ),
            10 => ("NumericLessThan", "aws:MultiFactorAuthAge", json!("3600")),
            11 => (
                "ArnLike",
                "aws:SourceArn",
                json!(format!("arn:aws:sns:{region}:{account}:topic-{n:04}")),
            ),
            12 => ("Null", "aws:ResourceTag/owner", json!("false")),
            _ => (
                "StringEquals",
                "aws:ResourceTag/team",
                json!("${aws:PrincipalTag/team}"),
            ),
        };
        add_condition(block, operator, key, values);
    }
}

/// Adds `operator: {key: values}` to a condition block, unless the block
/// already tests that key with that operator.
fn add_condition(block: &mut Map<String, Value>, operator: &str, key: &str, values: Value) {
    let entry = block
        .entry(operator.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(keys) = entry {
        keys.entry(key.to_owned()).or_insert(values);
    }
}

/// A single string, or a list when there are several, as policies are written.
fn one_or_list(mut items: Vec<String>) -> Value {
    if items.len() == 1 {
        Value::String(items.remove(0))
    } else {
        Value::from(items)
    }
}

#[cfg(test)]
mod tests {
    use tollgate_policy::glob::{CaseMode, matches};
    use tollgate_policy::{Effect, Statement};

    use super::*;

    fn is_planted(statement: &Statement) -> bool {
        matches!(
            statement.sid.as_deref(),
            Some(PLANTED_ALLOW_SID | PLANTED_DENY_SID)
        )
    }

    fn random_statements(set: &PolicySet) -> impl Iterator<Item = &Statement> {
        set.identity
            .iter()
            .flat_map(|p| &p.document.statements)
            .filter(|s| !is_planted(s))
    }

    fn has_wildcard_action(statement: &Statement) -> bool {
        statement
            .action
            .patterns
            .iter()
            .any(|p| p.raw().contains('*'))
    }

    fn has_wildcard_resource(statement: &Statement) -> bool {
        statement
            .resource
            .as_ref()
            .is_some_and(|r| r.patterns.iter().any(|p| p.raw().contains(['*', '?'])))
    }

    /// Action and resource match, conditions ignored.
    fn may_apply(statement: &Statement, request: &Request) -> bool {
        let action = request.action.to_ascii_lowercase();
        let action_matches = statement
            .action
            .patterns
            .iter()
            .any(|p| matches(p.lowercase(), &action, CaseMode::AsciiInsensitive));
        let resource_matches = statement.resource.as_ref().is_some_and(|r| {
            r.patterns
                .iter()
                .any(|p| matches(p.raw(), &request.resource, CaseMode::Sensitive))
        });
        assert!(!statement.action.negated && !statement.resource.as_ref().unwrap().negated);
        action_matches && resource_matches
    }

    /// True when the statement carries one of the guards that never hold in
    /// the probe context.
    fn has_false_guard(statement: &Statement) -> bool {
        statement.conditions.iter().any(|c| {
            let op = c.operator.to_string();
            let values: Vec<&str> = c.values.iter().map(|v| v.raw()).collect();
            match (op.as_str(), c.key.as_str()) {
                ("Bool", "aws:SecureTransport") => values == ["false"],
                ("NotIpAddress", "aws:SourceIp") => values.contains(&"10.0.0.0/8"),
                ("StringNotEquals", "aws:RequestedRegion") => values.contains(&"us-east-1"),
                ("StringEquals", "aws:PrincipalTag/team") => {
                    values.iter().all(|v| v.starts_with("contractor-"))
                }
                ("DateGreaterThan", "aws:CurrentTime") => values == ["2030-01-01T00:00:00Z"],
                _ => false,
            }
        })
    }

    #[test]
    fn same_seed_same_set_other_seed_other_set() {
        let config = GeneratorConfig::new(500);
        assert_eq!(policy_documents(&config, 7), policy_documents(&config, 7));
        assert_ne!(policy_documents(&config, 7), policy_documents(&config, 8));
        assert_eq!(policy_set(&config, 7), policy_set(&config, 7));
        let requests = |seed| random_requests(&config, seed, 50).unwrap();
        assert_eq!(requests(3), requests(3));
        assert_ne!(requests(3), requests(4));
    }

    #[test]
    fn every_document_parses_at_every_size() {
        for statements in [0, 1, 2, 3, 10, 21, 25, 1000, 5000] {
            let config = GeneratorConfig::new(statements);
            let documents = policy_documents(&config, 1);
            let set = try_policy_set(&config, 1).unwrap();
            assert_eq!(set.identity.len(), documents.len());
            assert_eq!(set, policy_set(&config, 1));
            assert_eq!(set.statement_count(), statements.max(2), "{statements}");
            for (i, policy) in set.identity.iter().enumerate() {
                assert_eq!(policy.label, format!("identityPolicies[{i}]"));
                let n = policy.document.statements.len();
                if statements >= 5 {
                    assert!((5..=20).contains(&n), "{statements}: document {i} has {n}");
                }
            }
            let planted = set
                .identity
                .iter()
                .flat_map(|p| &p.document.statements)
                .filter(|s| is_planted(s))
                .count();
            assert_eq!(planted, 2);
        }
    }

    #[test]
    fn proportions_are_within_tolerance() {
        let set = policy_set(&GeneratorConfig::new(20_000), 42);
        let statements: Vec<&Statement> = random_statements(&set).collect();
        let n = statements.len() as f64;
        let share =
            |f: &dyn Fn(&Statement) -> bool| statements.iter().filter(|s| f(s)).count() as f64 / n;
        let wildcard_action = share(&has_wildcard_action);
        let wildcard_resource = share(&has_wildcard_resource);
        let conditioned = share(&|s| !s.conditions.is_empty());
        let deny = share(&|s| s.effect == Effect::Deny);
        let star_resource = share(&|s| {
            s.resource
                .as_ref()
                .unwrap()
                .patterns
                .iter()
                .any(|p| p.raw() == "*")
        });
        let star_action = share(&|s| s.action.patterns.iter().any(|p| p.raw() == "*"));
        assert!(
            (wildcard_action - 0.30).abs() < 0.02,
            "wildcard actions {wildcard_action}"
        );
        assert!(
            (wildcard_resource - 0.50).abs() < 0.02,
            "wildcard resources {wildcard_resource}"
        );
        assert!(
            (conditioned - 0.20).abs() < 0.02,
            "conditions {conditioned}"
        );
        assert!((deny - 0.10).abs() < 0.01, "denies {deny}");
        assert!(
            (star_resource - 0.075).abs() < 0.01,
            "`*` resources {star_resource}"
        );
        assert!(
            star_action > 0.0 && star_action < 0.03,
            "`*` actions {star_action}"
        );
        let actions: std::collections::HashSet<&str> = statements
            .iter()
            .flat_map(|s| &s.action.patterns)
            .map(|p| p.raw())
            .collect();
        assert!(
            actions.len() > 350,
            "{} distinct action patterns",
            actions.len()
        );
    }

    #[test]
    fn most_statements_cannot_match_a_probe() {
        let set = policy_set(&GeneratorConfig::new(5000), 9);
        let probes = Probes::new().unwrap();
        for (_, _, request) in probes.cases() {
            let hits = random_statements(&set)
                .filter(|s| may_apply(s, request))
                .count();
            assert!(
                hits < 5000 / 20,
                "{hits} statements may match {}",
                request.action
            );
        }
    }

    #[test]
    fn random_statements_leave_the_probe_answers_alone() {
        let probes = Probes::new().unwrap();
        for seed in 0..4 {
            let set = policy_set(&GeneratorConfig::new(20_000), seed);
            for statement in random_statements(&set) {
                match statement.effect {
                    // Nothing but the planted Allow may allow the write.
                    Effect::Allow => assert!(
                        !may_apply(statement, &probes.implicitly_denied),
                        "{statement:?}"
                    ),
                    // No random Deny may deny the probes, unless its guard
                    // is false in the probe context.
                    Effect::Deny => {
                        for request in [&probes.allowed, &probes.implicitly_denied] {
                            assert!(
                                !may_apply(statement, request) || has_false_guard(statement),
                                "{statement:?}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn planted_statements_decide_the_probes() {
        let set = policy_set(&GeneratorConfig::new(10), 0);
        let probes = Probes::new().unwrap();
        let planted: Vec<&Statement> = set
            .identity
            .iter()
            .flat_map(|p| &p.document.statements)
            .filter(|s| is_planted(s))
            .collect();
        let allow = planted.iter().find(|s| s.effect == Effect::Allow).unwrap();
        let deny = planted.iter().find(|s| s.effect == Effect::Deny).unwrap();
        assert!(may_apply(allow, &probes.allowed) && !may_apply(deny, &probes.allowed));
        assert!(
            may_apply(allow, &probes.explicitly_denied)
                && may_apply(deny, &probes.explicitly_denied)
        );
        assert!(
            !may_apply(allow, &probes.implicitly_denied)
                && !may_apply(deny, &probes.implicitly_denied)
        );
        let context = probes.allowed.context_view();
        assert_eq!(
            context.get("aws:principaltag/team").unwrap()[0].as_ref(),
            "platform"
        );
        assert_eq!(context.get("aws:username").unwrap()[0].as_ref(), "bench");
    }
}
