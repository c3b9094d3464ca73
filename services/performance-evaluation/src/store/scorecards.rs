//! Scorecards (绩效评价) as computed, what they are computed from, and the
//! plans officers set for them.

use chrono::{DateTime, NaiveDate, Utc};
use db::WordColumn;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Double, Integer, Nullable};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use ids::Rating;
use uuid::Uuid;

use super::dirty::mark;
use super::schema::{plans, scorecards};
use crate::domain::counting;
use crate::domain::scoring::{Inputs, PlanSource};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = scorecards, treat_none_as_null = true)]
pub struct ScorecardRow {
    pub institution_id: Uuid,
    pub statistical_year: i32,
    pub as_of: NaiveDate,
    pub formula_version: i32,
    pub inputs: serde_json::Value,
    pub scored: serde_json::Value,
    pub score: Option<f64>,
    #[diesel(deserialize_as = WordColumn<Rating>, serialize_as = WordColumn<Rating>)]
    pub computed_rating: Option<Rating>,
    #[diesel(deserialize_as = WordColumn<Rating>, serialize_as = WordColumn<Rating>)]
    pub rating: Option<Rating>,
    pub overridden: bool,
    pub override_reason: Option<String>,
    pub overridden_by: Option<String>,
    pub computed_at: DateTime<Utc>,
}

