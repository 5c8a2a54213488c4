//! The process's one Prometheus recorder. Installing it twice (a second
//! server in one test process) returns the first handle.
//!
//! Gauges not set for [`GAUGE_IDLE_TIMEOUT`] are dropped from the output:
//! the admin listener sets the store gauges again every few seconds (see
//! [`super::record_serving`]), so only the `tollgate_policy_revision_info`
//! series of revisions that no longer serve expire, and a long-running
//! server that reloads often does not accumulate one series per revision.

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use metrics_util::MetricKindMask;

use super::DURATION_BUCKETS;

/// How long a gauge that is not set again stays in the output.
pub const GAUGE_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

static HANDLE: OnceLock<Result<PrometheusHandle, MetricsError>> = OnceLock::new();

/// Why the Prometheus recorder could not be installed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot install the Prometheus metrics recorder: {0}")]
pub struct MetricsError(String);

/// Installs the Prometheus recorder as the global `metrics` recorder, once
/// per process, and returns the handle that renders `/metrics`.
pub fn install_recorder() -> Result<PrometheusHandle, MetricsError> {
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .idle_timeout(MetricKindMask::GAUGE, Some(GAUGE_IDLE_TIMEOUT))
                .set_buckets_for_metric(
                    Matcher::Suffix("duration_seconds".into()),
                    DURATION_BUCKETS,
                )
                .and_then(PrometheusBuilder::install_recorder)
                .map_err(|e| MetricsError(e.to_string()))
        })
        .clone()
}
