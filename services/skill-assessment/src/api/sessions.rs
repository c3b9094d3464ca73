//! Exam sessions: scheduled by a body within its scope, candidates
//! registered (completers of a class, or direct applicants under the entry
//! rules), results recorded under the occupation's pass rule.

use actix_web::http::StatusCode;
use actix_web::{get, post, put, web, HttpResponse};
use chrono::{NaiveDate, Utc};
use db::ScopedFutureExt;
use ids::{CitizenId, OccupationCode};
use platform::auth::Principal;
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::pagination::{self, Page};
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use serde::Deserialize;
use uuid::Uuid;

use super::{
    body_staff, officer, optional, optional_date, optional_id, CandidateRoute, CandidateView,
    NewCandidate, NewPassRule, NewResult, NewSession, SessionSummaryView, SessionView, State,
};
use crate::app::sessions::{self, Scores, Session};
use crate::domain::body::ScopeItem;
use crate::domain::scoring::{score, PassRule};
use crate::store::candidates::CandidateRow;
use crate::store::sessions::SessionRow;

fn candidate_view(c: CandidateRow) -> CandidateView {
    CandidateView {
        id: c.id,
        name: c.name,
        citizen_id_masked: c.citizen_masked,
        route: c.route,
        class_id: c.class_id,
        institution_id: c.institution_id,
        theory_score: c.theory_score,
        practical_score: c.practical_score,
        passed: c.passed,
        result_id: c.result_id,
    }
}

fn session_view(
    Session {
        session: s,
        candidates,
    }: Session,
) -> SessionView {
    SessionView {
        id: s.id,
        body_id: s.body_id,
        assessment_kind: s.assessment_kind,
        occupation_code: s.occupation_code,
        skill_level: s.skill_level,
        exam_date: s.exam_date,
        venue: s.venue,
        assessor_ids: s.assessor_ids,
        supervisor_id: s.supervisor_id,
        candidates: candidates.into_iter().map(candidate_view).collect(),
    }
}

