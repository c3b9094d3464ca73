//! Officers' inspections of classes (过程监督).

use actix_web::http::StatusCode;
use actix_web::{post, web, HttpResponse};
use db::ScopedFutureExt;
use platform::auth::{Principal, Role};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::validate::Validator;
use platform::ApiError;
use uuid::Uuid;

use super::{InspectionView, NewInspection, State};
use crate::app::supervision;

/// Record an inspection: findings, and photos referenced by URL.
#[utoipa::path(
    tag = "supervision",
    request_body = NewInspection,
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer as the first time (`Idempotent-Replayed: true`); another body is refused (422), a concurrent one too (409)")),
    responses(
        (status = 201, body = InspectionView),
        (status = 409, response = platform::problem::IdempotencyInFlight),
        (status = 422, response = platform::problem::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/v1/classes/{id}/inspections")]
pub async fn inspect(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
    key: IdempotencyKey,
    Json(body): Json<NewInspection>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::BureauOfficer])?
        .require_city(state.city)?;
    let mut v = Validator::new();
    let findings = body.findings.trim().to_owned();
    v.text("findings", &findings, 1..=2000);
    for (i, url) in body.photo_urls.iter().enumerate() {
        let ok = (url.starts_with("https://") || url.starts_with("http://"))
            && url.len() <= 500
            && !url.contains(char::is_whitespace);
        v.ensure(
            ok,
            format!("photo_urls[{i}]"),
            "url_format",
            "an http(s) URL of at most 500 characters",
        );
    }
    v.finish(())?;
    let class_id = id.into_inner();
    let scope = format!("{}:inspect:{class_id}", who.subject());
    let request = (findings.clone(), body.photo_urls.clone());
    let photo_urls = body.photo_urls;
    let who = &who;
    let mut conn = state.pool.get().await?;
    idempotency::once(&mut conn, &key, scope, &request, |conn| {
        async move {
            let row = supervision::inspect(conn, who, class_id, findings, photo_urls).await?;
            Created::new(StatusCode::CREATED, &InspectionView::from(row))
        }
        .scope_boxed()
    })
    .await
}
