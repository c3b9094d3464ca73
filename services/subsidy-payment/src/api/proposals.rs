//! Dual control over HTTP: the queue of proposals, and the second officer's
//! approval, rejection, or the proposer's withdrawal.

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
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Approval, Closing, ProposalView, State};
use crate::app::proposals::{self, Payload};
use crate::domain::dual_control::{ProposalKind, ProposalStatus};
use crate::store::proposals::ProposalFilter;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProposalQuery {
    /// Only proposals of this status: pending (the approval queue),
    /// applied, rejected, withdrawn, expired, failed.
    #[param(pattern = r"^(?:pending|applied|rejected|withdrawn|expired|failed)$")]
    pub status: Option<String>,
    /// Only proposals of this kind: bank_account, budget_allocation,
    /// budget_reduction, rules, payout_release, bank_result.
    #[param(
        pattern = r"^(?:bank_account|budget_allocation|budget_reduction|rules|payout_release|bank_result)$"
    )]
    pub kind: Option<String>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
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

/// List the proposals awaiting or past a second officer, oldest first
///
/// Bureau officers and auditors of the city see every proposal of the city
/// (双人复核); an institution operator, integrator or enterprise sees the
/// proposals it made itself for its organisation (its bank-account
/// changes), as `GET /v1/proposals/{id}` shows them to their proposer.
/// `status=pending` is the approval queue (pending and not expired);
/// `kind` narrows to bank accounts, budget allocations or reductions,
/// rules, payout releases or bank results. Each proposal shows what
/// approving it will do (`summary.preview`). Oldest first,
/// cursor-paginated: pass the previous page's `next_cursor` as `cursor`;
/// `limit` is 1 to 500 (default 50). Refusals (422): `status_unknown`,
/// `kind_unknown`, `cursor_invalid`, `limit_range`.
#[utoipa::path(
    tag = "proposals",
    operation_id = "listProposals",
    params(ProposalQuery),
    responses(
        (status = 200, description = "A page of proposals, oldest first", body = Page<ProposalView>),
        (status = 422, description = "Refused: validation_failed (status_unknown, kind_unknown, cursor_invalid, limit_range)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/proposals")]
pub async fn list(
    state: State,
    who: Principal,
    query: web::Query<ProposalQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[
        Role::BureauOfficer,
        Role::Auditor,
        Role::InstitutionOperator,
        Role::Integrator,
        Role::Enterprise,
    ])?;
    let (proposed_by, proposed_org) = match who.role() {
        Role::BureauOfficer | Role::Auditor => {
            who.require_city(state.city)?;
            (None, None)
        }
        // Anyone else sees only what it proposed for its organisation, as
        // the single read shows the proposer.
        _ => (Some(who.subject()), Some(who.org().unwrap_or_default())),
    };
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
    let after = pagination::decode_cursor::<(DateTime<Utc>, Uuid)>(query.cursor.as_deref());
    v.ensure(
        after.is_ok(),
        "cursor",
        "cursor_invalid",
        "use the next_cursor of the previous page",
    );
    let limit = pagination::limit(query.limit);
    v.ensure(
        limit.is_ok(),
        "limit",
        "limit_range",
        format!("between 1 and {}", pagination::MAX_LIMIT),
    );
    v.finish(())?;
    let (Ok(after), Ok(limit)) = (after, limit) else {
        return Err(ApiError::internal("validated fields missing"));
    };
    let filter = ProposalFilter {
        status: status.flatten(),
        kind: kind.flatten(),
        proposed_by,
        proposed_org,
        after,
        limit: limit + 1,
    };
    let items = proposals::list(&state.deps(), &filter).await?;
    let page =
        pagination::page(items, limit, |p| (p.proposed_at, p.id)).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(page))
}

/// Read one proposal with its preview and outcome
///
/// Bureau officers and auditors of the city, and whoever proposed it (an
/// institution or enterprise following its bank-account change). Shows what
/// was asked, what approving does (as tried when proposed), and once
/// decided who decided, the note and what applying it did. Another's
/// proposal answers 404 `proposal_not_found`, as an absent one does.
#[utoipa::path(
    tag = "proposals",
    operation_id = "getProposal",
    params(("id" = Uuid, Path, description = "The proposal")),
    responses(
        (status = 200, description = "The proposal", body = ProposalView),
        (status = 404, description = "Refused: proposal_not_found (absent, or not the caller's to see)", body = Problem, content_type = "application/problem+json"),
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

/// Approve another officer's proposal, applying its effect
///
/// A bureau officer of the city other than the proposer (双人复核). The
/// effect (bank account, budget change, rules version, payout batch or bank
/// result) is applied in the same transaction, with its events, and
/// recorded as the proposal's `outcome`. An effect refused now (a reduction
/// the budget no longer covers, a batch that would pay something else than
/// was shown) changes nothing and marks the proposal `failed` with the
/// reason (422). Refusals: `same_officer` (403); `proposal_not_found`
/// (404); `proposal_decided`, `proposal_expired`, `proposal_stale`,
/// `stale_rules_version` (409); `note_too_long` (422).
#[utoipa::path(
    tag = "proposals",
    operation_id = "approveProposal",
    params(("id" = Uuid, Path, description = "The proposal")),
    request_body = Approval,
    responses(
        (status = 200, description = "Applied; what it did is `outcome`", body = ProposalView),
        (status = 403, description = "Refused: same_officer (the proposer cannot approve), forbidden_role, out_of_scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Refused: proposal_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: proposal_decided, proposal_expired, proposal_stale, stale_rules_version", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: the effect (e.g. balance_would_go_negative; the proposal is now failed), validation_failed (note_too_long)", body = Problem, content_type = "application/problem+json"),
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

/// Reject another officer's proposal without applying it
///
/// A bureau officer of the city other than the proposer, with the reason
/// (1 to 500 characters). Nothing of the proposal is applied; it is closed
/// as `rejected`. Refusals: `same_officer` (403); `proposal_not_found`
/// (404); `proposal_decided`, `proposal_expired` (409); `reason_required`
/// (422).
#[utoipa::path(
    tag = "proposals",
    operation_id = "rejectProposal",
    params(("id" = Uuid, Path, description = "The proposal")),
    request_body = Closing,
    responses(
        (status = 200, description = "The proposal, rejected", body = ProposalView),
        (status = 403, description = "Refused: same_officer, forbidden_role, out_of_scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Refused: proposal_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: proposal_decided, proposal_expired", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: validation_failed (reason_required)", body = Problem, content_type = "application/problem+json"),
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

/// Withdraw one's own proposal while it waits
///
/// Whoever proposed it (a bureau officer, or an institution or enterprise
/// that proposed its bank account), with the reason (1 to 500
/// characters). Nothing of the proposal is applied; it is closed as
/// `withdrawn`. Refusals: `not_the_proposer` (403); `proposal_not_found`
/// (404); `proposal_decided`, `proposal_expired` (409); `reason_required`
/// (422).
#[utoipa::path(
    tag = "proposals",
    operation_id = "withdrawProposal",
    params(("id" = Uuid, Path, description = "The proposal")),
    request_body = Closing,
    responses(
        (status = 200, description = "The proposal, withdrawn", body = ProposalView),
        (status = 403, description = "Refused: not_the_proposer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Refused: proposal_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: proposal_decided, proposal_expired", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: validation_failed (reason_required)", body = Problem, content_type = "application/problem+json"),
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
