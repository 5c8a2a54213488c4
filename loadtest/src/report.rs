//! [`Report`]: a run's figures, printed as an aligned table or as JSON
//! (the field names below are the JSON keys; latencies in microseconds).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::stats::Recorder;

/// Latency percentiles in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Latency {
    /// Samples.
    pub count: u64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p99_9: f64,
    /// Largest.
    pub max: f64,
    /// Mean.
    pub mean: f64,
}

impl Latency {
    /// The percentiles of a nanosecond histogram.
    pub fn of(histogram: &Histogram<u64>) -> Self {
        let micros = |nanos: u64| nanos as f64 / 1000.0;
        Self {
            count: histogram.len(),
            p50: micros(histogram.value_at_quantile(0.50)),
            p90: micros(histogram.value_at_quantile(0.90)),
            p99: micros(histogram.value_at_quantile(0.99)),
            p99_9: micros(histogram.value_at_quantile(0.999)),
            max: micros(histogram.max()),
            mean: histogram.mean() / 1000.0,
        }
    }
}

/// The figures of one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// `authorize`, `authorize-batch` or `check`.
    pub call: &'static str,
    /// `open-loop` or `closed-loop`.
    pub mode: &'static str,
    /// The server's URI.
    pub target: String,
    /// HTTP/2 connections.
    pub connections: usize,
    /// Open loop: the most calls outstanding; closed loop: the workers.
    pub concurrency: usize,
    /// Decisions per call.
    pub batch_size: usize,
    /// The sending window, in seconds.
    pub duration_s: f64,
    /// From the first call to the last answer (or the drain timeout), in seconds.
    pub elapsed_s: f64,
    /// Calls per second offered (open loop); null in closed loop.
    pub offered_rate: Option<f64>,
    /// Calls sent.
    pub sent: u64,
    /// Calls due but not sent because `max_in_flight` were outstanding.
    pub dropped: u64,
    /// Calls sent but unanswered when the drain timeout passed.
    pub unfinished: u64,
    /// Calls answered successfully.
    pub ok: u64,
    /// Successful calls per second over `elapsed_s`.
    pub achieved_rate: f64,
    /// Decisions carried by successful calls.
    pub decisions: u64,
    /// Decisions per second over `elapsed_s`.
    pub decisions_per_s: f64,
    /// Failed calls, all codes.
    pub errors: u64,
    /// Failed calls by gRPC code.
    pub errors_by_code: BTreeMap<&'static str, u64>,
    /// Decisions that differed from their request's `expect` (with `--check-expect`).
    pub mismatches: u64,
    /// Distinct store revisions named by answers.
    pub revisions_seen: usize,
    /// Store rewrites made during the run (`--swap-store`).
    pub swaps: usize,
    /// Latency of answered calls, from when each was due (open loop) or
    /// sent (closed loop).
    pub latency_us: Latency,
    /// Latency of the successful calls only.
    pub ok_latency_us: Latency,
    /// Latency of the calls refused for overload (`RESOURCE_EXHAUSTED`):
    /// how fast the server says no.
    pub refused_latency_us: Latency,
    /// CPU seconds the spawned server used during the run (`--spawn-server` on Linux).
    pub server_cpu_s: Option<f64>,
    /// Server CPU per decision, in microseconds.
    pub server_cpu_us_per_decision: Option<f64>,
    /// CPU seconds the load generator used during the run (Linux).
    pub client_cpu_s: Option<f64>,
    /// Open loop: how late the generator sent calls after their due time
    /// (its own health: should stay well below the latencies).
    pub send_lag_us: Option<Latency>,
}

/// What the driver measured, for [`Report::new`].
#[derive(Debug)]
pub struct Measured {
    /// The merged recorders.
    pub recorder: Recorder,
    /// Calls sent.
    pub sent: u64,
    /// Calls dropped.
    pub dropped: u64,
    /// Calls unanswered at the drain timeout.
    pub unfinished: u64,
    /// From the first call to the last answer.
    pub elapsed: Duration,
    /// Open loop: lateness of sends, in ns.
    pub send_lag: Option<Histogram<u64>>,
    /// Store rewrites made.
    pub swaps: usize,
    /// CPU seconds the server used, when known.
    pub server_cpu: Option<f64>,
    /// CPU seconds the generator used, when known.
    pub client_cpu: Option<f64>,
}

