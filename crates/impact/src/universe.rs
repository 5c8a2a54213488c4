//! The finite set of representative requests that stands for every request
//! a principal could make, given the statements that can apply to it in
//! either revision:
//!
//! - actions: every action of the AWS service catalog that a pattern names,
//!   every literal action outside the catalog, and per wildcard pattern a
//!   fresh action outside the catalog ("actions AWS may add"); actions that
//!   every pattern treats alike (and that are alike to the engine's special
//!   cases) form one class, decided once;
//! - resources, per action class: each pattern of a statement that names the
//!   action (policy variables filled for the principal), literal patterns as
//!   they are and wildcard patterns by a fresh instance, which stands for the
//!   resources the pattern matches that no more specific pattern does; a
//!   fresh resource outside every pattern when a statement matches resources
//!   it does not list (`*`, `NotResource`);
//! - context, per action class: for each condition key the request may set,
//!   the values the conditions name, one value none names, and absence;
//!   every combination when there are few, else one key at a time.
//!
//! Resource regions are exact when the patterns' wildcards partition the
//! ARNs into nested regions (literal ARNs and `prefix*` patterns, which is
//! what stores hold); two wildcard patterns that overlap without one holding
//! the other (`a*b` and `a*c`) share a region no fresh instance names.

use rustc_hash::{FxHashMap, FxHashSet};
use tollgate_catalog::Catalog;
use tollgate_policy::glob::{CaseMode, Piece, matches};
use tollgate_policy::{ContextView, RequestContext, Statement, TemplatePart};

/// The text that fills a wildcard in a fresh instance: no policy names it.
pub const FRESH: &str = "TollgateDiffOther";

/// A context value no condition names.
pub const OTHER_VALUE: &str = "tollgate-diff-other";

/// Most context combinations tried per request before falling back to
/// one key at a time.
pub const MAX_CONTEXTS: usize = 256;

/// A statement that can apply to the principal, with the resource its
/// resource policy is attached to (the statement's resource when it names none).
#[derive(Debug, Clone, Copy)]
pub struct Applying<'a> {
    /// The statement.
    pub statement: &'a Statement,
    /// The resource policy's resource, for statements of resource policies.
    pub attached: Option<&'a str>,
}

/// An action a finding names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ActionName {
    /// `service:Name` (catalog spelling), or the pattern it stands for.
    pub name: std::sync::Arc<str>,
    /// True when it stands for actions outside the catalog matching `name`.
    pub outside_catalog: bool,
}

/// Actions the statements treat alike.
#[derive(Debug, Clone)]
pub struct ActionClass {
    /// The action decided for the class.
    pub representative: String,
    /// Every action it stands for.
    pub members: Vec<ActionName>,
}

/// A representative resource.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResourceCandidate {
    /// The concrete resource decided.
    pub resource: String,
    /// The pattern it stands for.
    pub pattern: String,
    /// More specific patterns whose resources it does not stand for.
    pub except: Vec<String>,
}

/// One context to decide under: keys set (`Some`) or absent (`None`).
pub type ContextAssignment = Vec<(String, Option<String>)>;

/// The contexts to decide under.
#[derive(Debug, Clone)]
pub struct Contexts {
    /// The assignments.
    pub assignments: Vec<ContextAssignment>,
    /// True when every combination of the values is among them.
    pub exhaustive: bool,
    /// Per key, the values the conditions name (the others are all alike
    /// to them, stood for by [`OTHER_VALUE`]).
    pub named: Vec<(String, Vec<String>)>,
}

fn has_wildcard(text: &str) -> bool {
    text.contains('*') || text.contains('?')
}

/// `pattern` with every wildcard replaced by fresh text.
pub fn fresh_instance(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + FRESH.len());
    for c in pattern.chars() {
        match c {
            '*' => out.push_str(FRESH),
            '?' => out.push('Q'),
            c => out.push(c),
        }
    }
    out
}

