//! `policy_parse`: one policy document of one kind through the parser, then,
//! when it parses, compiled and asked a few requests by the engine and the
//! reference interpreter, which must agree.
//!
//! Input: the first byte picks the kind (modulo 6: identity, permissions
//! boundary, session, SCP, RCP, resource-based); the rest is the document
//! text (invalid UTF-8 is replaced, so the JSON reader still sees it).

use tollgate_policy::{NamedPolicy, ParseLimits, PolicyDocument, PolicyKind, PolicySet, Request};

use crate::Checked;
use crate::requests::{PRINCIPALS, RESOURCES, differential, instance, request};

/// The kinds, in the order the first input byte selects them.
const KINDS: [PolicyKind; 6] = [
    PolicyKind::Identity,
    PolicyKind::PermissionsBoundary,
    PolicyKind::Session,
    PolicyKind::ServiceControl,
    PolicyKind::ResourceControl,
    PolicyKind::Resource,
];

/// Limits small enough that fuzz inputs reach them.
pub const LIMITS: ParseLimits = ParseLimits {
    max_document_bytes: 64 << 10,
    max_statements: 64,
    max_list_len: 64,
    max_string_bytes: 512,
};

/// Most statement actions turned into requests.
const MAX_ACTIONS: usize = 4;

/// Checks one input.
pub fn check(data: &[u8]) -> Checked {
    let Some((&selector, text)) = data.split_first() else {
        return Ok(0);
    };
    let kind = KINDS
        .get(usize::from(selector) % KINDS.len())
        .copied()
        .unwrap_or(PolicyKind::Identity);
    let text = String::from_utf8_lossy(text);
    let document = match PolicyDocument::parse_with_limits(&text, kind, &LIMITS) {
        Ok(document) => document,
        Err(errors) => {
            // Rendering the errors is part of the contract too.
            let _ = errors.to_string();
            return Ok(0);
        }
    };
    let requests = requests_for(&document);
    differential(&set_of(kind, document), &requests)
}

/// A policy set where `document` plays its kind's part; the parts a request
/// needs to be allowed at all (an identity policy beside a boundary, a
/// session policy or an SCP) allow everything.
fn set_of(kind: PolicyKind, document: PolicyDocument) -> PolicySet {
    let fuzzed = NamedPolicy::new("fuzzed", document);
    let mut set = PolicySet::default();
    let allow_all = PolicyDocument::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        PolicyKind::Identity,
    )
    .ok()
    .map(|document| NamedPolicy::new("allow-all", document));
    match kind {
        PolicyKind::Identity => set.identity.push(fuzzed),
        PolicyKind::PermissionsBoundary => set.permissions_boundary = Some(fuzzed),
        PolicyKind::Session => set.session = Some(vec![fuzzed]),
        PolicyKind::ServiceControl => set.service_control.push(vec![fuzzed]),
        PolicyKind::ResourceControl => set.resource_control.push(vec![fuzzed]),
        PolicyKind::Resource => set.resource = Some(fuzzed),
    }
    if kind != PolicyKind::Identity && kind != PolicyKind::Resource {
        set.identity.extend(allow_all);
    }
    set
}

/// Requests aimed at the document's statements: each principal asks for the
/// first few actions the document names on the first resource it names and
/// on the fixed resources.
fn requests_for(document: &PolicyDocument) -> Vec<Request> {
    let mut actions: Vec<String> = document
        .statements
        .iter()
        .flat_map(|statement| statement.action.patterns.iter())
        .map(|pattern| instance(pattern.raw()))
        .filter(|action| action.contains(':'))
        .take(MAX_ACTIONS)
        .collect();
    actions.push("s3:GetObject".to_owned());
    let mut resources: Vec<String> = document
        .statements
        .iter()
        .filter_map(|statement| statement.resource.as_ref())
        .flat_map(|clause| clause.patterns.iter())
        .map(|template| instance(template.raw()))
        .take(1)
        .collect();
    resources.extend(RESOURCES.iter().map(|r| (*r).to_owned()));
    let mut requests = Vec::new();
    for principal in PRINCIPALS {
        for action in &actions {
            for resource in &resources {
                requests.extend(request(principal, action, resource));
            }
        }
    }
    requests
}