/// The run's settings, for [`Report::new`].
#[derive(Debug, Clone)]
pub struct Settings {
    /// See [`Report::call`].
    pub call: &'static str,
    /// See [`Report::target`].
    pub target: String,
    /// See [`Report::connections`].
    pub connections: usize,
    /// See [`Report::concurrency`].
    pub concurrency: usize,
    /// See [`Report::batch_size`].
    pub batch_size: usize,
    /// The sending window.
    pub duration: Duration,
    /// Open loop: calls per second; closed loop: none.
    pub offered_rate: Option<f64>,
}

impl Report {
    /// The report of a run with `settings` that measured `measured`.
    pub fn new(settings: Settings, measured: &Measured) -> Self {
        let elapsed = measured.elapsed.as_secs_f64().max(f64::MIN_POSITIVE);
        let recorder = &measured.recorder;
        Self {
            call: settings.call,
            mode: if settings.offered_rate.is_some() {
                "open-loop"
            } else {
                "closed-loop"
            },
            target: settings.target,
            connections: settings.connections,
            concurrency: settings.concurrency,
            batch_size: settings.batch_size,
            duration_s: settings.duration.as_secs_f64(),
            elapsed_s: measured.elapsed.as_secs_f64(),
            offered_rate: settings.offered_rate,
            sent: measured.sent,
            dropped: measured.dropped,
            unfinished: measured.unfinished,
            ok: recorder.ok,
            achieved_rate: recorder.ok as f64 / elapsed,
            decisions: recorder.decisions,
            decisions_per_s: recorder.decisions as f64 / elapsed,
            errors: recorder.error_count(),
            errors_by_code: recorder.errors.clone(),
            mismatches: recorder.mismatches,
            revisions_seen: recorder.revisions.len(),
            swaps: measured.swaps,
            latency_us: Latency::of(&recorder.latency),
            ok_latency_us: Latency::of(&recorder.ok_latency),
            refused_latency_us: Latency::of(&recorder.refused_latency),
            server_cpu_s: measured.server_cpu,
            server_cpu_us_per_decision: measured
                .server_cpu
                .filter(|_| recorder.decisions > 0)
                .map(|cpu| cpu * 1e6 / recorder.decisions as f64),
            client_cpu_s: measured.client_cpu,
            send_lag_us: measured.send_lag.as_ref().map(Latency::of),
        }
    }

    /// Whether every call due was sent and answered successfully as expected.
    pub fn is_clean(&self) -> bool {
        self.errors == 0 && self.dropped == 0 && self.unfinished == 0 && self.mismatches == 0
    }

