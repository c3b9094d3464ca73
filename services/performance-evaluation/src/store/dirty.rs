//! Scorecards to compute again: one mark per institution and year, moved
//! on by every fact that changes its inputs and taken by the periodic job.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::Date;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::dirty;

/// Marks a scorecard to compute again; marking again moves `marked_at`,
/// so a job that read the older mark keeps the row.
pub async fn mark(
    conn: &mut AsyncPgConnection,
    institution_id: Uuid,
    year: i32,
) -> QueryResult<()> {
    diesel::insert_into(dirty::table)
        .values((
            dirty::institution_id.eq(institution_id),
            dirty::statistical_year.eq(year),
            dirty::marked_at.eq(Utc::now()),
        ))
        .on_conflict((dirty::institution_id, dirty::statistical_year))
        .do_update()
        .set(dirty::marked_at.eq(Utc::now()))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Marks every scorecard there is or could be (a new formula).
pub async fn mark_all(conn: &mut AsyncPgConnection) -> QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO dirty (institution_id, statistical_year, marked_at)
         SELECT institution_id, statistical_year, now() FROM completions WHERE completed
         UNION SELECT institution_id, statistical_year, now() FROM plans
         UNION SELECT institution_id, statistical_year, now() FROM scorecards
         ON CONFLICT (institution_id, statistical_year) DO UPDATE SET marked_at = excluded.marked_at",
    )
    .execute(conn)
    .await
    .map(|_| ())
}

/// Marks the scorecards not computed yet today, of years whose figures
/// still move with the date alone: the time-proportional plan while the
/// year runs, six-month surveys opening until six months after it ended.
pub async fn mark_stale(conn: &mut AsyncPgConnection, today: NaiveDate) -> QueryResult<usize> {
    diesel::sql_query(
        "INSERT INTO dirty (institution_id, statistical_year, marked_at)
         SELECT institution_id, statistical_year, now() FROM scorecards
         WHERE (computed_at AT TIME ZONE 'Asia/Shanghai')::date < $1
           AND make_date(statistical_year, 11, 30) + interval '6 months' >= $1
         ON CONFLICT (institution_id, statistical_year) DO NOTHING",
    )
    .bind::<Date, _>(today)
    .execute(conn)
    .await
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = dirty)]
pub struct Dirty {
    pub institution_id: Uuid,
    pub statistical_year: i32,
    pub marked_at: DateTime<Utc>,
}

/// Marked scorecards, locked; rows another replica works on are skipped.
pub async fn take(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<Dirty>> {
    dirty::table
        .order(dirty::marked_at)
        .limit(limit)
        .select(Dirty::as_select())
        .for_update()
        .skip_locked()
        .load(conn)
        .await
}

/// Unmarks, unless marked again since `d` was read.
pub async fn clear(conn: &mut AsyncPgConnection, d: &Dirty) -> QueryResult<()> {
    diesel::delete(
        dirty::table.filter(
            dirty::institution_id
                .eq(d.institution_id)
                .and(dirty::statistical_year.eq(d.statistical_year))
                .and(dirty::marked_at.eq(d.marked_at)),
        ),
    )
    .execute(conn)
    .await
    .map(|_| ())
}