/// Set the pass rule of an occupation and level
///
/// A bureau officer of the city sets the minimum theory and practical scores
/// (out of 100) that pass an exam of one occupation and level; without a rule
/// both must reach 60. Setting it again replaces it; it applies to results
/// recorded from then on. Refused: 422 `validation_failed` with
/// `occupation_code` (`occupation_code_format`), `theory_min` or
/// `practical_min` (`score_range`: 0 to 100). Publishes no event.
#[utoipa::path(
    operation_id = "setPassRule",
    tag = "sessions",
    request_body = NewPassRule,
    responses(
        (status = 200, description = "The pass rule now in force for the occupation and level", body = PassRule),
        (status = 422, description = "Refused: `validation_failed` naming each bad field", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[put("/v1/pass-rules")]
pub async fn set_pass_rule(
    state: State,
    who: Principal,
    Json(body): Json<NewPassRule>,
) -> Result<HttpResponse, ApiError> {
    officer(&who, &state)?;
    let mut v = Validator::new();
    let _: Option<OccupationCode> = v.parse("occupation_code", &body.occupation_code);
    let theory_min = v.check("theory_min", score(body.theory_min));
    let practical_min = v.check("practical_min", score(body.practical_min));
    let (theory_min, practical_min) = v.finish((theory_min, practical_min))?;
    let rule = PassRule {
        theory_min,
        practical_min,
    };
    let mut conn = state.pool.get().await?;
    let rule = sessions::set_pass_rule(
        &mut conn,
        &body.occupation_code,
        body.skill_level,
        rule,
        who.subject(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(rule))
}

/// Schedule an exam session of the caller's body
///
/// A body's own people (its assessors or enterprise account) or its system
/// (scope `assessment:records`) schedule an exam session (考试场次) of an
/// occupation, level and kind, on a date from today, at a venue, run by the
/// body's own assessors (考评员) and one supervisor (督导员). The body is the one
/// whose credit code the token names (403 `not_a_body` otherwise). Every
/// problem is named at once (422 `validation_failed`): `occupation_code`
/// (`occupation_code_format`), `venue` (`text_length`), `assessor_ids`
/// (`assessors_missing`), `exam_date` (`date_past`), `assessor_ids[i]`
/// (`not_an_assessor`), `supervisor_id` (`not_a_supervisor`), and on `body`:
/// `body_suspended`, `body_not_valid` (outside the filing's validity),
/// `out_of_scope` (the occupation × level × kind is not in its filing). Send an
/// `Idempotency-Key` to retry safely. Publishes no event.
#[utoipa::path(
    operation_id = "scheduleSession",
    tag = "sessions",
    request_body = NewSession,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer as the first time (`Idempotent-Replayed: true`); another body is refused (422 `idempotency_key_reused`), a concurrent one too (409 `idempotency_in_flight`)")),
    responses(
        (status = 201, description = "The session as scheduled, without candidates yet", body = SessionView,
            headers(("Location" = String, description = "Where the session is read: `/v1/sessions/{id}`"))),
        (status = 403, description = "Refused: `not_a_body` (the caller's organisation is not a filed body); or the token's role or scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, response = platform::problem::IdempotencyInFlight),
        (status = 422, description = "Refused: `validation_failed` naming each bad field (see above); `idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/sessions")]
pub async fn schedule(
    state: State,
    who: Principal,
    key: IdempotencyKey,
    Json(body): Json<NewSession>,
) -> Result<HttpResponse, ApiError> {
    let mut v = Validator::new();
    let _: Option<OccupationCode> = v.parse("occupation_code", &body.occupation_code);
    v.text("venue", &body.venue, 1..=200);
    v.ensure(
        !body.assessor_ids.is_empty(),
        "assessor_ids",
        "assessors_missing",
        "at least one assessor (考评员)",
    );
    v.ensure(
        body.exam_date >= ids::business_date(Utc::now()),
        "exam_date",
        "date_past",
        "today or later",
    );
    v.finish(())?;
    body_staff(&who)?;
    let new = sessions::NewSession {
        item: ScopeItem {
            assessment_kind: body.assessment_kind,
            occupation_code: body.occupation_code.clone(),
            skill_level: body.skill_level,
        },
        exam_date: body.exam_date,
        venue: body.venue.trim().to_owned(),
        assessor_ids: body.assessor_ids.clone(),
        supervisor_id: body.supervisor_id,
    };
    let mut conn = state.pool.get().await?;
    let scope = format!("{}:schedule", who.subject());
    idempotency::once(&mut conn, &key, scope, &body, |conn| {
        async move {
            let session = sessions::schedule(conn, &who, new).await?;
            let location = format!("/v1/sessions/{}", session.session.id);
            Ok(Created::new(StatusCode::CREATED, &session_view(session))?.at(location))
        }
        .scope_boxed()
    })
    .await
}

/// Read an exam session with its candidates
///
/// The session and its candidates with their results; candidates' ID numbers
/// are masked (`350102********1234`). For bureau officers and auditors of the
/// city and for the body that runs it (its assessors, enterprise account and
/// systems). Anyone else, like an unknown id, is answered 404
/// `session_not_found`.
#[utoipa::path(
    operation_id = "getSession",
    tag = "sessions",
    params(("id" = Uuid, Path, description = "The session's id")),
    responses(
        (status = 200, description = "The session with its candidates", body = SessionView),
        (status = 404, description = "`session_not_found`: no such session, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/sessions/{id}")]
pub async fn get(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let session = sessions::get(&mut conn, &state.deps(), &who, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(session_view(session)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SessionListQuery {
    /// Only this body's sessions (its id).
    #[param(value_type = Option<Uuid>)]
    pub body: Option<String>,
    /// Only sessions of this occupation (code of the national classification).
    #[param(value_type = Option<String>, pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$", example = "6-31-01-03")]
    pub occupation: Option<String>,
    /// Only exams on or after this day.
    #[param(value_type = Option<NaiveDate>)]
    pub from: Option<String>,
    /// Only exams on or before this day.
    #[param(value_type = Option<NaiveDate>)]
    pub to: Option<String>,
    /// Where to go on: the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Items per page, 1 to 500; 50 when absent.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// List the exam sessions the caller may see
///
/// Exam sessions by exam date (earliest first), a page at a time: every session
/// of the city's bodies for bureau officers and auditors; for a body's own
/// assessors, enterprise account and systems, their own body's only (what `GET
/// /v1/sessions/{id}` allows them, one at a time). Filter by body, occupation
/// and a range of exam dates. Items carry no candidates; read the session for
/// them. Refused: 422 `validation_failed` with `body` (`uuid_format`),
/// `occupation` (`occupation_code_format`), `from` or `to` (`date_format`),
/// `to` (`date_order`: before `from`), `limit` (`limit_range`), `cursor`
/// (`cursor_invalid`).
#[utoipa::path(
    operation_id = "listSessions",
    tag = "sessions",
    params(SessionListQuery),
    responses(
        (status = 200, description = "A page of sessions; `next_cursor` when there are more", body = Page<SessionSummaryView>),
        (status = 422, description = "Refused: `validation_failed` (`uuid_format`, `occupation_code_format`, `date_format`, `date_order`, `limit_range`, `cursor_invalid`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/sessions")]
pub async fn list(
    state: State,
    who: Principal,
    query: web::Query<SessionListQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = pagination::limit(query.limit)?;
    let after: Option<(NaiveDate, Uuid)> = pagination::decode_cursor(query.cursor.as_deref())?;
    let mut v = Validator::new();
    let body_id = optional_id(&mut v, "body", query.body.as_deref());
    let occupation_code: Option<OccupationCode> =
        optional(&mut v, "occupation", query.occupation.as_deref());
    let from = optional_date(&mut v, "from", query.from.as_deref());
    let to = optional_date(&mut v, "to", query.to.as_deref());
    if let (Some(from), Some(to)) = (from, to) {
        v.ensure(to >= from, "to", "date_order", "on or after from");
    }
    v.finish(())?;
    let filter = sessions::SessionQuery {
        body_id,
        occupation_code,
        from,
        to,
        after,
        limit: limit + 1,
    };
    let mut conn = state.pool.get().await?;
    let rows = sessions::list(&mut conn, &state.deps(), &who, filter).await?;
    let page =
        pagination::page(rows, limit, |s| (s.exam_date, s.id)).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(Page {
        items: page.items.into_iter().map(summary).collect::<Vec<_>>(),
        next_cursor: page.next_cursor,
    }))
}

fn summary(s: SessionRow) -> SessionSummaryView {
    SessionSummaryView {
        id: s.id,
        body_id: s.body_id,
        assessment_kind: s.assessment_kind,
        occupation_code: s.occupation_code,
        skill_level: s.skill_level,
        exam_date: s.exam_date,
        venue: s.venue,
    }
}

/// Register a candidate for an exam session
///
/// The body running the session registers a candidate until the exam date: a
/// completer of a subsidised class of this occupation and level (route
/// `completion`, known from training delivery's completion events; the class
/// and institution are recorded), or a direct applicant (route `direct`) whose
/// declared years in the occupation, with or without the certificate of the
/// level below, meet the level's entry rules. The citizen ID is kept sealed and
/// answered masked. Refused: 404 `session_not_found`; 403 `not_the_body` (the
/// bureau sees the session but does not register); 409 `session_over` (the exam
/// date has passed), `no_completion` (no completion of this occupation and
/// level on record: retry once delivery's event arrives), `already_registered`;
/// 422 `validation_failed` with `citizen_id` (`citizen_id_format`,
/// `citizen_id_length`, `citizen_id_birth_date`, `citizen_id_check_digit`),
/// `name` (`text_length`), `experience_years` (`experience_range`,
/// `entry_rule`). Send an `Idempotency-Key` to retry safely. Publishes no
/// event.
#[utoipa::path(
    operation_id = "registerCandidate",
    tag = "sessions",
    params(("id" = Uuid, Path, description = "The session's id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer as the first time (`Idempotent-Replayed: true`); another body is refused (422 `idempotency_key_reused`), a concurrent one too (409 `idempotency_in_flight`)")),
    request_body = NewCandidate,
    responses(
        (status = 201, description = "The candidate as registered, the ID number masked", body = CandidateView),
        (status = 403, description = "Refused: `not_the_body`; or the token's role or scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`session_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: `session_over`, `no_completion`, `already_registered`, `idempotency_in_flight`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: `validation_failed` naming each bad field (see above); `idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/sessions/{id}/candidates")]
pub async fn register(
    state: State,
    who: Principal,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    Json(body): Json<NewCandidate>,
) -> Result<HttpResponse, ApiError> {
    let mut v = Validator::new();
    let citizen: Option<CitizenId> = v.parse("citizen_id", &body.citizen_id);
    v.text("name", &body.name, 1..=50);
    let direct = body.route == CandidateRoute::Direct;
    let experience = match body.experience_years {
        Some(y) => u8::try_from(y).ok().filter(|y| *y <= 60),
        None if direct => None,
        None => Some(0),
    };
    v.ensure(
        experience.is_some(),
        "experience_years",
        "experience_range",
        "years in the occupation, 0 to 60; direct applicants give them",
    );
    let (citizen, experience) = v.finish((citizen, experience))?;
    body_staff(&who)?;
    let new = sessions::NewCandidate {
        citizen,
        name: body.name.trim().to_owned(),
        route: body.route,
        experience,
        declared: body.experience_years.is_some(),
    };
    let session_id = id.into_inner();
    let deps = state.deps();
    let mut conn = state.pool.get().await?;
    let scope = format!("{}:register:{session_id}", who.subject());
    idempotency::once(&mut conn, &key, scope, &body, |conn| {
        async move {
            let row = sessions::register(conn, &deps, &who, session_id, new).await?;
            Created::new(StatusCode::CREATED, &candidate_view(row))
        }
        .scope_boxed()
    })
    .await
}

/// Record a candidate's exam result
///
/// The body running the session records a candidate's theory and practical
/// scores once, on or after the exam date, while it may still assess; the
/// occupation and level's pass rule decides `passed`. The result is announced
/// on `assessment.results.v1` (type `qiancheng.assessment.result.recorded.v1`,
/// keyed by the session). A wrong result is not overwritten: what it produced
/// is revoked. Refused: 404 `session_not_found`, `candidate_not_found`; 403
/// `not_the_body`; 409 `exam_not_held` (before the exam date),
/// `result_recorded` (already recorded); 422 `validation_failed` with
/// `theory_score` or `practical_score` (`score_range`: 0 to 100), or on `body`:
/// `body_suspended`, `body_not_valid` (outside the filing's validity),
/// `out_of_scope` (the occupation × level × kind is not in its filing).
#[utoipa::path(
    operation_id = "recordResult",
    tag = "sessions",
    params(("id" = Uuid, Path, description = "The session's id"), ("candidate" = Uuid, Path, description = "The candidate's id")),
    request_body = NewResult,
    responses(
        (status = 200, description = "The candidate with the result and whether it passed", body = CandidateView),
        (status = 403, description = "Refused: `not_the_body`; or the token's role or scope", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`session_not_found`, `candidate_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: `exam_not_held`, `result_recorded`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: `validation_failed` (`score_range`; or on `body`: `body_suspended`, `body_not_valid`, `out_of_scope`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[put("/v1/sessions/{id}/candidates/{candidate}/result")]
pub async fn record_result(
    state: State,
    who: Principal,
    path: web::Path<(Uuid, Uuid)>,
    Json(body): Json<NewResult>,
) -> Result<HttpResponse, ApiError> {
    let mut v = Validator::new();
    let theory = v.check("theory_score", score(body.theory_score));
    let practical = v.check("practical_score", score(body.practical_score));
    let (theory, practical) = v.finish((theory, practical))?;
    body_staff(&who)?;
    let (session_id, candidate_id) = path.into_inner();
    let mut conn = state.pool.get().await?;
    let candidate = sessions::record_result(
        &mut conn,
        &state.deps(),
        &who,
        session_id,
        candidate_id,
        Scores { theory, practical },
    )
    .await?;
    Ok(HttpResponse::Ok().json(candidate_view(candidate)))
}
