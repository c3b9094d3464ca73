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
use platform::validate::Validator;
use platform::ApiError;
use serde::Deserialize;
use uuid::Uuid;

use super::catalogues::served_city;
use super::{DemandSummaryRow, DemandView, NewDemand, State};
use crate::app::{self, demands};
use crate::domain::demand::{check_terms, may_submit, DemandChannel};
use crate::store::demands::DemandFilter;

/// Submit a skill demand.
#[utoipa::path(
    tag = "demands",
    request_body = NewDemand,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe")),
    responses(
        (status = 201, body = DemandView),
        (status = 403, response = platform::problem::Forbidden),
        (status = 422, response = platform::problem::Unprocessable),
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
    #[param(pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: Option<String>,
    pub skill_level: Option<SkillLevel>,
    pub channel: Option<DemandChannel>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// The city's demands, newest first.
#[utoipa::path(
    tag = "demands",
    params(DemandQuery),
    responses((status = 200, body = Page<DemandView>)),
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
    /// Demands whose period overlaps this range (default: this calendar year).
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// Demand per occupation × level × city, largest headcount first: the input
/// to drafting the catalogue.
#[utoipa::path(
    tag = "demands",
    params(SummaryQuery),
    responses((status = 200, body = Vec<DemandSummaryRow>)),
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
