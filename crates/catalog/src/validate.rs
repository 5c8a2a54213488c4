//! Checking one parsed policy against the [`Catalog`]: what AWS would not
//! recognise or would refuse, though tollgate's parser accepts it.
//!
//! Per statement, in order:
//! - each `Action`/`NotAction` entry names a known service and, without
//!   wildcards, one of its actions (else a "did you mean" by edit distance);
//!   with wildcards, at least one action;
//! - each condition key is global (`aws:*`, checked by the compiler's lint),
//!   known to the catalog, and (when the statement lists its actions) defined
//!   for at least one of them or for a resource type they accept, unless the
//!   service lists it for no action at all (a context key such as
//!   `lambda:SourceFunctionArn`, which any request may carry);
//! - each `Resource` entry (when the statement lists its actions) can name a
//!   resource of a type one of them accepts, by the types' ARN formats
//!   (unless one of them lists no resource type: AWS's own policies give
//!   such actions service ARNs, so there is nothing to judge by);
//! - grammar AWS refuses: a resource that is not a whole ARN, a `Sid` used
//!   twice, a non-alphanumeric `Sid` in IAM's own policy kinds.
//!
//! `*`, a wildcard service prefix and `NotAction` leave the statement's
//! actions open, so its condition keys are only checked for existing and its
//! resources only for their shape. So do actions that AWS's own managed
//! policies use but the Service Authorization Reference does not list (retired
//! services such as `mobilehub`, a few actions such as `budgets:UpdateBudget`):
//! they are accepted without a finding, with nothing to check their keys and
//! resources against.

use std::fmt;

use rustc_hash::FxHashSet;
use tollgate_policy::glob::{CaseMode, matches_pieces, pieces_of};
use tollgate_policy::{PolicyDocument, PolicyKind, Statement, Template};

use crate::arn_format::{ResourcePattern, Scratch};
use crate::data::{Action, Catalog, KeyId, Service};
use crate::suggest::nearest;

/// What a [`Finding`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindingKind {
    /// An action's service prefix is not one AWS defines.
    UnknownService,
    /// The service has no such action.
    UnknownAction,
    /// A wildcard action pattern matches none of the service's actions.
    WildcardMatchesNoAction,
    /// No AWS service defines the condition key.
    UnknownConditionKey,
    /// The key exists, but none of the statement's actions has it.
    ConditionKeyNotForActions,
    /// No action of the statement accepts a resource of this ARN's type.
    ResourceTypeNotAccepted,
    /// A grammar rule AWS enforces and tollgate's parser does not.
    Grammar,
    /// The embedded catalog could not be read (a build defect).
    CatalogUnavailable,
}

impl FindingKind {
    /// A stable short name (`unknown-action` ...).
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::UnknownService => "unknown-service",
            FindingKind::UnknownAction => "unknown-action",
            FindingKind::WildcardMatchesNoAction => "wildcard-matches-no-action",
            FindingKind::UnknownConditionKey => "unknown-condition-key",
            FindingKind::ConditionKeyNotForActions => "condition-key-not-for-actions",
            FindingKind::ResourceTypeNotAccepted => "resource-type-not-accepted",
            FindingKind::Grammar => "grammar",
            FindingKind::CatalogUnavailable => "catalog-unavailable",
        }
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing the validator found, at a JSON path of the document
/// (`Statement[2].Action[1]`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Finding {
    /// Where in the document.
    pub path: String,
    /// What kind of finding.
    pub kind: FindingKind,
    /// What is wrong, in words.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// The most action names a message lists.
const LISTED: usize = 3;

/// Checks `document`, a policy of `kind`, against the embedded catalog.
/// Findings come in statement order; none changes how the policy decides.
pub fn validate(document: &PolicyDocument, kind: PolicyKind) -> Vec<Finding> {
    match Catalog::get() {
        Ok(catalog) => validate_with(catalog, document, kind),
        Err(error) => vec![Finding {
            path: "$".into(),
            kind: FindingKind::CatalogUnavailable,
            message: error.to_string(),
        }],
    }
}

/// [`validate`] against a given catalog.
pub fn validate_with(
    catalog: &Catalog,
    document: &PolicyDocument,
    kind: PolicyKind,
) -> Vec<Finding> {
    let mut out = Vec::new();
    if document.statements.is_empty() {
        out.push(Finding {
            path: "Statement".into(),
            kind: FindingKind::Grammar,
            message: "`Statement` is empty: the policy grants and denies nothing".into(),
        });
    }
    let mut sids: Vec<(&str, usize)> = Vec::new();
    let mut scratch = Scratch::default();
    for (s, statement) in document.statements.iter().enumerate() {
        let mut check = StatementCheck {
            catalog,
            statement,
            index: s,
            out: &mut out,
            scratch: std::mem::take(&mut scratch),
        };
        check.sid(kind, &mut sids, s);
        let actions = check.actions();
        check.conditions(actions.as_ref());
        check.resources(actions.as_ref());
        scratch = check.scratch;
    }
    out
}

