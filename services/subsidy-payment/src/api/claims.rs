//! Claims: who sees which, the officers' review queue (复核) and the
//! preview of what a class would be paid.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use db::ScopedFutureExt;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use ids::{Fen, StatisticalYear};
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
use crate::claims::{
    approve_in_ledger, certificate_claim, claim_event, employment_reward_due,
    enrolment_institution, explain, release_in_ledger, training_due,
};
use crate::domain::entitlement::{self, Books, Completion, TraineeFacts};
use crate::domain::subsidy::{FundSource, SubsidyKind};
use crate::store::schema::{catalogue_entries, certificates, claims, completions, institutions};
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
    let mut conn = state.pool.get().await?;
    let mut q = claims::table
        .filter(claims::city.eq(state.city.to_string()))
        .into_boxed();
    match who.role() {
        Role::BureauOfficer | Role::Auditor => {
            who.require_city(state.city)?;
        }
        Role::Enterprise => {
            let org = who.org().unwrap_or_default();
            q = q.filter(claims::payee.eq(format!("enterprise:{org}")));
        }
        _ => {
            let org = who.org().unwrap_or_default().to_owned();
            let own = institutions::table
                .filter(institutions::credit_code.eq(org))
                .select(institutions::institution_id.nullable());
            q = q.filter(claims::institution_id.eq_any(own));
        }
    }
    if let Some(s) = &query.status {
        q = q.filter(claims::status.eq(s.clone()));
    }
    if let Some(k) = &query.kind {
        q = q.filter(claims::kind.eq(k.clone()));
    }
    if let Some(p) = person_named(&req) {
        q = q.filter(claims::person_id.eq(p));
    }
    if let Some((at, id)) = after {
        q = q.filter(
            claims::created_at
                .gt(at)
                .or(claims::created_at.eq(at).and(claims::id.gt(id))),
        );
    }
    let rows: Vec<ClaimRow> = q
        .order((claims::created_at, claims::id))
        .limit(limit + 1)
        .select(ClaimRow::as_select())
        .load(&mut conn)
        .await?;
    let page = pagination::page(rows, limit, |r| (r.created_at, r.id));
    Ok(HttpResponse::Ok().json(Page {
        items: page
            .items
            .into_iter()
            .map(ClaimView::from)
            .collect::<Vec<_>>(),
        next_cursor: page.next_cursor,
    }))
}

fn not_payable(reasons: &[crate::domain::entitlement::Reason]) -> ApiError {
    let mut e = ApiError::new(
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
        "not_payable",
        "the evidence does not make this subsidy payable; the errors say why",
    );
    e.errors = reasons
        .iter()
        .map(|r| platform::FieldError {
            field: "kind".into(),
            code: r.code.to_owned(),
            message: r.text.clone(),
        })
        .collect();
    e
}

