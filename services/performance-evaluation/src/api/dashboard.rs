//! Programme targets and the dashboard: each city's figures, and on the
//! provincial aggregator the province's roll-up of them.

use actix_web::{get, put, web, HttpResponse};
use chrono::NaiveDate;
use platform::auth::{Principal, Role};
use platform::json::Json;
use platform::problem::Problem;
use platform::public::{PublicRead, Variant};
use platform::validate::Validator;
use platform::ApiError;
use serde::Deserialize;

use super::{as_of, check_year, officer, State, TargetsView};
use crate::app::dashboard::{
    self, CityFigures, ProvinceDashboard, TargetSource, DASHBOARD_NAMESPACE,
};
use crate::domain::dashboard::Targets;

fn year_only(year: i32) -> Result<(), ApiError> {
    let mut v = Validator::new();
    check_year(&mut v, year);
    Ok(v.finish(())?)
}

/// The city's targets for a statistical year.
#[utoipa::path(
    tag = "targets",
    params(("year" = i32, Path, minimum = 2025, maximum = 2100, description = "The statistical year: 2025 to 2100")),
    responses((status = 200, body = TargetsView), (status = 422, response = platform::problem::Unprocessable)),
    security(("bearer" = []))
)]
#[get("/v1/targets/{year}")]
pub async fn get_targets(
    state: State,
    who: Principal,
    year: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::BureauOfficer, Role::Auditor])?
        .require_city(state.city)?;
    let year = year.into_inner();
    year_only(year)?;
    let mut conn = state.pool.get().await?;
    let (source, targets) = dashboard::targets(&mut conn, year).await?;
    Ok(HttpResponse::Ok().json(TargetsView {
        city: state.city.to_string(),
        statistical_year: year,
        source,
        targets,
    }))
}

/// Set the city's targets for a statistical year (all of them; none below
/// zero, the share between 0 and 1).
#[utoipa::path(
    tag = "targets",
    params(("year" = i32, Path, minimum = 2025, maximum = 2100, description = "The statistical year: 2025 to 2100")),
    request_body = Targets,
    responses((status = 200, body = TargetsView), (status = 422, response = platform::problem::Unprocessable)),
    security(("bearer" = []))
)]
#[put("/v1/targets/{year}")]
pub async fn set_targets(
    state: State,
    who: Principal,
    year: web::Path<i32>,
    Json(body): Json<Targets>,
) -> Result<HttpResponse, ApiError> {
    officer(&state, &who)?;
    let year = year.into_inner();
    let mut v = Validator::new();
    check_year(&mut v, year);
    v.extend(body.problems());
    v.finish(())?;
    let mut conn = state.pool.get().await?;
    dashboard::set_targets(&mut conn, year, &body, who.subject()).await?;
    state.cache.invalidate(DASHBOARD_NAMESPACE).await;
    Ok(HttpResponse::Ok().json(TargetsView {
        city: state.city.to_string(),
        statistical_year: year,
        source: TargetSource::Set,
        targets: Some(body),
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FiguresQuery {
    /// The statistical year.
    #[param(minimum = 2025, maximum = 2100)]
    pub year: i32,
    /// Figures up to this date (within the year, not after today);
    /// default today, or the year's last day once it ended.
    pub as_of: Option<NaiveDate>,
}

/// The city's progress in a statistical year against its targets: the
/// time-proportional expectation, a linear projection to the year's end
/// and the indicators behind. Officers and auditors of the city; the
/// provincial aggregator reads it with its own `province` token.
/// Answers are cached until the next event or target change (`X-Cache`),
/// and rate limited per client like the public reads.
#[utoipa::path(
    tag = "dashboard",
    params(FiguresQuery),
    responses((status = 200, body = CityFigures), (status = 422, response = platform::problem::Unprocessable)),
    security(("bearer" = []))
)]
#[get("/v1/dashboard/figures")]
pub async fn city_figures(
    state: State,
    who: Principal,
    read: PublicRead,
    query: web::Query<FiguresQuery>,
) -> Result<HttpResponse, ApiError> {
    if who.require(&[Role::Province]).is_err() {
        who.require(&[Role::BureauOfficer, Role::Auditor])?
            .require_city(state.city)?;
    }
    let mut v = Validator::new();
    check_year(&mut v, query.year);
    let as_of = as_of(&mut v, query.year, query.as_of);
    v.finish(())?;
    let year = query.year;
    read.respond(
        DASHBOARD_NAMESPACE,
        Variant::of("figures")
            .param("year", year)
            .param("as_of", as_of),
        || async move {
            let mut conn = state.pool.get().await?;
            Ok(dashboard::city_figures(&mut conn, state.city, year, as_of).await?)
        },
    )
    .await
}

/// The province's progress (provincial aggregator only): every configured
/// city's figures read over HTTP at the same as-of date and summed. A city
/// that does not answer is listed under `unreachable` and `complete` is
/// false; the sum is then over the cities that answered.
#[utoipa::path(
    tag = "dashboard",
    params(FiguresQuery),
    responses(
        (status = 200, body = ProvinceDashboard),
        (status = 404, description = "This instance is not the provincial aggregator", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = platform::problem::Unprocessable),
    ),
    security(("bearer" = []))
)]
#[get("/v1/province/dashboard")]
pub async fn province(
    state: State,
    who: Principal,
    query: web::Query<FiguresQuery>,
) -> Result<HttpResponse, ApiError> {
    let Some(aggregator) = &state.aggregator else {
        return Err(not_an_aggregator());
    };
    // Provincial staff sign in at the province's identity provider.
    who.require(&[Role::Province])?;
    let mut v = Validator::new();
    check_year(&mut v, query.year);
    let as_of = as_of(&mut v, query.year, query.as_of);
    v.finish(())?;
    let figures = dashboard::province(aggregator, query.year, as_of).await;
    Ok(HttpResponse::Ok().json(figures))
}

fn not_an_aggregator() -> ApiError {
    ApiError::not_found(
        "not_an_aggregator",
        "this instance serves one city; the province's roll-up is on the provincial aggregator",
    )
}

/// The aggregator's public key, which the cities trust for the `province`
/// role (`auth.province.jwks_url`). Public: it is a public key.
#[utoipa::path(
    tag = "dashboard",
    responses(
        (status = 200, description = "A JWKS with the aggregator's signing key", body = Object),
        (status = 404, description = "This instance is not the provincial aggregator", body = Problem, content_type = "application/problem+json"),
        (status = 429, response = platform::problem::TooManyRequests),
    )
)]
#[get("/.well-known/jwks.json")]
pub async fn province_keys(state: State, read: PublicRead) -> Result<HttpResponse, ApiError> {
    let Some(aggregator) = &state.aggregator else {
        return Err(not_an_aggregator());
    };
    let jwks = aggregator.signer.jwks();
    read.respond(
        "province-keys",
        Variant::of("jwks"),
        || async move { Ok(jwks) },
    )
    .await
}
