//! Exceptional certification (破格认定, policy item 10): an enterprise body
//! certifies its staff straight to 高级工 or above, with the grounds
//! recorded; the certificate is issued only after the bureau approves.

use actix_web::http::StatusCode;
use actix_web::{post, web, HttpResponse};
use chrono::Utc;
use db::ScopedFutureExt;
use diesel_async::AsyncConnection;
use ids::{CitizenId, OccupationCode};
use platform::auth::{Principal, Role, Scope};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use uuid::Uuid;

use super::certificates::{grant, view as certificate_view, Grant};
use super::sessions::refused;
use super::{officer, Decision, ExceptionalView, NewExceptional, Review, State};
use crate::domain::body::{may_assess, BodyKind, ScopeItem};
use crate::store::{self, ExceptionalRow};

fn view(row: ExceptionalRow, certificate: Option<super::CertificateView>) -> ExceptionalView {
    ExceptionalView {
        id: row.id,
        body_id: row.body_id,
        name: row.name,
        citizen_id_masked: row.citizen_masked,
        assessment_kind: row.assessment_kind,
        occupation_code: row.occupation_code,
        skill_level: row.skill_level,
        grounds: row.grounds,
        justification: row.justification,
        status: row.status,
        review_note: row.review_note,
        certificate,
    }
}

/// An enterprise body files an exceptional certification for review.
#[utoipa::path(
    tag = "exceptional",
    request_body = NewExceptional,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe")),
    responses(
        (status = 201, body = ExceptionalView),
        (status = 403, description = "Not an enterprise body", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/exceptional-certifications")]
pub async fn file(
    state: State,
    who: Principal,
    key: IdempotencyKey,
    Json(body): Json<NewExceptional>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Enterprise, Role::Assessor, Role::Integrator])?
        .require_scope(Scope::AssessmentRecords)?;
    let mut v = Validator::new();
    let citizen: Option<CitizenId> = v.parse("citizen_id", &body.citizen_id);
    let _: Option<OccupationCode> = v.parse("occupation_code", &body.occupation_code);
    v.text("name", &body.name, 1..=50);
    v.ensure(
        body.skill_level.is_high_skilled(),
        "skill_level",
        "exceptional_level",
        "exceptional certification is to 高级工 or above",
    );
    v.text("justification", &body.justification, 20..=4000);
    let citizen = v.finish(citizen)?;
    let mut conn = state.pool.get().await?;
    let org = who.org().unwrap_or_default().to_owned();
    let owner = store::body_by_credit_code(&mut conn, &org)
        .await?
        .filter(|b| b.kind == BodyKind::Enterprise.as_str())
        .ok_or_else(|| {
            ApiError::forbidden(
                "not_an_enterprise_body",
                "exceptional certification is filed by an enterprise filed as an assessment body",
            )
        })?;
    let item = ScopeItem {
        assessment_kind: body.assessment_kind,
        occupation_code: body.occupation_code.clone(),
        skill_level: body.skill_level,
    };
    let reasons = may_assess(
        &store::facts_of(&mut conn, &owner).await?,
        &item,
        ids::business_date(Utc::now()),
    );
    if !reasons.is_empty() {
        return Err(refused(reasons));
    }
    let row = ExceptionalRow {
        id: Uuid::now_v7(),
        body_id: owner.id,
        person_id: state.person_ids.person_id(&citizen).to_string(),
        citizen_sealed: state.cipher.seal(citizen.expose()),
        citizen_masked: citizen.masked(),
        name: body.name.trim().to_owned(),
        assessment_kind: body.assessment_kind.as_str().to_owned(),
        occupation_code: body.occupation_code.clone(),
        skill_level: body.skill_level.as_str().to_owned(),
        grounds: body.grounds.as_str().to_owned(),
        justification: body.justification.trim().to_owned(),
        status: "pending".into(),
        filed_by: who.subject().to_owned(),
        filed_at: Utc::now(),
        reviewed_by: None,
        review_note: None,
        reviewed_at: None,
    };
    let scope = format!("{}:exceptional", who.subject());
    idempotency::once(&mut conn, &key, scope, &body, |conn| {
        async move {
            store::insert_exceptional(conn, &row).await?;
            let location = format!("/v1/exceptional-certifications/{}", row.id);
            Ok(Created::new(StatusCode::CREATED, &view(row, None)).at(location))
        }
        .scope_boxed()
    })
    .await
}

/// The bureau's review: approval issues the certificate (route
/// `exceptional`); rejection records why.
#[utoipa::path(
    tag = "exceptional",
    params(("id" = Uuid, Path)),
    request_body = Review,
    responses(
        (status = 200, body = ExceptionalView),
        (status = 409, description = "Already reviewed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The body may no longer certify this", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/exceptional-certifications/{id}/review")]
pub async fn review(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
    Json(body): Json<Review>,
) -> Result<HttpResponse, ApiError> {
    officer(&who, &state)?;
    let mut v = Validator::new();
    v.text("note", &body.note, 1..=1000);
    v.finish(())?;
    let id = id.into_inner();
    let note = body.note.trim().to_owned();
    let state = state.into_inner();
    let mut conn = state.pool.get().await?;
    let out = conn
        .transaction::<_, ApiError, _>(|conn| {
            async move {
                let row = store::exceptional_for_update(conn, id)
                    .await?
                    .ok_or_else(|| {
                        ApiError::not_found(
                            "exceptional_not_found",
                            "no such exceptional certification",
                        )
                    })?;
                if row.status != "pending" {
                    return Err(ApiError::conflict(
                        "already_reviewed",
                        format!("the application was {}", row.status),
                    ));
                }
                let (status, certificate) = match body.decision {
                    Decision::Reject => ("rejected", None),
                    Decision::Approve => {
                        let owner = store::body_for_update(conn, row.body_id)
                            .await?
                            .ok_or_else(super::bodies::not_found)?;
                        let level = row
                            .skill_level
                            .parse()
                            .map_err(|_| ApiError::internal("stored level"))?;
                        let item = ScopeItem {
                            assessment_kind: crate::domain::body::AssessmentKind::parse(
                                &row.assessment_kind,
                            )
                            .ok_or_else(|| ApiError::internal("stored kind"))?,
                            occupation_code: row.occupation_code.clone(),
                            skill_level: level,
                        };
                        let reasons = may_assess(
                            &store::facts_of(conn, &owner).await?,
                            &item,
                            ids::business_date(Utc::now()),
                        );
                        if !reasons.is_empty() {
                            return Err(refused(reasons));
                        }
                        let g = Grant {
                            person_id: row.person_id.clone(),
                            citizen_sealed: row.citizen_sealed.clone(),
                            holder_name: row.name.clone(),
                            assessment_kind: row.assessment_kind.clone(),
                            occupation_code: row.occupation_code.clone(),
                            skill_level: level,
                            route: "exceptional",
                            candidate_id: None,
                            exceptional_id: Some(row.id),
                            class_id: None,
                            institution_id: None,
                        };
                        let cert = grant(conn, &state, &owner, g, who.subject()).await?;
                        ("approved", Some(certificate_view(&state, cert)))
                    }
                };
                store::review_exceptional(conn, id, status, &note, who.subject()).await?;
                let row = ExceptionalRow {
                    status: status.to_owned(),
                    review_note: Some(note),
                    ..row
                };
                Ok(view(row, certificate))
            }
            .scope_boxed()
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}