/// A matched or new claim; a refused one answers 422 with its reasons.
fn answer(row: ClaimRow, created: bool) -> Result<HttpResponse, ApiError> {
    if row.status == "refused" {
        let reasons: Vec<contracts::subsidy::ReasonItem> =
            serde_json::from_value(row.reasons.clone()).unwrap_or_default();
        let mut e = not_payable(&[]);
        e.errors = reasons
            .into_iter()
            .map(|r| platform::FieldError {
                field: "kind".into(),
                code: r.code,
                message: r.text,
            })
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
    let no_evidence =
        || ApiError::not_found("evidence_not_found", "no such evidence for the caller");
    let found = |kind: SubsidyKind, source: String| {
        claims::table
            .filter(claims::kind.eq(kind.as_str()))
            .filter(claims::source_ref.eq(source))
            .select(ClaimRow::as_select())
            .into_boxed()
    };
    match body {
        NewClaim::Training { enrolment_id } | NewClaim::EmploymentReward { enrolment_id } => {
            who.require(&[Role::InstitutionOperator, Role::Integrator])?
                .require_scope(Scope::SubsidyClaims)?;
            let kind = if matches!(body, NewClaim::Training { .. }) {
                SubsidyKind::Training
            } else {
                SubsidyKind::EmploymentReward
            };
            let (institution, person, occupation, level) =
                enrolment_institution(&mut conn, enrolment_id)
                    .await?
                    .ok_or_else(no_evidence)?;
            let org = store::credit_code_of(&mut conn, institution).await?;
            if org.is_none() || org.as_deref() != who.org() {
                return Err(no_evidence());
            }
            if let Some(row) = found(kind, enrolment_id.to_string())
                .first(&mut conn)
                .await
                .optional()?
            {
                return answer(row, false);
            }
            let outcome = conn
                .transaction::<_, ApiError, _>(|conn| {
                    async move {
                        if kind == SubsidyKind::Training {
                            training_due(conn, &engine, &person, &occupation, &level).await
                        } else {
                            employment_reward_due(conn, &engine, enrolment_id).await
                        }
                        .map_err(ApiError::internal)?;
                        let row: Option<ClaimRow> = found(kind, enrolment_id.to_string())
                            .first(conn)
                            .await
                            .optional()?;
                        match row {
                            Some(row) => Ok(Ok(row)),
                            None => Ok(Err(explain(conn, &engine, kind, enrolment_id)
                                .await
                                .map_err(ApiError::internal)?)),
                        }
                    }
                    .scope_boxed()
                })
                .await?;
            match outcome {
                Ok(row) => answer(row, true),
                Err(decision) => Err(not_payable(
                    decision.as_ref().map_or(&[][..], |d| d.reasons()),
                )),
            }
        }
        NewClaim::Apprenticeship { apprenticeship_id } => {
            who.require(&[Role::Enterprise])?;
            let row = found(SubsidyKind::Apprenticeship, apprenticeship_id.to_string())
                .first(&mut conn)
                .await
                .optional()?
                .filter(|r| {
                    Some(r.payee.as_str())
                        == who.org().map(|o| format!("enterprise:{o}")).as_deref()
                })
                .ok_or_else(|| {
                    ApiError::not_found(
                        "evidence_not_found",
                        "employment tracking has not recognised this apprenticeship for the caller",
                    )
                })?;
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
                        ApiError::validation(vec![platform::FieldError {
                            field: "person_id".into(),
                            code: "required".into(),
                            message: "an officer names the person applying".into(),
                        }])
                    })?
                }
            };
            let existed = found(SubsidyKind::Certificate, certificate_id.to_string())
                .first(&mut conn)
                .await
                .optional()?
                .is_some();
            let outcome = conn
                .transaction::<_, ApiError, _>(|conn| {
                    async move {
                        certificate_claim(conn, &engine, &person_id, certificate_id)
                            .await
                            .map_err(ApiError::internal)
                    }
                    .scope_boxed()
                })
                .await?;
            match outcome {
                Ok(row) => answer(row, !existed),
                Err(reasons) => Err(not_payable(&reasons)),
            }
        }
    }
}

