//! Satisfaction surveys (培训满意度): the questions, trainees' answers and
//! the anonymous report per class.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::Utc;
use db::ScopedFutureExt;
use platform::auth::{Principal, Role};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use serde::Deserialize;
use uuid::Uuid;

use super::{
    check_year, viewer, AnswerReceipt, ClassSurveyReport, NewAnswer, Questions, State,
    SurveyFigures, SurveyReport,
};
use crate::app::surveys::{self, Answer, ClassFigures};
use crate::domain::survey::{answer_problems, SurveyKind, MAX_COMMENT_CHARS};

/// List the satisfaction survey's questions
///
/// The questions of the satisfaction survey (培训满意度), in the order an
/// answer scores them, with the score range (1 to 5) and the longest free
/// comment taken. The city configures the questions; both surveys of a
/// completed enrolment (at completion, and six months later) ask the same.
/// Any authenticated caller may read them.
#[utoipa::path(
    tag = "surveys",
    operation_id = "listSurveyQuestions",
    responses(
        (status = 200, description = "The survey's questions and how they are answered", body = Questions),
        (status = 401, response = platform::problem::Unauthorized),
    ),
    security(("bearer" = []))
)]
#[get("/v1/surveys/questions")]
pub async fn questions(state: State, _who: Principal) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(Questions {
        questions: state.questions.clone(),
        min_score: 1,
        max_score: 5,
        max_comment_chars: MAX_COMMENT_CHARS,
    }))
}

/// Answer a satisfaction survey of a completed enrolment
///
/// A trainee answers a survey about an enrolment of theirs that completed:
/// with their own token (its person id names them), or through the trainee
/// portal acting for them (a trainee token carrying `act`); no
/// institution's system answers for its trainees. One score 1 to 5 per
/// question, in the questions' order, and an optional comment. One answer
/// per enrolment and survey: `at_completion` opens on completion,
/// `six_months` six months later. The answer is anonymous in every report;
/// the institution's scorecard is marked to be computed again. Refused:
/// 403 `forbidden_role`; 404 `enrolment_not_found`; 409
/// `survey_already_answered`, `survey_not_open`; 422 `scores_count`,
/// `score_range`, `text_length` (comment). With an `Idempotency-Key`, a
/// retry answers the first result again.
#[utoipa::path(
    tag = "surveys",
    operation_id = "answerSurvey",
    request_body = NewAnswer,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer the first result again")),
    responses(
        (status = 201, description = "The answer as recorded", body = AnswerReceipt),
        (status = 404, description = "Refused: enrolment_not_found (no completed enrolment of the trainee with that id)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: survey_already_answered, survey_not_open (the six-month survey opens six months after completion)", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = platform::problem::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/v1/survey-answers")]
pub async fn answer(
    state: State,
    who: Principal,
    key: IdempotencyKey,
    Json(body): Json<NewAnswer>,
) -> Result<HttpResponse, ApiError> {
    // The trainee answers: with their own token, or through the portal
    // acting for them (a trainee token carrying `act`). No institution's
    // system answers for its trainees.
    who.require(&[Role::Trainee])?;
    let comment = body
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned);
    let mut v = Validator::new();
    v.extend(answer_problems(
        state.questions.len(),
        &body.scores,
        comment.as_deref(),
    ));
    v.finish(())?;
    let answer = Answer {
        enrolment_id: body.enrolment_id,
        survey: body.survey,
        scores: body.scores.clone(),
        comment,
    };
    let mut conn = state.pool.get().await?;
    let admitted = surveys::admit(&mut conn, who.person_id(), answer).await?;
    let survey = body.survey;
    let scope = format!("{}:answer-survey", who.subject());
    idempotency::once(&mut conn, &key, scope, &body, |conn| {
        async move {
            let row = surveys::answer(conn, admitted).await?;
            let receipt = AnswerReceipt {
                id: row.id,
                survey,
                answered_at: row.answered_at,
            };
            Created::new(StatusCode::CREATED, &receipt)
        }
        .scope_boxed()
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// Statistical year of the completions: 2025 to 2100.
    #[param(minimum = 2025, maximum = 2100)]
    pub year: i32,
    /// Only this institution's classes.
    pub institution_id: Option<Uuid>,
}

/// Read the satisfaction report per class of a year
///
/// Satisfaction per class of a statistical year's completers, as of today:
/// for each survey, how many are due and answered (the response rate), the
/// mean score, the mean per question and the comments, ordered by their
/// text — never who answered. Officers and auditors of the city see every
/// class; an institution's operators or integrators their own
/// institutions'; either may ask for one institution. Refused: 403
/// `forbidden_role`, `out_of_scope` (an officer or auditor of another
/// city); 422 `year_range`.
#[utoipa::path(
    tag = "surveys",
    operation_id = "getSurveyReport",
    params(ReportQuery),
    responses(
        (status = 200, description = "The year's satisfaction per class", body = SurveyReport),
        (status = 422, response = platform::problem::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[get("/v1/survey-reports")]
pub async fn report(
    state: State,
    who: Principal,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let mut v = Validator::new();
    check_year(&mut v, query.year);
    v.finish(())?;
    let viewer = viewer(&state, &who)?;
    let mut conn = state.pool.get().await?;
    let today = ids::business_date(Utc::now());
    let figures =
        surveys::report(&mut conn, &viewer, query.year, query.institution_id, today).await?;
    Ok(HttpResponse::Ok().json(SurveyReport {
        statistical_year: query.year,
        as_of: today,
        questions: state.questions.clone(),
        classes: classes(figures)?,
    }))
}

/// The figures of each class, by survey.
fn classes(f: ClassFigures) -> Result<Vec<ClassSurveyReport>, ApiError> {
    let mut out: Vec<ClassSurveyReport> = Vec::new();
    for r in f.surveys {
        let kind = SurveyKind::parse(&r.survey)
            .ok_or_else(|| ApiError::internal("an unknown survey kind is stored"))?;
        let figures = SurveyFigures {
            survey: kind,
            due: r.due,
            answered: r.answered,
            response_rate: (r.due > 0).then(|| r.answered as f64 / r.due as f64),
            mean_score: r.mean,
            question_means: f
                .question_means
                .iter()
                .filter(|m| m.class_id == r.class_id && m.survey == r.survey)
                .map(|m| m.mean)
                .collect(),
            comments: f
                .comments
                .iter()
                .filter(|c| c.class_id == r.class_id && c.survey == r.survey)
                .map(|c| c.comment.clone())
                .collect(),
        };
        match out.last_mut() {
            Some(last) if last.class_id == r.class_id => last.surveys.push(figures),
            _ => out.push(ClassSurveyReport {
                class_id: r.class_id,
                institution_id: r.institution_id,
                surveys: vec![figures],
            }),
        }
    }
    Ok(out)
}
