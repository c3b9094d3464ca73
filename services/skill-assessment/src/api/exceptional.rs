//! Exceptional certification (破格认定, policy item 10): an enterprise body
//! certifies its staff straight to 高级工 or above, with the grounds
//! recorded; the certificate is issued only after the bureau approves.

use actix_web::http::StatusCode;
use actix_web::{post, web, HttpResponse};
use db::ScopedFutureExt;
use ids::{CitizenId, OccupationCode};
use platform::auth::{Principal, Role, Scope};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::problem::Problem;
use platform::validate::Validator;
use platform::ApiError;
use uuid::Uuid;

use super::certificates::view as certificate_view;
use super::{officer, ExceptionalView, NewExceptional, Review, State};
use crate::app::exceptional::{self, Application};
use crate::domain::body::ScopeItem;
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

/// An enterprise body files an exceptional certification for review.
#[utoipa::path(
    tag = "exceptional",
    request_body = NewExceptional,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe")),
    responses(
        (status = 201, body = ExceptionalView),
        (status = 403, description = "Not an enterprise body", body = Problem, content_type = "application/problem+json"),
        (status = 422, response = platform::problem::Unprocessable),
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
