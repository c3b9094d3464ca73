//! Officers' inspections of classes (过程监督).

use actix_web::http::StatusCode;
use actix_web::{post, web, HttpResponse};
use db::ScopedFutureExt;
use platform::auth::{Principal, Role};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use uuid::Uuid;

use super::{InspectionView, NewInspection, State, IDEMPOTENCY_KEY};
use crate::app::supervision;

/// Record an officer's inspection of a class
///
/// A bureau officer of the city records what an inspection of a class found (过程监督):
/// findings of 1 to 2000 characters (`text_length`), and photos, stored elsewhere, referenced
/// by http(s) URLs of at most 500 characters (`url_format` on `photo_urls[i]`). The
/// inspection goes on the class file (`getClassArchive`). An unknown class answers 404
/// `class_not_found`. With an `Idempotency-Key`, a retry answers what the first request was
/// answered.
#[utoipa::path(
    operation_id = "recordInspection",
    tag = "supervision",
    request_body = NewInspection,
    params(("id" = Uuid, Path, description = "The class"), ("Idempotency-Key" = Option<String>, Header, description = IDEMPOTENCY_KEY)),
    responses(
        (status = 201, description = "The inspection as recorded", body = InspectionView),
        (status = 404, description = "No such class (`class_not_found`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, response = platform::problem::IdempotencyInFlight),
        (status = 422, description = "Invalid fields (`validation_failed`: `text_length` on `findings`, `url_format` on `photo_urls[i]`), or the Idempotency-Key was sent before with another body (`idempotency_key_reused`)", body = Problem, content_type = "application/problem+json"),
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
