//! Claims: who sees which, the officers' review queue (复核) and the
//! preview of what a class would be paid.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use db::ScopedFutureExt;
use platform::auth::{person_named, Principal, Role, Scope};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::pagination::{self, Page};
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use serde::Deserialize;
use uuid::Uuid;

use super::{ClaimView, NewClaim, Review, ReviewDecision, State};
use crate::app::claims::{self as use_case, Filed};
use crate::domain::status::ClaimStatus;
use crate::domain::subsidy::SubsidyKind;
use crate::store::claims::{self, ClaimFilter};
use crate::store::{self, ClaimRow};

fn not_found() -> ApiError {
    ApiError::not_found("claim_not_found", "no such claim")
}

/// Officers and auditors of the city see every claim; an institution sees
/// its own; everyone else gets 404.
async fn may_see(
    conn: &mut diesel_async::AsyncPgConnection,
    who: &Principal,
    row: &ClaimRow,
) -> Result<bool, ApiError> {
    let org = match row.institution_id {
        Some(id) => store::credit_code_of(conn, id).await?.unwrap_or_default(),
        None => String::new(),
    };
    Ok(match who.role() {
        Role::BureauOfficer | Role::Auditor => who.may_see_institution_record(&row.city, &org),
        Role::InstitutionOperator | Role::Integrator => {
            !org.is_empty() && who.may_see_institution_record(&row.city, &org)
        }
        Role::Enterprise => who
            .org()
            .is_some_and(|o| row.payee == format!("enterprise:{o}")),
        Role::Trainee => who.person_id() == Some(row.person_id.as_str()),
        Role::Assessor | Role::Province => false,
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ClaimQuery {
    /// in_review (the review queue), approved, refused, …
    pub status: Option<String>,
    pub kind: Option<String>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// Claims the caller may see, oldest first: all of the city's for
/// officers and auditors, its own for an institution or an enterprise.
/// One person's only with `X-Person-Id` (never in the URL).
#[utoipa::path(
    tag = "claims",
    params(
        ClaimQuery,
        ("X-Person-Id" = Option<String>, Header, description = "Only this person's claims"),
    ),
    responses((status = 200, body = Page<ClaimView>)),
    security(("bearer" = []))
)]
#[get("/v1/claims")]
pub async fn list(
    state: State,
    who: Principal,
    req: actix_web::HttpRequest,
    query: web::Query<ClaimQuery>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[
        Role::BureauOfficer,
        Role::Auditor,
        Role::InstitutionOperator,
        Role::Integrator,
        Role::Enterprise,
    ])?;
    let limit = pagination::limit(query.limit)?;
    let after: Option<(DateTime<Utc>, Uuid)> = pagination::decode_cursor(query.cursor.as_deref())?;
    let mut filter = ClaimFilter {
        city: state.city.to_string(),
        status: query.status.clone(),
        kind: query.kind.clone(),
        person_id: person_named(&req),
        after,
        limit: limit + 1,
        ..ClaimFilter::default()
    };
    match who.role() {
        Role::BureauOfficer | Role::Auditor => {
            who.require_city(state.city)?;
        }
        Role::Enterprise => {
            let org = who.org().unwrap_or_default();
            filter.payee = Some(format!("enterprise:{org}"));
        }
        _ => {
            filter.institution_credit_code = Some(who.org().unwrap_or_default().to_owned());
        }
    }
    let mut conn = state.pool.get().await?;
    let rows = claims::list(&mut conn, &filter).await?;
    let page =
        pagination::page(rows, limit, |r| (r.created_at, r.id)).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(Page {
        items: page
            .items
            .into_iter()
            .map(ClaimView::from)
            .collect::<Vec<_>>(),
        next_cursor: page.next_cursor,
    }))
}

/// A matched or new claim; a refused one answers 422 with its reasons.
fn answer(filed: Filed) -> Result<HttpResponse, ApiError> {
    let (row, created) = match filed {
        Filed::Matched(row) => (row, false),
        Filed::Made(row) => (row, true),
    };
    if row.status()? == ClaimStatus::Refused {
        let reasons: Vec<contracts::subsidy::ReasonItem> =
            serde_json::from_value(row.reasons.clone()).map_err(ApiError::internal)?;
        let mut e = ApiError::from(crate::app::Error::NotPayable(Vec::new()));
        e.errors = reasons
            .into_iter()
            .map(|r| platform::FieldError::new("kind", &r.code, r.text))
            .collect();
        return Err(e);
    }
    let view = ClaimView::from(row);
    Ok(if created {
        HttpResponse::Created().json(view)
    } else {
        HttpResponse::Ok().json(view)
    })
}

/// File a claim: an institution for its trainee's training subsidy or
/// employment reward, an enterprise for its apprentice, a person (through
/// the portal) for the certificate subsidy. Answers the matching claim
/// (200 if the events already made it, 201 if made now), or 422 with every
/// reason it is not payable. A refusal because the subsidy was already
/// granted is recorded as a refused claim.
#[utoipa::path(
    tag = "claims",
    request_body = NewClaim,
    responses(
        (status = 200, description = "Matched to an existing claim", body = ClaimView),
        (status = 201, description = "Computed now", body = ClaimView),
        (status = 404, description = "No such evidence for the caller", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not payable, with the reasons", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/claims")]
