//! Class filing (开班备案) and approval.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::Utc;
use contracts::delivery::{CLASS_APPROVED, CLASS_FILED};
use db::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use ids::OccupationCode;
use platform::auth::{Principal, Role, Scope};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use uuid::Uuid;

use super::{ClassView, NewClass, State};
use crate::domain::class::{check_filing, Facts, Filing, Granted, Session};
use crate::events;
use crate::store::{self, ClassRow, SessionRow};

pub(super) fn not_found() -> ApiError {
    ApiError::not_found("class_not_found", "no such class")
}

/// Officers and auditors of the city see every class; an institution's own
/// people see its classes; everyone else gets 404.
pub(super) fn may_see(who: &Principal, class: &ClassRow) -> bool {
    who.may_see_institution_record(&class.city, &class.credit_code)
}

/// Gathers from the read models what a filing is checked against.
async fn facts(
    conn: &mut AsyncPgConnection,
    city: &str,
    body: &NewClass,
) -> Result<(Facts, Option<String>), ApiError> {
    let institution = store::institution(conn, body.institution_id).await?;
    let credit_code = institution.as_ref().map(|(code, _, _)| code.clone());
    let venue_ids: Vec<Uuid> = body.sessions.iter().map(|s| s.venue_id).collect();
    let teacher_ids: Vec<Uuid> = body.sessions.iter().map(|s| s.teacher_id).collect();
    let mut teachers = HashMap::new();
    for (id, owner, may_teach) in store::teachers_of(conn, &teacher_ids).await? {
        let pairs: Vec<(String, String)> = may_teach
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|q| {
                        Some((
                            q["occupation_code"].as_str()?.to_owned(),
                            q["skill_level"].as_str()?.to_owned(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        teachers.insert(id, (owner, pairs));
    }
    let facts = Facts {
        institution: match institution {
            Some((_, status, scope)) => Some((
                status,
                serde_json::from_value::<Vec<Granted>>(scope).map_err(ApiError::internal)?,
            )),
            None => None,
        },
        listed_in_catalogue: store::listed_in_catalogue(
            conn,
            city,
            body.year,
            &body.occupation_code,
            body.skill_level.as_str(),
        )
        .await?,
        venues: store::venues_of(conn, &venue_ids)
            .await?
            .into_iter()
            .map(|(id, owner, cap, occ)| (id, (owner, cap, occ)))
            .collect(),
        teachers,
    };
    Ok((facts, credit_code))
}

/// File a class before it starts. Every reason for refusal is returned.
#[utoipa::path(
    tag = "classes",
    request_body = NewClass,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe")),
    responses(
        (status = 201, body = ClassView),
        (status = 422, description = "Every reason the filing is refused", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/classes")]
pub async fn file(
    state: State,
    who: Principal,
    key: IdempotencyKey,
    Json(body): Json<NewClass>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::InstitutionOperator, Role::Integrator])?
        .require_scope(Scope::DeliveryClasses)?;
    let mut v = Validator::new();
    let _: Option<OccupationCode> = v.parse("occupation_code", &body.occupation_code);
    let hours: u32 = body
        .plan
        .curriculum
        .iter()
        .map(|c| c.theory_hours + c.practice_hours)
        .sum();
    v.ensure(
        hours > 0,
        "plan.curriculum",
        "plan_empty",
        "the plan has theory or practice hours",
    );
    v.ensure(
        !body.plan.safety_content.trim().is_empty(),
        "plan.safety_content",
        "safety_missing",
        "the plan covers safety (安全知识)",
    );
    v.finish(())?;
    let city = state.city.to_string();
    let mut conn = state.pool.get().await?;
    let (facts, credit_code) = facts(&mut conn, &city, &body).await?;
    if facts.institution.is_some() && credit_code.as_deref() != who.org() {
        return Err(ApiError::forbidden(
            "out_of_scope",
            "an institution files classes for itself only",
        ));
    }
    let sessions: Vec<Session> = body
        .sessions
        .iter()
        .map(|s| Session {
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            venue_id: s.venue_id,
            teacher_id: s.teacher_id,
        })
        .collect();
    let filing = Filing {
        institution_id: body.institution_id,
        occupation_code: &body.occupation_code,
        skill_level: body.skill_level.as_str(),
        year: body.year,
        capacity: body.capacity,
        sessions: &sessions,
    };
    let refusals = check_filing(&filing, &facts, Utc::now());
    if !refusals.is_empty() {
        return Err(ApiError::validation(refusals));
    }
    let id = Uuid::now_v7();
    let row = ClassRow {
        id,
        city,
        institution_id: body.institution_id,
        credit_code: credit_code.unwrap_or_default(),
        occupation_code: body.occupation_code.clone(),
        skill_level: body.skill_level.to_string(),
        year: body.year,
        capacity: body.capacity,
        funding_route: body.funding_route.as_str().to_owned(),
        plan: serde_json::to_value(&body.plan).map_err(ApiError::internal)?,
        status: "filed".into(),
        starts_at: sessions[0].starts_at,
        ends_at: sessions
            .iter()
            .map(|s| s.ends_at)
            .max()
            .unwrap_or(sessions[0].ends_at),
        filed_by: who.subject().to_owned(),
        filed_at: Utc::now(),
        approved_by: None,
        approved_at: None,
        closed_at: None,
    };
    let session_rows: Vec<SessionRow> = sessions
        .iter()
        .zip(1_i32..)
        .map(|(s, seq)| SessionRow {
            class_id: id,
            seq,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            venue_id: s.venue_id,
            teacher_id: s.teacher_id,
        })
        .collect();
    let scope = format!("{}:file-class", who.subject());
    idempotency::once(&mut conn, &key, scope, &body, |conn| {
        async move {
            store::insert_class(conn, &row, &session_rows).await?;
            let mut alerts = Vec::new();
            for session in &session_rows {
                for (kind, other, subject) in store::double_bookings(
                    conn,
                    id,
                    session.starts_at,
                    session.ends_at,
                    session.teacher_id,
                    session.venue_id,
                )
                .await?
                {
                    alerts.push(events::conflict(&row, &kind, other, subject.to_string()));
                }
            }
            messaging::enqueue(conn, &alerts).await?;
            messaging::enqueue(
                conn,
                &[events::class(&row, CLASS_FILED).map_err(ApiError::internal)?],
            )
            .await?;
            Ok(
                Created::new(StatusCode::CREATED, &ClassView::new(row, session_rows))
                    .at(format!("/v1/classes/{id}")),
            )
        }
        .scope_boxed()
    })
    .await
}

/// A class with its plan and sessions.
#[utoipa::path(
    tag = "classes",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ClassView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[get("/v1/classes/{id}")]
pub async fn get(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let class = store::class(&mut conn, *id)
        .await?
        .filter(|c| may_see(&who, c))
        .ok_or_else(not_found)?;
    let sessions = store::sessions_of(&mut conn, class.id).await?;
    Ok(HttpResponse::Ok().json(ClassView::new(class, sessions)))
}

/// The bureau approves a filed class; its roster opens.
#[utoipa::path(
    tag = "classes",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ClassView), (status = 409, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[post("/v1/classes/{id}/approve")]
pub async fn approve(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::BureauOfficer])?
        .require_city(state.city)?;
    let id = id.into_inner();
    let who = &who;
    let mut conn = state.pool.get().await?;
    let view = conn
        .transaction::<_, ApiError, _>(|conn| {
            async move {
                let mut class = store::lock_class(conn, id)
                    .await?
                    .filter(|c| may_see(who, c))
                    .ok_or_else(not_found)?;
                if class.status != "filed" {
                    return Err(ApiError::conflict(
                        "class_not_filed",
                        format!("the class is already {}", class.status),
                    ));
                }
                store::approve(conn, id, who.subject()).await?;
                class.status = "approved".into();
                class.approved_by = Some(who.subject().to_owned());
                class.approved_at = Some(Utc::now());
                messaging::enqueue(
                    conn,
                    &[events::class(&class, CLASS_APPROVED).map_err(ApiError::internal)?],
                )
                .await?;
                let sessions = store::sessions_of(conn, id).await?;
                Ok(ClassView::new(class, sessions))
            }
            .scope_boxed()
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
