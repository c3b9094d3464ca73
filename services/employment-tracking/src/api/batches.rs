//! Social-insurance contribution batches (社保缴费数据比对): large NDJSON
//! bodies read as a stream and written in chunks, never held whole. The
//! batch id makes a repeat safe: the same content answers the first report
//! again without counting anything twice; other content under the same id
//! is refused.
//!
//! The body is read here while a writer task stages the chunks, each in a
//! statement of its own: no transaction waits on a slow sender. Once the
//! body is whole, the staged batch is applied in one transaction, so a
//! batch that fails part-way leaves nothing behind.

use actix_web::http::{header, StatusCode};
use actix_web::{get, put, web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, Utc};
use db::ScopedFutureExt;
use diesel_async::AsyncConnection;
use futures::StreamExt;
use ids::CityCode;
use platform::auth::{Principal, Role, Scope};
use platform::idempotency::REPLAYED_HEADER;
use platform::problem::Problem;
use platform::ApiError;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use super::{BatchReport, ContributionLine, LineError, State};
use crate::domain::contribution::{parse_line, MAX_LINE_BYTES};
use crate::store::{self, uploads, ContributionRow};
use crate::tracking;

pub const NDJSON: &str = "application/x-ndjson";

fn check_batch_id(id: &str) -> Result<(), ApiError> {
    let ok = (1..=100).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(ApiError::validation(vec![platform::FieldError {
            field: "batch_id".into(),
            code: "batch_id_format".into(),
            message: "1 to 100 letters, digits, '.', '_' or '-'".into(),
        }]))
    }
}

/// Cuts a byte stream into numbered lines; a line longer than the limit is
/// passed on as `None` without being buffered.
#[derive(Default)]
struct Lines {
    partial: Vec<u8>,
    overlong: bool,
    number: u64,
}

impl Lines {
    fn feed(&mut self, mut data: &[u8], mut line: impl FnMut(u64, Option<&[u8]>)) {
        while let Some(at) = data.iter().position(|b| *b == b'\n') {
            self.push(&data[..at]);
            self.end(&mut line);
            data = &data[at + 1..];
        }
        self.push(data);
    }

    fn push(&mut self, data: &[u8]) {
        if self.overlong || self.partial.len() + data.len() > MAX_LINE_BYTES {
            self.overlong = true;
            self.partial.clear();
        } else {
            self.partial.extend_from_slice(data);
        }
    }

    fn end(&mut self, line: &mut impl FnMut(u64, Option<&[u8]>)) {
        self.number += 1;
        if self.overlong {
            line(self.number, None);
        } else {
            line(self.number, Some(&self.partial));
        }
        self.partial.clear();
        self.overlong = false;
    }

    /// The last line, when the body does not end with a newline.
    fn finish(&mut self, mut line: impl FnMut(u64, Option<&[u8]>)) {
        if self.overlong || !self.partial.is_empty() {
            self.end(&mut line);
        }
    }
}

/// Parses lines into rows and line errors.
struct Reader {
    today: NaiveDate,
    batch_id: String,
    person_ids: ids::PersonIdKey,
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

enum Message {
    /// Bytes keep arriving, not yet a whole chunk: the upload is alive.
    Alive,
    Chunk(Vec<ContributionRow>),
    /// The whole body was read: record the batch and commit.
    Finish {
        hash: String,
        report: Box<BatchReport>,
    },
}

fn in_flight() -> ApiError {
    ApiError::conflict(
        "batch_in_flight",
        "this batch is being received by another request; retry to get its report",
    )
}

/// How long an upload may go without a byte arriving before it counts as
/// abandoned and another request may take the batch over.
const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(600);
/// How often a sender still sending, but not yet a whole chunk, keeps its
/// upload alive.
const KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(60);

/// Stages the chunks as they come, then applies the whole batch on
/// `Finish`.
async fn write(
    pool: db::DbPool,
    city: CityCode,
    upload: Upload,
    chunk_rows: i64,
    mut rx: mpsc::Receiver<Message>,
) -> Result<BatchReport, ApiError> {
    let mut staged = 0;
    while let Some(message) = rx.recv().await {
        match message {
            Message::Alive => {
                let mut conn = pool.get().await?;
                if !uploads::touch(&mut conn, upload.id).await? {
                    return Err(in_flight());
                }
            }
            Message::Chunk(rows) if rows.is_empty() => {}
            Message::Chunk(rows) => {
                let mut conn = pool.get().await?;
                if !uploads::stage(&mut conn, upload.id, staged + 1, &rows).await? {
                    return Err(in_flight());
                }
                staged += i32::try_from(rows.len()).map_err(ApiError::internal)?;
            }
            Message::Finish { hash, report } => {
                return apply(&pool, city, &upload, chunk_rows, &hash, *report).await
            }
        }
    }
    Err(ApiError::bad_request(
        "batch_incomplete",
        "the body ended before it was read whole",
    ))
}

/// One batch being received.
struct Upload {
    id: uuid::Uuid,
    submitter: String,
    batch_id: String,
}

/// Applies a staged batch in one transaction, records it, and drops its
/// staging.
async fn apply(
    pool: &db::DbPool,
    city: CityCode,
    upload: &Upload,
    chunk_rows: i64,
    hash: &str,
    mut report: BatchReport,
) -> Result<BatchReport, ApiError> {
    let mut conn = pool.get().await?;
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            // One upload per batch id at a time, so its row lock is the
            // batch's. Refused when taken over meanwhile as abandoned, or
            // applied by another.
            if !uploads::lock(conn, upload.id).await?
                || store::batch(conn, &upload.submitter, &upload.batch_id)
                    .await?
                    .is_some()
            {
                return Err(in_flight());
            }
            let mut sums = tracking::ChunkResult::default();
            let mut after = 0;
            loop {
                let staged =
                    uploads::staged(conn, upload.id, &upload.batch_id, after, chunk_rows).await?;
                let Some((last, _)) = staged.last() else {
                    break;
                };
                after = *last;
                let rows: Vec<ContributionRow> = staged.into_iter().map(|(_, r)| r).collect();
                let done = tracking::ingest(conn, city, &rows)
                    .await
                    .map_err(ApiError::internal)?;
                sums.new += done.new;
                sums.matched += done.matched;
                sums.confirmed += done.confirmed;
            }
            report.duplicates = report.accepted - sums.new as u64;
            report.matched = sums.matched as u64;
            report.outcomes_confirmed = sums.confirmed as u64;
            let stored = serde_json::to_value(&report).map_err(ApiError::internal)?;
            store::insert_batch(conn, &upload.submitter, &upload.batch_id, hash, &stored).await?;
            uploads::finish(conn, upload.id).await?;
            Ok(report)
        }
        .scope_boxed()
    })
    .await
}

