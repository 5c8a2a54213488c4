//! Reading files and walking folders that may be hostile: the one mechanism
//! the store folder, the published-store cache, `tollgate publish` and the
//! server's change fingerprint use, so none of them can be made to block,
//! to read without bound or to walk forever.
//!
//! - [`read_regular`] reads one regular file, at most a given number of
//!   bytes. It opens without blocking (`O_NONBLOCK`, so a FIFO with no
//!   writer cannot stall the open), checks the type of the *opened* file
//!   (no race between a `stat` and the `open`), and counts the bytes it
//!   actually reads, so a file whose metadata lies about its size
//!   (`/dev/zero`, `/proc`) is refused at the limit.
//! - [`walk`] visits every entry below a folder, following symbolic links
//!   (a Kubernetes ConfigMap volume is links into a hidden `..data`
//!   folder), detecting folder cycles by device and inode, and bounded in
//!   depth, entries examined and time ([`WalkLimits`]).

mod read;
mod walk;

pub use read::{FileError, read_regular, type_name};
pub use walk::{EntryKind, WalkEntry, WalkError, WalkLimits, walk};
