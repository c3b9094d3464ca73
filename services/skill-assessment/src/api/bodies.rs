//! Assessment bodies (评价机构): filed by the bureau, suspended with reasons,
//! their assessors (考评员) and supervisors (督导员) registered.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use db::ScopedFutureExt;
use ids::{CreditCode, OccupationCode};
use platform::auth::Principal;
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use uuid::Uuid;

use super::{
    officer, BodyActionView, BodyView, NewBody, NewStaff, SigningKeyView, StaffRole, StaffView,
    State, StatusChange,
};
use crate::app::bodies::{self, public_half, Filing, Profile};
use crate::app::Deps;
use crate::domain::credential::{method_id, multikey};
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

/// File an assessment body with the bureau: who it is, what it may assess,
/// and until when.
#[utoipa::path(
    tag = "bodies",
    request_body = NewBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe")),
    responses(
        (status = 201, body = BodyView),
        (status = 409, description = "Already filed", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = platform::problem::Unprocessable),
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

/// A body, its scope, staff and history: for the bureau and the body itself.
#[utoipa::path(
    tag = "bodies",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = BodyView), (status = 404, response = platform::problem::NotFound)),
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

/// The officer's reason, checked.
fn reason(who: &Principal, state: &State, reason: &str) -> Result<String, ApiError> {
    officer(who, state)?;
    let mut v = Validator::new();
    v.text("reason", reason, 1..=500);
    v.finish(())?;
    Ok(reason.trim().to_owned())
}

/// Suspend a body (it can then neither schedule, record nor certify).
#[utoipa::path(
    tag = "bodies",
    params(("id" = Uuid, Path)),
    request_body = StatusChange,
    responses((status = 200, body = BodyView), (status = 409, description = "Already suspended", body = Problem, content_type = "application/problem+json")),
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

/// Lift a suspension, with the reason.
#[utoipa::path(
    tag = "bodies",
    params(("id" = Uuid, Path)),
    request_body = StatusChange,
    responses((status = 200, body = BodyView), (status = 409, description = "Not suspended", body = Problem, content_type = "application/problem+json")),
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

/// Give a body a new credential signing key (rotation; or its first, for a
/// body filed before keys were kept per body). The old key stays in the
/// body's issuer profile, so every credential it signed still verifies.
#[utoipa::path(
    tag = "bodies",
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer as the first time (`Idempotent-Replayed: true`); another body is refused (422), a concurrent one too (409)")),
    responses(
        (status = 201, body = SigningKeyView),
        (status = 403, response = platform::problem::Forbidden),
        (status = 404, response = platform::problem::NotFound),
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

/// Register an assessor (考评员) or supervisor (督导员) of a body: by the
/// bureau or by the body itself.
#[utoipa::path(
    tag = "bodies",
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer as the first time (`Idempotent-Replayed: true`); another body is refused (422), a concurrent one too (409)")),
    request_body = NewStaff,
    responses((status = 201, body = StaffView), (status = 409, description = "Credential already registered, or a request with this Idempotency-Key is still running (`idempotency_in_flight`)", body = Problem, content_type = "application/problem+json")),
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
