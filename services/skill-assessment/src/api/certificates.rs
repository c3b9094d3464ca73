//! Certificates: issued for a passed result (or an approved exceptional
//! certification), numbered in the national format, revocable with reason.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use contracts::assessment::CertificateStatus;
use db::ScopedFutureExt;
use ids::{InvalidValue, OccupationCode, SkillLevel};
use platform::auth::{Principal, Role, Scope};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::pagination::{self, Page};
use platform::problem::Problem;
use platform::public::PublicCache;
use platform::validate::Validator;
use platform::ApiError;
use serde::Deserialize;
use uuid::Uuid;

use super::{
    body_staff, mask_name, optional, optional_id, CertificateStatusWord, CertificateSummaryView,
    CertificateView, Revocation, State,
};
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

/// Issue the certificate a passed result earned
///
/// The body that assessed the candidate issues the certificate (职业技能等级 证书) of a
/// passed result, numbered in the national format (`S`/`Y`, body code, `35`,
/// city, year, level, serial) and given a bit in the public revocation list.
/// Announced on `assessment.certificates.v1` (type
/// `qiancheng.assessment.certificate.issued.v1`, keyed by the number). Refused:
/// 404 `session_not_found` (also another body's session),
/// `candidate_not_found`; 409 `no_result`, `result_failed`, `already_issued`,
/// `serials_exhausted`; 422 `validation_failed` on `body` while the body may
/// not certify it: `body_suspended`, `body_not_valid`, `out_of_scope`. Send an
/// `Idempotency-Key` to retry safely: one result earns one certificate.
#[utoipa::path(
    operation_id = "issueCertificate",
    tag = "certificates",
    params(("id" = Uuid, Path, description = "The session's id"), ("candidate" = Uuid, Path, description = "The candidate's id"), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retried request safe: the same key answers as the first time (`Idempotent-Replayed: true`); a concurrent one is refused (409 `idempotency_in_flight`)")),
    responses(
        (status = 201, description = "The certificate as issued, valid", body = CertificateView,
            headers(("Location" = String, description = "Where the certificate is read: `/v1/certificates/{number}`"))),
        (status = 404, description = "`session_not_found`, `candidate_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: `no_result`, `result_failed`, `already_issued`, `serials_exhausted`, `idempotency_in_flight`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: `validation_failed` on `body` (`body_suspended`, `body_not_valid`, `out_of_scope`)", body = Problem, content_type = "application/problem+json"),
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

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CertificateListQuery {
    /// Only certificates this body issued (its id).
    #[param(value_type = Option<Uuid>)]
    pub body: Option<String>,
    /// Only certificates of this occupation (code of the national classification).
    #[param(value_type = Option<String>, pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$", example = "6-31-01-03")]
    pub occupation: Option<String>,
    /// Only certificates of this level.
    #[param(inline, value_type = Option<SkillLevel>)]
    pub level: Option<String>,
    /// Only certificates in this status: `valid`, or `revoked`.
    #[param(inline, value_type = Option<CertificateStatusWord>)]
    pub status: Option<String>,
    /// Only certificates issued in this statistical year (1 Dec – 30 Nov).
    #[param(value_type = Option<i32>, minimum = 2025, maximum = 2100, example = 2026)]
    pub year: Option<String>,
    /// Where to go on: the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Items per page, 1 to 500; 50 when absent.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// List the certificates the caller may see
///
/// Certificates, oldest issue first, a page at a time: every certificate of the
/// city's bodies for bureau officers and auditors; for a body's own assessors,
/// enterprise account and systems, the ones their body issued (what `GET
/// /v1/certificates/{number}` allows them, one at a time). Filter by body,
/// occupation, level, status and statistical year; no filter names a person.
/// Items show the holder's name masked and carry neither the QR payload nor the
/// revocation reason: read one certificate by its number for those. Refused:
/// 422 `validation_failed` with `body` (`uuid_format`), `occupation`
/// (`occupation_code_format`), `level` (`skill_level_unknown`), `status`
/// (`certificate_status_unknown`), `year` (`year_range`), `limit`
/// (`limit_range`), `cursor` (`cursor_invalid`).
#[utoipa::path(
    operation_id = "listCertificates",
    tag = "certificates",
    params(CertificateListQuery),
    responses(
        (status = 200, description = "A page of certificates; `next_cursor` when there are more", body = Page<CertificateSummaryView>),
        (status = 422, description = "Refused: `validation_failed` (`uuid_format`, `occupation_code_format`, `skill_level_unknown`, `certificate_status_unknown`, `year_range`, `limit_range`, `cursor_invalid`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/certificates")]
pub async fn list(
    state: State,
    who: Principal,
    query: web::Query<CertificateListQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = pagination::limit(query.limit)?;
    let after: Option<(DateTime<Utc>, Uuid)> = pagination::decode_cursor(query.cursor.as_deref())?;
    let mut v = Validator::new();
    let body_id = optional_id(&mut v, "body", query.body.as_deref());
    let occupation_code: Option<OccupationCode> =
        optional(&mut v, "occupation", query.occupation.as_deref());
    let skill_level: Option<SkillLevel> = optional(&mut v, "level", query.level.as_deref());
    let status: Option<CertificateStatus> = optional(&mut v, "status", query.status.as_deref());
    let statistical_year = query.year.as_deref().and_then(|raw| {
        v.check(
            "year",
            raw.parse::<i32>()
                .ok()
                .filter(|y| (2025..=2100).contains(y))
                .ok_or_else(|| InvalidValue::new("year_range", "a statistical year from 2025")),
        )
    });
    v.finish(())?;
    let filter = certificates::CertificateQuery {
        body_id,
        occupation_code,
        skill_level,
        status,
        statistical_year,
        after,
        limit: limit + 1,
    };
    let mut conn = state.pool.get().await?;
    let rows = certificates::list(&mut conn, &state.deps(), &who, filter).await?;
    let page =
        pagination::page(rows, limit, |c| (c.issued_at, c.id)).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().json(Page {
        items: page.items.into_iter().map(summary).collect::<Vec<_>>(),
        next_cursor: page.next_cursor,
    }))
}

/// What a list shows of a certificate: no more than its full read shows
/// the same caller, the holder's name masked.
fn summary(c: CertificateRow) -> CertificateSummaryView {
    CertificateSummaryView {
        id: c.id,
        holder_name_masked: mask_name(&c.holder_name),
        certificate_no: c.certificate_no,
        body_id: c.body_id,
        assessment_kind: c.assessment_kind,
        occupation_code: c.occupation_code,
        skill_level: c.skill_level,
        route: c.route,
        issued_on: c.issued_on,
        statistical_year: c.statistical_year,
        status: c.status,
        revoked_on: c.revoked_on,
        class_id: c.class_id,
        institution_id: c.institution_id,
    }
}

/// Read a certificate in full
///
/// The certificate with its holder's name, status, revocation and the QR
/// payload printed on it. For bureau officers and auditors of the city and for
/// the body that issued it (its assessors, enterprise account and systems).
/// Anyone else, like an unknown number, is answered 404
/// `certificate_not_found`; the public verify instead (`GET
/// /v1/public/certificates/verify`). Refused: 422 `validation_failed` with
/// `number` (`certificate_no_format`).
#[utoipa::path(
    operation_id = "getCertificate",
    tag = "certificates",
    params(("number" = String, Path, description = "The 22-character national certificate number", example = "S000135350100263000001", pattern = r"^[SY]\d{4}35\d{8}[1-8]\d{6}$")),
    responses(
        (status = 200, description = "The certificate in full", body = CertificateView),
        (status = 404, description = "`certificate_not_found`: no such certificate, or not one the caller may see", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused: `validation_failed` with `number` (`certificate_no_format`)", body = Problem, content_type = "application/problem+json"),
    ),
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

/// Revoke a certificate, with the reason
///
/// A bureau officer of the city, or the body that issued it (its assessors,
/// enterprise account, or its system with scope `assessment:records`), revokes
/// a valid certificate with the reason (e.g. altered scores, 篡改成绩). Public
/// verification then says revoked, the credential's bit in the revocation list
/// is set, the public answers are dropped from the cache, and
/// `assessment.certificates.v1` announces it
/// (`qiancheng.assessment.certificate.revoked.v1`): subsidies resting on it are
/// recovered. Refused: 404 `certificate_not_found`; 409 `already_revoked`; 422
/// `validation_failed` with `number` (`certificate_no_format`) or `reason`
/// (`text_length`, 1 to 500 characters).
#[utoipa::path(
    operation_id = "revokeCertificate",
    tag = "certificates",
    params(("number" = String, Path, description = "The 22-character national certificate number", example = "S000135350100263000001", pattern = r"^[SY]\d{4}35\d{8}[1-8]\d{6}$")),
    request_body = Revocation,
    responses(
        (status = 200, description = "The certificate, now revoked", body = CertificateView),
        (status = 404, description = "`certificate_not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: `already_revoked`", body = Problem, content_type = "application/problem+json"),
    ),
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
