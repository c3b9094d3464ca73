//! Payout batches (拨付批次) released to the bank and the bank's results
//! applied: the effects a second officer's approval sets off.

use std::collections::{BTreeMap, HashMap, HashSet};

use actix_web::http::StatusCode;
use chrono::Utc;
use contracts::subsidy::{
    PaymentEvent, PAYMENTS_TOPIC, PAYMENT_CONFIRMED, PAYMENT_FAILED, PAYMENT_SENT,
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use ids::{CityCode, Fen, PiiCipher};
use messaging::OutboxEvent;
use platform::ApiError;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::api::{BatchLineView, BatchView, HeldView, NewBatch, ResultReport};
use crate::claims::{order_recovery, payee_of, rests_on_revoked, Engine};
use crate::domain::bank_file::{self, Outcome};
use crate::domain::ledger::{ClaimKey, Transaction};
use crate::domain::payout::{self, BankDetails, Batch, Held, Item, Line};
use crate::domain::reconciliation::{self, Earlier, LineOutcome, ReportLine};
use crate::domain::subsidy::FundSource;
use crate::store::schema::{claims, payee_accounts, payout_batches, payouts, recoveries};
use crate::store::{self, reconciliations, ClaimRow, StoreError};

/// Creates a payout batch from every approved claim of the fund: one bank
/// line per payee, each claim paid once to its payee (the database refuses
/// a second payout of the same claim and payee). Open recoveries of these
/// payees are settled first by withholding. `by` proposed it, `approved_by`
/// released it.
pub async fn release(
    conn: &mut AsyncPgConnection,
    cipher: &PiiCipher,
    city: CityCode,
    body: &NewBatch,
    by: &str,
    approved_by: &str,
) -> Result<BatchView, ApiError> {
    let taken: bool = diesel::select(diesel::dsl::exists(
        payout_batches::table.find(&body.batch_no),
    ))
    .get_result(conn)
    .await?;
    if taken {
        return Err(ApiError::conflict(
            "batch_no_taken",
            "a batch with this number exists",
        ));
    }
    let rows: Vec<ClaimRow> = claims::table
        .filter(claims::city.eq(city.to_string()))
        .filter(claims::status.eq("approved"))
        .filter(claims::fund.eq(body.fund.as_str()))
        .order((claims::created_at, claims::id))
        .select(ClaimRow::as_select())
        .for_update()
        .load(conn)
        .await?;
    let payees: Vec<String> = rows.iter().map(|r| r.payee.clone()).collect();
    // Open recoveries of these payees in this fund are settled
    // first, by withholding from what they are now paid (抵扣).
    type OpenRecovery = (Uuid, Uuid, String, i64, i64, i32);
    let open: Vec<OpenRecovery> = recoveries::table
        .inner_join(claims::table)
        .filter(recoveries::status.eq("open"))
        .filter(recoveries::payee.eq_any(&payees))
        .filter(claims::fund.eq(body.fund.as_str()))
        .filter(claims::city.eq(city.to_string()))
        .order((recoveries::ordered_at, recoveries::id))
        .select((
            recoveries::id,
            recoveries::claim_id,
            recoveries::payee,
            recoveries::amount_fen,
            recoveries::settled_fen,
            claims::statistical_year,
        ))
        .for_update()
        .load(conn)
        .await?;
    let mut pots: Vec<_> = rows
        .iter()
        .map(|r| r.statistical_year)
        .chain(open.iter().map(|o| o.5))
        .map(|y| store::pot(body.fund, city, y))
        .collect::<Result<_, store::StoreError>>()?;
    pots.sort();
    pots.dedup();
    store::lock_pots(conn, &pots).await?;
    let keys = rows
        .iter()
        .map(|r| (r.id, &r.payee))
        .chain(open.iter().map(|o| (o.1, &o.2)))
        .map(|(claim_id, payee)| {
            Ok(ClaimKey {
                claim_id,
                payee: payee_of(payee).map_err(corrupt)?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let mut ledger = store::load_ledger(conn, &pots, &keys).await?;
    let mut items = Vec::new();
    let mut by_claim: HashMap<Uuid, &ClaimRow> = HashMap::new();
    for r in &rows {
        let key = ClaimKey {
            claim_id: r.id,
            payee: payee_of(&r.payee).map_err(corrupt)?,
        };
        let open = ledger.claim(&key).map_or(0, |s| s.outstanding());
        items.push(Item {
            key,
            pot: store::pot(body.fund, city, r.statistical_year)?,
            amount: Fen::new(open),
        });
        by_claim.insert(r.id, r);
    }
    let today = ids::business_date(Utc::now());
    let mut settled_by_offset = Vec::new();
    for (recovery_id, recovered_claim, payee, amount, settled, year) in &open {
        let recovered = ClaimKey {
            claim_id: *recovered_claim,
            payee: payee_of(payee).map_err(corrupt)?,
        };
        let recovered_pot = store::pot(body.fund, city, *year)?;
        let mut left = amount - settled;
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
            store::append(conn, &mut ledger, tx, by).await?;
            item.amount = Fen::new(item.amount.get() - x);
            left -= x;
            if item.amount.get() == 0 {
                settled_by_offset.push(item.key.clone());
            }
        }
        let now_settled = amount - left;
        diesel::update(recoveries::table.find(recovery_id))
            .set((
                recoveries::settled_fen.eq(now_settled),
                recoveries::status.eq(if left == 0 { "settled" } else { "open" }),
            ))
            .execute(conn)
            .await?;
    }
    // A claim wholly withheld is paid: its money settled the debt.
    for key in &settled_by_offset {
        diesel::update(claims::table.find(key.claim_id))
            .set((claims::status.eq("paid"), claims::paid_on.eq(today)))
            .execute(conn)
            .await?;
    }
    items.retain(|i| i.amount.get() > 0);
    let accounts: Vec<(String, Vec<u8>, String, String)> = payee_accounts::table
        .filter(payee_accounts::payee.eq_any(&payees))
        .select((
            payee_accounts::payee,
            payee_accounts::account_sealed,
            payee_accounts::account_masked,
            payee_accounts::account_name,
        ))
        .load(conn)
        .await?;
    let mut details = HashMap::new();
    let mut sealed = HashMap::new();
    for (p, s, m, name) in accounts {
        let payee = payee_of(&p).map_err(corrupt)?;
        details.insert(
            payee.clone(),
            BankDetails {
                account_no: cipher.open(&s).map_err(corrupt)?,
                account_name: name,
            },
        );
        sealed.insert(payee, (s, m));
    }
    let plan = payout::plan(&body.batch_no, items, &details);
    let held: Vec<HeldView> = settled_by_offset
        .iter()
        .map(|k| HeldView {
            claim_id: k.claim_id,
            payee: k.payee.to_string(),
            reason: "settled_by_offset".to_owned(),
        })
        .chain(plan.held.iter().map(|(k, h)| {
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
        .collect();
    let Some(batch) = plan.batches.into_iter().next() else {
        if !settled_by_offset.is_empty() {
            // Only offsets: nothing goes to the bank.
            return Ok(BatchView {
                batch_no: body.batch_no.clone(),
                fund: body.fund.as_str().to_owned(),
                total_fen: 0,
                lines: Vec::new(),
                held,
            });
        }
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
            .map(|h| platform::FieldError {
                field: format!("claims[{}]", h.claim_id),
                code: h.reason.clone(),
                message: format!("held back: {}", h.reason),
            })
            .collect();
        return Err(e);
    };
    diesel::insert_into(payout_batches::table)
        .values((
            payout_batches::batch_no.eq(&batch.batch_no),
            payout_batches::fund.eq(body.fund.as_str()),
            payout_batches::city.eq(city.to_string()),
            payout_batches::created_by.eq(by),
            payout_batches::approved_by.eq(approved_by),
            payout_batches::created_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await?;
    let mut lines = Vec::new();
    let mut events = Vec::new();
    for line in &batch.lines {
        let (account_sealed, masked) = sealed.get(&line.payee).cloned().unwrap_or_default();
        for item in &line.items {
            let tx = Transaction::payout(Uuid::now_v7(), item.key.clone(), item.pot, item.amount)
                .map_err(StoreError::from)?;
            let tx_id = store::append(conn, &mut ledger, tx, by).await?;
            let id = Uuid::now_v7();
            diesel::insert_into(payouts::table)
                .values((
                    payouts::id.eq(id),
                    payouts::claim_id.eq(item.key.claim_id),
                    payouts::payee.eq(item.key.payee.to_string()),
                    payouts::batch_no.eq(&batch.batch_no),
                    payouts::reference.eq(&line.reference),
                    payouts::account_sealed.eq(&account_sealed),
                    payouts::account_masked.eq(&masked),
                    payouts::account_name.eq(&line.account_name),
                    payouts::amount_fen.eq(item.amount.get()),
                    payouts::payout_tx.eq(tx_id),
                    payouts::status.eq("sent"),
                    payouts::sent_at.eq(Utc::now()),
                ))
                .execute(conn)
                .await?;
            diesel::update(claims::table.find(item.key.claim_id))
                .set(claims::status.eq("in_payout"))
                .execute(conn)
                .await?;
            if let Some(row) = by_claim.get(&item.key.claim_id) {
                events.push(payment_event(
                    row,
                    id,
                    &batch.batch_no,
                    item.amount.get(),
                    (PAYMENT_SENT, "sent", None),
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
    Ok(BatchView {
        batch_no: batch.batch_no.clone(),
        fund: body.fund.as_str().to_owned(),
        total_fen: batch.total().get(),
        lines,
        held,
    })
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
    let claim_ids: Vec<Uuid> = rows.iter().map(|r| r.1).collect();
    let claim_rows: Vec<ClaimRow> = claims::table
        .filter(claims::id.eq_any(&claim_ids))
        .select(ClaimRow::as_select())
        .for_update()
        .load(conn)
        .await?;
    let claims_by_id: HashMap<Uuid, ClaimRow> = claim_rows.into_iter().map(|r| (r.id, r)).collect();
    let mut pots: Vec<_> = claims_by_id
        .values()
        .map(|r| store::pot(batch.fund, city, r.statistical_year))
        .collect::<Result<_, store::StoreError>>()?;
    pots.sort();
    pots.dedup();
    store::lock_pots(conn, &pots).await?;
    let keys = claims_by_id
        .values()
        .map(|r| {
            Ok(ClaimKey {
                claim_id: r.id,
                payee: payee_of(&r.payee).map_err(corrupt)?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let mut ledger = store::load_ledger(conn, &pots, &keys).await?;
    let mut report = Vec::new();
    let mut events = Vec::new();
    let mut confirmed_claims = Vec::new();
    let mut answered_claims = Vec::new();
    let today = ids::business_date(Utc::now());
    for o in &read.outcomes {
        let mine: Vec<&PayoutRow> = match o {
            Outcome::Confirmed { reference, .. } | Outcome::Failed { reference, .. } => {
                rows.iter().filter(|r| &r.3 == reference).collect()
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
                .get(&r.1)
                .ok_or_else(|| corrupt("payout without claim"))?;
            let key = ClaimKey {
                claim_id: r.1,
                payee: payee_of(&r.2).map_err(corrupt)?,
            };
            let pot = store::pot(batch.fund, city, claim.statistical_year)?;
            let amount = Fen::new(r.6);
            let (tx, status, claim_status, event) = match &failure {
                None => (
                    Transaction::payout_confirmed(Uuid::now_v7(), key, pot, amount),
                    "confirmed",
                    "paid",
                    (PAYMENT_CONFIRMED, "confirmed", None),
                ),
                Some(reason) => (
                    Transaction::payout_failed(Uuid::now_v7(), key, pot, amount, r.7, reason),
                    "failed",
                    "approved",
                    (PAYMENT_FAILED, "failed", Some(reason.clone())),
                ),
            };
            let tx_id = store::append(conn, &mut ledger, tx.map_err(StoreError::from)?, by).await?;
            diesel::update(payouts::table.find(r.0))
                .set((
                    payouts::status.eq(status),
                    payouts::result_tx.eq(tx_id),
                    payouts::reason.eq(&failure),
                    payouts::settled_at.eq(Utc::now()),
                ))
                .execute(conn)
                .await?;
            diesel::update(claims::table.find(r.1))
                .set((
                    claims::status.eq(claim_status),
                    claims::paid_on.eq(failure.is_none().then_some(today)),
                ))
                .execute(conn)
                .await?;
            events.push(payment_event(claim, r.0, batch_no, r.6, event)?);
            answered_claims.push(r.1);
            if failure.is_none() {
                confirmed_claims.push(r.1);
            }
        }
        report.push(ReportLine {
            line: Some(line),
            reference: Some(reference.clone()),
            outcome: decided,
            detail: failure,
        });
    }
    // Lines an earlier file answered are settled, not missing.
    let at_bank = |reference: &&String| rows.iter().any(|r| &r.3 == *reference && r.8 == "sent");
    report.extend(
        read.missing
            .iter()
            .filter(at_bank)
            .map(|reference| ReportLine {
                line: None,
                reference: Some(reference.clone()),
                outcome: LineOutcome::Missing,
                detail: Some(
                    "the file does not answer this batch line; it is still at the bank".into(),
                ),
            }),
    );
    let kept = reconciliations::tally_row(
        reconciliation_id,
        batch_no,
        file_sha256,
        (by, approved_by),
        &report,
    )?;
    reconciliations::insert(conn, &kept, &report).await?;
    messaging::enqueue(conn, &events).await?;
    for id in answered_claims {
        crate::api::freeze_if_disputed(conn, id).await?;
    }
    // A certificate revoked while the money was at the bank:
    // what was just confirmed is recovered at once.
    for id in confirmed_claims {
        let Some(row) = store::claim(conn, id).await? else {
            continue;
        };
        if rests_on_revoked(conn, &row).await? {
            order_recovery(
                conn,
                engine,
                &row,
                "certificate_revoked",
                "certificate revoked while the payment was at the bank",
            )
            .await
            .map_err(ApiError::internal)?;
        }
    }
    Ok(ResultReport::new(&kept, &report))
}

/// How earlier files answered the payouts of one batch line (they are
/// answered together).
fn earlier(mine: &[&PayoutRow]) -> Result<Earlier, ApiError> {
    let statuses: HashSet<&str> = mine.iter().map(|r| r.8.as_str()).collect();
    match statuses.into_iter().collect::<Vec<_>>().as_slice() {
        [] | ["sent"] => Ok(Earlier::Unanswered),
        ["confirmed"] => Ok(Earlier::Confirmed),
        ["failed"] => Ok(Earlier::Failed),
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
    (event_type, status, reason): (&'static str, &str, Option<String>),
) -> Result<OutboxEvent, ApiError> {
    let payload = PaymentEvent {
        payout_id,
        claim_id: row.id,
        batch_no: batch_no.to_owned(),
        city: row.city.parse().map_err(ApiError::internal)?,
        kind: row.kind.clone(),
        person_id: ids::PersonId::from_stored(row.person_id.clone()),
        fund: row.fund.clone().unwrap_or_default(),
        amount_fen: Fen::new(amount),
        status: status.to_owned(),
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

/// A payout row as the batch is rebuilt from, with its claim's
/// statistical year.
type PayoutRow = (
    Uuid,
    Uuid,
    String,
    String,
    Vec<u8>,
    String,
    i64,
    Uuid,
    String,
    i32,
);

pub async fn load_batch(
    conn: &mut AsyncPgConnection,
    cipher: &PiiCipher,
    city: CityCode,
    batch_no: &str,
) -> Result<(Batch, Vec<PayoutRow>), ApiError> {
    let fund: String = payout_batches::table
        .find(batch_no)
        .filter(payout_batches::city.eq(city.to_string()))
        .select(payout_batches::fund)
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| ApiError::not_found("batch_not_found", "no such payout batch"))?;
    let fund: FundSource = store::fund_of(&fund)?;
    let rows: Vec<PayoutRow> = payouts::table
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
        .await?;
    let mut lines: BTreeMap<String, Line> = BTreeMap::new();
    for (_, claim_id, payee, reference, sealed, name, amount, _, _, year) in &rows {
        let payee = payee_of(payee).map_err(corrupt)?;
        let line = match lines.get_mut(reference) {
            Some(l) => l,
            None => lines.entry(reference.clone()).or_insert(Line {
                reference: reference.clone(),
                payee: payee.clone(),
                account_no: cipher.open(sealed).map_err(corrupt)?,
                account_name: name.clone(),
                amount: Fen::ZERO,
                items: Vec::new(),
            }),
        };
        line.amount = Fen::new(line.amount.get() + amount);
        line.items.push(Item {
            key: ClaimKey {
                claim_id: *claim_id,
                payee,
            },
            pot: store::pot(fund, city, *year)?,
            amount: Fen::new(*amount),
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
