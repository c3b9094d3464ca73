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

use super::{viewer, NewRecord, RecordView, State};
use crate::app::records::{self, NewReport, ReportedBy};
use crate::domain::evidence::Source;
use crate::store::records::RecordFilter;

/// Report an employment of a worker
///
/// Records an employment (就业信息登记) of a worker, identified by citizen ID
/// (only its pseudonym and masked form are kept). Who may report from which
/// `source`: a bureau officer of the city (`self_reported`, a worker's
/// statement heard at a desk); a trainee, or the trainee portal acting for
/// them, their own employment (`self_reported`); an institution operator or
/// an integrator acting for an institution, its own completers
/// (`institution_reported`); an enterprise or an integrator acting for it,
/// its own staff (`employer_reported`). An integrator needs the scope
/// `employment:reports`. `social_insurance` records come only from
/// contribution batches.
///
/// A report never replaces another record: one placing the person with
/// another employer over the same time is kept and both are flagged
/// `conflicting`. The report may confirm employment within a completer's
/// follow-up window. Publishes `qiancheng.employment.record.added.v1` (and an
/// outcome event when a window is confirmed). Refused: 403 `out_of_scope`
/// (not the caller's trainee, staff or own employment), `source_not_allowed`;
/// 422 with field errors (`citizen_id_check_digit`, `starts_in_future`,
/// `contract_ends_before_start`, ...). With an `Idempotency-Key`, a retry
/// answers the first report again.
#[utoipa::path(
    tag = "employment-records",
    operation_id = "reportEmployment",
    request_body = NewRecord,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer the first result again")),
    responses(
        (status = 201, description = "The employment as recorded, flagged if it conflicts with another record", body = RecordView,
            headers(("Location" = String, description = "Where the record is read"))),
        (status = 403, description = "Refused: out_of_scope (not this caller's trainee, staff or own employment), source_not_allowed (a source the caller cannot report), forbidden_role, scope_missing", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = platform::problem::Unprocessable),
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
    let report = NewReport {
        person_id: state.person_ids.person_id(&citizen).to_string(),
        citizen_masked: citizen.masked(),
        employer,
        job,
        starts_on: body.starts_on,
        ends_on: body.ends_on,
        source: body.source,
    };
    // The key's stored request must not hold the citizen ID in clear.
    let fingerprint = serde_json::json!({ "person": report.person_id, "employer": report.employer.to_string(),
        "job": report.job, "starts_on": report.starts_on, "ends_on": report.ends_on, "source": report.source.as_str() });
    let by = ReportedBy {
        role: who.role(),
        subject: who.subject().to_owned(),
        org: who.org().map(str::to_owned),
        person_id: who.person_id().map(str::to_owned),
    };
    let mut conn = state.pool.get().await?;
    let authorised = records::authorise(&mut conn, by, report).await?;
    let scope = format!("{}:report-employment", who.subject());
    let city = state.city;
    idempotency::once(&mut conn, &key, scope, &fingerprint, |conn| {
        async move {
            let row = records::report(conn, city, authorised).await?;
            let location = format!("/v1/employment-records/{}", row.id);
            Ok(Created::new(StatusCode::CREATED, &RecordView::from(row))?.at(location))
        }
        .scope_boxed()
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RecordQuery {
    /// Only records of this employer (unified social credit code).
    #[param(format = "credit-code", pattern = r"^[0-9A-HJ-NPQRTUWXY]{18}$")]
    pub employer_credit_code: Option<String>,
    /// Only records from this source.
    pub source: Option<Source>,
    /// Only records in (or out of) conflict with another.
    pub conflicting: Option<bool>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// List the employment records the caller may see, newest first
///
/// Officers and auditors of the city see all of the city's records; an
/// enterprise its own staff's; an institution operator its completers'; an
/// integrator those it submitted. Filters by employer, source and conflict;
/// one person's records only with the `X-Person-Id` header (a person id,
/// never in the URL). Cursor-paginated: pass `next_cursor` back as `cursor`.
/// Refused: 403 `out_of_scope` (an officer or auditor of another city),
/// `forbidden_role`; 422 `limit_range`, `cursor_invalid`, or a malformed
/// `employer_credit_code`.
#[utoipa::path(
    tag = "employment-records",
    operation_id = "listEmploymentRecords",
    params(
        RecordQuery,
        ("X-Person-Id" = Option<String>, Header, description = "Only this person's records (the person id, a pseudonym)"),
    ),
    responses(
        (status = 200, description = "A page of employment records, personal data masked", body = Page<RecordView>),
        (status = 422, response = platform::problem::Unprocessable),
    ),
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
    let viewer = viewer(&state, &who)?;
    let mut conn = state.pool.get().await?;
    let filter = RecordFilter {
        person_id: platform::auth::person_named(&req),
        employer: employer.map(|e| e.to_string()),
        source: query.source.map(|s| s.as_str().to_owned()),
        conflicting: query.conflicting,
        ..RecordFilter::default()
    };
    let page = records::list(&mut conn, &viewer, filter, after, limit).await?;
    Ok(HttpResponse::Ok().json(Page {
        items: page.items.into_iter().map(RecordView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Read one employment record
///
/// The record, personal data masked, if the caller may see it: officers and
/// auditors of the city any; an enterprise its own staff's; an institution
/// operator its completers'; an integrator those it submitted. A record
/// the caller may not see answers 404 `record_not_found`, as one that does
/// not exist.
#[utoipa::path(
    tag = "employment-records",
    operation_id = "getEmploymentRecord",
    params(("id" = Uuid, Path, description = "The record's id")),
    responses(
        (status = 200, description = "The employment record", body = RecordView),
        (status = 404, description = "Refused: record_not_found (none, or not one the caller may see)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/employment-records/{id}")]
pub async fn get(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let viewer = viewer(&state, &who)?;
    let mut conn = state.pool.get().await?;
    let row = records::get(&mut conn, &viewer, *id).await?;
    Ok(HttpResponse::Ok().json(RecordView::from(row)))
}
