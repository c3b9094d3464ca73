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
