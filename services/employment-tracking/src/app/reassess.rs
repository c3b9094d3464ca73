//! Applies the rules of `domain/` to what is stored about some people, and
//! writes the results, inside the caller's transaction; returns the events
//! for the caller to enqueue. Every use case that brings evidence (a
//! contribution batch, a report, a completion) and the closing of windows
//! goes through [`reassess`], so the same facts always lead to the same
//! outcome, whatever their order.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::Utc;
use diesel_async::AsyncPgConnection;
use ids::CityCode;
use messaging::OutboxEvent;
use uuid::Uuid;

use super::Error;
use crate::domain::evidence::{
    confirmation, conflicting, insured_periods, Claim, Confirmation, Contribution, Source,
};
use crate::domain::window::{milestone_month, MILESTONES};
use crate::events;
use crate::store::{
    self,
    completers::{CompleterRow, Employed},
    milestones::MilestoneRow,
    records::{RecordRow, Widened},
};

/// Who the service records as the author of what social insurance shows.
const INSURANCE_AUTHOR: &str = "social-insurance-match";

/// What is known of the people reassessed.
struct Known {
    completers: Vec<CompleterRow>,
    /// Their persons, each once, in order.
    persons: Vec<String>,
    /// Each person's contributions, in month order.
    paid: HashMap<String, Vec<Contribution>>,
    /// Each person's masked citizen ID, as the contributions carry it.
    masked: HashMap<String, String>,
    records: Vec<RecordRow>,
}

fn claim(r: &RecordRow) -> anyhow::Result<Claim> {
    Ok(Claim {
        id: r.id,
        employer: r.employer_credit_code.clone(),
        starts_on: r.starts_on,
        ends_on: r.ends_on,
        source: r.source.parse().map_err(anyhow::Error::msg)?,
    })
}

/// Re-applies the rules to everything known of `persons` who completed
/// training here: records from social insurance, conflict flags,
/// milestones, and outcomes of open windows. Returns the events to enqueue.
pub(crate) async fn reassess(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    persons: &[String],
) -> Result<Vec<OutboxEvent>, Error> {
    let completers = store::completers::of_persons(conn, persons).await?;
    if completers.is_empty() {
        return Ok(Vec::new());
    }
    let mut known = gather(conn, completers).await?;
    let inserted = record_insured(conn, &mut known).await?;
    let claims = flag_conflicts(conn, &mut known.records).await?;
    let mut out = Vec::new();
    for r in known.records.iter().filter(|r| inserted.contains(&r.id)) {
        out.push(events::record(city, r)?);
    }
    record_milestones(conn, &known).await?;
    out.extend(decide_outcomes(conn, city, &known, &claims).await?);
    Ok(out)
}

