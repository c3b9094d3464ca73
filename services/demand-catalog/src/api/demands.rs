//! Demand intake (policy item 1) and its aggregated view.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use db::ScopedFutureExt;
use ids::{CreditCode, OccupationCode, SkillLevel};
use platform::auth::{Principal, Role, Scope};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::pagination::{self, Page};
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use serde::Deserialize;
use uuid::Uuid;

use super::catalogues::served_city;
use super::{DemandSummaryRow, DemandView, NewDemand, State};
use crate::app::{self, demands};
use crate::domain::demand::{check_terms, may_submit, DemandChannel};
use crate::store::demands::DemandFilter;

/// Submit a skill demand
///
/// Demand reaches the bureau bottom-up (需求收集, policy item 1) through five
/// channels, and is the input to drafting the catalogue. An enterprise
/// submits through the `enterprise` channel for its own credit code only;
/// an integrator with the `demands:submit` scope names the organisation its
/// token is bound to (`submitter_org`, a gig platform submits as itself);
/// a bureau officer of the city records a demand of any channel (an
/// `enterprise` one naming the enterprise). Anyone else, or another
/// organisation, is refused 403 `demand_not_allowed`. The city must be
/// this instance's; the headcount is 1 to 100000 and the period at most
/// three years. Nothing is announced. A retry with the same
/// `Idempotency-Key` answers the first answer again.
#[utoipa::path(
    tag = "demands",
    operation_id = "submitDemand",
    request_body = NewDemand,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer the first answer again")),
    responses(
        (status = 201, description = "The demand as recorded", body = DemandView,
            headers(("Location" = String, description = "Where the created resource is read"))),
        (status = 403, description = "Refused: forbidden_role, scope_missing, out_of_scope, demand_not_allowed (wrong channel or another organisation)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: idempotency_in_flight", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: validation_failed (city_code_unknown, city_not_served, occupation_code_format, credit_code_format, credit_code_check_digit, submitter_org_required, headcount_range, period_reversed, period_too_long, note_too_long), idempotency_key_reused", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/demands")]
