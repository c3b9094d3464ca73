//! Budgets per city × statistical year × fund source, set by officers;
//! every change is a ledger transaction and a row of history.

use std::collections::BTreeMap;

use actix_web::{get, post, web, HttpResponse};
use platform::auth::{Principal, Role};
use platform::json::Json;
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use serde::Deserialize;

use super::proposals::propose_once;
use super::{
    AuditLine, BudgetChange, BudgetChangeView, LedgerAudit, PayableView, PotView, ProposalView,
    State,
};
use crate::app::budgets;
use crate::app::proposals::Payload;
use crate::domain::subsidy::FundSource;
use crate::store;
use crate::store::budgets::{self as budget_history, BudgetChangeRow};
use platform::idempotency::IdempotencyKey;

impl From<BudgetChangeRow> for BudgetChangeView {
    fn from(r: BudgetChangeRow) -> Self {
        Self {
            id: r.id,
            fund: r.fund,
            year: r.year,
            kind: r.kind,
            amount_fen: r.amount_fen,
            memo: r.memo,
            transaction_id: r.tx_id,
            changed_by: r.changed_by,
            approved_by: r.approved_by,
            changed_at: r.changed_at,
        }
    }
}

fn check(body: &BudgetChange) -> Result<(), ApiError> {
    let mut v = Validator::new();
    v.ensure(
        ids::StatisticalYear::RANGE.contains(&body.year),
        "year",
        "year_range",
        "the statistical year is between 2000 and 2100",
    );
    v.ensure(
        !body.memo.trim().is_empty() && body.memo.chars().count() <= 500,
        "memo",
        "memo_required",
        "a memo (the budget document or reason) of 1 to 500 characters, not only spaces",
    );
    Ok(v.finish(())?)
}

async fn propose(
    state: State,
    who: Principal,
    key: IdempotencyKey,
    body: BudgetChange,
    reduction: bool,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::BureauOfficer])?
        .require_city(state.city)?;
    check(&body)?;
    let change = budgets::Change {
        fund: body.fund,
        year: body.year,
        amount_fen: body.amount_fen.0.get(),
        memo: body.memo.clone(),
        reduction,
    };
    let payload = if reduction {
        Payload::BudgetReduction(change)
    } else {
        Payload::BudgetAllocation(change)
    };
    let route = if reduction {
        "budget-reduction"
    } else {
        "budget-allocation"
    };
    propose_once(&state, &who, &key, route, &body, payload, None).await
}

/// Propose a budget allocation to one of the city's pots
///
/// A bureau officer of the city proposes money allocated (预算下达) to the pot
/// of a fund source × statistical year. Nothing moves yet: the answer is a
/// pending proposal (`202`) that a second officer of the city approves
/// (`POST /v1/proposals/{id}/approve`); approving posts the allocation in
/// the ledger, records it in the budget history, and decides at once the
/// subsidies of that year that waited only for budget. `amount_fen` is a
/// positive whole number of fen; `memo` names the budget document.
/// Refusals: `proposal_pending` (409) while another change of the same pot
/// waits; `year_range`, `memo_required` (422). With an `Idempotency-Key`,
/// a retry answers with the first proposal and proposes nothing again.
#[utoipa::path(
    tag = "budgets",
    operation_id = "allocateBudget",
    request_body = BudgetChange,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer with the first proposal, before or after it was decided; another body is refused (422), a concurrent one too (409)")),
    responses(
        (status = 202, description = "Proposed; waits for a second officer", body = ProposalView),
        (status = 409, description = "Refused: proposal_pending (a change of this pot is already waiting), idempotency_in_flight", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: validation_failed (year_range, memo_required, not a positive whole number of fen), idempotency_key_reused", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/budgets/allocations")]
pub async fn allocate(
    state: State,
    who: Principal,
    key: IdempotencyKey,
    Json(body): Json<BudgetChange>,
) -> Result<HttpResponse, ApiError> {
    propose(state, who, key, body, false).await
}

/// Propose taking unused money back from one of the city's pots
///
/// A bureau officer of the city proposes a reduction (预算调减) of a pot's
/// available budget; a second officer of the city approves it
/// (`POST /v1/proposals/{id}/approve`), which posts it in the ledger and
/// records it in the budget history. Money already committed to claims is
/// never taken back: a reduction that would take the pot's available
/// budget below zero is refused, changing nothing, both when proposed and
/// again when approved. Refusals: `proposal_pending` (409);
/// `balance_would_go_negative`, `year_range`, `memo_required` (422). With
/// an `Idempotency-Key`, a retry answers with the first proposal.
#[utoipa::path(
    tag = "budgets",
    operation_id = "reduceBudget",
    request_body = BudgetChange,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer with the first proposal, before or after it was decided; another body is refused (422), a concurrent one too (409)")),
    responses(
        (status = 202, description = "Proposed; waits for a second officer", body = ProposalView),
        (status = 409, description = "Refused: proposal_pending (a change of this pot is already waiting), idempotency_in_flight", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: balance_would_go_negative, validation_failed (year_range, memo_required, not a positive whole number of fen), idempotency_key_reused", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/budgets/reductions")]
