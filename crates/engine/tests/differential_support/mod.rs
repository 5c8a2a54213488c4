//! Generators for the differential tests: policy sets written as JSON in the
//! real policy grammar (parsed with `PolicyDocument::from_json`), and
//! requests, all drawn from the small vocabularies of [`vocabulary`].
//!
//! A failing case prints as a scenario object of the scenario contract
//! (`identityPolicies` ... `resourcePolicy`, `request`, `expect`), so it can be
//! replayed with the CLI.

#![allow(dead_code)]

pub mod vocabulary;

use std::fmt;

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value, json};
use tollgate_policy::{
    NamedPolicy, PolicyDocument, PolicyKind, PolicySet, Request, RequestPrincipal,
};

use vocabulary::*;

// ------------------------------------------------------------------ specs

/// A policy set as JSON documents, by kind.
#[derive(Clone, Default)]
pub struct SetSpec {
    pub identity: Vec<Value>,
    pub boundary: Option<Value>,
    pub session: Option<Vec<Value>>,
    pub scp: Vec<Vec<Value>>,
    pub rcp: Vec<Vec<Value>>,
    pub resource: Option<Value>,
}

fn parse(label: String, value: &Value, kind: PolicyKind) -> NamedPolicy {
    match PolicyDocument::from_json(value, kind) {
        Ok(document) => NamedPolicy::new(label, document),
        Err(e) => panic!("generator bug: {label} does not parse: {e}\n{value:#}"),
    }
}

impl SetSpec {
    /// The parsed policy set, with the scenario contract's labels.
    pub fn policy_set(&self) -> PolicySet {
        PolicySet {
            identity: self
                .identity
                .iter()
                .enumerate()
                .map(|(i, v)| parse(format!("identityPolicies[{i}]"), v, PolicyKind::Identity))
                .collect(),
            permissions_boundary: self.boundary.as_ref().map(|v| {
                parse(
                    "permissionsBoundary".into(),
                    v,
                    PolicyKind::PermissionsBoundary,
                )
            }),
            session: self.session.as_ref().map(|policies| {
                policies
                    .iter()
                    .enumerate()
                    .map(|(i, v)| parse(format!("sessionPolicies[{i}]"), v, PolicyKind::Session))
                    .collect()
            }),
            service_control: levels(
                &self.scp,
                "serviceControlPolicies",
                PolicyKind::ServiceControl,
            ),
            resource_control: levels(
                &self.rcp,
                "resourceControlPolicies",
                PolicyKind::ResourceControl,
            ),
            resource: self
                .resource
                .as_ref()
                .map(|v| parse("resourcePolicy".into(), v, PolicyKind::Resource)),
        }
    }

    /// The policies as the members of a scenario object.
    pub fn to_json(&self) -> Map<String, Value> {
        let mut map = Map::new();
        if !self.identity.is_empty() {
            map.insert("identityPolicies".into(), json!(self.identity));
        }
        if let Some(b) = &self.boundary {
            map.insert("permissionsBoundary".into(), b.clone());
        }
        if let Some(s) = &self.session {
            map.insert("sessionPolicies".into(), json!(s));
        }
        if !self.scp.is_empty() {
            map.insert("serviceControlPolicies".into(), json!(self.scp));
        }
        if !self.rcp.is_empty() {
            map.insert("resourceControlPolicies".into(), json!(self.rcp));
        }
        if let Some(r) = &self.resource {
            map.insert("resourcePolicy".into(), r.clone());
        }
        map
    }
}

fn levels(levels: &[Vec<Value>], name: &str, kind: PolicyKind) -> Vec<Vec<NamedPolicy>> {
    levels
        .iter()
        .enumerate()
        .map(|(l, policies)| {
            policies
                .iter()
                .enumerate()
                .map(|(i, v)| parse(format!("{name}[{l}][{i}]"), v, kind))
                .collect()
        })
        .collect()
}

impl fmt::Debug for SetSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", Value::Object(self.to_json()))
    }
}

/// One key the caller gives, as spelled, and its values.
pub type ContextEntry = (String, &'static [&'static str]);

/// A request as the scenario contract writes it.
#[derive(Clone)]
pub struct RequestSpec {
    pub principal: &'static str,
    pub action: &'static str,
    pub resource: &'static str,
    pub resource_account: Option<&'static str>,
    pub context: Vec<ContextEntry>,
}

