//! Class filing (开班备案) and approval.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use db::ScopedFutureExt;
use ids::{InvalidValue, OccupationCode};
use platform::auth::{Principal, Role, Scope};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::pagination::{self, Page};
use platform::problem::Problem;
use platform::validate::{Invalid, Validator};
use platform::ApiError;
use serde::Deserialize;
use uuid::Uuid;

use super::{paging, ClassSummary, ClassView, NewClass, State, IDEMPOTENCY_KEY};
use crate::app::classes::{self, ClassFiling, ClassQuery};
use crate::domain::class::{ClassStatus, Session};

/// File a class for the bureau's approval
///
/// An institution files a class (开班备案) of a catalogue occupation and level before it
/// starts: its operators, or its systems with the scope `delivery:classes`, for their own
/// institution only (another's answers 403 `out_of_scope`). The filing is checked against
/// what the catalogue and the registry announced, and every reason it is refused is answered
/// at once (422 `validation_failed`, each field with its code): the institution approved
/// (`institution_unknown`, `institution_not_approved`) and not under review after a D rating
/// (`institution_under_review`); the occupation and level in its granted scope that year
/// (`outside_scope`) and in the city's published catalogue of the year (`not_in_catalogue`);
/// 1 to 500 places (`capacity_range`); at least one session (`list_empty`), in order
/// (`sessions_out_of_order`, `session_reversed`) and not yet started (`class_started`), each
/// at a venue of the institution (`venue_not_of_institution`) equipped for the occupation
/// (`venue_not_equipped`) and large enough (`venue_too_small`), with a teacher of the
/// institution (`teacher_not_of_institution`) qualified for the occupation and level
/// (`teacher_not_qualified`). The plan (一项目一方案) needs theory or practice hours
/// (`plan_empty`) and safety content (安全知识, `safety_missing`).
///
/// The class then waits for the bureau's approval (`approveClass`). `delivery.classes.v1`
/// hears `class.filed`; a teacher or venue another open class holds at the same time is not
/// a refusal but raises `alert.conflict` on `delivery.alerts.v1` for supervision. With an
/// `Idempotency-Key`, a retry answers what the first request was answered.
#[utoipa::path(
    operation_id = "fileClass",
    tag = "classes",
    request_body = NewClass,
    params(("Idempotency-Key" = Option<String>, Header, description = IDEMPOTENCY_KEY)),
    responses(
        (status = 201, description = "The class as filed, awaiting the bureau's approval", body = ClassView,
            headers(("Location" = String, description = "Where the class is read (`getClass`)"))),
        (status = 409, response = platform::problem::IdempotencyInFlight),
        (status = 422, description = "Refused, with every reason (`validation_failed`: `not_in_catalogue`, `outside_scope`, `institution_not_approved`, `venue_too_small`, … on their fields), or the Idempotency-Key was sent before with another body (`idempotency_key_reused`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/classes")]
pub async fn file(
    state: State,
    who: Principal,
    key: IdempotencyKey,
    Json(body): Json<NewClass>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::InstitutionOperator, Role::Integrator])?
        .require_scope(Scope::DeliveryClasses)?;
    let mut v = Validator::new();
    let _: Option<OccupationCode> = v.parse("occupation_code", &body.occupation_code);
    // Saturating: hours a client sends may add up beyond u32.
    let hours = body.plan.curriculum.iter().fold(0_u32, |sum, c| {
        sum.saturating_add(c.theory_hours)
            .saturating_add(c.practice_hours)
    });
    v.ensure(
        hours > 0,
        "plan.curriculum",
        "plan_empty",
        "the plan has theory or practice hours",
    );
    v.ensure(
        !body.plan.safety_content.trim().is_empty(),
        "plan.safety_content",
        "safety_missing",
        "the plan covers safety (安全知识)",
    );
    v.finish(())?;
    let filing = ClassFiling {
        institution_id: body.institution_id,
        occupation_code: body.occupation_code.clone(),
        skill_level: body.skill_level,
        year: body.year,
        capacity: body.capacity,
        funding_route: body.funding_route,
        plan: serde_json::to_value(&body.plan).map_err(ApiError::internal)?,
        sessions: body
            .sessions
            .iter()
            .map(|s| Session {
                starts_at: s.starts_at,
                ends_at: s.ends_at,
                venue_id: s.venue_id,
                teacher_id: s.teacher_id,
            })
            .collect(),
    };
    let scope = format!("{}:file-class", who.subject());
    let (city, who) = (state.city, &who);
    let mut conn = state.pool.get().await?;
    idempotency::once(&mut conn, &key, scope, &body, |conn| {
        async move {
            let filed = classes::file(conn, who, city, filing).await?;
            let location = format!("/v1/classes/{}", filed.class.id);
            Ok(Created::new(
                StatusCode::CREATED,
                &ClassView::new(filed.class, filed.sessions),
            )?
            .at(location))
        }
        .scope_boxed()
    })
    .await
}

/// A class list's filters as sent; each is checked into its type.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ClassListQuery {
    // Described in its schema: with `schema_with`, utoipa drops a doc comment.
    #[param(schema_with = super::views::class_status_filter)]
    pub status: Option<String>,
    /// Only this institution's classes (its id in the registry).
    #[param(value_type = Option<Uuid>)]
    pub institution_id: Option<String>,
    /// Only classes training under this year's catalogue.
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    pub year: Option<String>,
    /// Only classes of this occupation (职业编码), e.g. `6-31-01-03`.
    #[param(pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: Option<String>,
    /// The previous page's `next_cursor`, for the page after it.
    pub cursor: Option<String>,
    /// Classes per page, 1 to 500; 50 unless given.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

