//! Employment records (就业信息): reports by officers, institutions,
//! employers and integrators; what social insurance shows is added by the
//! contribution batches.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::Utc;
use db::ScopedFutureExt;
use ids::{CitizenId, CreditCode};
use platform::auth::{Principal, Role};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::pagination::{self, Page};
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use serde::Deserialize;
use uuid::Uuid;

use super::{scope, NewRecord, RecordView, Scope, State};
use crate::domain::evidence::{may_report, Reporter, Source};
use crate::domain::window::whole_months;
use crate::store::{self, RecordFilter, RecordRow};
use crate::{events, tracking};

fn not_found() -> ApiError {
    ApiError::not_found("record_not_found", "no such employment record")
}

/// Report an employment. Conflicting reports are kept and flagged; a report
/// never replaces another record.
#[utoipa::path(
    tag = "employment-records",
    request_body = NewRecord,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe")),
    responses(
        (status = 201, body = RecordView),
        (status = 403, description = "Not this caller's trainee or staff, or a source the caller cannot report", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/employment-records")]
pub async fn report(
    state: State,
    who: Principal,
    key: IdempotencyKey,
    Json(body): Json<NewRecord>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[
        Role::BureauOfficer,
        Role::InstitutionOperator,
        Role::Enterprise,
        Role::Integrator,
        Role::Trainee,
    ])?
    .require_scope(platform::auth::Scope::EmploymentReports)?;
    if who.role() == Role::BureauOfficer {
        who.require_city(state.city)?;
    }
    let mut v = Validator::new();
    let citizen: Option<CitizenId> = v.parse("citizen_id", &body.citizen_id);
    let employer: Option<CreditCode> = v.parse("employer_credit_code", &body.employer_credit_code);
    let job = body.job.trim().to_owned();
    v.text("job", &job, 1..=100);
    let today = ids::business_date(Utc::now());
    v.ensure(
        body.starts_on <= today,
        "starts_on",
        "starts_in_future",
        "employment is reported once it has started",
    );
    v.ensure(
        body.ends_on.is_none_or(|end| end >= body.starts_on),
        "ends_on",
        "contract_ends_before_start",
        "the contract cannot end before it starts",
    );
    let (citizen, employer) = v.finish((citizen, employer))?;
    let person_id = state.person_ids.person_id(&citizen).to_string();
    let mut conn = state.pool.get().await?;
    let own_trainee = match who.org() {
        Some(org) => {
            let mine = store::institutions_of(&mut conn, org).await?;
            store::completed_at(&mut conn, &person_id, &mine).await?
        }
        None => false,
    };
    let own_staff = who.org() == Some(employer.as_str());
    let reporter = match who.role() {
        Role::InstitutionOperator => Reporter::InstitutionOperator { own_trainee },
        Role::Enterprise => Reporter::Enterprise { own_staff },
        Role::Integrator => Reporter::Integrator {
            own_trainee,
            own_staff,
        },
        Role::Trainee => Reporter::Trainee {
            own: who.person_id() == Some(person_id.as_str()),
        },
        _ => Reporter::BureauOfficer,
    };
    if let Some((code, message)) = may_report(reporter, body.source) {
        return Err(ApiError::forbidden(code, message));
    }
    let row = RecordRow {
        id: Uuid::now_v7(),
        person_id,
        citizen_masked: citizen.masked(),
        employer_credit_code: employer.to_string(),
        job,
        starts_on: body.starts_on,
        ends_on: body.ends_on,
        contract_months: body.ends_on.map(|end| whole_months(body.starts_on, end)),
        source: body.source.as_str().to_owned(),
        conflicting: false,
        recorded_by: who.subject().to_owned(),
        recorded_at: Utc::now(),
    };
    // The key's stored request must not hold the citizen ID in clear.
    let fingerprint = serde_json::json!({ "person": row.person_id, "employer": row.employer_credit_code,
        "job": row.job, "starts_on": row.starts_on, "ends_on": row.ends_on, "source": row.source });
    let scope = format!("{}:report-employment", who.subject());
    let city = state.city;
    idempotency::once(&mut conn, &key, scope, &fingerprint, |conn| {
        async move {
            store::insert_record(conn, &row).await?;
            let mut out = tracking::reassess(conn, city, std::slice::from_ref(&row.person_id))
                .await
                .map_err(ApiError::internal)?;
            // Reassessing may have flagged the new record as conflicting.
            let row = store::record(conn, row.id)
                .await?
                .ok_or_else(|| ApiError::internal("the record just written is gone"))?;
            out.insert(0, events::record(city, &row).map_err(ApiError::internal)?);
            messaging::enqueue(conn, &out).await?;
            let location = format!("/v1/employment-records/{}", row.id);
            Ok(Created::new(StatusCode::CREATED, &RecordView::from(row)).at(location))
        }
        .scope_boxed()
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RecordQuery {
    #[param(format = "credit-code", pattern = r"^[0-9A-HJ-NPQRTUWXY]{18}$")]
    pub employer_credit_code: Option<String>,
    pub source: Option<Source>,
    /// Only records in (or out of) conflict with another.
    pub conflicting: Option<bool>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// Employment records the caller may see, newest first: officers and
/// auditors all of the city's, an enterprise its own staff's, an
/// institution its completers', an integrator those it submitted. One
/// person's only with `X-Person-Id` (never in the URL).
#[utoipa::path(
    tag = "employment-records",
    params(
        RecordQuery,
        ("X-Person-Id" = Option<String>, Header, description = "Only this person's records"),
    ),
    responses((status = 200, body = Page<RecordView>), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[get("/v1/employment-records")]
pub async fn list(
    state: State,
    who: Principal,
    req: actix_web::HttpRequest,
    query: web::Query<RecordQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = pagination::limit(query.limit)?;
    let after: Option<Uuid> = pagination::decode_cursor(query.cursor.as_deref())?;
    let mut v = Validator::new();
    let employer: Option<CreditCode> = query
        .employer_credit_code
        .as_deref()
        .and_then(|c| v.parse("employer_credit_code", c));
    v.finish(())?;
    let mut conn = state.pool.get().await?;
    let mut filter = RecordFilter {
        person_id: platform::auth::person_named(&req),
        employer: employer.map(|e| e.to_string()),
        source: query.source.map(|s| s.as_str().to_owned()),
        conflicting: query.conflicting,
        ..RecordFilter::default()
    };
    match scope(&mut conn, &state, &who).await? {
        Scope::City => {}
        Scope::Institutions(ids) => filter.institutions = Some(ids),
        Scope::Employer(org) => {
            if filter.employer.as_ref().is_some_and(|e| *e != org) {
                return Ok(HttpResponse::Ok().json(Page::<RecordView> {
                    items: Vec::new(),
                    next_cursor: None,
                }));
            }
            filter.employer = Some(org);
        }
        Scope::Integrator { subject, .. } => filter.recorded_by = Some(subject),
    }
    let rows = store::list_records(&mut conn, &filter, after, limit + 1).await?;
    let page = pagination::page(rows, limit, |r| r.id);
    Ok(HttpResponse::Ok().json(Page {
        items: page.items.into_iter().map(RecordView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One employment record.
#[utoipa::path(
    tag = "employment-records",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = RecordView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[get("/v1/employment-records/{id}")]
pub async fn get(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let row = store::record(&mut conn, *id).await?.ok_or_else(not_found)?;
    let visible = match scope(&mut conn, &state, &who).await? {
        Scope::City => true,
        Scope::Institutions(ids) => store::completed_at(&mut conn, &row.person_id, &ids).await?,
        Scope::Employer(org) => row.employer_credit_code == org,
        Scope::Integrator { subject, .. } => row.recorded_by == subject,
    };
    if !visible {
        return Err(not_found());
    }
    Ok(HttpResponse::Ok().json(RecordView::from(row)))
}
