//! Payout batches (拨付批次) released to the bank and the bank's results
//! applied: the effects a second officer's approval sets off.

use std::collections::{BTreeMap, HashMap, HashSet};

use actix_web::http::StatusCode;
use chrono::Utc;
use contracts::subsidy::{
    PaymentEvent, RecoveryCause, PAYMENTS_TOPIC, PAYMENT_CONFIRMED, PAYMENT_FAILED, PAYMENT_SENT,
};
use diesel_async::AsyncPgConnection;
use ids::{CityCode, Fen, PiiCipher};
use messaging::OutboxEvent;
use platform::ApiError;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::Error;
use crate::api::{BatchLineView, BatchView, HeldView, NewBatch, ResultReport};
use crate::app::claims::{payee_of, rests_on_revoked, Engine};
use crate::app::recoveries::order_recovery;
use crate::domain::bank_file::{self, Outcome};
use crate::domain::ledger::{ClaimKey, Ledger, Transaction};
use crate::domain::payout::{self, BankDetails, Batch, Held, Item, Line};
use crate::domain::reconciliation::{self, Earlier, LineOutcome, ReportLine};
use crate::domain::status::{BatchFigures, ClaimStatus, PaymentStatus, RecoveryStatus};
use crate::domain::subsidy::{FundSource, Payee, SubsidyKind};
use crate::store::payees as payee_accounts;
use crate::store::payouts::{self, BatchFilter, BatchRow, NewBatchRow, NewPayoutRow, PayoutRow};
use crate::store::recoveries::{self, OpenRecoveryRow};
use crate::store::{self, claims, reconciliations, ClaimRow, StoreError};

