//! Social-insurance contribution batches (社保缴费数据比对): large NDJSON
//! bodies read as a stream and written in chunks, never held whole. The
//! batch id makes a repeat safe: the same content answers the first report
//! again without counting anything twice; other content under the same id
//! is refused.
//!
//! The body is read here while a writer task (`staging`) stages the
//! chunks; once the body is whole, the staged batch is applied in one
//! transaction.

mod lines;
mod staging;

use std::collections::BTreeSet;
use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};
use db::DbPool;
use diesel_async::AsyncPgConnection;
use futures::{Stream, StreamExt};
use ids::{CityCode, PersonIdKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use utoipa::ToSchema;

use super::Error;
use crate::domain::contribution::{parse_line, MAX_LINE_BYTES};
use crate::store::{self, batches::BatchRow, contributions::ContributionRow, uploads};
use lines::Lines;
use staging::{Message, Upload, ABANDONED_AFTER, KEEP_ALIVE};

/// A bad line of a batch: it was not taken.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LineError {
    /// 1-based line number in the body.
    pub line: u64,
    pub field: String,
    pub code: String,
    pub message: String,
}

/// What a batch did. Answered again, unchanged, to a repeat of the batch.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({"batch_id": "si-350100-2026-09.part_1", "rows": 120000, "accepted": 119998,
    "rejected": 2, "duplicates": 310, "matched": 2140, "outcomes_confirmed": 57, "errors": [
        {"line": 1834, "field": "citizen_id", "code": "citizen_id_check_digit", "message": "the citizen ID number's check character does not match"},
        {"line": 90211, "field": "month", "code": "month_format", "message": "a month looks like 2027-03"}],
    "received_at": "2026-10-08T16:05:00Z"})))]
pub struct BatchReport {
    pub batch_id: String,
    /// Non-blank lines received.
    pub rows: u64,
    pub accepted: u64,
    pub rejected: u64,
    /// Accepted rows already known from this or an earlier batch.
    pub duplicates: u64,
    /// Accepted rows of people who completed training here.
    pub matched: u64,
    /// Follow-up windows this batch showed employment in.
    pub outcomes_confirmed: u64,
    /// Every rejected line, with every problem it has.
    pub errors: Vec<LineError>,
    pub received_at: DateTime<Utc>,
}

/// A batch as its sender names it.
#[derive(Debug)]
pub struct Batch {
    /// The social-insurance agency's system.
    pub submitter: String,
    pub batch_id: String,
}

/// How a batch is taken.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Contribution rows written per statement.
    pub chunk_rows: usize,
    /// Most lines a batch may have.
    pub max_rows: u64,
}

/// What receiving a batch came to.
#[derive(Debug)]
pub enum Received {
    /// A new batch, taken.
    Taken(BatchReport),
    /// A batch taken before, sent again with the same content: its report
    /// as stored.
    Repeated(serde_json::Value),
}

/// Receives a batch from its body: a repeat is answered with the stored
/// report; a new one is staged as it arrives and applied once whole,
/// counting its contributions, matching them to completers and enqueuing
/// what they show. `body` is read whatever happens, unless it fails.
#[tracing::instrument(skip_all, fields(batch_id = %batch.batch_id))]
pub async fn receive<S, B, E>(
    pool: &DbPool,
    city: CityCode,
    person_ids: &PersonIdKey,
    limits: Limits,
    batch: Batch,
    mut body: S,
) -> Result<Received, Error>
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    let mut conn = pool.get().await?;
    if let Some(known) = store::batches::find(&mut conn, &batch.submitter, &batch.batch_id).await? {
        drop(conn);
        return repeat(&mut body, known).await;
    }
    let Some(upload_id) = uploads::begin(
        &mut conn,
        &batch.submitter,
        &batch.batch_id,
        ABANDONED_AFTER,
    )
    .await?
    else {
        return Err(Error::BatchInFlight);
    };
    drop(conn);
    let upload = Upload {
        id: upload_id,
        submitter: batch.submitter,
        batch_id: batch.batch_id.clone(),
    };
    // Two chunks in flight: reading and writing overlap, memory stays bounded.
    let (tx, rx) = mpsc::channel(2);
    let chunk_limit = i64::try_from(limits.chunk_rows).map_err(anyhow::Error::from)?;
    let writer = tokio::spawn(staging::write(pool.clone(), city, upload, chunk_limit, rx));
    let mut reading = Reading {
        reader: Reader {
            today: ids::business_date(Utc::now()),
            batch_id: batch.batch_id.clone(),
            person_ids: person_ids.clone(),
            rows: 0,
            errors: Vec::new(),
            chunk: Vec::with_capacity(limits.chunk_rows),
        },
        lines: Lines::default(),
        hasher: Sha256::new(),
    };
    let read = reading.read(&mut body, &tx, limits).await;
    if read.is_ok() {
        reading.finish(batch.batch_id, &tx).await;
    }
    drop(tx);
    let written = writer.await.map_err(anyhow::Error::from)?;
    if read.is_err() || written.is_err() {
        // Nothing of it applies: what was staged goes.
        let mut conn = pool.get().await?;
        uploads::finish(&mut conn, upload_id).await?;
    }
    read?;
    Ok(Received::Taken(written?))
}

