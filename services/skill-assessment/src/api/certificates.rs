//! Certificates: issued for a passed result (or an approved exceptional
//! certification), numbered in the national format, revocable with reason.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{Datelike, Utc};
use contracts::assessment::{
    CertificateEvent, CERTIFICATES_TOPIC, CERTIFICATE_ISSUED, CERTIFICATE_REVOKED,
};
use db::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use ids::SkillLevel;
use messaging::OutboxEvent;
use platform::auth::{Principal, Role, Scope};
use platform::idempotency::{self, Created, IdempotencyKey};
use platform::json::Json;
use platform::problem::Problem;
use platform::public::PublicCache;
use platform::validate::Validator;
use platform::ApiError;
use uuid::Uuid;

use super::sessions::{refused, scope_item};
use super::{acts_for, is_bureau, AppState, CertificateView, Revocation, State};
use crate::domain::body::{may_assess, BodyKind};
use crate::domain::certificate_no::{level_digit, CertificateNo};
use crate::store::{self, BodyRow, CertificateRow};

/// Public answers that change when a certificate does.
pub(crate) const PUBLIC_NAMESPACE: &str = "certificates";
/// The cached issuer profiles.
pub(crate) const ISSUERS_NAMESPACE: &str = "issuers";

pub(super) fn not_found() -> ApiError {
    ApiError::not_found("certificate_not_found", "no such certificate")
}

