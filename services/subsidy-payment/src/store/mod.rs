//! Persistence of the subsidy_payment schema. A money operation restores
//! the domain [`Ledger`] from the running balances and the histories of
//! the claims it touches, applies the new transaction there, and only then
//! inserts it: the rules are the domain's, the database keeps the log
//! append-only and balanced and derives the running balances from it.

pub mod budgets;
pub mod claims;
pub mod disputes;
pub mod evidence;
pub mod payees;
pub mod payouts;
pub mod proposals;
pub mod reconciliations;
pub mod recoveries;
pub mod rules;
pub mod schema;
pub mod vouchers;

pub use claims::ClaimRow;

use chrono::Utc;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use ids::{CityCode, StatisticalYear};
use uuid::Uuid;

use crate::domain::ledger::{Account, ClaimKey, Ledger, LedgerError, Transaction};
use crate::domain::subsidy::{FundSource, Pot};
use schema::{ledger_postings, ledger_transactions, pots};

/// A store operation refused by the ledger's rules, or failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the ledger refuses: {0}")]
    Refused(#[from] LedgerError),
    // Not transparent: the consumer finds the database's error in the
    // chain of causes to tell an outage (retried) from a bad event.
    #[error("the database failed: {0}")]
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
    s.parse()
        .map_err(|_| StoreError::Corrupt(format!("unknown fund {s:?}")))
}

/// The statistical year a row numbers `year`: one outside the programme's
/// range is a corrupt row, never a year assumed in its place.
pub fn stat_year(year: i32) -> Result<StatisticalYear, StoreError> {
    StatisticalYear::new(year)
        .map_err(|e| StoreError::Corrupt(format!("statistical year {year}: {e}")))
}

