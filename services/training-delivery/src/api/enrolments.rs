//! Real-name enrolment (实名制): the citizen ID is validated, sealed, and
//! answered masked; events carry only the pseudonymous person id.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use db::ScopedFutureExt;
use ids::CitizenId;
use platform::auth::{Principal, Role, Scope};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use uuid::Uuid;

use super::{EnrolmentView, NewEnrolment, State};
use crate::app::enrolments::{self, Keys, Trainee};

/// Enrol a trainee in an approved class.
#[utoipa::path(
    tag = "enrolments",
    request_body = NewEnrolment,
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe")),
    responses(
        (status = 201, body = EnrolmentView),
        (status = 409, description = "Not approved, full, closed, or the person is in a class at the same time", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = platform::problem::Unprocessable),
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
    // The key's stored request must not hold the citizen ID in clear.
    let person = state.person_ids.person_id(&citizen).to_string();
    let fingerprint = serde_json::json!({ "class": class_id, "person": person, "group": body.target_group.as_str(), "voucher": body.voucher_ref });
    let trainee = Trainee {
        citizen,
        name,
        phone: body.phone.clone(),
        target_group: body.target_group,
        voucher_ref: body.voucher_ref.clone(),
    };
    let keys = Keys {
        cipher: &state.cipher,
        person_ids: &state.person_ids,
    };
    let scope = format!("{}:enrol", who.subject());
    let (grace, who) = (state.grace, &who);
    let mut conn = state.pool.get().await?;
    idempotency::once(&mut conn, &key, scope, &fingerprint, |conn| {
        async move {
            let row = enrolments::enrol(conn, who, keys, grace, class_id, trainee).await?;
            let location = format!("/v1/classes/{class_id}/enrolments/{}", row.id);
            Ok(Created::new(StatusCode::CREATED, &EnrolmentView::from(row))?.at(location))
        }
        .scope_boxed()
    })
    .await
}

/// The roster of a class, personal data masked.
#[utoipa::path(
    tag = "enrolments",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<EnrolmentView>), (status = 404, response = platform::problem::NotFound)),
    security(("bearer" = []))
)]
#[get("/v1/classes/{id}/enrolments")]
pub async fn roster(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let rows = enrolments::roster(&mut conn, &who, *id).await?;
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
    responses((status = 200, body = EnrolmentView), (status = 409, response = platform::problem::Conflict)),
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
    let mut conn = state.pool.get().await?;
    let row = enrolments::withdraw(&mut conn, &who, class_id, enrolment_id, reason).await?;
    Ok(HttpResponse::Ok().json(EnrolmentView::from(row)))
}