/// Submit a batch of social-insurance contributions, one JSON object per
/// line. Good lines are taken; every bad line is reported with its number
/// and problems. A repeat with the same content answers the first report
/// (200, `Idempotent-Replayed`); other content under the same id is 422.
#[utoipa::path(
    tag = "social-insurance",
    request_body(content = ContributionLine, content_type = "application/x-ndjson", description = "One contribution per line: {\"citizen_id\", \"employer_credit_code\", \"month\": \"YYYY-MM\"}"),
    params(("batch_id" = String, Path, description = "The sender's id of the batch: 1 to 100 letters, digits, '.', '_' or '-'")),
    responses(
        (status = 201, body = BatchReport),
        (status = 200, description = "A repeat of a batch already taken: its report", body = BatchReport),
        (status = 409, description = "The same batch is being received", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "More lines than a batch may have (`batch_too_large`): 2,000,000 unless the city configures another `batch_max_rows`. The body is read as it arrives, never whole", body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The batch id was used for other content", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[put("/v1/social-insurance/batches/{batch_id}")]
pub async fn submit(
    state: State,
    who: Principal,
    batch_id: web::Path<String>,
    req: HttpRequest,
    mut body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    // The city's social-insurance agency alone: its system's token carries
    // the scope. Nobody else, officers included, can make contributions.
    who.require(&[Role::Integrator])?
        .require_scope(Scope::SocialInsuranceUpload)?;
    let batch_id = batch_id.into_inner();
    check_batch_id(&batch_id)?;
    let ndjson = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with(NDJSON));
    if !ndjson {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the batch as application/x-ndjson",
        ));
    }
    let submitter = who.subject().to_owned();
    let location = format!("/v1/social-insurance/batches/{batch_id}");
    let mut hasher = Sha256::new();
    let mut lines = Lines::default();

    let mut conn = state.pool.get().await?;
    if let Some((hash, report)) = store::batch(&mut conn, &submitter, &batch_id).await? {
        drop(conn);
        while let Some(bytes) = body.next().await {
            hasher.update(
                bytes.map_err(|e| ApiError::bad_request("body_unreadable", e.to_string()))?,
            );
        }
        if hex::encode(hasher.finalize()) != hash {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "batch_content_differs",
                "this batch id was used for a batch with other content",
            ));
        }
        return Ok(HttpResponse::Ok()
            .insert_header((header::LOCATION, location))
            .insert_header((REPLAYED_HEADER, "true"))
            .json(report));
    }

    let Some(upload_id) = uploads::begin(&mut conn, &submitter, &batch_id, ABANDONED_AFTER).await?
    else {
        return Err(in_flight());
    };
    drop(conn);
    let upload = Upload {
        id: upload_id,
        submitter,
        batch_id: batch_id.clone(),
    };
    // Two chunks in flight: reading and writing overlap, memory stays bounded.
    let (tx, rx) = mpsc::channel(2);
    let chunk_limit = i64::try_from(state.batch_chunk_rows).map_err(ApiError::internal)?;
    let writer = tokio::spawn(write(
        state.pool.clone(),
        state.city,
        upload,
        chunk_limit,
        rx,
    ));
    let mut reader = Reader {
        today: ids::business_date(Utc::now()),
        batch_id: batch_id.clone(),
        person_ids: state.person_ids.clone(),
        rows: 0,
        errors: Vec::new(),
        chunk: Vec::with_capacity(state.batch_chunk_rows),
    };
    let chunk_rows = state.batch_chunk_rows;
    let mut failure = None;
    let mut alive = std::time::Instant::now();
    while let Some(bytes) = body.next().await {
        let bytes = match bytes {
            Ok(b) => b,
            Err(e) => {
                failure = Some(ApiError::bad_request("body_unreadable", e.to_string()));
                break;
            }
        };
        hasher.update(&bytes);
        lines.feed(&bytes, |n, raw| reader.line(n, raw));
        if reader.rows > state.batch_max_rows {
            failure = Some(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "batch_too_large",
                format!("a batch has at most {} lines", state.batch_max_rows),
            ));
            break;
        }
        let message = if reader.chunk.len() >= chunk_rows {
            let chunk = std::mem::replace(&mut reader.chunk, Vec::with_capacity(chunk_rows));
            Some(Message::Chunk(chunk))
        } else if alive.elapsed() >= KEEP_ALIVE {
            Some(Message::Alive)
        } else {
            None
        };
        if let Some(message) = message {
            alive = std::time::Instant::now();
            if tx.send(message).await.is_err() {
                // The writer stopped; its answer says why.
                break;
            }
        }
    }
    if failure.is_none() {
        lines.finish(|n, raw| reader.line(n, raw));
        let chunk = std::mem::take(&mut reader.chunk);
        let rejected = reader
            .errors
            .iter()
            .map(|e| e.line)
            .collect::<std::collections::BTreeSet<_>>()
            .len() as u64;
        let report = BatchReport {
            batch_id,
            rows: reader.rows,
            accepted: reader.rows - rejected,
            rejected,
            duplicates: 0,
            matched: 0,
            outcomes_confirmed: 0,
            errors: reader.errors,
            received_at: Utc::now(),
        };
        let hash = hex::encode(hasher.finalize());
        // A failed send means the writer stopped; its answer says why.
        let _ = tx.send(Message::Chunk(chunk)).await;
        let _ = tx
            .send(Message::Finish {
                hash,
                report: Box::new(report),
            })
            .await;
    }
    drop(tx);
    let written = writer.await.map_err(ApiError::internal)?;
    if failure.is_some() || written.is_err() {
        // Nothing of it applies: what was staged goes.
        let mut conn = state.pool.get().await?;
        uploads::finish(&mut conn, upload_id).await?;
    }
    if let Some(failure) = failure {
        return Err(failure);
    }
    let report = written?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(report))
}

