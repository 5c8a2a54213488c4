//! [`Recorder`]: what one task saw (an HDR latency histogram, answers,
//! decisions, expectation mismatches, errors by gRPC code, revisions seen);
//! recorders of all tasks are merged into one at the end.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use hdrhistogram::Histogram;
use tonic::Status;

use crate::call::Answer;
use tollgate_proto::code_name;

/// The largest latency a histogram holds, in nanoseconds (larger ones are
/// recorded as this).
pub const MAX_LATENCY_NANOS: u64 = 3_600_000_000_000;

/// A latency histogram in nanoseconds, 1 ns to an hour, 3 significant digits.
#[expect(
    clippy::expect_used,
    reason = "constant bounds that `new_with_bounds` accepts (low >= 1, high >= 2 * low, sigfig <= 5)"
)]
pub fn latency_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_LATENCY_NANOS, 3).expect("valid histogram bounds")
}

/// What one task (or, merged, the whole run) recorded.
#[derive(Debug, Clone)]
pub struct Recorder {
    /// Latency of every answered call (successful or failed), in ns.
    pub latency: Histogram<u64>,
    /// Latency of the successful calls only, in ns.
    pub ok_latency: Histogram<u64>,
    /// Latency of the calls refused for overload (`RESOURCE_EXHAUSTED`), in ns.
    pub refused_latency: Histogram<u64>,
    /// Calls answered successfully.
    pub ok: u64,
    /// Decisions carried by successful calls.
    pub decisions: u64,
    /// Decisions that differed from their expectation.
    pub mismatches: u64,
    /// Failed calls by gRPC status code name.
    pub errors: BTreeMap<&'static str, u64>,
    /// Distinct store revisions named by answers.
    pub revisions: BTreeSet<String>,
    last_revision: String,
}

impl Default for Recorder {
    fn default() -> Self {
        Self::new()
    }
}

impl Recorder {
    /// An empty recorder.
    pub fn new() -> Self {
        Self {
            latency: latency_histogram(),
            ok_latency: latency_histogram(),
            refused_latency: latency_histogram(),
            ok: 0,
            decisions: 0,
            mismatches: 0,
            errors: BTreeMap::new(),
            revisions: BTreeSet::new(),
            last_revision: String::new(),
        }
    }

    /// Records one finished call that took `latency`.
    pub fn record(&mut self, latency: Duration, outcome: Result<Answer, Status>) {
        let nanos = u64::try_from(latency.as_nanos())
            .unwrap_or(u64::MAX)
            .clamp(1, MAX_LATENCY_NANOS);
        self.latency.saturating_record(nanos);
        match &outcome {
            Ok(_) => self.ok_latency.saturating_record(nanos),
            Err(status) if status.code() == tonic::Code::ResourceExhausted => {
                self.refused_latency.saturating_record(nanos);
            }
            Err(_) => {}
        }
        match outcome {
            Ok(answer) => {
                self.ok += 1;
                self.decisions += answer.decisions;
                self.mismatches += answer.mismatches;
                if !answer.revision.is_empty() && answer.revision != self.last_revision {
                    self.revisions.insert(answer.revision.clone());
                    self.last_revision = answer.revision;
                }
            }
            Err(status) => *self.errors.entry(code_name(status.code())).or_default() += 1,
        }
    }

    /// Adds everything `other` recorded.
    pub fn merge(&mut self, other: &Recorder) {
        // Both histograms have the same bounds, so adding cannot fail; an
        // error would leave this one as it was.
        let _ = self.latency.add(&other.latency);
        let _ = self.ok_latency.add(&other.ok_latency);
        let _ = self.refused_latency.add(&other.refused_latency);
        self.ok += other.ok;
        self.decisions += other.decisions;
        self.mismatches += other.mismatches;
        for (code, count) in &other.errors {
            *self.errors.entry(code).or_default() += count;
        }
        self.revisions.extend(other.revisions.iter().cloned());
    }

    /// Failed calls, all codes together.
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(revision: &str) -> Answer {
        Answer {
            decisions: 3,
            mismatches: 1,
            revision: revision.to_owned(),
        }
    }

    #[test]
    fn merging_adds_counts_and_histograms() {
        let mut a = Recorder::new();
        let mut b = Recorder::new();
        for micros in 1..=100 {
            a.record(Duration::from_micros(micros), Ok(answer("r1")));
        }
        b.record(Duration::from_millis(7), Ok(answer("r2")));
        b.record(Duration::from_millis(1), Err(Status::unavailable("down")));
        b.record(Duration::from_millis(1), Err(Status::unavailable("down")));
        b.record(Duration::from_millis(1), Err(Status::internal("bug")));
        a.merge(&b);
        assert_eq!(a.ok, 101);
        assert_eq!(a.decisions, 303);
        assert_eq!(a.mismatches, 101);
        assert_eq!(a.errors["UNAVAILABLE"], 2);
        assert_eq!(a.errors["INTERNAL"], 1);
        assert_eq!(a.error_count(), 3);
        assert_eq!(a.latency.len(), 104);
        assert_eq!(a.revisions.len(), 2);
        let max = a.latency.max();
        assert!((6_990_000..=7_010_000).contains(&max), "{max}");
        let median = a.latency.value_at_quantile(0.5);
        assert!((51_000..=53_000).contains(&median), "{median}");
    }

    #[test]
    fn extreme_latencies_are_clamped_not_lost() {
        let mut recorder = Recorder::new();
        recorder.record(Duration::ZERO, Ok(Answer::default()));
        recorder.record(Duration::from_secs(10_000), Ok(Answer::default()));
        assert_eq!(recorder.latency.len(), 2);
        assert!(recorder.latency.max() >= MAX_LATENCY_NANOS * 999 / 1000);
    }
}
