//! Dual control over HTTP: the queue of proposals, and the second officer's
//! approval, rejection, or the proposer's withdrawal.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use db::ScopedFutureExt;
use platform::auth::{Principal, Role};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Approval, Closing, ProposalPage, ProposalView, State};
use crate::app::proposals::{self, Payload};
use crate::domain::dual_control::{ProposalKind, ProposalStatus};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProposalQuery {
    /// pending (the approval queue), applied, rejected, withdrawn, expired,
    /// failed
    #[param(pattern = r"^(?:pending|applied|rejected|withdrawn|expired|failed)$")]
    pub status: Option<String>,
    /// bank_account, budget_allocation, budget_reduction, rules,
    /// payout_release, bank_result
    #[param(
        pattern = r"^(?:bank_account|budget_allocation|budget_reduction|rules|payout_release|bank_result)$"
    )]
    pub kind: Option<String>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// Records a proposal (202) at most once per `Idempotency-Key` of the
/// officer and route: a retry, before or after the second officer decided,
/// answers with the first proposal and proposes nothing again — so a
/// retried allocation is never proposed, and approved, twice.
pub(crate) async fn propose_once(
    state: &State,
    who: &Principal,
    key: &IdempotencyKey,
    route: &str,
    request: &impl Serialize,
    payload: Payload,
    sealed: Option<Vec<u8>>,
) -> Result<HttpResponse, ApiError> {
    let deps = state.deps();
    let scope = format!("{}:{route}", who.subject());
    let mut conn = state.pool.get().await?;
    idempotency::once(&mut conn, key, scope, request, move |conn| {
        async move {
            let proposal = proposals::propose(conn, &deps, who, payload, sealed).await?;
            Created::new(StatusCode::ACCEPTED, &proposal)
        }
        .scope_boxed()
    })
    .await
}

fn officers_and_auditors(who: &Principal, state: &State) -> Result<(), ApiError> {
    who.require(&[Role::BureauOfficer, Role::Auditor])?
        .require_city(state.city)?;
    Ok(())
}

fn second_officer(who: &Principal, state: &State) -> Result<(), ApiError> {
    who.require(&[Role::BureauOfficer])?
        .require_city(state.city)?;
    Ok(())
}

fn cursor_of(text: &str) -> Option<(DateTime<Utc>, Uuid)> {
    let (at, id) = text.split_once('_')?;
    Some((
        DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc),
        id.parse().ok()?,
    ))
}

