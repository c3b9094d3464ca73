//! Applications, review and sanctions.

use actix_web::http::StatusCode;
use actix_web::{get, post, put, web, HttpResponse};
use chrono::Utc;
use contracts::registry::{
    INSTITUTION_APPROVED, INSTITUTION_REINSTATED, INSTITUTION_REMOVED, INSTITUTION_REVIEWED,
    INSTITUTION_SCOPE_CHANGED, INSTITUTION_SUSPENDED,
};
use db::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection};
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
use crate::domain::institution::{
    adds_to_scope, check_district, check_phone, check_text, check_validity, transition, Action,
    Status,
};
use crate::events;
use crate::store::{self, Full, InstitutionRow, ScopeRow, TeacherRow, VenueRow};

const OFFICERS: &[Role] = &[Role::BureauOfficer];
const READERS: &[Role] = &[
    Role::BureauOfficer,
    Role::Auditor,
    Role::InstitutionOperator,
    Role::Integrator,
];

fn not_found() -> ApiError {
    ApiError::not_found("institution_not_found", "no such institution")
}

/// May the caller see this institution? Officers and auditors of its city;
/// an institution's own operator or integrator. Others get 404, so that
/// another institution's existence does not leak.
fn may_see(who: &Principal, row: &InstitutionRow) -> bool {
    who.may_see_institution_record(&row.city, &row.credit_code)
}

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

/// Apply to be listed.
#[utoipa::path(
    tag = "institutions",
    request_body = NewApplication,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe")),
    responses(
        (status = 201, body = InstitutionView),
        (status = 409, description = "The organisation already has a live record here", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
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
    let code: Option<CreditCode> = v.parse("credit_code", &body.credit_code);
    v.extend(check_text("name", &body.name, 100));
    v.extend(check_district(state.city, &body.district));
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
        occupations(
            &mut v,
            &format!("venues[{i}].occupations"),
            &venue.occupations,
        );
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
            &mut v,
            &format!("teachers[{i}].may_teach"),
            &teacher.may_teach,
            true,
        );
    }
    qualifications(&mut v, "requested_scope", &body.requested_scope, true);
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
    let now = Utc::now();
    let id = Uuid::now_v7();
    let institution = InstitutionRow {
        id,
        city: state.city.to_string(),
        credit_code: code.to_string(),
        name: body.name.trim().to_owned(),
        nature: body.nature.as_str().to_owned(),
        district: body.district.clone(),
        address: body.address.trim().to_owned(),
        contact_person: body.contact_person.trim().to_owned(),
        contact_phone: body.contact_phone.trim().to_owned(),
        high_skill_base: body.high_skill_base,
        status: Status::Pending.as_str().to_owned(),
        selection_method: None,
        decision_reason: None,
        decided_by: None,
        decided_at: None,
        applied_by: who.subject().to_owned(),
        applied_at: now,
        updated_at: now,
        rating: None,
        under_review: false,
    };
    let venues: Vec<VenueRow> = body
        .venues
        .iter()
        .map(|v| VenueRow {
            id: Uuid::now_v7(),
            institution_id: id,
            name: v.name.trim().to_owned(),
            address: v.address.trim().to_owned(),
            capacity: v.capacity,
            occupations: v.occupations.clone(),
        })
        .collect();
    let teachers: Vec<TeacherRow> = body
        .teachers
        .iter()
        .map(|t| TeacherRow {
            id: Uuid::now_v7(),
            institution_id: id,
            name: t.name.trim().to_owned(),
            employment: t.employment.as_str().to_owned(),
            qualification: t.qualification.trim().to_owned(),
            may_teach: serde_json::to_value(&t.may_teach).expect("serialises"),
        })
        .collect();
    let mut requested: Vec<ScopeRow> = body
        .requested_scope
        .iter()
        .map(|q| ScopeRow {
            institution_id: id,
            kind: "requested".into(),
            occupation_code: q.occupation_code.clone(),
            skill_level: q.skill_level.to_string(),
            valid_from: None,
            valid_to: None,
        })
        .collect();
    requested.sort_by(|a, b| {
        (&a.occupation_code, &a.skill_level).cmp(&(&b.occupation_code, &b.skill_level))
    });
    requested.dedup();
    let scope = format!("{}:apply", who.subject());
    let mut conn = state.pool.get().await?;
    idempotency::once(&mut conn, &key, scope, &body, |conn| {
        async move {
            if !store::insert_application(conn, &institution, &venues, &teachers, &requested)
                .await?
            {
                return Err(ApiError::conflict(
                    "institution_exists",
                    "this organisation already has a live record in the city",
                ));
            }
            let full = store::full(conn, id).await?.ok_or_else(not_found)?;
            Ok(
                Created::new(StatusCode::CREATED, &InstitutionView::from(&full))
                    .at(format!("/v1/institutions/{id}")),
            )
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
    if let Some(status) = &query.status {
        if Status::parse(status).is_none() {
            return Err(ApiError::validation(vec![platform::FieldError {
                field: "status".into(),
                code: "unknown_value".into(),
                message: "pending, approved, rejected, suspended or removed".into(),
            }]));
        }
    }
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
    let rows = store::list(&mut conn, state.city.as_str(), query.status.as_deref(), own).await?;
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
    responses((status = 200, body = InstitutionView), (status = 404, body = Problem, content_type = "application/problem+json")),
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
    let full = store::full(&mut conn, *id)
        .await?
        .filter(|f| may_see(&who, &f.institution))
        .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(InstitutionView::from(&full)))
}

/// What a decision changes besides the status.
enum Change {
    Approve {
        method: String,
        reason: String,
        grants: Vec<ScopeRow>,
    },
    Reject {
        reason: String,
    },
    Scope {
        grants: Vec<ScopeRow>,
        reason: String,
    },
    Sanction {
        action: &'static str,
        reason_kind: Option<&'static str>,
        detail: String,
    },
}

fn grants(v: &mut Validator, id: Uuid, items: &[Grant]) -> Vec<ScopeRow> {
    v.ensure(
        !items.is_empty(),
        "scope",
        "list_empty",
        "grant at least one occupation and level",
    );
    let mut rows: Vec<ScopeRow> = items
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
            ScopeRow {
                institution_id: id,
                kind: "granted".into(),
                occupation_code: g.occupation_code.clone(),
                skill_level: g.skill_level.to_string(),
                valid_from: Some(g.valid_from),
                valid_to: Some(g.valid_to),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        (&a.occupation_code, &a.skill_level).cmp(&(&b.occupation_code, &b.skill_level))
    });
    rows.dedup_by(|a, b| a.occupation_code == b.occupation_code && a.skill_level == b.skill_level);
    rows
}

