//! Applications, review and sanctions.

use actix_web::http::StatusCode;
use actix_web::{get, post, put, web, HttpResponse};
use chrono::{DateTime, Utc};
use db::ScopedFutureExt;
use ids::{CreditCode, InvalidValue, OccupationCode};
use platform::auth::{Principal, Role, Scope};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::pagination::{self, Page};
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
use crate::store::institutions::{Full, InstitutionFilter};

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

/// Apply to be listed as a subsidised training institution
///
/// Listing is open to any qualified institution that applies
/// (条件公开、自愿申请, policy item 2). An institution operator, or an
/// integrator with the `registry:apply` scope, applies for its own credit
/// code only (403 `out_of_scope` otherwise); a bureau officer of the city
/// may file an application for any. The application names the district,
/// address, contact, at least one venue (capacity 1 to 1000) and teacher
/// (each with what they may teach) and the occupations × levels it wants
/// to train; every bad field is named in one 422. An organisation has one
/// live record in the city (409 `institution_exists`). The record starts
/// `pending`, awaiting the bureau's review; nothing is announced until it
/// is approved. A retry with the same `Idempotency-Key` answers the first
/// answer again.
#[utoipa::path(
    tag = "institutions",
    operation_id = "submitInstitutionApplication",
    request_body = NewApplication,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer the first answer again")),
    responses(
        (status = 201, description = "The institution as it applied, pending review", body = InstitutionView,
            headers(("Location" = String, description = "Where the created resource is read"))),
        (status = 403, description = "Refused: forbidden_role, scope_missing, out_of_scope (another organisation's credit code, or another city's officer)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: institution_exists (the organisation already has a live record here), idempotency_in_flight", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: validation_failed (credit_code_format, credit_code_length, credit_code_check_digit, text_length, district_outside_city, phone_format, list_empty, capacity_range, occupation_code_format), idempotency_key_reused", body = Problem, content_type = "application/problem+json"),
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
    /// Only institutions in this status: pending (the review queue),
    /// approved, rejected, suspended, removed.
    #[param(value_type = Option<Status>, inline, example = "pending")]
    pub status: Option<String>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// List the city's institutions
///
/// Bureau officers and auditors of the city page through its
/// institutions, newest application first, optionally in one status:
/// `status=pending` is the bureau's review queue of applications awaiting
/// a decision. An institution operator, or an integrator, sees only its
/// own organisation's records (a token naming no organisation is refused
/// 403 `out_of_scope`); officers and auditors of another city are refused
/// 403 `out_of_scope`. Pages are `limit` long (1 to 500, default 50); pass
/// a page's `next_cursor` as `cursor` for the next one. A bad filter
/// answers 422 naming the field (`unknown_value`, `limit_range`,
/// `cursor_invalid`).
#[utoipa::path(
    tag = "institutions",
    operation_id = "listInstitutions",
    params(InstitutionQuery),
    responses(
        (status = 200, description = "A page of the institutions the caller may see, newest application first", body = Page<InstitutionSummary>),
        (status = 422, description = "Refused: validation_failed (`status`: unknown_value; `limit`: limit_range; `cursor`: cursor_invalid)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/institutions")]
pub async fn list(
    state: State,
    who: Principal,
    query: web::Query<InstitutionQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(READERS)?;
    let limit = pagination::limit(query.limit)?;
    let after: Option<(DateTime<Utc>, Uuid)> = pagination::decode_cursor(query.cursor.as_deref())?;
    let mut v = Validator::new();
    let status = query.status.as_deref().and_then(|raw| {
        v.check(
            "status",
            Status::parse(raw).ok_or_else(|| {
                InvalidValue::new(
                    "unknown_value",
                    "pending, approved, rejected, suspended or removed",
                )
            }),
        )
    });
    v.finish(())?;
    let credit_code = match who.role() {
        Role::BureauOfficer | Role::Auditor => {
            who.require_city(state.city)?;
            None
        }
        _ => Some(
            who.org()
                .ok_or_else(|| {
                    ApiError::forbidden("out_of_scope", "the token names no organisation")
                })?
                .to_owned(),
        ),
    };
    let filter = InstitutionFilter {
        status,
        credit_code,
    };
    let mut conn = state.pool.get().await?;
    let rows = institutions::list(&mut conn, state.city, &filter, after, limit + 1).await?;
    let page =
        pagination::page(rows, limit, |r| (r.applied_at, r.id)).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(Page {
        items: page.items.iter().map(InstitutionSummary::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Read one institution in full
///
/// Bureau officers and auditors of the institution's city, and the
/// institution's own operator or integrator, read it with its venues,
/// teachers, requested and granted scope, the bureau's decision and every
/// sanction. An institution the caller may not see answers 404
/// `institution_not_found`, as an unknown one does, so that another
/// institution's existence does not show.
#[utoipa::path(
    tag = "institutions",
    operation_id = "getInstitution",
    params(("id" = Uuid, Path, description = "The institution's id")),
    responses(
        (status = 200, description = "The institution in full", body = InstitutionView),
        (status = 404, description = "Refused: institution_not_found (unknown, or not the caller's to see)", body = Problem, content_type = "application/problem+json"),
    ),
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

/// Approve an application with its granted scope
///
/// A bureau officer of the city approves a pending application (审核),
/// saying how the institution was selected (遴选, 揭榜挂帅 or 评估推荐) and
/// why, and grants the occupations × levels it may train, each with its
/// validity (not reversed: 422 `validity_reversed`). Only a pending
/// application is approved (409 `invalid_transition`). The institution is
/// listed: `qiancheng.registry.institution.approved.v1` is announced on
/// `registry.institutions.v1` with its teachers and venues on
/// `registry.teachers.v1` and `registry.venues.v1`, and the public
/// directory is read afresh.
#[utoipa::path(
    tag = "review",
    operation_id = "approveInstitution",
    request_body = Approval,
    params(("id" = Uuid, Path, description = "The institution's id")),
    responses(
        (status = 200, description = "The institution, approved, with its granted scope", body = InstitutionView),
        (status = 404, description = "Refused: institution_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: invalid_transition (not pending)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: validation_failed (`reason`: text_length; `scope`: list_empty; occupation_code_format, validity_reversed)", body = Problem, content_type = "application/problem+json"),
    ),
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

/// Reject an application
///
/// A bureau officer of the city rejects a pending application, with the
/// reason (1 to 1000 characters, 422 `text_length`), which the institution
/// reads on its record. A high-skill talent training base
/// (高技能人才培训基地) is always listed and cannot be rejected (409
/// `high_skill_base_always_listed`: approve it with its scope); anything
/// but a pending application answers 409 `invalid_transition`. Nothing is
/// announced: a rejected institution was never listed.
#[utoipa::path(
    tag = "review",
    operation_id = "rejectInstitution",
    request_body = Rejection,
    params(("id" = Uuid, Path, description = "The institution's id")),
    responses(
        (status = 200, description = "The institution, rejected, with the reason", body = InstitutionView),
        (status = 404, description = "Refused: institution_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: high_skill_base_always_listed, invalid_transition (not pending)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: validation_failed (`reason`: text_length)", body = Problem, content_type = "application/problem+json"),
    ),
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

/// Replace an institution's granted scope
///
/// A bureau officer of the city replaces the occupations × levels × validity
/// an approved or suspended institution may train, with the reason. An
/// institution rated D and not yet reviewed may narrow its scope but not
/// add to it (409 `institution_under_review`); a pending, rejected or
/// removed one answers 409 `invalid_transition`. The change is announced
/// (`qiancheng.registry.institution.scope_changed.v1` on
/// `registry.institutions.v1`) and the public directory is read afresh.
#[utoipa::path(
    tag = "review",
    operation_id = "changeInstitutionScope",
    request_body = ScopeChange,
    params(("id" = Uuid, Path, description = "The institution's id")),
    responses(
        (status = 200, description = "The institution with its new granted scope", body = InstitutionView),
        (status = 404, description = "Refused: institution_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: institution_under_review (rated D: the scope may not grow), invalid_transition", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: validation_failed (`reason`: text_length; `scope`: list_empty; occupation_code_format, validity_reversed)", body = Problem, content_type = "application/problem+json"),
    ),
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

/// Suspend an institution
///
/// A bureau officer of the city suspends an approved institution (policy
/// item 15: false advertising, subcontracting, transferring a project,
/// fraud, or another reason with its detail): it files no classes until
/// reinstated. Only an approved institution is suspended (409
/// `invalid_transition`). The sanction is kept on the record, announced
/// (`qiancheng.registry.institution.suspended.v1` on
/// `registry.institutions.v1`) and the public directory is read afresh.
#[utoipa::path(
    tag = "sanctions",
    operation_id = "suspendInstitution",
    request_body = Sanction,
    params(("id" = Uuid, Path, description = "The institution's id")),
    responses(
        (status = 200, description = "The institution, suspended, with the sanction recorded", body = InstitutionView),
        (status = 404, description = "Refused: institution_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: invalid_transition (not approved)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: validation_failed (`detail`: text_length; `reason_kind` outside its vocabulary)", body = Problem, content_type = "application/problem+json"),
    ),
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

/// Reinstate a suspended institution
///
/// A bureau officer of the city lifts a suspension, with what was
/// corrected; the institution is approved again and may file classes.
/// Only a suspended institution is reinstated (409 `invalid_transition`).
/// The reinstatement is kept on the record, announced
/// (`qiancheng.registry.institution.reinstated.v1` on
/// `registry.institutions.v1`) and the public directory is read afresh.
#[utoipa::path(
    tag = "sanctions",
    operation_id = "reinstateInstitution",
    request_body = Reinstatement,
    params(("id" = Uuid, Path, description = "The institution's id")),
    responses(
        (status = 200, description = "The institution, approved again", body = InstitutionView),
        (status = 404, description = "Refused: institution_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: invalid_transition (not suspended)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: validation_failed (`detail`: text_length)", body = Problem, content_type = "application/problem+json"),
    ),
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

/// Remove an institution from the directory
///
/// A bureau officer of the city removes an approved or suspended
/// institution from the directory for good (policy item 15), with the
/// reason and its detail; it can never be reinstated. Anything else answers
/// 409 `invalid_transition`. The removal is kept on the record, announced
/// (`qiancheng.registry.institution.removed.v1` on
/// `registry.institutions.v1`) and the public directory is read afresh.
#[utoipa::path(
    tag = "sanctions",
    operation_id = "removeInstitution",
    request_body = Sanction,
    params(("id" = Uuid, Path, description = "The institution's id")),
    responses(
        (status = 200, description = "The institution, removed, with the sanction recorded", body = InstitutionView),
        (status = 404, description = "Refused: institution_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: invalid_transition (not approved or suspended)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: validation_failed (`detail`: text_length; `reason_kind` outside its vocabulary)", body = Problem, content_type = "application/problem+json"),
    ),
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

/// Review a D-rated institution
///
/// An institution rated D in the performance evaluation is under review
/// (绩效评价 D 级整改复核): it may add no occupations and file no classes.
/// A bureau officer of the city reviews it, with a note of what was
/// checked (1 to 1000 characters), which lifts the restriction. An
/// institution not under review answers 409 `not_under_review`. The
/// review is announced (`qiancheng.registry.institution.reviewed.v1` on
/// `registry.institutions.v1`) and the public directory is read afresh.
#[utoipa::path(
    tag = "sanctions",
    operation_id = "reviewInstitutionRating",
    request_body = RatingReview,
    params(("id" = Uuid, Path, description = "The institution's id")),
    responses(
        (status = 200, description = "The institution, no longer under review", body = InstitutionView),
        (status = 404, description = "Refused: institution_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: not_under_review", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: validation_failed (`note`: text_length)", body = Problem, content_type = "application/problem+json"),
    ),
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