/// Creates a payout batch from every approved claim of the fund: one bank
/// line per payee, each claim paid once to its payee (the database refuses
/// a second payout of the same claim and payee). Open recoveries of these
/// payees are settled first by withholding. `by` proposed it, `approved_by`
/// released it.
#[tracing::instrument(skip_all, fields(batch = %body.batch_no, fund = body.fund.as_str()))]
pub async fn release(
    conn: &mut AsyncPgConnection,
    cipher: &PiiCipher,
    city: CityCode,
    body: &NewBatch,
    by: &str,
    approved_by: &str,
) -> Result<BatchView, ApiError> {
    if payouts::batch_exists(conn, &body.batch_no).await? {
        return Err(ApiError::conflict(
            "batch_no_taken",
            "a batch with this number exists",
        ));
    }
    let fund = body.fund.as_str();
    let rows = claims::approved_for_update(conn, city.as_str(), fund).await?;
    let payees: Vec<String> = rows.iter().map(|r| r.payee.clone()).collect();
    // Open recoveries of these payees in this fund are settled
    // first, by withholding from what they are now paid (抵扣).
    let open = recoveries::open_for_update(conn, city.as_str(), fund, &payees).await?;
    let mut pots: Vec<_> = rows
        .iter()
        .map(|r| r.statistical_year)
        .chain(open.iter().map(|o| o.statistical_year))
        .map(|y| store::pot(body.fund, city, y))
        .collect::<Result<_, StoreError>>()?;
    pots.sort();
    pots.dedup();
    store::lock_pots(conn, &pots).await?;
    let keys = rows
        .iter()
        .map(|r| (r.id, &r.payee))
        .chain(open.iter().map(|o| (o.claim_id, &o.payee)))
        .map(|(claim_id, payee)| {
            Ok(ClaimKey {
                claim_id,
                payee: payee_of(payee)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let mut ledger = store::load_ledger(conn, &pots, &keys).await?;
    let mut items = Vec::new();
    for r in &rows {
        let key = ClaimKey {
            claim_id: r.id,
            payee: payee_of(&r.payee)?,
        };
        let open = ledger.claim(&key).map_or(0, |s| s.outstanding());
        items.push(Item {
            key,
            pot: store::pot(body.fund, city, r.statistical_year)?,
            amount: Fen::new(open),
        });
    }
    let settled_by_offset =
        withhold(conn, &mut ledger, &mut items, &open, (body.fund, city), by).await?;
    items.retain(|i| i.amount.get() > 0);
    let accounts = bank_details(conn, cipher, &payees).await?;
    let plan = payout::plan(&body.batch_no, items, &accounts.details);
    let held = held_views(&settled_by_offset, &plan.held);
    let Some(batch) = plan.batches.into_iter().next() else {
        if !settled_by_offset.is_empty() {
            // Only offsets: nothing goes to the bank.
            return Ok(BatchView {
                batch_no: body.batch_no.clone(),
                fund: fund.to_owned(),
                total_fen: 0,
                lines: Vec::new(),
                held,
            });
        }
        return Err(nothing_to_pay(&held));
    };
    payouts::insert_batch(
        conn,
        &NewBatchRow {
            batch_no: &batch.batch_no,
            fund,
            city: city.as_str(),
            created_by: by,
            approved_by: Some(approved_by),
            created_at: Utc::now(),
        },
    )
    .await?;
    let by_claim: HashMap<Uuid, &ClaimRow> = rows.iter().map(|r| (r.id, r)).collect();
    let lines = send(conn, &mut ledger, &batch, &accounts, &by_claim, by).await?;
    Ok(BatchView {
        batch_no: batch.batch_no.clone(),
        fund: fund.to_owned(),
        total_fen: batch.total().get(),
        lines,
        held,
    })
}

/// Settles open recovery orders by withholding from the items paid to the
/// same payee (抵扣); a claim wholly withheld is paid — its money settled
/// the debt. The keys of those claims.
async fn withhold(
    conn: &mut AsyncPgConnection,
    ledger: &mut Ledger,
    items: &mut [Item],
    open: &[OpenRecoveryRow],
    (fund, city): (FundSource, CityCode),
    by: &str,
) -> Result<Vec<ClaimKey>, ApiError> {
    let mut settled_by_offset = Vec::new();
    for o in open {
        let recovered = ClaimKey {
            claim_id: o.claim_id,
            payee: payee_of(&o.payee)?,
        };
        let recovered_pot = store::pot(fund, city, o.statistical_year)?;
        let mut left = o.amount_fen - o.settled_fen;
        for item in items
            .iter_mut()
            .filter(|i| i.key.payee == recovered.payee && i.amount.get() > 0)
        {
            let x = left.min(item.amount.get());
            if x <= 0 {
                break;
            }
            let tx = Transaction::offset(
                Uuid::now_v7(),
                recovered.clone(),
                recovered_pot,
                item.key.clone(),
                item.pot,
                Fen::new(x),
            )
            .map_err(StoreError::from)?;
            store::append(conn, ledger, tx, by).await?;
            item.amount = Fen::new(item.amount.get() - x);
            left -= x;
            if item.amount.get() == 0 {
                settled_by_offset.push(item.key.clone());
            }
        }
        recoveries::settle(conn, o.id, o.amount_fen - left, RecoveryStatus::owing(left)).await?;
    }
    let today = ids::business_date(Utc::now());
    for key in &settled_by_offset {
        claims::set_paid_on(conn, key.claim_id, ClaimStatus::Paid, Some(today)).await?;
    }
    Ok(settled_by_offset)
}

/// The payees' bank accounts: opened for the bank file, sealed and masked
/// for the payout rows.
struct Accounts {
    details: HashMap<Payee, BankDetails>,
    sealed: HashMap<Payee, (Vec<u8>, String)>,
}

async fn bank_details(
    conn: &mut AsyncPgConnection,
    cipher: &PiiCipher,
    payees: &[String],
) -> Result<Accounts, ApiError> {
    let mut out = Accounts {
        details: HashMap::new(),
        sealed: HashMap::new(),
    };
    for a in payee_accounts::accounts_of(conn, payees).await? {
        let payee = payee_of(&a.payee)?;
        out.details.insert(
            payee.clone(),
            BankDetails {
                account_no: cipher.open(&a.account_sealed).map_err(corrupt)?,
                account_name: a.account_name,
            },
        );
        out.sealed
            .insert(payee, (a.account_sealed, a.account_masked));
    }
    Ok(out)
}

fn held_views(settled_by_offset: &[ClaimKey], held: &[(ClaimKey, Held)]) -> Vec<HeldView> {
    settled_by_offset
        .iter()
        .map(|k| HeldView {
            claim_id: k.claim_id,
            payee: k.payee.to_string(),
            reason: "settled_by_offset".to_owned(),
        })
        .chain(held.iter().map(|(k, h)| {
            HeldView {
                claim_id: k.claim_id,
                payee: k.payee.to_string(),
                reason: match h {
                    Held::NoBankDetails => "no_bank_details",
                    Held::DuplicateKey => "duplicate_key",
                    Held::NotPositive => "not_positive",
                }
                .to_owned(),
            }
        }))
        .collect()
}

fn nothing_to_pay(held: &[HeldView]) -> ApiError {
    let mut e = ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "nothing_to_pay",
        format!(
            "no approved claim of this fund can be paid ({} held back)",
            held.len()
        ),
    );
    e.errors = held
        .iter()
        .map(|h| {
            platform::FieldError::new(
                format!("claims[{}]", h.claim_id),
                &h.reason,
                format!("held back: {}", h.reason),
            )
        })
        .collect();
    e
}

/// Sends the batch: each item paid in the ledger (payable → bank
/// clearing), a payout row, its claim in payout, a `payment.sent` event.
async fn send(
    conn: &mut AsyncPgConnection,
    ledger: &mut Ledger,
    batch: &Batch,
    accounts: &Accounts,
    by_claim: &HashMap<Uuid, &ClaimRow>,
    by: &str,
) -> Result<Vec<BatchLineView>, ApiError> {
    let mut lines = Vec::new();
    let mut events = Vec::new();
    for line in &batch.lines {
        let (account_sealed, masked) = accounts
            .sealed
            .get(&line.payee)
            .cloned()
            .unwrap_or_default();
        for item in &line.items {
            let tx = Transaction::payout(Uuid::now_v7(), item.key.clone(), item.pot, item.amount)
                .map_err(StoreError::from)?;
            let payout_tx = store::append(conn, ledger, tx, by).await?;
            let id = Uuid::now_v7();
            payouts::insert_payout(
                conn,
                &NewPayoutRow {
                    id,
                    claim_id: item.key.claim_id,
                    payee: item.key.payee.to_string(),
                    batch_no: &batch.batch_no,
                    reference: &line.reference,
                    account_sealed: &account_sealed,
                    account_masked: &masked,
                    account_name: &line.account_name,
                    amount_fen: item.amount.get(),
                    payout_tx,
                    status: PaymentStatus::Sent.as_str(),
                    sent_at: Utc::now(),
                },
            )
            .await?;
            claims::set_status(conn, item.key.claim_id, ClaimStatus::InPayout).await?;
            if let Some(row) = by_claim.get(&item.key.claim_id) {
                events.push(payment_event(
                    row,
                    id,
                    &batch.batch_no,
                    item.amount.get(),
                    (PAYMENT_SENT, PaymentStatus::Sent, None),
                )?);
            }
        }
        lines.push(BatchLineView {
            reference: line.reference.clone(),
            payee: line.payee.to_string(),
            account_masked: masked,
            amount_fen: line.amount.get(),
            claim_ids: line.items.iter().map(|i| i.key.claim_id).collect(),
        });
    }
    messaging::enqueue(conn, &events).await?;
    Ok(lines)
}

/// Applies the bank's result file (`reference,status,amount,reason`) and
/// keeps the reconciliation under the proposal's id: each line confirms or
/// fails its payments in the ledger, once; a line an earlier file already
/// answered, an unknown reference and a bad line are reported and change
/// nothing. The same file is never applied twice.
#[allow(clippy::too_many_arguments)]
pub async fn import_result(
    conn: &mut AsyncPgConnection,
    cipher: &PiiCipher,
    city: CityCode,
    engine: &Engine,
    batch_no: &str,
    text: &str,
    reconciliation_id: Uuid,
    (by, approved_by): (&str, &str),
) -> Result<ResultReport, ApiError> {
    // Two imports of one batch never interleave.
    store::advisory_lock(conn, &format!("batch:{batch_no}")).await?;
    let (batch, rows) = load_batch(conn, cipher, city, batch_no).await?;
    let file_sha256 = hex::encode(Sha256::digest(text.as_bytes()));
    if reconciliations::applied(conn, batch_no, &file_sha256).await? {
        return Err(ApiError::conflict(
            "bank_result_already_applied",
            "this very file was already applied to the batch; its reconciliation is listed under /v1/bank-reconciliations",
        ));
    }
    let read = bank_file::read_result(&batch, text);
    let claim_ids: Vec<Uuid> = rows.iter().map(|r| r.claim_id).collect();
    let claim_rows = claims::claims_for_update(conn, &claim_ids).await?;
    let claims_by_id: HashMap<Uuid, ClaimRow> = claim_rows.into_iter().map(|r| (r.id, r)).collect();
    let mut ledger = ledger_of(conn, (batch.fund, city), claims_by_id.values()).await?;
    let mut report = Vec::new();
    let mut events = Vec::new();
    let mut confirmed_claims = Vec::new();
    let mut answered_claims = Vec::new();
    let today = ids::business_date(Utc::now());
    for o in &read.outcomes {
        let mine: Vec<&PayoutRow> = match o {
            Outcome::Confirmed { reference, .. } | Outcome::Failed { reference, .. } => {
                rows.iter().filter(|r| &r.reference == reference).collect()
            }
            _ => Vec::new(),
        };
        let decided = reconciliation::against_earlier(o, earlier(&mine)?);
        let (line, reference, failure) = match (decided, o) {
            (
                LineOutcome::Confirmed,
                Outcome::Confirmed {
                    line, reference, ..
                },
            ) => (*line, reference, None),
            (
                LineOutcome::Failed,
                Outcome::Failed {
                    line,
                    reference,
                    reason,
                },
            ) => (*line, reference, Some(reason.clone())),
            _ => {
                report.push(reported(o, decided));
                continue;
            }
        };
        for r in mine {
            let claim = claims_by_id
                .get(&r.claim_id)
                .ok_or_else(|| corrupt("payout without claim"))?;
            let answer = Answer {
                failure: failure.as_deref(),
                today,
                by,
            };
            let event =
                apply_answer(conn, &mut ledger, (batch.fund, city), claim, r, &answer).await?;
            events.push(payment_event(claim, r.id, batch_no, r.amount_fen, event)?);
            answered_claims.push(r.claim_id);
            if failure.is_none() {
                confirmed_claims.push(r.claim_id);
            }
        }
        report.push(ReportLine {
            line: Some(line),
            reference: Some(reference.clone()),
            outcome: decided,
            detail: failure,
        });
    }
    report.extend(still_at_bank(&read.missing, &rows));
    let kept = reconciliations::tally_row(
        reconciliation_id,
        batch_no,
        file_sha256,
        (by, approved_by),
        &report,
    )?;
    reconciliations::insert(conn, &kept, &report).await?;
    messaging::enqueue(conn, &events).await?;
    after_answers(conn, engine, &answered_claims, &confirmed_claims).await?;
    Ok(ResultReport::new(&kept, &report))
}

/// The ledger of the pots and claims a result file answers, the pots
/// locked.
async fn ledger_of<'a>(
    conn: &mut AsyncPgConnection,
    (fund, city): (FundSource, CityCode),
    claims: impl Iterator<Item = &'a ClaimRow> + Clone,
) -> Result<Ledger, StoreError> {
    let mut pots: Vec<_> = claims
        .clone()
        .map(|r| store::pot(fund, city, r.statistical_year))
        .collect::<Result<_, StoreError>>()?;
    pots.sort();
    pots.dedup();
    store::lock_pots(conn, &pots).await?;
    let keys = claims
        .map(|r| {
            Ok(ClaimKey {
                claim_id: r.id,
                payee: payee_of(&r.payee)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    store::load_ledger(conn, &pots, &keys).await
}

/// The batch lines the file left unanswered that are still at the bank
/// (a line an earlier file answered is settled, not missing).
fn still_at_bank(missing: &[String], rows: &[PayoutRow]) -> Vec<ReportLine> {
    let at_bank = |reference: &&String| {
        rows.iter()
            .any(|r| &r.reference == *reference && r.status == PaymentStatus::Sent.as_str())
    };
    missing
        .iter()
        .filter(at_bank)
        .map(|reference| ReportLine {
            line: None,
            reference: Some(reference.clone()),
            outcome: LineOutcome::Missing,
            detail: Some(
                "the file does not answer this batch line; it is still at the bank".into(),
            ),
        })
        .collect()
}

/// What the answers set off: a dispute filed while the money was at the
/// bank now freezes its claim, and a claim confirmed whose certificate was
/// revoked meanwhile is recovered at once.
async fn after_answers(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    answered: &[Uuid],
    confirmed: &[Uuid],
) -> Result<(), ApiError> {
    for &id in answered {
        crate::app::disputes::freeze_if_disputed(conn, id).await?;
    }
    // A certificate revoked while the money was at the bank:
    // what was just confirmed is recovered at once.
    for &id in confirmed {
        let Some(row) = claims::claim(conn, id).await? else {
            continue;
        };
        if rests_on_revoked(conn, &row).await? {
            order_recovery(
                conn,
                engine,
                &row,
                RecoveryCause::CertificateRevoked,
                "certificate revoked while the payment was at the bank",
            )
            .await?;
        }
    }
    Ok(())
}

/// How the bank answered one payment: confirmed (`failure` none) or failed.
struct Answer<'a> {
    failure: Option<&'a str>,
    today: chrono::NaiveDate,
    by: &'a str,
}

/// Applies the bank's answer to one payment: the ledger (bank clearing →
/// paid, or back to payable), the payout row and its claim (paid, or
/// approved again). The event to announce it.
async fn apply_answer(
    conn: &mut AsyncPgConnection,
    ledger: &mut Ledger,
    (fund, city): (FundSource, CityCode),
    claim: &ClaimRow,
    r: &PayoutRow,
    answer: &Answer<'_>,
) -> Result<(&'static str, PaymentStatus, Option<String>), ApiError> {
    let key = ClaimKey {
        claim_id: r.claim_id,
        payee: payee_of(&r.payee)?,
    };
    let pot = store::pot(fund, city, claim.statistical_year)?;
    let amount = Fen::new(r.amount_fen);
    let (tx, status, claim_status, event) = match answer.failure {
        None => (
            Transaction::payout_confirmed(Uuid::now_v7(), key, pot, amount),
            PaymentStatus::Confirmed,
            ClaimStatus::Paid,
            PAYMENT_CONFIRMED,
        ),
        Some(reason) => (
            Transaction::payout_failed(Uuid::now_v7(), key, pot, amount, r.payout_tx, reason),
            PaymentStatus::Failed,
            ClaimStatus::Approved,
            PAYMENT_FAILED,
        ),
    };
    let tx_id = store::append(conn, ledger, tx.map_err(StoreError::from)?, answer.by).await?;
    payouts::settle(conn, r.id, status, tx_id, answer.failure).await?;
    let paid_on = answer.failure.is_none().then_some(answer.today);
    claims::set_paid_on(conn, r.claim_id, claim_status, paid_on).await?;
    Ok((event, status, answer.failure.map(str::to_owned)))
}

/// How earlier files answered the payouts of one batch line (they are
/// answered together).
fn earlier(mine: &[&PayoutRow]) -> Result<Earlier, ApiError> {
    let statuses: HashSet<PaymentStatus> = mine
        .iter()
        .map(|r| r.status.parse())
        .collect::<Result<_, _>>()
        .map_err(corrupt)?;
    match statuses.into_iter().collect::<Vec<_>>().as_slice() {
        [] | [PaymentStatus::Sent] => Ok(Earlier::Unanswered),
        [PaymentStatus::Confirmed] => Ok(Earlier::Confirmed),
        [PaymentStatus::Failed] => Ok(Earlier::Failed),
        other => Err(corrupt(format!(
            "the payouts of one bank line stand at {other:?}"
        ))),
    }
}

fn payment_event(
    row: &ClaimRow,
    payout_id: Uuid,
    batch_no: &str,
    amount: i64,
    (event_type, status, reason): (&'static str, PaymentStatus, Option<String>),
) -> Result<OutboxEvent, ApiError> {
    let payload = PaymentEvent {
        payout_id,
        claim_id: row.id,
        batch_no: batch_no.to_owned(),
        city: row.city.parse().map_err(ApiError::internal)?,
        kind: row
            .kind
            .parse::<SubsidyKind>()
            .map_err(ApiError::internal)?
            .into(),
        person_id: ids::PersonId::from_stored(row.person_id.clone()),
        fund: row
            .fund
            .as_deref()
            .ok_or_else(|| ApiError::internal("a claim in a payout has no fund"))?
            .parse::<FundSource>()
            .map_err(ApiError::internal)?
            .into(),
        amount_fen: Fen::new(amount),
        status: status.into(),
        reason,
    };
    Ok(OutboxEvent::new(
        PAYMENTS_TOPIC,
        event_type,
        row.id.to_string(),
        &payload,
    ))
}

fn corrupt(e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(e)
}

pub async fn load_batch(
    conn: &mut AsyncPgConnection,
    cipher: &PiiCipher,
    city: CityCode,
    batch_no: &str,
) -> Result<(Batch, Vec<PayoutRow>), ApiError> {
    let fund = payouts::batch_fund(conn, city.as_str(), batch_no)
        .await?
        .ok_or_else(|| ApiError::not_found("batch_not_found", "no such payout batch"))?;
    let fund: FundSource = store::fund_of(&fund)?;
    let rows = payouts::of_batch(conn, batch_no).await?;
    let mut lines: BTreeMap<String, Line> = BTreeMap::new();
    for r in &rows {
        let payee = payee_of(&r.payee)?;
        let line = match lines.get_mut(&r.reference) {
            Some(l) => l,
            None => lines.entry(r.reference.clone()).or_insert(Line {
                reference: r.reference.clone(),
                payee: payee.clone(),
                account_no: cipher.open(&r.account_sealed).map_err(corrupt)?,
                account_name: r.account_name.clone(),
                amount: Fen::ZERO,
                items: Vec::new(),
            }),
        };
        line.amount = Fen::new(line.amount.get() + r.amount_fen);
        line.items.push(Item {
            key: ClaimKey {
                claim_id: r.claim_id,
                payee,
            },
            pot: store::pot(fund, city, r.statistical_year)?,
            amount: Fen::new(r.amount_fen),
        });
    }
    Ok((
        Batch {
            batch_no: batch_no.to_owned(),
            fund,
            lines: lines.into_values().collect(),
        },
        rows,
    ))
}

/// A line the reconciliation only reports, with why.
fn reported(o: &Outcome, outcome: LineOutcome) -> ReportLine {
    let (line, reference, detail) = match o {
        Outcome::UnknownReference { line, reference } => (
            *line,
            Some(reference.clone()),
            "the reference is not a line of this batch".to_owned(),
        ),
        Outcome::Duplicate { line, reference } => (
            *line,
            Some(reference.clone()),
            "the reference was already answered earlier in the file".to_owned(),
        ),
        Outcome::AmountMismatch {
            line,
            reference,
            sent,
            reported,
        } => (
            *line,
            Some(reference.clone()),
            format!("sent ¥{sent}, the bank reports ¥{reported}"),
        ),
        Outcome::Malformed { line, problem } => (*line, None, problem.clone()),
        Outcome::Confirmed {
            line, reference, ..
        }
        | Outcome::Failed {
            line, reference, ..
        } => (
            *line,
            Some(reference.clone()),
            match outcome {
                LineOutcome::PaidTwice => {
                    "an earlier file confirmed this line: the bank paid it twice; take it up with the bank".to_owned()
                }
                LineOutcome::ContradictsEarlier => {
                    "an earlier file answered this line the other way; the ledger keeps the first answer until the bank settles it".to_owned()
                }
                _ => "an earlier file answered this line the same way".to_owned(),
            },
        ),
    };
    ReportLine {
        line: Some(line),
        reference,
        outcome,
        detail: Some(detail),
    }
}

/// A city's released batches as `filter` asks, newest first, each with
/// what its payments add up to by the bank's answers so far.
pub async fn batches(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    filter: &BatchFilter,
) -> Result<Vec<(BatchRow, BatchFigures)>, Error> {
    let rows = payouts::batches(conn, city.as_str(), filter).await?;
    let numbers: Vec<String> = rows.iter().map(|b| b.batch_no.clone()).collect();
    let mut payments: HashMap<String, Vec<(String, PaymentStatus, i64)>> = HashMap::new();
    for p in payouts::payments_of(conn, &numbers).await? {
        let status: PaymentStatus = p.status.parse()?;
        payments
            .entry(p.batch_no)
            .or_default()
            .push((p.reference, status, p.amount_fen));
    }
    Ok(rows
        .into_iter()
        .map(|b| {
            let figures = BatchFigures::of(
                payments
                    .get(&b.batch_no)
                    .into_iter()
                    .flatten()
                    .map(|(reference, status, amount)| (reference.as_str(), *status, *amount)),
            );
            (b, figures)
        })
        .collect())
}