/// The shared path of every decision: lock, check the transition, change,
/// record, announce, drop the cached directory.
async fn decide(
    state: &AppState,
    who: &Principal,
    id: Uuid,
    action: Action,
    change: Change,
) -> Result<HttpResponse, ApiError> {
    who.require(OFFICERS)?.require_city(state.city)?;
    let mut conn = state.pool.get().await?;
    let view = conn
        .transaction::<_, ApiError, _>(|conn| {
            async move { apply_decision(conn, who, id, action, change).await }.scope_boxed()
        })
        .await?;
    state
        .cache
        .invalidate(&directory_namespace(state.city.as_str()))
        .await;
    Ok(HttpResponse::Ok().json(view))
}

async fn apply_decision(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    id: Uuid,
    action: Action,
    change: Change,
) -> Result<InstitutionView, ApiError> {
    let mut row = store::lock(conn, id)
        .await?
        .filter(|r| may_see(who, r))
        .ok_or_else(not_found)?;
    let status = Status::parse(&row.status).ok_or_else(|| ApiError::internal("bad status"))?;
    let next = transition(status, action, row.high_skill_base)
        .map_err(|(code, message)| ApiError::conflict(code, message))?;
    let now = Utc::now();
    row.status = next.as_str().to_owned();
    row.updated_at = now;
    let (event_type, reason) = match change {
        Change::Approve {
            method,
            reason,
            grants,
        } => {
            row.selection_method = Some(method);
            row.decision_reason = Some(reason);
            row.decided_by = Some(who.subject().to_owned());
            row.decided_at = Some(now);
            store::grant(conn, id, &grants).await?;
            (Some(INSTITUTION_APPROVED), None)
        }
        Change::Reject { reason } => {
            row.decision_reason = Some(reason);
            row.decided_by = Some(who.subject().to_owned());
            row.decided_at = Some(now);
            (None, None)
        }
        Change::Scope { grants, reason } => {
            if row.under_review {
                let pairs = |rows: &[ScopeRow]| -> Vec<(String, String)> {
                    rows.iter()
                        .filter(|s| s.kind == "granted")
                        .map(|s| (s.occupation_code.clone(), s.skill_level.clone()))
                        .collect()
                };
                let current = store::scope_of(conn, id).await?;
                if adds_to_scope(&pairs(&current), &pairs(&grants)) {
                    return Err(ApiError::conflict(
                        "institution_under_review",
                        "the institution was rated D and may not add occupations until the bureau has reviewed it",
                    ));
                }
            }
            store::grant(conn, id, &grants).await?;
            (Some(INSTITUTION_SCOPE_CHANGED), Some(reason))
        }
        Change::Sanction {
            action,
            reason_kind,
            detail,
        } => {
            store::record_sanction(conn, id, action, reason_kind, &detail, who.subject()).await?;
            let event = match action {
                "suspended" => INSTITUTION_SUSPENDED,
                "reinstated" => INSTITUTION_REINSTATED,
                _ => INSTITUTION_REMOVED,
            };
            let reason = match reason_kind {
                Some(kind) => format!("{kind}: {detail}"),
                None => detail,
            };
            (Some(event), Some(reason))
        }
    };
    store::save_decision(conn, &row).await?;
    let full: Full = store::full(conn, id).await?.ok_or_else(not_found)?;
    if let Some(event_type) = event_type {
        let mut batch =
            vec![events::institution(&full, event_type, reason).map_err(ApiError::internal)?];
        if event_type == INSTITUTION_APPROVED {
            batch.extend(events::staff_and_venues(&full).map_err(ApiError::internal)?);
        }
        messaging::enqueue(conn, &batch).await?;
    }
    Ok(InstitutionView::from(&full))
}

