//! Recovery orders (追回) and their settlement by repayment. Offsets
//! against later payouts happen when a payout batch is made.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use db::ScopedFutureExt;
use platform::auth::{Principal, Role};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::problem::Problem;
use platform::ApiError;
use uuid::Uuid;

use super::{NewRecovery, RecoveryView, Repayment, State};
use crate::app::recoveries;
use crate::store::recoveries::RecoveryRow;

impl From<RecoveryRow> for RecoveryView {
    fn from(r: RecoveryRow) -> Self {
        Self {
            id: r.id,
            claim_id: r.claim_id,
            payee: r.payee,
            cause: r.cause,
            reason: r.reason,
            amount_fen: r.amount_fen,
            settled_fen: r.settled_fen,
            status: r.status,
            ordered_at: r.ordered_at,
        }
    }
}

/// Every recovery order of the city, oldest first.
#[utoipa::path(
    tag = "recoveries",
    responses((status = 200, body = Vec<RecoveryView>)),
    security(("bearer" = []))
)]
#[get("/v1/recoveries")]
pub async fn list(state: State, who: Principal) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::BureauOfficer, Role::Auditor])?
        .require_city(state.city)?;
    let mut conn = state.pool.get().await?;
    let rows = crate::store::recoveries::of_city(&mut conn, state.city.as_str()).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(RecoveryView::from).collect::<Vec<_>>()))
}

/// Record money paid back on a recovery order; it returns to the budget
/// of the pot it came from. More than is open is refused. With an
/// `Idempotency-Key`, a retry records the repayment once and answers as the
/// first time did.
#[utoipa::path(
    tag = "recoveries",
    request_body = Repayment,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer as the first time; another body is refused (422), a concurrent one too (409)")),
    responses(
        (status = 200, body = RecoveryView),
        (status = 409, response = platform::problem::IdempotencyInFlight),
        (status = 404, response = platform::problem::NotFound),
        (status = 422, description = "More than is open, or not a positive whole number of fen", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/recoveries/{id}/repayments")]
pub async fn repay(
    state: State,
    who: Principal,
    path: web::Path<Uuid>,
    key: IdempotencyKey,
    Json(body): Json<Repayment>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::BureauOfficer])?
        .require_city(state.city)?;
    let id = *path;
    let by = who.subject().to_owned();
    let city = state.city;
    let scope = format!("{by}:repay-recovery:{id}");
    let mut conn = state.pool.get().await?;
    idempotency::once(&mut conn, &key, scope, &body, |conn| {
        async move {
            let r = recoveries::repay(conn, city, id, body.amount_fen.0, &by).await?;
            Created::new(StatusCode::OK, &RecoveryView::from(r))
        }
        .scope_boxed()
    })
    .await
}

/// Order the recovery (追回) of a paid claim found fraudulent. One order
/// per claim.
#[utoipa::path(
    tag = "recoveries",
    request_body = NewRecovery,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer as the first time; another body is refused (422), a concurrent one too (409)")),
    responses(
        (status = 201, body = RecoveryView),
        (status = 404, response = platform::problem::NotFound),
        (status = 409, description = "The claim is not paid, or already recovered, or a request with this Idempotency-Key is still running (`idempotency_in_flight`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The Idempotency-Key was used with another body (`idempotency_key_reused`), or bad fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/claims/{id}/recovery")]
pub async fn order(
    state: State,
    who: Principal,
    path: web::Path<Uuid>,
    key: IdempotencyKey,
    Json(body): Json<NewRecovery>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::BureauOfficer])?
        .require_city(state.city)?;
    if body.reason.trim().is_empty() {
        return Err(ApiError::validation(vec![platform::FieldError {
            field: "reason".into(),
            code: "reason_required".into(),
            message: "why the money is recovered".into(),
        }]));
    }
    let id = *path;
    let mut conn = state.pool.get().await?;
    let engine = &state.engine.current(&mut conn).await?;
    let request = body.clone();
    let scope = format!("{}:order-recovery:{id}", who.subject());
    idempotency::once(&mut conn, &key, scope, &request, |conn| {
        async move {
            let r = recoveries::order_for_fraud(conn, engine, id, &body.reason).await?;
            Created::new(StatusCode::CREATED, &RecoveryView::from(r))
        }
        .scope_boxed()
    })
    .await
}
