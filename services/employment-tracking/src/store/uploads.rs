//! Contribution batches in flight: staged chunk by chunk, applied whole.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{contribution_staging as staging, contribution_uploads as uploads};
use super::ContributionRow;

/// Starts receiving a batch, unless another request is receiving it: an
/// upload of the same batch touched since `abandoned_before` holds it
/// (`None`). Uploads untouched since then were abandoned (a sender gone, a
/// replica killed) and are dropped, whatever their batch.
pub async fn begin(
    conn: &mut AsyncPgConnection,
    submitter: &str,
    batch_id: &str,
    abandoned_before: DateTime<Utc>,
) -> QueryResult<Option<Uuid>> {
    diesel::delete(uploads::table.filter(uploads::touched_at.lt(abandoned_before)))
        .execute(conn)
        .await?;
    let id = Uuid::now_v7();
    let inserted = diesel::insert_into(uploads::table)
        .values((
            uploads::id.eq(id),
            uploads::submitter.eq(submitter),
            uploads::batch_id.eq(batch_id),
            uploads::touched_at.eq(Utc::now()),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok((inserted == 1).then_some(id))
}

/// Stages rows numbered from `first`, and marks the upload alive.
pub async fn stage(
    conn: &mut AsyncPgConnection,
    upload: Uuid,
    first: i32,
    rows: &[ContributionRow],
) -> QueryResult<()> {
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
    diesel::update(uploads::table.find(upload))
        .set(uploads::touched_at.eq(Utc::now()))
        .execute(conn)
        .await
        .map(|_| ())
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

/// Whether the upload is still this request's (not dropped as abandoned
/// by another).
pub async fn held(conn: &mut AsyncPgConnection, upload: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(uploads::table.find(upload)))
        .get_result(conn)
        .await
}

/// Drops an upload and everything staged for it.
pub async fn finish(conn: &mut AsyncPgConnection, upload: Uuid) -> QueryResult<()> {
    diesel::delete(uploads::table.find(upload))
        .execute(conn)
        .await
        .map(|_| ())
}