pub fn pot(fund: FundSource, city: CityCode, year: i32) -> Result<Pot, StoreError> {
    Ok(Pot {
        fund,
        city,
        year: stat_year(year)?,
    })
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
/// A stored transaction, with its place in the log.
#[derive(QueryableByName)]
struct StoredTx {
    #[diesel(sql_type = BigInt)]
    seq: i64,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    body: serde_json::Value,
}

/// A running balance as the database keeps it.
#[derive(QueryableByName)]
struct StoredBalance {
    #[diesel(sql_type = Text)]
    account_type: String,
    #[diesel(sql_type = Text)]
    fund: String,
    #[diesel(sql_type = Text)]
    city: String,
    #[diesel(sql_type = diesel::sql_types::Int4)]
    year: i32,
    #[diesel(sql_type = Text)]
    payee: String,
    #[diesel(sql_type = BigInt)]
    balance_fen: i64,
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

impl StoredBalance {
    fn account(&self) -> Result<Account, StoreError> {
        let pot = pot(
            fund_of(&self.fund)?,
            self.city.parse().map_err(corrupt)?,
            self.year,
        )?;
        let payee = || self.payee.parse().map_err(corrupt);
        Ok(match self.account_type.as_str() {
            "appropriation" => Account::Appropriation { pot },
            "budget" => Account::Budget { pot },
            "bank_clearing" => Account::BankClearing { pot },
            "payable" => Account::Payable {
                payee: payee()?,
                pot,
            },
            "paid" => Account::Paid {
                payee: payee()?,
                pot,
            },
            "receivable" => Account::Receivable {
                payee: payee()?,
                pot,
            },
            other => return Err(corrupt(format!("unknown account type {other:?}"))),
        })
    }
}

/// The part of the ledger an operation on `claims` in `pots` touches: the
/// claims' histories (closed over offsets, which move two claims), and the
/// running balances of those pots' own accounts and of the claims' payees.
/// Call it after [`lock_pots`], so the balances cannot move underneath.
pub async fn load_ledger(
    conn: &mut AsyncPgConnection,
    pots_: &[Pot],
    claims_: &[ClaimKey],
) -> Result<Ledger, StoreError> {
    use diesel::sql_types::{Array, Int4, Uuid as SqlUuid};
    let mut wanted: Vec<Uuid> = claims_.iter().map(|c| c.claim_id).collect();
    wanted.sort();
    wanted.dedup();
    let mut seen = std::collections::HashSet::new();
    let mut history: Vec<(i64, Transaction)> = Vec::new();
    let mut done = 0;
    while done < wanted.len() {
        let batch: Vec<Uuid> = wanted.iter().skip(done).copied().collect();
        done = wanted.len();
        let rows: Vec<StoredTx> = diesel::sql_query(
            "SELECT seq, body FROM ledger_transactions \
             WHERE claim_id = ANY($1) \
                OR (kind = 'offset' AND (body -> 'against' ->> 'claim_id')::uuid = ANY($1))",
        )
        .bind::<Array<SqlUuid>, _>(&batch)
        .load(conn)
        .await?;
        for row in rows {
            if !seen.insert(row.seq) {
                continue;
            }
            let tx: Transaction = serde_json::from_value(row.body).map_err(corrupt)?;
            for key in [tx.claim(), tx.against()].into_iter().flatten() {
                if !wanted.contains(&key.claim_id) {
                    wanted.push(key.claim_id);
                }
            }
            history.push((row.seq, tx));
        }
    }
    history.sort_by_key(|(seq, _)| *seq);
    let mut pot_set: Vec<Pot> = pots_.to_vec();
    let mut payees: Vec<String> = claims_.iter().map(|c| c.payee.to_string()).collect();
    for (_, tx) in &history {
        for p in tx.postings() {
            pot_set.push(p.account.pot());
            if let Some(payee) = p.account.payee() {
                payees.push(payee.to_string());
            }
        }
    }
    pot_set.sort();
    pot_set.dedup();
    payees.sort();
    payees.dedup();
    let funds: Vec<&str> = pot_set.iter().map(|p| p.fund.as_str()).collect();
    let cities: Vec<String> = pot_set.iter().map(|p| p.city.to_string()).collect();
    let years: Vec<i32> = pot_set.iter().map(|p| p.year.year()).collect();
    let stored: Vec<StoredBalance> = diesel::sql_query(
        "SELECT account_type, fund, city, year, payee, balance_fen FROM ledger_balances \
         WHERE (fund, city, year) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::int[])) \
           AND (payee = '' OR payee = ANY($4)) AND balance_fen <> 0",
    )
    .bind::<Array<Text>, _>(&funds)
    .bind::<Array<Text>, _>(&cities)
    .bind::<Array<Int4>, _>(&years)
    .bind::<Array<Text>, _>(&payees)
    .load(conn)
    .await?;
    let balances = stored
        .iter()
        .map(|b| Ok((b.account()?, b.balance_fen)))
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ledger::restore(balances, history.into_iter().map(|(_, tx)| tx))
        .map_err(|(i, e)| StoreError::Corrupt(format!("claim history, transaction {i}: {e}")))
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
        .zip(1_i32..)
        .map(|(p, line)| {
            let pot = p.account.pot();
            (
                ledger_postings::tx_id.eq(id),
                ledger_postings::line.eq(line),
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

/// Non-zero running balances of the city's accounts, optionally of one year.
pub async fn balances(
    conn: &mut AsyncPgConnection,
    city: &str,
    year: Option<i32>,
) -> QueryResult<Vec<BalanceRow>> {
    diesel::sql_query(
        "SELECT account_type, fund, year, nullif(payee, '') AS payee, balance_fen \
         FROM ledger_balances WHERE city = $1 AND ($2::int IS NULL OR year = $2) \
         AND balance_fen <> 0 ORDER BY year, fund, account_type, payee",
    )
    .bind::<Text, _>(city)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Int4>, _>(year)
    .load(conn)
    .await
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

/// Records that `subject` read personal data in clear, and why.
pub async fn record_pii_read(
    conn: &mut AsyncPgConnection,
    subject: &str,
    purpose: &str,
    target: &str,
) -> QueryResult<()> {
    use schema::pii_reads;
    diesel::insert_into(pii_reads::table)
        .values((
            pii_reads::id.eq(Uuid::now_v7()),
            pii_reads::subject.eq(subject),
            pii_reads::purpose.eq(purpose),
            pii_reads::target.eq(target),
            pii_reads::read_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await
        .map(|_| ())
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

/// An account whose running balance differs from the sum of its postings.
#[derive(Debug, Clone, QueryableByName)]
pub struct AuditMismatch {
    #[diesel(sql_type = Text)]
    pub account_type: String,
    #[diesel(sql_type = Text)]
    pub fund: String,
    #[diesel(sql_type = diesel::sql_types::Int4)]
    pub year: i32,
    #[diesel(sql_type = Text)]
    pub payee: String,
    #[diesel(sql_type = BigInt)]
    pub running_fen: i64,
    #[diesel(sql_type = BigInt)]
    pub postings_fen: i64,
}

/// Recomputes every account of the city from its postings and compares it
/// with the running balance: (accounts checked, mismatches).
pub async fn audit(
    conn: &mut AsyncPgConnection,
    city: &str,
) -> QueryResult<(i64, Vec<AuditMismatch>)> {
    let checked: i64 =
        diesel::sql_query("SELECT count(*)::bigint AS n FROM ledger_balances WHERE city = $1")
            .bind::<Text, _>(city)
            .get_result::<Count>(conn)
            .await?
            .n;
    let mismatches = diesel::sql_query(
        "WITH summed AS ( \
           SELECT account_type, fund, year, coalesce(payee, '') AS payee, sum(amount_fen)::bigint AS total \
             FROM ledger_postings WHERE city = $1 GROUP BY 1, 2, 3, 4), \
         kept AS (SELECT account_type, fund, year, payee, balance_fen FROM ledger_balances WHERE city = $1) \
         SELECT account_type, fund, year, payee, \
                coalesce(kept.balance_fen, 0) AS running_fen, coalesce(summed.total, 0) AS postings_fen \
           FROM kept FULL JOIN summed USING (account_type, fund, year, payee) \
          WHERE coalesce(kept.balance_fen, 0) <> coalesce(summed.total, 0) \
          ORDER BY year, fund, account_type, payee",
    )
    .bind::<Text, _>(city)
    .load(conn)
    .await?;
    Ok((checked, mismatches))
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}
