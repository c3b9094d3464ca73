//! Disputes (异议) as stored: at most one open per claim (the database
//! refuses a second), with the status the claim had when it was frozen.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{claims, disputes};

/// A dispute as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = disputes)]
pub struct DisputeRow {
    pub id: Uuid,
    pub claim_id: Uuid,
    pub reason: String,
    pub previous_status: String,
    pub filed_by: String,
    pub filed_at: DateTime<Utc>,
    pub resolution: Option<String>,
    pub note: Option<String>,
}

/// Which disputes a list shows: those of the city's claims, narrowed by
/// the query.
#[derive(Debug, Default)]
pub struct DisputeFilter {
    pub city: String,
    /// Only open (true) or only resolved (false) disputes.
    pub open: Option<bool>,
    /// After this (filed_at, id), oldest first.
    pub after: Option<(DateTime<Utc>, Uuid)>,
    pub limit: i64,
}

/// Disputes as `f` asks, oldest first, `f.limit` at most.
pub async fn list(conn: &mut AsyncPgConnection, f: &DisputeFilter) -> QueryResult<Vec<DisputeRow>> {
    let mut q = disputes::table
        .inner_join(claims::table)
        .filter(claims::city.eq(&f.city))
        .select(DisputeRow::as_select())
        .into_boxed();
    match f.open {
        Some(true) => q = q.filter(disputes::resolution.is_null()),
        Some(false) => q = q.filter(disputes::resolution.is_not_null()),
        None => {}
    }
    if let Some((at, id)) = f.after {
        q = q.filter(
            disputes::filed_at
                .gt(at)
                .or(disputes::filed_at.eq(at).and(disputes::id.gt(id))),
        );
    }
    q.order((disputes::filed_at, disputes::id))
        .limit(f.limit)
        .load(conn)
        .await
}

/// Files the dispute: false (nothing written) when the claim already has
/// an open one.
pub async fn insert(conn: &mut AsyncPgConnection, d: &DisputeRow) -> QueryResult<bool> {
    db::inserted(
        diesel::insert_into(disputes::table)
            .values(d)
            .execute(conn)
            .await,
    )
}

/// The dispute, locked for its resolution.
pub async fn for_update(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<DisputeRow>> {
    disputes::table
        .find(id)
        .select(DisputeRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn resolve(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    resolution: &str,
    by: &str,
    note: Option<&str>,
) -> QueryResult<()> {
    diesel::update(disputes::table.find(id))
        .set((
            disputes::resolution.eq(resolution),
            disputes::resolved_by.eq(by),
            disputes::resolved_at.eq(Utc::now()),
            disputes::note.eq(note),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// An open dispute filed while the claim's payment was at the bank now
/// remembers the status the bank's answer left the claim in (`now`): how
/// many there were (0 or 1).
pub async fn rebase_filed_in_payout(
    conn: &mut AsyncPgConnection,
    claim_id: Uuid,
    in_payout: &str,
    now: &str,
) -> QueryResult<usize> {
    diesel::update(
        disputes::table
            .filter(disputes::claim_id.eq(claim_id))
            .filter(disputes::resolution.is_null())
            .filter(disputes::previous_status.eq(in_payout)),
    )
    .set(disputes::previous_status.eq(now))
    .execute(conn)
    .await
}
