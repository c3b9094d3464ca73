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

/// Propose an allocation to a pot of the city (预算下达); a second officer
/// approves it (`POST /v1/proposals/{id}/approve`), and subsidies that
/// waited only for budget in that year are then decided at once.
#[utoipa::path(
    tag = "budgets",
    request_body = BudgetChange,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer with the first proposal, before or after it was decided; another body is refused (422), a concurrent one too (409)")),
    responses(
        (status = 202, description = "Proposed; waits for a second officer", body = ProposalView),
        (status = 409, description = "A change of this pot is already waiting (`proposal_pending`), or a request with this Idempotency-Key is still running (`idempotency_in_flight`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a positive whole number of fen, or bad fields", body = Problem, content_type = "application/problem+json"),
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

/// Propose taking unused money back from a pot (预算调减); a second officer
/// approves it. Refused, changing nothing, when the pot's available budget
/// would go below zero (when proposed, and again when approved).
#[utoipa::path(
    tag = "budgets",
    request_body = BudgetChange,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer with the first proposal, before or after it was decided; another body is refused (422), a concurrent one too (409)")),
    responses(
        (status = 202, description = "Proposed; waits for a second officer", body = ProposalView),
        (status = 409, description = "A change of this pot is already waiting (`proposal_pending`), or a request with this Idempotency-Key is still running (`idempotency_in_flight`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The available budget would go below zero (`balance_would_go_negative`), or bad fields", body = Problem, content_type = "application/problem+json"),
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

/// Balances of every pot of the city, per fund and year.
#[utoipa::path(
    tag = "budgets",
    params(YearQuery),
    responses((status = 200, body = Vec<PotView>)),
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

/// What is owed to each payee (应付), per fund and year.
#[utoipa::path(
    tag = "budgets",
    params(YearQuery),
    responses((status = 200, body = Vec<PayableView>)),
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
    pub fund: Option<FundSource>,
    pub year: Option<i32>,
}

/// Every budget change of the city, oldest first.
#[utoipa::path(
    tag = "budgets",
    params(HistoryQuery),
    responses((status = 200, body = Vec<BudgetChangeView>)),
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

/// Checks the running balances against the postings they derive from
/// (对账): every account of the city recomputed; mismatches listed.
#[utoipa::path(
    tag = "budgets",
    responses((status = 200, body = LedgerAudit)),
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
