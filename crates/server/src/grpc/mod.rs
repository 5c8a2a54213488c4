//! The gRPC edge: `tollgate.v1.Authorizer` over the serving
//! [`PolicyState`](crate::state::PolicyState), with the standard health and
//! reflection services beside it.
//!
//! The runtime calls [`services`] once and adds the returned
//! [`GrpcServices::routes`] to its tonic server; it keeps
//! [`GrpcServices::health`] to report readiness. Protobuf stays here:
//! [`convert`] reads wire requests into domain types and writes answers back.
//!
//! | module | does |
//! | --- | --- |
//! | [`convert`] | wire ↔ domain, with errors naming the field |
//! | `authorizer` | the four RPCs, one snapshot load each |
//! | `decide` | one question against a snapshot: fast or explained |
//! | `session` | a request's session policies, compiled for it |
//! | `simulate` | one scenario of the simulate contract |
//! | `status` | `GetPolicyStatus` |
//! | `observe` | the RPC and decision metrics |
//! | `services` | routes, health and reflection |

mod authorizer;
pub mod convert;
mod decide;
mod observe;
mod services;
mod session;
mod simulate;
mod status;

pub use authorizer::{AuthorizerService, INLINE_BATCH, NOT_LOADED, REQUEST_ID_HEADER};
pub use services::{
    GrpcServices, HEALTH_SERVICE_NAMES, HealthHandle, ServicesError, services, services_with_audit,
};
