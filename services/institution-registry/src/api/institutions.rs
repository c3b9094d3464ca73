//! Applications, review and sanctions.

use actix_web::http::StatusCode;
use actix_web::{get, post, put, web, HttpResponse};
use db::ScopedFutureExt;
use ids::{CreditCode, OccupationCode};
use platform::auth::{Principal, Role, Scope};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use serde::Deserialize;
use uuid::Uuid;

use super::{
    directory_namespace, AppState, Approval, Grant, InstitutionSummary, InstitutionView,
    NewApplication, Qualification, RatingReview, Reinstatement, Rejection, Sanction, ScopeChange,
    State,
};
use crate::app::{decisions, institutions, ratings};
use crate::domain::institution::{check_district, check_phone, check_text, check_validity, Status};
use crate::store::institutions::Full;

const OFFICERS: &[Role] = &[Role::BureauOfficer];
const READERS: &[Role] = &[
    Role::BureauOfficer,
    Role::Auditor,
    Role::InstitutionOperator,
    Role::Integrator,
];

fn occupations(v: &mut Validator, field: &str, codes: &[String]) {
    for (i, code) in codes.iter().enumerate() {
        let _: Option<OccupationCode> = v.parse(format!("{field}[{i}]"), code);
    }
}

fn qualifications(v: &mut Validator, field: &str, items: &[Qualification], required: bool) {
    v.ensure(
        !required || !items.is_empty(),
        field,
        "list_empty",
        "name at least one occupation and level",
    );
    for (i, q) in items.iter().enumerate() {
        let _: Option<OccupationCode> =
            v.parse(format!("{field}[{i}].occupation_code"), &q.occupation_code);
    }
}

/// Every field of an application, every bad one named.
fn check_application(
    v: &mut Validator,
    city: ids::CityCode,
    body: &NewApplication,
) -> Option<CreditCode> {
    let code: Option<CreditCode> = v.parse("credit_code", &body.credit_code);
    v.extend(check_text("name", &body.name, 100));
    v.extend(check_district(city, &body.district));
    v.extend(check_text("address", &body.address, 200));
    v.extend(check_text("contact_person", &body.contact_person, 50));
    v.extend(check_phone("contact_phone", &body.contact_phone));
    v.ensure(
        !body.venues.is_empty(),
        "venues",
        "list_empty",
        "name at least one venue",
    );
    for (i, venue) in body.venues.iter().enumerate() {
        v.extend(check_text(&format!("venues[{i}].name"), &venue.name, 100));
        v.extend(check_text(
            &format!("venues[{i}].address"),
            &venue.address,
            200,
        ));
        v.ensure(
            (1..=1000).contains(&venue.capacity),
            format!("venues[{i}].capacity"),
            "capacity_range",
            "1 to 1000 trainees",
        );
        occupations(v, &format!("venues[{i}].occupations"), &venue.occupations);
    }
    v.ensure(
        !body.teachers.is_empty(),
        "teachers",
        "list_empty",
        "name at least one teacher",
    );
    for (i, teacher) in body.teachers.iter().enumerate() {
        v.extend(check_text(
            &format!("teachers[{i}].name"),
            &teacher.name,
            50,
        ));
        v.extend(check_text(
            &format!("teachers[{i}].qualification"),
            &teacher.qualification,
            500,
        ));
        qualifications(
            v,
            &format!("teachers[{i}].may_teach"),
            &teacher.may_teach,
            true,
        );
    }
    qualifications(v, "requested_scope", &body.requested_scope, true);
    code
}

fn qualified(items: &[Qualification]) -> Vec<institutions::Qualification> {
    items
        .iter()
        .map(|q| institutions::Qualification {
            occupation_code: q.occupation_code.clone(),
            skill_level: q.skill_level,
        })
        .collect()
}

