//! Claim receipts (补贴到账回执): every claim in a person's name, and
//! disputes (异议) that freeze a claim until an officer resolves them.
//!
//! Trainees sign in themselves (their token names their person id), or
//! reach these through the public-service portal (an integrator acting for
//! the person it authenticated) or an officer at the counter.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::Utc;
use db::ScopedFutureExt;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use platform::auth::{person_named, Principal, Role, PERSON_HEADER};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use uuid::Uuid;

use super::{DisputeResolution, DisputeView, NewDispute, ReceiptView, State};
use crate::claims::{claim_event, claim_event_as, order_recovery, release_in_ledger};
use crate::store::schema::{claims, disputes};
use crate::store::{self, ClaimRow};
use contracts::subsidy::CLAIM_DISPUTE_DISMISSED;

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
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
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
    let rows: Vec<ClaimRow> = claims::table
        .filter(claims::person_id.eq(&person))
        .filter(claims::city.eq(state.city.to_string()))
        .order((claims::created_at, claims::id))
        .select(ClaimRow::as_select())
        .load(&mut conn)
        .await?;
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
        (status = 404, body = Problem, content_type = "application/problem+json"),
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
            let mut row = store::claim_for_update(conn, id)
                .await?
                .filter(|r| r.person_id == person)
                .ok_or_else(|| ApiError::not_found("claim_not_found", "no such claim"))?;
            match row.status.as_str() {
                "in_review" | "approved" | "documents_requested" | "paid" | "in_payout" => {}
                other => {
                    return Err(ApiError::conflict(
                        "claim_not_disputable",
                        format!("the claim is {other}"),
                    ))
                }
            }
            let view = DisputeView {
                id: Uuid::now_v7(),
                claim_id: id,
                reason: body.reason.clone(),
                previous_status: row.status.clone(),
                filed_by: by.clone(),
                filed_at: Utc::now(),
                resolution: None,
                note: None,
            };
            diesel::insert_into(disputes::table)
                .values((
                    disputes::id.eq(view.id),
                    disputes::claim_id.eq(id),
                    disputes::reason.eq(&view.reason),
                    disputes::previous_status.eq(&view.previous_status),
                    disputes::filed_by.eq(&by),
                    disputes::filed_at.eq(view.filed_at),
                ))
                .execute(conn)
                .await
                .map_err(|e| match e {
                    diesel::result::Error::DatabaseError(
                        diesel::result::DatabaseErrorKind::UniqueViolation,
                        _,
                    ) => ApiError::conflict(
                        "already_disputed",
                        "the claim already has an open dispute",
                    ),
                    other => other.into(),
                })?;
            if row.status != "in_payout" {
                freeze(conn, &mut row).await?;
            }
            Ok(Created::new(StatusCode::CREATED, &view))
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
        (status = 404, body = Problem, content_type = "application/problem+json"),
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
            type Row = (
                Uuid,
                String,
                String,
                String,
                chrono::DateTime<Utc>,
                Option<String>,
            );
            let (dispute_id, reason, previous, filed_by, filed_at, resolution): Row =
                disputes::table
                    .find(id)
                    .select((
                        disputes::claim_id,
                        disputes::reason,
                        disputes::previous_status,
                        disputes::filed_by,
                        disputes::filed_at,
                        disputes::resolution,
                    ))
                    .for_update()
                    .first(conn)
                    .await
                    .optional()?
                    .ok_or_else(|| ApiError::not_found("dispute_not_found", "no such dispute"))?;
            if resolution.is_some() {
                return Err(ApiError::conflict(
                    "dispute_resolved",
                    "the dispute is already resolved",
                ));
            }
            let claim_id = dispute_id;
            let mut row = store::claim_for_update(conn, claim_id)
                .await?
                .ok_or_else(|| ApiError::internal("dispute without claim"))?;
            if row.status == "in_payout" {
                return Err(ApiError::conflict(
                    "payment_in_flight",
                    "the payment is at the bank; resolve the dispute once the bank has answered",
                ));
            }
            let now = Utc::now();
            let note = body.note.clone();
            let resolution = if body.upheld { "upheld" } else { "dismissed" };
            diesel::update(disputes::table.find(id))
                .set((
                    disputes::resolution.eq(resolution),
                    disputes::resolved_by.eq(&by),
                    disputes::resolved_at.eq(now),
                    disputes::note.eq(&note),
                ))
                .execute(conn)
                .await?;
            let why = format!("dispute upheld: {reason}");
            match (body.upheld, previous.as_str()) {
                (true, "paid") => {
                    diesel::update(claims::table.find(claim_id))
                        .set(claims::status.eq("paid"))
                        .execute(conn)
                        .await?;
                    row.status = "paid".into();
                    order_recovery(conn, engine, &row, "dispute_upheld", &why)
                        .await
                        .map_err(ApiError::internal)?;
                }
                (true, _) => {
                    release_in_ledger(conn, engine.city, &row, &why, &by).await?;
                    diesel::update(claims::table.find(claim_id))
                        .set((
                            claims::status.eq("rejected"),
                            claims::decided_by.eq(&by),
                            claims::decided_at.eq(now),
                            claims::review_note.eq(&why),
                        ))
                        .execute(conn)
                        .await?;
                    row.status = "rejected".into();
                    messaging::enqueue(conn, &[claim_event(&row).map_err(ApiError::internal)?])
                        .await?;
                }
                (false, _) => {
                    diesel::update(claims::table.find(claim_id))
                        .set(claims::status.eq(&previous))
                        .execute(conn)
                        .await?;
                    row.status = previous.clone();
                    messaging::enqueue(
                        conn,
                        &[claim_event_as(&row, CLAIM_DISPUTE_DISMISSED)
                            .map_err(ApiError::internal)?],
                    )
                    .await?;
                }
            }
            let view = DisputeView {
                id,
                claim_id,
                reason,
                previous_status: previous,
                filed_by,
                filed_at,
                resolution: Some(resolution.to_owned()),
                note,
            };
            Ok(Created::new(StatusCode::OK, &view))
        }
        .scope_boxed()
    })
    .await
}

/// Freezes a claim under an open dispute and announces it.
async fn freeze(
    conn: &mut diesel_async::AsyncPgConnection,
    row: &mut ClaimRow,
) -> Result<(), ApiError> {
    diesel::update(claims::table.find(row.id))
        .set(claims::status.eq("disputed"))
        .execute(conn)
        .await?;
    row.status = "disputed".into();
    messaging::enqueue(conn, &[claim_event(row).map_err(ApiError::internal)?]).await?;
    Ok(())
}

/// After the bank answered a claim's payment: a dispute filed while the
/// money was at the bank now freezes the claim, from the status the answer
/// left it in (paid, or approved again after a failure).
pub(crate) async fn freeze_if_disputed(
    conn: &mut diesel_async::AsyncPgConnection,
    claim_id: Uuid,
) -> Result<(), ApiError> {
    let Some(mut row) = store::claim_for_update(conn, claim_id).await? else {
        return Ok(());
    };
    let pending = diesel::update(
        disputes::table
            .filter(disputes::claim_id.eq(claim_id))
            .filter(disputes::resolution.is_null())
            .filter(disputes::previous_status.eq("in_payout")),
    )
    .set(disputes::previous_status.eq(&row.status))
    .execute(conn)
    .await?;
    if pending > 0 {
        freeze(conn, &mut row).await?;
    }
    Ok(())
}
