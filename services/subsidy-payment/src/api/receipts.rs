//! Claim receipts (补贴到账回执): every claim in a person's name, and
//! disputes (异议) that freeze a claim until an officer resolves them.
//!
//! Trainees sign in themselves (their token names their person id), or
//! reach these through the public-service portal (an integrator acting for
//! the person it authenticated) or an officer at the counter.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use db::ScopedFutureExt;
use platform::auth::{person_named, Principal, Role, PERSON_HEADER};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::pagination::{self, Page};
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use serde::Deserialize;
use uuid::Uuid;

use super::{DisputeResolution, DisputeView, NewDispute, PageQuery, ReceiptView, State};
use crate::app::{claims, disputes};
use crate::domain::status::DisputeState;
use crate::store::disputes::{DisputeFilter, DisputeRow};

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

/// List every claim made in a person's name, as receipts
///
/// Receipts (补贴到账回执). A trainee sees their own (their token, or the
/// public-service portal acting for them with `act`); a bureau officer of
/// the city at the counter names the person in the `X-Person-Id` header
/// (never in the URL). Whoever made the claim (an institution for the
/// person's training, an enterprise, the person), the person sees what was
/// claimed in their name, its status and when it was paid, so they can
/// dispute it. Oldest first, cursor-paginated: pass the previous page's
/// `next_cursor` as `cursor`; `limit` is 1 to 500 (default 50). Refusals:
/// `out_of_scope` (403, a trainee naming someone else); `required` on
/// `X-Person-Id` (422, an officer naming nobody); `cursor_invalid`,
/// `limit_range` (422).
#[utoipa::path(
    tag = "receipts",
    operation_id = "listReceipts",
    params(
        PageQuery,
        ("X-Person-Id" = Option<String>, Header, description = "The person (pseudonymous person id), for an officer; a trainee's token names them already"),
    ),
    responses(
        (status = 200, description = "A page of the person's claims in the city, oldest first", body = Page<ReceiptView>),
        (status = 403, description = "Refused: out_of_scope (a trainee naming another person), forbidden_role", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: validation_failed (X-Person-Id required for an officer), cursor_invalid, limit_range", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/receipts")]