/// The checked body as the use case takes it, text trimmed.
fn application(body: &NewApplication, credit_code: CreditCode) -> institutions::Application {
    institutions::Application {
        credit_code,
        name: body.name.trim().to_owned(),
        nature: body.nature,
        district: body.district.clone(),
        address: body.address.trim().to_owned(),
        contact_person: body.contact_person.trim().to_owned(),
        contact_phone: body.contact_phone.trim().to_owned(),
        high_skill_base: body.high_skill_base,
        venues: body
            .venues
            .iter()
            .map(|v| institutions::Venue {
                name: v.name.trim().to_owned(),
                address: v.address.trim().to_owned(),
                capacity: v.capacity,
                occupations: v.occupations.clone(),
            })
            .collect(),
        teachers: body
            .teachers
            .iter()
            .map(|t| institutions::Teacher {
                name: t.name.trim().to_owned(),
                employment: t.employment,
                qualification: t.qualification.trim().to_owned(),
                may_teach: qualified(&t.may_teach),
            })
            .collect(),
        requested_scope: qualified(&body.requested_scope),
    }
}

/// Apply to be listed.
#[utoipa::path(
    tag = "institutions",
    request_body = NewApplication,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe")),
    responses(
        (status = 201, body = InstitutionView),
        (status = 409, description = "The organisation already has a live record here", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = platform::problem::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/v1/applications")]
pub async fn apply(
    state: State,
    who: Principal,
    key: IdempotencyKey,
    Json(body): Json<NewApplication>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[
        Role::InstitutionOperator,
        Role::Integrator,
        Role::BureauOfficer,
    ])?
    .require_scope(Scope::RegistryApply)?;
    let mut v = Validator::new();
    let code = check_application(&mut v, state.city, &body);
    let code = v.finish(code)?;
    if who.role() != Role::BureauOfficer && who.org() != Some(code.as_str()) {
        return Err(ApiError::forbidden(
            "out_of_scope",
            "an institution applies for its own credit code only",
        ));
    }
    if who.role() == Role::BureauOfficer {
        who.require_city(state.city)?;
    }
    let application = application(&body, code);
    let scope = format!("{}:apply", who.subject());
    let (city, who) = (state.city, &who);
    let mut conn = state.pool.get().await?;
    idempotency::once(&mut conn, &key, scope, &body, |conn| {
        async move {
            let full = institutions::apply(conn, city, who.subject(), application).await?;
            let location = format!("/v1/institutions/{}", full.institution.id);
            Ok(Created::new(StatusCode::CREATED, &InstitutionView::from(&full))?.at(location))
        }
        .scope_boxed()
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InstitutionQuery {
    /// pending, approved, rejected, suspended, removed
    #[param(pattern = r"^(?:pending|approved|rejected|suspended|removed)$")]
    pub status: Option<String>,
}

/// Institutions of the city (an institution's own people see only theirs).
#[utoipa::path(tag = "institutions", params(InstitutionQuery), responses((status = 200, body = Vec<InstitutionSummary>)), security(("bearer" = [])))]
#[get("/v1/institutions")]
pub async fn list(
    state: State,
    who: Principal,
    query: web::Query<InstitutionQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(READERS)?;
    let status = match &query.status {
        Some(status) => Some(Status::parse(status).ok_or_else(|| {
            ApiError::validation(vec![platform::FieldError {
                field: "status".into(),
                code: "unknown_value".into(),
                message: "pending, approved, rejected, suspended or removed".into(),
            }])
        })?),
        None => None,
    };
    let own = match who.role() {
        Role::BureauOfficer | Role::Auditor => {
            who.require_city(state.city)?;
            None
        }
        _ => Some(who.org().ok_or_else(|| {
            ApiError::forbidden("out_of_scope", "the token names no organisation")
        })?),
    };
    let mut conn = state.pool.get().await?;
    let rows = institutions::list(&mut conn, state.city, status, own).await?;
    Ok(HttpResponse::Ok().json(
        rows.iter()
            .map(InstitutionSummary::from)
            .collect::<Vec<_>>(),
    ))
}

/// One institution with its venues, teachers, scope and sanctions.
#[utoipa::path(
    tag = "institutions",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = InstitutionView), (status = 404, response = platform::problem::NotFound)),
    security(("bearer" = []))
)]
#[get("/v1/institutions/{id}")]
pub async fn get(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    who.require(READERS)?;
    let mut conn = state.pool.get().await?;
    let full = institutions::get(&mut conn, &who, *id).await?;
    Ok(HttpResponse::Ok().json(InstitutionView::from(&full)))
}

