//! Disputes (异议) as stored: at most one open per claim (the database
//! refuses a second), with the status the claim had when it was frozen.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::disputes;

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
