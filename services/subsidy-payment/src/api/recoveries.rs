//! Recovery orders (追回) and their settlement by repayment. Offsets
//! against later payouts happen when a payout batch is made.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::Utc;
use db::ScopedFutureExt;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use platform::auth::{Principal, Role};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::problem::Problem;
use platform::ApiError;
use uuid::Uuid;

use super::{NewRecovery, RecoveryView, Repayment, State};
use crate::claims::{order_recovery, payee_of};
use crate::domain::ledger::{ClaimKey, Transaction};
use crate::store::schema::{claims, recoveries};
use crate::store::{self, StoreError};

type Row = (
    Uuid,
    Uuid,
    String,
    String,
    String,
    i64,
    i64,
    String,
    chrono::DateTime<Utc>,
);

fn view(r: Row) -> RecoveryView {
    RecoveryView {
        id: r.0,
        claim_id: r.1,
        payee: r.2,
        cause: r.3,
        reason: r.4,
        amount_fen: r.5,
        settled_fen: r.6,
        status: r.7,
        ordered_at: r.8,
    }
}

const COLUMNS: (
    recoveries::id,
    recoveries::claim_id,
    recoveries::payee,
    recoveries::cause,
    recoveries::reason,
    recoveries::amount_fen,
    recoveries::settled_fen,
    recoveries::status,
    recoveries::ordered_at,
) = (
    recoveries::id,
    recoveries::claim_id,
    recoveries::payee,
    recoveries::cause,
    recoveries::reason,
    recoveries::amount_fen,
    recoveries::settled_fen,
    recoveries::status,
    recoveries::ordered_at,
);

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
    let rows: Vec<Row> = recoveries::table
        .inner_join(claims::table)
        .filter(claims::city.eq(state.city.to_string()))
        .order((recoveries::ordered_at, recoveries::id))
        .select(COLUMNS)
        .load(&mut conn)
        .await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(view).collect::<Vec<_>>()))
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
        (status = 409, description = "A request with this Idempotency-Key is still running", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
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
            let r: Row = recoveries::table
                .find(id)
                .select(COLUMNS)
                .for_update()
                .first(conn)
                .await
                .optional()?
                .ok_or_else(|| {
                    ApiError::not_found("recovery_not_found", "no such recovery order")
                })?;
            let claim = store::claim(conn, r.1)
                .await?
                .ok_or_else(|| ApiError::internal("recovery without claim"))?;
            let fund = store::fund_of(claim.fund.as_deref().unwrap_or_default())?;
            let pot = store::pot(fund, city, claim.statistical_year)?;
            store::lock_pots(conn, &[pot]).await?;
            let key = ClaimKey {
                claim_id: claim.id,
                payee: payee_of(&claim.payee).map_err(ApiError::internal)?,
            };
            let mut ledger = store::load_ledger(conn, &[pot], std::slice::from_ref(&key)).await?;
            let tx = Transaction::repayment(Uuid::now_v7(), key, pot, body.amount_fen.0)
                .map_err(StoreError::from)?;
            store::append(conn, &mut ledger, tx, &by).await?;
            let settled = r.6 + body.amount_fen.0.get();
            let status = if settled >= r.5 { "settled" } else { "open" };
            diesel::update(recoveries::table.find(id))
                .set((
                    recoveries::settled_fen.eq(settled),
                    recoveries::status.eq(status),
                ))
                .execute(conn)
                .await?;
            let view = view((
                r.0,
                r.1,
                r.2,
                r.3,
                r.4,
                r.5,
                settled,
                status.to_owned(),
                r.8,
            ));
            Ok(Created::new(StatusCode::OK, &view))
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
        (status = 404, body = Problem, content_type = "application/problem+json"),
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
            let row = store::claim_for_update(conn, id)
                .await?
                .filter(|r| r.city == engine.city.as_str())
                .ok_or_else(|| ApiError::not_found("claim_not_found", "no such claim"))?;
            if row.status != "paid" {
                return Err(ApiError::conflict(
                    "claim_not_paid",
                    format!(
                        "the claim is {}; only a paid claim is recovered",
                        row.status
                    ),
                ));
            }
            order_recovery(conn, engine, &row, "fraud", &body.reason)
                .await
                .map_err(ApiError::internal)?;
            let r: Row = recoveries::table
                .filter(recoveries::claim_id.eq(id))
                .select(COLUMNS)
                .first(conn)
                .await?;
            let out = view(r);
            Ok(Created::new(StatusCode::CREATED, &out))
        }
        .scope_boxed()
    })
    .await
}
