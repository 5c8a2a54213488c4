//! Helpers shared by the integration tests: stores built from inline files,
//! requests, and fault text.

#![allow(dead_code)]

use std::collections::BTreeMap;

use tollgate_policy::{DecisionKind, Request, RequestPrincipal};
use tollgate_store::{Store, StoreError};

/// The files of a store, from `(path, text)` pairs.
pub fn files(entries: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
    entries
        .iter()
        .map(|(path, text)| ((*path).to_owned(), text.as_bytes().to_vec()))
        .collect()
}

/// A store from `(path, text)` pairs; panics with every fault when it does not load.
pub fn store(entries: &[(&str, &str)]) -> Store {
    match Store::from_files(files(entries)) {
        Ok(store) => store,
        Err(e) => panic!("the store does not load: {e}"),
    }
}

/// The faults of a store that must not load, as `file: path: message` lines.
pub fn faults(entries: &[(&str, &str)]) -> Vec<String> {
    match Store::from_files(files(entries)) {
        Ok(_) => panic!("the store loads but should not"),
        Err(e) => fault_lines(&e),
    }
}

/// The faults of an error, as `file: path: message` lines.
pub fn fault_lines(error: &StoreError) -> Vec<String> {
    error.faults().iter().map(ToString::to_string).collect()
}

/// A request with an empty context.
pub fn request(principal: &str, action: &str, resource: &str) -> Request {
    let principal = RequestPrincipal::parse(principal).unwrap();
    Request::new(principal, action, resource)
}

/// A request with context keys.
pub fn request_with(
    principal: &str,
    action: &str,
    resource: &str,
    context: &[(&str, &str)],
) -> Request {
    let mut request = request(principal, action, resource);
    for (key, value) in context {
        request.context.insert(key, vec![(*value).to_owned()]);
    }
    request
}

/// The fast decision, checked against the explained one.
pub fn decide(store: &Store, request: &Request) -> DecisionKind {
    let fast = store.decide(request, None).kind;
    let (explained, _) = store.evaluate(request, None);
    assert_eq!(
        fast, explained.kind,
        "decide and evaluate disagree on {request:?}"
    );
    fast
}

/// The labels of the decisive statements, as `policy#index`.
pub fn decisive(store: &Store, request: &Request) -> Vec<String> {
    let (decision, _) = store.evaluate(request, None);
    decision
        .decisive
        .iter()
        .map(|s| format!("{}#{}", s.policy, s.index))
        .collect()
}

/// An identity policy document allowing `action` on `resource`.
pub fn allow(action: &str, resource: &str) -> String {
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "{action}", "Resource": "{resource}"}}]}}"#
    )
}