pub async fn file(
    state: State,
    who: Principal,
    Json(body): Json<NewClaim>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let engine = state.engine.current(&mut conn).await?;
    match body {
        NewClaim::Training { enrolment_id } | NewClaim::EmploymentReward { enrolment_id } => {
            who.require(&[Role::InstitutionOperator, Role::Integrator])?
                .require_scope(Scope::SubsidyClaims)?;
            let kind = if matches!(body, NewClaim::Training { .. }) {
                SubsidyKind::Training
            } else {
                SubsidyKind::EmploymentReward
            };
            answer(
                use_case::file_for_enrolment(&mut conn, &engine, kind, enrolment_id, who.org())
                    .await?,
            )
        }
        NewClaim::Apprenticeship { apprenticeship_id } => {
            who.require(&[Role::Enterprise])?;
            let row =
                use_case::apprenticeship_claim(&mut conn, apprenticeship_id, who.org()).await?;
            Ok(HttpResponse::Ok().json(ClaimView::from(row)))
        }
        NewClaim::Certificate {
            person_id,
            certificate_id,
        } => {
            // The person applies (their own token, or the portal's acting
            // for them), or an officer at the counter names them.
            who.require(&[Role::Trainee, Role::BureauOfficer])?;
            let person_id = match who.person_id() {
                Some(own) => {
                    if person_id.as_deref().is_some_and(|named| named != own) {
                        return Err(ApiError::forbidden(
                            "out_of_scope",
                            "a trainee applies only in their own name",
                        ));
                    }
                    own.to_owned()
                }
                None => {
                    who.require_city(state.city)?;
                    person_id.ok_or_else(|| {
                        ApiError::validation(vec![platform::FieldError::new(
                            "person_id",
                            "required",
                            "an officer names the person applying",
                        )])
                    })?
                }
            };
            answer(
                use_case::file_certificate(&mut conn, &engine, &person_id, certificate_id).await?,
            )
        }
    }
}

/// One claim, with the reasons for its decision and any fraud findings.
#[utoipa::path(
    tag = "claims",
    responses(
        (status = 200, body = ClaimView),
        (status = 404, response = platform::problem::NotFound),
    ),
    security(("bearer" = []))
)]
#[get("/v1/claims/{id}")]
pub async fn get(
    state: State,
    who: Principal,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let row = store::claims::claim(&mut conn, *path)
        .await?
        .ok_or_else(not_found)?;
    if !may_see(&mut conn, &who, &row).await? {
        return Err(not_found());
    }
    Ok(HttpResponse::Ok().json(ClaimView::from(row)))
}

/// Decide a claim in the review queue: approve (commits the budget),
/// reject, or ask the claimant for documents.
#[utoipa::path(
    tag = "claims",
    request_body = Review,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer as the first time; another body is refused (422), a concurrent one too (409)")),
    responses(
        (status = 200, body = ClaimView),
        (status = 404, response = platform::problem::NotFound),
        (status = 409, description = "The claim is not awaiting review, or a request with this Idempotency-Key is still running (`idempotency_in_flight`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No budget left, or a note missing", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/claims/{id}/review")]
pub async fn review(
    state: State,
    who: Principal,
    path: web::Path<Uuid>,
    key: IdempotencyKey,
    Json(body): Json<Review>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::BureauOfficer])?
        .require_city(state.city)?;
    let mut v = Validator::new();
    let note = body.note.clone().filter(|n| !n.trim().is_empty());
    v.ensure(
        body.decision == ReviewDecision::Approve || note.is_some(),
        "note",
        "note_required",
        "a rejection or a request for documents says why",
    );
    v.finish(())?;
    let id = *path;
    let by = who.subject().to_owned();
    let city = state.city;
    let decision = match body.decision {
        ReviewDecision::Approve => ClaimStatus::Approved,
        ReviewDecision::Reject => ClaimStatus::Rejected,
        ReviewDecision::RequestDocuments => ClaimStatus::DocumentsRequested,
    };
    let mut conn = state.pool.get().await?;
    let scope = format!("{by}:review-claim:{id}");
    idempotency::once(&mut conn, &key, scope, &body, |conn| {
        async move {
            let row = use_case::review(conn, city, id, decision, note.as_deref(), &by).await?;
            Created::new(StatusCode::OK, &ClaimView::from(row))
        }
        .scope_boxed()
    })
    .await
}

/// What a class would be paid, per trainee, and why (the domain's
/// decisions, counting the budget and the once-per rule as it goes).
#[utoipa::path(
    tag = "claims",
    responses((status = 200, description = "The preview: lines per trainee with the decisions, total and per fund", body = Object)),
    security(("bearer" = []))
)]
#[get("/v1/classes/{class_id}/preview")]
pub async fn preview(
    state: State,
    who: Principal,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[
        Role::BureauOfficer,
        Role::Auditor,
        Role::InstitutionOperator,
        Role::Integrator,
    ])?;
    let mut conn = state.pool.get().await?;
    let engine = state.engine.current(&mut conn).await?;
    let visible = |org: &str| who.may_see_institution_record(state.city.as_str(), org);
    let preview = use_case::preview_class(&mut conn, &engine, *path, visible)
        .await?
        .ok_or_else(|| ApiError::not_found("class_not_found", "no completions of this class"))?;
    Ok(HttpResponse::Ok().json(preview))
}
