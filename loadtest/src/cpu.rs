//! CPU time of a process (user + system, all its threads, exited ones
//! included) from Linux's `/proc/PID/stat`, to report what a run cost the
//! server and the generator: on a shared machine CPU per call varies far
//! less than throughput does. `None` where `/proc` is not available.

/// Linux reports `/proc/PID/stat` times in USER_HZ ticks, 100 a second on
/// every mainstream architecture.
const TICKS_PER_SECOND: f64 = 100.0;

/// CPU seconds `pid` (or this process, for `None`) has used so far.
pub fn cpu_seconds(pid: Option<u32>) -> Option<f64> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/stat"),
        None => "/proc/self/stat".to_owned(),
    };
    let stat = std::fs::read_to_string(path).ok()?;
    parse_stat(&stat)
}

/// utime + stime of a `/proc/PID/stat` line, in seconds. The command name
/// (field 2) is in parentheses and may hold spaces, so fields are counted
/// from the last `)`.
fn parse_stat(stat: &str) -> Option<f64> {
    let after = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of the line are 12 and 13 after the name (state is 3).
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) as f64 / TICKS_PER_SECOND)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utime_and_stime_are_read_after_the_name() {
        let line =
            "1234 (tokio (x) y) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 100 0 0";
        assert_eq!(parse_stat(line), Some(3.0));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn this_process_has_a_cpu_time() {
        if std::path::Path::new("/proc/self/stat").exists() {
            assert!(cpu_seconds(None).is_some());
        }
    }
}