/// The actions a statement names, when it names a closed set.
struct Named<'c> {
    actions: Vec<(&'c Service, &'c Action)>,
}

impl Named<'_> {
    fn describe(&self) -> String {
        let mut names: Vec<String> = self
            .actions
            .iter()
            .take(LISTED)
            .map(|(service, action)| format!("{}:{}", service.prefix, action.name))
            .collect();
        if self.actions.len() > LISTED {
            names.push(format!("{} more", self.actions.len() - LISTED));
        }
        names.join(", ")
    }
}

struct StatementCheck<'a, 'c, 'o> {
    catalog: &'c Catalog,
    statement: &'a Statement,
    /// The statement's place in `Statement`.
    index: usize,
    out: &'o mut Vec<Finding>,
    /// Reused by the ARN format search.
    scratch: Scratch,
}

impl<'a, 'c> StatementCheck<'a, 'c, '_> {
    fn push(&mut self, path: String, kind: FindingKind, message: String) {
        self.out.push(Finding {
            path,
            kind,
            message,
        });
    }

    fn sid(&mut self, kind: PolicyKind, seen: &mut Vec<(&'a str, usize)>, index: usize) {
        let Some(sid) = self.statement.sid.as_deref() else {
            return;
        };
        let path = format!("Statement[{}].Sid", self.index);
        let iam_kind = matches!(
            kind,
            PolicyKind::Identity | PolicyKind::PermissionsBoundary | PolicyKind::Session
        );
        if iam_kind && !sid.bytes().all(|b| b.is_ascii_alphanumeric()) {
            self.push(
                path.clone(),
                FindingKind::Grammar,
                format!("IAM accepts only ASCII letters and digits in a `Sid`, not `{sid}`"),
            );
        }
        if !sid.is_empty() {
            match seen.iter().find(|(other, _)| *other == sid) {
                Some((_, first)) => self.push(
                    path,
                    FindingKind::Grammar,
                    format!(
                        "`Sid` `{sid}` is also the `Sid` of Statement[{first}]: IAM requires the Sids of a policy to be unique"
                    ),
                ),
                None => seen.push((sid, index)),
            }
        }
    }

    /// Checks every action entry; returns the actions named when the
    /// statement names a closed set (no `*`, no wildcard prefix, no `NotAction`).
    fn actions(&mut self) -> Option<Named<'c>> {
        let clause = &self.statement.action;
        let element = if clause.negated {
            "NotAction"
        } else {
            "Action"
        };
        let mut open = clause.negated;
        let mut named = Vec::new();
        for (a, pattern) in clause.patterns.iter().enumerate() {
            let raw = pattern.raw();
            let Some((prefix, name)) = raw.split_once(':') else {
                open = true; // `*`
                continue;
            };
            if prefix.contains(['*', '?']) {
                open = true; // the compiler's lint reports the form
                continue;
            }
            let at = self.index;
            let path = move || format!("Statement[{at}].{element}[{a}]");
            let Some(service) = self.catalog.service(prefix) else {
                let hint = nearest(prefix, self.catalog.services().iter().map(|s| &*s.prefix))
                    .map(|s| format!("; did you mean `{s}:{name}`?"))
                    .unwrap_or_default();
                self.push(
                    path(),
                    FindingKind::UnknownService,
                    format!("`{raw}`: no AWS service has the prefix `{prefix}`{hint}"),
                );
                continue;
            };
            if name.contains(['*', '?']) {
                let lowercase = name.to_ascii_lowercase();
                let pieces = pieces_of(&lowercase);
                let before = named.len();
                named.extend(
                    service
                        .actions()
                        .iter()
                        .filter(|action| {
                            matches_pieces(&pieces, &action.name, CaseMode::AsciiInsensitive)
                        })
                        .map(|action| (service, action)),
                );
                if !service.is_documented() || service.undocumented_matches(&lowercase) {
                    open = true; // actions the reference does not describe
                } else if named.len() == before {
                    self.push(
                        path(),
                        FindingKind::WildcardMatchesNoAction,
                        format!(
                            "`{raw}` matches no action of {} (`{}`)",
                            service.name, service.prefix
                        ),
                    );
                }
                continue;
            }
            match service.action(name) {
                Some(action) => named.push((service, action)),
                None if !service.is_documented() || service.uses_undocumented(name) => {
                    open = true; // used by AWS's own policies; nothing to check it against
                }
                None => {
                    let hint = nearest(name, service.actions().iter().map(|a| &*a.name))
                        .map(|n| format!("; did you mean `{prefix}:{n}`?"))
                        .unwrap_or_default();
                    self.push(
                        path(),
                        FindingKind::UnknownAction,
                        format!(
                            "`{raw}` is not an action of {} (`{}`){hint}",
                            service.name, service.prefix
                        ),
                    );
                }
            }
        }
        (!open && !named.is_empty()).then_some(Named { actions: named })
    }

    fn conditions(&mut self, named: Option<&Named<'c>>) {
        let mut keys: Option<FxHashSet<KeyId>> = None;
        for condition in &self.statement.conditions {
            let key = condition.key.as_str();
            let prefix = key.split_once(':').map_or(key, |(p, _)| p);
            // Global keys, and the keys of a web identity (OIDC) provider,
            // named by its host (`token.actions.githubusercontent.com:sub`,
            // `accounts.google.com:aud`): no service defines those.
            if prefix.eq_ignore_ascii_case("aws") || prefix.contains('.') {
                continue;
            }
            let at = self.index;
            let path = || format!("Statement[{at}].Condition.{}.{key}", condition.operator);
            let retired = self
                .catalog
                .service(prefix)
                .is_some_and(|service| !service.is_documented());
            if retired {
                continue; // a service the reference no longer describes
            }
            let Some(known) = self.catalog.condition_key(key) else {
                let hint = self
                    .catalog
                    .service(prefix)
                    .and_then(|service| {
                        nearest(
                            key,
                            service.condition_keys(self.catalog).map(|(k, _)| k.name()),
                        )
                    })
                    .map(|k| format!("; did you mean `{k}`?"))
                    .unwrap_or_default();
                self.push(
                    path(),
                    FindingKind::UnknownConditionKey,
                    format!("no AWS service defines the condition key `{key}`{hint}"),
                );
                continue;
            };
            if known.is_context_key() {
                continue; // any request may carry it
            }
            let Some(named) = named else {
                continue;
            };
            let catalog = self.catalog;
            let ids = keys.get_or_insert_with(|| {
                named
                    .actions
                    .iter()
                    .flat_map(|(service, action)| catalog.action_keys(service, action))
                    .collect()
            });
            let defined = ids
                .iter()
                .filter_map(|&id| catalog.key(id))
                .any(|known| known.matches(key));
            if !defined {
                self.push(
                    path(),
                    FindingKind::ConditionKeyNotForActions,
                    format!(
                        "`{key}` is not a condition key of this statement's actions ({}): their requests do not carry it",
                        named.describe()
                    ),
                );
            }
        }
    }

    fn resources(&mut self, named: Option<&Named<'c>>) {
        let Some(clause) = &self.statement.resource else {
            return;
        };
        let element = if clause.negated {
            "NotResource"
        } else {
            "Resource"
        };
        for (r, pattern) in clause.patterns.iter().enumerate() {
            let raw = pattern.raw();
            if raw == "*" {
                continue;
            }
            let at = self.index;
            let path = move || format!("Statement[{at}].{element}[{r}]");
            if !raw.starts_with("arn:") || raw.matches(':').count() < 5 {
                self.push(
                    path(),
                    FindingKind::Grammar,
                    format!(
                        "`{raw}` is not a whole ARN: AWS expects `*` or `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` (six `:`-separated fields)"
                    ),
                );
                continue;
            }
            if clause.negated {
                continue;
            }
            if let Some(named) = named
                && let Some(message) = not_accepted(named, pattern, &mut self.scratch)
            {
                self.push(path(), FindingKind::ResourceTypeNotAccepted, message);
            }
        }
    }
}