/// One claim, with the reasons for its decision and any fraud findings.
#[utoipa::path(
    tag = "claims",
    responses(
        (status = 200, body = ClaimView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
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
    let row = store::claim(&mut conn, *path)
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
        (status = 404, body = Problem, content_type = "application/problem+json"),
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
    let mut conn = state.pool.get().await?;
    let request = body.clone();
    let scope = format!("{by}:review-claim:{id}");
    idempotency::once(&mut conn, &key, scope, &request, |conn| {
        async move {
            let mut row = store::claim_for_update(conn, id)
                .await?
                .ok_or_else(not_found)?;
            if !matches!(row.status.as_str(), "in_review" | "documents_requested") {
                return Err(ApiError::conflict(
                    "claim_not_in_review",
                    format!("the claim is {}, not awaiting review", row.status),
                ));
            }
            let status = match body.decision {
                ReviewDecision::Approve => "approved",
                ReviewDecision::Reject => "rejected",
                ReviewDecision::RequestDocuments => "documents_requested",
            };
            if status == "approved" && row.approval_tx.is_none() {
                row.approval_tx = Some(approve_in_ledger(conn, city, &row, &by).await?);
            }
            if status == "rejected" {
                let why = note.clone().unwrap_or_default();
                release_in_ledger(conn, city, &row, &why, &by).await?;
            }
            let now = Utc::now();
            diesel::update(claims::table.find(id))
                .set((
                    claims::status.eq(status),
                    claims::decided_by.eq(&by),
                    claims::decided_at.eq(now),
                    claims::review_note.eq(&note),
                ))
                .execute(conn)
                .await?;
            row.status = status.to_owned();
            row.decided_by = Some(by.clone());
            row.decided_at = Some(now);
            row.review_note = note.clone();
            messaging::enqueue(conn, &[claim_event(&row).map_err(ApiError::internal)?]).await?;
            Ok(Created::new(StatusCode::OK, &ClaimView::from(row)))
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
    let class_id = *path;
    let mut conn = state.pool.get().await?;
    type Row = (
        Uuid,
        Uuid,
        String,
        String,
        String,
        String,
        bool,
        i32,
        i32,
        NaiveDate,
        Option<i32>,
    );
    let rows: Vec<Row> = completions::table
        .filter(completions::class_id.eq(class_id))
        .order(completions::enrolment_id)
        .select((
            completions::enrolment_id,
            completions::institution_id,
            completions::person_id,
            completions::target_group,
            completions::occupation_code,
            completions::skill_level,
            completions::completed,
            completions::attended_seconds,
            completions::planned_seconds,
            completions::completed_on,
            completions::catalogue_year,
        ))
        .load(&mut conn)
        .await?;
    let not_found = || ApiError::not_found("class_not_found", "no completions of this class");
    let first = <[Row]>::first(&rows).ok_or_else(not_found)?;
    let org = store::credit_code_of(&mut conn, first.1)
        .await?
        .unwrap_or_default();
    if !who.may_see_institution_record(state.city.as_str(), &org) {
        return Err(not_found());
    }
    let (occupation, level, completed_on) = (first.4.clone(), first.5.clone(), first.9);
    let year = StatisticalYear::of(completed_on).year();
    // The standard of the catalogue the class trained under.
    let catalogue_year = first.10.unwrap_or(year);
    let standard: Option<i64> = catalogue_entries::table
        .filter(
            catalogue_entries::city
                .eq(state.city.to_string())
                .and(catalogue_entries::year.eq(catalogue_year))
                .and(catalogue_entries::occupation_code.eq(&occupation))
                .and(catalogue_entries::skill_level.eq(&level))
                .and(catalogue_entries::withdrawn.eq(false)),
        )
        .order(catalogue_entries::version.desc())
        .select(catalogue_entries::subsidy_fen)
        .first(&mut conn)
        .await
        .optional()?;
    let pots: Vec<_> = FundSource::ALL
        .into_iter()
        .map(|f| store::pot(f, state.city, year))
        .collect::<Result<_, store::StoreError>>()?;
    let ledger = store::load_ledger(&mut conn, &pots, &[]).await?;
    let mut books = Books {
        available: pots
            .iter()
            .map(|p| (p.fund, ledger.available(*p)))
            .collect(),
        ..Books::default()
    };
    let mut trainees = Vec::new();
    for r in &rows {
        let parse = |e: ids::InvalidValue| ApiError::internal(e.to_string());
        let person = ids::PersonId::from_stored(r.2.clone());
        let certs: Vec<(String, String, NaiveDate, bool)> = certificates::table
            .filter(certificates::person_id.eq(&r.2))
            .select((
                certificates::occupation_code,
                certificates::skill_level,
                certificates::issued_on,
                certificates::revoked,
            ))
            .load(&mut conn)
            .await?;
        let mut certificates_ = Vec::new();
        for (occ, lvl, issued_on, revoked) in certs {
            certificates_.push(entitlement::CertificateFact {
                occupation: occ.parse().map_err(parse)?,
                level: lvl.parse().map_err(parse)?,
                issued_on,
                revoked,
            });
        }
        // Grants already made to the person elsewhere count against it,
        // except this very enrolment's own claim.
        let others: Vec<(String, String, String, i32)> = claims::table
            .filter(claims::person_id.eq(&r.2))
            .filter(claims::source_ref.ne(r.0.to_string()))
            .filter(claims::status.ne_all(["refused", "rejected"]))
            .select((
                claims::kind,
                claims::occupation_code,
                claims::skill_level,
                claims::statistical_year,
            ))
            .load(&mut conn)
            .await?;
        for (kind, occ, lvl, y) in others {
            if let Some(kind) = crate::domain::subsidy::SubsidyKind::ALL
                .into_iter()
                .find(|k| k.as_str() == kind)
            {
                books.granted.insert(entitlement::GrantKey {
                    person: person.clone(),
                    kind,
                    occupation: occ.parse().ok(),
                    level: lvl.parse().map_err(parse)?,
                    year: store::stat_year(y)?,
                });
            }
        }
        trainees.push(TraineeFacts {
            completion: Completion {
                enrolment_id: r.0,
                institution_id: r.1,
                person,
                group: r.3.parse().map_err(parse)?,
                occupation: r.4.parse().map_err(parse)?,
                level: r.5.parse().map_err(parse)?,
                completed: r.6,
                attended_seconds: u32::try_from(r.7).map_err(ApiError::internal)?,
                planned_seconds: u32::try_from(r.8).map_err(ApiError::internal)?,
                completed_on: r.9,
            },
            certificates: certificates_,
            voucher: None,
            employment: None,
        });
    }
    let preview = entitlement::preview(
        &trainees,
        standard.map(Fen::new),
        &state.engine.current(&mut conn).await?.rules,
        &books,
    );
    Ok(HttpResponse::Ok().json(preview))
}
