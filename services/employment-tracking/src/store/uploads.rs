//! Contribution batches in flight: staged chunk by chunk, applied whole.

use diesel::dsl::now;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{contribution_staging as staging, contribution_uploads as uploads};
use super::ContributionRow;

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

/// Up to `limit` staged rows after `after`, in the order they came, as
/// rows of `batch_id`.
pub async fn staged(
    conn: &mut AsyncPgConnection,
    upload: Uuid,
    batch_id: &str,
    after: i32,
    limit: i64,
) -> QueryResult<Vec<(i32, ContributionRow)>> {
    type Staged = (i32, String, chrono::NaiveDate, String, String);
    let rows: Vec<Staged> = staging::table
        .filter(staging::upload_id.eq(upload))
        .filter(staging::seq.gt(after))
        .order(staging::seq)
        .limit(limit)
        .select((
            staging::seq,
            staging::person_id,
            staging::month,
            staging::employer_credit_code,
            staging::citizen_masked,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(seq, person_id, month, employer_credit_code, citizen_masked)| {
                (
                    seq,
                    ContributionRow {
                        person_id,
                        month,
                        employer_credit_code,
                        citizen_masked,
                        batch_id: batch_id.to_owned(),
                    },
                )
            },
        )
        .collect())
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
