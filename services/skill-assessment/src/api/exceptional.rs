//! Exceptional certification (破格认定, policy item 10): an enterprise body
//! certifies its staff straight to 高级工 or above, with the grounds
//! recorded; the certificate is issued only after the bureau approves.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use db::ScopedFutureExt;
use ids::{CitizenId, OccupationCode};
use platform::auth::{Principal, Role, Scope};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::pagination::{self, Page};
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use serde::Deserialize;
use uuid::Uuid;

use super::certificates::view as certificate_view;
use super::{
    officer, optional, ExceptionalStatusWord, ExceptionalView, NewExceptional, Review, State,
};
use crate::app::exceptional::{self, Application};
use crate::domain::body::ScopeItem;
use crate::domain::exceptional::ExceptionalStatus;
use crate::store::exceptional::ExceptionalRow;

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

/// File an exceptional certification for the bureau's review
///
/// An enterprise filed as an assessment body (its enterprise account or
/// assessors, or its system with scope `assessment:records`) files an
/// exceptional certification (破格认定, policy item 10) of one of its staff
/// straight to 高级工 or above, within its scope, on stated grounds with a
/// justification the bureau can check. Nothing is issued until a bureau officer
/// approves it (`POST /v1/exceptional-certifications/{id}/review`); officers
/// find the pending ones with `GET
/// /v1/exceptional-certifications?status=pending`. The citizen ID is kept
/// sealed and answered masked. Refused: 403 `not_an_enterprise_body` (the
/// caller's organisation is not a body of kind `enterprise`); 422
/// `validation_failed` with `citizen_id` (`citizen_id_format`, …),
/// `occupation_code` (`occupation_code_format`), `name` (`text_length`),
/// `skill_level` (`exceptional_level`), `justification` (`text_length`, 20 to
/// 4000 characters), or on `body` (`body_suspended`, `body_not_valid`,
/// `out_of_scope`). Send an `Idempotency-Key` to retry safely. Publishes no
/// event.
#[utoipa::path(
    operation_id = "fileExceptionalCertification",
    tag = "exceptional",
    request_body = NewExceptional,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key and body answer as the first time (`Idempotent-Replayed: true`); another body is refused (422 `idempotency_key_reused`), a concurrent one too (409 `idempotency_in_flight`)")),
    responses(
        (status = 201, description = "The application as filed, pending review", body = ExceptionalView,
            headers(("Location" = String, description = "The application's address, `/v1/exceptional-certifications/{id}`; it is read in `GET /v1/exceptional-certifications`"))),
        (status = 403, description = "Refused: `not_an_enterprise_body`; or the token's role or scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, response = platform::problem::IdempotencyInFlight),
        (status = 422, description = "Refused: `validation_failed` naming each bad field (see above); `idempotency_key_reused`", body = Problem, content_type = "application/problem+json"),
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
    let application = Application {
        citizen,
        name: body.name.trim().to_owned(),
        item: ScopeItem {
            assessment_kind: body.assessment_kind,
            occupation_code: body.occupation_code.clone(),
            skill_level: body.skill_level,
        },
        grounds: body.grounds,
        justification: body.justification.trim().to_owned(),
    };
    let deps = state.deps();
    let mut conn = state.pool.get().await?;
    let scope = format!("{}:exceptional", who.subject());
    idempotency::once(&mut conn, &key, scope, &body, |conn| {
        async move {
            let row = exceptional::file(conn, &deps, &who, application).await?;
            let location = format!("/v1/exceptional-certifications/{}", row.id);
            Ok(Created::new(StatusCode::CREATED, &view(row, None))?.at(location))
        }
        .scope_boxed()
    })
    .await
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExceptionalListQuery {
    /// Only applications in this status: `pending` is the bureau's review
    /// queue; `approved`, `rejected`.
    #[param(inline, value_type = Option<ExceptionalStatusWord>)]
    pub status: Option<String>,
    /// Where to go on: the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Items per page, 1 to 500; 50 when absent.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// List the exceptional certifications the caller may see
///
/// Exceptional certifications (破格认定), oldest filing first, a page at a time:
/// with `status=pending`, the bureau's review queue. Bureau officers and
/// auditors of the city see every body's; a body's own enterprise account,
/// assessors and systems see their own body's only. Each application is shown
/// as its filing and review answered it (the ID number masked), with the
/// certificate an approval issued. Refused: 422 `validation_failed` with
/// `status` (`exceptional_status_unknown`), `limit` (`limit_range`), `cursor`
/// (`cursor_invalid`).
#[utoipa::path(
    operation_id = "listExceptionalCertifications",
    tag = "exceptional",
    params(ExceptionalListQuery),
    responses(
        (status = 200, description = "A page of applications; `next_cursor` when there are more", body = Page<ExceptionalView>),
        (status = 422, description = "Refused: `validation_failed` (`exceptional_status_unknown`, `limit_range`, `cursor_invalid`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/exceptional-certifications")]
pub async fn list(
    state: State,
    who: Principal,
    query: web::Query<ExceptionalListQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = pagination::limit(query.limit)?;
    let after: Option<(DateTime<Utc>, Uuid)> = pagination::decode_cursor(query.cursor.as_deref())?;
    let mut v = Validator::new();
    let status: Option<ExceptionalStatus> = optional(&mut v, "status", query.status.as_deref());
    v.finish(())?;
    let filter = exceptional::ExceptionalQuery {
        status,
        after,
        limit: limit + 1,
    };
    let deps = state.deps();
    let mut conn = state.pool.get().await?;
    let rows = exceptional::list(&mut conn, &deps, &who, filter).await?;
    let page = pagination::page(rows, limit, |r| (r.application.filed_at, r.application.id))
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(Page {
        items: page
            .items
            .into_iter()
            .map(|r| {
                view(
                    r.application,
                    r.certificate.map(|c| certificate_view(&deps, c)),
                )
            })
            .collect::<Vec<_>>(),
        next_cursor: page.next_cursor,
    }))
}

/// Review an exceptional certification
///
/// A bureau officer of the city decides a pending application with a note:
/// `approve` issues the certificate at once (route `exceptional`, announced on
/// `assessment.certificates.v1`) while the body may still certify it; `reject`
/// records why. Refused: 404 `exceptional_not_found`; 409 `already_reviewed`;
/// 422 `validation_failed` with `note` (`text_length`, 1 to 1000 characters),
/// or on `body` when approving what the body may no longer certify
/// (`body_suspended`, `body_not_valid`, `out_of_scope`).
#[utoipa::path(
    operation_id = "reviewExceptionalCertification",
    tag = "exceptional",
    params(("id" = Uuid, Path, description = "The application's id")),
    request_body = Review,
    responses(
        (status = 200, description = "The application as decided, with the certificate an approval issued", body = ExceptionalView),
        (status = 404, description = "`exceptional_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: `already_reviewed`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: `validation_failed` (`note`; or on `body`: `body_suspended`, `body_not_valid`, `out_of_scope`)", body = Problem, content_type = "application/problem+json"),
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
    let note = body.note.trim().to_owned();
    let deps = state.deps();
    let mut conn = state.pool.get().await?;
    let reviewed = exceptional::review(
        &mut conn,
        &deps,
        id.into_inner(),
        body.decision,
        note,
        who.subject(),
    )
    .await?;
    let certificate = reviewed.certificate.map(|c| certificate_view(&deps, c));
    Ok(HttpResponse::Ok().json(view(reviewed.application, certificate)))
}
