//! Recovery orders (追回) and their settlement by repayment. Offsets
//! against later payouts happen when a payout batch is made.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use db::ScopedFutureExt;
use platform::auth::{Principal, Role};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::pagination::{self, Page};
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use serde::Deserialize;
use uuid::Uuid;

use super::{NewRecovery, RecoveryView, Repayment, State};
use crate::app::recoveries;
use crate::domain::status::RecoveryStatus;
use crate::store::recoveries::{RecoveryFilter, RecoveryRow};

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

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RecoveryQuery {
    /// Only orders still owed (`open`: the officers' work queue) or only
    /// those repaid or withheld in full (`settled`).
    #[param(inline, value_type = Option<RecoveryStatus>)]
    pub status: Option<String>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// List the city's recovery orders, oldest first
///
/// Recovery orders (追回), for bureau officers and auditors of the city.
/// Each order with its cause (`certificate_revoked`, `fraud`,
/// `dispute_upheld`), the amount, what has been repaid or withheld from
/// later payouts so far, and whether it is `open` or `settled`; `status`
/// narrows to one. Oldest first, cursor-paginated: pass the previous
/// page's `next_cursor` as `cursor`; `limit` is 1 to 500 (default 50).
/// Refusals (422): `recovery_status_unknown` on `status`, `cursor_invalid`,
/// `limit_range`.
#[utoipa::path(
    tag = "recoveries",
    operation_id = "listRecoveries",
    params(RecoveryQuery),
    responses(
        (status = 200, description = "A page of the city's recovery orders, oldest first", body = Page<RecoveryView>),
        (status = 422, description = "Refused: validation_failed (recovery_status_unknown on status), cursor_invalid, limit_range", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/recoveries")]
pub async fn list(
    state: State,
    who: Principal,
    query: web::Query<RecoveryQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::BureauOfficer, Role::Auditor])?
        .require_city(state.city)?;
    let mut v = Validator::new();
    let status: Option<Option<RecoveryStatus>> =
        query.status.as_deref().map(|s| v.parse("status", s));
    v.finish(())?;
    let limit = pagination::limit(query.limit)?;
    let after: Option<(DateTime<Utc>, Uuid)> = pagination::decode_cursor(query.cursor.as_deref())?;
    let filter = RecoveryFilter {
        status: status.flatten(),
        after,
        limit: limit + 1,
    };
    let mut conn = state.pool.get().await?;
    let rows = recoveries::list(&mut conn, state.city, &filter).await?;
    let page =
        pagination::page(rows, limit, |r| (r.ordered_at, r.id)).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(Page {
        items: page
            .items
            .into_iter()
            .map(RecoveryView::from)
            .collect::<Vec<_>>(),
        next_cursor: page.next_cursor,
    }))
}

/// Record money paid back on a recovery order
///
/// A bureau officer of the city records a repayment (the receipt or bank
/// reference in `memo`); it returns to the budget of the pot it came from
/// in the ledger, and the order is `settled` once nothing is owed. More
/// than is open is refused by the ledger (`balance_would_go_negative`,
/// 422), changing nothing. Refusals: `recovery_not_found` (404). With an
/// `Idempotency-Key`, a retry records the repayment once and answers as
/// the first time did.
#[utoipa::path(
    tag = "recoveries",
    operation_id = "recordRepayment",
    request_body = Repayment,
    params(("id" = Uuid, Path, description = "The recovery order"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer as the first time; another body is refused (422), a concurrent one too (409)")),
    responses(
        (status = 200, description = "The order with the repayment counted", body = RecoveryView),
        (status = 404, description = "Refused: recovery_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, response = platform::problem::IdempotencyInFlight),
        (status = 422, description = "Refused: balance_would_go_negative (more than is open), ledger_refused, validation_failed (not a positive whole number of fen), idempotency_key_reused", body = Problem, content_type = "application/problem+json"),
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

/// Order the recovery of a paid claim found fraudulent
///
/// A bureau officer of the city orders the money of a paid claim recovered
/// (追回, cause `fraud`, 骗取), with the reason. The claim becomes
/// `recovered`, a receivable is posted in the ledger, the order is
/// published on `subsidy.recoveries.v1` (performance evaluation counts it
/// against the institution), and later payouts to the payee withhold what
/// is owed. One order per claim. Refusals: `claim_not_found` (404);
/// `claim_not_paid` (409, only a paid claim is recovered); `reason_required`
/// (422). With an `Idempotency-Key`, a retry answers as the first time.
#[utoipa::path(
    tag = "recoveries",
    operation_id = "orderRecovery",
    request_body = NewRecovery,
    params(("id" = Uuid, Path, description = "The paid claim"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer as the first time; another body is refused (422), a concurrent one too (409)")),
    responses(
        (status = 201, description = "The recovery order, open", body = RecoveryView),
        (status = 404, description = "Refused: claim_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: claim_not_paid (not paid, or already recovered), idempotency_in_flight", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: validation_failed (reason_required), idempotency_key_reused", body = Problem, content_type = "application/problem+json"),
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