impl RequestSpec {
    /// The request.
    pub fn request(&self) -> Request {
        let principal = match RequestPrincipal::parse(self.principal) {
            Ok(p) => p,
            Err(e) => panic!("generator bug: {e}"),
        };
        let mut request = Request::new(principal, self.action, self.resource);
        request.resource_account = self.resource_account.map(str::to_owned);
        for (key, values) in &self.context {
            request
                .context
                .insert(key, values.iter().map(|v| (*v).to_owned()).collect());
        }
        request
    }

    /// The `request` member of a scenario object.
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("principal".into(), json!(self.principal));
        map.insert("action".into(), json!(self.action));
        map.insert("resource".into(), json!(self.resource));
        if let Some(account) = self.resource_account {
            map.insert("resourceAccount".into(), json!(account));
        }
        if !self.context.is_empty() {
            let context: Map<String, Value> = self
                .context
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            map.insert("context".into(), Value::Object(context));
        }
        Value::Object(map)
    }
}

impl fmt::Debug for RequestSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_json())
    }
}

/// One generated case: a policy set and the requests asked of it.
#[derive(Clone)]
pub struct Case {
    pub set: SetSpec,
    pub requests: Vec<RequestSpec>,
}

impl fmt::Debug for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "policies: {:?}", self.set)?;
        for r in &self.requests {
            writeln!(f, "request: {r:?}")?;
        }
        Ok(())
    }
}

/// A scenario object (contract format) for one request of a case, with the
/// reference's answer as `expect`: paste it into a file and replay it.
pub fn scenario_json(set: &SetSpec, request: &RequestSpec, expect: &str) -> String {
    let mut map = set.to_json();
    map.insert("request".into(), request.to_json());
    map.insert("expect".into(), json!(expect));
    format!("{:#}", Value::Object(map))
}

// ------------------------------------------------------------- strategies

/// JSON text from the vocabulary tables.
fn json_text(text: &str) -> Value {
    match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => panic!("vocabulary bug: {text}: {e}"),
    }
}

/// One string, or a list of one or more, as policies may write either.
fn one_or_list(items: Vec<Value>, as_scalar: bool) -> Value {
    if items.len() == 1 && as_scalar {
        items.into_iter().next().unwrap_or(Value::Null)
    } else {
        Value::Array(items)
    }
}

fn strings(pool: &'static [&'static str], max: usize) -> BoxedStrategy<Value> {
    list_of(select(pool).boxed(), max)
}

/// One to `max` items drawn from `item`, as one string or a list.
fn list_of(item: BoxedStrategy<&'static str>, max: usize) -> BoxedStrategy<Value> {
    (prop::collection::vec(item, 1..=max), any::<bool>())
        .prop_map(|(items, scalar)| {
            one_or_list(items.into_iter().map(|s| json!(s)).collect(), scalar)
        })
        .boxed()
}

/// One action pattern: usually of the focus service, often generic.
fn action_pattern(focus: usize) -> BoxedStrategy<&'static str> {
    let all: Vec<&'static str> = SERVICES
        .iter()
        .flat_map(|s| s.action_patterns.iter().copied())
        .collect();
    prop_oneof![
        6 => select(SERVICES[focus].action_patterns),
        4 => select(GENERIC_ACTION_PATTERNS),
        1 => select(all),
    ]
    .boxed()
}

/// One resource pattern: usually of the focus service, often generic.
fn resource_pattern(focus: usize) -> BoxedStrategy<&'static str> {
    let all: Vec<&'static str> = SERVICES
        .iter()
        .flat_map(|s| s.resource_patterns.iter().copied())
        .collect();
    prop_oneof![
        6 => select(SERVICES[focus].resource_patterns),
        4 => select(GENERIC_RESOURCE_PATTERNS),
        1 => select(all),
    ]
    .boxed()
}

/// An action pattern of a long document: one of a few, so that many
/// statements share it.
fn bulk_action_pattern(focus: usize) -> BoxedStrategy<&'static str> {
    let patterns = SERVICES[focus].action_patterns;
    let few: Vec<&'static str> = patterns.iter().take(2).copied().chain(["*"]).collect();
    select(few).boxed()
}

/// A resource pattern of a long document: often an exact resource of the
/// requests, or one that no request names.
fn bulk_resource_pattern(focus: usize) -> BoxedStrategy<&'static str> {
    let resources: Vec<&'static str> = SERVICES
        .iter()
        .flat_map(|s| s.resources.iter().copied())
        .collect();
    prop_oneof![
        4 => select(resources),
        3 => resource_pattern(focus),
        2 => select(UNUSED_RESOURCES),
    ]
    .boxed()
}

