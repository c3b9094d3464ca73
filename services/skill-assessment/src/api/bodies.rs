//! Assessment bodies (评价机构): filed by the bureau, suspended with reasons,
//! their assessors (考评员) and supervisors (督导员) registered.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use db::ScopedFutureExt;
use ids::{CreditCode, OccupationCode};
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
    officer, optional, BodyActionView, BodyStatusWord, BodySummaryView, BodyView, NewBody,
    NewStaff, SigningKeyView, StaffRole, StaffView, State, StatusChange,
};
use crate::app::bodies::{self, public_half, Filing, Profile};
use crate::app::Deps;
use crate::domain::body::BodyStatus;
use crate::domain::credential::{method_id, multikey};
use crate::store::bodies::BodyRow;
use crate::store::signing_keys::SigningKeyRow;

pub(super) fn view(deps: &Deps<'_>, p: Profile) -> Result<BodyView, ApiError> {
    let staff = p
        .staff
        .into_iter()
        .map(|s| StaffView {
            id: s.id,
            role: if s.role == "supervisor" {
                StaffRole::Supervisor
            } else {
                StaffRole::Assessor
            },
            name: s.name,
            credential_no: s.credential_no,
        })
        .collect();
    let history = p
        .history
        .into_iter()
        .map(|a| BodyActionView {
            action: a.action,
            reason: a.reason,
            by: a.acted_by,
            at: a.acted_at,
        })
        .collect();
    let row = p.body;
    let issuer = deps.issuer_id(&row.code);
    let signing_keys: Vec<SigningKeyView> = p
        .signing_keys
        .iter()
        .map(|k| key_view(&issuer, k))
        .collect::<Result<_, ApiError>>()?;
    Ok(BodyView {
        public_key_multibase: signing_keys
            .iter()
            .find(|k| k.retired_at.is_none())
            .map(|k| k.public_key_multibase.clone()),
        signing_keys,
        id: row.id,
        city: row.city,
        credit_code: row.credit_code,
        name: row.name,
        kind: row.kind,
        lead_enterprise: row.lead_enterprise,
        code: row.code,
        valid_from: row.valid_from,
        valid_until: row.valid_until,
        status: row.status,
        scope: p.scope,
        staff,
        history,
    })
}

/// File an assessment body with the bureau
///
/// A bureau officer of the city files an assessment body (评价机构备案): its unified
/// social credit code, name, kind, validity and scope (the occupations × levels
/// × kinds of assessment it may run). The body gets its 4-digit code, used in
/// its certificate numbers, and its first credential signing key; its people
/// then act with tokens naming its credit code as `org`. One body per credit
/// code (409 `body_already_filed`). Every bad field is named at once (422
/// `validation_failed`): `credit_code` (`credit_code_format`,
/// `credit_code_length`, `credit_code_check_digit`), `name` (`text_length`),
/// `valid_until` (`date_order`), `scope` (`scope_empty`),
/// `scope[i].occupation_code` (`occupation_code_format`), `lead_enterprise`
/// (`lead_needs_enterprise`: only an enterprise is a 链主企业). Publishes no event.
/// Send an `Idempotency-Key` to retry safely.
#[utoipa::path(
    operation_id = "fileAssessmentBody",
    tag = "bodies",
    request_body = NewBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer as the first time (`Idempotent-Replayed: true`); another body is refused (422 `idempotency_key_reused`), a concurrent one too (409 `idempotency_in_flight`)")),
    responses(
        (status = 201, description = "The body as filed, active, with its code and first signing key", body = BodyView,
            headers(("Location" = String, description = "Where the body is read: `/v1/assessment-bodies/{id}`"))),
        (status = 409, description = "Refused: `body_already_filed` (a body with this credit code exists); `idempotency_in_flight`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: `validation_failed` naming each bad field (see above); `idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/assessment-bodies")]
