//! New-style apprenticeships (新型学徒制): the enterprise registers the
//! internship agreement, then the labour contract after graduation; the
//! rules decide recognition and say every reason when they refuse.

use chrono::{NaiveDate, Utc};
use db::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use ids::{CitizenId, CityCode, CreditCode};
use platform::pagination::{self, Page};
use serde::Serialize;
use uuid::Uuid;

use super::scope::{self, Scope, Viewer};
use super::Error;
use crate::domain::apprenticeship::{
    decide, internship_issues, ApprenticeshipStatus, Decision, Internship, LabourContract, Reason,
};
use crate::domain::window::whole_months;
use crate::events;
use crate::store::{
    self,
    apprenticeships::{ApprenticeshipFilter, ApprenticeshipRow},
};

/// An internship agreement (实习协议), validated.
#[derive(Debug)]
pub struct NewInternship {
    pub person_id: String,
    pub citizen: CitizenId,
    pub enterprise: CreditCode,
    pub occupation_code: Option<String>,
    pub school: String,
    pub graduation_on: NaiveDate,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub registered_by: String,
}

/// A reason as stored with the apprenticeship.
#[derive(Serialize)]
struct StoredReason {
    code: &'static str,
    message: String,
}

fn reasons(found: Vec<Reason>) -> Result<serde_json::Value, Error> {
    let stored: Vec<StoredReason> = found
        .into_iter()
        .map(|r| StoredReason {
            code: r.code,
            message: r.message,
        })
        .collect();
    Ok(serde_json::to_value(stored).map_err(anyhow::Error::from)?)
}

fn internship(a: &ApprenticeshipRow) -> Internship {
    Internship {
        enterprise: a.enterprise_credit_code.clone(),
        graduation_on: a.graduation_on,
        starts_on: a.internship_starts_on,
        ends_on: a.internship_ends_on,
    }
}

/// Registers an internship, inside the caller's transaction. What would
/// stop recognition (e.g. an internship under six months) is recorded at
/// once.
#[tracing::instrument(skip_all, fields(apprenticeship_id))]
pub async fn register(
    conn: &mut AsyncPgConnection,
    n: NewInternship,
) -> Result<ApprenticeshipRow, Error> {
    let mut row = ApprenticeshipRow {
        id: Uuid::now_v7(),
        person_id: n.person_id,
        citizen_masked: n.citizen.masked(),
        enterprise_credit_code: n.enterprise.to_string(),
        occupation_code: n.occupation_code,
        school: n.school,
        graduation_on: n.graduation_on,
        internship_starts_on: n.starts_on,
        internship_ends_on: n.ends_on,
        status: ApprenticeshipStatus::Internship.as_str().into(),
        reasons: serde_json::Value::Array(Vec::new()),
        contract_employer: None,
        employment_starts_on: None,
        contract_ends_on: None,
        contract_months: None,
        recognised_from: None,
        training_months: None,
        registered_by: n.registered_by,
        registered_at: Utc::now(),
        decided_at: None,
    };
    tracing::Span::current().record("apprenticeship_id", tracing::field::display(row.id));
    row.reasons = reasons(internship_issues(&internship(&row)))?;
    store::apprenticeships::insert(conn, &row).await?;
    Ok(row)
}

/// Adds the labour contract (劳动合同) signed after graduation and decides,
/// in one transaction: recognised (APPRENTICESHIP_RECOGNISED is enqueued)
/// or not recognised, with every reason. `party` is the organisation the
/// caller acts for: only the enterprise of the internship adds it.
#[tracing::instrument(skip_all, fields(apprenticeship_id = %id))]
pub async fn contract(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    viewer: &Viewer,
    party: Option<String>,
    id: Uuid,
    contract: LabourContract,
) -> Result<ApprenticeshipRow, Error> {
    let scope = scope::resolve(conn, viewer).await?;
    let scope = &scope;
    conn.transaction::<_, Error, _>(|conn| {
        async move {
            let mut row = store::apprenticeships::lock(conn, id)
                .await?
                .filter(|a| scope.sees_apprenticeship(a))
                .ok_or(Error::ApprenticeshipNotFound)?;
            if party.as_deref() != Some(row.enterprise_credit_code.as_str()) {
                return Err(Error::NotTheParty);
            }
            if row.status != ApprenticeshipStatus::Internship.as_str() {
                return Err(Error::AlreadyDecided(row.status));
            }
            let out = apply(city, &mut row, &contract)?;
            store::apprenticeships::update(conn, &row).await?;
            messaging::enqueue(conn, &out).await?;
            Ok(row)
        }
        .scope_boxed()
    })
    .await
}

/// Writes the contract and the decision into the row; returns the event
/// of a recognition.
fn apply(
    city: CityCode,
    row: &mut ApprenticeshipRow,
    contract: &LabourContract,
) -> Result<Vec<messaging::OutboxEvent>, Error> {
    row.contract_employer = Some(contract.employer.clone());
    row.employment_starts_on = Some(contract.starts_on);
    row.contract_ends_on = contract.ends_on;
    row.decided_at = Some(Utc::now());
    let mut out = Vec::new();
    match decide(&internship(row), contract) {
        Decision::Recognised {
            recognised_from,
            training_months,
            contract_months,
        } => {
            row.status = ApprenticeshipStatus::Recognised.as_str().into();
            row.reasons = reasons(Vec::new())?;
            row.recognised_from = Some(recognised_from);
            row.training_months = Some(training_months);
            row.contract_months = contract_months;
            out.push(events::apprenticeship(city, row)?);
        }
        Decision::NotRecognised(why) => {
            row.status = ApprenticeshipStatus::NotRecognised.as_str().into();
            row.reasons = reasons(why)?;
            row.contract_months = contract
                .ends_on
                .map(|end| whole_months(contract.starts_on, end));
        }
    }
    Ok(out)
}

/// One apprenticeship, if the viewer may see it.
#[tracing::instrument(skip_all, fields(apprenticeship_id = %id))]
pub async fn get(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    id: Uuid,
) -> Result<ApprenticeshipRow, Error> {
    let scope = scope::resolve(conn, viewer).await?;
    store::apprenticeships::find(conn, id)
        .await?
        .filter(|a| scope.sees_apprenticeship(a))
        .ok_or(Error::ApprenticeshipNotFound)
}

/// Apprenticeships, newest first: officers and auditors see all, an
/// enterprise its own, an integrator those it registered.
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut AsyncPgConnection,
    viewer: &Viewer,
    mut filter: ApprenticeshipFilter,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Page<ApprenticeshipRow>, Error> {
    match scope::resolve(conn, viewer).await? {
        Scope::Employer(org) => filter.enterprise = Some(org),
        Scope::Integrator { subject, .. } => filter.registered_by = Some(subject),
        Scope::City | Scope::Institutions(_) => {}
    }
    let rows = store::apprenticeships::list(conn, &filter, after, limit + 1).await?;
    Ok(pagination::page(rows, limit, |r| r.id)?)
}
