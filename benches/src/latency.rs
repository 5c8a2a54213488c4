//! Timing single decisions into an HDR histogram, for the figures criterion
//! does not give (p99 and beyond): `Instant::now` around each call, in
//! rounds over the questions, after one untimed round.

use std::hint::black_box;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

/// Percentiles of one measurement, in ns.
#[derive(Debug, Clone, Copy)]
pub struct Latency {
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p999: u64,
    /// Largest.
    pub max: u64,
    /// Mean.
    pub mean: f64,
    /// Decisions timed.
    pub count: u64,
}

/// Times `decide(i)` for every `i < n`, in rounds, until `budget` has passed
/// (at least one timed round).
pub fn measure(n: usize, budget: Duration, mut decide: impl FnMut(usize) -> bool) -> Latency {
    for i in 0..n {
        black_box(decide(i));
    }
    let mut histogram = match Histogram::<u64>::new_with_bounds(1, 10_000_000_000, 3) {
        Ok(h) => h,
        Err(e) => crate::or_exit(Err(e), "creating a histogram"),
    };
    let start = Instant::now();
    loop {
        for i in 0..n {
            let t = Instant::now();
            black_box(decide(black_box(i)));
            histogram.saturating_record((t.elapsed().as_nanos() as u64).max(1));
        }
        if start.elapsed() >= budget {
            break;
        }
    }
    Latency {
        p50: histogram.value_at_quantile(0.5),
        p90: histogram.value_at_quantile(0.9),
        p99: histogram.value_at_quantile(0.99),
        p999: histogram.value_at_quantile(0.999),
        max: histogram.max(),
        mean: histogram.mean(),
        count: histogram.len(),
    }
}
