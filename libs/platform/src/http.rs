//! The actix bootstrap every service uses.

use std::net::TcpListener;
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, App, HttpMessage, HttpResponse, HttpServer};
use futures::future::BoxFuture;
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder, TracingLogger};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::HttpConfig;
use crate::{json, metrics, ApiError};

#[derive(Debug, Clone, Copy)]
pub struct ServiceInfo {
    pub name: &'static str,
    pub version: &'static str,
    pub description: &'static str,
}

pub type Check = Arc<dyn Fn() -> BoxFuture<'static, anyhow::Result<()>> + Send + Sync>;

/// The dependencies `/readyz` checks. Only what the instance cannot serve
/// without takes it out of its Service; the rest is reported (in `/readyz`,
/// `/healthz` and `qc_dependency_up`) so that an outage of a shared
/// dependency does not take every pod out at once.
#[derive(Clone, Default)]
pub struct Readiness {
    checks: Vec<Dependency>,
    /// What each check said last, for `/healthz` (which does no IO).
    last: Arc<std::sync::Mutex<serde_json::Map<String, serde_json::Value>>>,
}

#[derive(Clone)]
struct Dependency {
    name: &'static str,
    check: Check,
    required: bool,
}

/// A check slower than this counts as failing: the probes' own timeout is
/// two seconds, and the checks run side by side.
const CHECK_TIMEOUT: Duration = Duration::from_millis(1500);

impl Readiness {
    /// The instance is ready only while `check` passes.
    pub fn requires(self, name: &'static str, check: Check) -> Self {
        self.add(name, check, true)
    }

    /// `check` is reported, never a reason to be unready.
    pub fn reports(self, name: &'static str, check: Check) -> Self {
        self.add(name, check, false)
    }

    fn add(mut self, name: &'static str, check: Check, required: bool) -> Self {
        self.checks.push(Dependency {
            name,
            check,
            required,
        });
        self
    }

    /// Runs every check side by side: each one's status, and whether every
    /// required one passed.
    async fn run(&self) -> (serde_json::Map<String, serde_json::Value>, bool) {
        let results = futures::future::join_all(self.checks.iter().map(|d| async move {
            match tokio::time::timeout(CHECK_TIMEOUT, (d.check)()).await {
                Ok(Ok(())) => "ok".to_owned(),
                Ok(Err(e)) => format!("failing: {e:#}"),
                Err(_) => "failing: timed out".to_owned(),
            }
        }))
        .await;
        let mut statuses = serde_json::Map::new();
        let mut ready = true;
        for (dependency, status) in self.checks.iter().zip(results) {
            let up = status == "ok";
            ready &= up || !dependency.required;
            metrics::dependency_up(dependency.name, up);
            statuses.insert(dependency.name.to_owned(), status.into());
        }
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = statuses.clone();
        (statuses, ready)
    }

    fn required(&self) -> Vec<&'static str> {
        self.checks
            .iter()
            .filter(|d| d.required)
            .map(|d| d.name)
            .collect()
    }
}

/// Builds the server on `listener`; the caller awaits it. It stops
/// gracefully on SIGTERM/SIGINT, letting requests finish.
pub fn server<F>(
    info: ServiceInfo,
    cfg: &HttpConfig,
    listener: TcpListener,
    readiness: Readiness,
    access: &'static [crate::access::Rule],
    routes: F,
) -> std::io::Result<Server>
where
    F: Fn(&mut ServiceConfig<'_>) + Clone + Send + 'static,
{
    let spec = crate::openapi::document(&info, routes.clone(), access);
    let readiness = web::Data::new(readiness);
    let table = web::Data::new(crate::access::Table::new(access));
    let mut server = HttpServer::new(move || {
        let routes = routes.clone();
        App::new()
            .configure(|c| routes(&mut ServiceConfig::new(c)))
            .configure(json::configure_extractors)
            .app_data(readiness.clone())
            .app_data(table.clone())
            .route("/healthz", web::get().to(healthz))
            .route("/readyz", web::get().to(readyz))
            .route("/metrics", web::get().to(metrics::handler))
            .route(
                "/docs",
                web::get().to(|| async {
                    HttpResponse::PermanentRedirect()
                        .insert_header(("Location", "/docs/"))
                        .finish()
                }),
            )
            .service(
                SwaggerUi::new("/docs/{_:.*}")
                    .external_url_unchecked("/openapi.json", spec.clone()),
            )
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(ApiError::not_found(
                    "route_not_found",
                    "no such route or method",
                ))
            }))
            .wrap(from_fn(crate::access::enforce))
            .wrap(from_fn(crate::audit::record))
            .wrap(from_fn(observe))
            .wrap(TracingLogger::<RootSpan>::new())
    })
    .shutdown_timeout(cfg.shutdown_timeout_secs)
    .listen(listener)?;
    if cfg.workers > 0 {
        server = server.workers(cfg.workers);
    }
    Ok(server.run())
}

