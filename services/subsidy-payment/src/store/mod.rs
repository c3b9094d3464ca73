//! Persistence of the subsidy_payment schema. The ledger is kept by
//! replaying the domain [`Ledger`] over the stored transactions of the pots
//! concerned, applying the new transaction there, and only then inserting
//! it: the rules are the domain's, the database keeps it append-only and
//! balanced.

pub mod schema;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use ids::{CityCode, StatisticalYear};
use uuid::Uuid;

use crate::domain::ledger::{Account, Ledger, LedgerError, Transaction};
use crate::domain::subsidy::{FundSource, Pot};
use schema::{claims, ledger_postings, ledger_transactions, pots};

/// A store operation refused by the ledger's rules, or failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the ledger refuses: {0}")]
    Refused(#[from] LedgerError),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
    #[error("the stored ledger is inconsistent: {0}")]
    Corrupt(String),
}

impl From<StoreError> for platform::ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Refused(LedgerError::WouldGoNegative(_)) => platform::ApiError::new(
                actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
                "balance_would_go_negative",
                "the change would take a balance below zero; nothing was changed",
            ),
            StoreError::Refused(r) => platform::ApiError::new(
                actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
                "ledger_refused",
                r.to_string(),
            ),
            StoreError::Db(e) => e.into(),
            StoreError::Corrupt(m) => platform::ApiError::internal(m),
        }
    }
}

pub fn fund_of(s: &str) -> Result<FundSource, StoreError> {
    FundSource::ALL
        .into_iter()
        .find(|f| f.as_str() == s)
        .ok_or_else(|| StoreError::Corrupt(format!("unknown fund {s:?}")))
}

/// The statistical year numbered `year` (it ends on 30 November).
pub fn stat_year(year: i32) -> StatisticalYear {
    StatisticalYear::of(NaiveDate::from_ymd_opt(year, 6, 30).unwrap_or_default())
}

pub fn pot(fund: FundSource, city: CityCode, year: i32) -> Pot {
    Pot {
        fund,
        city,
        year: stat_year(year),
    }
}

/// Serialises money operations per pot: the pots' rows are locked in one
/// order (created on first use), so two operations on one pot never
/// interleave and operations on several pots never deadlock.
pub async fn lock_pots(conn: &mut AsyncPgConnection, pots_: &[Pot]) -> QueryResult<()> {
    let mut sorted: Vec<Pot> = pots_.to_vec();
    sorted.sort();
    sorted.dedup();
    for p in sorted {
        let key = (p.fund.as_str(), p.city.to_string(), p.year.year());
        diesel::insert_into(pots::table)
            .values((
                pots::fund.eq(key.0),
                pots::city.eq(&key.1),
                pots::year.eq(key.2),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        pots::table
            .find(key)
            .select(pots::fund)
            .for_update()
            .first::<String>(conn)
            .await?;
    }
    Ok(())
}

/// The ledger of `pots_`, replayed from the stored log (call under
/// [`lock_pots`]). An offset links two pots of one fund; the pots it
/// reaches are loaded too, so every claim it names is known on replay.
pub async fn load_ledger(
    conn: &mut AsyncPgConnection,
    pots_: &[Pot],
) -> Result<Ledger, StoreError> {
    let mut wanted: Vec<(String, String, i32)> = pots_
        .iter()
        .map(|p| {
            (
                p.fund.as_str().to_owned(),
                p.city.to_string(),
                p.year.year(),
            )
        })
        .collect();
    let mut ids: Vec<Uuid> = Vec::new();
    let mut done = 0;
    while done < wanted.len() {
        let (fund, city, year) = wanted[done].clone();
        done += 1;
        let more: Vec<Uuid> = ledger_postings::table
            .filter(
                ledger_postings::fund
                    .eq(&fund)
                    .and(ledger_postings::city.eq(&city))
                    .and(ledger_postings::year.eq(year)),
            )
            .select(ledger_postings::tx_id)
            .distinct()
            .load(conn)
            .await?;
        let linked: Vec<(String, String, i32)> = ledger_postings::table
            .inner_join(
                ledger_transactions::table.on(ledger_transactions::id.eq(ledger_postings::tx_id)),
            )
            .filter(ledger_transactions::kind.eq("offset"))
            .filter(ledger_postings::tx_id.eq_any(&more))
            .select((
                ledger_postings::fund,
                ledger_postings::city,
                ledger_postings::year,
            ))
            .distinct()
            .load(conn)
            .await?;
        for pot in linked {
            if !wanted.contains(&pot) {
                wanted.push(pot);
            }
        }
        ids.extend(more);
    }
    ids.sort();
    ids.dedup();
    let bodies: Vec<serde_json::Value> = ledger_transactions::table
        .filter(ledger_transactions::id.eq_any(&ids))
        .order(ledger_transactions::seq)
        .select(ledger_transactions::body)
        .load(conn)
        .await?;
    let mut txs = Vec::with_capacity(bodies.len());
    for b in bodies {
        txs.push(
            serde_json::from_value::<Transaction>(b)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        );
    }
    Ledger::replay(txs).map_err(|(i, e)| StoreError::Corrupt(format!("transaction {i}: {e}")))
}

fn account_type(a: &Account) -> &'static str {
    match a {
        Account::Appropriation { .. } => "appropriation",
        Account::Budget { .. } => "budget",
        Account::Payable { .. } => "payable",
        Account::BankClearing { .. } => "bank_clearing",
        Account::Paid { .. } => "paid",
        Account::Receivable { .. } => "receivable",
    }
}

/// Applies `tx` to `ledger` (refused: nothing is written) and appends it.
pub async fn append(
    conn: &mut AsyncPgConnection,
    ledger: &mut Ledger,
    tx: Transaction,
    by: &str,
) -> Result<Uuid, StoreError> {
    ledger.apply(tx.clone())?;
    let id = tx.id();
    let kind = serde_json::to_value(tx.kind())
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let rows: Vec<_> = tx
        .postings()
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let pot = p.account.pot();
            (
                ledger_postings::tx_id.eq(id),
                ledger_postings::line.eq(i as i32 + 1),
                ledger_postings::account_type.eq(account_type(&p.account)),
                ledger_postings::fund.eq(pot.fund.as_str()),
                ledger_postings::city.eq(pot.city.to_string()),
                ledger_postings::year.eq(pot.year.year()),
                ledger_postings::payee.eq(p.account.payee().map(|x| x.to_string())),
                ledger_postings::amount_fen.eq(p.amount),
            )
        })
        .collect();
    let body = serde_json::to_value(tx.clone().into_parts())
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    diesel::insert_into(ledger_transactions::table)
        .values((
            ledger_transactions::id.eq(id),
            ledger_transactions::kind.eq(kind),
            ledger_transactions::claim_id.eq(tx.claim().map(|c| c.claim_id)),
            ledger_transactions::corrects.eq(tx.corrects()),
            ledger_transactions::body.eq(body),
            ledger_transactions::recorded_by.eq(by),
        ))
        .execute(conn)
        .await?;
    diesel::insert_into(ledger_postings::table)
        .values(rows)
        .execute(conn)
        .await?;
    Ok(id)
}

