//! Bank reconciliations: each applied result file with what became of
//! each of its lines.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use ids::CityCode;
use uuid::Uuid;

use super::schema::{
    bank_reconciliation_lines as lines, bank_reconciliations as recs, payout_batches,
};
use super::StoreError;
use crate::domain::reconciliation::{LineOutcome, ReportLine, Tally};

/// A reconciliation as listed.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = recs)]
pub struct ReconciliationRow {
    pub id: Uuid,
    pub batch_no: String,
    pub file_sha256: String,
    pub proposed_by: String,
    pub approved_by: String,
    pub reconciled_at: DateTime<Utc>,
    pub confirmed: i32,
    pub failed: i32,
    pub missing: i32,
    pub needs_attention: i32,
}

/// Which reconciliations to list.
#[derive(Debug, Default)]
pub struct Filter<'a> {
    pub batch_no: Option<&'a str>,
    pub needs_attention: Option<bool>,
    /// The last id of the previous page (newest first).
    pub before: Option<Uuid>,
}

/// Whether this very file was already applied to the batch.
pub async fn applied(
    conn: &mut AsyncPgConnection,
    batch_no: &str,
    file_sha256: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        recs::table
            .filter(recs::batch_no.eq(batch_no))
            .filter(recs::file_sha256.eq(file_sha256)),
    ))
    .get_result(conn)
    .await
}

/// Keeps a reconciliation and its lines, in report order.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    row: &ReconciliationRow,
    report: &[ReportLine],
) -> Result<(), StoreError> {
    diesel::insert_into(recs::table)
        .values((
            recs::id.eq(row.id),
            recs::batch_no.eq(&row.batch_no),
            recs::file_sha256.eq(&row.file_sha256),
            recs::proposed_by.eq(&row.proposed_by),
            recs::approved_by.eq(&row.approved_by),
            recs::reconciled_at.eq(row.reconciled_at),
            recs::confirmed.eq(row.confirmed),
            recs::failed.eq(row.failed),
            recs::missing.eq(row.missing),
            recs::needs_attention.eq(row.needs_attention),
        ))
        .execute(conn)
        .await?;
    let mut values = Vec::with_capacity(report.len());
    for (position, l) in report.iter().enumerate() {
        values.push((
            lines::reconciliation_id.eq(row.id),
            lines::position.eq(count(position)?),
            lines::line.eq(l.line.map(count).transpose()?),
            lines::reference.eq(l.reference.as_deref()),
            lines::outcome.eq(l.outcome.as_str()),
            lines::detail.eq(l.detail.as_deref()),
        ));
    }
    // Postgres takes at most 65,535 parameters a statement.
    for chunk in values.chunks(10_000) {
        diesel::insert_into(lines::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// The figures a report's lines add up to.
pub fn tally_row(
    id: Uuid,
    batch_no: &str,
    file_sha256: String,
    (proposed_by, approved_by): (&str, &str),
    report: &[ReportLine],
) -> Result<ReconciliationRow, StoreError> {
    let t = Tally::of(report.iter().map(|l| l.outcome));
    Ok(ReconciliationRow {
        id,
        batch_no: batch_no.to_owned(),
        file_sha256,
        proposed_by: proposed_by.to_owned(),
        approved_by: approved_by.to_owned(),
        reconciled_at: Utc::now(),
        confirmed: count(t.confirmed)?,
        failed: count(t.failed)?,
        missing: count(t.missing)?,
        needs_attention: count(t.needs_attention)?,
    })
}

/// The city's reconciliations, newest first, `limit + 1` at most.
pub async fn list(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    filter: &Filter<'_>,
    limit: i64,
) -> QueryResult<Vec<ReconciliationRow>> {
    let mut q = recs::table
        .inner_join(payout_batches::table)
        .filter(payout_batches::city.eq(city.to_string()))
        .select(ReconciliationRow::as_select())
        .into_boxed();
    if let Some(b) = filter.batch_no {
        q = q.filter(recs::batch_no.eq(b.to_owned()));
    }
    match filter.needs_attention {
        Some(true) => q = q.filter(recs::needs_attention.gt(0)),
        Some(false) => q = q.filter(recs::needs_attention.eq(0)),
        None => {}
    }
    if let Some(before) = filter.before {
        q = q.filter(recs::id.lt(before));
    }
    q.order(recs::id.desc()).limit(limit + 1).load(conn).await
}

/// One reconciliation of the city, with its lines in report order.
pub async fn get(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    id: Uuid,
) -> Result<Option<(ReconciliationRow, Vec<ReportLine>)>, StoreError> {
    let Some(row) = recs::table
        .inner_join(payout_batches::table)
        .filter(payout_batches::city.eq(city.to_string()))
        .filter(recs::id.eq(id))
        .select(ReconciliationRow::as_select())
        .first(conn)
        .await
        .optional()?
    else {
        return Ok(None);
    };
    type Line = (Option<i32>, Option<String>, String, Option<String>);
    let stored: Vec<Line> = lines::table
        .filter(lines::reconciliation_id.eq(id))
        .order(lines::position)
        .select((lines::line, lines::reference, lines::outcome, lines::detail))
        .load(conn)
        .await?;
    let report = stored
        .into_iter()
        .map(|(line, reference, outcome, detail)| {
            Ok(ReportLine {
                line: line
                    .map(usize::try_from)
                    .transpose()
                    .map_err(|_| corrupt("a negative line number"))?,
                reference,
                outcome: LineOutcome::parse(&outcome)
                    .ok_or_else(|| corrupt(format!("reconciliation outcome {outcome:?}")))?,
                detail,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(Some((row, report)))
}

fn count(n: usize) -> Result<i32, StoreError> {
    i32::try_from(n).map_err(|_| corrupt("a count past i32"))
}

fn corrupt(what: impl Into<String>) -> StoreError {
    StoreError::Corrupt(what.into())
}