/// Checks a granted scope; the grants as the use case takes them.
fn grants(v: &mut Validator, items: &[Grant]) -> Vec<decisions::Grant> {
    v.ensure(
        !items.is_empty(),
        "scope",
        "list_empty",
        "grant at least one occupation and level",
    );
    items
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let _: Option<OccupationCode> =
                v.parse(format!("scope[{i}].occupation_code"), &g.occupation_code);
            v.extend(check_validity(
                &format!("scope[{i}].valid_to"),
                g.valid_from,
                g.valid_to,
            ));
            decisions::Grant {
                occupation_code: g.occupation_code.clone(),
                skill_level: g.skill_level,
                valid_from: g.valid_from,
                valid_to: g.valid_to,
            }
        })
        .collect()
}

fn reason_text(v: &mut Validator, field: &str, text: &str) -> String {
    v.extend(check_text(field, text, 1000));
    text.trim().to_owned()
}

/// The answer to a decision: the institution as it now stands. The public
/// directory is read afresh once the decision committed.
async fn decided(state: &AppState, full: &Full) -> HttpResponse {
    state
        .cache
        .invalidate(&directory_namespace(state.city.as_str()))
        .await;
    HttpResponse::Ok().json(InstitutionView::from(full))
}

/// Approve an application with its scope (occupations × levels × validity).
#[utoipa::path(
    tag = "review",
    request_body = Approval,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = InstitutionView), (status = 409, response = platform::problem::Conflict), (status = 422, response = platform::problem::Unprocessable)),
    security(("bearer" = []))
)]
#[post("/v1/institutions/{id}/approve")]
pub async fn approve(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
    Json(body): Json<Approval>,
) -> Result<HttpResponse, ApiError> {
    let mut v = Validator::new();
    let reason = reason_text(&mut v, "reason", &body.reason);
    let grants = grants(&mut v, &body.scope);
    v.finish(())?;
    who.require(OFFICERS)?.require_city(state.city)?;
    let mut conn = state.pool.get().await?;
    let full = decisions::approve(
        &mut conn,
        &who,
        id.into_inner(),
        body.selection_method,
        reason,
        &grants,
    )
    .await?;
    Ok(decided(&state, &full).await)
}

/// Reject an application, with the reason.
#[utoipa::path(
    tag = "review",
    request_body = Rejection,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = InstitutionView), (status = 409, response = platform::problem::Conflict)),
    security(("bearer" = []))
)]
#[post("/v1/institutions/{id}/reject")]
pub async fn reject(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
    Json(body): Json<Rejection>,
) -> Result<HttpResponse, ApiError> {
    let mut v = Validator::new();
    let reason = reason_text(&mut v, "reason", &body.reason);
    v.finish(())?;
    who.require(OFFICERS)?.require_city(state.city)?;
    let mut conn = state.pool.get().await?;
    let full = decisions::reject(&mut conn, &who, id.into_inner(), reason).await?;
    Ok(decided(&state, &full).await)
}

