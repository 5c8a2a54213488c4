//! Which compiled groups apply to a request: the identity policies, the
//! permissions boundary, the session policies, the SCP and RCP levels and the
//! resource policy. A scenario's table set gives them by its layout; a policy
//! store picks them per principal and resource. Session policies may come
//! from tables of their own (they arrive with the request).

use tollgate_compiler::{GroupId, TableSet, Tables};
use tollgate_policy::RequestContext;
use tollgate_policy::context::EXTRA_LAYERS;

/// Session policies compiled into tables of their own.
#[derive(Debug, Clone, Copy)]
pub struct SessionTables<'a> {
    /// The tables holding the session policies.
    pub tables: &'a Tables,
    /// Their group.
    pub group: GroupId,
}

/// The groups that apply to one request.
#[derive(Debug, Clone, Copy)]
pub struct Applicable<'a> {
    /// The tables every group below (except the session's) belongs to.
    pub tables: &'a Tables,
    /// The principal's identity policies: one group per policy (a store) or
    /// all of them in one (a scenario), in the order answers list them. Any
    /// allow among them allows; any deny denies.
    pub identity: &'a [GroupId],
    /// The principal's permissions boundary.
    pub permissions_boundary: Option<GroupId>,
    /// The session's policies, when it was given some.
    pub session: Option<SessionTables<'a>>,
    /// SCPs per level of the principal's organization path, root first.
    pub service_control: &'a [GroupId],
    /// RCPs per level of the resource's organization path, root first.
    pub resource_control: &'a [GroupId],
    /// The names of the SCP levels (`r-...`, an OU path, an account id),
    /// parallel to `service_control`, when the caller knows them: decisive
    /// statements name their level by it, else by its index.
    pub service_control_levels: &'a [Box<str>],
    /// The names of the RCP levels, parallel to `resource_control`.
    pub resource_control_levels: &'a [Box<str>],
    /// The principal is (a session of) a service-linked role, which SCPs do
    /// not restrict: a store knows the role's path even when the request
    /// gives a session ARN, which carries none. A role ARN with the path
    /// `/aws-service-role/` given as the principal says so by itself.
    pub service_linked_role: bool,
    /// The resource-based policy.
    pub resource: Option<GroupId>,
    /// Context keys the caller of the engine knows beyond the request and the
    /// principal's ARN (a store's principal tags, organization ids, resource
    /// account keys); the request's own keys win over them.
    pub extra_context: [Option<&'a RequestContext>; EXTRA_LAYERS],
    /// The account that owns the resource when the request does not say:
    /// the caller may know better than the ARN (a store knows bucket
    /// owners), and giving what it already resolved spares parsing the ARN
    /// again. It must agree with the ARN's account when the ARN has one.
    pub resource_account: Option<&'a str>,
}

impl<'a> Applicable<'a> {
    /// The groups of a scenario's table set.
    pub fn of(set: &'a TableSet) -> Self {
        let layout = set.layout();
        Self {
            tables: set.tables(),
            identity: std::slice::from_ref(&layout.identity),
            permissions_boundary: layout.permissions_boundary,
            session: layout.session.map(|group| SessionTables {
                tables: set.tables(),
                group,
            }),
            service_control: &layout.service_control,
            resource_control: &layout.resource_control,
            service_control_levels: &[],
            resource_control_levels: &[],
            service_linked_role: false,
            resource: layout.resource,
            extra_context: [None; EXTRA_LAYERS],
            resource_account: None,
        }
    }
}
