//! Policy stores in object storage: publish a store folder to S3, an
//! S3-compatible server, Google Cloud Storage, Azure Blob Storage or a local
//! folder, and fetch it from there, one complete and verified revision at a
//! time. Every backend goes through the `object_store` crate.
//!
//! # Layout under the location's prefix
//!
//! ```text
//! PREFIX/
//! ├── objects/sha256/<hex>    one immutable object per distinct file content, named by its SHA-256
//! ├── signatures/sha256/<hex> optional: the Ed25519 signature of the manifest with that SHA-256
//! └── manifest.json           the revision: every file's path, SHA-256 and size; written last
//! ```
//!
//! [`Manifest`] describes `manifest.json` (format 1). Its `revision` is
//! [`tollgate_store::revision_of`] of the files, which is the
//! [`Store::revision`](tollgate_store::Store::revision) a sidecar serving
//! them reports.
//!
//! # API
//!
//! - [`Location::parse`]`(url, &`[`LocationOptions`]`) -> Result<Location, BundleError>`
//!   for `s3://BUCKET/PREFIX`, `gs://`, `az://` / `azure://`,
//!   `file:///ABSOLUTE/PATH`; credentials from the environment
//!   (`AWS_*`, `GOOGLE_*`, `AZURE_*`); [`Location::new`] wraps any
//!   `Arc<dyn ObjectStore>` and prefix.
//! - [`publish`]`(dir: &Path, &Location, &`[`PublishOptions`]`) -> Result<`[`PublishReport`]`, BundleError>`:
//!   refuses a store that does not load ([`BundleError::Invalid`]), uploads
//!   the missing objects, then writes the manifest conditionally on the one
//!   it read; a concurrent publish loses with [`BundleError::Conflict`].
//! - [`Fetcher::new`]`(Location, `[`FetchOptions`]`)`, then
//!   [`Fetcher::poll`]`(&mut self) -> Result<`[`PollOutcome`]`, BundleError>`:
//!   [`PollOutcome::Unchanged`] or [`PollOutcome::Updated`]`(`[`Fetched`]`)`
//!   with the files for [`Store::from_files`](tollgate_store::Store::from_files).
//!   Any error leaves the fetcher as it was: keep the current revision,
//!   poll again later. [`Fetcher::resume`] starts from a cached revision.
//! - Signing ([`SignKey`], [`VerifyKey`], [`TrustedKeys`], PEM key files):
//!   [`PublishOptions::sign_key`] signs the manifest;
//!   [`Fetcher::require_signatures`] refuses a revision not signed by a
//!   trusted key ([`BundleError::Signature`]); [`Fetched::verify`] checks a
//!   cached revision. See the `signing` module docs for what is signed.
//! - [`cache::write`]`(dir, &Fetched)` and
//!   [`cache::read`]`(dir) -> Result<Option<Fetched>, BundleError>`: the last
//!   good revision on local disk, written atomically, verified when read.
//!
//! # Requests
//!
//! One `object_store` call is one HTTP request on the cloud backends (the
//! backends retry transient failures on their own).
//!
//! | operation | requests |
//! |---|---|
//! | poll, unchanged | 1: `GET manifest.json` with `If-None-Match` (304) |
//! | poll, changed | 1 `GET manifest.json` + 1 `GET` per distinct new digest |
//! | first poll | 1 + 1 `GET` per distinct digest |
//! | publish, already published or dry run | 1 `GET manifest.json` |
//! | publish | 1 `GET manifest.json` + 1 `PUT` per distinct digest the published manifest lacks + 1 conditional `PUT manifest.json` (+1 `GET` on a conflict) |
//!
//! # Notes
//!
//! - The futures of [`Fetcher::poll`] and [`publish`] are `Send`: spawn them
//!   on any Tokio runtime (the cloud backends need Tokio's I/O and time
//!   drivers). [`publish`] reads and compiles the folder on a blocking
//!   thread; [`cache::read`] and [`cache::write`] are blocking calls.
//! - An S3-compatible server must support conditional `PutObject`:
//!   `If-None-Match: *` (objects, first manifest) and `If-Match: ETAG`
//!   (later manifests), as AWS S3 does. A server that ignores
//!   `If-None-Match` on objects is harmless (same name, same bytes); one
//!   that ignores `If-Match` loses the protection against concurrent
//!   publishes.
//! - Every check a fetcher makes is repeated by [`cache::read`]: a revision
//!   is only ever handed out complete and verified.
//!
//! # Example
//!
//! ```
//! use std::sync::Arc;
//!
//! use object_store::memory::InMemory;
//! use object_store::path::Path;
//! use tollgate_bundle::{
//!     FetchOptions, Fetcher, Location, PollOutcome, PublishOptions, PublishOutcome, publish,
//! };
//! use tollgate_store::Store;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # tokio::runtime::Runtime::new()?.block_on(async {
//! let location = Location::new(Arc::new(InMemory::new()), Path::from("stores/prod"));
//! let folder = std::path::Path::new("../../tests/data/store/example");
//!
//! let report = publish(folder, &location, &PublishOptions::default()).await?;
//! assert_eq!(report.outcome, PublishOutcome::Published);
//!
//! let mut fetcher = Fetcher::new(location, FetchOptions::default());
//! let PollOutcome::Updated(fetched) = fetcher.poll().await? else {
//!     unreachable!("the first poll returns the published revision");
//! };
//! let store = Store::from_files(fetched.files)?;
//! assert_eq!(store.revision(), report.revision);
//! assert_eq!(fetcher.poll().await?, PollOutcome::Unchanged);
//! # Ok::<_, Box<dyn std::error::Error>>(())
//! # })
//! # }
//! ```

pub mod cache;
mod diff;
mod digest;
mod echo;
mod error;
mod fetch;
mod folder;
mod limits;
mod location;
mod manifest;
mod publish;
mod remote;
mod signing;
mod verify;

pub use diff::Diff;
pub use echo::{MAX_ECHO_CHARS, MAX_MESSAGE_CHARS};
pub use error::BundleError;
pub use fetch::{Fetched, Fetcher, PollOutcome};
pub use limits::FetchOptions;
pub use location::{Location, LocationOptions, MANIFEST_NAME, OBJECTS_FOLDER};
pub use manifest::{
    MANIFEST_FORMAT, MAX_PATH_BYTES, MAX_PUBLISHER_CHARS, Manifest, ManifestObject,
};
pub use publish::{DEFAULT_EXPIRES_IN, PublishOptions, PublishOutcome, PublishReport, publish};
pub use remote::published_manifest;
pub use signing::{
    ManifestSignature, SIGNATURE_FORMAT, SIGNATURES_FOLDER, SignKey, TrustedKeys, VerifyKey,
    manifest_digest,
};
