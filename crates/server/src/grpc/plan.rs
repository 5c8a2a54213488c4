//! `PlanResources`: which resources below an ARN prefix one principal may
//! act on with one action, planned by `tollgate_access::plan_resources`
//! from the serving snapshot and written as a `PlanFilter`.
//!
//! The request is checked like an `Authorize` request (the prefix in the
//! place of the resource): the same per-field limits (`max-value-bytes`,
//! `max-context-keys`, `max-values-per-key`) and the same reading of the
//! principal, action and context, each fault an `INVALID_ARGUMENT` naming
//! the field (`resource_prefix` for the prefix). Planning decides one
//! request per class of ARNs and per combination of the missing context
//! keys' values, which may take milliseconds: it runs on the bounded
//! blocking pool of session policy work (`session`), stops at the call's
//! deadline (checked between decisions), and a plan over the work limits
//! ([`Limits`]) is `RESOURCE_EXHAUSTED` naming what to give.
//!
//! With an audit log, a plan is one record: the resource written as
//! `PREFIX*`, the decision `allowed` when the plan allows anything (sampled
//! as allows are) and `implicit_deny` for `ALWAYS_DENIED`.

use std::time::Instant;

use tollgate_access::{AccessError, CaseValue, Filter, Limits, Plan, PlanKind, plan_resources};
use tollgate_policy::DecisionKind;
use tollgate_proto::v1::{
    self, AuthorizeRequest, GlobClass, NumberRange, PlanCondition, PlanFilter, PlanFilterList,
    PlanResourcesRequest, PlanResourcesResponse, StringList, plan_condition, plan_filter,
};
use tollgate_wire::{self as convert, ConvertError};
use tonic::Status;

use super::authorizer::AuthorizerService;
use super::guard::{self, Deadline, Rejection};
use crate::audit::AuditRecord;

/// The wire field of the prefix; `Authorize`'s checks name it `resource`.
const PREFIX_FIELD: &str = "resource_prefix";

/// A checked request: the domain request (its resource the prefix) and the
/// principal as given.
pub(super) struct Checked {
    request: tollgate_policy::Request,
    principal: String,
}

/// Checks and reads `message` as `Authorize` checks and reads its request.
pub(super) fn check(
    message: PlanResourcesRequest,
    service: &AuthorizerService,
) -> Result<Checked, Status> {
    let PlanResourcesRequest {
        principal,
        action,
        resource_prefix,
        context,
    } = message;
    if resource_prefix.is_empty() {
        return Err(Status::invalid_argument(format!(
            "{PREFIX_FIELD}: required: an ARN prefix through its account field (arn:PARTITION:SERVICE:REGION:ACCOUNT:)"
        )));
    }
    let mut as_authorize = AuthorizeRequest {
        principal: principal.clone(),
        action,
        resource: resource_prefix,
        context,
        ..AuthorizeRequest::default()
    };
    guard::check_request(&as_authorize, service.limits()).map_err(|e| {
        guard::count(Rejection::Limit);
        Status::invalid_argument(renamed(&e.to_string()))
    })?;
    if let Some(bad) = as_authorize.resource.chars().find(|c| c.is_control()) {
        return Err(Status::invalid_argument(format!(
            "{PREFIX_FIELD}: holds the control character {bad:?}"
        )));
    }
    // The prefix is not a whole ARN: the rest is read with `*` in its place.
    let prefix = std::mem::replace(&mut as_authorize.resource, "*".to_owned());
    let mut question = convert::question_with(
        as_authorize,
        service.parse_limits(),
        service.limits().context_rules(),
    )
    .map_err(|e: ConvertError| Status::invalid_argument(renamed(&e.to_string())))?;
    question.request.resource = prefix;
    Ok(Checked {
        request: question.request,
        principal,
    })
}

/// A fault message of `Authorize`'s checks with `resource` named as the
/// prefix field.
fn renamed(message: &str) -> String {
    match message.strip_prefix("resource:") {
        Some(rest) => format!("{PREFIX_FIELD}:{rest}"),
        None => message.to_owned(),
    }
}