/// Liveness: the process answers. What the dependencies said at the last
/// readiness check rides along; none is asked here.
async fn healthz(readiness: web::Data<Readiness>) -> HttpResponse {
    // What the checks said last stays readable even after a panic elsewhere.
    let dependencies = readiness
        .last
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    HttpResponse::Ok().json(serde_json::json!({ "status": "alive", "dependencies": dependencies }))
}

async fn readyz(readiness: web::Data<Readiness>) -> HttpResponse {
    let (checks, ready) = readiness.run().await;
    let body = serde_json::json!({
        "status": if ready { "ready" } else { "not_ready" },
        "checks": checks,
        "required": readiness.required(),
    });
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
const TRACESTATE: HeaderName = HeaderName::from_static("tracestate");

/// Probes and scrapes: metered, never access-logged.
const QUIET_ROUTES: [&str; 3] = ["/healthz", "/readyz", "/metrics"];

/// One middleware for what every request gets (one layer is cheaper than
/// three): metrics by route, the access-log line (which the request's span
/// gives its trace id), and `X-Request-Id` — the caller's, or the id the
/// tracing layer gave the request.
async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let incoming = req.headers().get(&REQUEST_ID).cloned();
    let generated = req.extensions().get::<RequestId>().copied();
    let mut res = next.call(req).await?;
    let elapsed = started.elapsed();
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".into());
    let method = res.request().method().as_str().to_owned();
    metrics::record(&method, &route, res.status().as_str(), elapsed);
    if !QUIET_ROUTES.contains(&route.as_str()) {
        tracing::info!(
            http.request.method = %method,
            http.route = %route,
            http.response.status_code = res.status().as_u16(),
            latency_ms = elapsed.as_secs_f64() * 1000.0,
            "request served"
        );
    }
    let value =
        incoming.or_else(|| generated.and_then(|g| HeaderValue::from_str(&g.to_string()).ok()));
    if let Some(value) = value {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(res)
}

/// The server span of a request: few fields, the caller's trace context as
/// parent, and client errors recorded without a warning (they are the
/// caller's, and the access log has them).
pub struct RootSpan;

impl RootSpanBuilder for RootSpan {
    fn on_request_start(req: &ServiceRequest) -> Span {
        let header = |name: &HeaderName| req.headers().get(name).and_then(|v| v.to_str().ok());
        let traceparent = header(&TRACEPARENT);
        // Head sampling: a caller's sampled trace is always continued; a new
        // trace is started for `telemetry.sample_ratio` of the requests.
        if !telemetry::is_sampled(traceparent) && !telemetry::sample_new_trace() {
            return Span::none();
        }
        let route = req.match_pattern();
        let route = route.as_deref().unwrap_or("unmatched");
        let span = tracing::info_span!(
            "HTTP request",
            otel.name = %format_args!("{} {route}", req.method()),
            otel.kind = "server",
            http.request.method = %req.method(),
            http.route = %route,
            http.response.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            error.code = tracing::field::Empty,
            trace_id = tracing::field::Empty,
        );
        let _ = span.set_parent(telemetry::context_from_headers(
            traceparent,
            header(&TRACESTATE),
        ));
        if let Some(id) = telemetry::trace_id(&span.context()) {
            span.record("trace_id", id.as_str());
        }
        span
    }

    fn on_request_end<B: MessageBody>(
        span: Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        let status = match outcome {
            Ok(res) => res.status(),
            Err(e) => e.as_response_error().status_code(),
        };
        span.record("http.response.status_code", status.as_u16());
        span.record(
            "otel.status_code",
            if status.is_server_error() {
                "ERROR"
            } else {
                "OK"
            },
        );
        if let Some(code) = outcome
            .as_ref()
            .ok()
            .and_then(|r| r.response().error())
            .and_then(|e| e.as_error::<ApiError>())
        {
            span.record("error.code", code.code);
        }
    }
}
