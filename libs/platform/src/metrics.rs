//! Prometheus metrics: HTTP request counts and latencies by route, plus
//! whatever other crates register in the default registry.

use std::sync::LazyLock;
use std::time::Duration;

use actix_web::HttpResponse;
use prometheus::{
    register_histogram_vec, register_int_counter_vec, register_int_gauge_vec, Encoder,
    HistogramVec, IntCounterVec, IntGaugeVec, TextEncoder,
};

// why: registers once (the LazyLock) under a constant, valid, unique name.
#[allow(clippy::expect_used)]
static REQUESTS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_int_counter_vec!(
        "qc_http_requests_total",
        "HTTP requests",
        &["method", "route", "status"]
    )
    .expect("metric registers once")
});

// why: registers once (the LazyLock) under a constant, valid, unique name.
#[allow(clippy::expect_used)]
static LATENCY: LazyLock<HistogramVec> = LazyLock::new(|| {
    register_histogram_vec!(
        "qc_http_request_duration_seconds",
        "HTTP request latency",
        &["method", "route"],
        vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5]
    )
    .expect("metric registers once")
});

// why: registers once (the LazyLock) under a constant, valid, unique name.
#[allow(clippy::expect_used)]
static DEPENDENCY_UP: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    register_int_gauge_vec!(
        "qc_dependency_up",
        "Whether a dependency answered the last readiness check (1) or not (0)",
        &["dependency"]
    )
    .expect("metric registers once")
});

pub(crate) fn dependency_up(dependency: &str, up: bool) {
    DEPENDENCY_UP
        .with_label_values(&[dependency])
        .set(i64::from(up));
}

/// Counts and times a request by its route pattern (never the raw path,
/// which would carry ids).
pub(crate) fn record(method: &str, route: &str, status: &str, elapsed: Duration) {
    REQUESTS.with_label_values(&[method, route, status]).inc();
    LATENCY
        .with_label_values(&[method, route])
        .observe(elapsed.as_secs_f64());
}

pub async fn handler() -> HttpResponse {
    let mut buf = Vec::new();
    match TextEncoder::new().encode(&prometheus::gather(), &mut buf) {
        Ok(()) => HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4")
            .body(buf),
        Err(e) => HttpResponse::InternalServerError().body(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    /// The prometheus crate's `process` feature puts its collector in the
    /// default registry (on Linux): the pod's CPU, memory, descriptors and
    /// start time are served with the rest.
    #[tokio::test]
    async fn the_process_metrics_are_served() {
        let res = super::handler().await;
        let body = actix_web::body::to_bytes(res.into_body())
            .await
            .expect("body");
        let text = std::str::from_utf8(&body).expect("text");
        let value = |name: &str| {
            text.lines()
                .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
                .and_then(|v| v.parse::<f64>().ok())
        };
        // Whole seconds: a young test process may not have used one yet.
        assert!(value("process_cpu_seconds_total").is_some());
        for name in [
            "process_resident_memory_bytes",
            "process_virtual_memory_bytes",
            "process_open_fds",
            "process_start_time_seconds",
        ] {
            assert!(value(name).is_some_and(|v| v > 0.0), "{name}");
        }
        // The kernel's soft limit of open files for this process.
        let limits = std::fs::read_to_string("/proc/self/limits").expect("limits");
        let soft = limits
            .lines()
            .find_map(|line| line.strip_prefix("Max open files"))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse::<f64>().ok());
        assert_eq!(value("process_max_fds"), soft);
    }
}