/// Why no action of `named` accepts a resource `pattern` can name, or
/// `None` when one does.
fn not_accepted(named: &Named<'_>, pattern: &Template, scratch: &mut Scratch) -> Option<String> {
    let resource_pattern = ResourcePattern::new(pattern);
    let mut tried: FxHashSet<(*const Service, u32)> = FxHashSet::default();
    let mut types: Vec<&str> = Vec::new();
    for (service, action) in &named.actions {
        if action.resources.is_empty() {
            // The reference lists no resource type: the action takes `*`, but
            // AWS's own policies also give such actions service ARNs
            // (`s3:ListAllMyBuckets` on `arn:aws:s3:::*`), so no judgement.
            return None;
        }
        for accepted in &action.resources {
            let Some(index) = accepted.resource else {
                return None; // a type the data does not describe: cannot judge
            };
            if !tried.insert((*service as *const Service, index)) {
                continue;
            }
            let resource = service.resource(index)?;
            if resource.format.overlaps_pattern(&resource_pattern, scratch) {
                return None;
            }
            if types.len() < LISTED {
                types.push(&resource.name);
            }
        }
    }
    let more = if tried.len() > types.len() {
        ", ..."
    } else {
        ""
    };
    Some(format!(
        "`{}` is not a resource type this statement's actions ({}) accept (they take {}{more})",
        pattern.raw(),
        named.describe(),
        types.join(", ")
    ))
}
