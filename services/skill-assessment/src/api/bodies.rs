//! Assessment bodies (评价机构): filed by the bureau, suspended with reasons,
//! their assessors (考评员) and supervisors (督导员) registered.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::Utc;
use db::ScopedFutureExt;
use diesel_async::AsyncPgConnection;
use ids::{CreditCode, OccupationCode};
use platform::auth::Principal;
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use uuid::Uuid;

use super::{
    acts_for, is_bureau, officer, BodyActionView, BodyView, NewBody, NewStaff, SigningKeyView,
    StaffRole, StaffView, State, StatusChange,
};
use crate::domain::credential::{method_id, multikey, BodyKey};
use crate::store::{self, BodyRow, SigningKeyRow, StaffRow};

pub(super) fn not_found() -> ApiError {
    ApiError::not_found("body_not_found", "no such assessment body")
}

pub(super) async fn view(
    conn: &mut AsyncPgConnection,
    state: &super::AppState,
    row: BodyRow,
) -> Result<BodyView, ApiError> {
    let scope = store::scope_of(conn, row.id).await?;
    let staff = store::staff_of(conn, row.id)
        .await?
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
    let history = store::actions_of(conn, row.id)
        .await?
        .into_iter()
        .map(|(action, reason, by, at)| BodyActionView {
            action,
            reason,
            by,
            at,
        })
        .collect();
    let issuer = state.issuer_id(&row.code);
    let signing_keys: Vec<SigningKeyView> = store::signing_keys(conn, row.id)
        .await?
        .into_iter()
        .map(|k| key_view(&issuer, &k))
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
        scope,
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
        (status = 422, body = Problem, content_type = "application/problem+json"),
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
    let city = state.city.to_string();
    let mut conn = state.pool.get().await?;
    let scope = format!("{}:file-body", who.subject());
    idempotency::once(&mut conn, &key, scope, &body.clone(), |conn| {
        async move {
            if store::body_by_credit_code(conn, &body.credit_code)
                .await?
                .is_some()
            {
                return Err(ApiError::conflict(
                    "body_already_filed",
                    "a body with this credit code is already filed",
                ));
            }
            let row = BodyRow {
                id: Uuid::now_v7(),
                city,
                credit_code: body.credit_code.clone(),
                name: body.name.trim().to_owned(),
                kind: body.kind.as_str().to_owned(),
                lead_enterprise: body.lead_enterprise,
                code: store::next_body_code(conn).await?,
                valid_from: body.valid_from,
                valid_until: body.valid_until,
                status: "active".into(),
                filed_by: who.subject().to_owned(),
                filed_at: Utc::now(),
            };
            store::insert_body(conn, &row, &body.scope).await?;
            store::replace_signing_key(conn, &new_signing_key(&state, row.id, 1, who.subject()))
                .await?;
            store::record_action(
                conn,
                row.id,
                "filed",
                "filed with the bureau",
                who.subject(),
            )
            .await?;
            let location = format!("/v1/assessment-bodies/{}", row.id);
            Ok(Created::new(StatusCode::CREATED, &view(conn, &state, row).await?).at(location))
        }
        .scope_boxed()
    })
    .await
}

/// A body, its scope, staff and history: for the bureau and the body itself.
#[utoipa::path(
    tag = "bodies",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = BodyView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[get("/v1/assessment-bodies/{id}")]
pub async fn get(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let row = store::body(&mut conn, id.into_inner())
        .await?
        .filter(|b| is_bureau(&who, &state) || acts_for(&who, b))
        .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(view(&mut conn, &state, row).await?))
}

async fn change_status(
    state: State,
    who: Principal,
    id: Uuid,
    reason: &str,
    from: &str,
    to: &str,
) -> Result<HttpResponse, ApiError> {
    officer(&who, &state)?;
    let mut v = Validator::new();
    v.text("reason", reason, 1..=500);
    v.finish(())?;
    let mut conn = state.pool.get().await?;
    let reason = reason.trim().to_owned();
    let to = to.to_owned();
    let from = from.to_owned();
    let row = diesel_async::AsyncConnection::transaction::<_, ApiError, _>(&mut conn, |conn| {
        async move {
            let row = store::body_for_update(conn, id)
                .await?
                .ok_or_else(not_found)?;
            if row.status != from {
                return Err(ApiError::conflict(
                    "body_status",
                    format!("the body is {}", row.status),
                ));
            }
            store::set_body_status(conn, id, &to, &reason, who.subject()).await?;
            Ok(BodyRow { status: to, ..row })
        }
        .scope_boxed()
    })
    .await?;
    Ok(HttpResponse::Ok().json(view(&mut conn, &state, row).await?))
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
    change_status(
        state,
        who,
        id.into_inner(),
        &body.reason,
        "active",
        "suspended",
    )
    .await
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
    change_status(
        state,
        who,
        id.into_inner(),
        &body.reason,
        "suspended",
        "active",
    )
    .await
}

