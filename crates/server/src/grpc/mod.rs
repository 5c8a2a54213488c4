//! The gRPC edge: `tollgate.v1.Authorizer` over the serving
//! [`PolicyState`](crate::state::PolicyState), with the standard health and
//! reflection services beside it.
//!
//! The runtime calls [`services`] once and adds the returned
//! [`GrpcServices::routes`] to its tonic server; it keeps
//! [`GrpcServices::health`] to report readiness. Protobuf stays here:
//! `tollgate_wire` reads wire requests into domain types and writes answers
//! back.
//!
//! | module | does |
//! | --- | --- |
//! | `authorizer` | the four RPCs, one snapshot load each |
//! | [`ext_authz`] | Envoy's `Authorization/Check` through the mesh mapping |
//! | `decide` | one question against a snapshot: fast or explained |
//! | `session` | a request's session policies, compiled for it |
//! | `plan` | `PlanResources`: a resource plan as a filter |
//! | `simulate` | one scenario of the simulate contract |
//! | `status` | `GetPolicyStatus` |
//! | [`stream`] | `AuthorizeStream`: questions tagged with ids, answered as they are decided |
//! | `guard` | overload, deadlines and request size limits |
//! | [`edge`] | admission and the deadline from a call's HEADERS, before decoding |
//! | `observe` | the RPC and decision metrics |
//! | `services` | routes, health and reflection |

mod authorizer;
mod decide;
pub mod edge;
pub mod ext_authz;
pub(crate) mod guard;
mod observe;
mod plan;
mod services;
mod session;
mod simulate;
mod status;
pub mod stream;

pub use authorizer::{AuthorizerService, INLINE_BATCH, NOT_LOADED, REQUEST_ID_HEADER};
pub use edge::{Edge, EdgeSettings};
pub use ext_authz::ExtAuthzService;
pub use services::{
    GrpcServices, HEALTH_SERVICE_NAMES, HealthHandle, ServiceOptions, ServicesError, services,
    services_with,
};
pub use stream::{MISSING_REQUEST, STREAM_WINDOW};
