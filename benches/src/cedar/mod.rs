//! The side-by-side comparison with Cedar (`cedar-policy`): the same
//! authorization questions asked of tollgate's compiled tables, tollgate's
//! reference interpreter, and Cedar.
//!
//! [`Comparison::generated`] takes a generated identity policy set (the
//! policies of one principal, as `tollgate_workload::generator` draws them),
//! keeps the statements [`translate`] can express in Cedar (the others are
//! left out of both sides), and draws questions: half instantiate a kept
//! statement (its action pattern made concrete with a matching action of the
//! vocabulary, `*` in its resource replaced by a name), half are the
//! generator's random requests and probes. Cedar gets one entity per
//! action (members of the action groups of every wildcard pattern that
//! matches them), one per resource (attribute `arn`), the principal, and the
//! request's context keys as string attributes.

pub mod translate;

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Decision as CedarDecision, Entities, Entity, EntityId, EntityTypeName,
    EntityUid, PolicySet as CedarPolicySet, Request as CedarRequest, RestrictedExpression,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use tollgate_compiler::TableSet;
use tollgate_policy::glob::{CaseMode, matches};
use tollgate_policy::{NamedPolicy, PolicyDocument, PolicyKind, PolicySet, Request};
use tollgate_workload::generator::{GeneratorConfig, policy_documents, random_requests};
use tollgate_workload::vocabulary::SERVICES;

