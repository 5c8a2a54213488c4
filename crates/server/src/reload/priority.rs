//! The CPU priority of the reload thread: by default the lowest the OS
//! allows, so the threads that serve requests win the CPU while a store
//! compiles. On Linux the thread runs under `SCHED_IDLE` (below nice 19; a
//! waking request thread always preempts it), else at nice 19; elsewhere at
//! the minimum priority `thread-priority` can set, else at normal priority
//! (logged at `debug`). The `reload-priority` setting
//! ([`ReloadPrioritySetting`]) trades this for faster reloads on a machine
//! whose CPU is saturated by other work.

use std::fmt;
use std::str::FromStr;

use tracing::debug;

/// The priority asked for the reload thread (`reload-priority`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReloadPrioritySetting {
    /// `idle`: the lowest the OS allows (Linux `SCHED_IDLE`); a reload may
    /// wait long while other processes keep every core busy.
    Idle,
    /// `low` (the default): nice 19 on Linux (the OS minimum elsewhere); a
    /// reload keeps a small share of a saturated CPU, so a revocation takes
    /// effect even then.
    #[default]
    Low,
    /// `normal`: the priority of the serving threads.
    Normal,
}

impl FromStr for ReloadPrioritySetting {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim() {
            "idle" => Ok(Self::Idle),
            "low" => Ok(Self::Low),
            "normal" => Ok(Self::Normal),
            other => Err(format!(
                "`reload-priority`: expected `idle`, `low` or `normal`, found `{other}`"
            )),
        }
    }
}

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

/// Lowers the calling thread's CPU priority as `setting` asks, as far as
/// the OS allows, and says how far it went.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn lower_current_thread(setting: ReloadPrioritySetting) -> ReloadPriority {
    use thread_priority::{
        NormalThreadSchedulePolicy, ThreadPriority, ThreadSchedulePolicy,
        set_thread_priority_and_policy, thread_native_id,
    };
    let thread = thread_native_id();
    let idle_error = match setting {
        ReloadPrioritySetting::Normal => return ReloadPriority::Normal,
        ReloadPrioritySetting::Low => None,
        ReloadPrioritySetting::Idle => match set_thread_priority_and_policy(
            thread,
            ThreadPriority::Min,
            ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle),
        ) {
            Ok(()) => return ReloadPriority::Idle,
            Err(error) => Some(error),
        },
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
                "cannot lower this thread's priority; it runs at normal priority"
            );
            ReloadPriority::Normal
        }
    }
}

/// Lowers the calling thread's CPU priority as `setting` asks, as far as
/// the OS allows, and says how far it went.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn lower_current_thread(setting: ReloadPrioritySetting) -> ReloadPriority {
    if setting == ReloadPrioritySetting::Normal {
        return ReloadPriority::Normal;
    }
    match thread_priority::set_current_thread_priority(thread_priority::ThreadPriority::Min) {
        Ok(()) => ReloadPriority::Minimum,
        Err(error) => {
            debug!(
                ?error,
                "cannot lower this thread's priority on this OS; it runs at normal priority"
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_read_and_a_wrong_one_is_named() {
        assert_eq!("idle".parse(), Ok(ReloadPrioritySetting::Idle));
        assert_eq!(" low ".parse(), Ok(ReloadPrioritySetting::Low));
        assert_eq!("normal".parse(), Ok(ReloadPrioritySetting::Normal));
        let error = "high".parse::<ReloadPrioritySetting>().unwrap_err();
        assert!(
            error.contains("`reload-priority`") && error.contains("`high`"),
            "{error}"
        );
    }

    #[cfg(target_os = "linux")]
    fn lowered(setting: ReloadPrioritySetting) -> (ReloadPriority, ReloadPriority, Option<i32>) {
        std::thread::spawn(move || {
            let lowered = lower_current_thread(setting);
            (lowered, current_thread_priority(), current_thread_nice())
        })
        .join()
        .unwrap()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_thread_is_lowered_as_asked_and_reads_back_so() {
        let before = current_thread_priority();
        let (idle, read_back, nice) = lowered(ReloadPrioritySetting::Idle);
        assert_ne!(
            idle,
            ReloadPriority::Normal,
            "Linux lets a thread lower itself"
        );
        assert_eq!(idle, read_back);
        assert!(nice.is_some(), "the niceness is read from /proc");
        let low = lowered(ReloadPrioritySetting::Low);
        assert_eq!(
            low,
            (ReloadPriority::Nice19, ReloadPriority::Nice19, Some(19))
        );
        let (normal, read_back, _) = lowered(ReloadPrioritySetting::Normal);
        assert_eq!((normal, read_back), (ReloadPriority::Normal, before));
        // The priority is the thread's own: the test thread keeps its.
        assert_eq!(current_thread_priority(), before);
    }
}
