//! Employment records (就业信息): reports by officers, institutions,
//! employers, integrators and workers themselves; what social insurance
//! shows is added by the contribution batches. A report never replaces
//! another record: conflicting ones are kept and flagged.

use chrono::{NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use ids::{CityCode, CreditCode, Role};
use platform::pagination::{self, Page};
use uuid::Uuid;

use super::scope::{self, Scope, Viewer};
use super::{reassess, Error};
use crate::domain::evidence::{self, Reporter, Source};
use crate::domain::window::whole_months;
use crate::events;
use crate::store::{
    self,
    records::{RecordFilter, RecordRow},
};

/// An employment report, validated.
#[derive(Debug)]
pub struct NewReport {
    /// The worker's pseudonym.
    pub person_id: String,
    pub citizen_masked: String,
    pub employer: CreditCode,
    pub job: String,
    pub starts_on: NaiveDate,
    /// Absent for an open-ended contract.
    pub ends_on: Option<NaiveDate>,
    pub source: Source,
}

/// Who reports.
#[derive(Debug)]
pub struct ReportedBy {
    pub role: Role,
    pub subject: String,
    /// The organisation the caller acts for.
    pub org: Option<String>,
    /// A trainee's own person id.
    pub person_id: Option<String>,
}

/// A report its reporter may make; only [`authorise`] makes one.
#[derive(Debug)]
pub struct Authorised {
    report: NewReport,
    recorded_by: String,
}

/// Asks the rules whether the reporter may report from this source about
/// this person: an organisation its own trainees or staff, a worker
/// themselves.
#[tracing::instrument(skip_all)]
pub async fn authorise(
    conn: &mut AsyncPgConnection,
    by: ReportedBy,
    report: NewReport,
) -> Result<Authorised, Error> {
    let own_trainee = match by.org.as_deref() {
        Some(org) => {
            let mine = store::institutions::of_org(conn, org).await?;
            store::completers::completed_at(conn, &report.person_id, &mine).await?
        }
        None => false,
    };
    let own_staff = by.org.as_deref() == Some(report.employer.as_str());
    let reporter = match by.role {
        Role::InstitutionOperator => Reporter::InstitutionOperator { own_trainee },
        Role::Enterprise => Reporter::Enterprise { own_staff },
        Role::Integrator => Reporter::Integrator {
            own_trainee,
            own_staff,
        },
        Role::Trainee => Reporter::Trainee {
            own: by.person_id.as_deref() == Some(report.person_id.as_str()),
        },
        _ => Reporter::BureauOfficer,
    };
    if let Some((code, message)) = evidence::may_report(reporter, report.source) {
        return Err(Error::ReportRefused { code, message });
    }
    Ok(Authorised {
        report,
        recorded_by: by.subject,
    })
}

/// Records an authorised report, reassesses the person (it may confirm
/// employment in a window, or conflict with another record) and enqueues
/// the events; inside the caller's transaction. Returns the record as
/// stored, flagged if it conflicts.
#[tracing::instrument(skip_all, fields(record_id))]
pub async fn report(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    authorised: Authorised,
) -> Result<RecordRow, Error> {
    let Authorised {
        report: r,
        recorded_by,
    } = authorised;
    let row = RecordRow {
        id: Uuid::now_v7(),
        person_id: r.person_id,
        citizen_masked: r.citizen_masked,
        employer_credit_code: r.employer.to_string(),
        job: r.job,
        starts_on: r.starts_on,
        ends_on: r.ends_on,
        contract_months: r.ends_on.map(|end| whole_months(r.starts_on, end)),
        source: r.source.as_str().to_owned(),
        conflicting: false,
        recorded_by,
        recorded_at: Utc::now(),
    };
    tracing::Span::current().record("record_id", tracing::field::display(row.id));
    store::records::insert(conn, &row).await?;
    let mut out = reassess::reassess(conn, city, std::slice::from_ref(&row.person_id)).await?;
    // Reassessing may have flagged the new record as conflicting.
    let row = store::records::find(conn, row.id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the record just written is gone"))?;
    out.insert(0, events::record(city, &row)?);
    messaging::enqueue(conn, &out).await?;
    Ok(row)
}

/// Employment records the viewer may see, newest first: officers and
/// auditors all of the city's, an enterprise its own staff's, an
/// institution its completers', an integrator those it submitted.
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    mut filter: RecordFilter,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Page<RecordRow>, Error> {
    match scope::resolve(conn, viewer).await? {
        Scope::City => {}
        Scope::Institutions(ids) => filter.institutions = Some(ids),
        Scope::Employer(org) => {
            if filter.employer.as_ref().is_some_and(|e| *e != org) {
                return Ok(Page {
                    items: Vec::new(),
                    next_cursor: None,
                });
            }
            filter.employer = Some(org);
        }
        Scope::Integrator { subject, .. } => filter.recorded_by = Some(subject),
    }
    let rows = store::records::list(conn, &filter, after, limit + 1).await?;
    Ok(pagination::page(rows, limit, |r| r.id)?)
}

/// One employment record, if the viewer may see it.
#[tracing::instrument(skip_all, fields(record_id = %id))]
pub async fn get(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    id: Uuid,
) -> Result<RecordRow, Error> {
    let row = store::records::find(conn, id)
        .await?
        .ok_or(Error::RecordNotFound)?;
    let visible = match scope::resolve(conn, viewer).await? {
        Scope::City => true,
        Scope::Institutions(ids) => {
            store::completers::completed_at(conn, &row.person_id, &ids).await?
        }
        Scope::Employer(org) => row.employer_credit_code == org,
        Scope::Integrator { subject, .. } => row.recorded_by == subject,
    };
    if visible {
        Ok(row)
    } else {
        Err(Error::RecordNotFound)
    }
}
