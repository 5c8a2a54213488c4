//! Which resource-side policies changed between two revisions (resource and
//! trust policies by resource ARN, RCPs by account), and so which principals
//! a change there can reach: those its statements name on either side.

use std::collections::{BTreeMap, BTreeSet};

use tollgate_policy::{AwsPrincipal, PolicyDocument, PolicyKind, Statement};
use tollgate_store::Inventory;

use crate::principals::Subject;

/// The resource-side changes between two revisions.
#[derive(Debug, Default)]
pub struct ChangedResources {
    /// A changed statement names everyone, or an RCP changed.
    pub everyone: bool,
    /// Accounts a changed statement names.
    pub accounts: BTreeSet<String>,
    /// Resources whose owner changed (a policy appeared or disappeared),
    /// as statements that name every action on them: they generate the
    /// requests to ask every principal (a root may do anything to what its
    /// account owns), and decide nothing.
    pub ownership: Vec<PolicyDocument>,
}

type Attached<'a> = BTreeMap<&'a str, (&'a str, &'a str, &'a [Statement])>;

/// Resource and trust policies by resource ARN: (owner, label, statements).
fn attached(inventory: &Inventory) -> Attached<'_> {
    let mut out = BTreeMap::new();
    for r in &inventory.resources {
        if let Some(p) = inventory.policy(r.policy) {
            out.insert(
                r.arn.as_str(),
                (
                    r.account.as_str(),
                    p.label.as_str(),
                    p.document.statements.as_slice(),
                ),
            );
        }
    }
    for p in &inventory.principals {
        if let Some(t) = p.trust.and_then(|t| inventory.policy(t)) {
            out.insert(
                p.arn.as_str(),
                (
                    p.account.as_str(),
                    t.label.as_str(),
                    t.document.statements.as_slice(),
                ),
            );
        }
    }
    out
}

fn resource_control(inventory: &Inventory) -> BTreeMap<&str, Vec<Vec<&[Statement]>>> {
    inventory
        .accounts
        .iter()
        .map(|(id, a)| {
            let levels = a
                .resource_control
                .iter()
                .map(|level| {
                    level
                        .iter()
                        .filter_map(|&i| inventory.policy(i))
                        .map(|p| p.document.statements.as_slice())
                        .collect()
                })
                .collect();
            (id.as_str(), levels)
        })
        .collect()
}

impl ChangedResources {
    /// The changes from `old` to `new`.
    pub fn between(old: &Inventory, new: &Inventory) -> Self {
        let mut out = ChangedResources {
            everyone: resource_control(old) != resource_control(new),
            ..Default::default()
        };
        let (a, b) = (attached(old), attached(new));
        let arns: BTreeSet<&str> = a.keys().chain(b.keys()).copied().collect();
        for arn in arns {
            let (x, y) = (a.get(arn), b.get(arn));
            if x == y {
                continue;
            }
            // A policy that appears, disappears or changes owner changes
            // whose resource it is (an S3 ARN names no account): everyone
            // may see that. Else only the principals its statements name can.
            if x.map(|p| p.0) != y.map(|p| p.0) {
                out.everyone = true;
                let text = serde_json::json!({
                    "Version": "2012-10-17",
                    "Statement": {"Effect": "Allow", "Action": "*", "Resource": [arn, format!("{arn}/*")]},
                })
                .to_string();
                if let Ok(document) = PolicyDocument::parse(&text, PolicyKind::Identity) {
                    out.ownership.push(document);
                }
            }
            // Statements on one side only (a statement kept as it was
            // decides as it did, unless its policy appeared or vanished).
            let none: &[Statement] = &[];
            let before = x.map_or(none, |p| p.2);
            let after = y.map_or(none, |p| p.2);
            for s in before.iter().filter(|s| !after.contains(s)) {
                out.note(s);
            }
            for s in after.iter().filter(|s| !before.contains(s)) {
                out.note(s);
            }
        }
        out
    }

    fn note(&mut self, statement: &Statement) {
        let Some(clause) = &statement.principal else {
            self.everyone = true;
            return;
        };
        if clause.negated || clause.set.everyone {
            self.everyone = true;
            return;
        }
        for p in &clause.set.aws {
            match p {
                AwsPrincipal::Any => self.everyone = true,
                AwsPrincipal::Account(a) | AwsPrincipal::Role { account: a, .. } => {
                    self.accounts.insert(a.clone());
                }
                AwsPrincipal::User(arn)
                | AwsPrincipal::AssumedRole(arn)
                | AwsPrincipal::FederatedUser(arn) => {
                    if let Some(a) = arn.split(':').nth(4) {
                        self.accounts.insert(a.to_owned());
                    }
                }
            }
        }
    }

    /// True when a change here can reach `subject`.
    pub fn affects(&self, subject: &Subject) -> bool {
        self.everyone || self.accounts.contains(&subject.account)
    }
}