pub async fn file(
    state: State,
    who: Principal,
    key: IdempotencyKey,
    Json(body): Json<NewBody>,
) -> Result<HttpResponse, ApiError> {
    officer(&who, &state)?;
    let mut v = Validator::new();
    let _: Option<CreditCode> = v.parse("credit_code", &body.credit_code);
    v.text("name", &body.name, 1..=100);
    v.ensure(
        body.valid_until >= body.valid_from,
        "valid_until",
        "date_order",
        "on or after valid_from",
    );
    v.ensure(
        !body.scope.is_empty(),
        "scope",
        "scope_empty",
        "at least one occupation × level × kind",
    );
    for (i, item) in body.scope.iter().enumerate() {
        let _: Option<OccupationCode> =
            v.parse(format!("scope[{i}].occupation_code"), &item.occupation_code);
    }
    v.ensure(
        !body.lead_enterprise || body.kind == crate::domain::body::BodyKind::Enterprise,
        "lead_enterprise",
        "lead_needs_enterprise",
        "only an enterprise is a lead enterprise (链主企业)",
    );
    v.finish(())?;
    let filing = Filing {
        credit_code: body.credit_code.clone(),
        name: body.name.trim().to_owned(),
        kind: body.kind,
        lead_enterprise: body.lead_enterprise,
        valid_from: body.valid_from,
        valid_until: body.valid_until,
        scope: body.scope.clone(),
    };
    let deps = state.deps();
    let mut conn = state.pool.get().await?;
    let scope = format!("{}:file-body", who.subject());
    idempotency::once(&mut conn, &key, scope, &body, |conn| {
        async move {
            let profile = bodies::file(conn, &deps, who.subject(), filing).await?;
            let location = format!("/v1/assessment-bodies/{}", profile.body.id);
            Ok(Created::new(StatusCode::CREATED, &view(&deps, profile)?)?.at(location))
        }
        .scope_boxed()
    })
    .await
}

/// Read an assessment body with its scope, staff and history
///
/// The body in full: filing, scope, assessors (考评员) and supervisors (督导员),
/// every filing/suspension/reinstatement with who and why, and every credential
/// signing key it has had (public halves). For bureau officers and auditors of
/// the city, and for the body's own assessors, enterprise account and systems
/// (token `org` = the body's credit code). Anyone else, like an unknown id, is
/// answered 404 `body_not_found`, so another body's filing does not show it
/// exists.
#[utoipa::path(
    operation_id = "getAssessmentBody",
    tag = "bodies",
    params(("id" = Uuid, Path, description = "The body's id")),
    responses(
        (status = 200, description = "The body in full", body = BodyView),
        (status = 404, description = "`body_not_found`: no such body, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/assessment-bodies/{id}")]