/// A stored key's public half.
pub(super) fn public_half(row: &SigningKeyRow) -> Result<ed25519_dalek::VerifyingKey, ApiError> {
    ed25519_dalek::VerifyingKey::try_from(row.public_key.as_slice())
        .map_err(|_| ApiError::internal("a stored public key"))
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

/// A fresh key for a body, its seed sealed with the service's key.
fn new_signing_key(state: &super::AppState, body_id: Uuid, no: i32, by: &str) -> SigningKeyRow {
    let key = BodyKey {
        no,
        key: ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng),
    };
    SigningKeyRow {
        body_id,
        key_no: no,
        public_key: key.key.verifying_key().to_bytes().to_vec(),
        seed_sealed: state.cipher.seal(&key.seed_text()),
        created_by: by.to_owned(),
        created_at: Utc::now(),
        retired_at: None,
    }
}

/// The key the body signs with now, if it has one.
pub(super) async fn signing_key(
    conn: &mut AsyncPgConnection,
    state: &super::AppState,
    body_id: Uuid,
) -> Result<Option<BodyKey>, ApiError> {
    let Some(row) = store::current_signing_key(conn, body_id).await? else {
        return Ok(None);
    };
    let seed = state
        .cipher
        .open(&row.seed_sealed)
        .map_err(ApiError::internal)?;
    BodyKey::from_seed_text(row.key_no, &seed)
        .map(Some)
        .ok_or_else(|| ApiError::internal("a stored signing key"))
}

/// Give a body a new credential signing key (rotation; or its first, for a
/// body filed before keys were kept per body). The old key stays in the
/// body's issuer profile, so every credential it signed still verifies.
#[utoipa::path(
    tag = "bodies",
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer as the first time (`Idempotent-Replayed: true`); another body is refused (422), a concurrent one too (409)")),
    responses(
        (status = 201, body = SigningKeyView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A request with this Idempotency-Key is still running (`idempotency_in_flight`)", body = Problem, content_type = "application/problem+json"),
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
    let mut conn = state.pool.get().await?;
    let st = state.clone();
    // A retried rotation must not rotate twice.
    let scope = format!("{}:rotate-signing-key:{id}", who.subject());
    let answered = idempotency::once(&mut conn, &key, scope, &id, |conn| {
        async move {
            let body = store::body_for_update(conn, id)
                .await?
                .ok_or_else(not_found)?;
            let next = store::signing_keys(conn, id)
                .await?
                .last()
                .map_or(1, |k| k.key_no + 1);
            let row = new_signing_key(&st, id, next, who.subject());
            store::replace_signing_key(conn, &row).await?;
            store::record_action(
                conn,
                id,
                "signing_key_rotated",
                &format!("signing key {next} in force"),
                who.subject(),
            )
            .await?;
            let view = key_view(&st.issuer_id(&body.code), &row)?;
            Ok(Created::new(StatusCode::CREATED, &view))
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
    let mut conn = state.pool.get().await?;
    let body_row = store::body(&mut conn, id.into_inner())
        .await?
        .filter(|b| is_bureau(&who, &state) || acts_for(&who, b))
        .ok_or_else(not_found)?;
    who.require(&[
        platform::auth::Role::BureauOfficer,
        platform::auth::Role::Assessor,
        platform::auth::Role::Enterprise,
        platform::auth::Role::Integrator,
    ])?
    .require_scope(platform::auth::Scope::AssessmentRecords)?;
    let row = StaffRow {
        id: Uuid::now_v7(),
        body_id: body_row.id,
        role: body.role.as_str().to_owned(),
        name: body.name.trim().to_owned(),
        credential_no: body.credential_no.trim().to_owned(),
        registered_at: Utc::now(),
    };
    let scope = format!("{}:register-staff:{}", who.subject(), row.body_id);
    let request = (
        body.role.as_str(),
        row.name.clone(),
        row.credential_no.clone(),
    );
    idempotency::once(&mut conn, &key, scope, &request, |conn| {
        async move {
            store::insert_staff(conn, &row).await.map_err(|e| match e {
                diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::UniqueViolation,
                    _,
                ) => ApiError::conflict(
                    "staff_already_registered",
                    "this credential number is already registered with the body",
                ),
                other => other.into(),
            })?;
            let view = StaffView {
                id: row.id,
                role: body.role,
                name: row.name,
                credential_no: row.credential_no,
            };
            Ok(Created::new(StatusCode::CREATED, &view))
        }
        .scope_boxed()
    })
    .await
}