/// What can go wrong building a comparison.
#[derive(Debug, thiserror::Error)]
pub enum ComparisonError {
    /// The workload generator failed.
    #[error("workload: {0}")]
    Workload(#[from] tollgate_workload::WorkloadError),
    /// A kept document does not parse (a translator bug).
    #[error("policy {0} does not parse: {1}")]
    Parse(usize, tollgate_policy::ParseErrors),
    /// tollgate does not compile the kept set.
    #[error("compile: {0}")]
    Compile(String),
    /// Cedar rejects the translated policies, entities or a request.
    #[error("cedar: {0}")]
    Cedar(String),
}

/// One question in both forms.
pub struct Question {
    /// tollgate's request.
    pub request: Request,
    /// Cedar's request.
    pub cedar: CedarRequest,
}

/// The same policies and questions for tollgate and Cedar.
pub struct Comparison {
    /// The kept statements as a policy set (identity policies).
    pub policies: PolicySet,
    /// tollgate's compiled tables of it.
    pub tables: TableSet,
    /// The Cedar translation.
    pub cedar_policies: CedarPolicySet,
    /// Cedar's entities (principal, actions, resources).
    pub entities: Entities,
    /// The questions.
    pub questions: Vec<Question>,
    /// Statements of the generated set.
    pub generated_statements: usize,
    /// Statements kept (translatable).
    pub kept_statements: usize,
}

/// The account of the generator's principal.
const PRINCIPAL_ACCOUNT: &str = "111122223333";

fn uid(kind: &str, id: &str) -> Result<EntityUid, ComparisonError> {
    let name = EntityTypeName::from_str(kind).map_err(|e| ComparisonError::Cedar(e.to_string()))?;
    Ok(EntityUid::from_type_name_and_id(name, EntityId::new(id)))
}

fn cedar_err(e: impl std::fmt::Display) -> ComparisonError {
    ComparisonError::Cedar(e.to_string())
}

/// A concrete action that `pattern` covers, from the vocabulary.
fn concrete_action(pattern: &str, rng: &mut ChaCha8Rng) -> String {
    let lower = pattern.to_ascii_lowercase();
    let fits: Vec<String> = SERVICES
        .iter()
        .flat_map(|s| s.actions.iter().map(move |a| format!("{}:{a}", s.prefix)))
        .filter(|a| matches(&lower, a, CaseMode::AsciiInsensitive))
        .collect();
    if fits.is_empty() {
        pattern.replace('*', "X")
    } else {
        fits[rng.gen_range(0..fits.len())].clone()
    }
}

impl Comparison {
    /// The comparison on the generator's set of `statements` statements
    /// (seed `seed`) with `count` questions.
    pub fn generated(statements: usize, seed: u64, count: usize) -> Result<Self, ComparisonError> {
        let config = GeneratorConfig::new(statements);
        let mut kept_docs = Vec::new();
        let mut cedar_text = String::new();
        let mut patterns: HashSet<String> = HashSet::new();
        let mut kept_statements = Vec::new();
        let mut generated_statements = 0;
        for document in policy_documents(&config, seed) {
            let mut kept = Vec::new();
            for statement in document["Statement"].as_array().into_iter().flatten() {
                generated_statements += 1;
                if let Some(translated) = translate::statement(statement) {
                    cedar_text.push_str(&translated.text);
                    cedar_text.push('\n');
                    patterns.extend(translated.actions.iter().cloned());
                    kept.push(statement.clone());
                    kept_statements.push(statement.clone());
                }
            }
            if !kept.is_empty() {
                kept_docs.push(json!({"Version": "2012-10-17", "Statement": kept}));
            }
        }
        let identity = kept_docs
            .iter()
            .enumerate()
            .map(|(i, doc)| {
                PolicyDocument::from_json(doc, PolicyKind::Identity)
                    .map(|d| NamedPolicy::new(format!("identityPolicies[{i}]"), d))
                    .map_err(|e| ComparisonError::Parse(i, e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let policies = PolicySet {
            identity,
            ..PolicySet::default()
        };
        let tables = tollgate_compiler::compile(&policies)
            .map_err(|e| ComparisonError::Compile(e.to_string()))?
            .tables;
        // IAM: identity policies alone do not reach another account's
        // resources (no resource policies here), so those are denied.
        cedar_text.push_str(&format!(
            "forbid(principal, action, resource) when {{ resource.account != \"{}\" }};\n",
            PRINCIPAL_ACCOUNT
        ));
        // IAM: a KMS key, and a role for the trust actions, need their
        // resource policy even within one account; there are none here.
        cedar_text.push_str(
            "forbid(principal, action, resource) when { resource.arn like \"arn:aws:kms:*:*:key/*\" };\n\
             forbid(principal, action in [Action::\"sts:AssumeRole\", Action::\"sts:AssumeRoleWithSAML\", \
             Action::\"sts:AssumeRoleWithWebIdentity\", Action::\"sts:TagSession\", Action::\"sts:SetSourceIdentity\"], \
             resource) when { resource.arn like \"arn:aws:iam::*:role/*\" };\n",
        );
        let cedar_policies = CedarPolicySet::from_str(&cedar_text).map_err(cedar_err)?;

        // Questions: half from kept statements, half random and probes.
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xceda);
        let random = random_requests(&config, seed, count)?;
        let mut requests = Vec::with_capacity(count);
        for (i, base) in random.into_iter().enumerate() {
            if i % 2 == 0 && !kept_statements.is_empty() {
                let s = &kept_statements[rng.gen_range(0..kept_statements.len())];
                let actions = strings(&s["Action"]);
                let resources = strings(&s["Resource"]);
                let action = concrete_action(&actions[rng.gen_range(0..actions.len())], &mut rng);
                let resource = resources[rng.gen_range(0..resources.len())].replace('*', "x1");
                if resource != "x1" {
                    let mut request = Request::new(base.principal().clone(), action, resource);
                    request.context = base.context.clone();
                    requests.push(request);
                    continue;
                }
            }
            requests.push(base);
        }

        // Entities: principal, each question's action and resource.
        let principal = uid("User", "bench")?;
        let mut entities = vec![Entity::new_no_attrs(principal.clone(), HashSet::new())];
        let mut seen_actions = HashSet::new();
        let mut seen_resources = HashSet::new();
        let mut groups = HashSet::new();
        let mut questions = Vec::with_capacity(requests.len());
        for request in requests {
            if seen_actions.insert(request.action.clone()) {
                let lower = request.action.to_ascii_lowercase();
                let mut parents = HashSet::new();
                for p in &patterns {
                    if p.contains('*')
                        && matches(&p.to_ascii_lowercase(), &lower, CaseMode::AsciiInsensitive)
                    {
                        parents.insert(uid("Action", p)?);
                        groups.insert(p.clone());
                    }
                }
                entities.push(Entity::new_no_attrs(
                    uid("Action", &request.action)?,
                    parents,
                ));
            }
            if seen_resources.insert(request.resource.clone()) {
                let account = request
                    .effective_resource_account()
                    .unwrap_or(PRINCIPAL_ACCOUNT)
                    .to_owned();
                let attrs = HashMap::from([
                    (
                        "arn".to_owned(),
                        RestrictedExpression::new_string(request.resource.clone()),
                    ),
                    (
                        "account".to_owned(),
                        RestrictedExpression::new_string(account),
                    ),
                ]);
                entities.push(
                    Entity::new(uid("Resource", &request.resource)?, attrs, HashSet::new())
                        .map_err(cedar_err)?,
                );
            }
            let pairs: Vec<(String, RestrictedExpression)> = request
                .context
                .entries()
                .iter()
                .filter_map(|entry| {
                    entry.values().first().map(|v| {
                        (
                            entry.key().to_owned(),
                            RestrictedExpression::new_string(v.to_string()),
                        )
                    })
                })
                .collect();
            let context = Context::from_pairs(pairs).map_err(cedar_err)?;
            let cedar = CedarRequest::new(
                principal.clone(),
                uid("Action", &request.action)?,
                uid("Resource", &request.resource)?,
                context,
                None,
            )
            .map_err(cedar_err)?;
            questions.push(Question { request, cedar });
        }
        for group in groups {
            if !seen_actions.contains(&group) {
                entities.push(Entity::new_no_attrs(uid("Action", &group)?, HashSet::new()));
            }
        }
        let entities = Entities::from_entities(entities, None).map_err(cedar_err)?;
        Ok(Self {
            policies,
            tables,
            cedar_policies,
            entities,
            questions,
            generated_statements,
            kept_statements: kept_statements.len(),
        })
    }

    /// Cedar's answer: allowed or not.
    pub fn cedar_allows(&self, authorizer: &Authorizer, question: &Question) -> bool {
        authorizer
            .is_authorized(&question.cedar, &self.cedar_policies, &self.entities)
            .decision()
            == CedarDecision::Allow
    }
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}
