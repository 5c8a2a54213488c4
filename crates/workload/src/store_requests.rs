//! Requests for a generated store ([`StoreWorkload`]), drawn so that a known
//! share is allowed, explicitly denied and implicitly denied.
//!
//! Candidates come from three sources: 75% instantiate a statement of the
//! principal's own policies (a wildcard action becomes a matching action of
//! the vocabulary, a wildcard in a resource becomes a concrete name), 10%
//! instantiate a statement of a resource policy, 15% take a random action on
//! a random resource of the vocabulary. The context is that of an ordinary
//! call (source IP in 10/8, TLS, the current time), with 5% of calls without
//! TLS and 5% from another network, and the region drawn as the generator
//! draws regions. Each candidate is answered by the caller's `label`
//! function (the store's `decide`), and kept while its answer's quota is not
//! full: the answers of the file are what the store says, and a test checks
//! a sample of them against the reference interpreter.

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use tollgate_policy::glob::{CaseMode, matches};
use tollgate_policy::{DecisionKind, Request};

use crate::WorkloadError;
use crate::requests::LabeledRequest;
use crate::store_workload::{PolicyRef, StoreWorkload, service};
use crate::vocabulary::{REGIONS, SERVICES};

/// The share of each answer among drawn requests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RequestMix {
    /// Share of `ALLOWED`.
    pub allowed: f64,
    /// Share of `EXPLICIT_DENY`.
    pub explicit_deny: f64,
    /// Share of `IMPLICIT_DENY` (the rest).
    pub implicit_deny: f64,
}

impl Default for RequestMix {
    /// 50% allowed, 15% explicitly denied, 35% implicitly denied.
    fn default() -> Self {
        Self {
            allowed: 0.50,
            explicit_deny: 0.15,
            implicit_deny: 0.35,
        }
    }
}

fn strings(value: Option<&Value>) -> Vec<&str> {
    match value {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

struct Drawer<'w> {
    rng: ChaCha8Rng,
    workload: &'w StoreWorkload,
}

impl Drawer<'_> {
    fn action_for(&mut self, pattern: &str) -> String {
        if pattern == "*" {
            let s = &SERVICES[self.rng.gen_range(0..SERVICES.len())];
            let a = s.actions[self.rng.gen_range(0..s.actions.len())];
            return format!("{}:{a}", s.prefix);
        }
        let Some((prefix, name)) = pattern.split_once(':') else {
            return pattern.to_owned();
        };
        if !name.contains(['*', '?']) {
            return pattern.to_owned();
        }
        let lower = name.to_ascii_lowercase();
        let fits: Vec<&str> = service(prefix)
            .map(|s| {
                s.actions
                    .iter()
                    .copied()
                    .filter(|a| matches(&lower, a, CaseMode::AsciiInsensitive))
                    .collect()
            })
            .unwrap_or_default();
        if fits.is_empty() {
            format!("{prefix}:{}", name.replace(['*', '?'], "X"))
        } else {
            format!("{prefix}:{}", fits[self.rng.gen_range(0..fits.len())])
        }
    }

    fn resource_for(&mut self, pattern: &str, action: &str) -> String {
        if pattern == "*" {
            return self.random_resource(action.split(':').next().unwrap_or(""));
        }
        let mut out = String::with_capacity(pattern.len() + 8);
        for c in pattern.chars() {
            match c {
                '*' => {
                    let k = self.rng.gen_range(0..1000);
                    out.push_str(&format!("x{k}"));
                }
                '?' => out.push('q'),
                c => out.push(c),
            }
        }
        out
    }

    fn random_resource(&mut self, prefix: &str) -> String {
        let service = service(prefix).unwrap_or(&SERVICES[0]);
        let shape = service.literal[self.rng.gen_range(0..service.literal.len())];
        let n = self.rng.gen_range(0..5000u32);
        let m = self.rng.gen_range(0..100u32);
        let region = REGIONS[self.rng.gen_range(0..REGIONS.len())].0;
        let account = crate::store_workload::STORE_ACCOUNTS[self
            .rng
            .gen_range(0..crate::store_workload::STORE_ACCOUNTS.len())]
        .0;
        shape
            .replace("{region}", region)
            .replace("{account}", account)
            .replace("{n}", &format!("{n:04}"))
            .replace("{m}", &m.to_string())
            .replace(
                "{h}",
                &format!("{:017x}", self.rng.gen_range(0..1u64 << 60)),
            )
            .replace(
                "{uuid}",
                &format!(
                    "{:08x}-0000-4000-a000-{:012x}",
                    self.rng.gen_range(0..u32::MAX),
                    self.rng.gen_range(0..1u64 << 48)
                ),
            )
    }

    /// An action and resource that one statement of `document` covers.
    fn instantiate_statement(&mut self, document: usize) -> Option<(String, String)> {
        let statements = self.workload.documents[document]
            .get("Statement")?
            .as_array()?;
        if statements.is_empty() {
            return None;
        }
        let statement = &statements[self.rng.gen_range(0..statements.len())];
        let actions = strings(statement.get("Action"));
        let resources = strings(statement.get("Resource"));
        if actions.is_empty() || resources.is_empty() {
            return None;
        }
        let a = self.rng.gen_range(0..actions.len());
        let action = self.action_for(actions[a]);
        let r = self.rng.gen_range(0..resources.len());
        let resource = self.resource_for(resources[r], &action);
        Some((action, resource))
    }

    fn context(&mut self) -> BTreeMap<String, Vec<String>> {
        let mut context = BTreeMap::new();
        let ip = if self.rng.gen_bool(0.05) {
            "203.0.113.7".to_owned()
        } else {
            format!(
                "10.{}.{}.{}",
                self.rng.gen_range(0..256),
                self.rng.gen_range(0..256),
                self.rng.gen_range(1..255)
            )
        };
        let tls = if self.rng.gen_bool(0.05) {
            "false"
        } else {
            "true"
        };
        let weights: Vec<u32> = REGIONS.iter().map(|r| r.1).collect();
        let total: u32 = weights.iter().sum();
        let mut roll = self.rng.gen_range(0..total);
        let mut region = REGIONS[0].0;
        for (name, w) in REGIONS {
            if roll < *w {
                region = name;
                break;
            }
            roll -= w;
        }
        context.insert("aws:SourceIp".to_owned(), vec![ip]);
        context.insert("aws:SecureTransport".to_owned(), vec![tls.to_owned()]);
        context.insert(
            "aws:CurrentTime".to_owned(),
            vec!["2025-06-01T12:00:00Z".to_owned()],
        );
        context.insert("aws:RequestedRegion".to_owned(), vec![region.to_owned()]);
        context
    }

    fn candidate(&mut self) -> Option<LabeledRequest> {
        let w = self.workload;
        let principal = &w.principals[self.rng.gen_range(0..w.principals.len())];
        let roll: f64 = self.rng.gen_range(0.0..1.0);
        let (action, resource) = if roll < 0.75 {
            let mut docs: Vec<usize> = principal.inline.clone();
            for g in &principal.groups {
                docs.extend(&w.groups[*g].inline);
                docs.extend(w.groups[*g].attached.iter().filter_map(|r| match r {
                    PolicyRef::Generated(d) => Some(*d),
                    PolicyRef::AwsManaged(_) => None,
                }));
            }
            docs.extend(principal.attached.iter().filter_map(|r| match r {
                PolicyRef::Generated(d) => Some(*d),
                PolicyRef::AwsManaged(_) => None,
            }));
            if docs.is_empty() {
                return None;
            }
            let d = docs[self.rng.gen_range(0..docs.len())];
            self.instantiate_statement(d)?
        } else if roll < 0.85 && !w.resource_policies.is_empty() {
            let (_, _, d) = &w.resource_policies[self.rng.gen_range(0..w.resource_policies.len())];
            self.instantiate_statement(*d)?
        } else {
            let s = &SERVICES[self.rng.gen_range(0..SERVICES.len())];
            let action = format!(
                "{}:{}",
                s.prefix,
                s.actions[self.rng.gen_range(0..s.actions.len())]
            );
            let resource = self.random_resource(s.prefix);
            (action, resource)
        };
        Some(LabeledRequest {
            principal: principal.request_arn.clone(),
            action,
            resource,
            context: self.context(),
            expect: None,
        })
    }
}