/// True when the action clause of `statement` names `action` (lowercase).
pub fn names_action(statement: &Statement, action: &str) -> bool {
    let any = statement
        .action
        .patterns
        .iter()
        .any(|p| matches(p.lowercase(), action, CaseMode::AsciiInsensitive));
    any != statement.action.negated
}

/// Trust actions the engine treats specially (an action of this list is
/// never in a class with one outside it).
const TRUST_ACTIONS: &[&str] = &[
    "sts:assumerole",
    "sts:assumerolewithsaml",
    "sts:assumerolewithwebidentity",
    "sts:tagsession",
    "sts:setsourceidentity",
];

/// The catalog's actions as `service:Name` and in lowercase, with each
/// service's range, built once.
struct CatalogActions {
    names: Vec<(std::sync::Arc<str>, String)>,
    services: FxHashMap<String, std::ops::Range<usize>>,
}

fn catalog_actions() -> &'static CatalogActions {
    static ACTIONS: std::sync::OnceLock<CatalogActions> = std::sync::OnceLock::new();
    ACTIONS.get_or_init(|| {
        let mut names = Vec::new();
        let mut services = FxHashMap::default();
        if let Ok(catalog) = Catalog::get() {
            for service in catalog.services() {
                let start = names.len();
                for action in service.actions() {
                    let name = format!("{}:{}", service.prefix, action.name);
                    let lower = name.to_ascii_lowercase();
                    names.push((name.into(), lower));
                }
                services.insert(service.prefix.to_ascii_lowercase(), start..names.len());
            }
        }
        CatalogActions { names, services }
    })
}