pub(super) fn view(state: &AppState, c: CertificateRow) -> CertificateView {
    CertificateView {
        qr_payload: state.keys.qr_payload(&c.certificate_no),
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

/// What a new certificate is for.
pub(super) struct Grant {
    pub person_id: String,
    pub citizen_sealed: Vec<u8>,
    pub holder_name: String,
    pub assessment_kind: String,
    pub occupation_code: String,
    pub skill_level: SkillLevel,
    pub route: &'static str,
    pub candidate_id: Option<Uuid>,
    pub exceptional_id: Option<Uuid>,
    pub class_id: Option<Uuid>,
    pub institution_id: Option<Uuid>,
}

fn event(
    state: &AppState,
    body: &BodyRow,
    c: &CertificateRow,
) -> Result<CertificateEvent, ApiError> {
    let level: SkillLevel = c
        .skill_level
        .parse()
        .map_err(|_| ApiError::internal("stored level"))?;
    Ok(CertificateEvent {
        certificate_id: c.id,
        certificate_no: c.certificate_no.clone(),
        city: state.city,
        person_id: ids::PersonId::from_stored(c.person_id.clone()),
        body_id: body.id,
        body_credit_code: body
            .credit_code
            .parse()
            .map_err(|_| ApiError::internal("stored credit code"))?,
        body_kind: body.kind.clone(),
        assessment_kind: c.assessment_kind.clone(),
        occupation_code: c
            .occupation_code
            .parse()
            .map_err(|_| ApiError::internal("stored code"))?,
        skill_level: level,
        high_skilled: level.is_high_skilled(),
        route: c.route.clone(),
        issued_on: c.issued_on,
        statistical_year: c.statistical_year,
        class_id: c.class_id,
        institution_id: c.institution_id,
        status: c.status.clone(),
        revoked_reason: c.revoked_reason.clone(),
        revoked_on: c.revoked_on,
    })
}

/// Numbers, stores and announces a certificate, inside the caller's
/// transaction (which holds the body's row lock).
pub(super) async fn grant(
    conn: &mut AsyncPgConnection,
    state: &AppState,
    body: &BodyRow,
    g: Grant,
    by: &str,
) -> Result<CertificateRow, ApiError> {
    let today = ids::business_date(Utc::now());
    let kind = BodyKind::parse(&body.kind).ok_or_else(|| ApiError::internal("stored body kind"))?;
    let year2 = format!("{:02}", today.year().rem_euclid(100));
    let digit = level_digit(g.skill_level).to_string();
    let serial = store::next_serial(conn, body.id, &year2, &digit).await?;
    if serial > 999_999 {
        return Err(ApiError::conflict(
            "serials_exhausted",
            "the body has used every serial of this year and level",
        ));
    }
    let number = CertificateNo::compose(
        kind.letter(),
        &body.code,
        state.city.as_str(),
        today.year(),
        g.skill_level,
        u32::try_from(serial).map_err(ApiError::internal)?,
    );
    let row = CertificateRow {
        id: Uuid::now_v7(),
        certificate_no: number.to_string(),
        body_id: body.id,
        candidate_id: g.candidate_id,
        exceptional_id: g.exceptional_id,
        person_id: g.person_id,
        citizen_sealed: g.citizen_sealed,
        holder_name: g.holder_name,
        assessment_kind: g.assessment_kind,
        occupation_code: g.occupation_code,
        skill_level: g.skill_level.as_str().to_owned(),
        route: g.route.to_owned(),
        issued_on: today,
        statistical_year: ids::StatisticalYear::of(today).year(),
        class_id: g.class_id,
        institution_id: g.institution_id,
        status_index: store::next_status_index(conn).await?,
        status: "valid".into(),
        revoked_reason: None,
        revoked_on: None,
        revoked_by: None,
        issued_by: by.to_owned(),
        issued_at: Utc::now(),
    };
    store::insert_certificate(conn, &row).await?;
    let payload = event(state, body, &row)?;
    messaging::enqueue(
        conn,
        &[OutboxEvent::new(
            CERTIFICATES_TOPIC,
            CERTIFICATE_ISSUED,
            row.certificate_no.clone(),
            &payload,
        )],
    )
    .await?;
    Ok(row)
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
    who.require(&[Role::Assessor, Role::Enterprise, Role::Integrator])?
        .require_scope(Scope::AssessmentRecords)?;
    let (session_id, candidate_id) = path.into_inner();
    let mut conn = state.pool.get().await?;
    let session = store::session(&mut conn, session_id)
        .await?
        .ok_or_else(super::sessions::not_found)?;
    let owner = store::body(&mut conn, session.body_id)
        .await?
        .filter(|b| acts_for(&who, b))
        .ok_or_else(super::sessions::not_found)?;
    let scope = format!("{}:certificate:{candidate_id}", who.subject());
    let state = state.into_inner();
    idempotency::once(&mut conn, &key, scope, &candidate_id, |conn| {
        async move {
            let body = store::body_for_update(conn, owner.id)
                .await?
                .ok_or_else(super::bodies::not_found)?;
            let today = ids::business_date(Utc::now());
            let reasons = may_assess(
                &store::facts_of(conn, &body).await?,
                &scope_item(&session)?,
                today,
            );
            if !reasons.is_empty() {
                return Err(refused(reasons));
            }
            let candidate = store::candidate(conn, session.id, candidate_id)
                .await?
                .ok_or_else(|| {
                    ApiError::not_found("candidate_not_found", "no such candidate in this session")
                })?;
            match candidate.passed {
                None => {
                    return Err(ApiError::conflict(
                        "no_result",
                        "no result is recorded for this candidate",
                    ))
                }
                Some(false) => {
                    return Err(ApiError::conflict(
                        "result_failed",
                        "a certificate is issued only for a passed result",
                    ))
                }
                Some(true) => {}
            }
            if store::certificate_for_candidate(conn, candidate.id)
                .await?
                .is_some()
            {
                return Err(ApiError::conflict(
                    "already_issued",
                    "this result already has its certificate",
                ));
            }
            let g = Grant {
                person_id: candidate.person_id,
                citizen_sealed: candidate.citizen_sealed,
                holder_name: candidate.name,
                assessment_kind: session.assessment_kind.clone(),
                occupation_code: session.occupation_code.clone(),
                skill_level: session
                    .skill_level
                    .parse()
                    .map_err(|_| ApiError::internal("stored level"))?,
                route: "exam",
                candidate_id: Some(candidate.id),
                exceptional_id: None,
                class_id: candidate.class_id,
                institution_id: candidate.institution_id,
            };
            let row = grant(conn, &state, &body, g, who.subject()).await?;
            let location = format!("/v1/certificates/{}", row.certificate_no);
            Ok(Created::new(StatusCode::CREATED, &view(&state, row)).at(location))
        }
        .scope_boxed()
    })
    .await
}

/// The body that issued a certificate, if the caller may see it.
async fn visible(
    conn: &mut AsyncPgConnection,
    state: &AppState,
    who: &Principal,
    raw: &str,
) -> Result<(CertificateRow, BodyRow), ApiError> {
    let mut v = Validator::new();
    let number: Option<CertificateNo> = v.parse("number", raw);
    let number = v.finish(number)?;
    let cert = store::certificate(conn, number.as_str())
        .await?
        .ok_or_else(not_found)?;
    let body = store::body(conn, cert.body_id)
        .await?
        .filter(|b| is_bureau(who, state) || acts_for(who, b))
        .ok_or_else(not_found)?;
    Ok((cert, body))
}

/// A certificate in full: for the bureau and the body that issued it.
#[utoipa::path(
    tag = "certificates",
    params(("number" = String, Path, example = "S000135350100263000001", pattern = r"^[SY]\d{4}35\d{8}[1-8]\d{6}$")),
    responses((status = 200, body = CertificateView), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, description = "Not a certificate number", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[get("/v1/certificates/{number}")]
pub async fn get(
    state: State,
    who: Principal,
    number: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let (cert, _) = visible(&mut conn, &state, &who, &number).await?;
    Ok(HttpResponse::Ok().json(view(&state, cert)))
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
    let (cert, issuer) = visible(&mut conn, &state, &who, &number).await?;
    let reason = body.reason.trim().to_owned();
    let st = state.clone();
    let revoked = conn
        .transaction::<_, ApiError, _>(|conn| {
            async move {
                let on = ids::business_date(Utc::now());
                if !store::revoke(conn, cert.id, &reason, on, who.subject()).await? {
                    return Err(ApiError::conflict(
                        "already_revoked",
                        "the certificate is already revoked",
                    ));
                }
                let row = store::certificate(conn, &cert.certificate_no)
                    .await?
                    .ok_or_else(not_found)?;
                let payload = event(&st, &issuer, &row)?;
                messaging::enqueue(
                    conn,
                    &[OutboxEvent::new(
                        CERTIFICATES_TOPIC,
                        CERTIFICATE_REVOKED,
                        row.certificate_no.clone(),
                        &payload,
                    )],
                )
                .await?;
                Ok(row)
            }
            .scope_boxed()
        })
        .await?;
    cache.invalidate(PUBLIC_NAMESPACE).await;
    Ok(HttpResponse::Ok().json(view(&state, revoked)))
}
