//! Real-name enrolment (实名制): the citizen ID is validated, sealed, and
//! answered masked; events carry only the pseudonymous person id.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use db::ScopedFutureExt;
use ids::CitizenId;
use platform::auth::{Principal, Role, Scope};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::pagination::{self, Page};
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use serde::Deserialize;
use uuid::Uuid;

use super::{paging, EnrolmentView, NewEnrolment, State, IDEMPOTENCY_KEY};
use crate::app::enrolments::{self, Keys, Trainee};

/// Enrol a trainee by real name in an approved class
///
/// Real-name enrolment (实名制): an institution's operators, or its systems with the scope
/// `delivery:enrolments`, enrol a person in their own institution's class (another's answers
/// 404 `class_not_found`). The citizen ID is checked (`citizen_id_length`,
/// `citizen_id_format`, `citizen_id_birth_date`, `citizen_id_check_digit`), the name is 1 to
/// 50 characters (`text_length`), the phone an 11-digit mobile number (`phone_format`), the
/// target group (重点群体) one of the closed list; every bad field is answered at once (422
/// `validation_failed`). The citizen ID and the phone are stored encrypted; answers show the
/// ID masked (`350102********123X`) and events carry only the pseudonymous `person_id`.
///
/// Refused with 409: the class not approved, or closed (`class_not_approved`), started longer
/// ago than the enrolment grace (72 hours unless the city set otherwise, `enrolment_closed`),
/// full (`class_full`), or the person on the roster of another class at the same time
/// (`already_enrolled`). `delivery.enrolments.v1` hears `enrolment.enrolled`, with the age and
/// sex read from the ID and a keyed hash of the phone for the fraud rules. With an
/// `Idempotency-Key`, a retry answers what the first request was answered; the key's record
/// holds the pseudonym, never the ID.
#[utoipa::path(
    operation_id = "enrolTrainee",
    tag = "enrolments",
    request_body = NewEnrolment,
    params(("id" = Uuid, Path, description = "The class"), ("Idempotency-Key" = Option<String>, Header, description = IDEMPOTENCY_KEY)),
    responses(
        (status = 201, description = "The enrolment, personal data masked", body = EnrolmentView,
            headers(("Location" = String, description = "The enrolment's path, `/v1/classes/{id}/enrolments/{enrolment_id}`, under which it is withdrawn"))),
        (status = 404, description = "No such class, or not the caller's (`class_not_found`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: `class_not_approved`, `enrolment_closed`, `class_full`, `already_enrolled`; or a request with this Idempotency-Key is still running (`idempotency_in_flight`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each with its code (`validation_failed`: `citizen_id_check_digit`, `phone_format`, `text_length`, …), or the Idempotency-Key was sent before with another body (`idempotency_key_reused`)", body = Problem, content_type = "application/problem+json"),
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

/// A page of a roster as asked for.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RosterQuery {
    /// The previous page's `next_cursor`, for the page after it.
    pub cursor: Option<String>,
    /// Enrolments per page, 1 to 500; 50 unless given.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// List a class's roster, personal data masked, a page at a time
///
/// Every enrolment of the class, oldest first, withdrawn ones included (with the time and
/// reason they left) and, once the class closed, each trainee's outcome; at most `limit`
/// (default 50, at most 500) a page: pass the answer's `next_cursor` as `cursor` for the
/// next page, which the last page lacks (`limit_range`, `cursor_invalid`: 422). Bureau
/// officers and auditors of the city read any class's roster; an institution's operators and
/// systems (no scope needed) only their own institution's. Another institution's class
/// answers 404 `class_not_found`, as an unknown id does. Citizen IDs are masked; phones are
/// never shown.
#[utoipa::path(
    operation_id = "listEnrolments",
    tag = "enrolments",
    params(("id" = Uuid, Path, description = "The class"), RosterQuery),
    responses(
        (status = 200, description = "A page of the roster, oldest enrolment first", body = Page<EnrolmentView>),
        (status = 404, description = "No such class, or not the caller's to see (`class_not_found`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad page parameter (`validation_failed`: `limit_range`, `cursor_invalid`, or `unknown_parameter`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/classes/{id}/enrolments")]
pub async fn roster(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
    query: web::Query<RosterQuery>,
) -> Result<HttpResponse, ApiError> {
    let mut v = Validator::new();
    let (limit, after) = paging(&mut v, query.limit, query.cursor.as_deref());
    v.finish(())?;
    let mut conn = state.pool.get().await?;
    let rows = enrolments::roster(&mut conn, &who, *id, after, limit + 1).await?;
    let page =
        pagination::page(rows, limit, |e| (e.enrolled_at, e.id)).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(Page {
        items: page
            .items
            .into_iter()
            .map(EnrolmentView::from)
            .collect::<Vec<_>>(),
        next_cursor: page.next_cursor,
    }))
}

/// Why a trainee leaves the roster.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(super::examples::withdrawal))]
pub struct Withdrawal {
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: String,
}

/// Withdraw a trainee from a class's roster
///
/// An institution's operators, or its systems with the scope `delivery:enrolments`, take a
/// trainee off the roster of their own institution's class before it closes, with the reason
/// (1 to 500 characters, `text_length`). The place is freed, and the person may enrol in
/// another class at the same time. `delivery.enrolments.v1` hears `enrolment.withdrawn`.
/// Refused: no such class, or not the caller's (404 `class_not_found`); no such enrolment in
/// the class (404 `enrolment_not_found`); the class closed (409 `class_closed`); withdrawn
/// already (409 `already_withdrawn`).
#[utoipa::path(
    operation_id = "withdrawEnrolment",
    tag = "enrolments",
    request_body = Withdrawal,
    params(("id" = Uuid, Path, description = "The class"), ("enrolment_id" = Uuid, Path, description = "The enrolment in that class")),
    responses(
        (status = 200, description = "The enrolment, with when and why the trainee left", body = EnrolmentView),
        (status = 404, description = "No such class or enrolment for the caller (`class_not_found`, `enrolment_not_found`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: the class closed (`class_closed`), or the trainee left already (`already_withdrawn`)", body = Problem, content_type = "application/problem+json"),
    ),
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