/// Draws `n` requests for `workload` from `seed`, answered by `label` (the
/// store's `decide`), with `mix`'s share of each answer (rounded; implicit
/// denies take the remainder). Fails when the store cannot give an answer
/// often enough (after `200 n` candidates), which would mean the mix does
/// not fit the store.
pub fn draw_requests<F>(
    workload: &StoreWorkload,
    n: usize,
    seed: u64,
    mix: RequestMix,
    mut label: F,
) -> Result<Vec<LabeledRequest>, WorkloadError>
where
    F: FnMut(&Request) -> DecisionKind,
{
    if workload.principals.is_empty() {
        return Err(WorkloadError::Shape("the store has no principals".into()));
    }
    let allowed = (n as f64 * mix.allowed).round() as usize;
    let explicit = ((n as f64 * mix.explicit_deny).round() as usize).min(n - allowed.min(n));
    let quota = [allowed.min(n), explicit, n - allowed.min(n) - explicit];
    let mut have = [0usize; 3];
    let mut drawer = Drawer {
        rng: ChaCha8Rng::seed_from_u64(seed ^ 0x7e9_0e57),
        workload,
    };
    let mut out = Vec::with_capacity(n);
    let mut attempts = 0usize;
    while out.len() < n {
        attempts += 1;
        if attempts > 200 * n.max(1) {
            return Err(WorkloadError::Shape(format!(
                "drew {attempts} candidates but found only {} allowed, {} explicitly denied and {} implicitly denied of the {}/{}/{} wanted",
                have[0], have[1], have[2], quota[0], quota[1], quota[2]
            )));
        }
        let Some(mut candidate) = drawer.candidate() else {
            continue;
        };
        let kind = label(&candidate.to_request()?);
        let slot = match kind {
            DecisionKind::Allowed => 0,
            DecisionKind::ExplicitDeny => 1,
            DecisionKind::ImplicitDeny => 2,
        };
        if have[slot] < quota[slot] {
            have[slot] += 1;
            candidate.expect = Some(kind);
            out.push(candidate);
        }
    }
    Ok(out)
}