/// The report of a batch the caller submitted.
#[utoipa::path(
    tag = "social-insurance",
    params(("batch_id" = String, Path)),
    responses((status = 200, body = BatchReport), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[get("/v1/social-insurance/batches/{batch_id}")]
pub async fn get(
    state: State,
    who: Principal,
    batch_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::Integrator])?
        .require_scope(Scope::SocialInsuranceUpload)?;
    let mut conn = state.pool.get().await?;
    let (_, report) = store::batch(&mut conn, who.subject(), &batch_id)
        .await?
        .ok_or_else(|| ApiError::not_found("batch_not_found", "no such batch of yours"))?;
    Ok(HttpResponse::Ok().json(report))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(parts: &[&[u8]]) -> Vec<(u64, Option<Vec<u8>>)> {
        let mut lines = Lines::default();
        let mut out = Vec::new();
        for part in parts {
            lines.feed(part, |n, raw| out.push((n, raw.map(<[u8]>::to_vec))));
        }
        lines.finish(|n, raw| out.push((n, raw.map(<[u8]>::to_vec))));
        out
    }

    #[test]
    fn lines_are_cut_across_chunks_and_numbered() {
        let out = split(&[b"ab", b"c\nd", b"e\n\nf"]);
        assert_eq!(
            out,
            [
                (1, Some(b"abc".to_vec())),
                (2, Some(b"de".to_vec())),
                (3, Some(Vec::new())),
                (4, Some(b"f".to_vec())),
            ]
        );
        assert_eq!(split(&[b"x\n"]), [(1, Some(b"x".to_vec()))]);
    }

    #[test]
    fn an_overlong_line_is_not_buffered() {
        let long = vec![b'a'; MAX_LINE_BYTES + 1];
        let out = split(&[&long, b"\nok\n"]);
        assert_eq!(out, [(1, None), (2, Some(b"ok".to_vec()))]);
    }

    #[test]
    fn batch_ids_are_checked() {
        assert!(check_batch_id("si-2027-03.part_1").is_ok());
        assert!(check_batch_id("").is_err());
        assert!(check_batch_id("a/b").is_err());
    }
}
