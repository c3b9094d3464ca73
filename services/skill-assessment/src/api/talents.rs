//! High-skill leading talents (高技能领军人才, policy item 11) and the
//! statistics feed of new skilled workers.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use db::ScopedFutureExt;
use ids::{CitizenId, CreditCode, OccupationCode};
use platform::auth::{Principal, Role};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use serde::Deserialize;

use super::{officer, NewTalent, PlanYear, SkilledWorkers, State, TalentList, TalentView};
use crate::app::is_bureau;
use crate::app::talents::{self, Selection};
use crate::store::talents::TalentRow;

/// A cultivation cycle lasts five years (五年培养周期).
const CYCLE_YEARS: i32 = 5;

fn view(row: TalentRow) -> TalentView {
    TalentView {
        id: row.id,
        selection_year: row.selection_year,
        name: row.name,
        citizen_id_masked: row.citizen_masked,
        occupation_code: row.occupation_code,
        skill_level: row.skill_level,
        employer_credit_code: row.employer_credit_code,
        plan: serde_json::from_value(row.plan).unwrap_or_default(),
        cultivation_ends: row.selection_year + CYCLE_YEARS - 1,
    }
}

fn bureau_only(who: &Principal, state: &super::AppState) -> Result<(), ApiError> {
    who.require(&[Role::BureauOfficer, Role::Auditor])?;
    if !is_bureau(who, state.city) {
        return Err(ApiError::forbidden(
            "out_of_scope",
            format!("the caller does not act for city {}", state.city),
        ));
    }
    Ok(())
}

/// Record a selected high-skill leading talent
///
/// A bureau officer of the city records a person selected as a high-skill
/// leading talent (高技能领军人才, policy item 11) in a year, with the five-year
/// cultivation plan (one entry per year, offsets 1 to 5). A person is selected
/// once a year (409 `already_selected`). Announced on
/// `assessment.leading_talents.v1`
/// (`qiancheng.assessment.leading_talent.selected.v1`, with the person id,
/// never the citizen ID). Refused: 422 `validation_failed` with `citizen_id`
/// (`citizen_id_format`, …), `occupation_code` (`occupation_code_format`),
/// `employer_credit_code` (`credit_code_format`, …), `selection_year`
/// (`year_range`), `name` (`text_length`), `skill_level` (`talent_level`: 高级工
/// or above), `plan` (`plan_years`), `plan[i].goals` (`text_length`). Send an
/// `Idempotency-Key` to retry safely.
#[utoipa::path(
    operation_id = "selectLeadingTalent",
    tag = "talents",
    request_body = NewTalent,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer as the first time (`Idempotent-Replayed: true`); another body is refused (422 `idempotency_key_reused`), a concurrent one too (409 `idempotency_in_flight`)")),
    responses(
        (status = 201, description = "The leading talent as recorded, the ID number masked", body = TalentView),
        (status = 409, description = "Refused: `already_selected` (the person is selected that year); `idempotency_in_flight`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: `validation_failed` naming each bad field (see above); `idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/leading-talents")]