    /// The report as pretty JSON.
    pub fn to_json(&self) -> String {
        // Serializing plain structs, string-keyed maps and finite or NaN
        // floats (NaN becomes null) cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The report as an aligned table.
    pub fn to_table(&self) -> String {
        let mut rows: Vec<(&str, String)> = vec![
            ("call", self.call.to_owned()),
            ("mode", self.mode.to_owned()),
            ("target", self.target.clone()),
            (
                "connections / concurrency",
                format!("{} / {}", self.connections, self.concurrency),
            ),
            ("batch size", self.batch_size.to_string()),
            (
                "duration / elapsed",
                format!("{:.2} s / {:.2} s", self.duration_s, self.elapsed_s),
            ),
            (
                "offered rate",
                self.offered_rate.map_or_else(
                    || "max (closed loop)".to_owned(),
                    |r| format!("{r:.0} calls/s"),
                ),
            ),
            (
                "achieved rate",
                format!("{:.0} calls/s", self.achieved_rate),
            ),
            ("decisions", format!("{:.0} /s", self.decisions_per_s)),
            (
                "sent / ok / errors",
                format!("{} / {} / {}", self.sent, self.ok, self.errors),
            ),
            (
                "dropped / unfinished",
                format!("{} / {}", self.dropped, self.unfinished),
            ),
            ("mismatches", self.mismatches.to_string()),
            ("revisions seen", self.revisions_seen.to_string()),
        ];
        if self.swaps > 0 {
            rows.push(("store swaps", self.swaps.to_string()));
        }
        for (code, count) in &self.errors_by_code {
            rows.push(("error", format!("{code}: {count}")));
        }
        let l = &self.latency_us;
        rows.push((
            "latency p50 / p90 (µs)",
            format!("{:.1} / {:.1}", l.p50, l.p90),
        ));
        rows.push((
            "latency p99 / p99.9 / max (µs)",
            format!("{:.1} / {:.1} / {:.1}", l.p99, l.p99_9, l.max),
        ));
        for (what, l) in [
            ("ok", &self.ok_latency_us),
            ("refused", &self.refused_latency_us),
        ] {
            if l.count > 0 {
                rows.push((
                    if what == "ok" {
                        "ok p50 / p99 / max (µs)"
                    } else {
                        "refused p50 / p99 / max (µs)"
                    },
                    format!("{:.1} / {:.1} / {:.1}", l.p50, l.p99, l.max),
                ));
            }
        }
        if let (Some(cpu), Some(per)) = (self.server_cpu_s, self.server_cpu_us_per_decision) {
            rows.push((
                "server CPU",
                format!("{cpu:.2} s ({per:.2} µs per decision)"),
            ));
        }
        if let Some(cpu) = self.client_cpu_s {
            rows.push(("generator CPU", format!("{cpu:.2} s")));
        }
        if let Some(lag) = &self.send_lag_us {
            rows.push((
                "send lag p99 / max (µs)",
                format!("{:.1} / {:.1}", lag.p99, lag.max),
            ));
        }
        let width = rows
            .iter()
            .map(|(name, _)| name.chars().count())
            .max()
            .unwrap_or(0);
        let mut table = String::new();
        for (name, value) in rows {
            let _ = writeln!(table, "{name:<width$}  {value}");
        }
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::Answer;
    use tonic::Status;

    fn sample() -> Report {
        let mut recorder = Recorder::new();
        for micros in [100, 200, 300, 400, 1000] {
            recorder.record(
                Duration::from_micros(micros),
                Ok(Answer {
                    decisions: 10,
                    mismatches: 0,
                    revision: "rev".into(),
                }),
            );
        }
        recorder.record(Duration::from_micros(50), Err(Status::unavailable("x")));
        let measured = Measured {
            recorder,
            sent: 7,
            dropped: 1,
            unfinished: 0,
            elapsed: Duration::from_secs(2),
            send_lag: None,
            swaps: 0,
            server_cpu: Some(0.5),
            client_cpu: None,
        };
        let settings = Settings {
            call: "authorize-batch",
            target: "http://127.0.0.1:1".into(),
            connections: 2,
            concurrency: 8,
            batch_size: 10,
            duration: Duration::from_secs(2),
            offered_rate: Some(3.5),
        };
        Report::new(settings, &measured)
    }

    #[test]
    fn the_json_report_has_every_field() {
        let report = sample();
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["call"], "authorize-batch");
        assert_eq!(json["mode"], "open-loop");
        assert_eq!(json["offered_rate"], 3.5);
        assert_eq!(json["ok"], 5);
        assert_eq!(json["achieved_rate"], 2.5);
        assert_eq!(json["decisions"], 50);
        assert_eq!(json["decisions_per_s"], 25.0);
        assert_eq!(json["errors"], 1);
        assert_eq!(json["errors_by_code"]["UNAVAILABLE"], 1);
        assert_eq!(json["dropped"], 1);
        assert_eq!(json["revisions_seen"], 1);
        let p50 = json["latency_us"]["p50"].as_f64().unwrap();
        assert!((199.0..=201.0).contains(&p50), "{p50}");
        let max = json["latency_us"]["max"].as_f64().unwrap();
        assert!((999.0..=1001.0).contains(&max), "{max}");
        assert_eq!(json["latency_us"]["count"], 6);
        assert!(json["send_lag_us"].is_null());
        assert_eq!(json["server_cpu_us_per_decision"], 10_000.0);
        assert!(json["client_cpu_s"].is_null());
        assert!(!report.is_clean());
    }

    #[test]
    fn the_table_lists_rates_and_percentiles() {
        let table = sample().to_table();
        assert!(table.contains("achieved rate"), "{table}");
        assert!(table.contains("UNAVAILABLE: 1"), "{table}");
        assert!(table.contains("latency p99 / p99.9 / max (µs)"), "{table}");
    }
}