pub async fn reduce(
    state: State,
    who: Principal,
    key: IdempotencyKey,
    Json(body): Json<BudgetChange>,
) -> Result<HttpResponse, ApiError> {
    propose(state, who, key, body, true).await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct YearQuery {
    /// Only this statistical year.
    pub year: Option<i32>,
}

fn readers(who: &Principal, state: &State) -> Result<(), ApiError> {
    who.require(&[Role::BureauOfficer, Role::Auditor])?
        .require_city(state.city)?;
    Ok(())
}

/// Read the balances of every pot of the city, per fund and year
///
/// Bureau officers and auditors of the city. One entry per fund source ×
/// statistical year, in fen: allocated net of reductions (拨入), available
/// (可用预算), payable (应付), at the bank (在途), paid (已拨付) and
/// receivable from recoveries (应收追回), all read from the ledger's
/// running balances. `year` narrows to one statistical year.
#[utoipa::path(
    tag = "budgets",
    operation_id = "getBudgetBalances",
    params(YearQuery),
    responses((status = 200, description = "Every pot of the city, ordered by year then fund", body = Vec<PotView>)),
    security(("bearer" = []))
)]
#[get("/v1/budgets")]
pub async fn balances(
    state: State,
    who: Principal,
    query: web::Query<YearQuery>,
) -> Result<HttpResponse, ApiError> {
    readers(&who, &state)?;
    let mut conn = state.pool.get().await?;
    let rows = store::balances(&mut conn, state.city.as_str(), query.year).await?;
    let mut pots: BTreeMap<(i32, String), PotView> = BTreeMap::new();
    for r in rows {
        let pot = pots
            .entry((r.year, r.fund.clone()))
            .or_insert_with(|| PotView {
                fund: r.fund.clone(),
                year: r.year,
                ..PotView::default()
            });
        let field = match r.account_type.as_str() {
            "appropriation" => {
                pot.allocated_fen -= r.balance_fen;
                continue;
            }
            "budget" => &mut pot.available_fen,
            "payable" => &mut pot.payable_fen,
            "bank_clearing" => &mut pot.in_bank_fen,
            "paid" => &mut pot.paid_fen,
            _ => &mut pot.receivable_fen,
        };
        *field += r.balance_fen;
    }
    Ok(HttpResponse::Ok().json(pots.into_values().collect::<Vec<_>>()))
}

/// List what is owed to each payee, per fund and year
///
/// Bureau officers and auditors of the city. One entry per payee × fund ×
/// statistical year with the approved money not yet sent to the bank
/// (应付), read from the ledger's payable accounts; a payout batch
/// (`POST /v1/payout-batches`) takes it from here. `year` narrows to one
/// statistical year.
#[utoipa::path(
    tag = "budgets",
    operation_id = "listPayables",
    params(YearQuery),
    responses((status = 200, description = "What each payee of the city is owed", body = Vec<PayableView>)),
    security(("bearer" = []))
)]
#[get("/v1/payables")]
pub async fn payables(
    state: State,
    who: Principal,
    query: web::Query<YearQuery>,
) -> Result<HttpResponse, ApiError> {
    readers(&who, &state)?;
    let mut conn = state.pool.get().await?;
    let rows = store::balances(&mut conn, state.city.as_str(), query.year).await?;
    let out: Vec<PayableView> = rows
        .into_iter()
        .filter(|r| r.account_type == "payable")
        .map(|r| PayableView {
            payee: r.payee.unwrap_or_default(),
            fund: r.fund,
            year: r.year,
            payable_fen: r.balance_fen,
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    /// Only this fund source's changes.
    pub fund: Option<FundSource>,
    /// Only this statistical year's changes.
    pub year: Option<i32>,
}

/// List every budget change of the city, oldest first
///
/// Bureau officers and auditors of the city. Each allocation and reduction
/// that a second officer approved, with its ledger transaction, the
/// proposer and the approver; `fund` and `year` narrow the list.
/// Proposals still waiting are not here (see `GET /v1/proposals`).
#[utoipa::path(
    tag = "budgets",
    operation_id = "getBudgetHistory",
    params(HistoryQuery),
    responses((status = 200, description = "The city's budget changes, oldest first", body = Vec<BudgetChangeView>)),
    security(("bearer" = []))
)]
#[get("/v1/budgets/history")]
pub async fn history(
    state: State,
    who: Principal,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    readers(&who, &state)?;
    let mut conn = state.pool.get().await?;
    let rows = budget_history::history(
        &mut conn,
        state.city.as_str(),
        query.fund.map(FundSource::as_str),
        query.year,
    )
    .await?;
    let out: Vec<BudgetChangeView> = rows.into_iter().map(BudgetChangeView::from).collect();
    Ok(HttpResponse::Ok().json(out))
}

/// Check the ledger's running balances against its postings
///
/// Bureau officers and auditors of the city (对账). Every account of the
/// city is recomputed from its postings and compared with the running
/// balance the money operations read; `consistent` is true when none
/// differs, otherwise each difference is listed (and logged as an error).
/// Reads only; changes nothing.
#[utoipa::path(
    tag = "budgets",
    operation_id = "auditLedger",
    responses((status = 200, description = "How many accounts were checked, and any that differ", body = LedgerAudit)),
    security(("bearer" = []))
)]
#[get("/v1/ledger/audit")]
pub async fn audit(state: State, who: Principal) -> Result<HttpResponse, ApiError> {
    readers(&who, &state)?;
    let mut conn = state.pool.get().await?;
    let (checked, rows) = store::audit(&mut conn, state.city.as_str()).await?;
    if !rows.is_empty() {
        tracing::error!(
            mismatches = rows.len(),
            "running balances differ from the postings"
        );
    }
    Ok(HttpResponse::Ok().json(LedgerAudit {
        accounts_checked: checked,
        consistent: rows.is_empty(),
        mismatches: rows
            .into_iter()
            .map(|r| AuditLine {
                account_type: r.account_type,
                fund: r.fund,
                year: r.year,
                payee: (!r.payee.is_empty()).then_some(r.payee),
                running_fen: r.running_fen,
                postings_fen: r.postings_fen,
            })
            .collect(),
    }))
}
