//! A request's session policies, compiled into tables of their own for that
//! one request. A fault in them is the caller's: it becomes a
//! [`ConvertError`] naming `session_policies[N]` and the JSON path inside the
//! document.
//!
//! Compiling them, and evaluating wildcard conditions against a large
//! context, may take milliseconds: [`SessionPool`] runs that work on the
//! blocking pool, at most one job per two cores at once (at least one), so
//! it never holds an async worker and leaves at least half the cores to the
//! other calls, however many callers send expensive session policies. A
//! job waits for a slot at most until its call's deadline. How much work
//! one request may ask for is bounded first by `max-session-policy-cost`
//! (see `guard`).

use std::sync::Arc;

use tokio::sync::Semaphore;
use tollgate_compiler::{GroupId, Tables};
use tollgate_engine::SessionTables;
use tollgate_store::{StoreError, compile_session_policies};
use tonic::Status;

use tollgate_wire::ConvertError;

use super::guard::{self, Deadline};

/// Runs session policy work on the blocking pool, one job per two cores at
/// once.
#[derive(Debug, Clone)]
pub(crate) struct SessionPool {
    slots: Arc<Semaphore>,
}

impl SessionPool {
    /// A pool with one slot per two available cores (at least one).
    pub(crate) fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self {
            slots: Arc::new(Semaphore::new((cores / 2).max(1))),
        }
    }

    /// Runs `work` on the blocking pool once a slot is free, answering
    /// `DEADLINE_EXCEEDED` when the deadline passes first (waiting or
    /// running; a running job then stops at its own next deadline check).
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        deadline: Deadline,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Status> {
        let at = tokio::time::Instant::from(deadline.instant());
        let slots = self.slots.clone();
        let job = async move {
            let slot = slots
                .acquire_owned()
                .await
                .map_err(|_| Status::unavailable("the session policy pool is closed"))?;
            tokio::task::spawn_blocking(move || {
                let _slot = slot;
                work()
            })
            .await
            .map_err(|e| Status::internal(format!("session policy evaluation failed: {e}")))
        };
        match tokio::time::timeout_at(at, job).await {
            Ok(result) => result,
            Err(_) => Err(guard::exceeded()),
        }
    }
}

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
