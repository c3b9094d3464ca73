//! Exam sessions: scheduled by a body within its scope, candidates
//! registered (completers of a class, or direct applicants under the entry
//! rules), results recorded under the occupation's pass rule.

use actix_web::http::StatusCode;
use actix_web::{get, post, put, web, HttpResponse};
use chrono::Utc;
use contracts::assessment::{ResultEvent, RESULTS_TOPIC, RESULT_RECORDED};
use db::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use ids::{CitizenId, OccupationCode, SkillLevel};
use messaging::OutboxEvent;
use platform::auth::{Principal, Role, Scope};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::problem::{FieldError, Problem};
use platform::validate::Validator;
use platform::ApiError;
use uuid::Uuid;

use super::{
    acts_for, may_see, officer, CandidateView, NewCandidate, NewPassRule, NewResult, NewSession,
    SessionView, State,
};
use crate::domain::body::{may_assess, AssessmentKind, ScopeItem};
use crate::domain::entry::{may_apply_directly, Evidence};
use crate::domain::scoring::{score, PassRule};
use crate::store::{self, BodyRow, CandidateRow, SessionRow};

pub(super) fn not_found() -> ApiError {
    ApiError::not_found("session_not_found", "no such exam session")
}

/// Turns a body's refusals into one 422 naming each reason.
pub(super) fn refused(reasons: Vec<crate::domain::body::Refusal>) -> ApiError {
    ApiError::validation(
        reasons
            .into_iter()
            .map(|r| FieldError {
                field: "body".into(),
                code: r.code.to_owned(),
                message: r.detail,
            })
            .collect(),
    )
}

/// The body the caller acts for.
async fn own_body(conn: &mut AsyncPgConnection, who: &Principal) -> Result<BodyRow, ApiError> {
    who.require(&[Role::Assessor, Role::Enterprise, Role::Integrator])?
        .require_scope(Scope::AssessmentRecords)?;
    let org = who.org().unwrap_or_default();
    store::body_by_credit_code(conn, org).await?.ok_or_else(|| {
        ApiError::forbidden(
            "not_a_body",
            "the caller's organisation is not a filed assessment body",
        )
    })
}

/// The session and its body, if the caller may see them.
async fn visible(
    conn: &mut AsyncPgConnection,
    state: &super::AppState,
    who: &Principal,
    id: Uuid,
) -> Result<(SessionRow, BodyRow), ApiError> {
    let session = store::session(conn, id).await?.ok_or_else(not_found)?;
    let body = store::body(conn, session.body_id)
        .await?
        .filter(|b| may_see(who, state, b))
        .ok_or_else(not_found)?;
    Ok((session, body))
}

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

async fn session_view(
    conn: &mut AsyncPgConnection,
    s: SessionRow,
) -> Result<SessionView, ApiError> {
    let candidates = store::candidates_of(conn, s.id)
        .await?
        .into_iter()
        .map(candidate_view)
        .collect();
    Ok(SessionView {
        id: s.id,
        body_id: s.body_id,
        assessment_kind: s.assessment_kind,
        occupation_code: s.occupation_code,
        skill_level: s.skill_level,
        exam_date: s.exam_date,
        venue: s.venue,
        assessor_ids: s.assessor_ids,
        supervisor_id: s.supervisor_id,
        candidates,
    })
}

pub(super) fn scope_item(s: &SessionRow) -> Result<ScopeItem, ApiError> {
    Ok(ScopeItem {
        assessment_kind: AssessmentKind::parse(&s.assessment_kind)
            .ok_or_else(|| ApiError::internal("stored assessment kind"))?,
        occupation_code: s.occupation_code.clone(),
        skill_level: s
            .skill_level
            .parse()
            .map_err(|_| ApiError::internal("stored level"))?,
    })
}

