//! Candidates of exam sessions and their results.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::candidates;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = candidates)]
pub struct CandidateRow {
    pub id: Uuid,
    pub session_id: Uuid,
    pub person_id: String,
    pub citizen_sealed: Vec<u8>,
    pub citizen_masked: String,
    pub name: String,
    pub route: String,
    pub enrolment_id: Option<Uuid>,
    pub class_id: Option<Uuid>,
    pub institution_id: Option<Uuid>,
    pub experience_years: Option<i16>,
    pub registered_at: DateTime<Utc>,
    pub theory_score: Option<i16>,
    pub practical_score: Option<i16>,
    pub passed: Option<bool>,
    pub result_id: Option<Uuid>,
    pub recorded_by: Option<String>,
    pub recorded_at: Option<DateTime<Utc>>,
}

/// `Ok(false)` when the person is already a candidate of the session.
pub async fn insert(conn: &mut AsyncPgConnection, row: &CandidateRow) -> QueryResult<bool> {
    diesel::insert_into(candidates::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|n| n == 1)
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    session_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<CandidateRow>> {
    candidates::table
        .filter(
            candidates::id
                .eq(id)
                .and(candidates::session_id.eq(session_id)),
        )
        .select(CandidateRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn of_session(
    conn: &mut AsyncPgConnection,
    session_id: Uuid,
) -> QueryResult<Vec<CandidateRow>> {
    candidates::table
        .filter(candidates::session_id.eq(session_id))
        .order(candidates::registered_at)
        .select(CandidateRow::as_select())
        .load(conn)
        .await
}

/// Records a result once: `false` when the candidate already has one.
pub async fn record_result(
    conn: &mut AsyncPgConnection,
    candidate_id: Uuid,
    theory: u8,
    practical: u8,
    passed: bool,
    result_id: Uuid,
    by: &str,
) -> QueryResult<bool> {
    let n = diesel::update(
        candidates::table.filter(
            candidates::id
                .eq(candidate_id)
                .and(candidates::result_id.is_null()),
        ),
    )
    .set((
        candidates::theory_score.eq(i16::from(theory)),
        candidates::practical_score.eq(i16::from(practical)),
        candidates::passed.eq(passed),
        candidates::result_id.eq(result_id),
        candidates::recorded_by.eq(by),
        candidates::recorded_at.eq(Utc::now()),
    ))
    .execute(conn)
    .await?;
    Ok(n == 1)
}