/// `Action` or `NotAction`.
fn action_element(focus: usize) -> BoxedStrategy<(&'static str, Value)> {
    prop_oneof![
        6 => list_of(action_pattern(focus), 3).prop_map(|v| ("Action", v)),
        1 => list_of(action_pattern(focus), 2).prop_map(|v| ("NotAction", v)),
    ]
    .boxed()
}

/// `Resource` or `NotResource`, or (resource policies) neither.
fn resource_element(focus: usize, optional: bool) -> BoxedStrategy<Option<(&'static str, Value)>> {
    let present = prop_oneof![
        6 => list_of(resource_pattern(focus), 3).prop_map(|v| ("Resource", v)),
        1 => list_of(resource_pattern(focus), 2).prop_map(|v| ("NotResource", v)),
    ];
    if optional {
        prop_oneof![3 => present.prop_map(Some), 2 => Just(None)].boxed()
    } else {
        present.prop_map(Some).boxed()
    }
}

/// The value of a `Principal`/`NotPrincipal` element.
fn principal_value() -> BoxedStrategy<Value> {
    prop_oneof![
        4 => Just(json!("*")),
        2 => Just(json!({"AWS": "*"})),
        6 => strings(AWS_ENTRIES, 3).prop_map(|v| json!({"AWS": v})),
        1 => strings(SERVICE_ENTRIES, 2).prop_map(|v| json!({"Service": v})),
        1 => strings(FEDERATED_ENTRIES, 2).prop_map(|v| json!({"Federated": v})),
        1 => (strings(AWS_ENTRIES, 2), strings(SERVICE_ENTRIES, 1), strings(FEDERATED_ENTRIES, 1))
            .prop_map(|(a, s, f)| json!({"AWS": a, "Service": s, "Federated": f})),
        1 => strings(AWS_ENTRIES, 1).prop_map(|a| json!({"AWS": a, "CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"})),
    ]
    .boxed()
}

/// `Principal` or `NotPrincipal`.
fn principal_element() -> BoxedStrategy<(&'static str, Value)> {
    prop_oneof![
        6 => principal_value().prop_map(|v| ("Principal", v)),
        1 => principal_value().prop_map(|v| ("NotPrincipal", v)),
    ]
    .boxed()
}

/// A condition key as written, usually, or in upper or lower case: keys
/// compare without case.
fn spelled(key: &'static str) -> BoxedStrategy<String> {
    prop_oneof![
        8 => Just(key.to_owned()),
        1 => Just(key.to_ascii_uppercase()),
        1 => Just(key.to_ascii_lowercase()),
    ]
    .boxed()
}

/// One condition: the full operator name, the key and the policy values.
fn condition() -> BoxedStrategy<(String, String, Value)> {
    let qualified = (0..FAMILIES.len())
        .prop_flat_map(|f| {
            let family = &FAMILIES[f];
            (
                select(family.operators),
                select(family.keys),
                prop_oneof![3 => Just(""), 1 => Just("ForAnyValue:"), 1 => Just("ForAllValues:")],
                prop_oneof![7 => Just(""), 3 => Just("IfExists")],
            )
        })
        .prop_flat_map(|(op, (key, values), qualifier, if_exists)| {
            let values = (prop::collection::vec(select(values), 1..=3), any::<bool>()).prop_map(
                |(items, scalar)| one_or_list(items.iter().map(|t| json_text(t)).collect(), scalar),
            );
            (
                Just(format!("{qualifier}{op}{if_exists}")),
                spelled(key),
                values,
            )
        });
    let null = (
        select(NULL_KEYS).prop_flat_map(spelled),
        prop_oneof![
            Just(json!("true")),
            Just(json!("false")),
            Just(json!(false))
        ],
    )
        .prop_map(|(key, value)| ("Null".to_owned(), key, value));
    prop_oneof![8 => qualified, 1 => null].boxed()
}

/// A `Condition` block of one or two entries, or (`none` in `none + some`) none.
fn condition_block(none: u32, some: u32) -> BoxedStrategy<Option<Value>> {
    prop_oneof![
        none => Just(None),
        some => prop::collection::vec(condition(), 1..=2).prop_map(|conditions| {
            let mut block = Map::new();
            for (op, key, values) in conditions {
                let entry = block.entry(op).or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(keys) = entry {
                    keys.insert(key, values);
                }
            }
            Some(Value::Object(block))
        }),
    ]
    .boxed()
}

fn sid() -> BoxedStrategy<Option<&'static str>> {
    prop::option::weighted(0.3, select(&["S1", "S2", "Admin", "deny-all"][..])).boxed()
}

