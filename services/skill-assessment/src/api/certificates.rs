//! Certificates: issued for a passed result (or an approved exceptional
//! certification), numbered in the national format, revocable with reason.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use db::ScopedFutureExt;
use platform::auth::{Principal, Role, Scope};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::problem::Problem;
use platform::public::PublicCache;
use platform::validate::Validator;
use platform::ApiError;
use uuid::Uuid;

use super::{body_staff, CertificateView, Revocation, State};
use crate::app::{certificates, Deps};
use crate::domain::certificate_no::CertificateNo;
use crate::store::certificates::CertificateRow;

/// Public answers that change when a certificate does.
pub(crate) const PUBLIC_NAMESPACE: &str = "certificates";
/// The cached issuer profiles.
pub(crate) const ISSUERS_NAMESPACE: &str = "issuers";

pub(super) fn view(deps: &Deps<'_>, c: CertificateRow) -> CertificateView {
    CertificateView {
        qr_payload: deps.keys.qr_payload(&c.certificate_no),
        id: c.id,
        certificate_no: c.certificate_no,
        holder_name: c.holder_name,
        body_id: c.body_id,
        assessment_kind: c.assessment_kind,
        occupation_code: c.occupation_code,
        skill_level: c.skill_level,
        route: c.route,
        issued_on: c.issued_on,
        statistical_year: c.statistical_year,
        status: c.status,
        revoked_reason: c.revoked_reason,
        revoked_on: c.revoked_on,
        class_id: c.class_id,
        institution_id: c.institution_id,
    }
}

/// Issue the certificate a passed result earned. Refused for a failed or
/// missing result, and while the body is suspended, outside its filing's
/// validity or outside its scope.
#[utoipa::path(
    tag = "certificates",
    params(("id" = Uuid, Path), ("candidate" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe")),
    responses(
        (status = 201, body = CertificateView),
        (status = 409, description = "No passed result, or already issued", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The body may not certify this now", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/sessions/{id}/candidates/{candidate}/certificate")]
pub async fn issue(
    state: State,
    who: Principal,
    key: IdempotencyKey,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    body_staff(&who)?;
    let (session_id, candidate_id) = path.into_inner();
    let deps = state.deps();
    let mut conn = state.pool.get().await?;
    let scope = format!("{}:certificate:{candidate_id}", who.subject());
    idempotency::once(&mut conn, &key, scope, &candidate_id, |conn| {
        async move {
            let row = certificates::issue(conn, &deps, &who, session_id, candidate_id).await?;
            let location = format!("/v1/certificates/{}", row.certificate_no);
            Ok(Created::new(StatusCode::CREATED, &view(&deps, row))?.at(location))
        }
        .scope_boxed()
    })
    .await
}

/// A certificate number from the path, checked.
fn number(raw: &str) -> Result<CertificateNo, ApiError> {
    let mut v = Validator::new();
    let number: Option<CertificateNo> = v.parse("number", raw);
    Ok(v.finish(number)?)
}

/// A certificate in full: for the bureau and the body that issued it.
#[utoipa::path(
    tag = "certificates",
    params(("number" = String, Path, example = "S000135350100263000001", pattern = r"^[SY]\d{4}35\d{8}[1-8]\d{6}$")),
    responses((status = 200, body = CertificateView), (status = 404, response = platform::problem::NotFound), (status = 422, description = "Not a certificate number", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[get("/v1/certificates/{number}")]
pub async fn get(
    state: State,
    who: Principal,
    number: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let number = self::number(&number)?;
    let deps = state.deps();
    let cert = certificates::get(&mut conn, &deps, &who, &number).await?;
    Ok(HttpResponse::Ok().json(view(&deps, cert)))
}

/// Revoke a certificate with the reason (e.g. altered scores): by the
/// bureau or the issuing body. Verification then says revoked, and the
/// credential's status bit is set.
#[utoipa::path(
    tag = "certificates",
    params(("number" = String, Path, example = "S000135350100263000001", pattern = r"^[SY]\d{4}35\d{8}[1-8]\d{6}$")),
    request_body = Revocation,
    responses((status = 200, body = CertificateView), (status = 409, description = "Already revoked", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[post("/v1/certificates/{number}/revocation")]
pub async fn revoke(
    state: State,
    who: Principal,
    cache: web::Data<PublicCache>,
    number: web::Path<String>,
    Json(body): Json<Revocation>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[
        Role::BureauOfficer,
        Role::Assessor,
        Role::Enterprise,
        Role::Integrator,
    ])?
    .require_scope(Scope::AssessmentRecords)?;
    let mut v = Validator::new();
    v.text("reason", &body.reason, 1..=500);
    v.finish(())?;
    let mut conn = state.pool.get().await?;
    let number = self::number(&number)?;
    let reason = body.reason.trim().to_owned();
    let deps = state.deps();
    let revoked = certificates::revoke(&mut conn, &deps, &who, &number, reason).await?;
    cache.invalidate(PUBLIC_NAMESPACE).await;
    Ok(HttpResponse::Ok().json(view(&deps, revoked)))
}