pub async fn select(
    state: State,
    who: Principal,
    key: IdempotencyKey,
    Json(body): Json<NewTalent>,
) -> Result<HttpResponse, ApiError> {
    officer(&who, &state)?;
    let mut v = Validator::new();
    let citizen: Option<CitizenId> = v.parse("citizen_id", &body.citizen_id);
    let _: Option<OccupationCode> = v.parse("occupation_code", &body.occupation_code);
    let _: Option<CreditCode> = v.parse("employer_credit_code", &body.employer_credit_code);
    v.ensure(
        (2025..=2100).contains(&body.selection_year),
        "selection_year",
        "year_range",
        "a year from 2025",
    );
    v.text("name", &body.name, 1..=50);
    v.ensure(
        body.skill_level.is_high_skilled(),
        "skill_level",
        "talent_level",
        "leading talents are high-skilled (高级工 or above)",
    );
    let mut offsets: Vec<i64> = body.plan.iter().map(|p| p.year_offset).collect();
    offsets.sort_unstable();
    v.ensure(
        offsets == (1..=i64::from(CYCLE_YEARS)).collect::<Vec<_>>(),
        "plan",
        "plan_years",
        "one entry for each year 1 to 5 of the cultivation cycle",
    );
    for (i, p) in body.plan.iter().enumerate() {
        v.text(format!("plan[{i}].goals"), &p.goals, 1..=2000);
    }
    let citizen = v.finish(citizen)?;
    let mut plan: Vec<PlanYear> = body.plan.clone();
    plan.sort_by_key(|p| p.year_offset);
    let person_id = state.person_ids.person_id(&citizen).to_string();
    let selection = Selection {
        citizen,
        selection_year: body.selection_year,
        name: body.name.trim().to_owned(),
        occupation_code: body.occupation_code.clone(),
        skill_level: body.skill_level,
        employer_credit_code: body.employer_credit_code.clone(),
        plan: serde_json::to_value(&plan).map_err(ApiError::internal)?,
    };
    let deps = state.deps();
    let mut conn = state.pool.get().await?;
    // Keyed by the person, not the citizen id: nothing personal in the
    // stored request hash's scope.
    let scope = format!("{}:select-talent", who.subject());
    let request = (
        person_id,
        body.selection_year,
        selection.name.clone(),
        &body.occupation_code,
        body.skill_level,
        &body.employer_credit_code,
        &plan,
    );
    idempotency::once(&mut conn, &key, scope, &request, |conn| {
        async move {
            let row = talents::select(conn, &deps, who.subject(), selection).await?;
            Created::new(StatusCode::CREATED, &view(row))
        }
        .scope_boxed()
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct YearQuery {
    /// The selection year, or the statistical year (1 Dec – 30 Nov) of the
    /// figures.
    #[param(minimum = 2025, maximum = 2100, example = 2026)]
    pub year: i32,
}

/// List the leading talents selected in a year
///
/// Every high-skill leading talent the city selected in `year` (about 50 a year
/// province-wide), with the cultivation plan and the ID numbers masked. For
/// bureau officers and auditors of the city (403 `out_of_scope` for another
/// city's).
#[utoipa::path(
    operation_id = "listLeadingTalents",
    tag = "talents",
    params(YearQuery),
    responses((status = 200, description = "The year's leading talents, in the order selected", body = TalentList)),
    security(("bearer" = []))
)]
#[get("/v1/leading-talents")]
pub async fn list(
    state: State,
    who: Principal,
    query: web::Query<YearQuery>,
) -> Result<HttpResponse, ApiError> {
    bureau_only(&who, &state)?;
    let mut conn = state.pool.get().await?;
    let talents: Vec<TalentView> = talents::list(&mut conn, query.year)
        .await?
        .into_iter()
        .map(view)
        .collect();
    Ok(HttpResponse::Ok().json(TalentList {
        selection_year: query.year,
        count: talents.len(),
        talents,
    }))
}

/// Count the new skilled workers of a statistical year
///
/// New skilled workers (新增技能人才: people with a valid certificate issued in the
/// statistical year, 1 Dec – 30 Nov, each counted once), how many of them are
/// high-skilled (高技能人才: 高级工 and above) and the share, and the certificates per
/// level. Revoked certificates never count. For bureau officers and auditors of
/// the city. Refused: 422 `validation_failed` with `year` (`year_range`: from
/// 2025).
#[utoipa::path(
    operation_id = "getSkilledWorkerStatistics",
    tag = "statistics",
    params(YearQuery),
    responses(
        (status = 200, description = "The year's figures for the city", body = SkilledWorkers),
        (status = 422, description = "Refused: `validation_failed` with `year` (`year_range`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/statistics/skilled-workers")]
pub async fn statistics(
    state: State,
    who: Principal,
    query: web::Query<YearQuery>,
) -> Result<HttpResponse, ApiError> {
    bureau_only(&who, &state)?;
    let mut v = Validator::new();
    v.ensure(
        (2025..=2100).contains(&query.year),
        "year",
        "year_range",
        "a statistical year from 2025",
    );
    v.finish(())?;
    let mut conn = state.pool.get().await?;
    let tally = talents::statistics(&mut conn, query.year).await?;
    Ok(HttpResponse::Ok().json(SkilledWorkers {
        city: state.city.to_string(),
        statistical_year: query.year,
        tally,
    }))
}
