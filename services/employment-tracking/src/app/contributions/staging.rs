//! The writer of a batch being received: stages its chunks as they come,
//! each in a statement of its own (no transaction waits on a slow sender),
//! then applies the whole batch in one transaction, so a batch that fails
//! part-way leaves nothing behind.

use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

use contracts::employment::{
    InsuredMonthsEvent, EMPLOYED_WITHIN_WINDOW, INSURANCE_TOPIC, INSURED_MONTHS_COUNTED,
};
use db::{DbPool, ScopedFutureExt};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use ids::CityCode;
use messaging::OutboxEvent;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::BatchReport;
use crate::app::{reassess, Error};
use crate::store::{self, contributions::ContributionRow, uploads};

/// How long an upload may go without a byte arriving before it counts as
/// abandoned and another request may take the batch over.
pub(super) const ABANDONED_AFTER: Duration = Duration::from_secs(600);
/// How often a sender still sending, but not yet a whole chunk, keeps its
/// upload alive.
pub(super) const KEEP_ALIVE: Duration = Duration::from_secs(60);

pub(super) enum Message {
    /// Bytes keep arriving, not yet a whole chunk: the upload is alive.
    Alive,
    Chunk(Vec<ContributionRow>),
    /// The whole body was read: record the batch and commit.
    Finish {
        hash: String,
        report: Box<BatchReport>,
    },
}

/// One batch being received.
pub(super) struct Upload {
    pub(super) id: Uuid,
    pub(super) submitter: String,
    pub(super) batch_id: String,
}

/// Stages the chunks as they come, then applies the whole batch on
/// `Finish`.
pub(super) async fn write(
    pool: DbPool,
    city: CityCode,
    upload: Upload,
    chunk_rows: i64,
    mut rx: mpsc::Receiver<Message>,
) -> Result<BatchReport, Error> {
    let mut staged = 0;
    while let Some(message) = rx.recv().await {
        match message {
            Message::Alive => {
                let mut conn = pool.get().await?;
                if !uploads::touch(&mut conn, upload.id).await? {
                    return Err(Error::BatchInFlight);
                }
            }
            Message::Chunk(rows) if rows.is_empty() => {}
            Message::Chunk(rows) => {
                let mut conn = pool.get().await?;
                if !uploads::stage(&mut conn, upload.id, staged + 1, &rows).await? {
                    return Err(Error::BatchInFlight);
                }
                staged += i32::try_from(rows.len()).map_err(anyhow::Error::from)?;
            }
            Message::Finish { hash, report } => {
                return apply(&pool, city, &upload, chunk_rows, &hash, *report).await
            }
        }
    }
    Err(Error::BatchIncomplete)
}

/// Applies a staged batch in one transaction, records it, and drops its
/// staging.
async fn apply(
    pool: &DbPool,
    city: CityCode,
    upload: &Upload,
    chunk_rows: i64,
    hash: &str,
    mut report: BatchReport,
) -> Result<BatchReport, Error> {
    let mut conn = pool.get().await?;
    conn.transaction::<_, Error, _>(|conn| {
        async move {
            // One upload per batch id at a time, so its row lock is the
            // batch's. Refused when taken over meanwhile as abandoned, or
            // applied by another.
            if !uploads::lock(conn, upload.id).await?
                || store::batches::find(conn, &upload.submitter, &upload.batch_id)
                    .await?
                    .is_some()
            {
                return Err(Error::BatchInFlight);
            }
            let mut sums = ChunkResult::default();
            let mut after = 0;
            loop {
                let staged = uploads::staged(conn, upload.id, after, chunk_rows).await?;
                let Some(last) = staged.last() else {
                    break;
                };
                after = last.seq;
                let rows: Vec<ContributionRow> = staged
                    .into_iter()
                    .map(|r| r.into_contribution(&upload.batch_id))
                    .collect();
                let done = ingest(conn, city, &rows).await?;
                sums.new += done.new;
                sums.matched += done.matched;
                sums.confirmed += done.confirmed;
            }
            report.duplicates = report.accepted - sums.new as u64;
            report.matched = sums.matched as u64;
            report.outcomes_confirmed = sums.confirmed as u64;
            let stored = serde_json::to_value(&report).map_err(anyhow::Error::from)?;
            store::batches::insert(conn, &upload.submitter, &upload.batch_id, hash, &stored)
                .await?;
            uploads::finish(conn, upload.id).await?;
            Ok(report)
        }
        .scope_boxed()
    })
    .await
}

/// What one chunk of a batch did.
#[derive(Debug, Default, Clone, Copy)]
struct ChunkResult {
    /// Contributions not known before (from this or an earlier batch).
    new: usize,
    /// Rows of people who completed training here.
    matched: usize,
    /// Outcomes confirmed by the chunk.
    confirmed: usize,
}

fn distinct(persons: impl Iterator<Item = String>) -> Vec<String> {
    persons.collect::<BTreeSet<_>>().into_iter().collect()
}

/// Stores a chunk of contributions and reassesses the completers among
/// the people with new ones; enqueues the events.
async fn ingest(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    rows: &[ContributionRow],
) -> Result<ChunkResult, Error> {
    if rows.is_empty() {
        return Ok(ChunkResult::default());
    }
    let fresh = store::contributions::insert(conn, rows).await?;
    let persons = distinct(rows.iter().map(|r| r.person_id.clone()));
    let known: HashSet<String> = store::completers::known(conn, &persons)
        .await?
        .into_iter()
        .collect();
    let matched = rows.iter().filter(|r| known.contains(&r.person_id)).count();
    let changed = distinct(fresh.iter().filter(|p| known.contains(*p)).cloned());
    let mut events = reassess::reassess(conn, city, &changed).await?;
    let confirmed = events
        .iter()
        .filter(|e| e.event_type == EMPLOYED_WITHIN_WINDOW)
        .count();
    // Everyone with new months: how long they have been insured now, for
    // what rests on it (the certificate-based subsidy).
    let with_new = distinct(fresh.iter().cloned());
    for row in store::contributions::insured_months(conn, &with_new).await? {
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
