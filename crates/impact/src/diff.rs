//! `tollgate diff`: the access that changed between two revisions of a
//! store. For each principal something changed for (see
//! [`crate::principals`]), the representative requests of
//! [`crate::universe`] are decided under both revisions with the engine;
//! every request whose decision differs becomes part of a [`Finding`], and
//! findings with the same change, resources and responsible statements are
//! merged across actions and principals.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap;
use tollgate_policy::glob::{CaseMode, matches};
use tollgate_policy::{
    ContextView, Decision, DecisionKind, DecisiveStatement, Request, RequestContext,
    RequestPrincipal,
};
use tollgate_store::{Inventory, InventoryPrincipal};

use crate::principals::{
    ResourceIndex, own_state, own_statements, principal_context, resource_statements,
    root_generator, subjects,
};
use crate::revision::Revision;
use crate::universe::{
    ActionName, Applying, ContextAssignment, OTHER_VALUE, action_classes_of, action_key,
    context_of, contexts, resource_candidates, statements_overlap,
};

/// What to ask about.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    /// Only principals whose ARN matches one of these globs (all when empty).
    pub principals: Vec<String>,
    /// Only actions matching one of these globs, without case (all when empty).
    pub actions: Vec<String>,
}

/// How a decision changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeKind {
    /// Denied before, allowed now.
    Granted,
    /// Allowed before, denied now (explicitly or not).
    Revoked,
    /// Implicitly denied before, explicitly denied now.
    NewlyExplicitlyDenied,
    /// Explicitly denied before, implicitly denied now.
    ExplicitDenyRemoved,
}

impl ChangeKind {
    /// The change from `old` to `new`, `None` when they are equal.
    pub fn of(old: DecisionKind, new: DecisionKind) -> Option<ChangeKind> {
        use DecisionKind::*;
        match (old, new) {
            (a, b) if a == b => None,
            (_, Allowed) => Some(ChangeKind::Granted),
            (Allowed, _) => Some(ChangeKind::Revoked),
            (ImplicitDeny, ExplicitDeny) => Some(ChangeKind::NewlyExplicitlyDenied),
            _ => Some(ChangeKind::ExplicitDenyRemoved),
        }
    }

    /// How reports name it.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Granted => "granted",
            ChangeKind::Revoked => "revoked",
            ChangeKind::NewlyExplicitlyDenied => "newly explicitly denied",
            ChangeKind::ExplicitDenyRemoved => "explicit deny removed",
        }
    }
}

/// How much a finding matters, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Access granted to a principal outside every account of the store.
    PublicAccess,
    /// Access granted to a principal of another account than the resource's.
    CrossAccountAccess,
    /// Access granted to actions that manage permissions or to every action.
    AdminAccess,
    /// Other access granted.
    Grant,
    /// Access revoked.
    Revocation,
    /// The kind of denial changed; access did not.
    DenyKind,
}

impl Severity {
    /// How reports name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::PublicAccess => "public access",
            Severity::CrossAccountAccess => "cross-account access",
            Severity::AdminAccess => "admin-like access",
            Severity::Grant => "grant",
            Severity::Revocation => "revocation",
            Severity::DenyKind => "deny kind",
        }
    }
}

/// A statement responsible for a decision, as answers name it.
pub type StatementRef = String;

/// One change of access, for a group of principals and actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// How bad it is.
    pub severity: Severity,
    /// The change.
    pub change: ChangeKind,
    /// The decision before.
    pub old: DecisionKind,
    /// The decision now.
    pub new: DecisionKind,
    /// The principals (ARNs) it holds for.
    pub principals: Vec<String>,
    /// The actions.
    pub actions: Vec<ActionName>,
    /// The resource pattern.
    pub resource: String,
    /// Patterns inside `resource` it does not hold for.
    pub except: Vec<String>,
    /// A concrete resource it was decided on.
    pub example: String,
    /// The statements that decided before.
    pub old_statements: Vec<StatementRef>,
    /// The statements that decide now.
    pub new_statements: Vec<StatementRef>,
    /// True when it holds only in some contexts (see `when`).
    pub partial: bool,
    /// The condition clauses of the responsible statements (the residual
    /// condition the change depends on), as `Operator key [values]`.
    pub residual: Vec<String>,
    /// When partial: the contexts it holds in (keys set or absent).
    pub when: Vec<ContextAssignment>,
    /// False when the context keys were too many to try every combination.
    pub exhaustive: bool,
    /// Per context key of `when`, the values the conditions name: a value
    /// of `when` equal to [`OTHER_VALUE`] stands for every other value.
    pub named: Vec<(String, Vec<String>)>,
}

