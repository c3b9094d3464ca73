//! Bodies' credential signing keys, every one kept, the current one
//! unretired.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::body_signing_keys;

/// One of a body's credential signing keys (the seed sealed).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = body_signing_keys)]
pub struct SigningKeyRow {
    pub body_id: Uuid,
    pub key_no: i32,
    pub public_key: Vec<u8>,
    pub seed_sealed: Vec<u8>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
}

/// Every key the body has had, the first first.
pub async fn of_body(
    conn: &mut AsyncPgConnection,
    body_id: Uuid,
) -> QueryResult<Vec<SigningKeyRow>> {
    body_signing_keys::table
        .filter(body_signing_keys::body_id.eq(body_id))
        .order(body_signing_keys::key_no)
        .select(SigningKeyRow::as_select())
        .load(conn)
        .await
}

/// The key the body signs with now.
pub async fn current(
    conn: &mut AsyncPgConnection,
    body_id: Uuid,
) -> QueryResult<Option<SigningKeyRow>> {
    body_signing_keys::table
        .filter(body_signing_keys::body_id.eq(body_id))
        .filter(body_signing_keys::retired_at.is_null())
        .select(SigningKeyRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Retires the body's current key (if any) and makes `row` current; run
/// with the body's row locked.
pub async fn replace(conn: &mut AsyncPgConnection, row: &SigningKeyRow) -> QueryResult<()> {
    diesel::update(
        body_signing_keys::table
            .filter(body_signing_keys::body_id.eq(row.body_id))
            .filter(body_signing_keys::retired_at.is_null()),
    )
    .set(body_signing_keys::retired_at.eq(row.created_at))
    .execute(conn)
    .await?;
    diesel::insert_into(body_signing_keys::table)
        .values(row)
        .execute(conn)
        .await?;
    Ok(())
}
