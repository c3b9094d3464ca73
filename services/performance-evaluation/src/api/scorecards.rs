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

/// Set an institution's planned training volume for a year
///
/// A bureau officer of the city sets an institution's planned volume of
/// subsidised trainings (人次) for a statistical year: the base of its
/// time-proportional progress (序时培训任务完成情况). Without one, the
/// capacity of the classes it filed for the year is the plan. Setting it
/// again replaces it; the institution's scorecard is marked to be computed
/// again. Refused: 403 `forbidden_role`, `out_of_scope` (another city); 422
/// `year_range`, `target_negative`.
#[utoipa::path(
    tag = "scorecards",
    operation_id = "setTrainingPlan",
    params(("institution_id" = Uuid, Path, description = "The institution (the registry's id)"), ("year" = i32, Path, minimum = 2025, maximum = 2100, description = "The statistical year: 2025 to 2100")),
    request_body = Plan,
    responses(
        (status = 204, description = "The plan is set; the scorecard will be computed again"),
        (status = 422, response = platform::problem::Unprocessable),
    ),
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

/// Read the scoring formula in force
///
/// The latest version of the formula scorecards are computed with: the
/// weights of the four indicators, the thresholds of ratings A to C and
/// the penalty per fraud finding. Officers and auditors of the city, and
/// an institution's operators or integrators, may read it. Refused: 403
/// `forbidden_role`, `out_of_scope` (an officer or auditor of another city).
#[utoipa::path(
    tag = "scorecards",
    operation_id = "getCurrentFormula",
    responses((status = 200, description = "The formula in force", body = FormulaView)),
    security(("bearer" = []))
)]
#[get("/v1/formula")]
pub async fn current_formula(state: State, who: Principal) -> Result<HttpResponse, ApiError> {
    viewer(&state, &who)?;
    let mut conn = state.pool.get().await?;
    let row = scorecards::current_formula(&mut conn).await?;
    Ok(HttpResponse::Ok().json(FormulaView::new(row).map_err(ApiError::internal)?))
}

/// List every version of the scoring formula, newest first
///
/// Every version ever put in force, with who adopted it, when and why; none
/// is changed or deleted, so a scorecard's `formula_version` can always be
/// read back. A short list, answered whole. Officers and auditors of the
/// city, and an institution's operators or integrators, may read it.
/// Refused: 403 `forbidden_role`, `out_of_scope`.
#[utoipa::path(
    tag = "scorecards",
    operation_id = "listFormulaVersions",
    responses((status = 200, description = "Every version of the formula, newest first", body = Vec<FormulaView>)),
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

/// Adopt a new version of the scoring formula
///
/// A bureau officer of the city puts a new version of the formula in force,
/// with a note saying why: four weights between 0 and 1 summing to 1,
/// thresholds of A, B and C between 0 and 1 and falling from A to C, and a
/// penalty between 0 and 1 per fraud finding. Every scorecard is marked to
/// be computed again with it; rating changes that follow are published as
/// `qiancheng.evaluation.rating.changed.v1`. Refused: 403 `forbidden_role`,
/// `out_of_scope`; 422 `weight_range`, `weights_sum`, `threshold_range`,
/// `thresholds_order`, `penalty_range`, `text_length` (note). With an
/// `Idempotency-Key`, a retry answers the first result again.
#[utoipa::path(
    tag = "scorecards",
    operation_id = "adoptFormula",
    request_body = NewFormula,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer the first result again")),
    responses(
        (status = 201, description = "The new version, now in force", body = FormulaView,
            headers(("Location" = String, description = "Where the formula in force is read"))),
        (status = 422, response = platform::problem::Unprocessable),
    ),
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
    /// The statistical year: 2025 to 2100.
    #[param(minimum = 2025, maximum = 2100)]
    pub year: i32,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// List a year's scorecards, in institution order
///
/// Each institution's scorecard (绩效评价) of a statistical year, with its
/// inputs, score and rating (without the rating's history, which the
/// single read gives). Officers and auditors of the city see every
/// institution's; an institution's operators or integrators their own
/// institutions'. Cursor-paginated: pass `next_cursor` back as `cursor`.
/// Refused: 403 `forbidden_role`, `out_of_scope` (an officer or auditor of
/// another city); 422 `year_range`, `limit_range`, `cursor_invalid`.
#[utoipa::path(
    tag = "scorecards",
    operation_id = "listScorecards",
    params(ScorecardQuery),
    responses(
        (status = 200, description = "A page of the year's scorecards", body = Page<ScorecardView>),
        (status = 422, response = platform::problem::Unprocessable),
    ),
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

/// Read one scorecard with its inputs and rating history
///
/// An institution's scorecard of a statistical year: the inputs it was
/// computed from, each indicator as scored, the score, the computed rating
/// and the rating in force (an officer's override while there is one), and
/// every change of the rating in force, oldest first. Officers and auditors
/// of the city see any; an institution's operators or integrators their
/// own. Refused: 403 `forbidden_role`, `out_of_scope`; 404
/// `scorecard_not_found` (none yet, or not the caller's); 422 `year_range`.
#[utoipa::path(
    tag = "scorecards",
    operation_id = "getScorecard",
    params(("institution_id" = Uuid, Path, description = "The institution (the registry's id)"), ("year" = i32, Path, minimum = 2025, maximum = 2100, description = "The statistical year: 2025 to 2100")),
    responses(
        (status = 200, description = "The scorecard with its rating history", body = ScorecardView),
        (status = 404, description = "Refused: scorecard_not_found (none computed yet, or not one the caller may see)", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = platform::problem::Unprocessable),
    ),
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

