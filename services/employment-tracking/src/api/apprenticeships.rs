//! New-style apprenticeships (新型学徒制): the enterprise registers the
//! internship agreement, then the labour contract after graduation; the
//! service decides recognition and says every reason when it refuses.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::Utc;
use db::ScopedFutureExt;
use diesel_async::AsyncConnection;
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

use super::{scope, ApprenticeshipView, NewApprenticeship, NewContract, ReasonView, Scope, State};
use crate::domain::apprenticeship::{
    decide, internship_issues, Decision, Internship, LabourContract, Reason,
};
use crate::events;
use crate::store::{self, ApprenticeshipFilter, ApprenticeshipRow};

fn not_found() -> ApiError {
    ApiError::not_found("apprenticeship_not_found", "no such apprenticeship")
}

fn may_see(scope: &Scope, a: &ApprenticeshipRow) -> bool {
    match scope {
        Scope::City => true,
        Scope::Employer(org) => a.enterprise_credit_code == *org,
        Scope::Integrator { subject, org } => {
            a.registered_by == *subject || org.as_deref() == Some(a.enterprise_credit_code.as_str())
        }
        Scope::Institutions(_) => false,
    }
}

fn reasons(found: Vec<Reason>) -> serde_json::Value {
    serde_json::to_value(
        found
            .into_iter()
            .map(|r| ReasonView {
                code: r.code.to_owned(),
                message: r.message,
            })
            .collect::<Vec<_>>(),
    )
    .expect("reasons serialise")
}

fn internship(a: &ApprenticeshipRow) -> Internship {
    Internship {
        enterprise: a.enterprise_credit_code.clone(),
        graduation_on: a.graduation_on,
        starts_on: a.internship_starts_on,
        ends_on: a.internship_ends_on,
    }
}

/// The enterprise is the party: its own account, or its own system (an
/// integrator acting for that enterprise with the apprenticeship scope).
fn require_party(who: &Principal, enterprise: &str) -> Result<(), ApiError> {
    who.require(&[Role::Enterprise, Role::Integrator])?
        .require_scope(platform::auth::Scope::EmploymentApprenticeships)?;
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
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
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
    let mut row = ApprenticeshipRow {
        id: Uuid::now_v7(),
        person_id: state.person_ids.person_id(&citizen).to_string(),
        citizen_masked: citizen.masked(),
        enterprise_credit_code: enterprise.to_string(),
        occupation_code: body.occupation_code.as_deref().map(|c| c.trim().to_owned()),
        school,
        graduation_on: body.graduation_on,
        internship_starts_on: body.internship_starts_on,
        internship_ends_on: body.internship_ends_on,
        status: "internship".into(),
        reasons: serde_json::Value::Array(Vec::new()),
        contract_employer: None,
        employment_starts_on: None,
        contract_ends_on: None,
        contract_months: None,
        recognised_from: None,
        training_months: None,
        registered_by: who.subject().to_owned(),
        registered_at: Utc::now(),
        decided_at: None,
    };
    row.reasons = reasons(internship_issues(&internship(&row)));
    // The key's stored request must not hold the citizen ID in clear.
    let fingerprint = serde_json::json!({ "person": row.person_id, "enterprise": row.enterprise_credit_code,
        "occupation": row.occupation_code, "school": row.school, "graduation_on": row.graduation_on,
        "starts_on": row.internship_starts_on, "ends_on": row.internship_ends_on });
    let scope = format!("{}:register-apprenticeship", who.subject());
    let mut conn = state.pool.get().await?;
    idempotency::once(&mut conn, &key, scope, &fingerprint, |conn| {
        async move {
            store::insert_apprenticeship(conn, &row).await?;
            let location = format!("/v1/apprenticeships/{}", row.id);
            Ok(Created::new(StatusCode::CREATED, &ApprenticeshipView::from(row)).at(location))
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
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
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
    let id = id.into_inner();
    let city = state.city;
    let who = &who;
    let mut conn = state.pool.get().await?;
    let scope = scope(&mut conn, &state, who).await?;
    let scope = &scope;
    let view = conn
        .transaction::<_, ApiError, _>(|conn| {
            async move {
                let mut row = store::lock_apprenticeship(conn, id)
                    .await?
                    .filter(|a| may_see(scope, a))
                    .ok_or_else(not_found)?;
                require_party(who, &row.enterprise_credit_code)?;
                if row.status != "internship" {
                    return Err(ApiError::conflict(
                        "already_decided",
                        format!("the apprenticeship is already {}", row.status),
                    ));
                }
                let contract = LabourContract {
                    employer: employer.to_string(),
                    starts_on: body.starts_on,
                    ends_on: body.ends_on,
                };
                row.contract_employer = Some(contract.employer.clone());
                row.employment_starts_on = Some(body.starts_on);
                row.contract_ends_on = body.ends_on;
                row.decided_at = Some(Utc::now());
                let mut out = Vec::new();
                match decide(&internship(&row), &contract) {
                    Decision::Recognised {
                        recognised_from,
                        training_months,
                        contract_months,
                    } => {
                        row.status = "recognised".into();
                        row.reasons = reasons(Vec::new());
                        row.recognised_from = Some(recognised_from);
                        row.training_months = Some(training_months);
                        row.contract_months = contract_months;
                        out.push(events::apprenticeship(city, &row).map_err(ApiError::internal)?);
                    }
                    Decision::NotRecognised(why) => {
                        row.status = "not_recognised".into();
                        row.reasons = reasons(why);
                        row.contract_months = body
                            .ends_on
                            .map(|end| crate::domain::window::whole_months(body.starts_on, end));
                    }
                }
                store::update_apprenticeship(conn, &row).await?;
                messaging::enqueue(conn, &out).await?;
                Ok(ApprenticeshipView::from(row))
            }
            .scope_boxed()
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// One apprenticeship.
#[utoipa::path(
    tag = "apprenticeships",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ApprenticeshipView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[get("/v1/apprenticeships/{id}")]
pub async fn get(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let scope = scope(&mut conn, &state, &who).await?;
    let row = store::apprenticeship(&mut conn, *id)
        .await?
        .filter(|a| may_see(&scope, a))
        .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok().json(ApprenticeshipView::from(row)))
}

/// internship, recognised, not_recognised
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApprenticeshipStatus {
    Internship,
    Recognised,
    NotRecognised,
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
    responses((status = 200, body = Page<ApprenticeshipView>), (status = 422, body = Problem, content_type = "application/problem+json")),
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
    let mut conn = state.pool.get().await?;
    let mut filter = ApprenticeshipFilter {
        status: query.status.map(|s| {
            match s {
                ApprenticeshipStatus::Internship => "internship",
                ApprenticeshipStatus::Recognised => "recognised",
                ApprenticeshipStatus::NotRecognised => "not_recognised",
            }
            .to_owned()
        }),
        ..ApprenticeshipFilter::default()
    };
    match scope(&mut conn, &state, &who).await? {
        Scope::Employer(org) => filter.enterprise = Some(org),
        Scope::Integrator { subject, .. } => filter.registered_by = Some(subject),
        Scope::City | Scope::Institutions(_) => {}
    }
    let rows = store::list_apprenticeships(&mut conn, &filter, after, limit + 1).await?;
    let page = pagination::page(rows, limit, |r| r.id);
    Ok(HttpResponse::Ok().json(Page {
        items: page
            .items
            .into_iter()
            .map(ApprenticeshipView::from)
            .collect(),
        next_cursor: page.next_cursor,
    }))
}
