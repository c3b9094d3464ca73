//! Exam sessions: scheduled by a body within its scope, candidates
//! registered (completers of a class, or direct applicants under the entry
//! rules), results recorded under the occupation's pass rule.

use actix_web::http::StatusCode;
use actix_web::{get, post, put, web, HttpResponse};
use chrono::Utc;
use db::ScopedFutureExt;
use ids::{CitizenId, OccupationCode};
use platform::auth::Principal;
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use uuid::Uuid;

use super::{
    body_staff, officer, CandidateRoute, CandidateView, NewCandidate, NewPassRule, NewResult,
    NewSession, SessionView, State,
};
use crate::app::sessions::{self, Scores, Session};
use crate::domain::body::ScopeItem;
use crate::domain::scoring::{score, PassRule};
use crate::store::candidates::CandidateRow;

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

/// Set the pass rule of an occupation and level (default: both ≥ 60).
#[utoipa::path(
    tag = "sessions",
    request_body = NewPassRule,
    responses((status = 200, body = PassRule), (status = 422, response = platform::problem::Unprocessable)),
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

/// Schedule an exam session of the caller's body.
#[utoipa::path(
    tag = "sessions",
    request_body = NewSession,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe")),
    responses(
        (status = 201, body = SessionView),
        (status = 422, description = "Out of scope, suspended, outside the filing's validity, or staff not of the body", body = Problem, content_type = "application/problem+json"),
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

/// A session with its candidates (ID numbers masked).
#[utoipa::path(
    tag = "sessions",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = SessionView), (status = 404, response = platform::problem::NotFound)),
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

/// Register a candidate: a completer of a class of this occupation and
/// level, or a direct applicant meeting the level's entry rules.
#[utoipa::path(
    tag = "sessions",
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe")),
    request_body = NewCandidate,
    responses(
        (status = 201, body = CandidateView),
        (status = 409, description = "Already registered, no completion on record, or the exam is over", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = platform::problem::Unprocessable),
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

/// Record a candidate's result once, on or after the exam date. The pass
/// rule of the occupation and level decides `passed`.
#[utoipa::path(
    tag = "sessions",
    params(("id" = Uuid, Path), ("candidate" = Uuid, Path)),
    request_body = NewResult,
    responses(
        (status = 200, body = CandidateView),
        (status = 409, description = "Already recorded, or before the exam", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Scores out of range, or the body may not assess now", body = Problem, content_type = "application/problem+json"),
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