impl ClassListQuery {
    /// The filters as the use case takes them (reading one row past the
    /// page) and the page size, or every bad parameter.
    fn checked(&self) -> Result<(ClassQuery, i64), Invalid> {
        let mut v = Validator::new();
        let status: Option<ClassStatus> = self.status.as_deref().and_then(|s| v.parse("status", s));
        let institution_id = self.institution_id.as_deref().and_then(|s| {
            let id = Uuid::parse_str(s).map_err(|_| InvalidValue::new("uuid_format", "a UUID"));
            v.check("institution_id", id)
        });
        let year = self.year.as_deref().and_then(|s| {
            let year = s
                .parse::<i32>()
                .ok()
                .filter(|y| (2000..=2100).contains(y))
                .ok_or_else(|| InvalidValue::new("year_range", "a year from 2000 to 2100"));
            v.check("year", year)
        });
        let occupation_code: Option<OccupationCode> = self
            .occupation_code
            .as_deref()
            .and_then(|s| v.parse("occupation_code", s));
        let (limit, after) = paging(&mut v, self.limit, self.cursor.as_deref());
        // Nothing recorded: each filter is absent exactly where none was sent.
        v.finish(())?;
        let query = ClassQuery {
            status,
            institution_id,
            year,
            occupation_code,
            after,
            limit: limit + 1,
        };
        Ok((query, limit))
    }
}

/// List the classes the caller may see, filtered, a page at a time
///
/// Bureau officers and auditors of the city see every class of the city (an officer's work
/// queue: `status=filed`, awaiting approval); an institution's operators and systems (no
/// scope needed) only their own institution's, whatever `institution_id` they name. Classes
/// come oldest filing first, at most `limit` (default 50, at most 500) a page; pass the
/// answer's `next_cursor` as `cursor` for the next page, which the last page lacks. Filters
/// combine: status, institution, catalogue year, occupation code. Every bad parameter is
/// answered at once (422 `validation_failed`): `class_status_unknown` on `status`,
/// `uuid_format` on `institution_id`, `year_range` on `year`, `occupation_code_format` or
/// `occupation_code_major_group` on `occupation_code`, `limit_range`, `cursor_invalid`, and
/// `unknown_parameter` for a parameter not listed here.
#[utoipa::path(
    operation_id = "listClasses",
    tag = "classes",
    params(ClassListQuery),
    responses(
        (status = 200, description = "A page of the classes the caller may see, oldest filing first", body = Page<ClassSummary>),
        (status = 422, description = "Bad parameters, each named with its code (`validation_failed`: `class_status_unknown`, `uuid_format`, `year_range`, `occupation_code_format`, `limit_range`, `cursor_invalid`, …)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/classes")]
pub async fn list(
    state: State,
    who: Principal,
    query: web::Query<ClassListQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[
        Role::BureauOfficer,
        Role::Auditor,
        Role::InstitutionOperator,
        Role::Integrator,
    ])?;
    if matches!(who.role(), Role::BureauOfficer | Role::Auditor) {
        who.require_city(state.city)?;
    }
    let (filters, limit) = query.checked()?;
    let mut conn = state.pool.get().await?;
    let rows = classes::list(&mut conn, &who, state.city, &filters).await?;
    let page = pagination::page(rows, limit, |c| (c.filed_at, c.id)).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(Page {
        items: page
            .items
            .into_iter()
            .map(ClassSummary::from)
            .collect::<Vec<_>>(),
        next_cursor: page.next_cursor,
    }))
}

/// Read a class with its plan and sessions
///
/// Bureau officers and auditors of the city read any of its classes; an institution's
/// operators and systems (no scope needed) only their own institution's. Another
/// institution's class answers 404 `class_not_found`, as an unknown id does, so that it does
/// not show it exists.
#[utoipa::path(
    operation_id = "getClass",
    tag = "classes",
    params(("id" = Uuid, Path, description = "The class")),
    responses(
        (status = 200, description = "The class, its plan and its sessions in order", body = ClassView),
        (status = 404, description = "No such class, or not the caller's to see (`class_not_found`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/classes/{id}")]
pub async fn get(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let class = classes::get(&mut conn, &who, *id).await?;
    Ok(HttpResponse::Ok().json(ClassView::new(class.class, class.sessions)))
}

/// Approve a filed class and open its roster
///
/// A bureau officer of the city approves a class its institution filed; trainees may then
/// enrol (`enrolTrainee`) and attend. `delivery.classes.v1` hears `class.approved`. Only a
/// filed class is approved: one approved or closed already answers 409 `class_not_filed`. No
/// body is read.
#[utoipa::path(
    operation_id = "approveClass",
    tag = "classes",
    params(("id" = Uuid, Path, description = "The class")),
    responses(
        (status = 200, description = "The class, approved, with who approved it and when", body = ClassView),
        (status = 404, description = "No such class (`class_not_found`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not awaiting approval: approved or closed already (`class_not_filed`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/classes/{id}/approve")]
pub async fn approve(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::BureauOfficer])?
        .require_city(state.city)?;
    let mut conn = state.pool.get().await?;
    let class = classes::approve(&mut conn, &who, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(ClassView::new(class.class, class.sessions)))
}
