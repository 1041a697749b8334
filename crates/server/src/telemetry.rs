//! Metrics: the Prometheus recorder behind the `metrics` facade, rendered at `/metrics`.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide recorder. Call once, before anything records.
pub fn install_metrics() -> anyhow::Result<()> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Suffix("duration_seconds".to_owned()),
            &[
                0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                0.25, 0.5, 1.0, 2.5,
            ],
        )?
        // INVITE to answer: people pick up in seconds, IVRs in milliseconds.
        .set_buckets_for_metric(
            Matcher::Full("switchboard_call_setup_seconds".to_owned()),
            &[
                0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 20.0, 30.0, 60.0,
            ],
        )?
        .install_recorder()?;
    let _ = HANDLE.set(handle);
    metrics::gauge!("switchboard_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    metrics::gauge!("switchboard_start_time_seconds").set(started);
    Ok(())
}

/// The renderer the API serves; it also drains histogram buffers now and then.
pub fn metrics_render() -> sb_api::MetricsRender {
    if let Some(handle) = HANDLE.get().cloned() {
        let upkeep = handle.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(5));
            loop {
                tick.tick().await;
                upkeep.run_upkeep();
            }
        });
    }
    sb_api::MetricsRender(Arc::new(|| {
        HANDLE
            .get()
            .map(PrometheusHandle::render)
            .unwrap_or_default()
    }))
}
