//! Claim receipts (补贴到账回执): every claim in a person's name, and
//! disputes (异议) that freeze a claim until an officer resolves them.
//!
//! Trainees sign in themselves (their token names their person id), or
//! reach these through the public-service portal (an integrator acting for
//! the person it authenticated) or an officer at the counter.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use db::ScopedFutureExt;
use platform::auth::{person_named, Principal, Role, PERSON_HEADER};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use uuid::Uuid;

use super::{DisputeResolution, DisputeView, NewDispute, ReceiptView, State};
use crate::app::disputes;
use crate::store::claims;
use crate::store::disputes::DisputeRow;

impl From<DisputeRow> for DisputeView {
    fn from(d: DisputeRow) -> Self {
        Self {
            id: d.id,
            claim_id: d.claim_id,
            reason: d.reason,
            previous_status: d.previous_status,
            filed_by: d.filed_by,
            filed_at: d.filed_at,
            resolution: d.resolution,
            note: d.note,
        }
    }
}

/// The person the caller acts for: a trainee only for themselves (their own
/// token, or the portal's acting for them: `act`); an officer of the city
/// for the person they name in the `X-Person-Id` header (never the URL).
fn person_for(
    who: &Principal,
    state: &State,
    named: Option<&str>,
    field: &'static str,
) -> Result<String, ApiError> {
    who.require(&[Role::BureauOfficer, Role::Trainee])?;
    if let Some(own) = who.person_id() {
        return match named {
            Some(other) if other != own => Err(ApiError::forbidden(
                "out_of_scope",
                "a trainee sees and disputes only the claims in their own name",
            )),
            _ => Ok(own.to_owned()),
        };
    }
    who.require_city(state.city)?;
    named.map(str::to_owned).ok_or_else(|| {
        ApiError::validation(vec![platform::FieldError {
            field: field.into(),
            code: "required".into(),
            message: format!("name the person the claims are for ({field})"),
        }])
    })
}

/// Every claim made in a person's name, whoever made it: the trainee's own
/// (or the portal's acting for them), or an officer's for the person named
/// in `X-Person-Id`.
#[utoipa::path(
    tag = "receipts",
    params(("X-Person-Id" = Option<String>, Header, description = "The person, for an officer; a trainee's token names them already")),
    responses(
        (status = 200, body = Vec<ReceiptView>),
        (status = 403, response = platform::problem::Forbidden),
        (status = 422, response = platform::problem::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[get("/v1/receipts")]
pub async fn receipts(
    state: State,
    who: Principal,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let named = person_named(&req);
    let person = person_for(&who, &state, named.as_deref(), PERSON_HEADER)?;
    let mut conn = state.pool.get().await?;
    let rows = claims::of_person(&mut conn, state.city.as_str(), &person).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(ReceiptView::from).collect::<Vec<_>>()))
}

/// The person disputes a claim in their name (e.g. "I never attended this
/// class"): the claim is frozen, nothing is paid on it until resolved. A
/// claim whose payment is at the bank is frozen as soon as the bank's
/// result is imported.
#[utoipa::path(
    tag = "receipts",
    request_body = NewDispute,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer as the first time; another body is refused (422), a concurrent one too (409)")),
    responses(
        (status = 201, body = DisputeView),
        (status = 404, response = platform::problem::NotFound),
        (status = 409, description = "The claim cannot be disputed now, or a request with this Idempotency-Key is still running (`idempotency_in_flight`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used with another body (`idempotency_key_reused`), or bad fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/claims/{id}/disputes")]
pub async fn dispute(
    state: State,
    who: Principal,
    path: web::Path<Uuid>,
    key: IdempotencyKey,
    Json(body): Json<NewDispute>,
) -> Result<HttpResponse, ApiError> {
    let person = person_for(&who, &state, body.person_id.as_deref(), "person_id")?;
    let mut v = Validator::new();
    v.ensure(
        !body.reason.trim().is_empty() && body.reason.chars().count() <= 2000,
        "reason",
        "reason_required",
        "a reason of 1 to 2000 characters, not only spaces",
    );
    v.finish(())?;
    let id = *path;
    let by = who.subject().to_owned();
    let mut conn = state.pool.get().await?;
    let request = body.clone();
    let scope = format!("{by}:dispute-claim:{id}");
    idempotency::once(&mut conn, &key, scope, &request, |conn| {
        async move {
            let filed = disputes::file(conn, id, &person, &body.reason, &by).await?;
            Created::new(StatusCode::CREATED, &DisputeView::from(filed))
        }
        .scope_boxed()
    })
    .await
}

/// An officer resolves a dispute. Upheld: a paid claim gets a recovery
/// order (追回), an unpaid one is rejected and its money released.
/// Dismissed: the claim goes back to where it was.
#[utoipa::path(
    tag = "receipts",
    request_body = DisputeResolution,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer as the first time; another body is refused (422), a concurrent one too (409)")),
    responses(
        (status = 200, body = DisputeView),
        (status = 404, response = platform::problem::NotFound),
        (status = 409, description = "Already resolved, or a request with this Idempotency-Key is still running (`idempotency_in_flight`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used with another body (`idempotency_key_reused`), or bad fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/disputes/{id}/resolution")]
pub async fn resolve(
    state: State,
    who: Principal,
    path: web::Path<Uuid>,
    key: IdempotencyKey,
    Json(body): Json<DisputeResolution>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::BureauOfficer])?
        .require_city(state.city)?;
    let id = *path;
    let by = who.subject().to_owned();
    let mut conn = state.pool.get().await?;
    let engine = &state.engine.current(&mut conn).await?;
    let request = body.clone();
    let scope = format!("{by}:resolve-dispute:{id}");
    idempotency::once(&mut conn, &key, scope, &request, |conn| {
        async move {
            let resolved =
                disputes::resolve(conn, engine, id, body.upheld, body.note.as_deref(), &by).await?;
            Created::new(StatusCode::OK, &DisputeView::from(resolved))
        }
        .scope_boxed()
    })
    .await
}
