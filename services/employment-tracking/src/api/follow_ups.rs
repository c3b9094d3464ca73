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

use super::{scope, CloseWindows, FollowUpView, Scope, State};
use crate::store::{self, CompleterFilter, CompleterRow};
use crate::tracking::{self, Closed};

pub(super) fn not_found() -> ApiError {
    ApiError::not_found("follow_up_not_found", "no such completer")
}

/// May the caller see this completer? Officers and auditors of the city,
/// and the operators of the institution that trained them.
pub(super) fn may_see(scope: &Scope, c: &CompleterRow) -> bool {
    match scope {
        Scope::City => true,
        Scope::Institutions(ids) => ids.contains(&c.institution_id),
        Scope::Employer(_) | Scope::Integrator { .. } => false,
    }
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
    responses((status = 200, body = Page<FollowUpView>), (status = 422, body = Problem, content_type = "application/problem+json")),
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
    let mut conn = state.pool.get().await?;
    let mut filter = CompleterFilter {
        institution_id: query.institution_id,
        outcome: query.outcome.map(|o| match o {
            OutcomeFilter::Pending => None,
            OutcomeFilter::EmployedWithinWindow => Some(store::EMPLOYED.to_owned()),
            OutcomeFilter::NotEmployedAtWindowEnd => Some(store::NOT_EMPLOYED.to_owned()),
        }),
        statistical_year: query.statistical_year,
        ..CompleterFilter::default()
    };
    if let Scope::Institutions(ids) = scope(&mut conn, &state, &who).await? {
        filter.institutions = Some(ids);
    }
    let rows = store::list_completers(&mut conn, &filter, after, limit + 1).await?;
    let page = pagination::page(rows, limit, |c| (c.completed_on, c.enrolment_id));
    let today = ids::business_date(Utc::now());
    let ids: Vec<Uuid> = page.items.iter().map(|c| c.enrolment_id).collect();
    let found = store::milestones_of(&mut conn, &ids).await?;
    let items = page
        .items
        .into_iter()
        .map(|c| {
            let mine: Vec<_> = found
                .iter()
                .filter(|m| m.enrolment_id == c.enrolment_id)
                .cloned()
                .collect();
            FollowUpView::new(c, &mine, today)
        })
        .collect();
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// One completer's follow-up, by enrolment.
#[utoipa::path(
    tag = "follow-ups",
    params(("enrolment_id" = Uuid, Path)),
    responses((status = 200, body = FollowUpView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[get("/v1/follow-ups/{enrolment_id}")]
pub async fn get(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let scope = scope(&mut conn, &state, &who).await?;
    let c = store::completer(&mut conn, *id)
        .await?
        .filter(|c| may_see(&scope, c))
        .ok_or_else(not_found)?;
    let found = store::milestones_of(&mut conn, &[c.enrolment_id]).await?;
    Ok(HttpResponse::Ok().json(FollowUpView::new(c, &found, ids::business_date(Utc::now()))))
}

/// Close every window that ended before `as_of` (default today): evidence
/// is looked at once more, then NOT_EMPLOYED_AT_WINDOW_END is published for
/// the rest. The periodic job does the same every interval; repeating it is
/// harmless.
#[utoipa::path(
    tag = "follow-ups",
    request_body = CloseWindows,
    responses((status = 200, body = Closed), (status = 422, body = Problem, content_type = "application/problem+json")),
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
    let closed = tracking::close_windows(&state.pool, state.city, as_of)
        .await
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(closed))
}
