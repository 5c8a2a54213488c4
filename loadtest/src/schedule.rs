//! The open-loop arrival schedule: call `i` is due at `start + i / rate`,
//! fixed before the run, so when it is sent (or whether it can be) does not
//! move any later call. Latency is measured from the due time.

use std::time::{Duration, Instant};

/// Constant-rate arrivals over a fixed length of time.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    start: Instant,
    interval_nanos: f64,
    calls: u64,
}

impl Schedule {
    /// `rate` calls per second for `duration`, from `start`.
    pub fn new(start: Instant, rate: f64, duration: Duration) -> Self {
        let calls = (rate * duration.as_secs_f64()).floor();
        Self {
            start,
            interval_nanos: 1e9 / rate,
            // Saturating float-to-int conversion; a rate beyond u64 cannot run anyway.
            calls: calls as u64,
        }
    }

    /// How many calls the schedule holds.
    pub fn calls(&self) -> u64 {
        self.calls
    }

    /// When call `index` is due.
    pub fn due(&self, index: u64) -> Instant {
        let offset = (index as f64 * self.interval_nanos).round();
        self.start + Duration::from_nanos(offset as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_evenly_spaced_from_the_start() {
        let start = Instant::now();
        let schedule = Schedule::new(start, 1000.0, Duration::from_secs(2));
        assert_eq!(schedule.calls(), 2000);
        assert_eq!(schedule.due(0), start);
        assert_eq!(schedule.due(1) - start, Duration::from_millis(1));
        assert_eq!(schedule.due(1999) - start, Duration::from_millis(1999));
    }

    #[test]
    fn fractional_intervals_do_not_drift() {
        let start = Instant::now();
        let schedule = Schedule::new(start, 3.0, Duration::from_secs(30));
        assert_eq!(schedule.calls(), 90);
        // 89 intervals of 1/3 s, rounded once rather than accumulated
        let last = schedule.due(89) - start;
        assert!(last.abs_diff(Duration::from_nanos(29_666_666_667)) <= Duration::from_nanos(1));
    }
}