impl Finding {
    /// Whether the finding holds for a request with `context` (its keys as
    /// the request gives them): always when not partial, else when one of
    /// the `when` assignments describes it.
    pub fn holds_in(&self, context: &RequestContext) -> bool {
        if !self.partial {
            return true;
        }
        self.when.iter().any(|assignment| {
            assignment.iter().all(|(key, value)| {
                let given = context.get(key).and_then(|v| match v {
                    [one] => Some(one.as_ref()),
                    _ => None,
                });
                match (value.as_deref(), given) {
                    (None, None) => true,
                    (Some(OTHER_VALUE), Some(g)) => !self.named.iter().any(|(k, values)| {
                        k.eq_ignore_ascii_case(key) && values.iter().any(|v| v == g)
                    }),
                    (Some(v), Some(g)) => v == g,
                    _ => false,
                }
            })
        })
    }
}

/// The outcome of a diff.
#[derive(Debug, Clone, Default)]
pub struct DiffReport {
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
    /// Principals asked about (after filters, only those something changed for).
    pub principals_checked: usize,
    /// Principals of either revision (with roots and the outside account).
    pub principals_total: usize,
    /// Requests decided (under both revisions).
    pub requests_decided: usize,
}

impl DiffReport {
    /// True when some finding grants access.
    pub fn grants(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.change == ChangeKind::Granted)
    }
}

fn statement_ref(s: &DecisiveStatement) -> String {
    let mut text = format!("{}#Statement[{}]", s.policy, s.index);
    if let Some(sid) = &s.sid {
        text.push_str(&format!(" ({sid})"));
    }
    if let Some(level) = &s.level {
        text.push_str(&format!(" at {}", level.label()));
    }
    text
}

fn glob_any(patterns: &[String], text: &str, case: CaseMode) -> bool {
    patterns.is_empty()
        || patterns.iter().any(|p| match case {
            CaseMode::AsciiInsensitive => matches(&p.to_ascii_lowercase(), text, case),
            CaseMode::Sensitive => matches(p, text, case),
        })
}

/// Actions that manage permissions: granting them is admin-like.
fn admin_like(action: &ActionName) -> bool {
    let lower = action.name.to_ascii_lowercase();
    if lower == "*" || lower.starts_with("*") {
        return true;
    }
    let Some((service, name)) = lower.split_once(':') else {
        return false;
    };
    match service {
        "iam" => {
            [
                "attach", "put", "create", "update", "add", "pass", "delete", "set",
            ]
            .iter()
            .any(|p| name.starts_with(p))
                || name.contains('*')
        }
        "organizations" | "sts" => name.contains('*') || !name.starts_with("get"),
        _ => name == "*",
    }
}

