//! Budget allocations (预算下达) and reductions (预算调减): a ledger
//! transaction and a row of history each, applied on a second officer's
//! approval.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use platform::ApiError;
use uuid::Uuid;

use crate::api::BudgetChangeView;
use crate::domain::ledger::Transaction;
use crate::domain::subsidy::Pot;
use crate::store::schema::budget_changes;
use crate::store::{self, StoreError};

/// A budget change as proposed.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Change {
    pub fund: crate::domain::subsidy::FundSource,
    pub year: i32,
    pub amount_fen: i64,
    pub memo: String,
    pub reduction: bool,
}

/// Applies `change` to its pot: refused, changing nothing, when a reduction
/// would take the available budget below zero.
pub async fn apply(
    conn: &mut AsyncPgConnection,
    pot: Pot,
    change: &Change,
    proposed_by: &str,
    approved_by: &str,
) -> Result<BudgetChangeView, ApiError> {
    store::lock_pots(conn, &[pot]).await?;
    let mut ledger = store::load_ledger(conn, &[pot], &[]).await?;
    let amount = ids::Fen::new(change.amount_fen);
    let id = Uuid::now_v7();
    let tx = if change.reduction {
        Transaction::budget_reduction(id, pot, amount, None, &change.memo)
    } else {
        Transaction::allocation(id, pot, amount, &change.memo)
    }
    .map_err(StoreError::from)?;
    let tx_id = store::append(conn, &mut ledger, tx, proposed_by).await?;
    let view = BudgetChangeView {
        id: Uuid::now_v7(),
        fund: change.fund.as_str().to_owned(),
        year: change.year,
        kind: if change.reduction {
            "reduction"
        } else {
            "allocation"
        }
        .to_owned(),
        amount_fen: change.amount_fen,
        memo: change.memo.clone(),
        transaction_id: tx_id,
        changed_by: proposed_by.to_owned(),
        approved_by: Some(approved_by.to_owned()),
        changed_at: Utc::now(),
    };
    diesel::insert_into(budget_changes::table)
        .values((
            budget_changes::id.eq(view.id),
            budget_changes::fund.eq(&view.fund),
            budget_changes::city.eq(pot.city.to_string()),
            budget_changes::year.eq(view.year),
            budget_changes::kind.eq(&view.kind),
            budget_changes::amount_fen.eq(view.amount_fen),
            budget_changes::memo.eq(&view.memo),
            budget_changes::tx_id.eq(tx_id),
            budget_changes::changed_by.eq(&view.changed_by),
            budget_changes::approved_by.eq(approved_by),
            budget_changes::changed_at.eq(view.changed_at),
        ))
        .execute(conn)
        .await?;
    Ok(view)
}
