//! Applies the rules of `domain/` to what is stored about some people, and
//! writes the results with their events, inside the caller's transaction.
//! Every path that brings evidence (a contribution batch, a report, a
//! completion) and the closing of windows goes through [`reassess`], so the
//! same facts always lead to the same outcome, whatever their order.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use contracts::employment::{
    InsuredMonthsEvent, EMPLOYED_WITHIN_WINDOW, INSURANCE_TOPIC, INSURED_MONTHS_COUNTED,
};
use db::{DbPool, ScopedFutureExt};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use ids::CityCode;
use messaging::OutboxEvent;
use uuid::Uuid;

use crate::domain::evidence::{
    confirmation, conflicting, insured_periods, Claim, Contribution, Source,
};
use crate::domain::window::{milestone_month, MILESTONES};
use crate::events;
use crate::store::{self, CompleterRow, ContributionRow, Employed, MilestoneRow, RecordRow};

/// Who the service records as the author of what social insurance shows.
pub const INSURANCE_AUTHOR: &str = "social-insurance-match";

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
pub async fn reassess(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    persons: &[String],
) -> anyhow::Result<Vec<OutboxEvent>> {
    let completers = store::completers_of(conn, persons).await?;
    if completers.is_empty() {
        return Ok(Vec::new());
    }
    let persons: Vec<String> = completers
        .iter()
        .map(|c| c.person_id.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut paid: HashMap<String, Vec<Contribution>> = HashMap::new();
    let mut masked: HashMap<String, String> = HashMap::new();
    for row in store::contributions_of(conn, &persons).await? {
        paid.entry(row.person_id.clone())
            .or_default()
            .push(Contribution {
                month: row.month,
                employer: row.employer_credit_code,
            });
        masked.insert(row.person_id, row.citizen_masked);
    }
    let mut records = store::records_of(conn, &persons).await?;

    // What social insurance shows becomes (or widens) a record per employer.
    let mut fresh = Vec::new();
    let mut widened = Vec::new();
    for person in &persons {
        let Some(months) = paid.get(person) else {
            continue;
        };
        for (employer, first, last) in insured_periods(months) {
            let known = records.iter_mut().find(|r| {
                r.person_id == *person
                    && r.source == Source::SocialInsurance.as_str()
                    && r.employer_credit_code == employer
            });
            match known {
                Some(r) if r.starts_on != first || r.ends_on != Some(last) => {
                    widened.push((r.id, first, last));
                    r.starts_on = first;
                    r.ends_on = Some(last);
                }
                Some(_) => {}
                None => fresh.push(RecordRow {
                    id: Uuid::now_v7(),
                    person_id: person.clone(),
                    citizen_masked: masked.get(person).cloned().unwrap_or_default(),
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
    store::widen_insured(conn, &widened).await?;
    // A concurrent batch may have inserted the same record: keep what landed.
    let inserted: HashSet<Uuid> = store::insert_insured(conn, &fresh)
        .await?
        .into_iter()
        .collect();
    records.extend(fresh.into_iter().filter(|r| inserted.contains(&r.id)));

    let mut claims: HashMap<String, Vec<Claim>> = HashMap::new();
    for r in &records {
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
    store::flag_conflicting(conn, &newly).await?;

    let mut out = Vec::new();
    for r in records.iter_mut() {
        r.conflicting |= flagged.contains(&r.id);
        if inserted.contains(&r.id) {
            out.push(events::record(city, r)?);
        }
    }

    let none = Vec::new();
    let mut milestones = Vec::new();
    for c in &completers {
        let months = paid.get(&c.person_id).unwrap_or(&none);
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
    store::insert_milestones(conn, &milestones).await?;

    let no_claims = Vec::new();
    let mut found = HashMap::new();
    for c in completers.iter().filter(|c| c.outcome.is_none()) {
        let person_claims = claims.get(&c.person_id).unwrap_or(&no_claims);
        let months = paid.get(&c.person_id).unwrap_or(&none);
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
    let decided: HashSet<Uuid> = store::decide_employed(conn, &employed)
        .await?
        .into_iter()
        .collect();
    for c in completers
        .iter()
        .filter(|c| decided.contains(&c.enrolment_id))
    {
        out.push(events::outcome(city, c, found.get(&c.enrolment_id))?);
    }
    Ok(out)
}

/// What one chunk of a batch did.
#[derive(Debug, Default, Clone, Copy)]
pub struct ChunkResult {
    /// Contributions not known before (from this or an earlier batch).
    pub new: usize,
    /// Rows of people who completed training here.
    pub matched: usize,
    /// Outcomes confirmed by the chunk.
    pub confirmed: usize,
}

/// Stores a chunk of contributions and reassesses the completers among
/// the people with new ones; enqueues the events.
pub async fn ingest(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    rows: &[ContributionRow],
) -> anyhow::Result<ChunkResult> {
    if rows.is_empty() {
        return Ok(ChunkResult::default());
    }
    let fresh = store::insert_contributions(conn, rows).await?;
    let persons: Vec<String> = rows
        .iter()
        .map(|r| r.person_id.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let known: HashSet<String> = store::known_completers(conn, &persons)
        .await?
        .into_iter()
        .collect();
    let matched = rows.iter().filter(|r| known.contains(&r.person_id)).count();
    let changed: Vec<String> = fresh
        .iter()
        .filter(|p| known.contains(*p))
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut events = reassess(conn, city, &changed).await?;
    let confirmed = events
        .iter()
        .filter(|e| e.event_type == EMPLOYED_WITHIN_WINDOW)
        .count();
    // Everyone with new months: how long they have been insured now, for
    // what rests on it (the certificate-based subsidy).
    let with_new: Vec<String> = fresh
        .iter()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    for row in store::insured_months(conn, &with_new).await? {
        let e = InsuredMonthsEvent {
            person_id: ids::PersonId::from_stored(row.person_id.clone()),
            city,
            insured_months: u32::try_from(row.months).unwrap_or(u32::MAX),
            latest_month: row.latest,
        };
        events.push(OutboxEvent::new(
            INSURANCE_TOPIC,
            INSURED_MONTHS_COUNTED,
            row.person_id,
            &e,
        ));
    }
    messaging::enqueue(conn, &events).await?;
    Ok(ChunkResult {
        new: fresh.len(),
        matched,
        confirmed,
    })
}

/// What closing windows did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Closed {
    /// Windows found to hold employment on a last look at the evidence.
    pub employed_within_window: usize,
    pub not_employed_at_window_end: usize,
}

/// Rows closed per transaction.
const CLOSE_BATCH: i64 = 500;

/// Closes every window that ended before `as_of`: evidence within it is
/// looked at once more, and a window still without employment is closed as
/// not employed. Replicas share the work: each transaction takes rows the
/// others have not locked (`FOR UPDATE SKIP LOCKED`), and an outcome is
/// written only where none is.
pub async fn close_windows(
    pool: &DbPool,
    city: CityCode,
    as_of: NaiveDate,
) -> anyhow::Result<Closed> {
    let mut total = Closed::default();
    loop {
        let mut conn = pool.get().await?;
        let (closed, taken) = conn
            .transaction::<_, anyhow::Error, _>(|conn| {
                async move { close_some(conn, city, as_of).await }.scope_boxed()
            })
            .await?;
        total.employed_within_window += closed.employed_within_window;
        total.not_employed_at_window_end += closed.not_employed_at_window_end;
        if i64::try_from(taken).is_ok_and(|n| n < CLOSE_BATCH) {
            return Ok(total);
        }
    }
}

async fn close_some(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    as_of: NaiveDate,
) -> anyhow::Result<(Closed, usize)> {
    let due: Vec<CompleterRow> = store::lock_due(conn, as_of, CLOSE_BATCH).await?;
    let persons: Vec<String> = due.iter().map(|c| c.person_id.clone()).collect();
    let mut out = reassess(conn, city, &persons).await?;
    let employed = out
        .iter()
        .filter(|e| e.event_type == EMPLOYED_WITHIN_WINDOW)
        .count();
    let mut not_employed = 0;
    for c in &due {
        let decided = store::close_not_employed(conn, c.enrolment_id).await?;
        if decided {
            not_employed += 1;
            out.push(events::outcome(city, c, None)?);
        }
    }
    messaging::enqueue(conn, &out).await?;
    Ok((
        Closed {
            employed_within_window: employed,
            not_employed_at_window_end: not_employed,
        },
        due.len(),
    ))
}
