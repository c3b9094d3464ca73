//! The actix bootstrap every service uses.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, App, HttpMessage, HttpResponse, HttpServer};
use futures::future::BoxFuture;
use tracing_actix_web::{RequestId, TracingLogger};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ComponentsBuilder, InfoBuilder, OpenApi, OpenApiBuilder};
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::AppExt;
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

/// Named checks `/readyz` runs (database, broker, cache …).
#[derive(Clone, Default)]
pub struct Readiness(Vec<(&'static str, Check)>);

impl Readiness {
    pub fn with(mut self, name: &'static str, check: Check) -> Self {
        self.0.push((name, check));
        self
    }
}

/// The OpenAPI document of a service, collected from the routes it
/// registers: the same function that serves them.
pub fn openapi<F: FnOnce(&mut ServiceConfig<'_>)>(info: &ServiceInfo, routes: F) -> OpenApi {
    let base = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title(info.name)
                .version(info.version)
                .description(Some(info.description)),
        )
        .components(Some(
            ComponentsBuilder::new()
                .security_scheme(
                    "bearer",
                    SecurityScheme::Http(
                        utoipa::openapi::security::HttpBuilder::from(Http::new(
                            HttpAuthScheme::Bearer,
                        ))
                        .bearer_format("JWT")
                        .build(),
                    ),
                )
                .build(),
        ))
        .build();
    App::new()
        .into_utoipa_app()
        .openapi(base)
        .configure(routes)
        .split_for_parts()
        .1
}

/// Builds the server on `listener`; the caller awaits it. It stops
/// gracefully on SIGTERM/SIGINT, letting requests finish.
pub fn server<F>(
    info: ServiceInfo,
    cfg: &HttpConfig,
    listener: TcpListener,
    readiness: Readiness,
    routes: F,
) -> std::io::Result<Server>
where
    F: Fn(&mut ServiceConfig<'_>) + Clone + Send + 'static,
{
    let spec = openapi(&info, routes.clone());
    let readiness = web::Data::new(readiness);
    let mut server = HttpServer::new(move || {
        let routes = routes.clone();
        App::new()
            .configure(|c| routes(&mut ServiceConfig::new(c)))
            .configure(json::configure_extractors)
            .app_data(readiness.clone())
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
            .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", spec.clone()))
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(ApiError::not_found(
                    "route_not_found",
                    "no such route or method",
                ))
            }))
            .wrap(from_fn(request_id))
            .wrap(from_fn(metrics::track))
            .wrap(TracingLogger::default())
    })
    .shutdown_timeout(cfg.shutdown_timeout_secs)
    .listen(listener)?;
    if cfg.workers > 0 {
        server = server.workers(cfg.workers);
    }
    Ok(server.run())
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "alive" }))
}

async fn readyz(readiness: web::Data<Readiness>) -> HttpResponse {
    let mut checks = serde_json::Map::new();
    let mut ready = true;
    for (name, check) in &readiness.0 {
        let result = tokio::time::timeout(Duration::from_secs(3), check()).await;
        let status = match result {
            Ok(Ok(())) => "ok".to_owned(),
            Ok(Err(e)) => format!("failing: {e:#}"),
            Err(_) => "failing: timed out".to_owned(),
        };
        ready &= status == "ok";
        checks.insert((*name).to_owned(), status.into());
    }
    let body = serde_json::json!({ "status": if ready { "ready" } else { "not_ready" }, "checks": checks });
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Echoes the caller's `X-Request-Id`, or the id the tracing layer gave the
/// request, so clients and logs can be matched.
async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let incoming = req.headers().get(&REQUEST_ID).cloned();
    let generated = req.extensions().get::<RequestId>().map(|id| id.to_string());
    let mut res = next.call(req).await?;
    let value = incoming.or_else(|| generated.and_then(|g| HeaderValue::from_str(&g).ok()));
    if let Some(value) = value {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(res)
}
