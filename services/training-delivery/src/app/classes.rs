//! Classes (开班备案): filed before they start and checked against what the
//! catalogue and the registry announced (the read models), then approved by
//! the bureau, which opens the roster.

use std::collections::HashMap;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use contracts::delivery::{CLASS_APPROVED, CLASS_FILED};
use db::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use ids::{CityCode, OccupationCode, SkillLevel};
use platform::auth::{Principal, Role};
use uuid::Uuid;

use super::Error;
use crate::domain::class::{
    check_filing, ClassStatus, Facts, Filing, FundingRoute, Granted, Session, Standing,
};
use crate::events;
use crate::store::classes::{self, ClassFilter, ClassRow, SessionRow};
use crate::store::{catalogue, institutions};

/// A filing as checked at the door.
pub struct ClassFiling {
    pub institution_id: Uuid,
    pub occupation_code: String,
    pub skill_level: SkillLevel,
    /// The catalogue year the class trains under.
    pub year: i32,
    pub capacity: i32,
    pub funding_route: FundingRoute,
    /// The plan (一项目一方案), as stored.
    pub plan: serde_json::Value,
    pub sessions: Vec<Session>,
}

/// A class with its sessions.
pub struct Class {
    pub class: ClassRow,
    pub sessions: Vec<SessionRow>,
}

/// Officers and auditors of the city see every class; an institution's own
/// people see its classes; everyone else is answered as if it did not exist.
fn may_see(who: &Principal, class: &ClassRow) -> bool {
    who.may_see_institution_record(&class.city, &class.credit_code)
}

/// The class, if the caller may see it.
pub(super) async fn visible(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    id: Uuid,
) -> Result<ClassRow, Error> {
    classes::find(conn, id)
        .await?
        .filter(|c| may_see(who, c))
        .ok_or(Error::ClassNotFound)
}

/// The class locked for the rest of the transaction, if the caller may see it.
pub(super) async fn lock_visible(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    id: Uuid,
) -> Result<ClassRow, Error> {
    classes::lock(conn, id)
        .await?
        .filter(|c| may_see(who, c))
        .ok_or(Error::ClassNotFound)
}

/// Files a class for the caller's institution: every reason it is refused
/// is answered at once; a teacher or venue another open class holds at the
/// same time raises an alert for supervision. Runs in the caller's
/// transaction (the request's idempotency key is recorded in it).
#[tracing::instrument(skip_all, fields(institution_id = %filing.institution_id, class_id))]
pub async fn file(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    city: CityCode,
    filing: ClassFiling,
) -> Result<Class, Error> {
    let city = city.to_string();
    let (facts, credit_code) = facts(conn, &city, &filing).await?;
    if facts.institution.is_some() && credit_code.as_deref() != who.org() {
        return Err(Error::NotOwnInstitution);
    }
    let checked = Filing {
        institution_id: filing.institution_id,
        occupation_code: &filing.occupation_code,
        skill_level: filing.skill_level.as_str(),
        year: filing.year,
        capacity: filing.capacity,
        sessions: &filing.sessions,
    };
    let refusals = check_filing(&checked, &facts, Utc::now());
    if !refusals.is_empty() {
        return Err(Error::Invalid(refusals));
    }
    let id = Uuid::now_v7();
    tracing::Span::current().record("class_id", tracing::field::display(id));
    let class = filed(
        id,
        city,
        credit_code.unwrap_or_default(),
        who.subject(),
        filing,
    )?;
    classes::insert(conn, &class.class, &class.sessions).await?;
    announce_filing(conn, &class).await?;
    Ok(class)
}

/// Gathers from the read models what a filing is checked against, and the
/// credit code of the institution filed for (when the registry announced it).
async fn facts(
    conn: &mut AsyncPgConnection,
    city: &str,
    filing: &ClassFiling,
) -> Result<(Facts, Option<String>), Error> {
    let institution = institutions::find(conn, filing.institution_id).await?;
    let venue_ids: Vec<Uuid> = filing.sessions.iter().map(|s| s.venue_id).collect();
    let teacher_ids: Vec<Uuid> = filing.sessions.iter().map(|s| s.teacher_id).collect();
    let teachers: HashMap<_, _> = institutions::teachers_of(conn, &teacher_ids)
        .await?
        .into_iter()
        .map(|t| (t.teacher_id, (t.institution_id, may_teach(&t.may_teach))))
        .collect();
    let credit_code = institution.as_ref().map(|i| i.credit_code.clone());
    let facts = Facts {
        institution: match institution {
            Some(i) => Some((
                i.status
                    .parse::<Standing>()
                    .context("an institution's standing")?,
                serde_json::from_value::<Vec<Granted>>(i.scope)
                    .context("an institution's granted scope")?,
            )),
            None => None,
        },
        listed_in_catalogue: catalogue::listed(
            conn,
            city,
            filing.year,
            &filing.occupation_code,
            filing.skill_level.as_str(),
        )
        .await?,
        venues: institutions::venues_of(conn, &venue_ids)
            .await?
            .into_iter()
            .map(|v| (v.venue_id, (v.institution_id, v.capacity, v.occupations)))
            .collect(),
        teachers,
    };
    Ok((facts, credit_code))
}