/// Plans one checked request against the snapshot serving now; runs on the
/// blocking pool.
pub(super) fn plan(
    service: &AuthorizerService,
    checked: Checked,
    deadline: Deadline,
    request_id: Option<&str>,
) -> Result<PlanResourcesResponse, Status> {
    deadline.check()?;
    let current = service.state().current();
    let snapshot = super::authorizer::serving(current.as_ref())?;
    let store = &snapshot.store;
    let limits = Limits {
        deadline: Some(deadline.instant()),
        ..Limits::default()
    };
    let start = Instant::now();
    let planned = plan_resources(
        store,
        &checked.principal,
        &checked.request.action,
        &checked.request.resource,
        &checked.request.context,
        &limits,
    )
    .map_err(refused)?;
    let latency = start.elapsed();
    if let Some(log) = service.audit() {
        let kind = match planned.kind {
            PlanKind::AlwaysDenied => DecisionKind::ImplicitDeny,
            PlanKind::AlwaysAllowed | PlanKind::Conditional => DecisionKind::Allowed,
        };
        if let Some(id) = log.admit(kind, request_id) {
            let mut request = checked.request.clone();
            request.resource.push('*');
            log.record(AuditRecord::of(
                id,
                &request,
                kind,
                Vec::new(),
                store.revision(),
                latency,
            ));
        }
    }
    tracing::debug!(
        principal = checked.principal.as_str(),
        action = checked.request.action.as_str(),
        prefix = checked.request.resource.as_str(),
        kind = ?planned.kind,
        "planned"
    );
    Ok(response(planned, store.revision()))
}

/// The status of a query that could not be planned.
fn refused(error: AccessError) -> Status {
    match error {
        AccessError::Principal { .. }
        | AccessError::Request { .. }
        | AccessError::Prefix { .. } => Status::invalid_argument(error.to_string()),
        AccessError::TooManyCases { .. } | AccessError::TooManyStates { .. } => {
            guard::count(Rejection::Limit);
            Status::resource_exhausted(error.to_string())
        }
        AccessError::Deadline => guard::exceeded(),
    }
}

fn response(plan: Plan, revision: &str) -> PlanResourcesResponse {
    let kind = match plan.kind {
        PlanKind::AlwaysAllowed => v1::PlanKind::AlwaysAllowed,
        PlanKind::AlwaysDenied => v1::PlanKind::AlwaysDenied,
        PlanKind::Conditional => v1::PlanKind::Conditional,
    };
    PlanResourcesResponse {
        kind: kind.into(),
        filter: Some(filter(plan.filter)),
        missing_keys: plan.missing_keys,
        revision: revision.to_owned(),
    }
}

/// The filter as the wire writes it.
pub(crate) fn filter(filter: Filter) -> PlanFilter {
    use plan_filter::Node;
    let list = |parts: Vec<Filter>| PlanFilterList {
        filters: parts.into_iter().map(self::filter).collect(),
    };
    let node = match filter {
        Filter::True => Node::Constant(true),
        Filter::False => Node::Constant(false),
        Filter::Like(glob) => Node::Like(glob),
        Filter::Not(inner) => Node::Not(Box::new(self::filter(*inner))),
        Filter::And(parts) => Node::All(list(parts)),
        Filter::Or(parts) => Node::Any(list(parts)),
        Filter::Context { key, value } => Node::Context(condition(key, value)),
    };
    PlanFilter { node: Some(node) }
}

fn condition(key: String, value: CaseValue) -> PlanCondition {
    use plan_condition::Value;
    let value = match value {
        CaseValue::Absent => Value::Absent(true),
        CaseValue::Equals(text) => Value::Equals(text),
        CaseValue::NoneOf(values) => Value::NoneOf(StringList { values }),
        CaseValue::Matches { like, not_like } => Value::Matches(GlobClass { like, not_like }),
        CaseValue::Number(n) => Value::Number(n),
        CaseValue::Between { above, below } => Value::Between(NumberRange { above, below }),
        CaseValue::NotANumber => Value::NotANumber(true),
        CaseValue::Bool(b) => Value::Boolean(b),
        CaseValue::NotABool => Value::NotABoolean(true),
    };
    PlanCondition {
        key,
        value: Some(value),
    }
}
