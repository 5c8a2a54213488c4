//! The policy store: a folder that holds one AWS account's or a whole
//! organization's IAM state (users, groups, roles, managed and inline
//! policies, boundaries, trust and resource policies, the organization tree
//! with its SCPs and RCPs), loaded all or nothing and compiled into one
//! [`Tables`](tollgate_compiler::Tables). A request is answered by picking the
//! groups that apply to its principal, their accounts and its resource.
//!
//! `docs/policy-store.md` describes the folder layout and file formats.
//!
//! - [`Store::load_dir`] and [`Store::from_files`] load a store; a store with
//!   any fault does not load, and [`StoreError`] lists every fault with its
//!   file and JSON path. [`Store::warnings`] keeps what did not stop loading.
//! - [`Store::decide`] answers fast; [`Store::evaluate`] also lists the
//!   statements that decided, labelled by where they are in the store.
//! - [`progress::LoadProgress`] counts what a load running on another
//!   thread has done (files read, statements compiled).
//! - [`compile_session_policies`] compiles the session policies a request
//!   brings.
//! - [`Store::revision`] is a content hash ([`revision_of`] computes it from
//!   the files alone); [`Store::stats`] gives sizes.
//!
//! ```
//! use tollgate_policy::{DecisionKind, Request, RequestPrincipal};
//! use tollgate_store::Store;
//!
//! let store = Store::embedded_example().unwrap();
//! let alice = RequestPrincipal::parse("arn:aws:iam::111122223333:user/alice").unwrap();
//! let request = Request::new(alice, "s3:GetObject", "arn:aws:s3:::example-photos/cat.jpg");
//! assert_eq!(store.decide(&request, None).kind, DecisionKind::Allowed);
//! ```

// On the decision path: no panicking index or placeholder (tests may index,
// clippy.toml).
#![deny(
    clippy::indexing_slicing,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented
)]

mod answer;
mod builtin;
mod catalog;
mod compile;
mod document;
mod eager;
mod error;
mod example;
pub mod files;
mod folder;
pub mod import;
mod inventory;
mod json;
mod layout;
mod limits;
mod model;
pub mod progress;
mod read;
mod resolve;
mod revision;
mod session;
mod store;
mod store_view;
mod validation;

pub use answer::{Answer, Reason};
pub use catalog::{aws_managed_policy_count, deprecated_aws_managed_policy_count};
pub use error::{FaultKind, StoreError, StoreFault, StoreFaults, StoreWarning};
pub use inventory::{
    Inventory, InventoryAccount, InventoryKind, InventoryPolicy, InventoryPrincipal,
    InventoryResource,
};
pub use limits::StoreLimits;
/// The revision of a store's files without loading them: the lowercase hex
/// SHA-256 over every `(path, bytes)` pair in path order, each prefixed by
/// its length. Equal to [`Store::revision`] of the store loaded from the
/// same files, so a store published elsewhere (`tollgate-bundle`'s
/// manifest) names the revision a sidecar serving it reports.
pub use revision::revision as revision_of;
pub use session::{SessionPolicy, compile_session_policies};
pub use store::{Store, StoreStats};
pub use store_view::{GroupParts, StorePrincipal};
pub use tollgate_engine::SessionTables;
