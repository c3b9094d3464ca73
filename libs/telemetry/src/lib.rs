//! Tracing and OpenTelemetry for every service: JSON logs that carry the
//! trace id, OTLP export when an endpoint is configured, and W3C trace-context
//! propagation helpers for transports (HTTP is handled by the HTTP layer;
//! Kafka headers by `messaging`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry::Context;
use opentelemetry_otlp::{WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;
use serde::{Deserialize, Serialize};
use tracing::Level;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer;

pub use opentelemetry::Context as OtelContext;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Json,
    Pretty,
}

/// The `telemetry` section of every service's configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetryConfig {
    /// OTLP/HTTP base endpoint, e.g. `https://otel-collector:4318`: https,
    /// or http on a loopback address (a collector beside the process).
    /// Export is off when unset; trace ids are still made and propagated.
    pub otlp_endpoint: Option<String>,
    /// CA bundle (PEM) the collector's certificate chains to; empty: the
    /// system's roots.
    #[serde(default)]
    pub otlp_ca_file: String,
    pub log_format: LogFormat,
    /// An `EnvFilter` directive such as `info,demand_catalog=debug`.
    pub log_level: String,
    /// Share of requests that start a new trace (0 to 1). A request that
    /// arrives inside a sampled trace is always traced.
    pub sample_ratio: f64,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        Self {
            otlp_endpoint: None,
            otlp_ca_file: String::new(),
            log_format: LogFormat::Json,
            log_level: "info".into(),
            sample_ratio: 1.0,
        }
    }
}

impl TelemetryConfig {
    /// Problems as `(key, message)` pairs, keys relative to the section.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(ep) = &self.otlp_endpoint {
            if !(ep.starts_with("https://") || is_loopback_http(ep)) {
                out.push((
                    "otlp_endpoint",
                    format!("{ep:?} must be https:// (or http:// on a loopback address)"),
                ));
            }
        }
        out.extend(tls::file_problem(&self.otlp_ca_file, "otlp_ca_file"));
        if !(0.0..=1.0).contains(&self.sample_ratio) {
            out.push(("sample_ratio", "must be between 0 and 1".into()));
        }
        if EnvFilter::try_new(&self.log_level).is_err() {
            out.push((
                "log_level",
                format!("{:?} is not a valid log filter", self.log_level),
            ));
        }
        out
    }
}

fn is_loopback_http(url: &str) -> bool {
    url.strip_prefix("http://")
        .and_then(|rest| rest.split(['/', ':']).next())
        .is_some_and(|host| matches!(host, "127.0.0.1" | "localhost"))
}

/// Flushes spans on drop; keep it alive for the life of the process.
pub struct TelemetryGuard {
    provider: SdkTracerProvider,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        // Export errors at exit are not actionable.
        let _ = self.provider.shutdown();
    }
}

/// `sample_ratio` as f64 bits; read on every request.
static SAMPLE_RATIO: AtomicU64 = AtomicU64::new(1.0f64.to_bits());

/// Whether to start a new trace, by the configured ratio.
pub fn sample_new_trace() -> bool {
    let ratio = f64::from_bits(SAMPLE_RATIO.load(Ordering::Relaxed));
    ratio >= 1.0 || (ratio > 0.0 && rand::random::<f64>() < ratio)
}

/// Whether a `traceparent` says its trace is sampled.
pub fn is_sampled(traceparent: Option<&str>) -> bool {
    traceparent
        .and_then(|tp| tp.rsplit('-').next())
        .and_then(|flags| u8::from_str_radix(flags, 16).ok())
        .is_some_and(|flags| flags & 1 == 1)
}

