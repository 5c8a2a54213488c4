//! `docs/evaluation.md`, "Which policies take part" and "The decision".

use tollgate_policy::arn::Arn;
use tollgate_policy::{
    AllowFacts, Decision, DecisionKind, DecisiveStatement, Effect, Explanation, Grant, NamedPolicy,
    OrgLevel, PolicySet, PrincipalKind, Request, Statement,
};

use crate::principal::Strength;
use crate::statement::applies;

/// The role a policy plays in the set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// An identity-based policy.
    Identity,
    /// The permissions boundary.
    Boundary,
    /// A session policy.
    Session,
    /// An SCP of the given level (0 = root).
    ServiceControl(usize),
    /// An RCP of the given level (0 = root; RCPs only deny).
    ResourceControl(usize),
    /// The resource-based policy.
    Resource,
}

/// A statement that applies to the request, with where it comes from.
#[derive(Debug, Clone, Copy)]
struct Applicable<'a> {
    role: Role,
    policy: &'a NamedPolicy,
    index: usize,
    statement: &'a Statement,
    strength: Strength,
}

impl Applicable<'_> {
    /// The statement as answers list it; SCP and RCP statements name their
    /// level by its index (a policy set knows no level names).
    fn decisive(&self) -> DecisiveStatement {
        let level = match self.role {
            Role::ServiceControl(index) | Role::ResourceControl(index) => {
                Some(OrgLevel { index, name: None })
            }
            _ => None,
        };
        DecisiveStatement {
            policy: self.policy.label.clone(),
            index: self.index,
            sid: self.statement.sid.clone(),
            effect: self.statement.effect,
            level,
        }
    }
}

/// "Which policies take part": SCP statements take part only for principals
/// subject to SCPs — IAM users, role sessions, federated users and account
/// roots — except service-linked roles (Organizations User Guide: "SCPs do
/// not affect any service-linked role").
fn subject_to_scps(request: &Request) -> bool {
    let principal = request.principal();
    matches!(
        principal.kind(),
        PrincipalKind::User
            | PrincipalKind::AssumedRole
            | PrincipalKind::FederatedUser
            | PrincipalKind::Root
    ) && !is_service_linked_role(request)
}

/// The IAM path every service-linked role has.
const SERVICE_LINKED_ROLE_PATH: &str = "/aws-service-role/";

/// True when the principal is a service-linked role: a role given by its ARN
/// (an unnamed session of it) whose path is `/aws-service-role/`. A session
/// ARN (`assumed-role/NAME/SESSION`) does not carry the role's path, so only
/// the role ARN tells.
fn is_service_linked_role(request: &Request) -> bool {
    let principal = request.principal();
    if principal.kind() != PrincipalKind::AssumedRole || principal.session_name().is_some() {
        return false;
    }
    let Some(arn) = principal.role_arn().and_then(Arn::parse) else {
        return false;
    };
    arn.service == "iam"
        && arn
            .resource
            .strip_prefix("role")
            .is_some_and(|path| path.starts_with(SERVICE_LINKED_ROLE_PATH))
}

/// "Which policies take part": every policy of the set, in canonical order
/// (identity policies, boundary, session policies, SCP levels root first, RCP
/// levels, resource policy), except SCPs for principals not subject to them.
pub(crate) fn policies_taking_part<'a>(
    policies: &'a PolicySet,
    request: &Request,
) -> Vec<(Role, &'a NamedPolicy)> {
    let mut taking_part: Vec<(Role, &NamedPolicy)> = Vec::new();
    taking_part.extend(policies.identity.iter().map(|p| (Role::Identity, p)));
    taking_part.extend(
        policies
            .permissions_boundary
            .iter()
            .map(|p| (Role::Boundary, p)),
    );
    taking_part.extend(
        policies
            .session
            .iter()
            .flatten()
            .map(|p| (Role::Session, p)),
    );
    if subject_to_scps(request) {
        for (level, scps) in policies.service_control.iter().enumerate() {
            taking_part.extend(scps.iter().map(|p| (Role::ServiceControl(level), p)));
        }
    }
    for (level, rcps) in policies.resource_control.iter().enumerate() {
        taking_part.extend(rcps.iter().map(|p| (Role::ResourceControl(level), p)));
    }
    taking_part.extend(policies.resource.iter().map(|p| (Role::Resource, p)));
    taking_part
}

/// Every applicable statement of the policies that take part, in canonical
/// order: policy order, then statement order. `has_boundary`: the set has a
/// permissions boundary.
fn applicable_statements<'a>(
    taking_part: &[(Role, &'a NamedPolicy)],
    request: &Request,
    has_boundary: bool,
) -> Vec<Applicable<'a>> {
    let mut out = Vec::new();
    for (role, policy) in taking_part {
        for (index, statement) in policy.document.statements.iter().enumerate() {
            if let Some(strength) = applies(statement, request, has_boundary) {
                out.push(Applicable {
                    role: *role,
                    policy,
                    index,
                    statement,
                    strength,
                });
            }
        }
    }
    out
}

