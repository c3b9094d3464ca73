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

/// Register an apprentice's internship agreement
///
/// An enterprise registers the internship agreement (实习协议) of a
/// final-year student it takes on as a new-style apprentice (新型学徒制),
/// with its own account or its own system (an integrator with the scope
/// `employment:apprenticeships`); the enterprise in the body must be the
/// organisation the token acts for. The apprenticeship starts as
/// `internship`, and the answer already lists every reason that would stop
/// recognition (`internship_too_short`: under six whole months;
/// `not_final_year`: not started in the final year before graduation).
/// Refused: 403 `out_of_scope` (another enterprise's apprentice),
/// `forbidden_role`, `scope_missing`; 422 with field errors
/// (`citizen_id_check_digit`, `internship_ends_before_start`, a malformed
/// credit or occupation code). With an `Idempotency-Key`, a retry answers
/// the first result again.
#[utoipa::path(
    tag = "apprenticeships",
    operation_id = "registerApprenticeship",
    request_body = NewApprenticeship,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer the first result again")),
    responses(
        (status = 201, description = "The apprenticeship as registered, with what would stop its recognition", body = ApprenticeshipView,
            headers(("Location" = String, description = "Where the apprenticeship is read"))),
        (status = 403, description = "Refused: out_of_scope (the enterprise is not the caller's organisation), forbidden_role, scope_missing", body = Problem, content_type = "application/problem+json"),
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

/// Record the labour contract and decide the apprenticeship
///
/// The enterprise of the internship (its own account, or its own system with
/// the scope `employment:apprenticeships`) adds the labour contract (劳动合同)
/// signed after graduation, and the service decides at once: `recognised`
/// when the contract is with the same enterprise, starts after graduation
/// and after the internship, and runs at least twelve months (or is
/// open-ended) — the enterprise is subsidised from the start of employment,
/// the internship months count as training time, and
/// `qiancheng.employment.apprenticeship.recognised.v1` is published;
/// otherwise `not_recognised` with every reason (`different_enterprise`,
/// `contract_before_graduation`, `contract_during_internship`,
/// `contract_too_short`, and the internship's own). Refused: 403
/// `out_of_scope` (not the enterprise of the internship); 404
/// `apprenticeship_not_found`; 409 `already_decided`; 422
/// `contract_ends_before_start` or a malformed credit code.
#[utoipa::path(
    tag = "apprenticeships",
    operation_id = "recordApprenticeshipContract",
    request_body = NewContract,
    params(("id" = Uuid, Path, description = "The apprenticeship's id")),
    responses(
        (status = 200, description = "The apprenticeship as decided: recognised, or not recognised with every reason", body = ApprenticeshipView),
        (status = 403, description = "Refused: out_of_scope (not the enterprise of the internship), forbidden_role, scope_missing", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Refused: apprenticeship_not_found (none, or not one the caller may see)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: already_decided (the contract was recorded and the apprenticeship decided before)", body = Problem, content_type = "application/problem+json"),
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

/// Read one apprenticeship
///
/// The apprenticeship, its status and every reason it is not (or would not
/// be) recognised. Officers and auditors of the city see any; an
/// enterprise its own; an integrator those it registered or those of the
/// enterprise it acts for. One the caller may not see answers 404
/// `apprenticeship_not_found`, as one that does not exist.
#[utoipa::path(
    tag = "apprenticeships",
    operation_id = "getApprenticeship",
    params(("id" = Uuid, Path, description = "The apprenticeship's id")),
    responses(
        (status = 200, description = "The apprenticeship", body = ApprenticeshipView),
        (status = 404, description = "Refused: apprenticeship_not_found (none, or not one the caller may see)", body = Problem, content_type = "application/problem+json"),
    ),
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
    /// Only apprenticeships in this status.
    #[param(inline)]
    pub status: Option<ApprenticeshipStatus>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// List apprenticeships, newest first
///
/// Officers and auditors of the city see every apprenticeship; an
/// enterprise its own; an integrator those it registered. Filters by
/// status (`internship` lists those awaiting their labour contract).
/// Cursor-paginated: pass `next_cursor` back as `cursor`. Refused: 403
/// `forbidden_role`, `out_of_scope` (an officer or auditor of another
/// city); 422 `limit_range`, `cursor_invalid`, `invalid_query_parameter`
/// (e.g. an unknown `status`).
#[utoipa::path(
    tag = "apprenticeships",
    operation_id = "listApprenticeships",
    params(ApprenticeshipQuery),
    responses(
        (status = 200, description = "A page of apprenticeships", body = Page<ApprenticeshipView>),
        (status = 422, response = platform::problem::Unprocessable),
    ),
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
