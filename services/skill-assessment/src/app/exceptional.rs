//! Exceptional certification (破格认定, policy item 10): an enterprise body
//! files its staff for 高级工 or above with the grounds; the certificate is
//! issued only when the bureau approves.

use chrono::{DateTime, Utc};
use contracts::assessment::CertificateRoute;
use db::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use ids::{CitizenId, SkillLevel};
use platform::auth::Principal;
use uuid::Uuid;

use super::certificates::{grant, Grant};
use super::{visible, Deps, Error};
use crate::domain::body::{may_assess, AssessmentKind, BodyKind, ScopeItem};
use crate::domain::exceptional::{Decision, ExceptionalStatus, Grounds};
use crate::store::{
    self,
    certificates::CertificateRow,
    exceptional::{ExceptionalFilter, ExceptionalRow},
};

/// An application to file, its fields checked.
pub struct Application {
    pub citizen: CitizenId,
    pub name: String,
    pub item: ScopeItem,
    pub grounds: Grounds,
    pub justification: String,
}

/// Files an application of the caller's enterprise body, within its scope
/// and filing, for the bureau's review.
#[tracing::instrument(skip_all, fields(body_id = tracing::field::Empty, exceptional_id = tracing::field::Empty))]
pub async fn file(
    conn: &mut AsyncPgConnection,
    deps: &Deps<'_>,
    who: &Principal,
    application: Application,
) -> Result<ExceptionalRow, Error> {
    let org = who.org().unwrap_or_default();
    let owner = store::bodies::by_credit_code(conn, org)
        .await?
        .filter(|b| b.kind == BodyKind::Enterprise.as_str())
        .ok_or(Error::NotAnEnterpriseBody)?;
    tracing::Span::current().record("body_id", tracing::field::display(owner.id));
    let reasons = may_assess(
        &store::bodies::facts_of(conn, &owner).await?,
        &application.item,
        ids::business_date(Utc::now()),
    );
    if !reasons.is_empty() {
        return Err(Error::refused(reasons));
    }
    let citizen = &application.citizen;
    let row = ExceptionalRow {
        id: Uuid::now_v7(),
        body_id: owner.id,
        person_id: deps.person_ids.person_id(citizen).to_string(),
        citizen_sealed: deps.cipher.seal(citizen.expose()),
        citizen_masked: citizen.masked(),
        name: application.name,
        assessment_kind: application.item.assessment_kind.as_str().to_owned(),
        occupation_code: application.item.occupation_code,
        skill_level: application.item.skill_level.as_str().to_owned(),
        grounds: application.grounds.as_str().to_owned(),
        justification: application.justification,
        status: ExceptionalStatus::Pending.as_str().into(),
        filed_by: who.subject().to_owned(),
        filed_at: Utc::now(),
        reviewed_by: None,
        review_note: None,
        reviewed_at: None,
    };
    tracing::Span::current().record("exceptional_id", tracing::field::display(row.id));
    store::exceptional::insert(conn, &row).await?;
    Ok(row)
}

/// An application, with the certificate an approval issued.
pub struct Reviewed {
    pub application: ExceptionalRow,
    pub certificate: Option<CertificateRow>,
}

/// The bureau's review of a pending application: approval issues the
/// certificate (route `exceptional`) while the body may still certify it;
/// rejection records why.
#[tracing::instrument(skip_all, fields(exceptional_id = %id))]
pub async fn review(
    conn: &mut AsyncPgConnection,
    deps: &Deps<'_>,
    id: Uuid,
    decision: Decision,
    note: String,
    by: &str,
) -> Result<Reviewed, Error> {
    let city = deps.city;
    conn.transaction::<_, Error, _>(|conn| {
        async move {
            let row = store::exceptional::for_update(conn, id)
                .await?
                .ok_or(Error::ExceptionalNotFound)?;
            if row.status != ExceptionalStatus::Pending.as_str() {
                return Err(Error::AlreadyReviewed(row.status));
            }
            let (status, certificate) = match decision {
                Decision::Reject => (ExceptionalStatus::Rejected, None),
                Decision::Approve => (
                    ExceptionalStatus::Approved,
                    Some(approve(conn, city, &row, by).await?),
                ),
            };
            store::exceptional::review(conn, id, status.as_str(), &note, by).await?;
            Ok(Reviewed {
                application: ExceptionalRow {
                    status: status.as_str().to_owned(),
                    review_note: Some(note),
                    ..row
                },
                certificate,
            })
        }
        .scope_boxed()
    })
    .await
}

/// What a list of applications is narrowed to, checked.
#[derive(Debug, Clone, Copy)]
pub struct ExceptionalQuery {
    pub status: Option<ExceptionalStatus>,
    /// After this (filed_at, id).
    pub after: Option<(DateTime<Utc>, Uuid)>,
    /// Rows to read: the page and one more.
    pub limit: i64,
}

/// The applications the caller may see, oldest first (the bureau's review
/// queue with `pending`), each with the certificate an approval issued:
/// the city's for the bureau, its own body's for a body's people.
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut AsyncPgConnection,
    deps: &Deps<'_>,
    who: &Principal,
    query: ExceptionalQuery,
) -> Result<Vec<Reviewed>, Error> {
    let Some(visible) = visible(who, deps.city) else {
        return Ok(Vec::new());
    };
    let filter = ExceptionalFilter {
        visible,
        status: query.status.map(ExceptionalStatus::as_str),
        after: query.after,
        limit: query.limit,
    };
    let rows = store::exceptional::list(conn, &filter).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut issued = store::certificates::for_exceptional(conn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|application| {
            let certificate = issued
                .iter()
                .position(|c| c.exceptional_id == Some(application.id))
                .map(|i| issued.swap_remove(i));
            Reviewed {
                application,
                certificate,
            }
        })
        .collect())
}

/// Issues the approved application's certificate, the body's row locked.
async fn approve(
    conn: &mut AsyncPgConnection,
    city: ids::CityCode,
    row: &ExceptionalRow,
    by: &str,
) -> Result<CertificateRow, Error> {
    let owner = store::bodies::for_update(conn, row.body_id)
        .await?
        .ok_or(Error::BodyNotFound)?;
    let level: SkillLevel = row
        .skill_level
        .parse()
        .map_err(|_| Error::stored("level"))?;
    let item = ScopeItem {
        assessment_kind: row
            .assessment_kind
            .parse::<AssessmentKind>()
            .ok()
            .ok_or_else(|| Error::stored("kind"))?,
        occupation_code: row.occupation_code.clone(),
        skill_level: level,
    };
    let reasons = may_assess(
        &store::bodies::facts_of(conn, &owner).await?,
        &item,
        ids::business_date(Utc::now()),
    );
    if !reasons.is_empty() {
        return Err(Error::refused(reasons));
    }
    let g = Grant {
        person_id: row.person_id.clone(),
        citizen_sealed: row.citizen_sealed.clone(),
        holder_name: row.name.clone(),
        assessment_kind: row.assessment_kind.clone(),
        occupation_code: row.occupation_code.clone(),
        skill_level: level,
        route: CertificateRoute::Exceptional,
        candidate_id: None,
        exceptional_id: Some(row.id),
        class_id: None,
        institution_id: None,
    };
    grant(conn, city, &owner, g, by).await
}
