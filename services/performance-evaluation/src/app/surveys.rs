//! Satisfaction surveys (培训满意度): trainees' answers about their own
//! completed enrolments, and the anonymous figures per class.

use chrono::{NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::scope::{Scope, Viewer};
use super::Error;
use crate::domain::survey::{mean, SurveyKind};
use crate::store::read_models::{self, CompletionRow};
use crate::store::surveys::{self, AnswerRow, ClassSurvey, CommentRow, QuestionMean};

/// A trainee's answer, validated.
#[derive(Debug)]
pub struct Answer {
    pub enrolment_id: Uuid,
    pub survey: SurveyKind,
    /// One score per question, in the questions' order.
    pub scores: Vec<i32>,
    pub comment: Option<String>,
}

/// An answer about the trainee's own completed enrolment, to a survey that
/// is open; only [`admit`] makes one.
#[derive(Debug)]
pub struct Admitted {
    answer: Answer,
    done: CompletionRow,
}

/// Admits an answer of the trainee `person_id` (their token's subject):
/// about a completed enrolment of theirs, to a survey already open.
#[tracing::instrument(skip_all, fields(enrolment_id = %answer.enrolment_id))]
pub async fn admit(
    conn: &mut AsyncPgConnection,
    person_id: Option<&str>,
    answer: Answer,
) -> Result<Admitted, Error> {
    let done = read_models::completion(conn, answer.enrolment_id)
        .await?
        .filter(|c| c.completed)
        .filter(|c| person_id == Some(c.person_id.as_str()))
        .ok_or(Error::EnrolmentNotFound)?;
    let today = ids::business_date(Utc::now());
    if !answer.survey.is_open(done.completed_on, today) {
        return Err(Error::SurveyNotOpen(
            answer.survey.opens_on(done.completed_on),
        ));
    }
    Ok(Admitted { answer, done })
}

/// Records an admitted answer, once per enrolment and survey, and marks
/// the institution's scorecard; inside the caller's transaction.
#[tracing::instrument(skip_all, fields(enrolment_id = %admitted.done.enrolment_id, class_id = %admitted.done.class_id))]
pub async fn answer(conn: &mut AsyncPgConnection, admitted: Admitted) -> Result<AnswerRow, Error> {
    let Admitted { answer, done } = admitted;
    let row = AnswerRow {
        id: Uuid::now_v7(),
        enrolment_id: done.enrolment_id,
        survey: answer.survey.as_str().to_owned(),
        class_id: done.class_id,
        institution_id: done.institution_id,
        statistical_year: done.statistical_year,
        mean: mean(&answer.scores),
        scores: answer.scores,
        comment: answer.comment,
        answered_at: Utc::now(),
    };
    if !surveys::insert_answer(conn, &row).await? {
        return Err(Error::SurveyAlreadyAnswered);
    }
    Ok(row)
}

/// A year's survey figures per class and survey, as of a day.
#[derive(Debug)]
pub struct ClassFigures {
    /// Classes in id order, each survey due.
    pub surveys: Vec<ClassSurvey>,
    pub question_means: Vec<QuestionMean>,
    /// Ordered by their text, never by who or when.
    pub comments: Vec<CommentRow>,
}

/// Satisfaction per class of a year's completers as of `today`: officers
/// and auditors see the city's classes, an institution its own; either may
/// ask for one institution.
#[tracing::instrument(skip_all, fields(year = year))]
pub async fn report(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    year: i32,
    institution_id: Option<Uuid>,
    today: NaiveDate,
) -> Result<ClassFigures, Error> {
    let scope = Scope::of(conn, viewer).await?;
    let only: Option<Vec<Uuid>> = match (scope.only(), institution_id) {
        (Some(mine), Some(one)) => Some(mine.iter().copied().filter(|i| *i == one).collect()),
        (Some(mine), None) => Some(mine.to_vec()),
        (None, Some(one)) => Some(vec![one]),
        (None, None) => None,
    };
    let surveys = surveys::class_surveys(conn, year, only.as_deref(), today).await?;
    let mut classes: Vec<Uuid> = surveys.iter().map(|r| r.class_id).collect();
    classes.dedup();
    let question_means = surveys::question_means(conn, year, &classes).await?;
    let comments = surveys::comments(conn, year, &classes).await?;
    Ok(ClassFigures {
        surveys,
        question_means,
        comments,
    })
}
