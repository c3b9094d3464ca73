//! The history of budget changes (预算下达, 预算调减): one row per change,
//! beside the ledger transaction that made it.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::budget_changes;

/// A budget change as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = budget_changes)]
pub struct BudgetChangeRow {
    pub id: Uuid,
    pub fund: String,
    pub city: String,
    pub year: i32,
    /// allocation or reduction
    pub kind: String,
    pub amount_fen: i64,
    pub memo: String,
    pub tx_id: Uuid,
    pub changed_by: String,
    pub changed_at: DateTime<Utc>,
    pub approved_by: Option<String>,
}

pub async fn insert(conn: &mut AsyncPgConnection, row: &BudgetChangeRow) -> QueryResult<()> {
    diesel::insert_into(budget_changes::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// A city's budget changes, oldest first, of one fund and year if given.
pub async fn history(
    conn: &mut AsyncPgConnection,
    city: &str,
    fund: Option<&str>,
    year: Option<i32>,
) -> QueryResult<Vec<BudgetChangeRow>> {
    let mut q = budget_changes::table
        .filter(budget_changes::city.eq(city))
        .into_boxed();
    if let Some(f) = fund {
        q = q.filter(budget_changes::fund.eq(f));
    }
    if let Some(y) = year {
        q = q.filter(budget_changes::year.eq(y));
    }
    q.order((budget_changes::changed_at, budget_changes::id))
        .select(BudgetChangeRow::as_select())
        .load(conn)
        .await
}
