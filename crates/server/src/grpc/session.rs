//! A request's session policies, compiled into tables of their own for that
//! one request. A fault in them is the caller's: it becomes a
//! [`ConvertError`] naming `session_policies[N]` and the JSON path inside the
//! document.

use tollgate_compiler::{GroupId, Tables};
use tollgate_engine::SessionTables;
use tollgate_store::{StoreError, compile_session_policies};

use tollgate_wire::ConvertError;

/// Session policies compiled for one request.
#[derive(Debug)]
pub(crate) struct CompiledSession {
    tables: Tables,
    group: GroupId,
}

impl CompiledSession {
    /// Compiles `documents`; `None` when there are none (the session was
    /// given no session policies, so they do not restrict it).
    pub(crate) fn compile(documents: &[String]) -> Result<Option<Self>, ConvertError> {
        if documents.is_empty() {
            return Ok(None);
        }
        let documents: Vec<&str> = documents.iter().map(String::as_str).collect();
        let (tables, group) = compile_session_policies(&documents).map_err(fault)?;
        Ok(Some(Self { tables, group }))
    }

    /// The tables as the engine takes them.
    pub(crate) fn tables(&self) -> SessionTables<'_> {
        SessionTables {
            tables: &self.tables,
            group: self.group,
        }
    }
}

/// The store names session policy documents `sessionPolicies[N]`; the wire
/// field is `session_policies`.
fn fault(error: StoreError) -> ConvertError {
    const STORE_LABEL: &str = "sessionPolicies";
    let faults = error.faults();
    let Some(first) = faults.first() else {
        return ConvertError::new("session_policies", error.to_string());
    };
    let document = first.file.strip_prefix(STORE_LABEL).map_or_else(
        || first.file.clone(),
        |rest| format!("session_policies{rest}"),
    );
    let path = if first.path.is_root() {
        document
    } else {
        format!("{document}.{}", first.path)
    };
    let message = match faults.len() {
        1 => first.kind.to_string(),
        n => format!("{}; and {} more fault(s)", first.kind, n - 1),
    };
    ConvertError::new(path, message)
}