/// One balance of the ledger, from the postings.
#[derive(Debug, Clone, QueryableByName)]
pub struct BalanceRow {
    #[diesel(sql_type = Text)]
    pub account_type: String,
    #[diesel(sql_type = Text)]
    pub fund: String,
    #[diesel(sql_type = diesel::sql_types::Int4)]
    pub year: i32,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub payee: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub balance_fen: i64,
}

/// Non-zero balances of the city's accounts, optionally of one year.
pub async fn balances(
    conn: &mut AsyncPgConnection,
    city: &str,
    year: Option<i32>,
) -> QueryResult<Vec<BalanceRow>> {
    diesel::sql_query(
        "SELECT account_type, fund, year, payee, sum(amount_fen)::bigint AS balance_fen \
         FROM ledger_postings WHERE city = $1 AND ($2::int IS NULL OR year = $2) \
         GROUP BY account_type, fund, year, payee HAVING sum(amount_fen) <> 0 \
         ORDER BY year, fund, account_type, payee",
    )
    .bind::<Text, _>(city)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Int4>, _>(year)
    .load(conn)
    .await
}

/// A claim as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = claims)]
pub struct ClaimRow {
    pub id: Uuid,
    pub city: String,
    pub kind: String,
    pub person_id: String,
    pub occupation_code: String,
    pub skill_level: String,
    pub statistical_year: i32,
    pub source_ref: String,
    pub institution_id: Option<Uuid>,
    pub payee: String,
    pub fund: Option<String>,
    pub standard_fen: i64,
    pub amount_fen: i64,
    pub status: String,
    pub risk_score: i32,
    pub reasons: serde_json::Value,
    pub findings: serde_json::Value,
    pub approval_tx: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub review_note: Option<String>,
    pub paid_on: Option<NaiveDate>,
}

pub async fn claim(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<ClaimRow>> {
    claims::table
        .find(id)
        .select(ClaimRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The claim, locked for a change of status.
pub async fn claim_for_update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<ClaimRow>> {
    claims::table
        .find(id)
        .select(ClaimRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Credit codes of institutions by id, from the registry's events.
pub async fn credit_code_of(
    conn: &mut AsyncPgConnection,
    institution_id: Uuid,
) -> QueryResult<Option<String>> {
    schema::institutions::table
        .find(institution_id)
        .select(schema::institutions::credit_code)
        .first(conn)
        .await
        .optional()
}

/// Takes a transaction-level advisory lock on `what`.
pub async fn advisory_lock(conn: &mut AsyncPgConnection, what: &str) -> QueryResult<()> {
    let id = platform::idempotency::lock_id("subsidy-payment", what);
    diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
        .bind::<BigInt, _>(id)
        .execute(conn)
        .await?;
    Ok(())
}