/// Set the pass rule of an occupation and level (default: both ≥ 60).
#[utoipa::path(
    tag = "sessions",
    request_body = NewPassRule,
    responses((status = 200, body = PassRule), (status = 422, body = Problem, content_type = "application/problem+json")),
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
    store::set_pass_rule(
        &mut conn,
        &body.occupation_code,
        body.skill_level.as_str(),
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
    let mut conn = state.pool.get().await?;
    let owner = own_body(&mut conn, &who).await?;
    let facts = store::facts_of(&mut conn, &owner).await?;
    let item = ScopeItem {
        assessment_kind: body.assessment_kind,
        occupation_code: body.occupation_code.clone(),
        skill_level: body.skill_level,
    };
    let mut problems: Vec<FieldError> = Vec::new();
    let reasons = may_assess(&facts, &item, body.exam_date);
    if !reasons.is_empty() {
        return Err(refused(reasons));
    }
    let staff = store::staff_of(&mut conn, owner.id).await?;
    let has = |id: &Uuid, role: &str| staff.iter().any(|s| s.id == *id && s.role == role);
    for (i, id) in body.assessor_ids.iter().enumerate() {
        if !has(id, "assessor") {
            problems.push(FieldError {
                field: format!("assessor_ids[{i}]"),
                code: "not_an_assessor".into(),
                message: "not an assessor (考评员) of this body".into(),
            });
        }
    }
    if !has(&body.supervisor_id, "supervisor") {
        problems.push(FieldError {
            field: "supervisor_id".into(),
            code: "not_a_supervisor".into(),
            message: "not a supervisor (督导员) of this body".into(),
        });
    }
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    let scope = format!("{}:schedule", who.subject());
    idempotency::once(&mut conn, &key, scope, &body.clone(), |conn| {
        async move {
            let row = SessionRow {
                id: Uuid::now_v7(),
                body_id: owner.id,
                assessment_kind: body.assessment_kind.as_str().to_owned(),
                occupation_code: body.occupation_code.clone(),
                skill_level: body.skill_level.as_str().to_owned(),
                exam_date: body.exam_date,
                venue: body.venue.trim().to_owned(),
                assessor_ids: body.assessor_ids.clone(),
                supervisor_id: body.supervisor_id,
                scheduled_by: who.subject().to_owned(),
                scheduled_at: Utc::now(),
            };
            store::insert_session(conn, &row).await?;
            let location = format!("/v1/sessions/{}", row.id);
            Ok(Created::new(StatusCode::CREATED, &session_view(conn, row).await?).at(location))
        }
        .scope_boxed()
    })
    .await
}

/// A session with its candidates (ID numbers masked).
#[utoipa::path(
    tag = "sessions",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = SessionView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[get("/v1/sessions/{id}")]
pub async fn get(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let (session, _) = visible(&mut conn, &state, &who, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(session_view(&mut conn, session).await?))
}

