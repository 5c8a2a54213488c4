//! `what-can`: per action, the resources below a prefix one principal may
//! act on (a [`Plan`] each), leaving out the actions it may not do at all.

use serde::Serialize;
use tollgate_policy::RequestContext;
use tollgate_store::Store;

use crate::cases::Limits;
use crate::error::AccessError;
use crate::plan::{Plan, PlanKind, plan_resources};

/// One allowed action.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionPlan {
    /// The service prefix.
    pub service: String,
    /// The action.
    pub action: String,
    /// Which resources.
    pub plan: Plan,
}

/// The plans of `principal` for each of `actions` below `prefix`, those
/// that allow something only, sorted by service then action.
pub fn what_can(
    store: &Store,
    principal: &str,
    actions: &[String],
    prefix: &str,
    context: &RequestContext,
    limits: &Limits,
) -> Result<Vec<ActionPlan>, AccessError> {
    let mut out = Vec::new();
    for action in actions {
        let plan = plan_resources(store, principal, action, prefix, context, limits)?;
        if plan.kind != PlanKind::AlwaysDenied {
            out.push(ActionPlan {
                service: action.split(':').next().unwrap_or_default().to_owned(),
                action: action.clone(),
                plan,
            });
        }
    }
    out.sort_by(|a, b| (&a.service, &a.action).cmp(&(&b.service, &b.action)));
    Ok(out)
}
