//! Institutions (培训机构): the open application (条件公开、自愿申请), what
//! the city's people may read of them, and publishing the listed ones again
//! for other services' read models.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use contracts::registry::{INSTITUTION_APPROVED, INSTITUTION_SUSPENDED};
use db::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use ids::{CityCode, CreditCode, SkillLevel};
use platform::auth::Principal;
use serde::Serialize;
use uuid::Uuid;

use super::Error;
use crate::domain::institution::ScopeKind;
use crate::domain::institution::{Employment, Nature, Status};
use crate::events;
use crate::store::institutions::{
    self, Full, InstitutionFilter, InstitutionRow, ScopeRow, TeacherRow, VenueRow,
};

/// An application as checked at the door: trimmed, every field valid.
pub struct Application {
    pub credit_code: CreditCode,
    pub name: String,
    pub nature: Nature,
    /// District code within the city, e.g. 350102.
    pub district: String,
    pub address: String,
    pub contact_person: String,
    pub contact_phone: String,
    /// A high-skill talent training base (高技能人才培训基地) is always listed.
    pub high_skill_base: bool,
    pub venues: Vec<Venue>,
    pub teachers: Vec<Teacher>,
    /// The occupations × levels it wants to train.
    pub requested_scope: Vec<Qualification>,
}

pub struct Venue {
    pub name: String,
    pub address: String,
    pub capacity: i32,
    /// Occupations its equipment serves.
    pub occupations: Vec<String>,
}

pub struct Teacher {
    pub name: String,
    pub employment: Employment,
    pub qualification: String,
    pub may_teach: Vec<Qualification>,
}

/// An occupation × level; a teacher's are stored as this JSON.
#[derive(Debug, Clone, Serialize)]
pub struct Qualification {
    pub occupation_code: String,
    pub skill_level: SkillLevel,
}

/// May the caller see this institution? Officers and auditors of its city;
/// an institution's own operator or integrator. Others are answered as if
/// it did not exist.
pub(super) fn may_see(who: &Principal, row: &InstitutionRow) -> bool {
    who.may_see_institution_record(&row.city, &row.credit_code)
}

/// Records an application, pending the bureau's review, with its venues,
/// teachers and requested scope. Runs in the caller's transaction (the
/// request's idempotency key is recorded in it).
#[tracing::instrument(skip_all, fields(city = %city, credit_code = %application.credit_code, institution_id))]
pub async fn apply(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    applied_by: &str,
    application: Application,
) -> Result<Full, Error> {
    let now = Utc::now();
    let id = Uuid::now_v7();
    tracing::Span::current().record("institution_id", tracing::field::display(id));
    let institution = InstitutionRow {
        id,
        city: city.to_string(),
        credit_code: application.credit_code.to_string(),
        name: application.name,
        nature: application.nature.as_str().to_owned(),
        district: application.district,
        address: application.address,
        contact_person: application.contact_person,
        contact_phone: application.contact_phone,
        high_skill_base: application.high_skill_base,
        status: Status::Pending.as_str().to_owned(),
        selection_method: None,
        decision_reason: None,
        decided_by: None,
        decided_at: None,
        applied_by: applied_by.to_owned(),
        applied_at: now,
        updated_at: now,
        rating: None,
        under_review: false,
    };
    let venues: Vec<VenueRow> = application
        .venues
        .into_iter()
        .map(|v| VenueRow {
            id: Uuid::now_v7(),
            institution_id: id,
            name: v.name,
            address: v.address,
            capacity: v.capacity,
            occupations: v.occupations,
        })
        .collect();
    let teachers = application
        .teachers
        .into_iter()
        .map(|t| {
            Ok(TeacherRow {
                id: Uuid::now_v7(),
                institution_id: id,
                name: t.name,
                employment: t.employment.as_str().to_owned(),
                qualification: t.qualification,
                may_teach: serde_json::to_value(&t.may_teach)
                    .context("a teacher's qualifications")?,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let requested = requested_scope(id, &application.requested_scope);
    if !institutions::insert_application(conn, &institution, &venues, &teachers, &requested).await?
    {
        return Err(Error::InstitutionExists);
    }
    institutions::full(conn, id)
        .await?
        .ok_or(Error::InstitutionNotFound)
}

/// The requested scope as rows, in order, each pair once.
fn requested_scope(id: Uuid, items: &[Qualification]) -> Vec<ScopeRow> {
    let mut requested: Vec<ScopeRow> = items
        .iter()
        .map(|q| ScopeRow {
            institution_id: id,
            kind: ScopeKind::Requested.as_str().into(),
            occupation_code: q.occupation_code.clone(),
            skill_level: q.skill_level.to_string(),
            valid_from: None,
            valid_to: None,
        })
        .collect();
    requested.sort_by(|a, b| {
        (&a.occupation_code, &a.skill_level).cmp(&(&b.occupation_code, &b.skill_level))
    });
    requested.dedup();
    requested
}

/// A page of the city's institutions, newest application first, as
/// `filter` narrows them (one status; one organisation's, by credit code):
/// those after the cursor's, at most `limit`.
#[tracing::instrument(skip_all, fields(city = %city))]
pub async fn list(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    filter: &InstitutionFilter,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<InstitutionRow>, Error> {
    Ok(institutions::list(conn, city.as_str(), filter, after, limit).await?)
}

/// One institution in full, if the caller may see it.
#[tracing::instrument(skip_all, fields(institution_id = %id))]
pub async fn get(conn: &mut AsyncPgConnection, who: &Principal, id: Uuid) -> Result<Full, Error> {
    institutions::full(conn, id)
        .await?
        .filter(|f| may_see(who, &f.institution))
        .ok_or(Error::InstitutionNotFound)
}

/// Queues every listed institution's standing again, with its teachers and
/// venues, so that other services rebuild their read models; answers how
/// many events were queued.
#[tracing::instrument(skip_all, fields(city = %city))]
pub async fn republish(conn: &mut AsyncPgConnection, city: CityCode) -> Result<usize, Error> {
    conn.transaction::<_, Error, _>(|conn| {
        async move {
            let mut batch = Vec::new();
            for status in [Status::Approved, Status::Suspended] {
                for row in institutions::in_status(conn, city.as_str(), status).await? {
                    let full = institutions::full(conn, row.id)
                        .await?
                        .ok_or(Error::InstitutionNotFound)?;
                    let kind = if status == Status::Approved {
                        INSTITUTION_APPROVED
                    } else {
                        INSTITUTION_SUSPENDED
                    };
                    batch.push(events::institution(&full, kind, None)?);
                    batch.extend(events::staff_and_venues(&full)?);
                }
            }
            messaging::enqueue(conn, &batch).await?;
            Ok(batch.len())
        }
        .scope_boxed()
    })
    .await
}