fn level_below(level: SkillLevel) -> Option<SkillLevel> {
    let i = SkillLevel::ALL.iter().position(|l| *l == level)?;
    i.checked_sub(1).map(|j| SkillLevel::ALL[j])
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
        (status = 422, body = Problem, content_type = "application/problem+json"),
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
    let direct = body.route == super::CandidateRoute::Direct;
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
    let mut conn = state.pool.get().await?;
    let (session, owner) = visible(&mut conn, &state, &who, id.into_inner()).await?;
    who.require_scope(Scope::AssessmentRecords)?;
    if !acts_for(&who, &owner) {
        return Err(ApiError::forbidden(
            "not_the_body",
            "only the body registers its candidates",
        ));
    }
    if session.exam_date < ids::business_date(Utc::now()) {
        return Err(ApiError::conflict(
            "session_over",
            "the exam has taken place",
        ));
    }
    let person_id = state.person_ids.person_id(&citizen).to_string();
    let level: SkillLevel = session
        .skill_level
        .parse()
        .map_err(|_| ApiError::internal("stored level"))?;
    let (mut enrolment, mut class, mut institution) = (None, None, None);
    match body.route {
        super::CandidateRoute::Completion => {
            let done = store::completion_of(
                &mut conn,
                &person_id,
                &session.occupation_code,
                &session.skill_level,
            )
            .await?
            .ok_or_else(|| {
                ApiError::conflict(
                    "no_completion",
                    "no completed class of this occupation and level is on record for this person",
                )
            })?;
            (enrolment, class, institution) = (
                Some(done.enrolment_id),
                Some(done.class_id),
                Some(done.institution_id),
            );
        }
        super::CandidateRoute::Direct => {
            let holds_below = match level_below(level) {
                Some(below) => {
                    store::holds_certificate(
                        &mut conn,
                        &person_id,
                        &session.occupation_code,
                        below.as_str(),
                    )
                    .await?
                }
                None => false,
            };
            let evidence = Evidence {
                experience_years: experience,
                holds_level_below: holds_below,
            };
            may_apply_directly(level, evidence).map_err(|why| {
                ApiError::validation(vec![FieldError {
                    field: "experience_years".into(),
                    code: "entry_rule".into(),
                    message: why,
                }])
            })?;
        }
    }
    let row = CandidateRow {
        id: Uuid::now_v7(),
        session_id: session.id,
        person_id,
        citizen_sealed: state.cipher.seal(citizen.expose()),
        citizen_masked: citizen.masked(),
        name: body.name.trim().to_owned(),
        route: body.route.as_str().to_owned(),
        enrolment_id: enrolment,
        class_id: class,
        institution_id: institution,
        experience_years: body.experience_years.map(|_| i16::from(experience)),
        registered_at: Utc::now(),
        theory_score: None,
        practical_score: None,
        passed: None,
        result_id: None,
        recorded_by: None,
        recorded_at: None,
    };
    let scope = format!("{}:register:{}", who.subject(), session.id);
    idempotency::once(&mut conn, &key, scope, &body.clone(), |conn| {
        async move {
            store::insert_candidate(conn, &row)
                .await
                .map_err(|e| match e {
                    diesel::result::Error::DatabaseError(
                        diesel::result::DatabaseErrorKind::UniqueViolation,
                        _,
                    ) => ApiError::conflict(
                        "already_registered",
                        "this person is already a candidate of the session",
                    ),
                    other => other.into(),
                })?;
            Ok(Created::new(StatusCode::CREATED, &candidate_view(row)))
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
    let (session_id, candidate_id) = path.into_inner();
    let city = state.city;
    let mut conn = state.pool.get().await?;
    let (session, owner) = visible(&mut conn, &state, &who, session_id).await?;
    who.require_scope(Scope::AssessmentRecords)?;
    if !acts_for(&who, &owner) {
        return Err(ApiError::forbidden(
            "not_the_body",
            "only the body records its results",
        ));
    }
    let today = ids::business_date(Utc::now());
    if today < session.exam_date {
        return Err(ApiError::conflict(
            "exam_not_held",
            "results are recorded on or after the exam date",
        ));
    }
    let candidate = conn
        .transaction::<_, ApiError, _>(|conn| {
            async move {
                let body_row = store::body_for_update(conn, owner.id).await?.ok_or_else(super::bodies::not_found)?;
                let facts = store::facts_of(conn, &body_row).await?;
                let reasons = may_assess(&facts, &scope_item(&session)?, today);
                if !reasons.is_empty() {
                    return Err(refused(reasons));
                }
                let rule = store::pass_rule(conn, &session.occupation_code, &session.skill_level).await?;
                let passed = rule.passes(theory, practical);
                let result_id = Uuid::now_v7();
                let candidate = store::candidate(conn, session.id, candidate_id)
                    .await?
                    .ok_or_else(|| ApiError::not_found("candidate_not_found", "no such candidate in this session"))?;
                if !store::record_result(conn, candidate.id, theory, practical, passed, result_id, who.subject()).await? {
                    return Err(ApiError::conflict(
                        "result_recorded",
                        "this candidate's result is already recorded; a wrong result is corrected by revoking what it produced",
                    ));
                }
                let event = ResultEvent {
                    result_id,
                    session_id: session.id,
                    body_id: session.body_id,
                    city,
                    person_id: ids::PersonId::from_stored(candidate.person_id.clone()),
                    assessment_kind: session.assessment_kind.clone(),
                    occupation_code: session.occupation_code.parse().map_err(|_| ApiError::internal("stored code"))?,
                    skill_level: session.skill_level.parse().map_err(|_| ApiError::internal("stored level"))?,
                    theory_score: theory,
                    practical_score: practical,
                    passed,
                    assessed_on: session.exam_date,
                    statistical_year: ids::StatisticalYear::of(session.exam_date).year(),
                    class_id: candidate.class_id,
                    institution_id: candidate.institution_id,
                };
                messaging::enqueue(
                    conn,
                    &[OutboxEvent::new(RESULTS_TOPIC, RESULT_RECORDED, session.id.to_string(), &event)],
                )
                .await?;
                store::candidate(conn, session.id, candidate_id)
                    .await?
                    .ok_or_else(|| ApiError::internal("candidate vanished"))
            }
            .scope_boxed()
        })
        .await?;
    Ok(HttpResponse::Ok().json(candidate_view(candidate)))
}
