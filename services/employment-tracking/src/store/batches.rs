//! Social-insurance batches already taken: their content hash and report.

use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::si_batches;

/// What is kept of a batch already taken.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = si_batches)]
pub struct BatchRow {
    pub content_sha256: String,
    pub report: serde_json::Value,
}

/// The content hash and report of a batch already taken.
pub async fn find(
    conn: &mut AsyncPgConnection,
    submitter: &str,
    batch_id: &str,
) -> QueryResult<Option<BatchRow>> {
    si_batches::table
        .find((submitter, batch_id))
        .select(BatchRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    submitter: &str,
    batch_id: &str,
    hash: &str,
    report: &serde_json::Value,
) -> QueryResult<()> {
    diesel::insert_into(si_batches::table)
        .values((
            si_batches::submitter.eq(submitter),
            si_batches::batch_id.eq(batch_id),
            si_batches::content_sha256.eq(hash),
            si_batches::report.eq(report),
            si_batches::received_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}