/// The applicable statements with the given effect, in canonical order.
fn with_effect<'a, 'b>(
    applicable: &'b [Applicable<'a>],
    effect: Effect,
) -> Vec<&'b Applicable<'a>> {
    applicable
        .iter()
        .filter(|a| a.statement.effect == effect)
        .collect()
}

/// Step 1, **explicit deny**: any applicable `Deny` statement among the
/// policies that take part → `explicitDeny`, decisive = all of them.
fn explicit_deny(applicable: &[Applicable<'_>]) -> Option<Decision> {
    let denies = with_effect(applicable, Effect::Deny);
    (!denies.is_empty()).then(|| Decision {
        kind: DecisionKind::ExplicitDeny,
        decisive: denies.iter().map(|a| a.decisive()).collect(),
        explanation: None,
    })
}

/// True when some applicable `Allow` statement comes from a policy whose role
/// satisfies `role`.
fn some_allow(allows: &[&Applicable<'_>], role: impl Fn(Role) -> bool) -> bool {
    allows.iter().any(|a| role(a.role))
}

/// Step 2, `identity`: the principal is an account root, or some identity
/// policy statement applies with `Allow`.
fn identity_allows(request: &Request, allows: &[&Applicable<'_>]) -> bool {
    request.principal().kind() == PrincipalKind::Root || some_allow(allows, |r| r == Role::Identity)
}

/// Step 2, `boundary`: no boundary, or some boundary statement applies with `Allow`.
fn boundary_allows(policies: &PolicySet, allows: &[&Applicable<'_>]) -> bool {
    policies.permissions_boundary.is_none() || some_allow(allows, |r| r == Role::Boundary)
}

/// Step 2, `session`: no session policies given (and the principal is not a
/// federated user), or some session policy statement applies with `Allow`.
fn session_allows(policies: &PolicySet, request: &Request, allows: &[&Applicable<'_>]) -> bool {
    let none_given =
        policies.session.is_none() && request.principal().kind() != PrincipalKind::FederatedUser;
    none_given || some_allow(allows, |r| r == Role::Session)
}

/// Step 2, `scp`: not subject to SCPs, or every SCP level has an applicable
/// `Allow` (an empty level allows nothing).
fn scps_allow(policies: &PolicySet, request: &Request, allows: &[&Applicable<'_>]) -> bool {
    !subject_to_scps(request)
        || (0..policies.service_control.len())
            .all(|level| some_allow(allows, |r| r == Role::ServiceControl(level)))
}

/// Step 2, `grant`: the strongest strength of the applicable `Allow`
/// statements of the resource policy (none when there is none).
fn resource_grant(allows: &[&Applicable<'_>]) -> Option<Strength> {
    allows
        .iter()
        .filter(|a| a.role == Role::Resource)
        .map(|a| a.strength)
        .max()
}

/// The role trust actions of step 2, `special`.
const ROLE_TRUST_ACTIONS: &[&str] = &[
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
    "sts:TagSession",
    "sts:SetSourceIdentity",
];

/// Step 2, `trust`: a role trust action on an IAM role ARN
/// (`arn:*:iam::*:role/*`). Actions compare without ASCII case, as
/// everywhere else.
fn is_role_trust_request(request: &Request) -> bool {
    let Some(arn) = Arn::parse(&request.resource) else {
        return false;
    };
    let trust_action = ROLE_TRUST_ACTIONS
        .iter()
        .any(|a| a.eq_ignore_ascii_case(&request.action));
    trust_action && arn.service == "iam" && arn.resource.starts_with("role/")
}

/// Step 2, `special`: the request needs the resource policy whatever the
/// account — `trust`, or any action on a KMS key ARN
/// (`arn:*:kms:*:*:key/*`).
fn needs_resource_policy(request: &Request) -> bool {
    let Some(arn) = Arn::parse(&request.resource) else {
        return false;
    };
    let key = arn.service == "kms" && arn.resource.starts_with("key/");
    is_role_trust_request(request) || key
}

/// The facts of step 2.
#[derive(Debug, Clone, Copy)]
struct Facts {
    boundary: bool,
    session: bool,
    identity_path: bool,
    scp: bool,
    grant: Option<Strength>,
    special: bool,
    trust: bool,
}

/// Step 3: principals that are not IAM identities (services, providers, web
/// identities, anonymous) are allowed when `grant` exists.
fn non_iam_allowed(facts: &Facts) -> bool {
    facts.grant.is_some()
}

/// Step 4: IAM identities, same account — `grant` specific → allowed, but
/// for `trust` only when `boundary` ("Update a role trust policy": a user
/// named in a trust policy whose permissions boundary is set can assume the
/// role only if the boundary allows `sts:AssumeRole`; a named role session
/// is read the same way, its boundary being its role's); `grant` role →
/// `boundary` ∧ `session`; `grant` account → `identity path`; no `grant` →
/// not `special` ∧ `identity path`.
fn same_account_allowed(facts: &Facts) -> bool {
    match facts.grant {
        Some(Strength::Specific) => !facts.trust || facts.boundary,
        Some(Strength::Role) => facts.boundary && facts.session,
        Some(Strength::Account) => facts.identity_path,
        None => !facts.special && facts.identity_path,
    }
}

/// Step 5: IAM identities, different accounts — allowed when `grant` exists
/// and `identity path`.
fn cross_account_allowed(facts: &Facts) -> bool {
    facts.grant.is_some() && facts.identity_path
}

/// Steps 3 to 6: whether the request is allowed, given no explicit deny.
/// First, an IAM principal never reaches a resource of another partition
/// (`Request::crosses_partition`). Step 3, first: an account root never
/// gets `trust` (STS refuses: "Roles may not be assumed by root
/// accounts"), whatever the trust policy says.
/// Step 6: for IAM identities (4 and 5) the answer is allowed only if also
/// `scp`; RCPs allow implicitly at every level.
fn is_allowed(request: &Request, facts: &Facts) -> bool {
    let principal = request.principal();
    if request.crosses_partition() {
        return false;
    }
    if facts.trust && principal.kind() == PrincipalKind::Root {
        return false;
    }
    if !principal.is_iam_identity() {
        return non_iam_allowed(facts);
    }
    let same_account = principal.account() == request.effective_resource_account();
    let allowed = if same_account {
        same_account_allowed(facts)
    } else {
        cross_account_allowed(facts)
    };
    allowed && facts.scp
}

/// "The decision": step 1 (explicit deny), then steps 2 to 7.
pub(crate) fn decide(policies: &PolicySet, request: &Request) -> Decision {
    let taking_part = policies_taking_part(policies, request);
    let has_boundary = policies.permissions_boundary.is_some();
    let applicable = applicable_statements(&taking_part, request, has_boundary);
    if let Some(deny) = explicit_deny(&applicable) {
        return deny;
    }
    let allows = with_effect(&applicable, Effect::Allow);
    let identity = identity_allows(request, &allows);
    let boundary = boundary_allows(policies, &allows);
    let session = session_allows(policies, request, &allows);
    let facts = Facts {
        boundary,
        session,
        identity_path: identity && boundary && session,
        scp: scps_allow(policies, request, &allows),
        grant: resource_grant(&allows),
        special: needs_resource_policy(request),
        trust: is_role_trust_request(request),
    };
    if is_allowed(request, &facts) {
        allowed(&allows)
    } else {
        implicit_deny(crate::explain::explain(
            &taking_part,
            request,
            has_boundary,
            &allow_facts(policies, request, &facts, &allows),
        ))
    }
}

/// The facts of step 2 as explanations read them.
fn allow_facts(
    policies: &PolicySet,
    request: &Request,
    facts: &Facts,
    allows: &[&Applicable<'_>],
) -> AllowFacts {
    let principal = request.principal();
    let scp_failing = if subject_to_scps(request) {
        (0..policies.service_control.len())
            .filter(|level| !some_allow(allows, |r| r == Role::ServiceControl(*level)))
            .map(|index| OrgLevel { index, name: None })
            .collect()
    } else {
        Vec::new()
    };
    AllowFacts {
        iam_identity: principal.is_iam_identity(),
        root: principal.kind() == PrincipalKind::Root,
        identity: some_allow(allows, |r| r == Role::Identity),
        boundary: facts.boundary,
        session: facts.session,
        scp_failing,
        grant: facts.grant.map(|g| match g {
            Strength::Account => Grant::Account,
            Strength::Role => Grant::Role,
            Strength::Specific => Grant::Specific,
        }),
        trust: facts.trust,
        key: facts.special && !facts.trust,
        same_account: principal.account() == request.effective_resource_account(),
        other_partition: request.crosses_partition(),
    }
}

/// Step 7: `allowed` → decisive = every applicable `Allow` statement of the
/// policies that take part, in canonical order.
fn allowed(allows: &[&Applicable<'_>]) -> Decision {
    Decision {
        kind: DecisionKind::Allowed,
        decisive: allows.iter().map(|a| a.decisive()).collect(),
        explanation: None,
    }
}

/// Step 7: otherwise `implicitDeny` with no decisive statements, explained.
fn implicit_deny(explanation: Explanation) -> Decision {
    Decision {
        kind: DecisionKind::ImplicitDeny,
        decisive: Vec::new(),
        explanation: Some(explanation),
    }
}