/// The account that owns `resource` as the store would work it out.
fn resource_account<'a>(resource: &'a str, inventories: [&'a Inventory; 2]) -> Option<&'a str> {
    let arn_account = resource.split(':').nth(4).filter(|a| !a.is_empty());
    arn_account.or_else(|| {
        let bucket = resource.split('/').next().unwrap_or(resource);
        inventories.iter().find_map(|inv| {
            inv.resources
                .iter()
                .find(|r| r.arn == resource || r.arn == bucket)
                .map(|r| r.account.as_str())
        })
    })
}

/// The condition clauses of the statements decisive in `decision`.
fn residual_of(revision: &Revision, decision: &Decision, out: &mut BTreeSet<String>) {
    for d in &decision.decisive {
        let Some(policy) = revision
            .inventory
            .policies
            .iter()
            .find(|p| p.label == d.policy)
        else {
            continue;
        };
        if let Some(s) = policy.document.statements.get(d.index) {
            for c in &s.conditions {
                let values: Vec<&str> = c.values.iter().map(|v| v.raw()).collect();
                out.insert(format!("{} {} {:?}", c.operator, c.key, values));
            }
        }
    }
}

fn rank(kind: DecisionKind) -> u8 {
    match kind {
        DecisionKind::Allowed => 0,
        DecisionKind::ExplicitDeny => 1,
        _ => 2,
    }
}

fn kind_of(rank: u8) -> DecisionKind {
    match rank {
        0 => DecisionKind::Allowed,
        1 => DecisionKind::ExplicitDeny,
        _ => DecisionKind::ImplicitDeny,
    }
}

/// What one (principal, action class, resource) request showed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct FindingKey {
    old: u8,
    new: u8,
    resource: String,
    except: Vec<String>,
    example: String,
    old_statements: Vec<String>,
    new_statements: Vec<String>,
    partial: bool,
    residual: Vec<String>,
    when: Vec<ContextAssignment>,
    exhaustive: bool,
    named: Vec<(String, Vec<String>)>,
    cross_account: bool,
}

