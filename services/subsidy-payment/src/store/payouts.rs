//! Payout batches (拨付批次) and their payments as stored: one row per
//! claim paid, grouped into bank lines by reference; and the confirmed
//! payments public disclosure is computed from.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{claims, payout_batches, payouts};
use crate::domain::status::PaymentStatus;

pub async fn batch_exists(conn: &mut AsyncPgConnection, batch_no: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(payout_batches::table.find(batch_no)))
        .get_result(conn)
        .await
}

/// The fund of a city's batch, if the city has that batch.
pub async fn batch_fund(
    conn: &mut AsyncPgConnection,
    city: &str,
    batch_no: &str,
) -> QueryResult<Option<String>> {
    payout_batches::table
        .find(batch_no)
        .filter(payout_batches::city.eq(city))
        .select(payout_batches::fund)
        .first(conn)
        .await
        .optional()
}

/// A released batch, as listed.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = payout_batches)]
pub struct BatchRow {
    pub batch_no: String,
    pub fund: String,
    pub created_by: String,
    pub approved_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Which of a city's batches a list shows.
#[derive(Debug, Default)]
pub struct BatchFilter {
    /// Only batches with a payment still awaiting the bank's answer
    /// (true), or with none (false).
    pub at_bank: Option<bool>,
    /// Released at or after this instant…
    pub from: Option<DateTime<Utc>>,
    /// …and before this one.
    pub until: Option<DateTime<Utc>>,
    /// Before this (created_at, batch_no), newest first.
    pub before: Option<(DateTime<Utc>, String)>,
    pub limit: i64,
}

/// A city's batches as `f` asks, newest first, `f.limit` at most.
pub async fn batches(
    conn: &mut AsyncPgConnection,
    city: &str,
    f: &BatchFilter,
) -> QueryResult<Vec<BatchRow>> {
    let mut q = payout_batches::table
        .filter(payout_batches::city.eq(city))
        .select(BatchRow::as_select())
        .into_boxed();
    let awaiting = payouts::table
        .filter(payouts::status.eq(PaymentStatus::Sent.as_str()))
        .select(payouts::batch_no);
    match f.at_bank {
        Some(true) => q = q.filter(payout_batches::batch_no.eq_any(awaiting)),
        Some(false) => q = q.filter(payout_batches::batch_no.ne_all(awaiting)),
        None => {}
    }
    if let Some(from) = f.from {
        q = q.filter(payout_batches::created_at.ge(from));
    }
    if let Some(until) = f.until {
        q = q.filter(payout_batches::created_at.lt(until));
    }
    if let Some((at, batch_no)) = &f.before {
        q = q.filter(
            payout_batches::created_at
                .lt(*at)
                .or(payout_batches::created_at
                    .eq(*at)
                    .and(payout_batches::batch_no.lt(batch_no))),
        );
    }
    q.order((
        payout_batches::created_at.desc(),
        payout_batches::batch_no.desc(),
    ))
    .limit(f.limit)
    .load(conn)
    .await
}

/// A payment of a batch, as the batch's figures add it up.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = payouts)]
pub struct BatchPaymentRow {
    pub batch_no: String,
    pub reference: String,
    pub status: String,
    pub amount_fen: i64,
}

/// Every payment of the batches `batch_nos`.
pub async fn payments_of(
    conn: &mut AsyncPgConnection,
    batch_nos: &[String],
) -> QueryResult<Vec<BatchPaymentRow>> {
    payouts::table
        .filter(payouts::batch_no.eq_any(batch_nos))
        .select(BatchPaymentRow::as_select())
        .load(conn)
        .await
}

/// A batch as released.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = payout_batches)]
pub struct NewBatchRow<'a> {
    pub batch_no: &'a str,
    pub fund: &'a str,
    pub city: &'a str,
    pub created_by: &'a str,
    pub approved_by: Option<&'a str>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_batch(conn: &mut AsyncPgConnection, b: &NewBatchRow<'_>) -> QueryResult<()> {
    diesel::insert_into(payout_batches::table)
        .values(b)
        .execute(conn)
        .await
        .map(|_| ())
}

/// A claim's payment as sent to the bank.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = payouts)]
pub struct NewPayoutRow<'a> {
    pub id: Uuid,
    pub claim_id: Uuid,
    pub payee: String,
    pub batch_no: &'a str,
    pub reference: &'a str,
    pub account_sealed: &'a [u8],
    pub account_masked: &'a str,
    pub account_name: &'a str,
    pub amount_fen: i64,
    pub payout_tx: Uuid,
    pub status: &'static str,
    pub sent_at: DateTime<Utc>,
}

pub async fn insert_payout(conn: &mut AsyncPgConnection, p: &NewPayoutRow<'_>) -> QueryResult<()> {
    diesel::insert_into(payouts::table)
        .values(p)
        .execute(conn)
        .await
        .map(|_| ())
}

/// A payment of a batch as the batch is rebuilt from, with its claim's
/// statistical year.
#[derive(Debug, Clone, Queryable)]
pub struct PayoutRow {
    pub id: Uuid,
    pub claim_id: Uuid,
    pub payee: String,
    pub reference: String,
    pub account_sealed: Vec<u8>,
    pub account_name: String,
    pub amount_fen: i64,
    pub payout_tx: Uuid,
    pub status: String,
    pub statistical_year: i32,
}

/// The payments of a batch, by bank line.
pub async fn of_batch(conn: &mut AsyncPgConnection, batch_no: &str) -> QueryResult<Vec<PayoutRow>> {
    payouts::table
        .inner_join(claims::table)
        .filter(payouts::batch_no.eq(batch_no))
        .order((payouts::reference, payouts::claim_id))
        .select((
            payouts::id,
            payouts::claim_id,
            payouts::payee,
            payouts::reference,
            payouts::account_sealed,
            payouts::account_name,
            payouts::amount_fen,
            payouts::payout_tx,
            payouts::status,
            claims::statistical_year,
        ))
        .load(conn)
        .await
}

/// The bank's answer to a payment.
pub async fn settle(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: PaymentStatus,
    result_tx: Uuid,
    reason: Option<&str>,
) -> QueryResult<()> {
    diesel::update(payouts::table.find(id))
        .set((
            payouts::status.eq(status.as_str()),
            payouts::result_tx.eq(result_tx),
            payouts::reason.eq(reason),
            payouts::settled_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
}

/// A confirmed payment, as public disclosure counts it.
#[derive(Debug, Clone, Queryable)]
pub struct ConfirmedPayment {
    pub city: String,
    pub fund: Option<String>,
    pub kind: String,
    pub amount_fen: i64,
    pub claimed_at: DateTime<Utc>,
    pub paid_on: NaiveDate,
}

/// Every payment the bank confirmed.
pub async fn confirmed(conn: &mut AsyncPgConnection) -> QueryResult<Vec<ConfirmedPayment>> {
    claims::table
        .inner_join(payouts::table)
        .filter(payouts::status.eq(PaymentStatus::Confirmed.as_str()))
        .filter(claims::paid_on.is_not_null())
        .select((
            claims::city,
            claims::fund,
            claims::kind,
            payouts::amount_fen,
            claims::created_at,
            claims::paid_on.assume_not_null(),
        ))
        .load(conn)
        .await
}
