//! Trainees' survey answers (满意度调查), and their figures per class: due,
//! answered, mean scores and comments.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Double, Integer, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::dirty::mark;
use super::schema::survey_answers;

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
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = survey_answers)]
pub struct CommentRow {
    pub class_id: Uuid,
    pub survey: String,
    /// Only answers with a comment are read.
    #[diesel(select_expression = survey_answers::comment.assume_not_null())]
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
        .select(CommentRow::as_select())
        .load(conn)
        .await
}