/// One statement of a policy of `kind`.
fn statement(kind: PolicyKind, focus: usize, bulk: bool) -> BoxedStrategy<Value> {
    let effect = match kind {
        PolicyKind::ResourceControl => Just("Deny").boxed(),
        PolicyKind::Resource => prop_oneof![11 => Just("Allow"), 1 => Just("Deny")].boxed(),
        _ => prop_oneof![15 => Just("Allow"), 1 => Just("Deny")].boxed(),
    };
    effect
        .prop_flat_map(move |effect| {
            let principal = match kind {
                PolicyKind::Resource => principal_element().prop_map(Some).boxed(),
                PolicyKind::ResourceControl => Just(Some(("Principal", json!("*")))).boxed(),
                _ => Just(None).boxed(),
            };
            // The allows of SCPs, boundaries and session policies are usually
            // broad: narrow ones everywhere would make almost every answer an
            // implicit deny.
            let broad = effect == "Allow"
                && matches!(
                    kind,
                    PolicyKind::ServiceControl
                        | PolicyKind::PermissionsBoundary
                        | PolicyKind::Session
                );
            let (action, resource) = if bulk {
                (
                    list_of(bulk_action_pattern(focus), 1)
                        .prop_map(|v| ("Action", v))
                        .boxed(),
                    list_of(bulk_resource_pattern(focus), 4)
                        .prop_map(|v| Some(("Resource", v)))
                        .boxed(),
                )
            } else if broad {
                (
                    prop_oneof![1 => Just(("Action", json!("*"))), 1 => action_element(focus)]
                        .boxed(),
                    prop_oneof![
                        1 => Just(Some(("Resource", json!("*")))),
                        1 => resource_element(focus, false),
                    ]
                    .boxed(),
                )
            } else {
                (
                    action_element(focus),
                    resource_element(focus, kind == PolicyKind::Resource),
                )
            };
            // RCP denies are usually conditional, or they would decide most answers.
            let condition = if bulk {
                condition_block(6, 1)
            } else if kind == PolicyKind::ResourceControl {
                condition_block(1, 3)
            } else {
                condition_block(3, 2)
            };
            (Just(effect), sid(), principal, action, resource, condition)
        })
        .prop_map(|(effect, sid, principal, action, resource, condition)| {
            let mut map = Map::new();
            if let Some(sid) = sid {
                map.insert("Sid".into(), json!(sid));
            }
            map.insert("Effect".into(), json!(effect));
            if let Some((name, value)) = principal {
                map.insert(name.into(), value);
            }
            map.insert(action.0.into(), action.1);
            if let Some((name, value)) = resource {
                map.insert(name.into(), value);
            }
            if let Some(condition) = condition {
                map.insert("Condition".into(), condition);
            }
            Value::Object(map)
        })
        .boxed()
}

/// One policy document of `kind`: one to three statements (rarely none),
/// under either version.
pub fn document(kind: PolicyKind, focus: usize) -> BoxedStrategy<Value> {
    prop_oneof![
        1 => document_of(kind, focus, 0..=0, false),
        15 => document_of(kind, focus, 1..=3, false),
    ]
    .boxed()
}

/// A long policy document: ten to twenty statements that share a few action
/// patterns and name many exact resources and prefixes, so that the
/// compiler's indexes leave their small, flat form.
pub fn bulk_document(kind: PolicyKind, focus: usize) -> BoxedStrategy<Value> {
    document_of(kind, focus, 10..=20, true)
}

fn document_of(
    kind: PolicyKind,
    focus: usize,
    statements: std::ops::RangeInclusive<usize>,
    bulk: bool,
) -> BoxedStrategy<Value> {
    let version = prop_oneof![
        7 => Just(Some("2012-10-17")),
        2 => Just(Some("2008-10-17")),
        1 => Just(None),
    ];
    (
        version,
        prop::collection::vec(statement(kind, focus, bulk), statements),
        prop::bool::weighted(0.15),
    )
        .prop_map(|(version, statements, single)| {
            let mut map = Map::new();
            if let Some(version) = version {
                map.insert("Version".into(), json!(version));
            }
            let statements = if single && statements.len() == 1 {
                statements.into_iter().next().unwrap_or(Value::Null)
            } else {
                Value::Array(statements)
            };
            map.insert("Statement".into(), statements);
            Value::Object(map)
        })
        .boxed()
}

/// `items` with probability `p`, else an empty list (shrinks to empty).
fn maybe<T: fmt::Debug + Clone + 'static>(
    p: f64,
    items: impl Strategy<Value = Vec<T>> + 'static,
) -> BoxedStrategy<Vec<T>> {
    prop::option::weighted(p, items)
        .prop_map(Option::unwrap_or_default)
        .boxed()
}

