//! Who a diff asks about, and which statements can apply to each of them in
//! one revision: the users and roles of either revision, the roots of their
//! accounts and of accounts the resource policies name, and one account
//! outside both revisions (standing for the public: anyone with an AWS
//! account). A principal is asked about only when something that applies to
//! it changed.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap;
use tollgate_policy::{AwsPrincipal, PolicyDocument, RequestContext, RequestPrincipal, Statement};
use tollgate_store::{Inventory, InventoryPrincipal};

use crate::universe::Applying;

/// One principal a diff asks about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Subject {
    /// Its ARN (a user, a role, or an account root).
    pub arn: String,
    /// Its account.
    pub account: String,
    /// True for the account outside both revisions.
    pub external: bool,
}

/// The resource and trust policies of one revision, indexed by whom their
/// statements can name.
#[derive(Debug, Default)]
pub struct ResourceIndex<'a> {
    /// Statements naming everyone (`*`, `NotPrincipal`).
    pub everyone: Vec<Applying<'a>>,
    /// Statements naming an account (or any principal in it).
    pub by_account: FxHashMap<String, Vec<Applying<'a>>>,
    /// The RCP statements of every account (they restrict every caller).
    pub resource_control: Vec<Applying<'a>>,
}

fn account_of_arn(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

impl<'a> ResourceIndex<'a> {
    /// Indexes the resource, trust and RCP statements of `inventory`.
    pub fn new(inventory: &'a Inventory) -> Self {
        let mut index = ResourceIndex::default();
        let mut attached: Vec<(&'a str, &'a PolicyDocument)> = Vec::new();
        for r in &inventory.resources {
            if let Some(p) = inventory.policy(r.policy) {
                attached.push((&r.arn, &p.document));
            }
        }
        for p in &inventory.principals {
            if let Some(t) = p.trust.and_then(|t| inventory.policy(t)) {
                attached.push((&p.arn, &t.document));
            }
        }
        for (arn, document) in attached {
            for statement in &document.statements {
                let applying = Applying {
                    statement,
                    attached: Some(arn),
                };
                let Some(clause) = &statement.principal else {
                    index.everyone.push(applying);
                    continue;
                };
                if clause.negated || clause.set.everyone {
                    index.everyone.push(applying);
                    continue;
                }
                let mut accounts = BTreeSet::new();
                for principal in &clause.set.aws {
                    match principal {
                        AwsPrincipal::Any => {
                            index.everyone.push(applying);
                            accounts.clear();
                            break;
                        }
                        AwsPrincipal::Account(a) => {
                            accounts.insert(a.as_str());
                        }
                        AwsPrincipal::Role { account, .. } => {
                            accounts.insert(account.as_str());
                        }
                        AwsPrincipal::User(arn)
                        | AwsPrincipal::AssumedRole(arn)
                        | AwsPrincipal::FederatedUser(arn) => {
                            if let Some(a) = account_of_arn(arn) {
                                accounts.insert(a);
                            }
                        }
                    }
                }
                for a in accounts {
                    index
                        .by_account
                        .entry(a.to_owned())
                        .or_default()
                        .push(applying);
                }
            }
        }
        let mut seen = BTreeSet::new();
        for account in inventory.accounts.values() {
            for id in account.resource_control.iter().flatten() {
                if seen.insert(*id)
                    && let Some(p) = inventory.policy(*id)
                {
                    index
                        .resource_control
                        .extend(p.document.statements.iter().map(|statement| Applying {
                            statement,
                            attached: None,
                        }));
                }
            }
        }
        index
    }
}

/// Every principal of either revision, the roots of their accounts and of
/// the accounts their resource policies name, and one outside account.
pub fn subjects(old: &Inventory, new: &Inventory) -> Vec<Subject> {
    let mut out: BTreeMap<String, Subject> = BTreeMap::new();
    let mut accounts: BTreeSet<String> = BTreeSet::new();
    for inventory in [old, new] {
        for p in &inventory.principals {
            out.entry(p.arn.clone()).or_insert_with(|| Subject {
                arn: p.arn.clone(),
                account: p.account.clone(),
                external: false,
            });
        }
        accounts.extend(inventory.accounts.keys().cloned());
        let named = inventory
            .resources
            .iter()
            .map(|r| r.policy)
            .chain(inventory.principals.iter().filter_map(|p| p.trust));
        for id in named {
            let Some(policy) = inventory.policy(id) else {
                continue;
            };
            for s in &policy.document.statements {
                for p in s.principal.iter().flat_map(|c| &c.set.aws) {
                    match p {
                        AwsPrincipal::Account(a) | AwsPrincipal::Role { account: a, .. } => {
                            accounts.insert(a.clone());
                        }
                        AwsPrincipal::User(arn) => {
                            if let Some(a) = account_of_arn(arn) {
                                accounts.insert(a.to_owned());
                                out.entry(arn.clone()).or_insert_with(|| Subject {
                                    arn: arn.clone(),
                                    account: a.to_owned(),
                                    external: false,
                                });
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    for a in &accounts {
        let arn = format!("arn:aws:iam::{a}:root");
        out.entry(arn.clone()).or_insert_with(|| Subject {
            arn,
            account: a.clone(),
            external: false,
        });
    }
    // The public: an account neither revision knows or names.
    let external = (0u64..)
        .map(|n| format!("{:012}", n))
        .find(|a| !accounts.contains(a))
        .unwrap_or_else(|| "000000000000".to_owned());
    let arn = format!("arn:aws:iam::{external}:root");
    out.insert(
        arn.clone(),
        Subject {
            arn,
            account: external,
            external: true,
        },
    );
    out.into_values().collect()
}

/// A statement naming every action on every resource: what an account
/// root may do to what its account owns, whatever its account's policies
/// name. It generates requests for roots; it decides nothing.
pub fn root_generator() -> &'static [Statement] {
    static DOCUMENT: std::sync::OnceLock<Option<PolicyDocument>> = std::sync::OnceLock::new();
    DOCUMENT
        .get_or_init(|| {
            PolicyDocument::parse(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#,
                tollgate_policy::PolicyKind::Identity,
            )
            .ok()
        })
        .as_ref()
        .map_or(&[], |d| d.statements.as_slice())
}

/// The statements of `subject`'s own policies in one revision: identity
/// policies, permissions boundary, its account's SCPs.
pub fn own_statements<'a>(
    inventory: &'a Inventory,
    principal: Option<&'a InventoryPrincipal>,
    subject: &Subject,
    out: &mut Vec<Applying<'a>>,
) {
    let docs = |id: usize, out: &mut Vec<Applying<'a>>| {
        if let Some(p) = inventory.policy(id) {
            out.extend(p.document.statements.iter().map(|statement| Applying {
                statement,
                attached: None,
            }));
        }
    };
    if let Some(p) = principal {
        for &id in p.identity.iter().chain(&p.boundary) {
            docs(id, out);
        }
    }
    if let Some(account) = inventory.accounts.get(&subject.account) {
        for &id in account.service_control.iter().flatten() {
            docs(id, out);
        }
    }
}

/// The resource, trust and RCP statements that can apply to `subject` in
/// one revision.
pub fn resource_statements<'a>(
    resources: &ResourceIndex<'a>,
    subject: &Subject,
    out: &mut Vec<Applying<'a>>,
) {
    out.extend(resources.everyone.iter().copied());
    if let Some(named) = resources.by_account.get(&subject.account) {
        out.extend(named.iter().copied());
    }
    out.extend(resources.resource_control.iter().copied());
}

/// What a principal's own decisions depend on in one revision, to compare
/// across revisions: its policies (by label and content), boundary, tags,
/// its account's SCPs and organization.
#[derive(Debug, PartialEq)]
pub struct OwnState<'a> {
    identity: Vec<(&'a str, &'a [Statement])>,
    boundary: Option<(&'a str, &'a [Statement])>,
    tags: Option<&'a [(String, String)]>,
    service_control: Vec<Vec<(&'a str, &'a [Statement])>>,
    org: (Option<&'a str>, Option<&'a str>),
    known_account: bool,
}

/// The [`OwnState`] of `subject` in one revision.
pub fn own_state<'a>(
    inventory: &'a Inventory,
    principal: Option<&'a InventoryPrincipal>,
    subject: &Subject,
) -> OwnState<'a> {
    let doc = |id: usize| {
        inventory
            .policy(id)
            .map(|p| (p.label.as_str(), p.document.statements.as_slice()))
    };
    let account = inventory.accounts.get(&subject.account);
    OwnState {
        identity: principal
            .map(|p| p.identity.iter().filter_map(|&i| doc(i)).collect())
            .unwrap_or_default(),
        boundary: principal.and_then(|p| p.boundary).and_then(doc),
        tags: principal.map(|p| p.tags.as_slice()),
        service_control: account
            .map(|a| {
                a.service_control
                    .iter()
                    .map(|level| level.iter().filter_map(|&i| doc(i)).collect())
                    .collect()
            })
            .unwrap_or_default(),
        org: account.map_or((None, None), |a| {
            (a.org_id.as_deref(), a.org_path.as_deref())
        }),
        known_account: account.is_some(),
    }
}

/// The keys a principal's ARN and tags give, for filling policy variables.
pub fn principal_context(
    subject: &Subject,
    principal: Option<&InventoryPrincipal>,
) -> RequestContext {
    let mut context = RequestPrincipal::parse(&subject.arn)
        .map(|p| p.derived_context())
        .unwrap_or_default();
    for (key, value) in principal.iter().flat_map(|p| &p.tags) {
        context.insert(&format!("aws:PrincipalTag/{key}"), vec![value.clone()]);
    }
    context
}
