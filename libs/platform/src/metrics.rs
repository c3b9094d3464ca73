//! Prometheus metrics: HTTP request counts and latencies by route, plus
//! whatever other crates register in the default registry.

use std::sync::LazyLock;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::HttpResponse;
use prometheus::{
    register_histogram_vec, register_int_counter_vec, Encoder, HistogramVec, IntCounterVec,
    TextEncoder,
};

static REQUESTS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register_int_counter_vec!(
        "qc_http_requests_total",
        "HTTP requests",
        &["method", "route", "status"]
    )
    .expect("metric registers once")
});

static LATENCY: LazyLock<HistogramVec> = LazyLock::new(|| {
    register_histogram_vec!(
        "qc_http_request_duration_seconds",
        "HTTP request latency",
        &["method", "route"],
        vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5]
    )
    .expect("metric registers once")
});

/// Probes and scrapes: metered, never access-logged.
const QUIET_ROUTES: [&str; 3] = ["/healthz", "/readyz", "/metrics"];

/// Middleware: counts and times every request by its route pattern (never
/// the raw path, which would carry ids), and writes the access log line,
/// which the request's span gives its trace id.
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().to_string();
    let res = next.call(req).await?;
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".into());
    REQUESTS
        .with_label_values(&[&method, &route, res.status().as_str()])
        .inc();
    let elapsed = started.elapsed();
    LATENCY
        .with_label_values(&[&method, &route])
        .observe(elapsed.as_secs_f64());
    if !QUIET_ROUTES.contains(&route.as_str()) {
        tracing::info!(
            http.method = %method,
            http.route = %route,
            http.status_code = res.status().as_u16(),
            latency_ms = elapsed.as_secs_f64() * 1000.0,
            "request served"
        );
    }
    Ok(res)
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
