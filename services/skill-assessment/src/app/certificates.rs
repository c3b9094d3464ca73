//! Certificates (证书): issued for a passed result (or an approved
//! exceptional certification), numbered in the national format, revocable
//! with the reason; each issue and revocation announced.

use chrono::{DateTime, Datelike, Utc};
use contracts::assessment::{
    CertificateEvent, CertificateRoute, CertificateStatus, CERTIFICATES_TOPIC, CERTIFICATE_ISSUED,
    CERTIFICATE_REVOKED,
};
use db::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use ids::{CityCode, OccupationCode, SkillLevel};
use messaging::OutboxEvent;
use platform::auth::Principal;
use uuid::Uuid;

use super::sessions::scope_item;
use super::{acts_for, may_see, visible as visible_to, Deps, Error};
use crate::domain::body::{certificate_letter, may_assess, AssessmentKind, BodyKind};
use crate::domain::certificate_no::{level_digit, CertificateNo};
use crate::store::{
    self,
    bodies::BodyRow,
    certificates::{CertificateFilter, CertificateRow},
};

/// What a new certificate is for.
pub(super) struct Grant {
    pub person_id: String,
    pub citizen_sealed: Vec<u8>,
    pub holder_name: String,
    pub assessment_kind: String,
    pub occupation_code: String,
    pub skill_level: SkillLevel,
    pub route: CertificateRoute,
    pub candidate_id: Option<Uuid>,
    pub exceptional_id: Option<Uuid>,
    pub class_id: Option<Uuid>,
    pub institution_id: Option<Uuid>,
}

fn event(city: CityCode, body: &BodyRow, c: &CertificateRow) -> Result<CertificateEvent, Error> {
    let level: SkillLevel = c.skill_level.parse().map_err(|_| Error::stored("level"))?;
    Ok(CertificateEvent {
        certificate_id: c.id,
        certificate_no: c.certificate_no.clone(),
        city,
        person_id: ids::PersonId::from_stored(c.person_id.clone()),
        body_id: body.id,
        body_credit_code: body
            .credit_code
            .parse()
            .map_err(|_| Error::stored("credit code"))?,
        body_kind: body
            .kind
            .parse::<BodyKind>()
            .map_err(|_| Error::stored("body kind"))?
            .into(),
        assessment_kind: c
            .assessment_kind
            .parse::<AssessmentKind>()
            .map_err(|_| Error::stored("kind"))?
            .into(),
        occupation_code: c
            .occupation_code
            .parse()
            .map_err(|_| Error::stored("code"))?,
        skill_level: level,
        high_skilled: level.is_high_skilled(),
        route: c
            .route
            .parse::<CertificateRoute>()
            .map_err(|_| Error::stored("route"))?
            .into(),
        issued_on: c.issued_on,
        statistical_year: c.statistical_year,
        class_id: c.class_id,
        institution_id: c.institution_id,
        status: c.status.as_str().into(),
        revoked_reason: c.revoked_reason.clone(),
        revoked_on: c.revoked_on,
    })
}

