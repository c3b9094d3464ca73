//! Institution scorecards (绩效评价): planned volumes, the versioned
//! formula, scorecards with their inputs, officers' overrides and the
//! public scorecard.

use actix_web::http::StatusCode;
use actix_web::{delete, get, post, put, web, HttpResponse};
use chrono::Utc;
use db::ScopedFutureExt;
use ids::Rating;
use platform::auth::Principal;
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::pagination::{self, Page};
use platform::problem::Problem;
use platform::public::{PublicRead, Variant};
use platform::validate::Validator;
use platform::ApiError;
use serde::Deserialize;
use uuid::Uuid;

use super::{
    check_year, officer, viewer, FormulaView, NewFormula, NewOverride, Plan, PublicScorecard,
    PublicYear, Rescored, ScorecardView, State,
};
use crate::app::ratings::{self, Override};
use crate::app::scorecards::{self, Scorecard, PUBLIC_NAMESPACE};
use crate::domain::scoring::{Formula, Inputs};

fn view(s: Scorecard) -> Result<ScorecardView, ApiError> {
    ScorecardView::new(s.row, s.name, s.history).map_err(ApiError::internal)
}

/// Set an institution's planned volume for a statistical year (the base
/// of its time-proportional progress). Without one, the capacity of the
/// classes it filed for the year is the plan.
#[utoipa::path(
    tag = "scorecards",
    params(("institution_id" = Uuid, Path), ("year" = i32, Path, minimum = 2025, maximum = 2100, description = "The statistical year: 2025 to 2100")),
    request_body = Plan,
    responses((status = 204), (status = 422, response = platform::problem::Unprocessable)),
    security(("bearer" = []))
)]
#[put("/v1/plans/{institution_id}/{year}")]
pub async fn set_plan(
    state: State,
    who: Principal,
    path: web::Path<(Uuid, i32)>,
    Json(body): Json<Plan>,
) -> Result<HttpResponse, ApiError> {
    officer(&state, &who)?;
    let (institution_id, year) = path.into_inner();
    let mut v = Validator::new();
    check_year(&mut v, year);
    v.ensure(
        body.planned_trainings >= 0,
        "planned_trainings",
        "target_negative",
        "a planned volume is zero or more",
    );
    v.finish(())?;
    let mut conn = state.pool.get().await?;
    scorecards::set_plan(
        &mut conn,
        institution_id,
        year,
        body.planned_trainings,
        who.subject(),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The formula in force.
#[utoipa::path(
    tag = "scorecards",
    responses((status = 200, body = FormulaView)),
    security(("bearer" = []))
)]
#[get("/v1/formula")]
pub async fn current_formula(state: State, who: Principal) -> Result<HttpResponse, ApiError> {
    viewer(&state, &who)?;
    let mut conn = state.pool.get().await?;
    let row = scorecards::current_formula(&mut conn).await?;
    Ok(HttpResponse::Ok().json(FormulaView::new(row).map_err(ApiError::internal)?))
}

/// Every version of the formula, newest first.
#[utoipa::path(
    tag = "scorecards",
    responses((status = 200, body = Vec<FormulaView>)),
    security(("bearer" = []))
)]
#[get("/v1/formula/versions")]
pub async fn formula_versions(state: State, who: Principal) -> Result<HttpResponse, ApiError> {
    viewer(&state, &who)?;
    let mut conn = state.pool.get().await?;
    let rows = scorecards::formula_versions(&mut conn).await?;
    let views = rows
        .into_iter()
        .map(FormulaView::new)
        .collect::<anyhow::Result<Vec<_>>>()
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(views))
}

