//! Follow-ups of completers (就业跟踪): their window, milestones and outcome;
//! and the closing of windows as of a date.

use actix_web::{get, post, web, HttpResponse};
use chrono::{NaiveDate, Utc};
use platform::auth::{Principal, Role};
use platform::json::Json;
use platform::pagination::{self, Page};
use platform::ApiError;
use serde::Deserialize;
use uuid::Uuid;

use super::{viewer, CloseWindows, FollowUpView, State};
use crate::app::follow_ups::{self, FollowUp};
use crate::app::windows::{self, Closed};
use crate::store::{self, completers::CompleterFilter};

fn view(f: FollowUp, today: NaiveDate) -> FollowUpView {
    FollowUpView::new(f.completer, &f.milestones, today)
}

/// Pending windows, or the outcome they closed with.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeFilter {
    Pending,
    EmployedWithinWindow,
    NotEmployedAtWindowEnd,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FollowUpQuery {
    pub institution_id: Option<Uuid>,
    #[param(inline)]
    pub outcome: Option<OutcomeFilter>,
    pub statistical_year: Option<i32>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// Completers' follow-ups, latest completion first.
#[utoipa::path(
    tag = "follow-ups",
    params(FollowUpQuery),
    responses((status = 200, body = Page<FollowUpView>), (status = 422, response = platform::problem::Unprocessable)),
    security(("bearer" = []))
)]
#[get("/v1/follow-ups")]
pub async fn list(
    state: State,
    who: Principal,
    query: web::Query<FollowUpQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[
        Role::BureauOfficer,
        Role::Auditor,
        Role::InstitutionOperator,
    ])?;
    let limit = pagination::limit(query.limit)?;
    let after: Option<(NaiveDate, Uuid)> = pagination::decode_cursor(query.cursor.as_deref())?;
    let viewer = viewer(&state, &who)?;
    let mut conn = state.pool.get().await?;
    let filter = CompleterFilter {
        institution_id: query.institution_id,
        outcome: query.outcome.map(|o| match o {
            OutcomeFilter::Pending => None,
            OutcomeFilter::EmployedWithinWindow => Some(store::completers::EMPLOYED.to_owned()),
            OutcomeFilter::NotEmployedAtWindowEnd => {
                Some(store::completers::NOT_EMPLOYED.to_owned())
            }
        }),
        statistical_year: query.statistical_year,
        ..CompleterFilter::default()
    };
    let page = follow_ups::list(&mut conn, &viewer, filter, after, limit).await?;
    let today = ids::business_date(Utc::now());
    Ok(HttpResponse::Ok().json(Page {
        items: page.items.into_iter().map(|f| view(f, today)).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One completer's follow-up, by enrolment.
#[utoipa::path(
    tag = "follow-ups",
    params(("enrolment_id" = Uuid, Path)),
    responses((status = 200, body = FollowUpView), (status = 404, response = platform::problem::NotFound)),
    security(("bearer" = []))
)]
#[get("/v1/follow-ups/{enrolment_id}")]
pub async fn get(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let viewer = viewer(&state, &who)?;
    let mut conn = state.pool.get().await?;
    let found = follow_ups::get(&mut conn, &viewer, *id).await?;
    Ok(HttpResponse::Ok().json(view(found, ids::business_date(Utc::now()))))
}

/// Close every window that ended before `as_of` (default today): evidence
/// is looked at once more, then NOT_EMPLOYED_AT_WINDOW_END is published for
/// the rest. The periodic job does the same every interval; repeating it is
/// harmless.
#[utoipa::path(
    tag = "follow-ups",
    request_body = CloseWindows,
    responses((status = 200, body = Closed), (status = 422, response = platform::problem::Unprocessable)),
    security(("bearer" = []))
)]
#[post("/v1/follow-ups/close-windows")]
pub async fn close(
    state: State,
    who: Principal,
    Json(body): Json<CloseWindows>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::BureauOfficer])?
        .require_city(state.city)?;
    let today = ids::business_date(Utc::now());
    let as_of = body.as_of.unwrap_or(today);
    if as_of > today {
        return Err(ApiError::validation(vec![platform::FieldError {
            field: "as_of".into(),
            code: "as_of_in_future".into(),
            message: "windows are closed as of today or an earlier date".into(),
        }]));
    }
    let closed = windows::close(&state.pool, state.city, as_of).await?;
    Ok(HttpResponse::Ok().json(closed))
}