fn reason_text(v: &mut Validator, field: &str, text: &str) -> String {
    v.extend(check_text(field, text, 1000));
    text.trim().to_owned()
}

/// Approve an application with its scope (occupations × levels × validity).
#[utoipa::path(
    tag = "review",
    request_body = Approval,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = InstitutionView), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[post("/v1/institutions/{id}/approve")]
pub async fn approve(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
    Json(body): Json<Approval>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let mut v = Validator::new();
    let reason = reason_text(&mut v, "reason", &body.reason);
    let grants = grants(&mut v, id, &body.scope);
    v.finish(())?;
    let change = Change::Approve {
        method: body.selection_method.as_str().to_owned(),
        reason,
        grants,
    };
    decide(&state, &who, id, Action::Approve, change).await
}

/// Reject an application, with the reason.
#[utoipa::path(
    tag = "review",
    request_body = Rejection,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = InstitutionView), (status = 409, body = Problem, content_type = "application/problem+json")),
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
    decide(
        &state,
        &who,
        id.into_inner(),
        Action::Reject,
        Change::Reject { reason },
    )
    .await
}

/// Replace the granted scope.
#[utoipa::path(
    tag = "review",
    request_body = ScopeChange,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = InstitutionView), (status = 409, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[put("/v1/institutions/{id}/scope")]
pub async fn change_scope(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
    Json(body): Json<ScopeChange>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let mut v = Validator::new();
    let reason = reason_text(&mut v, "reason", &body.reason);
    let grants = grants(&mut v, id, &body.scope);
    v.finish(())?;
    decide(
        &state,
        &who,
        id,
        Action::ChangeScope,
        Change::Scope { grants, reason },
    )
    .await
}

fn sanction_change(action: &'static str, body: &Sanction) -> Result<Change, ApiError> {
    let mut v = Validator::new();
    let detail = reason_text(&mut v, "detail", &body.detail);
    v.finish(())?;
    Ok(Change::Sanction {
        action,
        reason_kind: Some(body.reason_kind.as_str()),
        detail,
    })
}

/// Suspend an institution: it cannot file classes until reinstated.
#[utoipa::path(
    tag = "sanctions",
    request_body = Sanction,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = InstitutionView), (status = 409, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[post("/v1/institutions/{id}/suspend")]
pub async fn suspend(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
    Json(body): Json<Sanction>,
) -> Result<HttpResponse, ApiError> {
    let change = sanction_change("suspended", &body)?;
    decide(&state, &who, id.into_inner(), Action::Suspend, change).await
}

/// Lift a suspension.
#[utoipa::path(
    tag = "sanctions",
    request_body = Reinstatement,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = InstitutionView), (status = 409, body = Problem, content_type = "application/problem+json")),
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
    decide(
        &state,
        &who,
        id.into_inner(),
        Action::Reinstate,
        Change::Sanction {
            action: "reinstated",
            reason_kind: None,
            detail,
        },
    )
    .await
}

/// Remove an institution from the directory for good.
#[utoipa::path(
    tag = "sanctions",
    request_body = Sanction,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = InstitutionView), (status = 409, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[post("/v1/institutions/{id}/remove")]
pub async fn remove(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
    Json(body): Json<Sanction>,
) -> Result<HttpResponse, ApiError> {
    let change = sanction_change("removed", &body)?;
    decide(&state, &who, id.into_inner(), Action::Remove, change).await
}

/// Review a D-rated institution (绩效评价 D 级整改复核): lifts the
/// restriction on new occupations and class filings, with the officer's note.
#[utoipa::path(
    tag = "sanctions",
    request_body = RatingReview,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = InstitutionView), (status = 409, description = "Not under review", body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json")),
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
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let view = conn
        .transaction::<_, ApiError, _>(|conn| {
            async move {
                let row = store::lock(conn, id)
                    .await?
                    .filter(|r| may_see(&who, r))
                    .ok_or_else(not_found)?;
                if !row.under_review {
                    return Err(ApiError::conflict(
                        "not_under_review",
                        "the institution is not under review",
                    ));
                }
                store::record_review(conn, id, &note, who.subject(), Utc::now()).await?;
                let full: Full = store::full(conn, id).await?.ok_or_else(not_found)?;
                let event = events::institution(&full, INSTITUTION_REVIEWED, Some(note))
                    .map_err(ApiError::internal)?;
                messaging::enqueue(conn, &[event]).await?;
                Ok(InstitutionView::from(&full))
            }
            .scope_boxed()
        })
        .await?;
    state
        .cache
        .invalidate(&directory_namespace(state.city.as_str()))
        .await;
    Ok(HttpResponse::Ok().json(view))
}
