//! Follow-ups of completers (就业跟踪): their window, milestones and outcome;
//! and the closing of windows as of a date.

use actix_web::{get, post, web, HttpResponse};
use chrono::{NaiveDate, Utc};
use platform::auth::{Principal, Role};
use platform::json::Json;
use platform::pagination::{self, Page};
use platform::problem::Problem;
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
    /// Only completers of this institution.
    pub institution_id: Option<Uuid>,
    /// Only windows still open (`pending`), or those closed with this outcome.
    #[param(inline)]
    pub outcome: Option<OutcomeFilter>,
    /// Only completers of this statistical year.
    pub statistical_year: Option<i32>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// List completers' follow-ups, latest completion first
///
/// Each completer's follow-up window (就业跟踪), the 3-, 6- and 12-month
/// milestones social insurance showed, and the outcome once decided.
/// Officers and auditors of the city see every completer; an institution
/// operator its own institutions' completers. Filters by institution,
/// outcome (`pending` for windows still open) and statistical year.
/// Cursor-paginated: pass `next_cursor` back as `cursor`. Refused: 403
/// `forbidden_role`, `out_of_scope` (an officer or auditor of another city);
/// 422 `limit_range`, `cursor_invalid`, `invalid_query_parameter` (e.g. an
/// unknown `outcome`).
#[utoipa::path(
    tag = "follow-ups",
    operation_id = "listFollowUps",
    params(FollowUpQuery),
    responses(
        (status = 200, description = "A page of follow-ups", body = Page<FollowUpView>),
        (status = 422, response = platform::problem::Unprocessable),
    ),
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

/// Read one completer's follow-up, by enrolment
///
/// The completer's window, milestones and outcome. Officers and auditors of
/// the city see any; an institution operator its own completers'. One the
/// caller may not see answers 404 `follow_up_not_found`, as one that does
/// not exist.
#[utoipa::path(
    tag = "follow-ups",
    operation_id = "getFollowUp",
    params(("enrolment_id" = Uuid, Path, description = "The completed enrolment (delivery's enrolment id)")),
    responses(
        (status = 200, description = "The completer's follow-up", body = FollowUpView),
        (status = 404, description = "Refused: follow_up_not_found (no such completer, or not one the caller may see)", body = Problem, content_type = "application/problem+json"),
    ),
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

/// Close the follow-up windows that ended before a date
///
/// A bureau officer of the city closes every window that ended before
/// `as_of` (default today): the evidence is looked at once more, and a
/// window it shows employment in is closed with
/// `qiancheng.employment.outcome.employed_within_window.v1`; the rest with
/// `qiancheng.employment.outcome.not_employed_at_window_end.v1`. The
/// periodic job does the same every interval; repeating it is harmless (a
/// window is decided once). Refused: 403 `forbidden_role`, `out_of_scope`
/// (another city); 422 `as_of_in_future`.
#[utoipa::path(
    tag = "follow-ups",
    operation_id = "closeFollowUpWindows",
    request_body = CloseWindows,
    responses(
        (status = 200, description = "How many windows were closed, by outcome", body = Closed),
        (status = 422, response = platform::problem::Unprocessable),
    ),
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