pub async fn get(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let deps = state.deps();
    let mut conn = state.pool.get().await?;
    let profile = bodies::get(&mut conn, &deps, &who, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(view(&deps, profile)?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BodyListQuery {
    /// Only bodies in this status: `active`, or `suspended`.
    #[param(inline, value_type = Option<BodyStatusWord>)]
    pub status: Option<String>,
    /// Where to go on: the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Items per page, 1 to 500; 50 when absent.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// List the assessment bodies the caller may see
///
/// Assessment bodies, oldest filing first, a page at a time: every body of the
/// city for bureau officers and auditors; for a body's own assessors,
/// enterprise account and systems, their own body only (what `GET
/// /v1/assessment-bodies/{id}` allows them, one at a time). Each item is the
/// filing without staff, history or keys; read the body for those. Refused: 422
/// `validation_failed` with `status` (`body_status_unknown`), `limit`
/// (`limit_range`), `cursor` (`cursor_invalid`).
#[utoipa::path(
    operation_id = "listAssessmentBodies",
    tag = "bodies",
    params(BodyListQuery),
    responses(
        (status = 200, description = "A page of bodies; `next_cursor` when there are more", body = Page<BodySummaryView>),
        (status = 422, description = "Refused: `validation_failed` (`body_status_unknown`, `limit_range`, `cursor_invalid`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/assessment-bodies")]
pub async fn list(
    state: State,
    who: Principal,
    query: web::Query<BodyListQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = pagination::limit(query.limit)?;
    let after: Option<(DateTime<Utc>, Uuid)> = pagination::decode_cursor(query.cursor.as_deref())?;
    let mut v = Validator::new();
    let status: Option<BodyStatus> = optional(&mut v, "status", query.status.as_deref());
    v.finish(())?;
    let filter = bodies::BodyQuery {
        status,
        after,
        limit: limit + 1,
    };
    let mut conn = state.pool.get().await?;
    let rows = bodies::list(&mut conn, &state.deps(), &who, filter).await?;
    let page = pagination::page(rows, limit, |b| (b.filed_at, b.id)).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(Page {
        items: page.items.into_iter().map(summary).collect::<Vec<_>>(),
        next_cursor: page.next_cursor,
    }))
}

fn summary(row: BodyRow) -> BodySummaryView {
    BodySummaryView {
        id: row.id,
        city: row.city,
        credit_code: row.credit_code,
        name: row.name,
        kind: row.kind,
        lead_enterprise: row.lead_enterprise,
        code: row.code,
        valid_from: row.valid_from,
        valid_until: row.valid_until,
        status: row.status,
        filed_at: row.filed_at,
    }
}

/// The officer's reason, checked.
fn reason(who: &Principal, state: &State, reason: &str) -> Result<String, ApiError> {
    officer(who, state)?;
    let mut v = Validator::new();
    v.text("reason", reason, 1..=500);
    v.finish(())?;
    Ok(reason.trim().to_owned())
}

/// Suspend an assessment body, with the reason
///
/// A bureau officer of the city suspends an active body (e.g. after a
/// supervisor's finding): until reinstated it can neither schedule sessions,
/// record results nor issue certificates (those answer 422 `body_suspended`).
/// The action and reason enter the body's history. Refused: 404
/// `body_not_found`; 409 `body_status` when the body is already suspended; 422
/// `validation_failed` with `reason` (`text_length`, 1 to 500 characters).
/// Publishes no event.
#[utoipa::path(
    operation_id = "suspendAssessmentBody",
    tag = "bodies",
    params(("id" = Uuid, Path, description = "The body's id")),
    request_body = StatusChange,
    responses(
        (status = 200, description = "The body, now suspended, its history showing why", body = BodyView),
        (status = 404, description = "`body_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: `body_status` (the body is not active: already suspended)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/assessment-bodies/{id}/suspension")]
pub async fn suspend(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
    Json(body): Json<StatusChange>,
) -> Result<HttpResponse, ApiError> {
    let reason = reason(&who, &state, &body.reason)?;
    let mut conn = state.pool.get().await?;
    let profile = bodies::suspend(&mut conn, id.into_inner(), reason, who.subject()).await?;
    Ok(HttpResponse::Ok().json(view(&state.deps(), profile)?))
}

/// Lift an assessment body's suspension, with the reason
///
/// A bureau officer of the city reinstates a suspended body (e.g. once it has
/// put things right); it may then assess and certify again within its filing.
/// The action (`active`) and reason enter the body's history. Refused: 404
/// `body_not_found`; 409 `body_status` when the body is not suspended; 422
/// `validation_failed` with `reason` (`text_length`). Publishes no event.
#[utoipa::path(
    operation_id = "reinstateAssessmentBody",
    tag = "bodies",
    params(("id" = Uuid, Path, description = "The body's id")),
    request_body = StatusChange,
    responses(
        (status = 200, description = "The body, active again", body = BodyView),
        (status = 404, description = "`body_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: `body_status` (the body is not suspended)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/assessment-bodies/{id}/reinstatement")]
pub async fn reinstate(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
    Json(body): Json<StatusChange>,
) -> Result<HttpResponse, ApiError> {
    let reason = reason(&who, &state, &body.reason)?;
    let mut conn = state.pool.get().await?;
    let profile = bodies::reinstate(&mut conn, id.into_inner(), reason, who.subject()).await?;
    Ok(HttpResponse::Ok().json(view(&state.deps(), profile)?))
}

fn key_view(issuer: &str, row: &SigningKeyRow) -> Result<SigningKeyView, ApiError> {
    Ok(SigningKeyView {
        key_no: row.key_no,
        verification_method: method_id(issuer, row.key_no),
        public_key_multibase: multikey(&public_half(row)?),
        created_at: row.created_at,
        retired_at: row.retired_at,
    })
}

/// Give an assessment body a new credential signing key
///
/// A bureau officer of the city rotates a body's Ed25519 signing key (or gives
/// its first, for a body filed before keys were kept per body). The new key
/// signs the body's credentials from now on; the old one is retired but stays
/// in the body's public issuer profile (`GET /v1/public/issuers/{code}`), so
/// every credential it signed still verifies. The cached issuer profiles and
/// public answers are dropped. The rotation enters the body's history. Refused:
/// 404 `body_not_found`. Send an `Idempotency-Key`: a retried rotation does not
/// rotate twice.
#[utoipa::path(
    operation_id = "rotateBodySigningKey",
    tag = "bodies",
    params(("id" = Uuid, Path, description = "The body's id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer as the first time (`Idempotent-Replayed: true`); another body is refused (422 `idempotency_key_reused`), a concurrent one too (409 `idempotency_in_flight`)")),
    responses(
        (status = 201, description = "The new key (public half), now the one in force", body = SigningKeyView),
        (status = 403, response = platform::problem::Forbidden),
        (status = 404, description = "`body_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, response = platform::problem::IdempotencyInFlight),
    ),
    security(("bearer" = []))
)]
#[post("/v1/assessment-bodies/{id}/signing-keys")]
pub async fn rotate_signing_key(
    state: State,
    cache: web::Data<platform::public::PublicCache>,
    who: Principal,
    id: web::Path<Uuid>,
    key: IdempotencyKey,
) -> Result<HttpResponse, ApiError> {
    officer(&who, &state)?;
    let id = id.into_inner();
    let deps = state.deps();
    let mut conn = state.pool.get().await?;
    // A retried rotation must not rotate twice.
    let scope = format!("{}:rotate-signing-key:{id}", who.subject());
    let answered = idempotency::once(&mut conn, &key, scope, &id, |conn| {
        async move {
            let rotated = bodies::rotate_signing_key(conn, &deps, id, who.subject()).await?;
            let view = key_view(&deps.issuer_id(&rotated.body_code), &rotated.key)?;
            Created::new(StatusCode::CREATED, &view)
        }
        .scope_boxed()
    })
    .await?;
    // The profile gains the key; credentials are signed with it from now.
    for namespace in [
        super::certificates::ISSUERS_NAMESPACE,
        super::certificates::PUBLIC_NAMESPACE,
    ] {
        cache.invalidate(namespace).await;
    }
    Ok(answered)
}

/// Register an assessor or supervisor of an assessment body
///
/// Registers an assessor (考评员) or supervisor (督导员) with a body, by its
/// credential number: by a bureau officer of the city, or by the body itself
/// (its assessors, its enterprise account, or its system with scope
/// `assessment:records`). Sessions name their assessors and supervisor from
/// these. A credential number is registered once per body (409
/// `staff_already_registered`). Refused: 404 `body_not_found` (no such body, or
/// another body's); 422 `validation_failed` with `name` or `credential_no`
/// (`text_length`). Send an `Idempotency-Key` to retry safely.
#[utoipa::path(
    operation_id = "registerAssessmentStaff",
    tag = "bodies",
    params(("id" = Uuid, Path, description = "The body's id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer as the first time (`Idempotent-Replayed: true`); another body is refused (422 `idempotency_key_reused`), a concurrent one too (409 `idempotency_in_flight`)")),
    request_body = NewStaff,
    responses(
        (status = 201, description = "The assessor or supervisor as registered", body = StaffView),
        (status = 404, description = "`body_not_found`: no such body, or not the caller's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: `staff_already_registered` (the credential number is registered with the body); `idempotency_in_flight`", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/assessment-bodies/{id}/staff")]
pub async fn register_staff(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
    key: IdempotencyKey,
    Json(body): Json<NewStaff>,
) -> Result<HttpResponse, ApiError> {
    let mut v = Validator::new();
    v.text("name", &body.name, 1..=50);
    v.text("credential_no", &body.credential_no, 1..=40);
    v.finish(())?;
    who.require(&[
        platform::auth::Role::BureauOfficer,
        platform::auth::Role::Assessor,
        platform::auth::Role::Enterprise,
        platform::auth::Role::Integrator,
    ])?
    .require_scope(platform::auth::Scope::AssessmentRecords)?;
    let body_id = id.into_inner();
    let staff = bodies::NewStaff {
        role: body.role,
        name: body.name.trim().to_owned(),
        credential_no: body.credential_no.trim().to_owned(),
    };
    let scope = format!("{}:register-staff:{body_id}", who.subject());
    let request = (
        body.role.as_str(),
        staff.name.clone(),
        staff.credential_no.clone(),
    );
    let deps = state.deps();
    let mut conn = state.pool.get().await?;
    idempotency::once(&mut conn, &key, scope, &request, |conn| {
        async move {
            let row = bodies::register_staff(conn, &deps, &who, body_id, staff).await?;
            let view = StaffView {
                id: row.id,
                role: body.role,
                name: row.name,
                credential_no: row.credential_no,
            };
            Created::new(StatusCode::CREATED, &view)
        }
        .scope_boxed()
    })
    .await
}