/// A teacher's `[(occupation, level)]` from the registry's JSON; what is
/// not readable there qualifies for nothing.
fn may_teach(json: &serde_json::Value) -> Vec<(String, String)> {
    json.as_array()
        .map(|list| {
            list.iter()
                .filter_map(|q| {
                    Some((
                        q["occupation_code"].as_str()?.to_owned(),
                        q["skill_level"].as_str()?.to_owned(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The rows of a checked filing: the class spans its sessions.
fn filed(
    id: Uuid,
    city: String,
    credit_code: String,
    filed_by: &str,
    filing: ClassFiling,
) -> Result<Class, Error> {
    let first = filing
        .sessions
        .first()
        .context("a filing that passed its checks has a session")?;
    let ends_at = filing
        .sessions
        .iter()
        .map(|s| s.ends_at)
        .max()
        .unwrap_or(first.ends_at);
    let class = ClassRow {
        id,
        city,
        institution_id: filing.institution_id,
        credit_code,
        occupation_code: filing.occupation_code,
        skill_level: filing.skill_level.to_string(),
        year: filing.year,
        capacity: filing.capacity,
        funding_route: filing.funding_route.as_str().to_owned(),
        plan: filing.plan,
        status: ClassStatus::Filed.as_str().into(),
        starts_at: first.starts_at,
        ends_at,
        filed_by: filed_by.to_owned(),
        filed_at: Utc::now(),
        approved_by: None,
        approved_at: None,
        closed_at: None,
    };
    let sessions = filing
        .sessions
        .iter()
        .zip(1_i32..)
        .map(|(s, seq)| SessionRow {
            class_id: id,
            seq,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            venue_id: s.venue_id,
            teacher_id: s.teacher_id,
        })
        .collect();
    Ok(Class { class, sessions })
}

/// Queues the double-booking alerts of a new class, then its filing.
async fn announce_filing(conn: &mut AsyncPgConnection, filed: &Class) -> Result<(), Error> {
    let row = &filed.class;
    let mut alerts = Vec::new();
    for s in &filed.sessions {
        let bookings = classes::double_bookings(
            conn,
            row.id,
            s.starts_at,
            s.ends_at,
            s.teacher_id,
            s.venue_id,
        )
        .await?;
        for b in bookings {
            alerts.push(events::conflict(
                row,
                b.kind,
                b.other_class,
                b.subject.to_string(),
            ));
        }
    }
    messaging::enqueue(conn, &alerts).await?;
    messaging::enqueue(conn, &[events::class(row, CLASS_FILED)?]).await?;
    Ok(())
}

/// A class with its sessions, if the caller may see it.
#[tracing::instrument(skip_all, fields(class_id = %id))]
pub async fn get(conn: &mut AsyncPgConnection, who: &Principal, id: Uuid) -> Result<Class, Error> {
    let class = visible(conn, who, id).await?;
    let sessions = classes::sessions_of(conn, class.id).await?;
    Ok(Class { class, sessions })
}

/// What a caller narrows the class list to, as checked at the door.
#[derive(Debug)]
pub struct ClassQuery {
    pub status: Option<ClassStatus>,
    pub institution_id: Option<Uuid>,
    /// The catalogue year the class trains under.
    pub year: Option<i32>,
    pub occupation_code: Option<OccupationCode>,
    /// The previous page's last `(filed_at, id)`.
    pub after: Option<(DateTime<Utc>, Uuid)>,
    /// How many rows to read.
    pub limit: i64,
}

/// The classes of `city` the caller may see, oldest filing first, as
/// `may_see` decides for one: officers and auditors (of `city`, checked at
/// the door) every class, an institution's own people and systems their
/// institution's, anyone else none.
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    city: CityCode,
    query: &ClassQuery,
) -> Result<Vec<ClassRow>, Error> {
    let credit_code = match who.role() {
        Role::BureauOfficer | Role::Auditor => None,
        Role::InstitutionOperator | Role::Integrator => match who.org() {
            Some(org) => Some(org),
            None => return Ok(Vec::new()),
        },
        Role::Assessor | Role::Enterprise | Role::Trainee | Role::Province => return Ok(Vec::new()),
    };
    let city = city.to_string();
    let filter = ClassFilter {
        city: &city,
        credit_code,
        institution_id: query.institution_id,
        status: query.status,
        year: query.year,
        occupation_code: query.occupation_code.as_ref().map(OccupationCode::as_str),
        after: query.after,
        limit: query.limit,
    };
    Ok(classes::list(conn, &filter).await?)
}

/// The bureau approves a filed class: its roster opens.
#[tracing::instrument(skip_all, fields(class_id = %id))]
pub async fn approve(
    conn: &mut AsyncPgConnection,
    who: &Principal,
    id: Uuid,
) -> Result<Class, Error> {
    conn.transaction::<_, Error, _>(|conn| {
        async move {
            let mut class = lock_visible(conn, who, id).await?;
            if class.status != ClassStatus::Filed.as_str() {
                return Err(Error::ClassNotFiled {
                    status: class.status,
                });
            }
            classes::approve(conn, id, who.subject()).await?;
            class.status = ClassStatus::Approved.as_str().into();
            class.approved_by = Some(who.subject().to_owned());
            class.approved_at = Some(Utc::now());
            messaging::enqueue(conn, &[events::class(&class, CLASS_APPROVED)?]).await?;
            let sessions = classes::sessions_of(conn, id).await?;
            Ok(Class { class, sessions })
        }
        .scope_boxed()
    })
    .await
}