/// Installs the global subscriber, tracer provider and propagator.
pub fn init(service: &'static str, cfg: &TelemetryConfig) -> anyhow::Result<TelemetryGuard> {
    SAMPLE_RATIO.store(cfg.sample_ratio.to_bits(), Ordering::Relaxed);
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    let resource = Resource::builder().with_service_name(service).build();
    let mut builder = SdkTracerProvider::builder().with_resource(resource);
    if let Some(endpoint) = &cfg.otlp_endpoint {
        let client = tls::blocking_http_client(&cfg.otlp_ca_file, Duration::from_secs(10))?;
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_http_client(client)
            .with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')))
            .build()
            .context("building the OTLP span exporter")?;
        builder = builder.with_batch_exporter(exporter);
    }
    let provider = builder.build();
    opentelemetry::global::set_tracer_provider(provider.clone());
    // Spans for traces are kept at INFO whatever the log level, so a quiet
    // log never breaks trace propagation. Log events stay out of traces
    // (they go to the log, which carries the trace id).
    let otel = tracing_opentelemetry::layer()
        .with_tracer(provider.tracer(service))
        .with_filter(filter_fn(|meta| {
            meta.is_span() && *meta.level() <= Level::INFO
        }));
    let filter = EnvFilter::try_new(&cfg.log_level).context("telemetry.log_level")?;
    let logs = match cfg.log_format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_writer(std::io::stderr)
            .with_filter(filter)
            .boxed(),
        LogFormat::Pretty => tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_filter(filter)
            .boxed(),
    };
    let result = tracing_subscriber::registry()
        .with(otel)
        .with(logs)
        .try_init();
    // A second init (tests running several apps in one process) keeps the first.
    if let Err(e) = result {
        tracing::debug!("tracing subscriber already set: {e}");
    }
    Ok(TelemetryGuard { provider })
}

/// The W3C `traceparent` (and `tracestate`, when any) of a context.
pub fn trace_headers(cx: &Context) -> HashMap<String, String> {
    let mut carrier = HashMap::new();
    TraceContextPropagator::new().inject_context(cx, &mut carrier);
    carrier
}

/// `traceparent`/`tracestate` of the current tracing span, for storing with
/// an outbox row or sending on an outgoing request.
pub fn current_trace_headers() -> HashMap<String, String> {
    trace_headers(&tracing::Span::current().context())
}

/// The context a `traceparent` (and optional `tracestate`) describes.
pub fn context_from_headers(traceparent: Option<&str>, tracestate: Option<&str>) -> Context {
    let mut carrier = HashMap::new();
    if let Some(tp) = traceparent {
        carrier.insert("traceparent".to_owned(), tp.to_owned());
    }
    if let Some(ts) = tracestate {
        carrier.insert("tracestate".to_owned(), ts.to_owned());
    }
    TraceContextPropagator::new().extract(&carrier)
}

/// The trace id of a context, when it has a valid one.
pub fn trace_id(cx: &Context) -> Option<String> {
    use opentelemetry::trace::TraceContextExt;
    let span = cx.span();
    let sc = span.span_context();
    sc.is_valid().then(|| sc.trace_id().to_string())
}

/// The 32-hex-digit trace id inside a `traceparent`.
pub fn trace_id_of(traceparent: &str) -> Option<&str> {
    traceparent.split('-').nth(1).filter(|id| id.len() == 32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::TraceContextExt;

    #[test]
    fn a_traceparent_round_trips_through_a_context() {
        let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let cx = context_from_headers(Some(tp), None);
        assert!(cx.span().span_context().is_remote());
        assert_eq!(
            trace_headers(&cx).get("traceparent").map(String::as_str),
            Some(tp)
        );
        assert_eq!(trace_id_of(tp), Some("4bf92f3577b34da6a3ce929d0e0e4736"));
    }

    #[test]
    fn the_sampled_flag_is_read_from_the_traceparent() {
        assert!(is_sampled(Some(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        )));
        assert!(!is_sampled(Some(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"
        )));
        assert!(!is_sampled(None));
        assert!(sample_new_trace(), "everything is sampled by default");
    }

    #[test]
    fn garbage_gives_an_empty_context() {
        let cx = context_from_headers(Some("nonsense"), None);
        assert!(!cx.span().span_context().is_valid());
        assert!(trace_headers(&cx).is_empty());
    }

    #[test]
    fn config_names_bad_keys() {
        let cfg = TelemetryConfig {
            otlp_endpoint: Some("collector:4318".into()),
            log_level: "info,[".into(),
            sample_ratio: 1.5,
            ..TelemetryConfig::default()
        };
        let keys: Vec<_> = cfg.problems().into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["otlp_endpoint", "sample_ratio", "log_level"]);
        for (endpoint, ok) in [
            ("https://otel-collector.monitoring:4318", true),
            ("http://127.0.0.1:4318", true),
            ("http://otel-collector.monitoring:4318", false),
            ("http://127.0.0.1.example:4318", false),
        ] {
            let cfg = TelemetryConfig {
                otlp_endpoint: Some(endpoint.into()),
                ..TelemetryConfig::default()
            };
            assert_eq!(cfg.problems().is_empty(), ok, "{endpoint}");
        }
    }
}