pub async fn receipts(
    state: State,
    who: Principal,
    req: actix_web::HttpRequest,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let named = person_named(&req);
    let person = person_for(&who, &state, named.as_deref(), PERSON_HEADER)?;
    let limit = pagination::limit(query.limit)?;
    let after: Option<(DateTime<Utc>, Uuid)> = pagination::decode_cursor(query.cursor.as_deref())?;
    let mut conn = state.pool.get().await?;
    let rows = claims::receipts(&mut conn, state.city, &person, after, limit + 1).await?;
    let page =
        pagination::page(rows, limit, |r| (r.created_at, r.id)).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(Page {
        items: page
            .items
            .into_iter()
            .map(ReceiptView::from)
            .collect::<Vec<_>>(),
        next_cursor: page.next_cursor,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DisputeQuery {
    /// Only open disputes (the officers' work queue: the claim is frozen)
    /// or only resolved ones.
    #[param(inline, value_type = Option<DisputeState>)]
    pub status: Option<String>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// List the city's disputes, oldest first
///
/// Disputes (异议) people filed against claims made in their name: the
/// bureau's work queue. Bureau officers and auditors of the city only: a
/// dispute says what a trainee alleges against an institution or employer,
/// which the bureau looks into before the accused learns of it (they see
/// only that a claim is `disputed`). `status=open` is what waits (each
/// resolved with `POST /v1/disputes/{id}/resolution`). Oldest first by
/// when it was filed, cursor-paginated: pass the previous page's
/// `next_cursor` as `cursor`; `limit` is 1 to 500 (default 50). Refusals:
/// `out_of_scope` (403, another city's officer); `dispute_state_unknown` on
/// `status`, `cursor_invalid`, `limit_range` (422).
#[utoipa::path(
    tag = "receipts",
    operation_id = "listDisputes",
    params(DisputeQuery),
    responses(
        (status = 200, description = "A page of disputes, oldest first", body = Page<DisputeView>),
        (status = 422, description = "Refused: validation_failed (dispute_state_unknown on status), cursor_invalid, limit_range", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/disputes")]
pub async fn list_disputes(
    state: State,
    who: Principal,
    query: web::Query<DisputeQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::BureauOfficer, Role::Auditor])?
        .require_city(state.city)?;
    let mut v = Validator::new();
    let status: Option<Option<DisputeState>> =
        query.status.as_deref().map(|s| v.parse("status", s));
    v.finish(())?;
    let limit = pagination::limit(query.limit)?;
    let after: Option<(DateTime<Utc>, Uuid)> = pagination::decode_cursor(query.cursor.as_deref())?;
    let filter = DisputeFilter {
        city: state.city.to_string(),
        open: status.flatten().map(|s| s == DisputeState::Open),
        after,
        limit: limit + 1,
    };
    let mut conn = state.pool.get().await?;
    let rows = disputes::list(&mut conn, &filter).await?;
    let page = pagination::page(rows, limit, |d| (d.filed_at, d.id)).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(Page {
        items: page
            .items
            .into_iter()
            .map(DisputeView::from)
            .collect::<Vec<_>>(),
        next_cursor: page.next_cursor,
    }))
}

/// Dispute a claim made in one's name
///
/// A dispute (异议) by the person in whose name the claim was made
/// (trainee token, or the portal acting for them), or a bureau officer of
/// the city naming them in `person_id`; e.g. "I never attended this class". The claim is frozen
/// (`disputed`) and nothing is paid on it until an officer resolves the
/// dispute; published on `subsidy.claims.v1` as disputed. A claim whose
/// payment is at the bank is recorded at once and frozen when the bank's
/// result is imported. Refusals: `out_of_scope` (403); `claim_not_found`
/// (404, also when the claim is not in the person's name);
/// `claim_not_disputable`, `already_disputed` (409); `reason_required`
/// (422). With an `Idempotency-Key`, a retry answers as the first time.
#[utoipa::path(
    tag = "receipts",
    operation_id = "disputeClaim",
    request_body = NewDispute,
    params(("id" = Uuid, Path, description = "The claim disputed"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer as the first time; another body is refused (422), a concurrent one too (409)")),
    responses(
        (status = 201, description = "The dispute, open; the claim is frozen", body = DisputeView),
        (status = 403, description = "Refused: out_of_scope (a trainee disputing for another person), forbidden_role", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Refused: claim_not_found (absent, or not in the person's name)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: claim_not_disputable (refused, rejected or recovered), already_disputed, idempotency_in_flight", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: validation_failed (reason_required, person_id required), idempotency_key_reused", body = Problem, content_type = "application/problem+json"),
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

/// Resolve a person's dispute of a claim
///
/// A bureau officer of the city. Upheld: an unpaid claim is rejected and
/// its money released to the budget; a paid one gets a recovery order
/// (追回, cause `dispute_upheld`, published on `subsidy.recoveries.v1`).
/// Dismissed: the claim goes back to where it was (published as
/// dispute_dismissed on `subsidy.claims.v1`). Refusals:
/// `dispute_not_found` (404); `dispute_resolved`, `payment_in_flight`
/// (409, the bank has not answered yet). With an `Idempotency-Key`, a
/// retry answers as the first time.
#[utoipa::path(
    tag = "receipts",
    operation_id = "resolveDispute",
    request_body = DisputeResolution,
    params(("id" = Uuid, Path, description = "The dispute"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer as the first time; another body is refused (422), a concurrent one too (409)")),
    responses(
        (status = 200, description = "The dispute, resolved", body = DisputeView),
        (status = 404, description = "Refused: dispute_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: dispute_resolved, payment_in_flight (the bank has not answered yet), idempotency_in_flight", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: idempotency_key_reused, or bad fields", body = Problem, content_type = "application/problem+json"),
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
