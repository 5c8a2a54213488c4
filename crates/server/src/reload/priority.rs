//! The CPU priority of the reload thread: the lowest the OS allows, so the
//! threads that serve requests win the CPU while a store compiles. On Linux
//! the thread runs under `SCHED_IDLE` (below nice 19; a waking request
//! thread always preempts it), else at nice 19; elsewhere at the minimum
//! priority `thread-priority` can set, else at normal priority (logged at
//! `debug`).

use std::fmt;

use tracing::debug;

/// The priority the reload thread runs at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReloadPriority {
    /// Linux `SCHED_IDLE`: runs only on CPU time no other thread wants.
    Idle,
    /// Linux nice 19, the lowest niceness.
    Nice19,
    /// The minimum priority of the OS's normal policy (not Linux).
    Minimum,
    /// Normal priority: the OS refused to lower it.
    Normal,
}

impl fmt::Display for ReloadPriority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReloadPriority::Idle => "SCHED_IDLE",
            ReloadPriority::Nice19 => "nice 19",
            ReloadPriority::Minimum => "minimum",
            ReloadPriority::Normal => "normal",
        })
    }
}

/// Lowers the calling thread's CPU priority as far as the OS allows and
/// says how far it went.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) fn lower_current_thread() -> ReloadPriority {
    use thread_priority::{
        NormalThreadSchedulePolicy, ThreadPriority, ThreadSchedulePolicy,
        set_thread_priority_and_policy, thread_native_id,
    };
    let thread = thread_native_id();
    let idle = set_thread_priority_and_policy(
        thread,
        ThreadPriority::Min,
        ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle),
    );
    let idle_error = match idle {
        Ok(()) => return ReloadPriority::Idle,
        Err(error) => error,
    };
    // `ThreadPriority::Min` under the normal policy is nice 19.
    match set_thread_priority_and_policy(
        thread,
        ThreadPriority::Min,
        ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Other),
    ) {
        Ok(()) => ReloadPriority::Nice19,
        Err(nice_error) => {
            debug!(
                ?idle_error,
                ?nice_error,
                "cannot lower the reload thread's priority; it runs at normal priority"
            );
            ReloadPriority::Normal
        }
    }
}

/// Lowers the calling thread's CPU priority as far as the OS allows and
/// says how far it went.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(super) fn lower_current_thread() -> ReloadPriority {
    match thread_priority::set_current_thread_priority(thread_priority::ThreadPriority::Min) {
        Ok(()) => ReloadPriority::Minimum,
        Err(error) => {
            debug!(
                ?error,
                "cannot lower the reload thread's priority on this OS; it runs at normal priority"
            );
            ReloadPriority::Normal
        }
    }
}

/// The calling thread's priority as the OS reports it (Linux): `Idle` for
/// `SCHED_IDLE`, `Nice19` for the normal policy at nice 19, else `Normal`.
/// Reads the policy back with `pthread_getschedparam` and the niceness from
/// `/proc/thread-self/stat`.
#[cfg(target_os = "linux")]
pub fn current_thread_priority() -> ReloadPriority {
    use thread_priority::{NormalThreadSchedulePolicy, ThreadSchedulePolicy};
    match thread_priority::thread_schedule_policy() {
        Ok(ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle)) => ReloadPriority::Idle,
        Ok(ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Other))
            if current_thread_nice() == Some(19) =>
        {
            ReloadPriority::Nice19
        }
        _ => ReloadPriority::Normal,
    }
}

/// The calling thread's niceness, from `/proc/thread-self/stat` (field 19).
#[cfg(target_os = "linux")]
fn current_thread_nice() -> Option<i32> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // The command name (field 2) is in parentheses and may hold spaces;
    // fields from 3 on follow the last `)`.
    let (_, fields) = stat.rsplit_once(')')?;
    fields.split_whitespace().nth(19 - 3)?.parse().ok()
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_thread_is_lowered_and_reads_back_as_lowered() {
        let before = current_thread_priority();
        let (lowered, read_back, nice) = std::thread::spawn(|| {
            let lowered = lower_current_thread();
            (lowered, current_thread_priority(), current_thread_nice())
        })
        .join()
        .unwrap();
        assert_ne!(
            lowered,
            ReloadPriority::Normal,
            "Linux lets a thread lower itself"
        );
        assert_eq!(lowered, read_back);
        assert!(nice.is_some(), "the niceness is read from /proc");
        // The priority is the thread's own: the test thread keeps its.
        assert_eq!(current_thread_priority(), before);
    }
}