/// The contributions and records of the completers' persons.
async fn gather(
    conn: &mut AsyncPgConnection,
    completers: Vec<CompleterRow>,
) -> Result<Known, Error> {
    let persons: Vec<String> = completers
        .iter()
        .map(|c| c.person_id.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut paid: HashMap<String, Vec<Contribution>> = HashMap::new();
    let mut masked: HashMap<String, String> = HashMap::new();
    for row in store::contributions::of_persons(conn, &persons).await? {
        paid.entry(row.person_id.clone())
            .or_default()
            .push(Contribution {
                month: row.month,
                employer: row.employer_credit_code,
            });
        masked.insert(row.person_id, row.citizen_masked);
    }
    let records = store::records::of_persons(conn, &persons).await?;
    Ok(Known {
        completers,
        persons,
        paid,
        masked,
        records,
    })
}

/// What social insurance shows becomes (or widens) a record per employer.
/// Returns the records inserted.
async fn record_insured(
    conn: &mut AsyncPgConnection,
    known: &mut Known,
) -> Result<HashSet<Uuid>, Error> {
    let mut fresh = Vec::new();
    let mut widened = Vec::new();
    for person in &known.persons {
        let Some(months) = known.paid.get(person) else {
            continue;
        };
        for (employer, first, last) in insured_periods(months) {
            let found = known.records.iter_mut().find(|r| {
                r.person_id == *person
                    && r.source == Source::SocialInsurance.as_str()
                    && r.employer_credit_code == employer
            });
            match found {
                Some(r) if r.starts_on != first || r.ends_on != Some(last) => {
                    widened.push(Widened {
                        id: r.id,
                        starts_on: first,
                        ends_on: last,
                    });
                    r.starts_on = first;
                    r.ends_on = Some(last);
                }
                Some(_) => {}
                None => fresh.push(RecordRow {
                    id: Uuid::now_v7(),
                    person_id: person.clone(),
                    citizen_masked: known.masked.get(person).cloned().unwrap_or_default(),
                    employer_credit_code: employer,
                    job: String::new(),
                    starts_on: first,
                    ends_on: Some(last),
                    contract_months: None,
                    source: Source::SocialInsurance.as_str().to_owned(),
                    conflicting: false,
                    recorded_by: INSURANCE_AUTHOR.to_owned(),
                    recorded_at: Utc::now(),
                }),
            }
        }
    }
    store::records::widen_insured(conn, &widened).await?;
    // A concurrent batch may have inserted the same record: keep what landed.
    let inserted: HashSet<Uuid> = store::records::insert_insured(conn, &fresh)
        .await?
        .into_iter()
        .collect();
    known
        .records
        .extend(fresh.into_iter().filter(|r| inserted.contains(&r.id)));
    Ok(inserted)
}

/// Flags the records that place a person at two employers at once; returns
/// each person's claims.
async fn flag_conflicts(
    conn: &mut AsyncPgConnection,
    records: &mut [RecordRow],
) -> Result<HashMap<String, Vec<Claim>>, Error> {
    let mut claims: HashMap<String, Vec<Claim>> = HashMap::new();
    for r in records.iter() {
        claims
            .entry(r.person_id.clone())
            .or_default()
            .push(claim(r)?);
    }
    let flagged: HashSet<Uuid> = claims.values().flat_map(|c| conflicting(c)).collect();
    let newly: Vec<Uuid> = records
        .iter()
        .filter(|r| !r.conflicting && flagged.contains(&r.id))
        .map(|r| r.id)
        .collect();
    store::records::flag_conflicting(conn, &newly).await?;
    for r in records.iter_mut() {
        r.conflicting |= flagged.contains(&r.id);
    }
    Ok(claims)
}

/// The milestones (3, 6, 12 months) the contributions show.
async fn record_milestones(conn: &mut AsyncPgConnection, known: &Known) -> Result<(), Error> {
    let none = Vec::new();
    let mut milestones = Vec::new();
    for c in &known.completers {
        let months = known.paid.get(&c.person_id).unwrap_or(&none);
        for n in MILESTONES {
            let month = milestone_month(c.completed_on, n);
            if let Some(p) = months.iter().find(|p| p.month == month) {
                milestones.push(MilestoneRow {
                    enrolment_id: c.enrolment_id,
                    months: n as i32,
                    month,
                    employer_credit_code: p.employer.clone(),
                });
            }
        }
    }
    Ok(store::milestones::insert(conn, &milestones).await?)
}

/// Confirms employment in the open windows the evidence shows it in;
/// returns the outcome events this transaction decided.
async fn decide_outcomes(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    known: &Known,
    claims: &HashMap<String, Vec<Claim>>,
) -> Result<Vec<OutboxEvent>, Error> {
    let (none, no_claims) = (Vec::new(), Vec::new());
    let mut found: HashMap<Uuid, Confirmation> = HashMap::new();
    for c in known.completers.iter().filter(|c| c.outcome.is_none()) {
        let person_claims = claims.get(&c.person_id).unwrap_or(&no_claims);
        let months = known.paid.get(&c.person_id).unwrap_or(&none);
        if let Some(f) = confirmation(c.completed_on, c.window_ends_on, person_claims, months) {
            found.insert(c.enrolment_id, f);
        }
    }
    let employed: Vec<Employed> = found
        .iter()
        .map(|(id, f)| Employed {
            enrolment_id: *id,
            employed_on: f.employed_on,
            employer: f.employer.clone(),
            source: f.source.as_str(),
        })
        .collect();
    // Only the outcomes this transaction wrote are published: exactly once.
    let decided: HashSet<Uuid> = store::completers::decide_employed(conn, &employed)
        .await?
        .into_iter()
        .collect();
    let mut out = Vec::new();
    for c in known
        .completers
        .iter()
        .filter(|c| decided.contains(&c.enrolment_id))
    {
        out.push(events::outcome(city, c, found.get(&c.enrolment_id))?);
    }
    Ok(out)
}