/// Proposals of the city, oldest first: `status=pending` is the approval
/// queue. Officers and auditors of the city.
#[utoipa::path(
    tag = "proposals",
    params(ProposalQuery),
    responses(
        (status = 200, body = ProposalPage),
        (status = 403, response = platform::problem::Forbidden),
        (status = 422, response = platform::problem::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[get("/v1/proposals")]
pub async fn list(
    state: State,
    who: Principal,
    query: web::Query<ProposalQuery>,
) -> Result<HttpResponse, ApiError> {
    officers_and_auditors(&who, &state)?;
    let mut v = Validator::new();
    let status = query.status.as_deref().map(ProposalStatus::parse);
    v.ensure(
        !matches!(status, Some(None)),
        "status",
        "status_unknown",
        "pending, applied, rejected, withdrawn, expired or failed",
    );
    let kind = query.kind.as_deref().map(ProposalKind::parse);
    v.ensure(
        !matches!(kind, Some(None)),
        "kind",
        "kind_unknown",
        "bank_account, budget_allocation, budget_reduction, rules, payout_release or bank_result",
    );
    let after = query.cursor.as_deref().map(cursor_of);
    v.ensure(
        !matches!(after, Some(None)),
        "cursor",
        "cursor_invalid",
        "use the next_cursor of the previous page",
    );
    let limit = query.limit.unwrap_or(50);
    v.ensure(
        (1..=200).contains(&limit),
        "limit",
        "limit_range",
        "between 1 and 200",
    );
    v.finish(())?;
    let items = proposals::list(
        &state.deps(),
        status.flatten(),
        kind.flatten(),
        after.flatten(),
        limit,
    )
    .await?;
    let next_cursor = (items.len() as i64 == limit)
        .then(|| items.last())
        .flatten()
        .map(|p| format!("{}_{}", p.proposed_at.to_rfc3339(), p.id));
    Ok(HttpResponse::Ok().json(ProposalPage { items, next_cursor }))
}

/// One proposal: officers and auditors of the city, and whoever proposed
/// it.
#[utoipa::path(
    tag = "proposals",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = ProposalView),
        (status = 404, response = platform::problem::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/v1/proposals/{id}")]
pub async fn get(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let found = proposals::get(&state.deps(), *id).await?;
    if officers_and_auditors(&who, &state).is_err() && found.proposed_by != who.subject() {
        // Another's proposal does not even show it exists.
        return Err(ApiError::not_found(
            "proposal_not_found",
            "no such proposal",
        ));
    }
    Ok(HttpResponse::Ok().json(found))
}

/// Approve a proposal: a bureau officer of the city other than the
/// proposer. Its effect is applied in the same transaction and recorded as
/// the outcome; an effect refused now (e.g. a reduction the budget no
/// longer covers, a batch that would pay something else than was shown)
/// changes nothing and marks the proposal failed with the reason.
#[utoipa::path(
    tag = "proposals",
    params(("id" = Uuid, Path)),
    request_body = Approval,
    responses(
        (status = 200, description = "Applied; what it did is `outcome`", body = ProposalView),
        (status = 403, description = "Not a bureau officer of the city, or the proposer (`same_officer`)", body = Problem, content_type = "application/problem+json"),
        (status = 404, response = platform::problem::NotFound),
        (status = 409, description = "Already decided, expired, or stale", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The effect was refused; the proposal is failed", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/proposals/{id}/approve")]
pub async fn approve(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
    Json(body): Json<Approval>,
) -> Result<HttpResponse, ApiError> {
    second_officer(&who, &state)?;
    let mut v = Validator::new();
    v.ensure(
        body.note.as_ref().is_none_or(|n| n.chars().count() <= 500),
        "note",
        "note_too_long",
        "at most 500 characters",
    );
    v.finish(())?;
    let decided =
        proposals::approve(&state.deps(), who.subject(), *id, body.note.as_deref()).await?;
    Ok(HttpResponse::Ok().json(decided))
}

/// Closes the proposal without applying it: rejected by a second officer,
/// or withdrawn by its proposer.
async fn close(
    state: &State,
    who: &Principal,
    id: Uuid,
    body: &Closing,
    by_proposer: bool,
) -> Result<HttpResponse, ApiError> {
    let mut v = Validator::new();
    v.ensure(
        !body.reason.trim().is_empty() && body.reason.chars().count() <= 500,
        "reason",
        "reason_required",
        "why, in 1 to 500 characters",
    );
    v.finish(())?;
    let decided = proposals::close(
        &state.deps(),
        who.subject(),
        id,
        by_proposer,
        body.reason.trim(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(decided))
}

/// Reject a proposal: a bureau officer of the city other than the proposer.
#[utoipa::path(
    tag = "proposals",
    params(("id" = Uuid, Path)),
    request_body = Closing,
    responses(
        (status = 200, body = ProposalView),
        (status = 403, response = platform::problem::Forbidden),
        (status = 404, response = platform::problem::NotFound),
        (status = 409, response = platform::problem::Conflict),
        (status = 422, response = platform::problem::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/v1/proposals/{id}/reject")]
pub async fn reject(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
    Json(body): Json<Closing>,
) -> Result<HttpResponse, ApiError> {
    second_officer(&who, &state)?;
    close(&state, &who, *id, &body, false).await
}

/// Withdraw a proposal: whoever proposed it, while it waits.
#[utoipa::path(
    tag = "proposals",
    params(("id" = Uuid, Path)),
    request_body = Closing,
    responses(
        (status = 200, body = ProposalView),
        (status = 403, response = platform::problem::Forbidden),
        (status = 404, response = platform::problem::NotFound),
        (status = 409, response = platform::problem::Conflict),
        (status = 422, response = platform::problem::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/v1/proposals/{id}/withdraw")]
pub async fn withdraw(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
    Json(body): Json<Closing>,
) -> Result<HttpResponse, ApiError> {
    close(&state, &who, *id, &body, true).await
}