pub async fn for_update(
    conn: &mut AsyncPgConnection,
    institution_id: Uuid,
    year: i32,
) -> QueryResult<Option<ScorecardRow>> {
    scorecards::table
        .find((institution_id, year))
        .select(ScorecardRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    institution_id: Uuid,
    year: i32,
) -> QueryResult<Option<ScorecardRow>> {
    scorecards::table
        .find((institution_id, year))
        .select(ScorecardRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn save(conn: &mut AsyncPgConnection, row: &ScorecardRow) -> QueryResult<()> {
    // Owned: the ratings' column adapter converts the values it writes.
    diesel::insert_into(scorecards::table)
        .values(row.clone())
        .on_conflict((scorecards::institution_id, scorecards::statistical_year))
        .do_update()
        .set(row.clone())
        .execute(conn)
        .await
        .map(|_| ())
}

/// A year's scorecards after `after` (institution id), in id order.
pub async fn list(
    conn: &mut AsyncPgConnection,
    year: i32,
    only: Option<&[Uuid]>,
    after: Option<Uuid>,
    limit: i64,
) -> QueryResult<Vec<ScorecardRow>> {
    let mut q = scorecards::table
        .filter(scorecards::statistical_year.eq(year))
        .order(scorecards::institution_id)
        .limit(limit)
        .select(ScorecardRow::as_select())
        .into_boxed();
    if let Some(ids) = only {
        q = q.filter(scorecards::institution_id.eq_any(ids.to_vec()));
    }
    if let Some(after) = after {
        q = q.filter(scorecards::institution_id.gt(after));
    }
    q.load(conn).await
}

/// Every year's scorecard of an institution, latest year first.
pub async fn of_institution(
    conn: &mut AsyncPgConnection,
    institution_id: Uuid,
) -> QueryResult<Vec<ScorecardRow>> {
    scorecards::table
        .filter(scorecards::institution_id.eq(institution_id))
        .order(scorecards::statistical_year.desc())
        .select(ScorecardRow::as_select())
        .load(conn)
        .await
}

#[derive(QueryableByName)]
struct InputCounts {
    #[diesel(sql_type = Nullable<BigInt>)]
    planned: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    capacity: Option<i64>,
    #[diesel(sql_type = BigInt)]
    completers: i64,
    #[diesel(sql_type = BigInt)]
    certified: i64,
    #[diesel(sql_type = BigInt)]
    surveys_due: i64,
    #[diesel(sql_type = BigInt)]
    responses: i64,
    #[diesel(sql_type = Nullable<Double>)]
    satisfaction_mean: Option<f64>,
    #[diesel(sql_type = BigInt)]
    employed: i64,
    #[diesel(sql_type = BigInt)]
    decided: i64,
    #[diesel(sql_type = BigInt)]
    findings: i64,
}

/// The inputs of an institution's year: trainings delivered up to `as_of`
/// (the date its plan is taken pro rata at); surveys, certificates and
/// outcomes as known `today` (they follow the training, often after the
/// year ended).
pub async fn inputs(
    conn: &mut AsyncPgConnection,
    institution_id: Uuid,
    year: i32,
    as_of: NaiveDate,
    today: NaiveDate,
) -> QueryResult<Inputs> {
    let c: InputCounts = diesel::sql_query(
        "WITH done AS (
             SELECT enrolment_id, class_id, person_id, completed_on FROM completions
             WHERE institution_id = $1 AND statistical_year = $2 AND completed AND completed_on <= $3)
         SELECT
           (SELECT planned_trainings FROM plans WHERE institution_id = $1 AND statistical_year = $2) AS planned,
           (SELECT sum(capacity)::bigint FROM classes WHERE institution_id = $1 AND year = $2) AS capacity,
           (SELECT count(*) FROM done) AS completers,
           (SELECT count(*) FROM done d WHERE EXISTS (
               SELECT 1 FROM certificates c WHERE c.class_id = d.class_id AND c.person_id = d.person_id
               AND c.institution_id = $1 AND c.status = 'valid')) AS certified,
           (SELECT count(*) + count(*) FILTER (WHERE completed_on + interval '6 months' <= $4) FROM done) AS surveys_due,
           (SELECT count(*) FROM survey_answers WHERE institution_id = $1 AND statistical_year = $2) AS responses,
           (SELECT avg(mean) FROM survey_answers WHERE institution_id = $1 AND statistical_year = $2) AS satisfaction_mean,
           (SELECT count(*) FILTER (WHERE employed) FROM outcomes WHERE institution_id = $1 AND statistical_year = $2) AS employed,
           (SELECT count(*) FROM outcomes WHERE institution_id = $1 AND statistical_year = $2) AS decided,
           (SELECT count(*) FROM fraud_findings WHERE institution_id = $1 AND statistical_year = $2) AS findings",
    )
    .bind::<diesel::sql_types::Uuid, _>(institution_id)
    .bind::<Integer, _>(year)
    .bind::<Date, _>(as_of)
    .bind::<Date, _>(today)
    .get_result(conn)
    .await?;
    let (planned, plan_source) = match (c.planned, c.capacity) {
        (Some(p), _) => (Some(p), Some(PlanSource::SetByOfficer)),
        (None, Some(cap)) => (Some(cap), Some(PlanSource::CapacityOfClasses)),
        (None, None) => (None, None),
    };
    Ok(Inputs {
        planned,
        plan_source,
        delivered: c.completers,
        pro_rata: counting::pro_rata(year, as_of),
        completers: c.completers,
        certified: c.certified,
        responses: c.responses,
        surveys_due: c.surveys_due,
        satisfaction_mean: c.satisfaction_mean,
        employed: c.employed,
        outcomes_decided: c.decided,
        fraud_findings: c.findings,
    })
}

pub async fn set_plan(
    conn: &mut AsyncPgConnection,
    institution_id: Uuid,
    year: i32,
    planned: i64,
    by: &str,
) -> QueryResult<()> {
    let now = Utc::now();
    diesel::insert_into(plans::table)
        .values((
            plans::institution_id.eq(institution_id),
            plans::statistical_year.eq(year),
            plans::planned_trainings.eq(planned),
            plans::set_by.eq(by),
            plans::set_at.eq(now),
        ))
        .on_conflict((plans::institution_id, plans::statistical_year))
        .do_update()
        .set((
            plans::planned_trainings.eq(planned),
            plans::set_by.eq(by),
            plans::set_at.eq(now),
        ))
        .execute(conn)
        .await?;
    mark(conn, institution_id, year).await
}