/// Numbers, stores and announces a certificate, inside the caller's
/// transaction (which holds the body's row lock).
pub(super) async fn grant(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    body: &BodyRow,
    g: Grant,
    by: &str,
) -> Result<CertificateRow, Error> {
    let today = ids::business_date(Utc::now());
    let kind = body
        .kind
        .parse::<BodyKind>()
        .map_err(|_| Error::stored("body kind"))?;
    let year2 = format!("{:02}", today.year().rem_euclid(100));
    let digit = level_digit(g.skill_level).to_string();
    let serial = store::certificates::next_serial(conn, body.id, &year2, &digit).await?;
    if serial > 999_999 {
        return Err(Error::SerialsExhausted);
    }
    let number = CertificateNo::compose(
        certificate_letter(kind),
        &body.code,
        city.as_str(),
        today.year(),
        g.skill_level,
        u32::try_from(serial).map_err(|e| Error::Internal(e.to_string()))?,
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
        route: g.route.as_str().to_owned(),
        issued_on: today,
        statistical_year: ids::StatisticalYear::of(today).year(),
        class_id: g.class_id,
        institution_id: g.institution_id,
        status_index: store::certificates::next_status_index(conn).await?,
        status: CertificateStatus::Valid.as_str().into(),
        revoked_reason: None,
        revoked_on: None,
        revoked_by: None,
        issued_by: by.to_owned(),
        issued_at: Utc::now(),
    };
    store::certificates::insert(conn, &row).await?;
    let payload = event(city, body, &row)?;
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

/// Issues the certificate a passed result earned, by the body that
/// assessed it. Refused for a failed or missing result, once issued, and
/// while the body is suspended, outside its filing's validity or outside
/// its scope.
#[tracing::instrument(skip_all, fields(session_id = %session_id, candidate_id = %candidate_id))]
pub async fn issue(
    conn: &mut AsyncPgConnection,
    deps: &Deps<'_>,
    who: &Principal,
    session_id: Uuid,
    candidate_id: Uuid,
) -> Result<CertificateRow, Error> {
    let session = store::sessions::find(conn, session_id)
        .await?
        .ok_or(Error::SessionNotFound)?;
    let owner = store::bodies::find(conn, session.body_id)
        .await?
        .filter(|b| acts_for(who, b))
        .ok_or(Error::SessionNotFound)?;
    // Locked, so a suspension and an issuance cannot pass each other.
    let body = store::bodies::for_update(conn, owner.id)
        .await?
        .ok_or(Error::BodyNotFound)?;
    let today = ids::business_date(Utc::now());
    let reasons = may_assess(
        &store::bodies::facts_of(conn, &body).await?,
        &scope_item(&session)?,
        today,
    );
    if !reasons.is_empty() {
        return Err(Error::refused(reasons));
    }
    let candidate = store::candidates::find(conn, session.id, candidate_id)
        .await?
        .ok_or(Error::CandidateNotFound)?;
    match candidate.passed {
        None => return Err(Error::NoResult),
        Some(false) => return Err(Error::ResultFailed),
        Some(true) => {}
    }
    if store::certificates::for_candidate(conn, candidate.id)
        .await?
        .is_some()
    {
        return Err(Error::AlreadyIssued);
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
            .map_err(|_| Error::stored("level"))?,
        route: CertificateRoute::Exam,
        candidate_id: Some(candidate.id),
        exceptional_id: None,
        class_id: candidate.class_id,
        institution_id: candidate.institution_id,
    };
    grant(conn, deps.city, &body, g, who.subject()).await
}

/// The certificate and the body that issued it, if the caller may see them.
async fn visible(
    conn: &mut AsyncPgConnection,
    deps: &Deps<'_>,
    who: &Principal,
    number: &CertificateNo,
) -> Result<(CertificateRow, BodyRow), Error> {
    let cert = store::certificates::find(conn, number.as_str())
        .await?
        .ok_or(Error::CertificateNotFound)?;
    let body = store::bodies::find(conn, cert.body_id)
        .await?
        .filter(|b| may_see(who, deps.city, b))
        .ok_or(Error::CertificateNotFound)?;
    Ok((cert, body))
}

/// A certificate in full, for the bureau and the body that issued it.
#[tracing::instrument(skip_all, fields(certificate_no = %number))]
pub async fn get(
    conn: &mut AsyncPgConnection,
    deps: &Deps<'_>,
    who: &Principal,
    number: &CertificateNo,
) -> Result<CertificateRow, Error> {
    visible(conn, deps, who, number).await.map(|(cert, _)| cert)
}

/// What a list of certificates is narrowed to, checked.
#[derive(Debug, Clone)]
pub struct CertificateQuery {
    pub body_id: Option<Uuid>,
    pub occupation_code: Option<OccupationCode>,
    pub skill_level: Option<SkillLevel>,
    pub status: Option<CertificateStatus>,
    pub statistical_year: Option<i32>,
    /// After this (issued_at, id).
    pub after: Option<(DateTime<Utc>, Uuid)>,
    /// Rows to read: the page and one more.
    pub limit: i64,
}

/// The certificates the caller may see, oldest issue first: the city's for
/// the bureau, the ones its body issued for a body's people (as
/// [`get`] allows one at a time).
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut AsyncPgConnection,
    deps: &Deps<'_>,
    who: &Principal,
    query: CertificateQuery,
) -> Result<Vec<CertificateRow>, Error> {
    let Some(visible) = visible_to(who, deps.city) else {
        return Ok(Vec::new());
    };
    let filter = CertificateFilter {
        visible,
        body_id: query.body_id,
        occupation_code: query.occupation_code.map(|c| c.to_string()),
        skill_level: query.skill_level.map(SkillLevel::as_str),
        status: query.status.map(CertificateStatus::as_str),
        statistical_year: query.statistical_year,
        after: query.after,
        limit: query.limit,
    };
    Ok(store::certificates::list(conn, &filter).await?)
}

/// Revokes a valid certificate with the reason, by the bureau or the body
/// that issued it, and announces it.
#[tracing::instrument(skip_all, fields(certificate_no = %number))]
pub async fn revoke(
    conn: &mut AsyncPgConnection,
    deps: &Deps<'_>,
    who: &Principal,
    number: &CertificateNo,
    reason: String,
) -> Result<CertificateRow, Error> {
    let (cert, issuer) = visible(conn, deps, who, number).await?;
    let city = deps.city;
    conn.transaction::<_, Error, _>(|conn| {
        async move {
            let on = ids::business_date(Utc::now());
            if !store::certificates::revoke(conn, cert.id, &reason, on, who.subject()).await? {
                return Err(Error::AlreadyRevoked);
            }
            let row = store::certificates::find(conn, &cert.certificate_no)
                .await?
                .ok_or(Error::CertificateNotFound)?;
            let payload = event(city, &issuer, &row)?;
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
    .await
}
