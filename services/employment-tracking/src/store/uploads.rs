//! Contribution batches in flight: staged chunk by chunk, applied whole.

use diesel::dsl::now;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::contributions::ContributionRow;
use super::schema::{contribution_staging as staging, contribution_uploads as uploads};

/// Starts receiving a batch, unless another request is receiving it: an
/// upload of the same batch touched within `abandoned_after` holds it
/// (`None`). Uploads untouched for longer were abandoned (a sender gone, a
/// replica killed) and are dropped, whatever their batch — but never one
/// being applied (its row is locked). The database's clock decides, so
/// replicas' clocks do not matter.
pub async fn begin(
    conn: &mut AsyncPgConnection,
    submitter: &str,
    batch_id: &str,
    abandoned_after: std::time::Duration,
) -> QueryResult<Option<Uuid>> {
    let secs = i64::try_from(abandoned_after.as_secs()).unwrap_or(i64::MAX);
    diesel::sql_query(
        "DELETE FROM contribution_uploads WHERE id IN (
           SELECT id FROM contribution_uploads
           WHERE touched_at < now() - $1 * interval '1 second'
           FOR UPDATE SKIP LOCKED)",
    )
    .bind::<BigInt, _>(secs)
    .execute(conn)
    .await?;
    let id = Uuid::now_v7();
    let inserted = diesel::insert_into(uploads::table)
        .values((
            uploads::id.eq(id),
            uploads::submitter.eq(submitter),
            uploads::batch_id.eq(batch_id),
            uploads::touched_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok((inserted == 1).then_some(id))
}

/// Marks the upload alive; `false` when it is no longer this request's
/// (dropped as abandoned).
pub async fn touch(conn: &mut AsyncPgConnection, upload: Uuid) -> QueryResult<bool> {
    diesel::update(uploads::table.find(upload))
        .set(uploads::touched_at.eq(now))
        .execute(conn)
        .await
        .map(|n| n == 1)
}

/// Stages rows numbered from `first` and marks the upload alive; `false`
/// (nothing staged) when the upload is no longer this request's.
pub async fn stage(
    conn: &mut AsyncPgConnection,
    upload: Uuid,
    first: i32,
    rows: &[ContributionRow],
) -> QueryResult<bool> {
    if !touch(conn, upload).await? {
        return Ok(false);
    }
    let values: Vec<_> = rows
        .iter()
        .zip(first..)
        .map(|(r, seq)| {
            (
                staging::upload_id.eq(upload),
                staging::seq.eq(seq),
                staging::person_id.eq(&r.person_id),
                staging::month.eq(r.month),
                staging::employer_credit_code.eq(&r.employer_credit_code),
                staging::citizen_masked.eq(&r.citizen_masked),
            )
        })
        .collect();
    diesel::insert_into(staging::table)
        .values(&values)
        .execute(conn)
        .await?;
    Ok(true)
}

/// A staged contribution, numbered in the order it came.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = staging)]
pub struct StagedRow {
    pub seq: i32,
    pub person_id: String,
    pub month: chrono::NaiveDate,
    pub employer_credit_code: String,
    pub citizen_masked: String,
}

impl StagedRow {
    /// The contribution, as a row of `batch_id`.
    pub fn into_contribution(self, batch_id: &str) -> ContributionRow {
        ContributionRow {
            person_id: self.person_id,
            month: self.month,
            employer_credit_code: self.employer_credit_code,
            citizen_masked: self.citizen_masked,
            batch_id: batch_id.to_owned(),
        }
    }
}

/// Up to `limit` staged rows after `after`, in the order they came.
pub async fn staged(
    conn: &mut AsyncPgConnection,
    upload: Uuid,
    after: i32,
    limit: i64,
) -> QueryResult<Vec<StagedRow>> {
    staging::table
        .filter(staging::upload_id.eq(upload))
        .filter(staging::seq.gt(after))
        .order(staging::seq)
        .limit(limit)
        .select(StagedRow::as_select())
        .load(conn)
        .await
}

/// Locks the upload for applying it, so no other request drops it
/// meanwhile; `false` when it is no longer this request's.
pub async fn lock(conn: &mut AsyncPgConnection, upload: Uuid) -> QueryResult<bool> {
    uploads::table
        .find(upload)
        .select(uploads::id)
        .for_update()
        .first::<Uuid>(conn)
        .await
        .optional()
        .map(|found| found.is_some())
}

/// Drops an upload and everything staged for it.
pub async fn finish(conn: &mut AsyncPgConnection, upload: Uuid) -> QueryResult<()> {
    diesel::delete(uploads::table.find(upload))
        .execute(conn)
        .await
        .map(|_| ())
}