/// The distinct action patterns of `statements` (lowercase, sorted) and
/// whether one of them is a `NotAction`: the key action classes depend on.
pub fn action_key(statements: &[Applying<'_>]) -> (Vec<String>, bool) {
    let mut patterns: Vec<String> = statements
        .iter()
        .flat_map(|s| {
            s.statement
                .action
                .patterns
                .iter()
                .map(|p| p.lowercase().to_owned())
        })
        .collect();
    patterns.sort_unstable();
    patterns.dedup();
    let negated = statements.iter().any(|s| s.statement.action.negated);
    (patterns, negated)
}

/// The action classes of `statements`.
pub fn action_classes(statements: &[Applying<'_>]) -> Vec<ActionClass> {
    let (patterns, negated) = action_key(statements);
    compute_classes(&patterns, negated)
}

/// Pattern sets whose classes are remembered across diffs (a set naming
/// `*` expands to every action of the catalog: worth keeping).
const REMEMBERED: usize = 32;

/// The action classes of a set of lowercase patterns ([`action_key`]),
/// remembered for the last few sets.
pub fn action_classes_of(patterns: &[String], negated: bool) -> std::sync::Arc<Vec<ActionClass>> {
    type Memo = FxHashMap<(Vec<String>, bool), std::sync::Arc<Vec<ActionClass>>>;
    static MEMO: std::sync::Mutex<Option<Memo>> = std::sync::Mutex::new(None);
    let key = (patterns.to_vec(), negated);
    if let Ok(memo) = MEMO.lock()
        && let Some(found) = memo.as_ref().and_then(|m| m.get(&key))
    {
        return std::sync::Arc::clone(found);
    }
    let classes = std::sync::Arc::new(compute_classes(patterns, negated));
    if let Ok(mut memo) = MEMO.lock() {
        let memo = memo.get_or_insert_with(FxHashMap::default);
        if memo.len() >= REMEMBERED {
            memo.clear();
        }
        memo.insert(key, std::sync::Arc::clone(&classes));
    }
    classes
}

fn compute_classes(patterns: &[String], negated: bool) -> Vec<ActionClass> {
    let catalog = catalog_actions();
    // Candidates: the action as shown and the action decided.
    let mut candidates: Vec<(ActionName, String)> = Vec::new();
    let mut outside_seen: FxHashSet<String> = FxHashSet::default();
    let mut in_catalog = vec![false; catalog.names.len()];
    let mut add_catalog = |i: usize, candidates: &mut Vec<(ActionName, String)>| {
        if let (Some(seen), Some((name, lower))) = (in_catalog.get_mut(i), catalog.names.get(i))
            && !*seen
        {
            *seen = true;
            candidates.push((
                ActionName {
                    name: name.clone(),
                    outside_catalog: false,
                },
                lower.clone(),
            ));
        }
    };
    let mut every_service = negated;
    for pattern in patterns {
        let (service, _) = pattern.split_once(':').unwrap_or((pattern.as_str(), ""));
        if !has_wildcard(pattern) {
            let found = catalog.services.get(service).and_then(|range| {
                range
                    .clone()
                    .find(|&i| catalog.names.get(i).is_some_and(|(_, l)| l == pattern))
            });
            match found {
                Some(i) => add_catalog(i, &mut candidates),
                None => {
                    if outside_seen.insert(pattern.clone()) {
                        candidates.push((
                            ActionName {
                                name: pattern.as_str().into(),
                                outside_catalog: false,
                            },
                            pattern.clone(),
                        ));
                    }
                }
            }
            continue;
        }
        if outside_seen.insert(pattern.clone()) {
            candidates.push((
                ActionName {
                    name: pattern.as_str().into(),
                    outside_catalog: true,
                },
                fresh_action(pattern).to_ascii_lowercase(),
            ));
        }
        if has_wildcard(service) || !pattern.contains(':') {
            every_service = true;
        } else if let Some(range) = catalog.services.get(service) {
            for i in range.clone() {
                if catalog
                    .names
                    .get(i)
                    .is_some_and(|(_, lower)| matches(pattern, lower, CaseMode::AsciiInsensitive))
                {
                    add_catalog(i, &mut candidates);
                }
            }
        }
    }
    if every_service {
        for (i, (_, lower)) in catalog.names.iter().enumerate() {
            if negated
                || patterns
                    .iter()
                    .any(|p| matches(p, lower, CaseMode::AsciiInsensitive))
            {
                add_catalog(i, &mut candidates);
            }
        }
    }
    if negated && outside_seen.insert("*".to_owned()) {
        candidates.push((
            ActionName {
                name: "*".into(),
                outside_catalog: true,
            },
            fresh_action("*").to_ascii_lowercase(),
        ));
    }
    // Classify by which patterns match and whether the engine treats it as
    // a trust action.
    let mut classes: FxHashMap<(Vec<u64>, Option<&str>), usize> = FxHashMap::default();
    let mut out: Vec<ActionClass> = Vec::new();
    for (member, decided) in candidates {
        let mut vector = vec![0u64; patterns.len().div_ceil(64)];
        for (i, p) in patterns.iter().enumerate() {
            if matches(p, &decided, CaseMode::AsciiInsensitive)
                && let Some(word) = vector.get_mut(i / 64)
            {
                *word |= 1 << (i % 64);
            }
        }
        let special = TRUST_ACTIONS.iter().copied().find(|t| *t == decided);
        let key = (vector, special);
        match classes.get(&key) {
            Some(&i) => {
                if let Some(class) = out.get_mut(i) {
                    class.members.push(member);
                }
            }
            None => {
                classes.insert(key, out.len());
                out.push(ActionClass {
                    representative: decided,
                    members: vec![member],
                });
            }
        }
    }
    out
}

/// A fresh action matching `pattern`, outside the catalog.
pub fn fresh_action(pattern: &str) -> String {
    match pattern.split_once(':') {
        Some((service, name)) => {
            let service = if has_wildcard(service) {
                fresh_instance(service).to_ascii_lowercase()
            } else {
                service.to_owned()
            };
            format!("{service}:{}", fresh_instance(name))
        }
        None => format!("{}:{FRESH}", fresh_instance(pattern).to_ascii_lowercase()),
    }
}

/// A resource pattern with its variables filled from `context`; `None` when
/// a variable has no value (the pattern then matches nothing).
fn filled(template: &tollgate_policy::Template, context: &ContextView<'_>) -> Option<String> {
    if !template.has_variables() {
        return Some(template.raw().to_owned());
    }
    let pieces = template.resolve(context)?;
    let mut text = String::new();
    for piece in pieces.iter() {
        match piece {
            Piece::Literal(t) => text.push_str(t),
            Piece::Star => text.push('*'),
            Piece::Question => text.push('?'),
        }
    }
    Some(text)
}

/// The representative resources for one action class.
pub fn resource_candidates(
    statements: &[Applying<'_>],
    action: &str,
    principal_context: &ContextView<'_>,
) -> Vec<ResourceCandidate> {
    let action = action.to_ascii_lowercase();
    let mut patterns: Vec<String> = Vec::new();
    let mut seen = FxHashSet::default();
    let mut elsewhere = false;
    let mut add = |p: String, patterns: &mut Vec<String>| {
        if seen.insert(p.clone()) {
            patterns.push(p);
        }
    };
    for s in statements
        .iter()
        .filter(|s| names_action(s.statement, &action))
    {
        // A resource policy governs the resource it is attached to: that
        // splits the resources as a pattern does.
        if let Some(arn) = s.attached {
            add(arn.to_owned(), &mut patterns);
        }
        match &s.statement.resource {
            None => {}
            Some(clause) => {
                elsewhere |= clause.negated;
                for template in &clause.patterns {
                    if let Some(p) = filled(template, principal_context) {
                        elsewhere |= p.starts_with('*');
                        add(p, &mut patterns);
                    }
                }
            }
        }
        // Objects under a bucket with a policy are governed by it.
        if let Some(arn) = s.attached
            && arn.starts_with("arn:aws:s3:::")
            && !arn.contains('/')
        {
            add(format!("{arn}/*"), &mut patterns);
        }
    }
    if elsewhere {
        add("*".to_owned(), &mut patterns);
    }
    let mut out = Vec::with_capacity(patterns.len());
    for pattern in &patterns {
        let resource = if has_wildcard(pattern) {
            if pattern == "*" {
                format!("arn:aws:tollgate-diff:::{FRESH}")
            } else {
                fresh_instance(pattern)
            }
        } else {
            pattern.clone()
        };
        let except = patterns
            .iter()
            .filter(|q| *q != pattern)
            .filter(|q| matches(pattern, q, CaseMode::Sensitive))
            .filter(|q| !matches(q, &resource, CaseMode::Sensitive))
            .cloned()
            .collect();
        out.push(ResourceCandidate {
            resource,
            pattern: pattern.clone(),
            except,
        });
    }
    out
}

/// Keys the request cannot set in a store's answer (the store and the
/// principal's ARN give them): they are fixed per principal and resource.
fn derived_key(lower: &str) -> bool {
    lower.starts_with("aws:principaltag/")
        || matches!(
            lower,
            "aws:principalarn"
                | "aws:principalaccount"
                | "aws:principaltype"
                | "aws:username"
                | "aws:userid"
                | "aws:principalorgid"
                | "aws:principalorgpaths"
                | "aws:resourceaccount"
                | "aws:resourceorgid"
                | "aws:resourceorgpaths"
                | "aws:principalisawsservice"
                | "aws:principalservicename"
        )
}

/// The contexts to decide one action class under.
pub fn contexts(statements: &[Applying<'_>], action: &str) -> Contexts {
    let action = action.to_ascii_lowercase();
    let mut keys: Vec<(String, Vec<Option<String>>)> = Vec::new();
    let mut index: FxHashMap<String, usize> = FxHashMap::default();
    for s in statements
        .iter()
        .filter(|s| names_action(s.statement, &action))
    {
        for condition in &s.statement.conditions {
            let lower = condition.key.to_ascii_lowercase();
            if derived_key(&lower) {
                continue;
            }
            let i = *index.entry(lower).or_insert_with(|| {
                keys.push((
                    condition.key.clone(),
                    vec![None, Some(OTHER_VALUE.to_owned())],
                ));
                keys.len() - 1
            });
            if let Some((_, values)) = keys.get_mut(i) {
                for value in &condition.values {
                    let text = if value.has_variables() {
                        continue;
                    } else {
                        value
                            .parts()
                            .iter()
                            .map(|part| match part {
                                TemplatePart::Literal(t) => t.to_string(),
                                TemplatePart::Star => FRESH.to_owned(),
                                TemplatePart::Question => "Q".to_owned(),
                                TemplatePart::Variable(_) => String::new(),
                            })
                            .collect::<String>()
                    };
                    if !values.contains(&Some(text.clone())) {
                        values.push(Some(text));
                    }
                }
            }
        }
    }
    keys.sort_by(|a, b| a.0.cmp(&b.0));
    let named = keys
        .iter()
        .map(|(k, values)| {
            let named = values
                .iter()
                .flatten()
                .filter(|v| *v != OTHER_VALUE)
                .cloned()
                .collect();
            (k.clone(), named)
        })
        .collect();
    let product = keys
        .iter()
        .try_fold(1usize, |acc, (_, v)| acc.checked_mul(v.len()))
        .unwrap_or(usize::MAX);
    if product <= MAX_CONTEXTS {
        let mut assignments: Vec<ContextAssignment> = vec![Vec::new()];
        for (key, values) in &keys {
            let mut next = Vec::with_capacity(assignments.len() * values.len());
            for partial in &assignments {
                for value in values {
                    let mut a = partial.clone();
                    a.push((key.clone(), value.clone()));
                    next.push(a);
                }
            }
            assignments = next;
        }
        return Contexts {
            assignments,
            exhaustive: true,
            named,
        };
    }
    let base: ContextAssignment = keys.iter().map(|(k, _)| (k.clone(), None)).collect();
    let mut assignments = vec![base.clone()];
    for (i, (_, values)) in keys.iter().enumerate() {
        for value in values.iter().skip(1) {
            let mut a = base.clone();
            if let Some(slot) = a.get_mut(i) {
                slot.1 = value.clone();
            }
            assignments.push(a);
        }
    }
    Contexts {
        assignments,
        exhaustive: false,
        named,
    }
}

/// The literal text a glob starts with.
fn glob_prefix(pattern: &str) -> &str {
    let end = pattern.find(['*', '?']).unwrap_or(pattern.len());
    pattern.get(..end).unwrap_or(pattern)
}

/// Whether two globs can match a common text (over-approximated: two
/// wildcard patterns overlap when neither's literal prefix excludes the
/// other's). `lower` compares without ASCII case (actions).
pub fn globs_overlap(a: &str, b: &str, lower: bool) -> bool {
    let (case, a, b) = if lower {
        (
            CaseMode::AsciiInsensitive,
            a.to_ascii_lowercase(),
            b.to_ascii_lowercase(),
        )
    } else {
        (CaseMode::Sensitive, a.to_owned(), b.to_owned())
    };
    match (has_wildcard(&a), has_wildcard(&b)) {
        (false, false) => a == b,
        (true, false) => matches(&a, &b, case),
        (false, true) => matches(&b, &a, case),
        (true, true) => {
            let (x, y) = (glob_prefix(&a), glob_prefix(&b));
            x.starts_with(y) || y.starts_with(x)
        }
    }
}

/// The resource patterns a statement covers (its own, the resource it is
/// attached to and, for a bucket, its objects); `None` for every resource.
fn resource_patterns(s: &Applying<'_>) -> Option<Vec<String>> {
    let mut out = Vec::new();
    if let Some(arn) = s.attached {
        out.push(arn.to_owned());
        out.push(format!("{arn}/*"));
    }
    match &s.statement.resource {
        Some(clause) if !clause.negated => {
            for t in &clause.patterns {
                if t.has_variables() {
                    return None;
                }
                out.push(t.raw().to_owned());
            }
        }
        Some(_) => return None,
        None => {}
    }
    Some(out)
}

/// Whether two statements can apply to a common request (over-approximated).
pub fn statements_overlap(s: &Applying<'_>, d: &Applying<'_>) -> bool {
    let actions = s.statement.action.negated
        || d.statement.action.negated
        || s.statement.action.patterns.iter().any(|a| {
            d.statement
                .action
                .patterns
                .iter()
                .any(|b| globs_overlap(a.lowercase(), b.lowercase(), true))
        });
    if !actions {
        return false;
    }
    match (resource_patterns(s), resource_patterns(d)) {
        (Some(x), Some(y)) => x
            .iter()
            .any(|a| y.iter().any(|b| globs_overlap(a, b, false))),
        _ => true,
    }
}

/// The request context of an assignment.
pub fn context_of(assignment: &ContextAssignment) -> RequestContext {
    let mut context = RequestContext::new();
    for (key, value) in assignment {
        if let Some(value) = value {
            context.insert(key, vec![value.clone()]);
        }
    }
    context
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_policy::{PolicyDocument, PolicyKind};

    fn doc(text: &str) -> PolicyDocument {
        PolicyDocument::parse(text, PolicyKind::Identity).unwrap()
    }

    #[test]
    fn expands_wildcards_through_the_catalog() {
        let d = doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"},{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#,
        );
        let applying: Vec<Applying<'_>> = d
            .statements
            .iter()
            .map(|s| Applying {
                statement: s,
                attached: None,
            })
            .collect();
        let classes = action_classes(&applying);
        let names: Vec<&str> = classes
            .iter()
            .flat_map(|c| c.members.iter().map(|m| m.name.as_ref()))
            .collect();
        assert!(names.contains(&"s3:GetObject"));
        assert!(names.contains(&"s3:GetBucketPolicy"), "{names:?}");
        assert!(
            names.contains(&"s3:get*"),
            "the pattern stands for actions outside the catalog"
        );
        // GetObject is alone in its class; the other Get actions share one.
        assert_eq!(classes.len(), 2, "{classes:?}");
    }

    #[test]
    fn fresh_resources_stand_for_regions() {
        let d = doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/*","arn:aws:s3:::b/public/*","arn:aws:s3:::b/x"]}]}"#,
        );
        let applying: Vec<Applying<'_>> = d
            .statements
            .iter()
            .map(|s| Applying {
                statement: s,
                attached: None,
            })
            .collect();
        let empty = RequestContext::new();
        let view = ContextView::new(&empty, &empty);
        let c = resource_candidates(&applying, "s3:GetObject", &view);
        let wide = c.iter().find(|c| c.pattern == "arn:aws:s3:::b/*").unwrap();
        assert_eq!(wide.resource, format!("arn:aws:s3:::b/{FRESH}"));
        assert_eq!(
            wide.except,
            vec!["arn:aws:s3:::b/public/*", "arn:aws:s3:::b/x"]
        );
    }

    #[test]
    fn contexts_cover_named_values_another_and_absence() {
        let d = doc(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpc":["vpc-1","vpc-2"]},"StringLike":{"aws:PrincipalTag/team":"x"}}}]}"#,
        );
        let applying: Vec<Applying<'_>> = d
            .statements
            .iter()
            .map(|s| Applying {
                statement: s,
                attached: None,
            })
            .collect();
        let c = contexts(&applying, "s3:getobject");
        assert!(c.exhaustive);
        // absent, other, vpc-1, vpc-2; the principal tag is the store's.
        assert_eq!(c.assignments.len(), 4);
    }
}
