//! `wire_request`: protobuf bytes decoded as the server decodes them
//! (`AuthorizeRequest` or `AuthorizeBatchRequest`), read by `tollgate_wire`
//! with the limits the server applies, their session policies compiled, then
//! asked of the example store, whose fast and explained answers must agree;
//! the answer is written back to the wire types. Every question read must
//! obey the request rules (`crate::rules`).
//!
//! Input: the first byte picks the message (even: one request, odd: a
//! batch); the rest is the encoded message.

use std::sync::OnceLock;

use prost::Message as _;
use tollgate_policy::ParseLimits;
use tollgate_proto::v1::{AuthorizeBatchRequest, AuthorizeRequest};
use tollgate_store::{SessionTables, Store, compile_session_policies};
use tollgate_wire::question;

use crate::{Checked, Finding};

/// Most requests of a batch that are read.
const MAX_BATCH: usize = 64;

/// The example store, loaded once.
fn store() -> Option<&'static Store> {
    static STORE: OnceLock<Option<Store>> = OnceLock::new();
    STORE
        .get_or_init(|| Store::embedded_example().ok())
        .as_ref()
}

/// Checks one input.
pub fn check(data: &[u8]) -> Checked {
    let Some((&selector, message)) = data.split_first() else {
        return Ok(0);
    };
    let requests = if selector % 2 == 0 {
        match AuthorizeRequest::decode(message) {
            Ok(request) => vec![request],
            Err(_) => return Ok(0),
        }
    } else {
        match AuthorizeBatchRequest::decode(message) {
            Ok(batch) => batch.requests,
            Err(_) => return Ok(0),
        }
    };
    let mut compared = 0;
    for (index, message) in requests.into_iter().take(MAX_BATCH).enumerate() {
        match question(message, &ParseLimits::default()) {
            Ok(question) => {
                crate::rules::well_formed(&question)?;
                compared += ask(question)?;
            }
            Err(error) => {
                // The batch form of the error, rendered, is what a client sees.
                let _ = error.within("requests", index).to_string();
            }
        }
    }
    Ok(compared)
}

/// Compiles the question's session policies and asks the example store.
fn ask(question: tollgate_wire::Question) -> Checked {
    let Some(store) = store() else {
        return Ok(0);
    };
    let documents: Vec<&str> = question
        .session_policies
        .iter()
        .map(String::as_str)
        .collect();
    let compiled = if documents.is_empty() {
        None
    } else {
        match compile_session_policies(&documents) {
            Ok(compiled) => Some(compiled),
            Err(error) => {
                let _ = error.to_string();
                return Ok(0);
            }
        }
    };
    let session = || {
        compiled.as_ref().map(|(tables, group)| SessionTables {
            tables,
            group: *group,
        })
    };
    let request = &question.request;
    let fast = store.decide(request, session()).kind;
    let (decision, _) = store.evaluate(request, session());
    let _ = tollgate_wire::decision(decision.kind);
    let _ = tollgate_wire::decisive(decision.decisive);
    if fast == decision.kind {
        Ok(1)
    } else {
        Err(Finding::FastPathDisagrees {
            request: format!("{request:?}"),
            fast,
            explained: decision.kind,
        })
    }
}
