//! `tollgate-client`: what an application needs to ask a tollgate sidecar
//! for decisions safely.
//!
//! - **Connections** ([`Target`]): loopback TCP (`http://127.0.0.1:50051`)
//!   or a pod-local Unix socket (`unix:/run/tollgate/grpc.sock`); one
//!   HTTP/2 connection per [`Client`], re-established by tonic after a
//!   failure. Clones share it.
//! - **Deadlines**: every [`Client::authorize`] has one
//!   ([`ClientConfig::deadline`]), sent as `grpc-timeout` and enforced here
//!   too, retries included.
//! - **Retries only where safe**: a call is tried again only when the server
//!   did not answer it with a decision and said so (`UNAVAILABLE`: no
//!   connection, no revision loaded yet; `RESOURCE_EXHAUSTED`: refused by
//!   `max-in-flight` before it was evaluated), with backoff, within the
//!   deadline. A decision, once received, is final and never asked again;
//!   every failure is an `Err`, never an answer; and only
//!   [`Decision::Allowed`] allows ([`Answer::is_allowed`]) — an unknown
//!   decision value from a newer server denies.
//! - **Coalescing** (optional, [`Coalescing`]): concurrent `authorize`
//!   calls arriving within a few microseconds of each other are sent as one
//!   `AuthorizeBatch`, which costs the sidecar (and the caller) one call's
//!   overhead instead of N (`benches/coalesce.rs`). A batch refused as a
//!   whole for one malformed request is retried one request at a time, so
//!   each caller gets its own answer or error.
//!
//! | module | does |
//! | --- | --- |
//! | `target` | where the sidecar listens, parsed |
//! | `client` | the client: connection, deadline, retries |
//! | `coalesce` | the coalescing task |
//! | `answer` | decisions as the application sees them |
//! | `error` | what can fail |

mod answer;
mod client;
mod coalesce;
mod error;
mod target;

pub use answer::{Answer, Decision};
pub use client::{Client, ClientConfig, Coalescing};
pub use error::ClientError;
pub use target::Target;
pub use tollgate_proto::v1::AuthorizeRequest;