/// Replace the granted scope.
#[utoipa::path(
    tag = "review",
    request_body = ScopeChange,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = InstitutionView), (status = 409, response = platform::problem::Conflict)),
    security(("bearer" = []))
)]
#[put("/v1/institutions/{id}/scope")]
pub async fn change_scope(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
    Json(body): Json<ScopeChange>,
) -> Result<HttpResponse, ApiError> {
    let mut v = Validator::new();
    let reason = reason_text(&mut v, "reason", &body.reason);
    let grants = grants(&mut v, &body.scope);
    v.finish(())?;
    who.require(OFFICERS)?.require_city(state.city)?;
    let mut conn = state.pool.get().await?;
    let full = decisions::change_scope(&mut conn, &who, id.into_inner(), &grants, reason).await?;
    Ok(decided(&state, &full).await)
}

/// Suspend an institution: it cannot file classes until reinstated.
#[utoipa::path(
    tag = "sanctions",
    request_body = Sanction,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = InstitutionView), (status = 409, response = platform::problem::Conflict)),
    security(("bearer" = []))
)]
#[post("/v1/institutions/{id}/suspend")]
pub async fn suspend(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
    Json(body): Json<Sanction>,
) -> Result<HttpResponse, ApiError> {
    let mut v = Validator::new();
    let detail = reason_text(&mut v, "detail", &body.detail);
    v.finish(())?;
    who.require(OFFICERS)?.require_city(state.city)?;
    let mut conn = state.pool.get().await?;
    let full =
        decisions::suspend(&mut conn, &who, id.into_inner(), body.reason_kind, detail).await?;
    Ok(decided(&state, &full).await)
}

/// Lift a suspension.
#[utoipa::path(
    tag = "sanctions",
    request_body = Reinstatement,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = InstitutionView), (status = 409, response = platform::problem::Conflict)),
    security(("bearer" = []))
)]
#[post("/v1/institutions/{id}/reinstate")]
pub async fn reinstate(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
    Json(body): Json<Reinstatement>,
) -> Result<HttpResponse, ApiError> {
    let mut v = Validator::new();
    let detail = reason_text(&mut v, "detail", &body.detail);
    v.finish(())?;
    who.require(OFFICERS)?.require_city(state.city)?;
    let mut conn = state.pool.get().await?;
    let full = decisions::reinstate(&mut conn, &who, id.into_inner(), detail).await?;
    Ok(decided(&state, &full).await)
}

/// Remove an institution from the directory for good.
#[utoipa::path(
    tag = "sanctions",
    request_body = Sanction,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = InstitutionView), (status = 409, response = platform::problem::Conflict)),
    security(("bearer" = []))
)]
#[post("/v1/institutions/{id}/remove")]
pub async fn remove(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
    Json(body): Json<Sanction>,
) -> Result<HttpResponse, ApiError> {
    let mut v = Validator::new();
    let detail = reason_text(&mut v, "detail", &body.detail);
    v.finish(())?;
    who.require(OFFICERS)?.require_city(state.city)?;
    let mut conn = state.pool.get().await?;
    let full =
        decisions::remove(&mut conn, &who, id.into_inner(), body.reason_kind, detail).await?;
    Ok(decided(&state, &full).await)
}

/// Review a D-rated institution (绩效评价 D 级整改复核): lifts the
/// restriction on new occupations and class filings, with the officer's note.
#[utoipa::path(
    tag = "sanctions",
    request_body = RatingReview,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = InstitutionView), (status = 409, description = "Not under review", body = Problem, content_type = "application/problem+json"), (status = 422, response = platform::problem::Unprocessable)),
    security(("bearer" = []))
)]
#[post("/v1/institutions/{id}/rating-review")]
pub async fn review_rating(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
    Json(body): Json<RatingReview>,
) -> Result<HttpResponse, ApiError> {
    who.require(OFFICERS)?.require_city(state.city)?;
    let mut v = Validator::new();
    let note = reason_text(&mut v, "note", &body.note);
    v.finish(())?;
    let mut conn = state.pool.get().await?;
    let full = ratings::review(&mut conn, &who, id.into_inner(), note).await?;
    Ok(decided(&state, &full).await)
}
