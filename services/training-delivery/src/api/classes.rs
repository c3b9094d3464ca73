//! Class filing (开班备案) and approval.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use db::ScopedFutureExt;
use ids::OccupationCode;
use platform::auth::{Principal, Role, Scope};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use uuid::Uuid;

use super::{ClassView, NewClass, State};
use crate::app::classes::{self, ClassFiling};
use crate::domain::class::Session;

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
    // Saturating: hours a client sends may add up beyond u32.
    let hours = body.plan.curriculum.iter().fold(0_u32, |sum, c| {
        sum.saturating_add(c.theory_hours)
            .saturating_add(c.practice_hours)
    });
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
    let filing = ClassFiling {
        institution_id: body.institution_id,
        occupation_code: body.occupation_code.clone(),
        skill_level: body.skill_level,
        year: body.year,
        capacity: body.capacity,
        funding_route: body.funding_route,
        plan: serde_json::to_value(&body.plan).map_err(ApiError::internal)?,
        sessions: body
            .sessions
            .iter()
            .map(|s| Session {
                starts_at: s.starts_at,
                ends_at: s.ends_at,
                venue_id: s.venue_id,
                teacher_id: s.teacher_id,
            })
            .collect(),
    };
    let scope = format!("{}:file-class", who.subject());
    let (city, who) = (state.city, &who);
    let mut conn = state.pool.get().await?;
    idempotency::once(&mut conn, &key, scope, &body, |conn| {
        async move {
            let filed = classes::file(conn, who, city, filing).await?;
            let location = format!("/v1/classes/{}", filed.class.id);
            Ok(Created::new(
                StatusCode::CREATED,
                &ClassView::new(filed.class, filed.sessions),
            )?
            .at(location))
        }
        .scope_boxed()
    })
    .await
}

/// A class with its plan and sessions.
#[utoipa::path(
    tag = "classes",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ClassView), (status = 404, response = platform::problem::NotFound)),
    security(("bearer" = []))
)]
#[get("/v1/classes/{id}")]
pub async fn get(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let class = classes::get(&mut conn, &who, *id).await?;
    Ok(HttpResponse::Ok().json(ClassView::new(class.class, class.sessions)))
}

/// The bureau approves a filed class; its roster opens.
#[utoipa::path(
    tag = "classes",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ClassView), (status = 409, response = platform::problem::Conflict)),
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
    let mut conn = state.pool.get().await?;
    let class = classes::approve(&mut conn, &who, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(ClassView::new(class.class, class.sessions)))
}
