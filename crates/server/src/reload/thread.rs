//! The reload thread: one dedicated OS thread per [`Reloader`](super::Reloader),
//! at the lowest CPU priority the OS allows ([`super::priority`]), where
//! stores are read, compiled and freed. Nothing of a reload's heavy work
//! runs on the Tokio workers that serve requests.
//!
//! A replaced snapshot is *retired* here rather than dropped: the thread
//! keeps the reference the swap handed back and frees the snapshot itself
//! once it holds the last reference (it polls `Arc::strong_count` every
//! [`RETIRED_POLL`]), so a request that still read the old revision only
//! lets go of its reference and never frees hundreds of MiB on the request
//! path. The wait is bounded: after [`RETIRED_LIMIT`] the thread lets go
//! too (logged at `warn`) and the last holder frees it.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use tracing::{debug, info, warn};

use super::priority::{ReloadPriority, ReloadPrioritySetting, lower_current_thread};

/// The name of the reload thread.
pub const RELOAD_THREAD_NAME: &str = "tollgate-reload";

/// How often the thread checks whether retired snapshots are released.
pub(super) const RETIRED_POLL: Duration = Duration::from_millis(5);

/// How long a retired snapshot is held for its readers at most.
pub(super) const RETIRED_LIMIT: Duration = Duration::from_secs(60);

/// Work for the thread.
enum Job {
    /// Run this closure.
    Run(Box<dyn FnOnce() + Send>),
    /// Free this value once the thread holds its last reference.
    Retire(Box<dyn Retired>),
}

/// A value waiting to be freed on the reload thread.
trait Retired: Send {
    /// True when the thread holds the only reference.
    fn only_holder(&self) -> bool;
}

impl<T: Send + Sync> Retired for Arc<T> {
    fn only_holder(&self) -> bool {
        Arc::strong_count(self) == 1
    }
}

/// The running reload thread; it ends (after freeing what it retired, or
/// after [`RETIRED_LIMIT`]) once every handle is dropped.
#[derive(Debug)]
pub(crate) struct ReloadThread {
    /// `None` when the thread could not be started: work then runs on
    /// Tokio's blocking pool at normal priority.
    jobs: Option<Sender<Job>>,
    priority: Arc<OnceLock<ReloadPriority>>,
}

/// A job on the reload thread did not answer: it panicked (the message
/// says where), or the thread was gone.
#[derive(Debug, thiserror::Error)]
#[error("the reload thread stopped: {0}")]
pub(crate) struct ThreadGone(String);

impl ReloadThread {
    /// Starts the thread, named [`RELOAD_THREAD_NAME`], at the priority
    /// `setting` asks. If the OS refuses a thread, work runs on Tokio's
    /// blocking pool (logged at `warn`).
    pub(crate) fn start(setting: ReloadPrioritySetting) -> Self {
        let (jobs, receiver) = mpsc::channel();
        let priority = Arc::new(OnceLock::new());
        let reported = Arc::clone(&priority);
        let spawned = std::thread::Builder::new()
            .name(RELOAD_THREAD_NAME.to_owned())
            .spawn(move || serve(&receiver, &reported, setting));
        match spawned {
            Ok(_) => Self {
                jobs: Some(jobs),
                priority,
            },
            Err(error) => {
                warn!(%error, "cannot start the reload thread; reloads run on the blocking pool");
                Self {
                    jobs: None,
                    priority,
                }
            }
        }
    }

    /// The priority the thread runs at, once it has started.
    pub(crate) fn priority(&self) -> Option<ReloadPriority> {
        self.priority.get().copied()
    }

    /// Runs `work` on the reload thread and waits for its result without
    /// blocking the caller's Tokio worker. A panic in `work` is returned as
    /// an error; the thread lives on.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ThreadGone> {
        let (answer, answered) = oneshot::channel();
        let job = Job::Run(Box::new(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
                .map_err(|panic| ThreadGone(panic_text(panic.as_ref())));
            // The caller may have gone (its task aborted): nothing to tell.
            let _ = answer.send(result);
        }));
        // No thread: the blocking pool runs it (it answers before it
        // returns).
        if let Err(Job::Run(job)) = self.send(job) {
            tokio::task::spawn_blocking(job)
                .await
                .map_err(|join| ThreadGone(join.to_string()))?;
        }
        answered
            .await
            .map_err(|_| ThreadGone("no answer".to_owned()))?
    }

    /// Frees `value` on the reload thread once the thread holds its last
    /// reference (within [`RETIRED_LIMIT`]).
    pub(crate) fn retire<T: Send + Sync + 'static>(&self, value: Arc<T>) {
        // No thread: free it off the async workers all the same.
        if let Err(job) = self.send(Job::Retire(Box::new(value)))
            && tokio::runtime::Handle::try_current().is_ok()
        {
            tokio::task::spawn_blocking(move || drop(job));
        }
    }

    /// Frees `value` on the reload thread (a compiled store that was not
    /// installed, say).
    pub(crate) fn dispose<T: Send + 'static>(&self, value: T) {
        if let Err(job) = self.send(Job::Run(Box::new(move || drop(value))))
            && tokio::runtime::Handle::try_current().is_ok()
        {
            tokio::task::spawn_blocking(move || drop(job));
        }
    }

    /// Queues `job`; gives it back when there is no thread.
    fn send(&self, job: Job) -> Result<(), Job> {
        let Some(jobs) = &self.jobs else {
            return Err(job);
        };
        jobs.send(job).map_err(|mpsc::SendError(job)| job)
    }
}

