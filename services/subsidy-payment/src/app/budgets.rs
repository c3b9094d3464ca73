//! Budget allocations (预算下达) and reductions (预算调减): a ledger
//! transaction and a row of history each, applied on a second officer's
//! approval.

use chrono::Utc;
use diesel_async::AsyncPgConnection;
use platform::ApiError;
use uuid::Uuid;

use crate::api::BudgetChangeView;
use crate::domain::ledger::Transaction;
use crate::domain::subsidy::Pot;
use crate::store::budgets::{self, BudgetChangeRow};
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
    let row = BudgetChangeRow {
        id: Uuid::now_v7(),
        fund: change.fund.as_str().to_owned(),
        city: pot.city.to_string(),
        year: change.year,
        kind: if change.reduction {
            "reduction"
        } else {
            "allocation"
        }
        .to_owned(),
        amount_fen: change.amount_fen,
        memo: change.memo.clone(),
        tx_id,
        changed_by: proposed_by.to_owned(),
        changed_at: Utc::now(),
        approved_by: Some(approved_by.to_owned()),
    };
    budgets::insert(conn, &row).await?;
    Ok(BudgetChangeView::from(row))
}