/// Compares two revisions.
pub fn diff(old: &Revision, new: &Revision, options: &DiffOptions) -> DiffReport {
    let all = subjects(&old.inventory, &new.inventory);
    let old_resources = ResourceIndex::new(&old.inventory);
    let new_resources = ResourceIndex::new(&new.inventory);
    let changed = crate::changes::ChangedResources::between(&old.inventory, &new.inventory);
    let by_arn = |inv: &'_ Inventory| -> FxHashMap<String, usize> {
        inv.principals
            .iter()
            .enumerate()
            .map(|(i, p)| (p.arn.clone(), i))
            .collect()
    };
    let (old_by_arn, new_by_arn) = (by_arn(&old.inventory), by_arn(&new.inventory));
    let mut report = DiffReport {
        principals_total: all.len(),
        ..Default::default()
    };
    // (key, principal) -> actions
    let mut per_principal: BTreeMap<(FindingKey, String), BTreeSet<usize>> = BTreeMap::new();
    let mut external_arns = BTreeSet::new();
    let mut statements: Vec<Applying<'_>> = Vec::new();
    // Action classes by pattern set, numbered: principals with the same
    // policies share them, and findings name actions by class until the end.
    let mut class_cache: FxHashMap<(Vec<String>, bool), std::ops::Range<usize>> =
        FxHashMap::default();
    let mut class_members: Vec<Vec<ActionName>> = Vec::new();
    let mut class_representatives: Vec<String> = Vec::new();
    for subject in &all {
        if !glob_any(&options.principals, &subject.arn, CaseMode::Sensitive) {
            continue;
        }
        let old_p: Option<&InventoryPrincipal> = old_by_arn
            .get(&subject.arn)
            .and_then(|&i| old.inventory.principals.get(i));
        let new_p: Option<&InventoryPrincipal> = new_by_arn
            .get(&subject.arn)
            .and_then(|&i| new.inventory.principals.get(i));
        let affected = changed.affects(subject)
            || own_state(&old.inventory, old_p, subject)
                != own_state(&new.inventory, new_p, subject);
        if !affected {
            continue;
        }
        if subject.external {
            external_arns.insert(subject.arn.clone());
        }
        report.principals_checked += 1;
        statements.clear();
        // The principal's own statements generate requests; of the resource
        // side's (thousands in a big store), those that can meet a changed
        // statement (or, when the principal's layers changed shape, any of
        // its own) split the resources too.
        let mut own_old = Vec::new();
        let mut own_new = Vec::new();
        own_statements(&old.inventory, old_p, subject, &mut own_old);
        own_statements(&new.inventory, new_p, subject, &mut own_new);
        let mut res_old = Vec::new();
        let mut res_new = Vec::new();
        resource_statements(&old_resources, subject, &mut res_old);
        resource_statements(&new_resources, subject, &mut res_new);
        let same = |a: &Applying<'_>, b: &Applying<'_>| {
            a.statement == b.statement && a.attached == b.attached
        };
        let mut changed_statements: Vec<Applying<'_>> = Vec::new();
        for (x, y) in [
            (&own_old, &own_new),
            (&own_new, &own_old),
            (&res_old, &res_new),
            (&res_new, &res_old),
        ] {
            changed_statements.extend(x.iter().filter(|s| !y.iter().any(|t| same(s, t))).copied());
        }
        let shape = |inv: &Inventory, p: Option<&InventoryPrincipal>| {
            (
                p.map(|p| p.identity.len()),
                p.map(|p| p.boundary.is_some()),
                inv.accounts
                    .get(&subject.account)
                    .map(|a| a.service_control.len()),
            )
        };
        let reshaped = shape(&old.inventory, old_p) != shape(&new.inventory, new_p);
        statements.extend(own_old.iter().copied());
        statements.extend(own_new.iter().copied());
        for s in res_old.iter().chain(&res_new) {
            let anchors = if reshaped {
                own_old.iter().chain(&own_new).chain(&changed_statements)
            } else {
                [].iter().chain(&[]).chain(&changed_statements)
            };
            if anchors.into_iter().any(|d| statements_overlap(s, d)) {
                statements.push(*s);
            }
        }
        let generators = changed.ownership.iter().flat_map(|d| &d.statements).chain(
            subject
                .arn
                .ends_with(":root")
                .then(root_generator)
                .into_iter()
                .flatten(),
        );
        statements.extend(generators.map(|statement| Applying {
            statement,
            attached: None,
        }));
        let Ok(principal) = RequestPrincipal::parse(&subject.arn) else {
            continue;
        };
        let pctx = principal_context(subject, new_p.or(old_p));
        let empty = RequestContext::new();
        let view = ContextView::new(&pctx, &empty);
        let key = action_key(&statements);
        let range = match class_cache.get(&key) {
            Some(range) => range.clone(),
            None => {
                let start = class_members.len();
                for class in action_classes_of(&key.0, key.1).iter() {
                    let members: Vec<ActionName> = class
                        .members
                        .iter()
                        .filter(|m| {
                            glob_any(
                                &options.actions,
                                &m.name.to_ascii_lowercase(),
                                CaseMode::AsciiInsensitive,
                            )
                        })
                        .cloned()
                        .collect();
                    class_members.push(members);
                    class_representatives.push(class.representative.clone());
                }
                class_cache.insert(key, start..class_members.len());
                start..class_members.len()
            }
        };
        for class_id in range {
            let (Some(members), Some(representative)) = (
                class_members.get(class_id),
                class_representatives.get(class_id),
            ) else {
                continue;
            };
            if members.is_empty() {
                continue;
            }
            let ctxs = contexts(&statements, representative);
            for candidate in resource_candidates(&statements, representative, &view) {
                let mut outcomes: BTreeMap<(u8, u8), Vec<usize>> = BTreeMap::new();
                let mut requests = Vec::with_capacity(ctxs.assignments.len());
                for (i, assignment) in ctxs.assignments.iter().enumerate() {
                    let mut request =
                        Request::new(principal.clone(), representative, &candidate.resource);
                    request.context = context_of(assignment);
                    let a = old.store.decide(&request, None).kind;
                    let b = new.store.decide(&request, None).kind;
                    report.requests_decided += 1;
                    outcomes.entry((rank(a), rank(b))).or_default().push(i);
                    requests.push(request);
                }
                let total = ctxs.assignments.len();
                for ((a, b), at) in outcomes {
                    if a == b {
                        continue;
                    }
                    let mut old_statements = BTreeSet::new();
                    let mut new_statements = BTreeSet::new();
                    let mut residual = BTreeSet::new();
                    for &i in &at {
                        let Some(request) = requests.get(i) else {
                            continue;
                        };
                        let (od, _) = old.store.evaluate(request, None);
                        let (nd, _) = new.store.evaluate(request, None);
                        old_statements.extend(od.decisive.iter().map(statement_ref));
                        new_statements.extend(nd.decisive.iter().map(statement_ref));
                        residual_of(old, &od, &mut residual);
                        residual_of(new, &nd, &mut residual);
                    }
                    let partial = at.len() < total;
                    if partial {
                        // What stops the change in the other contexts: the
                        // conditions of the statements that decided there.
                        let mut blocking = BTreeSet::new();
                        for (i, request) in requests.iter().enumerate() {
                            if at.contains(&i) {
                                continue;
                            }
                            let (od, _) = old.store.evaluate(request, None);
                            let (nd, _) = new.store.evaluate(request, None);
                            residual_of(old, &od, &mut blocking);
                            residual_of(new, &nd, &mut blocking);
                        }
                        residual.extend(blocking.into_iter().map(|c| format!("unless {c}")));
                    }
                    let when = if partial {
                        at.iter()
                            .filter_map(|&i| ctxs.assignments.get(i).cloned())
                            .collect()
                    } else {
                        Vec::new()
                    };
                    let cross_account =
                        resource_account(&candidate.resource, [&old.inventory, &new.inventory])
                            .is_some_and(|owner| owner != subject.account);
                    let key = FindingKey {
                        old: a,
                        new: b,
                        resource: candidate.pattern.clone(),
                        except: candidate.except.clone(),
                        example: candidate.resource.clone(),
                        old_statements: old_statements.into_iter().collect(),
                        new_statements: new_statements.into_iter().collect(),
                        partial,
                        residual: if partial {
                            residual.into_iter().collect()
                        } else {
                            Vec::new()
                        },
                        when,
                        exhaustive: ctxs.exhaustive,
                        named: if partial {
                            ctxs.named.clone()
                        } else {
                            Vec::new()
                        },
                        cross_account,
                    };
                    per_principal
                        .entry((key, subject.arn.clone()))
                        .or_default()
                        .insert(class_id);
                }
            }
        }
    }
    // Group principals with the same finding and actions.
    let mut grouped: BTreeMap<(FindingKey, Vec<usize>), Vec<String>> = BTreeMap::new();
    for ((key, principal), actions) in per_principal {
        grouped
            .entry((key, actions.into_iter().collect()))
            .or_default()
            .push(principal);
    }
    for ((key, class_ids), principals) in grouped {
        // The classes of one principal's patterns are disjoint.
        let actions: Vec<ActionName> = class_ids
            .iter()
            .filter_map(|&i| class_members.get(i))
            .flatten()
            .cloned()
            .collect();
        let (old_kind, new_kind) = (kind_of(key.old), kind_of(key.new));
        let Some(change) = ChangeKind::of(old_kind, new_kind) else {
            continue;
        };
        let severity = match change {
            ChangeKind::Granted => {
                if principals.iter().any(|p| external_arns.contains(p)) {
                    Severity::PublicAccess
                } else if key.cross_account {
                    Severity::CrossAccountAccess
                } else if actions.iter().any(admin_like) {
                    Severity::AdminAccess
                } else {
                    Severity::Grant
                }
            }
            ChangeKind::Revoked => Severity::Revocation,
            _ => Severity::DenyKind,
        };
        report.findings.push(Finding {
            severity,
            change,
            old: old_kind,
            new: new_kind,
            principals,
            actions,
            resource: key.resource,
            except: key.except,
            example: key.example,
            old_statements: key.old_statements,
            new_statements: key.new_statements,
            partial: key.partial,
            residual: key.residual,
            when: key.when,
            exhaustive: key.exhaustive,
            named: key.named,
        });
    }
    report.findings.sort_by(|a, b| {
        (
            a.severity,
            std::cmp::Reverse(a.principals.len()),
            &a.resource,
        )
            .cmp(&(
                b.severity,
                std::cmp::Reverse(b.principals.len()),
                &b.resource,
            ))
    });
    report
}
