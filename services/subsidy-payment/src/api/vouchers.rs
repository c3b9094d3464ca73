//! Training vouchers (职业培训券): issued by officers to eligible people;
//! redeemed when delivery reports an enrolment that uses one.

use actix_web::http::StatusCode;
use actix_web::{get, post, HttpResponse};
use db::ScopedFutureExt;
use ids::OccupationCode;
use platform::auth::{person_named, Principal, Role, PERSON_HEADER};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;

use super::{NewVoucher, State, VoucherView};
use crate::app::vouchers::{self, Issue};
use crate::domain::subsidy::TargetGroup;

/// Issue a voucher: at most three months, one unused voucher of a scope
/// per person.
#[utoipa::path(
    tag = "vouchers",
    request_body = NewVoucher,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer as the first time; another body is refused (422), a concurrent one too (409)")),
    responses(
        (status = 201, body = VoucherView),
        (status = 422, description = "Not eligible, too long, or already held", body = Problem, content_type = "application/problem+json"),
        (status = 409, response = platform::problem::IdempotencyInFlight),
    ),
    security(("bearer" = []))
)]
#[post("/v1/vouchers")]
pub async fn issue(
    state: State,
    who: Principal,
    key: IdempotencyKey,
    Json(body): Json<NewVoucher>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::BureauOfficer])?
        .require_city(state.city)?;
    let mut v = Validator::new();
    let group: Option<TargetGroup> = v.parse("target_group", &body.target_group);
    let occupation: Option<Option<OccupationCode>> = match &body.occupation_code {
        Some(o) => v.parse("occupation_code", o).map(Some),
        None => Some(None),
    };
    v.ensure(
        !body.person_id.trim().is_empty(),
        "person_id",
        "person_id_required",
        "the person's pseudonymous id",
    );
    v.finish(())?;
    let (Some(group), Some(occupation)) = (group, occupation) else {
        return Err(ApiError::internal("validated fields missing"));
    };
    let by = who.subject().to_owned();
    let mut conn = state.pool.get().await?;
    let request = body.clone();
    let scope = format!("{by}:issue-voucher");
    idempotency::once(&mut conn, &key, scope, &request, |conn| {
        async move {
            let issue = Issue {
                person_id: &body.person_id,
                group,
                occupation,
                valid_until: body.valid_until,
                by: &by,
            };
            let row = vouchers::issue(conn, issue).await?;
            Created::new(StatusCode::CREATED, &VoucherView::from(row))
        }
        .scope_boxed()
    })
    .await
}

/// A person's vouchers: the trainee's own (or the portal's acting for
/// them), or, for officers and auditors, the person named in `X-Person-Id`
/// (never in the URL).
#[utoipa::path(
    tag = "vouchers",
    params(("X-Person-Id" = Option<String>, Header, description = "The person, for officers and auditors")),
    responses(
        (status = 200, body = Vec<VoucherView>),
        (status = 403, response = platform::problem::Forbidden),
        (status = 422, response = platform::problem::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[get("/v1/vouchers")]
pub async fn list(
    state: State,
    who: Principal,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::BureauOfficer, Role::Auditor, Role::Trainee])?;
    let person = match who.person_id() {
        Some(own) => own.to_owned(),
        None => {
            who.require_city(state.city)?;
            person_named(&req).ok_or_else(|| {
                ApiError::validation(vec![platform::FieldError {
                    field: PERSON_HEADER.into(),
                    code: "required".into(),
                    message: "name the person in the X-Person-Id header".into(),
                }])
            })?
        }
    };
    let mut conn = state.pool.get().await?;
    let rows = vouchers::of_person(&mut conn, &person).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(VoucherView::from).collect::<Vec<_>>()))
}
