//! Load progress in the log: a store that takes more than
//! [`FIRST_REPORT`] to read and compile gets an `info` line then, and one
//! every [`REPORT_EVERY`] after, saying how many files were read and
//! statements compiled so far (from [`tollgate_store::progress`]), and a
//! last line with the totals and the time once it is done. A large store
//! loading at start-up is then never a silent wait.

use std::time::{Duration, Instant};

use tollgate_store::progress::{LoadProgress, ProgressCounts};
use tracing::info;

use super::Cause;
use super::thread::{ReloadThread, ThreadGone};

/// How long a load runs before its progress is logged.
pub const FIRST_REPORT: Duration = Duration::from_secs(1);

/// How often the progress of a long load is logged after the first line.
pub const REPORT_EVERY: Duration = Duration::from_secs(5);

/// Runs `work` (a store load) on `thread`, counting its progress and
/// logging it while it runs longer than [`FIRST_REPORT`].
pub(crate) async fn run_logged<T: Send + 'static>(
    thread: &ReloadThread,
    cause: Cause,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ThreadGone> {
    let progress = LoadProgress::new();
    let counted = progress.clone();
    let started = Instant::now();
    let load = thread.run(move || {
        let _watch = LoadProgress::watch(&counted);
        work()
    });
    tokio::pin!(load);
    let mut next = tokio::time::Instant::now() + FIRST_REPORT;
    let mut reported = false;
    let result = loop {
        tokio::select! {
            result = &mut load => break result,
            () = tokio::time::sleep_until(next) => {
                reported = true;
                log_progress(cause, "loading the store", progress.counts(), started);
                next += REPORT_EVERY;
            }
        }
    };
    if reported {
        log_progress(cause, "store read and compiled", progress.counts(), started);
    }
    result
}

fn log_progress(cause: Cause, message: &'static str, counts: ProgressCounts, started: Instant) {
    let ProgressCounts {
        files,
        bytes,
        statements,
    } = counts;
    let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    info!(
        %cause,
        files_read = files,
        bytes_read = bytes,
        statements_compiled = statements,
        elapsed_ms,
        "{message}"
    );
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::Arc;
    use std::sync::Mutex;

    use super::*;
    use crate::reload::ReloadPrioritySetting;

    /// Collects what the subscriber writes.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    async fn logged(work: impl FnOnce() -> usize + Send + 'static) -> (usize, String) {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let _default = tracing::subscriber::set_default(subscriber);
        let thread = ReloadThread::start(ReloadPrioritySetting::Normal);
        let result = run_logged(&thread, Cause::Startup, work).await.unwrap();
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        (result, text)
    }

    fn load_example() -> usize {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/data/store/example"
        );
        let store = tollgate_store::Store::load_dir(dir).unwrap();
        store.stats().statements
    }

    #[tokio::test]
    async fn a_load_longer_than_a_second_logs_files_read_and_statements_compiled() {
        let (statements, log) = logged(|| {
            let statements = load_example();
            std::thread::sleep(FIRST_REPORT + Duration::from_millis(200));
            statements
        })
        .await;
        assert!(statements > 0);
        let lines: Vec<&str> = log.lines().collect();
        assert_eq!(lines.len(), 2, "{log}");
        assert!(lines[0].contains("loading the store"), "{log}");
        assert!(lines[1].contains("store read and compiled"), "{log}");
        for line in lines {
            assert!(line.contains("cause=startup"), "{log}");
            assert!(!line.contains("files_read=0"), "{log}");
            assert!(line.contains("statements_compiled="), "{log}");
            assert!(!line.contains("statements_compiled=0 "), "{log}");
        }
    }

    #[tokio::test]
    async fn a_quick_load_logs_nothing() {
        let (statements, log) = logged(load_example).await;
        assert!(statements > 0);
        assert_eq!(log, "");
    }
}
