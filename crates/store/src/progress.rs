//! Load progress: counters a caller can read from another thread while a
//! store loads, so a server can say what a long load is doing (files read,
//! statements compiled) instead of going quiet.
//!
//! [`LoadProgress::watch`] makes a [`LoadProgress`] the one the loader
//! counts into on the current thread until the returned guard drops; the
//! loader calls [`file_read`] and [`statements_compiled`] as it goes, which
//! cost one thread-local look-up and do nothing when no one watches.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// What a load has done so far; shared between the loading thread and its
/// readers.
#[derive(Debug, Default)]
pub struct LoadProgress {
    files: AtomicU64,
    bytes: AtomicU64,
    statements: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProgressCounts {
    /// Store files read.
    pub files: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Policy statements compiled (a statement counts once per group that
    /// holds it).
    pub statements: u64,
}

impl LoadProgress {
    /// Fresh counters, all zero.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The counters now.
    pub fn counts(&self) -> ProgressCounts {
        ProgressCounts {
            files: self.files.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            statements: self.statements.load(Ordering::Relaxed),
        }
    }

    /// Counts the loads run on this thread into `progress` until the guard
    /// drops (the watch in place before is restored then).
    pub fn watch(progress: &Arc<Self>) -> ProgressGuard {
        let previous = CURRENT.with(|current| current.replace(Some(progress.clone())));
        ProgressGuard { previous }
    }
}

/// Ends a [`LoadProgress::watch`] when dropped.
#[derive(Debug)]
#[must_use = "the watch ends when the guard drops"]
pub struct ProgressGuard {
    previous: Option<Arc<LoadProgress>>,
}

impl Drop for ProgressGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|current| *current.borrow_mut() = previous);
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<LoadProgress>>> = const { RefCell::new(None) };
}

fn with_current(f: impl FnOnce(&LoadProgress)) {
    CURRENT.with(|current| {
        if let Some(progress) = current.borrow().as_deref() {
            f(progress);
        }
    });
}

/// The loader read one file of `bytes` bytes.
pub(crate) fn file_read(bytes: usize) {
    with_current(|p| {
        p.files.fetch_add(1, Ordering::Relaxed);
        p.bytes
            .fetch_add(u64::try_from(bytes).unwrap_or(u64::MAX), Ordering::Relaxed);
    });
}

/// The compiler compiled `n` more statements.
pub(crate) fn statements_compiled(n: usize) {
    with_current(|p| {
        p.statements
            .fetch_add(u64::try_from(n).unwrap_or(u64::MAX), Ordering::Relaxed);
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    #[test]
    fn a_watched_load_counts_files_and_statements_and_stops_counting_after() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/data/store/example"
        );
        let files = Store::read_dir_files(dir, &crate::StoreLimits::default())
            .unwrap()
            .len();
        let progress = LoadProgress::new();
        {
            let _watch = LoadProgress::watch(&progress);
            Store::load_dir(dir).unwrap();
        }
        let counts = progress.counts();
        assert_eq!(counts.files, files as u64);
        assert!(counts.bytes > 1000, "{counts:?}");
        assert!(counts.statements >= 10, "{counts:?}");

        // Not watched any more: nothing is counted.
        Store::load_dir(dir).unwrap();
        assert_eq!(progress.counts(), counts);
    }
}