pub async fn submit(
    state: State,
    who: Principal,
    key: IdempotencyKey,
    Json(body): Json<NewDemand>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Enterprise, Role::Integrator, Role::BureauOfficer])?
        .require_scope(Scope::DemandsSubmit)?;
    let mut v = Validator::new();
    let city = served_city(&state, &mut v, &body.city);
    let code: Option<OccupationCode> = v.parse("occupation_code", &body.occupation_code);
    let org: Option<CreditCode> = body
        .submitter_org
        .as_deref()
        .and_then(|raw| v.parse("submitter_org", raw));
    v.extend(check_terms(
        body.headcount,
        body.period_from,
        body.period_to,
    ));
    v.ensure(
        body.note
            .as_deref()
            .is_none_or(|n| n.chars().count() <= 2000),
        "note",
        "note_too_long",
        "a note has at most 2000 characters",
    );
    let (city, code) = v.finish((city, code))?;
    may_submit(who.role(), who.org(), body.channel, org.as_ref()).map_err(app::Error::from)?;
    if who.role() != Role::Integrator && who.role() != Role::Enterprise {
        who.require_city(city)?;
    }
    let demand = demands::NewDemand {
        city,
        occupation_code: code,
        skill_level: body.skill_level,
        headcount: body.headcount,
        period_from: body.period_from,
        period_to: body.period_to,
        channel: body.channel,
        submitter_org: org,
        note: body.note.clone(),
    };
    let scope = format!("{}:submit-demand", who.subject());
    let mut conn = state.pool.get().await?;
    idempotency::once(&mut conn, &key, scope, &body, |conn| {
        async move {
            let row = demands::submit(conn, who.subject(), demand).await?;
            let location = format!("/v1/demands/{}", row.id);
            Ok(Created::new(StatusCode::CREATED, &DemandView::from(row))?.at(location))
        }
        .scope_boxed()
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DemandQuery {
    /// Only demands for this occupation, e.g. `6-29-01-01`.
    #[param(pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$", example = "6-29-01-01")]
    pub occupation_code: Option<String>,
    /// Only demands at this skill level.
    pub skill_level: Option<SkillLevel>,
    /// Only demands that came through this channel.
    pub channel: Option<DemandChannel>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// List the city's demands
///
/// Bureau officers and auditors of the city page through the demands
/// submitted for it, newest first, optionally of one occupation, level or
/// channel. Pages are `limit` long (1 to 500, default 50); pass a page's
/// `next_cursor` as `cursor` for the next one. A bad filter answers 422
/// naming the field (`occupation_code_format`, `limit_range`,
/// `cursor_invalid`).
#[utoipa::path(
    tag = "demands",
    operation_id = "listDemands",
    params(DemandQuery),
    responses((status = 200, description = "A page of the city's demands, newest first", body = Page<DemandView>)),
    security(("bearer" = []))
)]
#[get("/v1/demands")]
pub async fn list(
    state: State,
    who: Principal,
    query: web::Query<DemandQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::BureauOfficer, Role::Auditor])?
        .require_city(state.city)?;
    let limit = pagination::limit(query.limit)?;
    let after: Option<(DateTime<Utc>, Uuid)> = pagination::decode_cursor(query.cursor.as_deref())?;
    let mut v = Validator::new();
    let code: Option<OccupationCode> = query
        .occupation_code
        .as_deref()
        .and_then(|c| v.parse("occupation_code", c));
    v.finish(())?;
    let filter = DemandFilter {
        occupation_code: code.map(|c| c.to_string()),
        skill_level: query.skill_level.map(|l| l.to_string()),
        channel: query.channel.map(|c| c.to_string()),
    };
    let mut conn = state.pool.get().await?;
    let rows = demands::list(&mut conn, state.city, &filter, after, limit + 1).await?;
    let page =
        pagination::page(rows, limit, |r| (r.created_at, r.id)).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(Page {
        items: page.items.into_iter().map(DemandView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SummaryQuery {
    /// Start of the range: demands whose period overlaps it are counted
    /// (default: 1 January of this year).
    #[param(example = "2026-01-01")]
    pub from: Option<NaiveDate>,
    /// End of the range (default: 31 December of this year).
    #[param(example = "2026-12-31")]
    pub to: Option<NaiveDate>,
}

/// Summarise demand per occupation and level
///
/// Bureau officers and auditors of the city read its demand per occupation
/// × skill level, largest headcount first: the number of demands, the
/// people needed and the channels they came through. This is the input to
/// drafting the catalogue. Demands whose period overlaps `from`–`to` are
/// counted (this calendar year by default); `to` before `from` answers 422
/// `range_reversed`.
#[utoipa::path(
    tag = "demands",
    operation_id = "summariseDemands",
    params(SummaryQuery),
    responses(
        (status = 200, description = "Demand per occupation and level, largest headcount first", body = Vec<DemandSummaryRow>),
        (status = 422, description = "Refused: validation_failed (`to`: range_reversed; a date not in YYYY-MM-DD form)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/demands/summary")]
pub async fn summary(
    state: State,
    who: Principal,
    query: web::Query<SummaryQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::BureauOfficer, Role::Auditor])?
        .require_city(state.city)?;
    let year = ids::business_date(Utc::now())
        .format("%Y")
        .to_string()
        .parse::<i32>()
        .map_err(ApiError::internal)?;
    let from = match query.from {
        Some(from) => from,
        None => NaiveDate::from_ymd_opt(year, 1, 1)
            .ok_or_else(|| ApiError::internal("1 January of this year"))?,
    };
    let to = match query.to {
        Some(to) => to,
        None => NaiveDate::from_ymd_opt(year, 12, 31)
            .ok_or_else(|| ApiError::internal("31 December of this year"))?,
    };
    if from > to {
        return Err(ApiError::validation(vec![platform::FieldError {
            field: "to".into(),
            code: "range_reversed".into(),
            message: "`to` is before `from`".into(),
        }]));
    }
    let mut conn = state.pool.get().await?;
    let rows = demands::summary(&mut conn, state.city, from, to).await?;
    Ok(HttpResponse::Ok().json(
        rows.into_iter()
            .map(DemandSummaryRow::from)
            .collect::<Vec<_>>(),
    ))
}