/// Read a scorecard's live inputs, before the next computation
///
/// What the next computation of an institution's scorecard will use, as of
/// today (or the year's last day once the year ended): the plan, the
/// trainings delivered, certificates, survey answers, employment outcomes
/// and fraud findings as the read models hold them now, before any job
/// stored them. Officers and auditors of the city see any institution's;
/// an institution's operators or integrators their own. Refused: 403
/// `forbidden_role`, `out_of_scope`; 404 `scorecard_not_found` (another
/// organisation's institution); 422 `year_range`.
#[utoipa::path(
    tag = "scorecards",
    operation_id = "getScorecardInputs",
    params(("institution_id" = Uuid, Path, description = "The institution (the registry's id)"), ("year" = i32, Path, minimum = 2025, maximum = 2100, description = "The statistical year: 2025 to 2100")),
    responses(
        (status = 200, description = "The inputs the next computation will use", body = Inputs),
        (status = 404, description = "Refused: scorecard_not_found (not an institution the caller may see)", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = platform::problem::Unprocessable),
    ),
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

/// Compute the marked scorecards now
///
/// A bureau officer of the city computes the scorecards marked by new
/// events (and those whose time-proportional plan moved on) now, rather
/// than at the periodic job's next run, e.g. right after a correction.
/// Ratings in force that change are published as
/// `qiancheng.evaluation.rating.changed.v1` and the public scorecards'
/// cache is dropped. Repeating it is harmless: nothing marked, nothing
/// computed. Refused: 403 `forbidden_role`, `out_of_scope`.
#[utoipa::path(
    tag = "scorecards",
    operation_id = "rescoreInstitutions",
    responses((status = 200, description = "How many scorecards were computed", body = Rescored)),
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

/// Override a scorecard's rating
///
/// A bureau officer of the city puts a rating (A to D) in force on an
/// institution's scorecard, with a reason. The override stands until
/// lifted: computations go on updating the score and the computed rating,
/// but the rating in force stays. The change is recorded in the rating
/// history and published as `qiancheng.evaluation.rating.changed.v1` with
/// `overridden: true` (a D puts the institution under review in the
/// registry); the public scorecards' cache is dropped. Refused: 403
/// `forbidden_role`, `out_of_scope`; 404 `scorecard_not_found`; 422
/// `year_range`, `rating_unknown`, `text_length` (reason). With an
/// `Idempotency-Key`, a retry answers the first result again.
#[utoipa::path(
    tag = "scorecards",
    operation_id = "overrideRating",
    params(("institution_id" = Uuid, Path, description = "The institution (the registry's id)"), ("year" = i32, Path, minimum = 2025, maximum = 2100, description = "The statistical year: 2025 to 2100"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer the first result again")),
    request_body = NewOverride,
    responses(
        (status = 201, description = "The scorecard with the override in force", body = ScorecardView),
        (status = 404, description = "Refused: scorecard_not_found (none computed yet for that institution and year)", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = platform::problem::Unprocessable),
    ),
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

/// Lift a rating override
///
/// A bureau officer of the city lifts the override of a scorecard: the
/// computed rating is in force again. The change is recorded in the rating
/// history and, if the computed rating differs from the override, published
/// as `qiancheng.evaluation.rating.changed.v1`; the public scorecards'
/// cache is dropped. Refused: 403 `forbidden_role`, `out_of_scope`; 404
/// `scorecard_not_found`; 409 `not_overridden`; 422 `year_range`.
#[utoipa::path(
    tag = "scorecards",
    operation_id = "liftRatingOverride",
    params(("institution_id" = Uuid, Path, description = "The institution (the registry's id)"), ("year" = i32, Path, minimum = 2025, maximum = 2100, description = "The statistical year: 2025 to 2100")),
    responses(
        (status = 200, description = "The scorecard with the computed rating in force", body = ScorecardView),
        (status = 404, description = "Refused: scorecard_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: not_overridden (the rating in force is the computed one)", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = platform::problem::Unprocessable),
    ),
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

/// Read an institution's public scorecards
///
/// The public directory's companion, for anyone and without a token: an
/// institution's rating and indicator rates per statistical year, latest
/// first, with no personal data and no inputs beyond the rates. Answers are
/// cached until a rating or score may have changed, and rate limited per
/// client (429 `rate_limited`). Refused: 404 `scorecard_not_found` (no
/// scorecard of that institution).
#[utoipa::path(
    tag = "public",
    operation_id = "getPublicScorecard",
    params(("institution_id" = Uuid, Path, description = "The institution (the registry's id)")),
    responses(
        (status = 200, description = "The institution's public scorecards, latest year first", body = PublicScorecard),
        (status = 404, description = "Refused: scorecard_not_found (no scorecard of that institution)", body = Problem, content_type = "application/problem+json"),
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
