//! Assessors and supervisors registered with a body.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::staff;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = staff)]
pub struct StaffRow {
    pub id: Uuid,
    pub body_id: Uuid,
    pub role: String,
    pub name: String,
    pub credential_no: String,
    pub registered_at: DateTime<Utc>,
}

/// `Ok(false)` when the credential number is already registered with the
/// body.
pub async fn insert(conn: &mut AsyncPgConnection, row: &StaffRow) -> QueryResult<bool> {
    diesel::insert_into(staff::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|n| n == 1)
}

pub async fn of_body(conn: &mut AsyncPgConnection, body_id: Uuid) -> QueryResult<Vec<StaffRow>> {
    staff::table
        .filter(staff::body_id.eq(body_id))
        .order(staff::registered_at)
        .select(StaffRow::as_select())
        .load(conn)
        .await
}
