//! What the checks share: comparing the engine with the reference
//! interpreter on a policy set, and the requests asked of fuzzed policies.

use tollgate_policy::{PolicySet, Request, RequestContext, RequestPrincipal};

use crate::{Checked, Finding};

/// Compiles `set` and asks each request of the reference interpreter, the
/// engine's `evaluate` and its `decide`: all three must agree. A set the
/// compiler refuses (over its limits) is not a finding.
pub(crate) fn differential(set: &PolicySet, requests: &[Request]) -> Checked {
    let Ok(compiled) = tollgate_compiler::compile(set) else {
        return Ok(0);
    };
    for request in requests {
        let reference = tollgate_reference::evaluate(set, request);
        let engine = tollgate_engine::evaluate(&compiled.tables, request);
        if engine != reference {
            return Err(Finding::EngineDisagrees {
                request: format!("{request:?}"),
                reference: Box::new(reference),
                engine: Box::new(engine),
            });
        }
        let fast = tollgate_engine::decide(&compiled.tables, request);
        if fast != engine.kind {
            return Err(Finding::FastPathDisagrees {
                request: format!("{request:?}"),
                fast,
                explained: engine.kind,
            });
        }
    }
    Ok(requests.len())
}

/// The principals fuzzed policies are asked about: a user and a role
/// session of account 111122223333, a user of another account, a service.
pub(crate) const PRINCIPALS: [&str; 4] = [
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:sts::111122223333:assumed-role/deploy/build-42",
    "arn:aws:iam::444455556666:user/mallory",
    "s3.amazonaws.com",
];

/// Resources asked about besides those a policy names.
pub(crate) const RESOURCES: [&str; 2] = ["arn:aws:s3:::photos/cat.jpg", "*"];

/// A request of `principal` for `action` on `resource`, with a context that
/// condition keys often test.
pub(crate) fn request(principal: &str, action: &str, resource: &str) -> Option<Request> {
    let principal = RequestPrincipal::parse(principal).ok()?;
    let mut request = Request::new(principal, action, resource);
    let mut context = RequestContext::new();
    context.insert("aws:SourceIp", vec!["10.1.2.3".to_owned()]);
    context.insert("aws:SecureTransport", vec!["true".to_owned()]);
    context.insert("aws:CurrentTime", vec!["2026-01-01T00:00:00Z".to_owned()]);
    context.insert("s3:prefix", vec!["home/alice/".to_owned(), "x".to_owned()]);
    request.context = context;
    Some(request)
}

/// A concrete text matching a pattern's literal parts: every wildcard
/// (`*`, `?`) becomes `x`, so a request can hit the statement.
pub(crate) fn instance(pattern: &str) -> String {
    pattern
        .chars()
        .map(|c| if c == '*' || c == '?' { 'x' } else { c })
        .collect()
}