/// A policy set: identity policies, an optional boundary, optional session
/// policies, zero to three SCP levels (some empty), RCP levels and an
/// optional resource policy.
pub fn policy_set(focus: usize) -> BoxedStrategy<SetSpec> {
    // Lists are written as "present, then one or more": a failing case then
    // shrinks by dropping whole lists and list items.
    let scp_level = move || {
        maybe(
            0.9,
            prop::collection::vec(document(PolicyKind::ServiceControl, focus), 1..=2),
        )
    };
    let scp_levels = maybe(0.45, prop::collection::vec(scp_level(), 1..=3));
    let rcp_levels = maybe(
        0.25,
        prop::collection::vec(
            prop::collection::vec(document(PolicyKind::ResourceControl, focus), 0..=1),
            1..=2,
        ),
    );
    let identity = (
        maybe(
            0.85,
            prop::collection::vec(document(PolicyKind::Identity, focus), 1..=3),
        ),
        prop::option::weighted(0.12, bulk_document(PolicyKind::Identity, focus)),
    )
        .prop_map(|(mut policies, bulk)| {
            policies.extend(bulk);
            policies
        });
    (
        identity,
        prop::option::weighted(0.3, document(PolicyKind::PermissionsBoundary, focus)),
        prop::option::weighted(
            0.3,
            prop::collection::vec(document(PolicyKind::Session, focus), 0..=2),
        ),
        scp_levels,
        rcp_levels,
        prop::option::weighted(
            0.7,
            prop_oneof![
                6 => document(PolicyKind::Resource, focus),
                1 => bulk_document(PolicyKind::Resource, focus),
            ],
        ),
    )
        .prop_map(
            |(identity, boundary, session, scp, rcp, resource)| SetSpec {
                identity,
                boundary,
                session,
                scp,
                rcp,
                resource,
            },
        )
        .boxed()
}

/// An action and a resource: usually of the focus service, sometimes of
/// another, sometimes unrelated.
fn action_and_resource(focus: usize) -> BoxedStrategy<(&'static str, &'static str)> {
    let of = |i: usize| (select(SERVICES[i].actions), select(SERVICES[i].resources));
    let all_actions: Vec<&'static str> = SERVICES
        .iter()
        .flat_map(|s| s.actions.iter().copied())
        .collect();
    let all_resources: Vec<&'static str> = SERVICES
        .iter()
        .flat_map(|s| s.resources.iter().copied())
        .collect();
    prop_oneof![
        8 => of(focus),
        1 => (0..SERVICES.len()).prop_flat_map(of),
        1 => (select(all_actions), select(all_resources)),
    ]
    .boxed()
}

/// The caller's condition keys: each key of [`CONTEXT_KEYS`] given or not.
fn context() -> BoxedStrategy<Vec<ContextEntry>> {
    let keys: Vec<BoxedStrategy<Option<ContextEntry>>> = CONTEXT_KEYS
        .iter()
        .map(|(key, options)| {
            let key: &'static str = key;
            let probability = if key == "aws:username" { 0.1 } else { 0.5 };
            prop::option::weighted(probability, (spelled(key), select(*options))).boxed()
        })
        .collect();
    keys.prop_map(|keys| keys.into_iter().flatten().collect())
        .boxed()
}

/// One request.
pub fn request(focus: usize) -> BoxedStrategy<RequestSpec> {
    // Roots (which may never assume a role) and anonymous callers (which
    // `{"AWS": "*"}` grants and `NotPrincipal: "*"` excepts) are drawn
    // more often than their share of the lists.
    let principal = prop_oneof![
        8 => select(IAM_PRINCIPALS),
        2 => select(OTHER_PRINCIPALS),
        1 => Just("arn:aws:iam::111122223333:root"),
        1 => Just("anonymous"),
    ];
    let resource_account = prop_oneof![8 => Just(None), 1 => Just(Some(A)), 1 => Just(Some(B))];
    (
        principal,
        action_and_resource(focus),
        resource_account,
        context(),
    )
        .prop_map(
            |(principal, (action, resource), resource_account, context)| RequestSpec {
                principal,
                action,
                resource,
                resource_account,
                context,
            },
        )
        .boxed()
}

/// A policy set with `n` requests.
pub fn case(n: usize) -> BoxedStrategy<Case> {
    (0..SERVICES.len())
        .prop_flat_map(move |focus| {
            (
                policy_set(focus),
                prop::collection::vec(request(focus), n..=n),
            )
        })
        .prop_map(|(set, requests)| Case { set, requests })
        .boxed()
}
