//! Recovery orders (追回) as stored: one per claim, settled by repayments
//! and by withholding from later payouts.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{claims, recoveries};
use crate::domain::status::RecoveryStatus;

/// A recovery order as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = recoveries)]
pub struct RecoveryRow {
    pub id: Uuid,
    pub claim_id: Uuid,
    pub payee: String,
    pub cause: String,
    pub reason: String,
    pub amount_fen: i64,
    pub settled_fen: i64,
    pub status: String,
    pub ordered_at: DateTime<Utc>,
}

/// Which of a city's recovery orders a list shows.
#[derive(Debug, Default)]
pub struct RecoveryFilter {
    pub status: Option<RecoveryStatus>,
    /// After this (ordered_at, id), oldest first.
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

/// Recovery orders of a city's claims as `f` asks, oldest first,
/// `f.limit` at most.
pub async fn list(
    conn: &mut AsyncPgConnection,
    city: &str,
    f: &RecoveryFilter,
) -> QueryResult<Vec<RecoveryRow>> {
    let mut q = recoveries::table
        .inner_join(claims::table)
        .filter(claims::city.eq(city))
        .select(RecoveryRow::as_select())
        .into_boxed();
    if let Some(status) = f.status {
        q = q.filter(recoveries::status.eq(status.as_str()));
    }
    if let Some((at, id)) = f.after {
        q = q.filter(
            recoveries::ordered_at
                .gt(at)
                .or(recoveries::ordered_at.eq(at).and(recoveries::id.gt(id))),
        );
    }
    q.order((recoveries::ordered_at, recoveries::id))
        .limit(f.limit)
        .load(conn)
        .await
}

/// The order, locked for its settlement.
pub async fn for_update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<RecoveryRow>> {
    recoveries::table
        .find(id)
        .select(RecoveryRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// The order of a claim, if one was made.
pub async fn of_claim(
    conn: &mut AsyncPgConnection,
    claim_id: Uuid,
) -> QueryResult<Option<RecoveryRow>> {
    recoveries::table
        .filter(recoveries::claim_id.eq(claim_id))
        .select(RecoveryRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// A new order, open, for the ledger transaction `recovery_tx`.
pub struct NewRecovery<'a> {
    pub id: Uuid,
    pub claim_id: Uuid,
    pub payee: &'a str,
    pub cause: &'a str,
    pub reason: &'a str,
    pub amount_fen: i64,
    pub recovery_tx: Uuid,
}

pub async fn insert(conn: &mut AsyncPgConnection, r: &NewRecovery<'_>) -> QueryResult<()> {
    diesel::insert_into(recoveries::table)
        .values((
            recoveries::id.eq(r.id),
            recoveries::claim_id.eq(r.claim_id),
            recoveries::payee.eq(r.payee),
            recoveries::cause.eq(r.cause),
            recoveries::reason.eq(r.reason),
            recoveries::amount_fen.eq(r.amount_fen),
            recoveries::recovery_tx.eq(r.recovery_tx),
            recoveries::status.eq(RecoveryStatus::Open.as_str()),
            recoveries::ordered_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Records what has been settled of an order so far.
pub async fn settle(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    settled_fen: i64,
    status: RecoveryStatus,
) -> QueryResult<()> {
    diesel::update(recoveries::table.find(id))
        .set((
            recoveries::settled_fen.eq(settled_fen),
            recoveries::status.eq(status.as_str()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// An open order, with its claim's statistical year.
#[derive(Debug, Clone, Queryable)]
pub struct OpenRecoveryRow {
    pub id: Uuid,
    pub claim_id: Uuid,
    pub payee: String,
    pub amount_fen: i64,
    pub settled_fen: i64,
    pub statistical_year: i32,
}

/// Open orders of these payees on a fund's claims in a city, oldest
/// first, locked: a payout batch settles them by withholding (抵扣).
pub async fn open_for_update(
    conn: &mut AsyncPgConnection,
    city: &str,
    fund: &str,
    payees: &[String],
) -> QueryResult<Vec<OpenRecoveryRow>> {
    recoveries::table
        .inner_join(claims::table)
        .filter(recoveries::status.eq(RecoveryStatus::Open.as_str()))
        .filter(recoveries::payee.eq_any(payees))
        .filter(claims::fund.eq(fund))
        .filter(claims::city.eq(city))
        .order((recoveries::ordered_at, recoveries::id))
        .select((
            recoveries::id,
            recoveries::claim_id,
            recoveries::payee,
            recoveries::amount_fen,
            recoveries::settled_fen,
            claims::statistical_year,
        ))
        .for_update()
        .load(conn)
        .await
}
