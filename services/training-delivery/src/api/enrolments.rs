//! Real-name enrolment (实名制): the citizen ID is validated, sealed, and
//! answered masked; events carry only the pseudonymous person id.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::Utc;
use contracts::delivery::{TRAINEE_ENROLLED, TRAINEE_WITHDRAWN};
use db::ScopedFutureExt;
use diesel_async::AsyncConnection;
use ids::CitizenId;
use platform::auth::{Principal, Role, Scope};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use uuid::Uuid;

use super::classes::{may_see, not_found};
use super::{EnrolmentView, NewEnrolment, State};
use crate::domain::class::check_enrolment;
use crate::events;
use crate::store::{self, EnrolmentRow};

/// Enrol a trainee in an approved class.
#[utoipa::path(
    tag = "enrolments",
    request_body = NewEnrolment,
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe")),
    responses(
        (status = 201, body = EnrolmentView),
        (status = 409, description = "Not approved, full, closed, or the person is in a class at the same time", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/classes/{id}/enrolments")]
pub async fn enrol(
    state: State,
    who: Principal,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    Json(body): Json<NewEnrolment>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::InstitutionOperator, Role::Integrator])?
        .require_scope(Scope::DeliveryEnrolments)?;
    let mut v = Validator::new();
    let citizen: Option<CitizenId> = v.parse("citizen_id", &body.citizen_id);
    let name = body.name.trim().to_owned();
    v.text("name", &name, 1..=50);
    let phone_ok = body.phone.len() == 11
        && body.phone.starts_with('1')
        && body.phone.bytes().all(|b| b.is_ascii_digit());
    v.ensure(
        phone_ok,
        "phone",
        "phone_format",
        "an 11-digit mobile number",
    );
    let citizen = v.finish(citizen)?;
    let class_id = id.into_inner();
    let lookup = state.cipher.lookup_hash(citizen.expose());
    let phone_lookup = state.cipher.lookup_hash(&body.phone);
    let row = EnrolmentRow {
        id: Uuid::now_v7(),
        class_id,
        person_id: state.person_ids.person_id(&citizen).to_string(),
        citizen_lookup: lookup.clone(),
        citizen_sealed: state.cipher.seal(citizen.expose()),
        citizen_masked: citizen.masked(),
        name,
        phone_sealed: state.cipher.seal(&body.phone),
        target_group: body.target_group.as_str().to_owned(),
        voucher_ref: body.voucher_ref.clone(),
        enrolled_by: who.subject().to_owned(),
        enrolled_at: Utc::now(),
        outcome: None,
        attended_hours: None,
        withdrawn_at: None,
        withdrawal_reason: None,
    };
    // The key's stored request must not hold the citizen ID in clear.
    let fingerprint = serde_json::json!({ "class": class_id, "person": row.person_id, "group": row.target_group, "voucher": row.voucher_ref });
    let scope = format!("{}:enrol", who.subject());
    let grace = state.grace;
    let who = &who;
    let mut conn = state.pool.get().await?;
    idempotency::once(&mut conn, &key, scope, &fingerprint, |conn| {
        async move {
            let class = store::lock_class(conn, class_id)
                .await?
                .filter(|c| may_see(who, c))
                .ok_or_else(not_found)?;
            let enrolled = store::enrolled_count(conn, class_id).await?;
            let overlapping =
                store::in_overlapping_class(conn, &lookup, class.starts_at, class.ends_at).await?;
            if let Some((code, message)) = check_enrolment(
                &class.status,
                class.starts_at,
                Utc::now(),
                grace,
                enrolled,
                class.capacity,
                overlapping,
            ) {
                return Err(ApiError::conflict(code, message));
            }
            store::insert_enrolment(conn, &row).await?;
            messaging::enqueue(
                conn,
                &[events::enrolment(
                    &class,
                    &row,
                    TRAINEE_ENROLLED,
                    Some(events::PersonFacts {
                        citizen: &citizen,
                        phone_lookup: &phone_lookup,
                    }),
                )
                .map_err(ApiError::internal)?],
            )
            .await?;
            let location = format!("/v1/classes/{class_id}/enrolments/{}", row.id);
            Ok(Created::new(StatusCode::CREATED, &EnrolmentView::from(row)).at(location))
        }
        .scope_boxed()
    })
    .await
}

/// The roster of a class, personal data masked.
#[utoipa::path(
    tag = "enrolments",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<EnrolmentView>), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[get("/v1/classes/{id}/enrolments")]
pub async fn roster(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let class = store::class(&mut conn, *id)
        .await?
        .filter(|c| may_see(&who, c))
        .ok_or_else(not_found)?;
    let rows = store::roster(&mut conn, class.id).await?;
    Ok(HttpResponse::Ok().json(
        rows.into_iter()
            .map(EnrolmentView::from)
            .collect::<Vec<_>>(),
    ))
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Withdrawal {
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: String,
}

/// A trainee leaves the roster before the class closes.
#[utoipa::path(
    tag = "enrolments",
    request_body = Withdrawal,
    params(("id" = Uuid, Path), ("enrolment_id" = Uuid, Path)),
    responses((status = 200, body = EnrolmentView), (status = 409, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[post("/v1/classes/{id}/enrolments/{enrolment_id}/withdraw")]
pub async fn withdraw(
    state: State,
    who: Principal,
    path: web::Path<(Uuid, Uuid)>,
    Json(body): Json<Withdrawal>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::InstitutionOperator, Role::Integrator])?
        .require_scope(Scope::DeliveryEnrolments)?;
    let reason = body.reason.trim().to_owned();
    let mut v = Validator::new();
    v.text("reason", &reason, 1..=500);
    v.finish(())?;
    let (class_id, enrolment_id) = path.into_inner();
    let who = &who;
    let mut conn = state.pool.get().await?;
    let view = conn
        .transaction::<_, ApiError, _>(|conn| {
            async move {
                let class = store::lock_class(conn, class_id)
                    .await?
                    .filter(|c| may_see(who, c))
                    .ok_or_else(not_found)?;
                if class.status == "closed" {
                    return Err(ApiError::conflict(
                        "class_closed",
                        "a closed class keeps its roster",
                    ));
                }
                let row = store::roster(conn, class_id)
                    .await?
                    .into_iter()
                    .find(|e| e.id == enrolment_id)
                    .ok_or_else(|| {
                        ApiError::not_found(
                            "enrolment_not_found",
                            "no such enrolment in this class",
                        )
                    })?;
                if row.withdrawn_at.is_some() {
                    return Err(ApiError::conflict(
                        "already_withdrawn",
                        "the trainee already left the roster",
                    ));
                }
                store::withdraw(conn, enrolment_id, &reason).await?;
                messaging::enqueue(
                    conn,
                    &[events::enrolment(&class, &row, TRAINEE_WITHDRAWN, None)
                        .map_err(ApiError::internal)?],
                )
                .await?;
                let row = store::roster(conn, class_id)
                    .await?
                    .into_iter()
                    .find(|e| e.id == enrolment_id)
                    .ok_or_else(not_found)?;
                Ok(EnrolmentView::from(row))
            }
            .scope_boxed()
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
