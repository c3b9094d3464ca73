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

/// Read the city's targets for a statistical year
///
/// The programme targets in force for the city in a statistical year:
/// those its officers set (`source: set`), else the province's 2025–2027
/// totals split equally between the ten cities (`default`), else none
/// (`none`, a year outside 2025–2027 no officer set). Officers and auditors
/// of the city. Refused: 403 `forbidden_role`, `out_of_scope` (another
/// city); 422 `year_range`.
#[utoipa::path(
    tag = "targets",
    operation_id = "getTargets",
    params(("year" = i32, Path, minimum = 2025, maximum = 2100, description = "The statistical year: 2025 to 2100")),
    responses(
        (status = 200, description = "The targets in force and where they come from", body = TargetsView),
        (status = 422, response = platform::problem::Unprocessable),
    ),
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

/// Set the city's targets for a statistical year
///
/// A bureau officer of the city sets all of the year's targets at once:
/// subsidised trainings, new skilled workers, the high-skilled share (0 to
/// 1), training brands and leading talents, none below zero. They replace
/// the default split and any earlier setting; the dashboard's cached
/// figures are dropped. Setting the same targets again is harmless.
/// Refused: 403 `forbidden_role`, `out_of_scope`; 422 `year_range`,
/// `target_negative`, `share_range`.
#[utoipa::path(
    tag = "targets",
    operation_id = "setTargets",
    params(("year" = i32, Path, minimum = 2025, maximum = 2100, description = "The statistical year: 2025 to 2100")),
    request_body = Targets,
    responses(
        (status = 200, description = "The targets now in force (`source: set`)", body = TargetsView),
        (status = 422, response = platform::problem::Unprocessable),
    ),
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
    /// The statistical year: 2025 to 2100.
    #[param(minimum = 2025, maximum = 2100)]
    pub year: i32,
    /// Figures up to this date (within the year, not after today);
    /// default today, or the year's last day once it ended.
    pub as_of: Option<NaiveDate>,
}

/// Read the city's progress against its targets
///
/// The city's progress in a statistical year as of a date: what happened
/// (trainings, new skilled workers and their high-skilled share, brands,
/// leading talents), the time-proportional expectation, a linear
/// projection to the year's end and the names of the indicators behind
/// (`warnings`). Officers and auditors of the city; the provincial
/// aggregator reads it with its own `province` token. Answers are cached
/// until the next event or target change (`X-Cache`), and rate limited per
/// client like the public reads (429 `rate_limited`). Refused: 403
/// `forbidden_role`, `out_of_scope`; 422 `year_range`, `as_of_range`.
#[utoipa::path(
    tag = "dashboard",
    operation_id = "getCityFigures",
    params(FiguresQuery),
    responses(
        (status = 200, description = "The city's figures for the year as of the date", body = CityFigures),
        (status = 422, response = platform::problem::Unprocessable),
        (status = 429, response = platform::problem::TooManyRequests),
    ),
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

/// Read the province's roll-up of the cities' progress
///
/// On the provincial aggregator only, for provincial staff (role
/// `province`, signed in at the province's identity provider): every
/// configured city's figures, read over HTTP at the same as-of date, and
/// their sum read like a city's. A city that does not answer is listed
/// under `unreachable` and `complete` is false; the sum is then over the
/// cities that answered. Refused: 403 `forbidden_role`; 404
/// `not_an_aggregator` (a city's instance); 422 `year_range`, `as_of_range`.
#[utoipa::path(
    tag = "dashboard",
    operation_id = "getProvinceDashboard",
    params(FiguresQuery),
    responses(
        (status = 200, description = "The province's figures and each city's", body = ProvinceDashboard),
        (status = 404, description = "Refused: not_an_aggregator (this instance serves one city)", body = Problem, content_type = "application/problem+json"),
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

/// Publish the provincial aggregator's public signing key
///
/// The aggregator's Ed25519 public key as a JSON Web Key Set (RFC 7517,
/// RFC 8037), which each city trusts for the `province` role
/// (`auth.province.jwks_url`): the aggregator signs the tokens it reads the
/// cities' figures with. Public, with no token: it is a public key. Cached
/// and rate limited per client (429 `rate_limited`). Refused: 404
/// `not_an_aggregator` (a city's instance).
#[utoipa::path(
    tag = "dashboard",
    operation_id = "getProvinceKeys",
    responses(
        (status = 200, description = "A JWKS with the aggregator's signing key", body = Object,
            example = json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig",
                "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
                "kid": "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"}]})),
        (status = 404, description = "Refused: not_an_aggregator (this instance serves one city)", body = Problem, content_type = "application/problem+json"),
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