/// A batch sent again: the stored report if the content is the same.
async fn repeat<S, B, E>(body: &mut S, known: BatchRow) -> Result<Received, Error>
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    let mut hasher = Sha256::new();
    while let Some(bytes) = body.next().await {
        hasher.update(bytes.map_err(|e| Error::BodyUnreadable(e.to_string()))?);
    }
    if hex::encode(hasher.finalize()) != known.content_sha256 {
        return Err(Error::BatchContentDiffers);
    }
    Ok(Received::Repeated(known.report))
}

/// The report of a batch the submitter sent.
#[tracing::instrument(skip_all, fields(batch_id = %batch.batch_id))]
pub async fn report(
    conn: &mut AsyncPgConnection,
    batch: &Batch,
) -> Result<serde_json::Value, Error> {
    store::batches::find(conn, &batch.submitter, &batch.batch_id)
        .await?
        .map(|b| b.report)
        .ok_or(Error::BatchNotFound)
}

/// A body being read: cut into lines, parsed, hashed.
struct Reading {
    reader: Reader,
    lines: Lines,
    hasher: Sha256,
}

impl Reading {
    /// Reads the body, passing whole chunks (or, while a chunk fills
    /// slowly, signs of life) to the writer. `Err` says why it stopped
    /// early; a writer that stopped stops it too, and says why itself.
    async fn read<S, B, E>(
        &mut self,
        body: &mut S,
        tx: &mpsc::Sender<Message>,
        limits: Limits,
    ) -> Result<(), Error>
    where
        S: Stream<Item = Result<B, E>> + Unpin,
        B: AsRef<[u8]>,
        E: std::fmt::Display,
    {
        let mut alive = Instant::now();
        while let Some(bytes) = body.next().await {
            let bytes = bytes.map_err(|e| Error::BodyUnreadable(e.to_string()))?;
            let bytes = bytes.as_ref();
            self.hasher.update(bytes);
            self.lines.feed(bytes, |n, raw| self.reader.line(n, raw));
            if self.reader.rows > limits.max_rows {
                return Err(Error::BatchTooLarge(limits.max_rows));
            }
            let message = if self.reader.chunk.len() >= limits.chunk_rows {
                let chunk = std::mem::replace(
                    &mut self.reader.chunk,
                    Vec::with_capacity(limits.chunk_rows),
                );
                Some(Message::Chunk(chunk))
            } else if alive.elapsed() >= KEEP_ALIVE {
                Some(Message::Alive)
            } else {
                None
            };
            if let Some(message) = message {
                alive = Instant::now();
                if tx.send(message).await.is_err() {
                    // The writer stopped; its answer says why.
                    break;
                }
            }
        }
        Ok(())
    }

    /// The body was read whole: the last chunk and the report go to the
    /// writer, which applies the batch.
    async fn finish(mut self, batch_id: String, tx: &mpsc::Sender<Message>) {
        self.lines.finish(|n, raw| self.reader.line(n, raw));
        let chunk = std::mem::take(&mut self.reader.chunk);
        let rejected = self
            .reader
            .errors
            .iter()
            .map(|e| e.line)
            .collect::<BTreeSet<_>>()
            .len() as u64;
        let report = BatchReport {
            batch_id,
            rows: self.reader.rows,
            accepted: self.reader.rows - rejected,
            rejected,
            duplicates: 0,
            matched: 0,
            outcomes_confirmed: 0,
            errors: self.reader.errors,
            received_at: Utc::now(),
        };
        let hash = hex::encode(self.hasher.finalize());
        // A failed send means the writer stopped; its answer says why.
        let _ = tx.send(Message::Chunk(chunk)).await;
        let _ = tx
            .send(Message::Finish {
                hash,
                report: Box::new(report),
            })
            .await;
    }
}

/// Parses lines into rows and line errors.
struct Reader {
    today: NaiveDate,
    batch_id: String,
    person_ids: PersonIdKey,
    rows: u64,
    errors: Vec<LineError>,
    chunk: Vec<ContributionRow>,
}

impl Reader {
    fn line(&mut self, number: u64, raw: Option<&[u8]>) {
        let Some(raw) = raw else {
            self.rows += 1;
            self.errors.push(LineError {
                line: number,
                field: "line".into(),
                code: "line_too_long".into(),
                message: format!("a line is at most {MAX_LINE_BYTES} bytes"),
            });
            return;
        };
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        self.rows += 1;
        match parse_line(raw, self.today) {
            Ok(paid) => self.chunk.push(ContributionRow {
                person_id: self.person_ids.person_id(&paid.citizen).to_string(),
                month: paid.month,
                employer_credit_code: paid.employer.to_string(),
                citizen_masked: paid.citizen.masked(),
                batch_id: self.batch_id.clone(),
            }),
            Err(problems) => self.errors.extend(problems.into_iter().map(|p| LineError {
                line: number,
                field: p.field,
                code: p.code,
                message: p.message,
            })),
        }
    }
}