/// The thread's loop: lowers its priority, runs jobs in order, and frees
/// retired values once released.
fn serve(
    jobs: &Receiver<Job>,
    priority: &OnceLock<ReloadPriority>,
    setting: ReloadPrioritySetting,
) {
    let lowered = lower_current_thread(setting);
    let _ = priority.set(lowered);
    info!(priority = %lowered, "the reload thread runs (store compiles and frees)");
    let mut retired: Vec<(Box<dyn Retired>, Instant)> = Vec::new();
    let mut open = true;
    while open || !retired.is_empty() {
        let next = if !open {
            std::thread::sleep(RETIRED_POLL);
            Err(RecvTimeoutError::Timeout)
        } else if retired.is_empty() {
            jobs.recv().map_err(|_| RecvTimeoutError::Disconnected)
        } else {
            jobs.recv_timeout(RETIRED_POLL)
        };
        match next {
            Ok(Job::Run(work)) => work(),
            Ok(Job::Retire(value)) => retired.push((value, Instant::now())),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => open = false,
        }
        release(&mut retired, RETIRED_LIMIT);
    }
}

/// Frees the retired values the thread alone holds; lets go of those held
/// `limit` ([`RETIRED_LIMIT`]) or longer.
fn release(retired: &mut Vec<(Box<dyn Retired>, Instant)>, limit: Duration) {
    retired.retain(|(value, since)| {
        let held = since.elapsed();
        if value.only_holder() {
            debug!(
                held_ms = u64::try_from(held.as_millis()).unwrap_or(u64::MAX),
                "replaced store freed on the reload thread"
            );
            false
        } else if held >= limit {
            warn!(
                held_s = held.as_secs(),
                "a replaced store is still in use; its last user frees it"
            );
            false
        } else {
            true
        }
    });
}

/// The message of a panic payload.
fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_owned())
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::Sender;

    use super::*;

    /// Reports the name of the thread that drops it.
    struct DropProbe(Sender<Option<String>>);

    impl Drop for DropProbe {
        fn drop(&mut self) {
            let _ = self
                .0
                .send(std::thread::current().name().map(str::to_owned));
        }
    }

    const WAIT: Duration = Duration::from_secs(10);

    #[test]
    fn a_retired_value_is_freed_on_the_reload_thread_not_by_its_last_user() {
        let (dropped, dropped_by) = mpsc::channel();
        let old = Arc::new(DropProbe(dropped));
        // A request still answering from the old value.
        let request_ref = Arc::clone(&old);
        let (let_go, let_go_rx) = mpsc::channel::<()>();
        let request = std::thread::Builder::new()
            .name("request".to_owned())
            .spawn(move || {
                let_go_rx.recv_timeout(WAIT).unwrap();
                drop(request_ref);
            })
            .unwrap();

        let thread = ReloadThread::start(ReloadPrioritySetting::Idle);
        thread.retire(old);
        // The reload thread polls while the request holds the value; the
        // handle going away does not end the wait.
        std::thread::sleep(RETIRED_POLL * 4);
        drop(thread);
        assert!(
            dropped_by.try_recv().is_err(),
            "not freed while a request holds it"
        );

        let_go.send(()).unwrap();
        request.join().unwrap();
        let by = dropped_by.recv_timeout(WAIT).expect("the value is freed");
        assert_eq!(by.as_deref(), Some(RELOAD_THREAD_NAME));
    }

    #[test]
    fn a_value_held_past_the_limit_is_let_go_and_its_last_user_frees_it() {
        let (dropped, dropped_by) = mpsc::channel();
        let old = Arc::new(DropProbe(dropped));
        let request_ref = Arc::clone(&old);
        let mut retired: Vec<(Box<dyn Retired>, Instant)> = vec![(Box::new(old), Instant::now())];
        release(&mut retired, RETIRED_LIMIT);
        assert_eq!(retired.len(), 1, "held for its reader within the limit");
        release(&mut retired, Duration::ZERO);
        assert!(retired.is_empty(), "let go past the limit");
        assert!(dropped_by.try_recv().is_err());
        drop(request_ref);
        let by = dropped_by.recv_timeout(WAIT).unwrap();
        assert_ne!(by.as_deref(), Some(RELOAD_THREAD_NAME));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn work_runs_on_the_reload_thread_at_its_lowered_priority() {
        let thread = ReloadThread::start(ReloadPrioritySetting::Idle);
        let (name, priority) = thread
            .run(|| {
                let name = std::thread::current().name().map(str::to_owned);
                #[cfg(target_os = "linux")]
                let priority = Some(super::super::priority::current_thread_priority());
                #[cfg(not(target_os = "linux"))]
                let priority: Option<ReloadPriority> = None;
                (name, priority)
            })
            .await
            .unwrap();
        assert_eq!(name.as_deref(), Some(RELOAD_THREAD_NAME));
        // The thread lowered itself before its first job.
        let lowered = thread.priority().expect("set before the first job");
        if cfg!(target_os = "linux") {
            assert_ne!(
                lowered,
                ReloadPriority::Normal,
                "Linux lets a thread lower itself"
            );
            assert_eq!(
                priority,
                Some(lowered),
                "the OS reports the lowered priority"
            );
        }
        // A compiled value not installed is freed there too.
        let (dropped, dropped_by) = mpsc::channel();
        thread.dispose(DropProbe(dropped));
        let by = dropped_by.recv_timeout(WAIT).unwrap();
        assert_eq!(by.as_deref(), Some(RELOAD_THREAD_NAME));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_panic_in_work_is_an_error_and_the_thread_lives_on() {
        let thread = ReloadThread::start(ReloadPrioritySetting::Idle);
        let failed = thread.run(|| -> u32 { panic!("compiler bug") }).await;
        let error = failed.unwrap_err().to_string();
        assert!(error.contains("compiler bug"), "{error}");
        assert_eq!(thread.run(|| 7).await.unwrap(), 7);
    }
}
