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
    /// Only claims of this status: in_review (the review queue),
    /// documents_requested, disputed, approved, in_payout, paid, refused,
    /// rejected, recovered.
    pub status: Option<String>,
    /// Only claims of this kind: training, employment_reward,
    /// apprenticeship, certificate.
    pub kind: Option<String>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1 to 500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// List the claims the caller may see, oldest first
///
/// Bureau officers and auditors of the city see every claim of the city;
/// an institution operator or integrator sees its own institution's
/// claims, an enterprise the claims paying it (its apprentices). `status`
/// (`in_review` is the officers' review queue, 复核) and `kind` narrow the
/// list; one person's claims are asked for with the `X-Person-Id` header,
/// never in the URL. Cursor-paginated: pass the previous page's
/// `next_cursor` as `cursor`; `limit` is 1 to 500 (default 50). Refusals:
/// `limit_range`, `cursor_invalid` (422).
#[utoipa::path(
    tag = "claims",
    operation_id = "listClaims",
    params(
        ClaimQuery,
        ("X-Person-Id" = Option<String>, Header, description = "Only this person's claims (their pseudonymous person id)"),
    ),
    responses((status = 200, description = "A page of claims, oldest first", body = Page<ClaimView>)),
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

/// File a subsidy claim over the API
///
/// Claims are made from other services' events as a rule; this files one
/// explicitly (补贴申领), by `kind`:
/// - `training` (职业培训补贴) and `employment_reward` (培训促进就业奖补):
///   the institution that trained the person (institution operator or
///   integrator with scope `subsidy:claims`), naming the enrolment;
/// - `apprenticeship` (企业新型学徒制培训补贴): the enterprise, naming the
///   apprenticeship;
/// - `certificate` (个人取证补贴): the person themselves (trainee token,
///   or the portal acting for them), or a bureau officer of the city at
///   the counter naming `person_id`.
///
/// Answers the claim the events already made (200) or the one computed now
/// (201); its status says whether it is approved, waiting in review or
/// refused for fraud findings. Not payable: 422 `not_payable`, each reason
/// in `errors` (a refusal because the subsidy was already granted is also
/// recorded as a refused claim). Other refusals: `evidence_not_found`
/// (404, no such enrolment, apprenticeship or certificate for the
/// caller), `out_of_scope` (403, a trainee naming someone else),
/// `required` on `person_id` (422, an officer naming nobody). A claim made
/// now is published on `subsidy.claims.v1`.
#[utoipa::path(
    tag = "claims",
    operation_id = "fileClaim",
    request_body = NewClaim,
    responses(
        (status = 200, description = "Matched to the claim the events already made", body = ClaimView),
        (status = 201, description = "Computed and recorded now", body = ClaimView),
        (status = 404, description = "Refused: evidence_not_found (no such evidence for the caller)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: not_payable (each reason in `errors`), validation_failed (person_id required)", body = Problem, content_type = "application/problem+json"),
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

/// Read one claim with the reasons for its decision
///
/// Bureau officers and auditors of the city; the institution (operator or
/// integrator) whose claim it is; the enterprise it pays; the trainee in
/// whose name it was made. Carries the decision's reasons, any fraud
/// findings with their weights, and the review. A claim the caller may not
/// see answers 404 `claim_not_found`, as an absent one does, so that its
/// existence is not revealed.
#[utoipa::path(
    tag = "claims",
    operation_id = "getClaim",
    params(("id" = Uuid, Path, description = "The claim")),
    responses(
        (status = 200, description = "The claim", body = ClaimView),
        (status = 404, description = "Refused: claim_not_found (absent, or not the caller's to see)", body = Problem, content_type = "application/problem+json"),
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

/// Decide a claim in the officers' review queue
///
/// A bureau officer of the city decides a claim `in_review` (复核):
/// `approve` commits the budget in the ledger (the claim becomes payable),
/// `reject` releases it, `request_documents` asks the claimant for more
/// (both need a `note`). The decision is published on `subsidy.claims.v1`
/// (approved, rejected or documents_requested). Refusals:
/// `claim_not_found` (404); `claim_not_in_review` (409, decided or
/// frozen by a dispute); `note_required` (422); no budget left in the pot
/// (422 `balance_would_go_negative`). With an `Idempotency-Key`, a retry
/// answers as the first time.
#[utoipa::path(
    tag = "claims",
    operation_id = "reviewClaim",
    request_body = Review,
    params(("id" = Uuid, Path, description = "The claim"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer as the first time; another body is refused (422), a concurrent one too (409)")),
    responses(
        (status = 200, description = "The claim as decided", body = ClaimView),
        (status = 404, description = "Refused: claim_not_found", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: claim_not_in_review (decided, or frozen by a dispute), idempotency_in_flight", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: balance_would_go_negative (no budget left), validation_failed (note_required), idempotency_key_reused", body = Problem, content_type = "application/problem+json"),
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

/// Preview what a class would be paid, trainee by trainee
///
/// Bureau officers and auditors of the city, and the institution (operator
/// or integrator) that ran the class. For each completion delivery
/// reported, the training subsidy and employment reward decisions as the
/// rules in force would make them now, counting the budget and the
/// once-per-person rule line by line so the figures add up; then the total
/// and the amount per fund source. Reads only: nothing is claimed or
/// committed. `class_not_found` (404) when delivery reported no completion
/// of the class, or the class is not the caller's to see.
#[utoipa::path(
    tag = "claims",
    operation_id = "previewClassSubsidy",
    params(("class_id" = Uuid, Path, description = "The class, as training delivery numbers it")),
    responses(
        (status = 200, description = "The preview: a line per trainee with the decisions, the total and the amount per fund, in fen", body = Object, example = json!({
            "lines": [{
                "enrolment_id": "01937a10-2b3c-7d4e-8f5a-6b7c8d9e0f1a",
                "training": {
                    "decision": "payable",
                    "kind": "training",
                    "key": {"person": "9c1e4b7a2d3f5e6a8b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a", "kind": "training", "occupation": "4-10-01-02", "level": "senior", "year": 2026},
                    "payee": {"type": "institution", "id": "01936f2e-7c4a-7b21-9d3e-4a5b6c7d8e9f"},
                    "standard": 150000,
                    "split": {"government": 150000, "enterprise": 0, "individual": 0},
                    "amount": 150000,
                    "fund": "unemployment_insurance",
                    "reasons": [{"code": "completed", "text": "completed the class"}, {"code": "standard", "text": "catalogue standard ¥1500.00"}]
                },
                "employment_reward": {
                    "decision": "not_payable",
                    "kind": "employment_reward",
                    "reasons": [{"code": "not_employed_in_window", "text": "no employment shown within the follow-up window"}]
                }
            }],
            "total": 150000,
            "by_fund": {"unemployment_insurance": 150000}
        })),
        (status = 404, description = "Refused: class_not_found (no completions of this class the caller may see)", body = Problem, content_type = "application/problem+json"),
    ),
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
