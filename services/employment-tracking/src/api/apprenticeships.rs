//! New-style apprenticeships (新型学徒制): the enterprise registers the
//! internship agreement, then the labour contract after graduation; the
//! service decides recognition and says every reason when it refuses.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use db::ScopedFutureExt;
use ids::{CitizenId, CreditCode, OccupationCode};
use platform::auth::{Principal, Role};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::pagination::{self, Page};
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use serde::Deserialize;
use uuid::Uuid;

use super::{viewer, ApprenticeshipView, NewApprenticeship, NewContract, State};
use crate::app::apprenticeships::{self, NewInternship};
use crate::domain::apprenticeship::{ApprenticeshipStatus, LabourContract};
use crate::store::apprenticeships::ApprenticeshipFilter;

/// An enterprise's own account, or its own system (an integrator with the
/// apprenticeship scope).
fn require_enterprise(who: &Principal) -> Result<(), ApiError> {
    who.require(&[Role::Enterprise, Role::Integrator])?
        .require_scope(platform::auth::Scope::EmploymentApprenticeships)?;
    Ok(())
}

/// The enterprise is the party: its own account, or its own system (an
/// integrator acting for that enterprise with the apprenticeship scope).
fn require_party(who: &Principal, enterprise: &str) -> Result<(), ApiError> {
    require_enterprise(who)?;
    if who.org() != Some(enterprise) {
        return Err(ApiError::forbidden(
            "out_of_scope",
            "an enterprise registers its own apprentices only",
        ));
    }
    Ok(())
}

/// Register an internship agreement (实习协议). The answer already lists
/// what would stop recognition (e.g. an internship under six months).
#[utoipa::path(
    tag = "apprenticeships",
    request_body = NewApprenticeship,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe")),
    responses(
        (status = 201, body = ApprenticeshipView),
        (status = 403, response = platform::problem::Forbidden),
        (status = 422, response = platform::problem::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/v1/apprenticeships")]
pub async fn register(
    state: State,
    who: Principal,
    key: IdempotencyKey,
    Json(body): Json<NewApprenticeship>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Enterprise, Role::Integrator])?;
    let mut v = Validator::new();
    let citizen: Option<CitizenId> = v.parse("citizen_id", &body.citizen_id);
    let enterprise: Option<CreditCode> =
        v.parse("enterprise_credit_code", &body.enterprise_credit_code);
    if let Some(code) = &body.occupation_code {
        let _: Option<OccupationCode> = v.parse("occupation_code", code);
    }
    let school = body.school.trim().to_owned();
    v.text("school", &school, 1..=100);
    v.ensure(
        body.internship_ends_on >= body.internship_starts_on,
        "internship_ends_on",
        "internship_ends_before_start",
        "the internship cannot end before it starts",
    );
    let (citizen, enterprise) = v.finish((citizen, enterprise))?;
    require_party(&who, enterprise.as_str())?;
    let internship = NewInternship {
        person_id: state.person_ids.person_id(&citizen).to_string(),
        citizen,
        enterprise,
        occupation_code: body.occupation_code.as_deref().map(|c| c.trim().to_owned()),
        school,
        graduation_on: body.graduation_on,
        starts_on: body.internship_starts_on,
        ends_on: body.internship_ends_on,
        registered_by: who.subject().to_owned(),
    };
    // The key's stored request must not hold the citizen ID in clear.
    let fingerprint = serde_json::json!({ "person": internship.person_id, "enterprise": internship.enterprise.to_string(),
        "occupation": internship.occupation_code, "school": internship.school, "graduation_on": internship.graduation_on,
        "starts_on": internship.starts_on, "ends_on": internship.ends_on });
    let scope = format!("{}:register-apprenticeship", who.subject());
    let mut conn = state.pool.get().await?;
    idempotency::once(&mut conn, &key, scope, &fingerprint, |conn| {
        async move {
            let row = apprenticeships::register(conn, internship).await?;
            let location = format!("/v1/apprenticeships/{}", row.id);
            Ok(Created::new(StatusCode::CREATED, &ApprenticeshipView::from(row))?.at(location))
        }
        .scope_boxed()
    })
    .await
}

/// Add the labour contract (劳动合同) signed after graduation and decide:
/// recognised (APPRENTICESHIP_RECOGNISED is published) or not recognised,
/// with every reason.
#[utoipa::path(
    tag = "apprenticeships",
    request_body = NewContract,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = ApprenticeshipView),
        (status = 404, response = platform::problem::NotFound),
        (status = 409, description = "Already decided", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = platform::problem::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/v1/apprenticeships/{id}/contract")]
pub async fn contract(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
    Json(body): Json<NewContract>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Enterprise, Role::Integrator])?;
    let mut v = Validator::new();
    let employer: Option<CreditCode> = v.parse("employer_credit_code", &body.employer_credit_code);
    v.ensure(
        body.ends_on.is_none_or(|end| end >= body.starts_on),
        "ends_on",
        "contract_ends_before_start",
        "the contract cannot end before it starts",
    );
    let employer = v.finish(employer)?;
    // Whose apprenticeship it is shows once it is read (as the use case's
    // `party`); any other account or system is refused here.
    require_enterprise(&who)?;
    let viewer = viewer(&state, &who)?;
    let contract = LabourContract {
        employer: employer.to_string(),
        starts_on: body.starts_on,
        ends_on: body.ends_on,
    };
    let mut conn = state.pool.get().await?;
    let row = apprenticeships::contract(
        &mut conn,
        state.city,
        &viewer,
        who.org().map(str::to_owned),
        id.into_inner(),
        contract,
    )
    .await?;
    Ok(HttpResponse::Ok().json(ApprenticeshipView::from(row)))
}

/// One apprenticeship.
#[utoipa::path(
    tag = "apprenticeships",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ApprenticeshipView), (status = 404, response = platform::problem::NotFound)),
    security(("bearer" = []))
)]
#[get("/v1/apprenticeships/{id}")]
pub async fn get(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let viewer = viewer(&state, &who)?;
    let mut conn = state.pool.get().await?;
    let row = apprenticeships::get(&mut conn, &viewer, *id).await?;
    Ok(HttpResponse::Ok().json(ApprenticeshipView::from(row)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ApprenticeshipQuery {
    #[param(inline)]
    pub status: Option<ApprenticeshipStatus>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// Apprenticeships, newest first: officers and auditors see all, an
/// enterprise its own.
#[utoipa::path(
    tag = "apprenticeships",
    params(ApprenticeshipQuery),
    responses((status = 200, body = Page<ApprenticeshipView>), (status = 422, response = platform::problem::Unprocessable)),
    security(("bearer" = []))
)]
#[get("/v1/apprenticeships")]
pub async fn list(
    state: State,
    who: Principal,
    query: web::Query<ApprenticeshipQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[
        Role::BureauOfficer,
        Role::Auditor,
        Role::Enterprise,
        Role::Integrator,
    ])?;
    let limit = pagination::limit(query.limit)?;
    let after: Option<Uuid> = pagination::decode_cursor(query.cursor.as_deref())?;
    let viewer = viewer(&state, &who)?;
    let mut conn = state.pool.get().await?;
    let filter = ApprenticeshipFilter {
        status: query.status.map(|s| s.as_str().to_owned()),
        ..ApprenticeshipFilter::default()
    };
    let page = apprenticeships::list(&mut conn, &viewer, filter, after, limit).await?;
    Ok(HttpResponse::Ok().json(Page {
        items: page
            .items
            .into_iter()
            .map(ApprenticeshipView::from)
            .collect(),
        next_cursor: page.next_cursor,
    }))
}
