//! The process allocator and its one setting for `serve`.
//!
//! mimalloc rather than the system allocator: a server answering tens of
//! thousands of calls a second allocates and frees small buffers on every
//! one, and glibc's malloc spent about 45% of the server's CPU on an
//! `AuthorizeBatch` load (`loadtest/README.md`, "Profile").
//!
//! By default mimalloc hands freed memory back to the OS a moment after it is
//! freed ("purging"). When a hot reload frees a whole store (hundreds of MiB),
//! those returns change the process's memory map under the threads serving
//! calls, and the calls in flight stall on it: p99.9 went from ~4 ms to
//! ~25 ms during `enterprise` swaps (`docs/performance.md`, "Hot swap").
//! `serve` therefore keeps freed pages for reuse (the next store takes
//! them), by running with `MIMALLOC_PURGE_DELAY=-1` unless the environment
//! sets it. mimalloc reads its options when the process starts, before
//! `main`, so `serve` re-executes itself once with the variable set.

use std::ffi::OsString;

/// mimalloc's purge delay variable.
pub const PURGE_DELAY: &str = "MIMALLOC_PURGE_DELAY";

/// Never purge: freed pages stay with the process for its next store.
const NO_PURGE: &str = "-1";

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// For `serve`: when `MIMALLOC_PURGE_DELAY` is unset, replaces this process
/// (same pid, same arguments) with one that has it set to `-1`. Returns
/// (without re-executing) when it is set, off Unix, or when the exec fails,
/// which is logged: the server then runs with mimalloc's default.
pub fn keep_freed_pages() {
    if std::env::var_os(PURGE_DELAY).is_some() {
        return;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt as _;
        let program = match std::env::current_exe() {
            Ok(program) => program,
            Err(error) => {
                eprintln!(
                    "tollgate serve: cannot find its own executable ({error}); {PURGE_DELAY} stays unset"
                );
                return;
            }
        };
        let arguments: Vec<OsString> = std::env::args_os().skip(1).collect();
        let error = std::process::Command::new(program)
            .args(arguments)
            .env(PURGE_DELAY, NO_PURGE)
            .exec();
        eprintln!(
            "tollgate serve: cannot re-execute with {PURGE_DELAY}={NO_PURGE} ({error}); running with the allocator's default"
        );
    }
}
