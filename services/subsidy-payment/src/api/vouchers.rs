//! Training vouchers (职业培训券): issued by officers to eligible people;
//! redeemed when delivery reports an enrolment that uses one.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::NaiveDate;
use db::ScopedFutureExt;
use ids::OccupationCode;
use platform::auth::{person_named, Principal, Role, PERSON_HEADER};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::pagination::{self, Page};
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use uuid::Uuid;

use super::{NewVoucher, PageQuery, State, VoucherView};
use crate::app::vouchers::{self, Issue};
use crate::domain::subsidy::TargetGroup;

/// Issue a training voucher to an eligible person
///
/// A bureau officer of the city issues a training voucher (职业培训券) to a
/// person of a key
/// group (重点群体, `target_group`): general, or targeted (定向券) to one
/// occupation. Valid at most three months (the default); one unused
/// voucher of a scope per person. It is redeemed when training delivery
/// reports an enrolment that uses it. Refusals (422): `voucher_not_eligible`,
/// `voucher_validity_too_long`, `voucher_already_held`, and bad fields
/// (`target_group`, `occupation_code`, `person_id_required`). With an
/// `Idempotency-Key`, a retry answers as the first time.
#[utoipa::path(
    tag = "vouchers",
    operation_id = "issueVoucher",
    request_body = NewVoucher,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer as the first time; another body is refused (422), a concurrent one too (409)")),
    responses(
        (status = 201, description = "The voucher, issued", body = VoucherView),
        (status = 409, response = platform::problem::IdempotencyInFlight),
        (status = 422, description = "Refused: voucher_not_eligible, voucher_validity_too_long, voucher_already_held, validation_failed, idempotency_key_reused", body = Problem, content_type = "application/problem+json"),
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

/// List a person's training vouchers
///
/// A trainee sees their own (their token, or the portal acting for them);
/// bureau officers and auditors of the city name the person in the
/// `X-Person-Id` header (never in the URL). Each voucher with its scope,
/// validity and state (`issued`, `redeemed`, `cancelled`). Oldest first by
/// issue, cursor-paginated: pass the previous page's `next_cursor` as
/// `cursor`; `limit` is 1 to 500 (default 50). Refusals (422): `required`
/// on `X-Person-Id` (an officer or auditor naming nobody),
/// `cursor_invalid`, `limit_range`.
#[utoipa::path(
    tag = "vouchers",
    operation_id = "listVouchers",
    params(
        PageQuery,
        ("X-Person-Id" = Option<String>, Header, description = "The person (pseudonymous person id), for officers and auditors"),
    ),
    responses(
        (status = 200, description = "A page of the person's vouchers, oldest first", body = Page<VoucherView>),
        (status = 422, description = "Refused: validation_failed (X-Person-Id required for an officer or auditor), cursor_invalid, limit_range", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/vouchers")]
pub async fn list(
    state: State,
    who: Principal,
    req: actix_web::HttpRequest,
    query: web::Query<PageQuery>,
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
    let limit = pagination::limit(query.limit)?;
    let after: Option<(NaiveDate, Uuid)> = pagination::decode_cursor(query.cursor.as_deref())?;
    let mut conn = state.pool.get().await?;
    let rows = vouchers::of_person(&mut conn, &person, after, limit + 1).await?;
    let page =
        pagination::page(rows, limit, |r| (r.issued_on, r.id)).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(Page {
        items: page
            .items
            .into_iter()
            .map(VoucherView::from)
            .collect::<Vec<_>>(),
        next_cursor: page.next_cursor,
    }))
}
