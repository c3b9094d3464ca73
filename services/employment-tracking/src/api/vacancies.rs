//! Employment services (就业服务): vacancies enterprises and integrators
//! post, and recommendations of them to completers not yet employed.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::Utc;
use db::ScopedFutureExt;
use ids::{CityCode, CreditCode, OccupationCode};
use platform::auth::{Principal, Role};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::pagination::{self, Page};
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use serde::Deserialize;
use uuid::Uuid;

use super::{viewer, NewVacancy, RecommendationView, State, VacancyView};
use crate::app::vacancies::{self, Posting};
use crate::store::recommendations::RecommendationFilter;
use crate::store::vacancies::VacancyFilter;

/// Post a vacancy of an enterprise
///
/// An enterprise posts its own vacancies (岗位信息), or its own system does
/// as an integrator with the scope `employment:vacancies`; the employer in
/// the body must be the organisation the token acts for. Open vacancies
/// are what recommendations to completers are chosen from. Refused: 403
/// `out_of_scope` (another employer's vacancy), `forbidden_role`,
/// `scope_missing`; 422 with field errors (`headcount_range`,
/// `salary_range`, `amount_negative`, `open_until_past`, a malformed
/// occupation or city code). With an `Idempotency-Key`, a retry answers the
/// first result again.
#[utoipa::path(
    tag = "employment-services",
    operation_id = "postVacancy",
    request_body = NewVacancy,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer the first result again")),
    responses(
        (status = 201, description = "The vacancy as posted", body = VacancyView,
            headers(("Location" = String, description = "The vacancy's address (it is read through GET /v1/vacancies; no single-vacancy read exists)"))),
        (status = 403, description = "Refused: out_of_scope (the employer is not the caller's organisation), forbidden_role, scope_missing", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = platform::problem::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[post("/v1/vacancies")]
pub async fn post(
    state: State,
    who: Principal,
    key: IdempotencyKey,
    Json(body): Json<NewVacancy>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Enterprise, Role::Integrator])?
        .require_scope(platform::auth::Scope::EmploymentVacancies)?;
    let mut v = Validator::new();
    let employer: Option<CreditCode> = v.parse("employer_credit_code", &body.employer_credit_code);
    let occupation: Option<OccupationCode> = v.parse("occupation_code", &body.occupation_code);
    let city: Option<CityCode> = v.parse("work_city", &body.work_city);
    let title = body.title.trim().to_owned();
    v.text("title", &title, 1..=100);
    v.ensure(
        (1..=10_000).contains(&body.headcount),
        "headcount",
        "headcount_range",
        "1 to 10000",
    );
    for (field, fen) in [
        ("salary_min_fen", body.salary_min_fen),
        ("salary_max_fen", body.salary_max_fen),
    ] {
        v.ensure(
            fen.is_none_or(|f| f >= 0),
            field,
            "amount_negative",
            "an amount in fen is not negative",
        );
    }
    v.ensure(
        match (body.salary_min_fen, body.salary_max_fen) {
            (Some(min), Some(max)) => min <= max,
            _ => true,
        },
        "salary_max_fen",
        "salary_range",
        "the maximum is not below the minimum",
    );
    v.ensure(
        body.open_until >= ids::business_date(Utc::now()),
        "open_until",
        "open_until_past",
        "a vacancy is posted while it is open",
    );
    let (employer, occupation, city) = v.finish((employer, occupation, city))?;
    if who.org() != Some(employer.as_str()) {
        return Err(ApiError::forbidden(
            "out_of_scope",
            "an enterprise posts its own vacancies only",
        ));
    }
    let vacancy = Posting {
        employer,
        title,
        occupation,
        min_skill_level: body.min_skill_level,
        work_city: city,
        headcount: body.headcount,
        salary_min_fen: body.salary_min_fen,
        salary_max_fen: body.salary_max_fen,
        open_until: body.open_until,
        posted_by: who.subject().to_owned(),
    };
    let scope = format!("{}:post-vacancy", who.subject());
    let mut conn = state.pool.get().await?;
    idempotency::once(&mut conn, &key, scope, &body, |conn| {
        async move {
            let row = vacancies::post(conn, vacancy).await?;
            let location = format!("/v1/vacancies/{}", row.id);
            Ok(Created::new(StatusCode::CREATED, &VacancyView::from(row))?.at(location))
        }
        .scope_boxed()
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct VacancyQuery {
    /// Only vacancies of this occupation (国家职业分类 code).
    #[param(pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: Option<String>,
    /// Only vacancies still open today.
    pub open: Option<bool>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// List vacancies, newest first
///
/// Officers and auditors of the city see every vacancy; an enterprise its
/// own; an integrator those it posted. Filters by occupation and by being
/// still open today. Cursor-paginated: pass `next_cursor` back as `cursor`.
/// Refused: 403 `forbidden_role`, `out_of_scope` (an officer or auditor of
/// another city); 422 `limit_range`, `cursor_invalid`, or a malformed
/// `occupation_code`.
#[utoipa::path(
    tag = "employment-services",
    operation_id = "listVacancies",
    params(VacancyQuery),
    responses(
        (status = 200, description = "A page of vacancies", body = Page<VacancyView>),
        (status = 422, response = platform::problem::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[get("/v1/vacancies")]
pub async fn list(
    state: State,
    who: Principal,
    query: web::Query<VacancyQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[
        Role::BureauOfficer,
        Role::Auditor,
        Role::Enterprise,
        Role::Integrator,
    ])?;
    let limit = pagination::limit(query.limit)?;
    let after: Option<Uuid> = pagination::decode_cursor(query.cursor.as_deref())?;
    let mut v = Validator::new();
    let occupation: Option<OccupationCode> = query
        .occupation_code
        .as_deref()
        .and_then(|c| v.parse("occupation_code", c));
    v.finish(())?;
    let viewer = viewer(&state, &who)?;
    let mut conn = state.pool.get().await?;
    let filter = VacancyFilter {
        occupation_code: occupation.map(|o| o.to_string()),
        open_on: query
            .open
            .filter(|open| *open)
            .map(|_| ids::business_date(Utc::now())),
        ..VacancyFilter::default()
    };
    let page = vacancies::list(&mut conn, &viewer, filter, after, limit).await?;
    Ok(HttpResponse::Ok().json(Page {
        items: page.items.into_iter().map(VacancyView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Recommend open vacancies to a completer not yet employed
///
/// A bureau officer of the city, or an operator of the completer's
/// institution, asks for the open vacancies that best fit a completer not
/// employed within the window so far: at most ten, best fit first, scored
/// on occupation, skill level and city of work. Each recommendation is
/// recorded once per vacancy (one made before stays, and is answered
/// again), so repeating the request is harmless. Refused: 404
/// `follow_up_not_found` (no such completer, or not the caller's); 409
/// `already_employed`.
#[utoipa::path(
    tag = "employment-services",
    operation_id = "recommendVacancies",
    params(("enrolment_id" = Uuid, Path, description = "The completed enrolment (delivery's enrolment id)")),
    responses(
        (status = 200, description = "The recommendations made, best fit first (empty when no open vacancy fits)", body = Vec<RecommendationView>),
        (status = 404, description = "Refused: follow_up_not_found (no such completer, or not one the caller may see)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: already_employed (the completer's window closed with employment)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/follow-ups/{enrolment_id}/recommendations")]
pub async fn recommend(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::BureauOfficer, Role::InstitutionOperator])?;
    let viewer = viewer(&state, &who)?;
    let mut conn = state.pool.get().await?;
    let recommended = vacancies::recommend(
        &mut conn,
        state.city,
        &viewer,
        id.into_inner(),
        who.subject().to_owned(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(
        recommended
            .into_iter()
            .map(RecommendationView::from)
            .collect::<Vec<_>>(),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RecommendationQuery {
    /// Only recommendations to this completed enrolment.
    pub enrolment_id: Option<Uuid>,
    /// Only recommendations of this vacancy.
    pub vacancy_id: Option<Uuid>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// List the recommendations made, newest first
///
/// Officers and auditors of the city see every recommendation; an
/// institution operator those made to its completers; an enterprise those
/// of its vacancies. Filters by enrolment and vacancy. Cursor-paginated:
/// pass `next_cursor` back as `cursor`. Refused: 403 `forbidden_role`,
/// `out_of_scope` (an officer or auditor of another city); 422
/// `limit_range`, `cursor_invalid`.
#[utoipa::path(
    tag = "employment-services",
    operation_id = "listRecommendations",
    params(RecommendationQuery),
    responses(
        (status = 200, description = "A page of recommendations", body = Page<RecommendationView>),
        (status = 422, response = platform::problem::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[get("/v1/recommendations")]
pub async fn recommendations(
    state: State,
    who: Principal,
    query: web::Query<RecommendationQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[
        Role::BureauOfficer,
        Role::Auditor,
        Role::InstitutionOperator,
        Role::Enterprise,
    ])?;
    let limit = pagination::limit(query.limit)?;
    let after: Option<Uuid> = pagination::decode_cursor(query.cursor.as_deref())?;
    let viewer = viewer(&state, &who)?;
    let mut conn = state.pool.get().await?;
    let filter = RecommendationFilter {
        enrolment_id: query.enrolment_id,
        vacancy_id: query.vacancy_id,
        ..RecommendationFilter::default()
    };
    let page = vacancies::recommendations(&mut conn, &viewer, filter, after, limit).await?;
    Ok(HttpResponse::Ok().json(Page {
        items: page
            .items
            .into_iter()
            .map(RecommendationView::from)
            .collect(),
        next_cursor: page.next_cursor,
    }))
}