/// Put a new version of the formula in force: weights summing to 1,
/// thresholds falling from A to C, a penalty per fraud finding. Every
/// scorecard is computed again with it.
#[utoipa::path(
    tag = "scorecards",
    request_body = NewFormula,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe")),
    responses((status = 201, body = FormulaView), (status = 422, response = platform::problem::Unprocessable)),
    security(("bearer" = []))
)]
#[post("/v1/formula")]
pub async fn new_formula(
    state: State,
    who: Principal,
    key: IdempotencyKey,
    Json(body): Json<NewFormula>,
) -> Result<HttpResponse, ApiError> {
    officer(&state, &who)?;
    let formula = Formula {
        weights: body.weights,
        thresholds: body.thresholds,
        fraud_penalty: body.fraud_penalty,
    };
    let note = body.note.trim().to_owned();
    let mut v = Validator::new();
    v.extend(formula.problems());
    v.text("note", &note, 1..=500);
    v.finish(())?;
    let mut conn = state.pool.get().await?;
    let by = who.subject().to_owned();
    let scope = format!("{by}:new-formula");
    idempotency::once(&mut conn, &key, scope, &body, |conn| {
        async move {
            let row = scorecards::new_formula(conn, &formula, &note, &by).await?;
            let view = FormulaView::new(row).map_err(ApiError::internal)?;
            Ok(Created::new(StatusCode::CREATED, &view)?.at("/v1/formula".into()))
        }
        .scope_boxed()
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ScorecardQuery {
    #[param(minimum = 2025, maximum = 2100)]
    pub year: i32,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// A year's scorecards: officers and auditors of the city see all, an
/// institution its own.
#[utoipa::path(
    tag = "scorecards",
    params(ScorecardQuery),
    responses((status = 200, body = Page<ScorecardView>), (status = 422, response = platform::problem::Unprocessable)),
    security(("bearer" = []))
)]
#[get("/v1/scorecards")]
pub async fn list(
    state: State,
    who: Principal,
    query: web::Query<ScorecardQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = pagination::limit(query.limit)?;
    let after: Option<Uuid> = pagination::decode_cursor(query.cursor.as_deref())?;
    let mut v = Validator::new();
    check_year(&mut v, query.year);
    v.finish(())?;
    let viewer = viewer(&state, &who)?;
    let mut conn = state.pool.get().await?;
    let page = scorecards::list(&mut conn, &viewer, query.year, after, limit).await?;
    Ok(HttpResponse::Ok().json(Page {
        items: page
            .items
            .into_iter()
            .map(view)
            .collect::<Result<Vec<_>, _>>()?,
        next_cursor: page.next_cursor,
    }))
}

/// One scorecard with its inputs and the history of its rating.
#[utoipa::path(
    tag = "scorecards",
    params(("institution_id" = Uuid, Path), ("year" = i32, Path, minimum = 2025, maximum = 2100, description = "The statistical year: 2025 to 2100")),
    responses((status = 200, body = ScorecardView), (status = 404, response = platform::problem::NotFound), (status = 422, response = platform::problem::Unprocessable)),
    security(("bearer" = []))
)]
#[get("/v1/scorecards/{institution_id}/{year}")]
pub async fn get(
    state: State,
    who: Principal,
    path: web::Path<(Uuid, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (institution_id, year) = path.into_inner();
    let mut v = Validator::new();
    check_year(&mut v, year);
    v.finish(())?;
    let viewer = viewer(&state, &who)?;
    let mut conn = state.pool.get().await?;
    let scorecard = scorecards::get(&mut conn, &viewer, institution_id, year).await?;
    Ok(HttpResponse::Ok().json(view(scorecard)?))
}

/// What the next computation of a scorecard will use, as of today (or the
/// year's last day): the live inputs, before any job stored them.
#[utoipa::path(
    tag = "scorecards",
    params(("institution_id" = Uuid, Path), ("year" = i32, Path, minimum = 2025, maximum = 2100, description = "The statistical year: 2025 to 2100")),
    responses((status = 200, body = Inputs), (status = 422, response = platform::problem::Unprocessable)),
    security(("bearer" = []))
)]
#[get("/v1/scorecards/{institution_id}/{year}/inputs")]
pub async fn live_inputs(
    state: State,
    who: Principal,
    path: web::Path<(Uuid, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (institution_id, year) = path.into_inner();
    let mut v = Validator::new();
    check_year(&mut v, year);
    v.finish(())?;
    let viewer = viewer(&state, &who)?;
    let mut conn = state.pool.get().await?;
    let inputs = scorecards::live_inputs(&mut conn, &viewer, institution_id, year).await?;
    Ok(HttpResponse::Ok().json(inputs))
}

/// Compute the scorecards marked by new events now, rather than at the
/// periodic job's next run (e.g. right after a correction).
#[utoipa::path(
    tag = "scorecards",
    responses((status = 200, body = Rescored)),
    security(("bearer" = []))
)]
#[post("/v1/scorecards/rescore")]
pub async fn rescore(state: State, who: Principal) -> Result<HttpResponse, ApiError> {
    officer(&state, &who)?;
    let today = ids::business_date(Utc::now());
    let computed = ratings::rescore_due(&state.pool, state.city, today).await?;
    if computed > 0 {
        state.cache.invalidate(PUBLIC_NAMESPACE).await;
    }
    Ok(HttpResponse::Ok().json(Rescored { computed }))
}

