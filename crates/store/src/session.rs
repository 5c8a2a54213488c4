//! Session policies arrive with a request (they were passed when the role or
//! federated session was created), so they are compiled apart from the
//! store, into tables of their own that [`crate::Store::decide`] takes as
//! [`SessionTables`](tollgate_engine::SessionTables).

use serde_json::Value;
use tollgate_compiler::{CompilerConfig, GroupId, Tables, TablesBuilder};
use tollgate_policy::{JsonPath, NamedPolicy, ParseLimits, PolicyKind};

use crate::document::{Encoding, read_policy};
use crate::error::{Diagnostics, StoreError, StoreFaults};
use crate::json::Reader;

/// One session policy document: JSON text or a parsed JSON value.
#[derive(Debug, Clone, Copy)]
pub enum SessionPolicy<'a> {
    /// JSON text (plain or URL-encoded).
    Text(&'a str),
    /// A JSON value.
    Json(&'a Value),
}

impl<'a> From<&'a str> for SessionPolicy<'a> {
    fn from(text: &'a str) -> Self {
        SessionPolicy::Text(text)
    }
}

impl<'a> From<&'a String> for SessionPolicy<'a> {
    fn from(text: &'a String) -> Self {
        SessionPolicy::Text(text)
    }
}

impl<'a> From<&'a Value> for SessionPolicy<'a> {
    fn from(value: &'a Value) -> Self {
        SessionPolicy::Json(value)
    }
}

/// Parses `docs` as session policies and compiles them into one group of
/// their own tables. Policies are labelled `sessionPolicies[N]` in answers
/// and faults. Pass the result to [`crate::Store::decide`] as
/// `Some(SessionTables { tables: &tables, group })`.
///
/// ```
/// use tollgate_store::compile_session_policies;
///
/// let (tables, group) = compile_session_policies(&[
///     r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}"#,
/// ]).unwrap();
/// assert_eq!(tables.group(group).unwrap().statement_count(), 1);
/// ```
pub fn compile_session_policies<'a, D>(docs: &[D]) -> Result<(Tables, GroupId), StoreError>
where
    D: Copy + Into<SessionPolicy<'a>>,
{
    let mut diag = Diagnostics::default();
    let mut policies = Vec::with_capacity(docs.len());
    let limits = ParseLimits::default();
    for (i, doc) in docs.iter().enumerate() {
        let label = format!("sessionPolicies[{i}]");
        let mut reader = Reader::new(&label, &mut diag);
        let parsed_text;
        let value = match (*doc).into() {
            SessionPolicy::Json(value) => value,
            SessionPolicy::Text(text) => {
                parsed_text = Value::String(text.to_owned());
                &parsed_text
            }
        };
        let document = read_policy(
            &mut reader,
            value,
            &JsonPath::root(),
            PolicyKind::Session,
            Encoding::ObjectOrText,
            &limits,
        );
        if let Some(document) = document {
            policies.push(NamedPolicy::new(label, document));
        }
    }
    if let Some(faults) = StoreFaults::from_vec(diag.faults) {
        return Err(StoreError::Invalid(faults));
    }
    let mut builder = TablesBuilder::new(CompilerConfig::default());
    let group = builder.add_group(&policies)?;
    let (tables, _) = builder.finish();
    Ok((tables, group))
}
