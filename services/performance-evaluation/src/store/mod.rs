//! Persistence of the performance_evaluation schema.

pub mod schema;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Double, Integer, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::domain::counting;
use crate::domain::dashboard::{Actuals, Targets};
use crate::domain::scoring::{Formula, Inputs, PlanSource};
use schema::{
    brands, classes, completions, dirty, formulas, fraud_findings, institutions, leading_talents,
    outcomes, plans, rating_changes, scorecards, survey_answers, targets,
};

// Read models -------------------------------------------------------------

pub async fn upsert_institution(
    conn: &mut AsyncPgConnection,
    e: &contracts::registry::InstitutionEvent,
) -> QueryResult<()> {
    diesel::insert_into(institutions::table)
        .values((
            institutions::institution_id.eq(e.institution_id),
            institutions::credit_code.eq(e.credit_code.as_str()),
            institutions::name.eq(&e.name),
            institutions::status.eq(e.status.as_str()),
            institutions::rating.eq(&e.rating),
            institutions::under_review.eq(e.under_review),
        ))
        .on_conflict(institutions::institution_id)
        .do_update()
        .set((
            institutions::credit_code.eq(e.credit_code.as_str()),
            institutions::name.eq(&e.name),
            institutions::status.eq(e.status.as_str()),
            institutions::rating.eq(&e.rating),
            institutions::under_review.eq(e.under_review),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// The institutions an organisation runs.
pub async fn institutions_of(conn: &mut AsyncPgConnection, org: &str) -> QueryResult<Vec<Uuid>> {
    institutions::table
        .filter(institutions::credit_code.eq(org))
        .select(institutions::institution_id)
        .load(conn)
        .await
}

pub async fn institution_name(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<String>> {
    institutions::table
        .find(id)
        .select(institutions::name)
        .first(conn)
        .await
        .optional()
}

/// A class as filed, approved or closed; its capacity counts towards the
/// fallback plan of its year.
pub async fn upsert_class(
    conn: &mut AsyncPgConnection,
    e: &contracts::delivery::ClassEvent,
) -> QueryResult<()> {
    diesel::insert_into(classes::table)
        .values((
            classes::class_id.eq(e.class_id),
            classes::institution_id.eq(e.institution_id),
            classes::year.eq(e.year),
            classes::capacity.eq(e.capacity),
            classes::status.eq(&e.status),
        ))
        .on_conflict(classes::class_id)
        .do_update()
        .set((
            classes::capacity.eq(e.capacity),
            classes::status.eq(&e.status),
        ))
        .execute(conn)
        .await?;
    mark(conn, e.institution_id, e.year).await
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = completions)]
pub struct CompletionRow {
    pub enrolment_id: Uuid,
    pub class_id: Uuid,
    pub institution_id: Uuid,
    pub person_id: String,
    pub skill_level: String,
    pub completed: bool,
    pub completed_on: NaiveDate,
    pub statistical_year: i32,
}

/// Keeps the first result of an enrolment (delivery sends one; a repeat
/// is the same).
pub async fn insert_completion(
    conn: &mut AsyncPgConnection,
    row: &CompletionRow,
) -> QueryResult<()> {
    let inserted = diesel::insert_into(completions::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if inserted == 1 {
        mark(conn, row.institution_id, row.statistical_year).await?;
    }
    Ok(())
}

pub async fn completion(
    conn: &mut AsyncPgConnection,
    enrolment_id: Uuid,
) -> QueryResult<Option<CompletionRow>> {
    completions::table
        .find(enrolment_id)
        .select(CompletionRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// A certificate as issued or revoked; a revocation stays whatever
/// arrives after it. The scorecards of the holder's training are marked.
pub async fn upsert_certificate(
    conn: &mut AsyncPgConnection,
    e: &contracts::assessment::CertificateEvent,
) -> QueryResult<()> {
    let status = if counting::counts_as_skilled(&e.status) {
        "valid"
    } else {
        "revoked"
    };
    diesel::sql_query(
        "INSERT INTO certificates (certificate_id, person_id, skill_level, high_skilled, issued_on,
             statistical_year, class_id, institution_id, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (certificate_id) DO UPDATE SET
             status = CASE WHEN certificates.status = 'revoked' THEN 'revoked' ELSE excluded.status END",
    )
    .bind::<diesel::sql_types::Uuid, _>(e.certificate_id)
    .bind::<Text, _>(e.person_id.as_str())
    .bind::<Text, _>(e.skill_level.as_str())
    .bind::<diesel::sql_types::Bool, _>(counting::is_high_skilled(e.skill_level))
    .bind::<Date, _>(e.issued_on)
    .bind::<Integer, _>(counting::training_year(e.issued_on))
    .bind::<Nullable<diesel::sql_types::Uuid>, _>(e.class_id)
    .bind::<Nullable<diesel::sql_types::Uuid>, _>(e.institution_id)
    .bind::<Text, _>(status)
    .execute(conn)
    .await?;
    if let Some(class_id) = e.class_id {
        diesel::sql_query(
            "INSERT INTO dirty (institution_id, statistical_year, marked_at)
             SELECT institution_id, statistical_year, now() FROM completions
             WHERE class_id = $1 AND person_id = $2 AND completed
             ON CONFLICT (institution_id, statistical_year) DO UPDATE SET marked_at = excluded.marked_at",
        )
        .bind::<diesel::sql_types::Uuid, _>(class_id)
        .bind::<Text, _>(e.person_id.as_str())
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// An outcome is final once published: the first one is kept.
pub async fn insert_outcome(
    conn: &mut AsyncPgConnection,
    e: &contracts::employment::OutcomeEvent,
) -> QueryResult<()> {
    let year = counting::training_year(e.completed_on);
    let inserted = diesel::insert_into(outcomes::table)
        .values((
            outcomes::enrolment_id.eq(e.enrolment_id),
            outcomes::institution_id.eq(e.institution_id),
            outcomes::employed.eq(e.employed),
            outcomes::statistical_year.eq(year),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if inserted == 1 {
        mark(conn, e.institution_id, year).await?;
    }
    Ok(())
}

pub async fn upsert_brand(
    conn: &mut AsyncPgConnection,
    e: &contracts::registry::BrandEvent,
) -> QueryResult<()> {
    diesel::insert_into(brands::table)
        .values((
            brands::brand_id.eq(e.brand_id),
            brands::name.eq(&e.name),
            brands::registered_on.eq(e.registered_on),
            brands::statistical_year.eq(counting::training_year(e.registered_on)),
        ))
        .on_conflict(brands::brand_id)
        .do_update()
        .set(brands::name.eq(&e.name))
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn insert_leading_talent(
    conn: &mut AsyncPgConnection,
    e: &contracts::assessment::LeadingTalentEvent,
) -> QueryResult<()> {
    diesel::insert_into(leading_talents::table)
        .values((
            leading_talents::talent_id.eq(e.talent_id),
            leading_talents::person_id.eq(e.person_id.as_str()),
            leading_talents::selection_year.eq(e.selection_year),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

/// One finding per claim: the first event that shows it.
pub async fn insert_finding(
    conn: &mut AsyncPgConnection,
    claim_id: Uuid,
    institution_id: Uuid,
    year: i32,
    source: &str,
) -> QueryResult<()> {
    let inserted = diesel::insert_into(fraud_findings::table)
        .values((
            fraud_findings::claim_id.eq(claim_id),
            fraud_findings::institution_id.eq(institution_id),
            fraud_findings::statistical_year.eq(year),
            fraud_findings::source.eq(source),
            fraud_findings::found_at.eq(Utc::now()),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if inserted == 1 {
        mark(conn, institution_id, year).await?;
    }
    Ok(())
}

// Scorecards to recompute --------------------------------------------------

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
pub async fn take_dirty(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<Dirty>> {
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
pub async fn clear_dirty(conn: &mut AsyncPgConnection, d: &Dirty) -> QueryResult<()> {
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

// What a scorecard is computed from -----------------------------------------

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

// Formulas -------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = formulas)]
pub struct FormulaRow {
    pub version: i32,
    pub formula: serde_json::Value,
    pub note: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl FormulaRow {
    pub fn formula(&self) -> anyhow::Result<Formula> {
        Ok(serde_json::from_value(self.formula.clone())?)
    }
}

pub async fn current_formula(conn: &mut AsyncPgConnection) -> QueryResult<FormulaRow> {
    formulas::table
        .order(formulas::version.desc())
        .select(FormulaRow::as_select())
        .first(conn)
        .await
}

pub async fn formula_versions(conn: &mut AsyncPgConnection) -> QueryResult<Vec<FormulaRow>> {
    formulas::table
        .order(formulas::version.desc())
        .select(FormulaRow::as_select())
        .load(conn)
        .await
}

/// Adds the next version; concurrent changes queue on the table lock, so
/// versions never collide.
pub async fn insert_formula(
    conn: &mut AsyncPgConnection,
    formula: &Formula,
    note: &str,
    by: &str,
) -> QueryResult<FormulaRow> {
    diesel::sql_query("LOCK TABLE formulas IN EXCLUSIVE MODE")
        .execute(conn)
        .await?;
    let last: i32 = formulas::table
        .select(diesel::dsl::max(formulas::version))
        .first::<Option<i32>>(conn)
        .await?
        .unwrap_or(0);
    let row = FormulaRow {
        version: last + 1,
        formula: serde_json::to_value(formula)
            .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?,
        note: note.to_owned(),
        created_by: by.to_owned(),
        created_at: Utc::now(),
    };
    diesel::insert_into(formulas::table)
        .values(&row)
        .execute(conn)
        .await?;
    Ok(row)
}

// Scorecards -------------------------------------------------------------------

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
    pub computed_rating: Option<String>,
    pub rating: Option<String>,
    pub overridden: bool,
    pub override_reason: Option<String>,
    pub overridden_by: Option<String>,
    pub computed_at: DateTime<Utc>,
}

pub async fn scorecard_for_update(
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

pub async fn scorecard(
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

pub async fn save_scorecard(conn: &mut AsyncPgConnection, row: &ScorecardRow) -> QueryResult<()> {
    diesel::insert_into(scorecards::table)
        .values(row)
        .on_conflict((scorecards::institution_id, scorecards::statistical_year))
        .do_update()
        .set(row)
        .execute(conn)
        .await
        .map(|_| ())
}

/// A year's scorecards after `after` (institution id), in id order.
pub async fn list_scorecards(
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
pub async fn scorecards_of(
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

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = rating_changes)]
pub struct RatingChangeRow {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub statistical_year: i32,
    pub rating: String,
    pub previous: Option<String>,
    pub score: Option<f64>,
    pub formula_version: i32,
    pub overridden: bool,
    pub reason: Option<String>,
    pub decided_by: String,
    pub decided_at: DateTime<Utc>,
}

pub async fn insert_rating_change(
    conn: &mut AsyncPgConnection,
    row: &RatingChangeRow,
) -> QueryResult<()> {
    diesel::insert_into(rating_changes::table)
        .values(row)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn rating_changes_of(
    conn: &mut AsyncPgConnection,
    institution_id: Uuid,
    year: i32,
) -> QueryResult<Vec<RatingChangeRow>> {
    rating_changes::table
        .filter(
            rating_changes::institution_id
                .eq(institution_id)
                .and(rating_changes::statistical_year.eq(year)),
        )
        .order(rating_changes::decided_at)
        .select(RatingChangeRow::as_select())
        .load(conn)
        .await
}

// Plans ---------------------------------------------------------------------

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

// Surveys -------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = survey_answers)]
pub struct AnswerRow {
    pub id: Uuid,
    pub enrolment_id: Uuid,
    pub survey: String,
    pub class_id: Uuid,
    pub institution_id: Uuid,
    pub statistical_year: i32,
    pub scores: Vec<i32>,
    pub mean: f64,
    pub comment: Option<String>,
    pub answered_at: DateTime<Utc>,
}

/// `false` when the survey of that enrolment was answered already.
pub async fn insert_answer(conn: &mut AsyncPgConnection, row: &AnswerRow) -> QueryResult<bool> {
    let inserted = diesel::insert_into(survey_answers::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if inserted == 1 {
        mark(conn, row.institution_id, row.statistical_year).await?;
    }
    Ok(inserted == 1)
}

/// One class's survey figures: completers, surveys due and answered.
#[derive(Debug, Clone, QueryableByName)]
pub struct ClassSurvey {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub class_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub institution_id: Uuid,
    #[diesel(sql_type = Text)]
    pub survey: String,
    #[diesel(sql_type = BigInt)]
    pub due: i64,
    #[diesel(sql_type = BigInt)]
    pub answered: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub mean: Option<f64>,
}

/// Per class and survey of a year's completers, as of `today`: how many
/// were due, how many answered, the mean score. Classes in id order.
pub async fn class_surveys(
    conn: &mut AsyncPgConnection,
    year: i32,
    only: Option<&[Uuid]>,
    today: NaiveDate,
) -> QueryResult<Vec<ClassSurvey>> {
    diesel::sql_query(
        "WITH done AS (
             SELECT class_id, institution_id, completed_on FROM completions
             WHERE statistical_year = $1 AND completed
               AND ($3::uuid[] IS NULL OR institution_id = ANY($3))),
         due AS (
             SELECT class_id, institution_id, 'at_completion' AS survey, count(*) AS due FROM done
             WHERE completed_on <= $2 GROUP BY class_id, institution_id
             UNION ALL
             SELECT class_id, institution_id, 'six_months', count(*) FROM done
             WHERE completed_on + interval '6 months' <= $2 GROUP BY class_id, institution_id)
         SELECT d.class_id, d.institution_id, d.survey, d.due,
                count(a.id) AS answered, avg(a.mean) AS mean
         FROM due d LEFT JOIN survey_answers a
           ON a.class_id = d.class_id AND a.survey = d.survey AND a.statistical_year = $1
         GROUP BY d.class_id, d.institution_id, d.survey, d.due
         ORDER BY d.class_id, d.survey",
    )
    .bind::<Integer, _>(year)
    .bind::<Date, _>(today)
    .bind::<Nullable<diesel::sql_types::Array<diesel::sql_types::Uuid>>, _>(
        only.map(<[Uuid]>::to_vec),
    )
    .load(conn)
    .await
}

/// The mean score of each question, per class and survey.
#[derive(Debug, Clone, QueryableByName)]
pub struct QuestionMean {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub class_id: Uuid,
    #[diesel(sql_type = Text)]
    pub survey: String,
    #[diesel(sql_type = BigInt)]
    pub question: i64,
    #[diesel(sql_type = Double)]
    pub mean: f64,
}

pub async fn question_means(
    conn: &mut AsyncPgConnection,
    year: i32,
    classes: &[Uuid],
) -> QueryResult<Vec<QuestionMean>> {
    diesel::sql_query(
        "SELECT a.class_id, a.survey, q.ord AS question, avg(q.score)::float8 AS mean
         FROM survey_answers a, unnest(a.scores) WITH ORDINALITY AS q(score, ord)
         WHERE a.class_id = ANY($1) AND a.statistical_year = $2
         GROUP BY a.class_id, a.survey, q.ord ORDER BY a.class_id, a.survey, q.ord",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(classes.to_vec())
    .bind::<Integer, _>(year)
    .load(conn)
    .await
}

/// A comment of an answer, without who or when.
#[derive(Debug, Clone, Queryable)]
pub struct CommentRow {
    pub class_id: Uuid,
    pub survey: String,
    pub comment: String,
}

/// Comments of the classes, without who or when: ordered by their text.
pub async fn comments(
    conn: &mut AsyncPgConnection,
    year: i32,
    classes: &[Uuid],
) -> QueryResult<Vec<CommentRow>> {
    survey_answers::table
        .filter(survey_answers::class_id.eq_any(classes.to_vec()))
        .filter(survey_answers::statistical_year.eq(year))
        .filter(survey_answers::comment.is_not_null())
        .order((survey_answers::class_id, survey_answers::comment))
        .select((
            survey_answers::class_id,
            survey_answers::survey,
            survey_answers::comment.assume_not_null(),
        ))
        .load(conn)
        .await
}

// Targets and the dashboard ----------------------------------------------------

/// A city's targets of a year, as set.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = targets)]
struct TargetsRow {
    subsidised_trainings: i64,
    new_skilled_workers: i64,
    high_skilled_share: f64,
    training_brands: i64,
    leading_talents: i64,
}

pub async fn targets(conn: &mut AsyncPgConnection, year: i32) -> QueryResult<Option<Targets>> {
    let row: Option<TargetsRow> = targets::table
        .find(year)
        .select(TargetsRow::as_select())
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|t| Targets {
        subsidised_trainings: t.subsidised_trainings,
        new_skilled_workers: t.new_skilled_workers,
        high_skilled_share: t.high_skilled_share,
        training_brands: t.training_brands,
        leading_talents: t.leading_talents,
    }))
}

pub async fn set_targets(
    conn: &mut AsyncPgConnection,
    year: i32,
    t: &Targets,
    by: &str,
) -> QueryResult<()> {
    let values = (
        targets::subsidised_trainings.eq(t.subsidised_trainings),
        targets::new_skilled_workers.eq(t.new_skilled_workers),
        targets::high_skilled_share.eq(t.high_skilled_share),
        targets::training_brands.eq(t.training_brands),
        targets::leading_talents.eq(t.leading_talents),
        targets::set_by.eq(by),
        targets::set_at.eq(Utc::now()),
    );
    diesel::insert_into(targets::table)
        .values((targets::statistical_year.eq(year), values))
        .on_conflict(targets::statistical_year)
        .do_update()
        .set(values)
        .execute(conn)
        .await
        .map(|_| ())
}

#[derive(QueryableByName)]
struct ActualCounts {
    #[diesel(sql_type = BigInt)]
    trainings: i64,
    #[diesel(sql_type = BigInt)]
    skilled: i64,
    #[diesel(sql_type = BigInt)]
    high_skilled: i64,
    #[diesel(sql_type = BigInt)]
    brands: i64,
    #[diesel(sql_type = BigInt)]
    talents: i64,
}

/// The city's figures of a year up to `as_of` (see `domain::counting`).
pub async fn actuals(
    conn: &mut AsyncPgConnection,
    year: i32,
    as_of: NaiveDate,
) -> QueryResult<Actuals> {
    let c: ActualCounts = diesel::sql_query(
        "SELECT
           (SELECT count(*) FROM completions
             WHERE statistical_year = $1 AND completed AND completed_on <= $2) AS trainings,
           (SELECT count(DISTINCT person_id) FROM certificates
             WHERE statistical_year = $1 AND status = 'valid' AND issued_on <= $2) AS skilled,
           (SELECT count(DISTINCT person_id) FROM certificates
             WHERE statistical_year = $1 AND status = 'valid' AND issued_on <= $2 AND high_skilled) AS high_skilled,
           (SELECT count(*) FROM brands WHERE registered_on <= $2) AS brands,
           (SELECT count(DISTINCT person_id) FROM leading_talents WHERE selection_year = $1) AS talents",
    )
    .bind::<Integer, _>(year)
    .bind::<Date, _>(as_of)
    .get_result(conn)
    .await?;
    Ok(Actuals {
        subsidised_trainings: c.trainings,
        new_skilled_workers: c.skilled,
        high_skilled_workers: c.high_skilled,
        training_brands: c.brands,
        leading_talents: c.talents,
    })
}