/// Override the rating of a scorecard with a reason. The override stands
/// until lifted: computations go on updating the score and the computed
/// rating, but the rating in force stays. Published with `overridden`.
#[utoipa::path(
    tag = "scorecards",
    params(("institution_id" = Uuid, Path), ("year" = i32, Path, minimum = 2025, maximum = 2100, description = "The statistical year: 2025 to 2100"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe")),
    request_body = NewOverride,
    responses((status = 201, body = ScorecardView), (status = 404, response = platform::problem::NotFound), (status = 422, response = platform::problem::Unprocessable)),
    security(("bearer" = []))
)]
#[post("/v1/scorecards/{institution_id}/{year}/override")]
pub async fn override_rating(
    state: State,
    who: Principal,
    key: IdempotencyKey,
    path: web::Path<(Uuid, i32)>,
    Json(body): Json<NewOverride>,
) -> Result<HttpResponse, ApiError> {
    officer(&state, &who)?;
    let (institution_id, year) = path.into_inner();
    let reason = body.reason.trim().to_owned();
    let mut v = Validator::new();
    check_year(&mut v, year);
    let rating = v.parse::<Rating>("rating", &body.rating);
    v.text("reason", &reason, 1..=500);
    let rating = v.finish(rating)?;
    let mut conn = state.pool.get().await?;
    let (city, by) = (state.city, who.subject().to_owned());
    let scope = format!("{by}:override:{institution_id}:{year}");
    let o = Override { rating, reason, by };
    let res = idempotency::once(&mut conn, &key, scope, &body, |conn| {
        async move {
            let scorecard = ratings::override_rating(conn, city, institution_id, year, o).await?;
            Created::new(StatusCode::CREATED, &view(scorecard)?)
        }
        .scope_boxed()
    })
    .await?;
    state.cache.invalidate(PUBLIC_NAMESPACE).await;
    Ok(res)
}

/// Lift an override: the computed rating is in force again (published if
/// it differs from the override).
#[utoipa::path(
    tag = "scorecards",
    params(("institution_id" = Uuid, Path), ("year" = i32, Path, minimum = 2025, maximum = 2100, description = "The statistical year: 2025 to 2100")),
    responses((status = 200, body = ScorecardView), (status = 404, response = platform::problem::NotFound), (status = 409, description = "not_overridden", body = Problem, content_type = "application/problem+json"), (status = 422, response = platform::problem::Unprocessable)),
    security(("bearer" = []))
)]
#[delete("/v1/scorecards/{institution_id}/{year}/override")]
pub async fn lift_override(
    state: State,
    who: Principal,
    path: web::Path<(Uuid, i32)>,
) -> Result<HttpResponse, ApiError> {
    officer(&state, &who)?;
    let (institution_id, year) = path.into_inner();
    let mut v = Validator::new();
    check_year(&mut v, year);
    v.finish(())?;
    let mut conn = state.pool.get().await?;
    let scorecard = ratings::lift_override(
        &mut conn,
        state.city,
        institution_id,
        year,
        who.subject().to_owned(),
    )
    .await?;
    state.cache.invalidate(PUBLIC_NAMESPACE).await;
    Ok(HttpResponse::Ok().json(view(scorecard)?))
}

/// An institution's public scorecards (the public directory's companion):
/// rating and indicator rates per year, no personal data. Cached and rate
/// limited; no token.
#[utoipa::path(
    tag = "public",
    params(("institution_id" = Uuid, Path)),
    responses(
        (status = 200, body = PublicScorecard),
        (status = 404, response = platform::problem::NotFound),
        (status = 429, response = platform::problem::TooManyRequests),
    ),
    security(())
)]
#[get("/v1/public/scorecards/{institution_id}")]
pub async fn public(
    state: State,
    public: PublicRead,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let institution_id = path.into_inner();
    public
        .respond(
            PUBLIC_NAMESPACE,
            Variant::of("scorecards").param("institution", institution_id),
            || async move {
                let mut conn = state.pool.get().await?;
                let (rows, name) = scorecards::public(&mut conn, institution_id).await?;
                let years = rows
                    .into_iter()
                    .map(|r| {
                        Ok(PublicYear {
                            statistical_year: r.statistical_year,
                            as_of: r.as_of,
                            rating: r.rating,
                            overridden: r.overridden,
                            formula_version: r.formula_version,
                            scored: serde_json::from_value(r.scored)?,
                        })
                    })
                    .collect::<Result<Vec<_>, serde_json::Error>>()
                    .map_err(ApiError::internal)?;
                Ok(PublicScorecard {
                    institution_id,
                    name,
                    years,
                })
            },
        )
        .await
}
