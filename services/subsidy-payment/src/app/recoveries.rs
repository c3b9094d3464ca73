//! Recovery orders (追回): one per paid claim found fraudulent or resting
//! on a revoked certificate, settled by repayments (here) and by
//! withholding from later payouts (see [`super::payouts`]).

use contracts::subsidy::{RecoveryCause, RecoveryEvent, RECOVERIES_TOPIC, RECOVERY_ORDERED};
use diesel_async::AsyncPgConnection;
use ids::{CityCode, Fen, PersonId};
use messaging::OutboxEvent;
use uuid::Uuid;

use super::claims::{payee_of, Engine, SYSTEM};
use super::Error;
use crate::domain::ledger::{ClaimKey, Transaction};
use crate::domain::status::{ClaimStatus, RecoveryStatus};
use crate::domain::subsidy::SubsidyKind;
use crate::store::recoveries::{self, NewRecovery, RecoveryFilter, RecoveryRow};
use crate::store::{self, claims, ClaimRow, StoreError};

/// One recovery order per paid claim: the ledger moves what was paid to
/// the payee's receivable, correcting the approval. A second order of the
/// same claim changes nothing.
#[tracing::instrument(skip_all, fields(claim = %row.id, cause = cause.as_str()))]
pub async fn order_recovery(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    row: &ClaimRow,
    cause: RecoveryCause,
    reason: &str,
) -> Result<(), Error> {
    if recoveries::of_claim(conn, row.id).await?.is_some() {
        return Ok(());
    }
    let fund = store::fund_of(row.fund.as_deref().unwrap_or_default())?;
    let pot = store::pot(fund, engine.city, row.statistical_year)?;
    store::lock_pots(conn, &[pot]).await?;
    let key = ClaimKey {
        claim_id: row.id,
        payee: payee_of(&row.payee)?,
    };
    let mut ledger = store::load_ledger(conn, &[pot], std::slice::from_ref(&key)).await?;
    let Some(state) = ledger.claim(&key).cloned() else {
        return Err(Error::corrupt(format!(
            "claim {} is not in the ledger",
            row.id
        )));
    };
    let amount = state.paid + state.withheld - state.recovered;
    if amount <= 0 {
        return Ok(());
    }
    let tx = Transaction::recovery(
        Uuid::now_v7(),
        key,
        pot,
        Fen::new(amount),
        state.approval_tx,
        reason,
    )
    .map_err(StoreError::from)?;
    let recovery_tx = store::append(conn, &mut ledger, tx, SYSTEM).await?;
    let id = Uuid::now_v7();
    recoveries::insert(
        conn,
        &NewRecovery {
            id,
            claim_id: row.id,
            payee: &row.payee,
            cause: cause.as_str(),
            reason,
            amount_fen: amount,
            recovery_tx,
        },
    )
    .await?;
    claims::set_status(conn, row.id, ClaimStatus::Recovered).await?;
    let payload = RecoveryEvent {
        recovery_id: id,
        claim_id: row.id,
        city: engine.city,
        kind: row.kind.parse::<SubsidyKind>()?.into(),
        person_id: PersonId::from_stored(&row.person_id),
        fund: fund.into(),
        amount_fen: Fen::new(amount),
        cause: cause.into(),
        reason: reason.to_owned(),
        institution_id: row.institution_id,
    };
    messaging::enqueue(
        conn,
        &[OutboxEvent::new(
            RECOVERIES_TOPIC,
            RECOVERY_ORDERED,
            row.id.to_string(),
            &payload,
        )],
    )
    .await?;
    Ok(())
}

/// An officer orders the recovery of a paid claim of the city found
/// fraudulent: the order, made once.
pub async fn order_for_fraud(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    claim_id: Uuid,
    reason: &str,
) -> Result<RecoveryRow, Error> {
    let row = claims::claim_for_update(conn, claim_id)
        .await?
        .filter(|r| r.city == engine.city.as_str())
        .ok_or(Error::ClaimNotFound)?;
    let status = row.status()?;
    if status != ClaimStatus::Paid {
        return Err(Error::ClaimNotPaid(status));
    }
    order_recovery(conn, engine, &row, RecoveryCause::Fraud, reason).await?;
    recoveries::of_claim(conn, claim_id)
        .await?
        .ok_or_else(|| Error::corrupt(format!("claim {claim_id} recovered without an order")))
}

/// Money paid back on a recovery order returns to the budget of the pot
/// it came from; more than is open is refused by the ledger.
#[tracing::instrument(skip_all, fields(recovery = %id))]
pub async fn repay(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    id: Uuid,
    amount: Fen,
    by: &str,
) -> Result<RecoveryRow, Error> {
    let mut r = recoveries::for_update(conn, id)
        .await?
        .ok_or(Error::RecoveryNotFound)?;
    let claim = claims::claim(conn, r.claim_id)
        .await?
        .ok_or_else(|| Error::corrupt(format!("recovery {id} without its claim")))?;
    let fund = store::fund_of(claim.fund.as_deref().unwrap_or_default())?;
    let pot = store::pot(fund, city, claim.statistical_year)?;
    store::lock_pots(conn, &[pot]).await?;
    let key = ClaimKey {
        claim_id: claim.id,
        payee: payee_of(&claim.payee)?,
    };
    let mut ledger = store::load_ledger(conn, &[pot], std::slice::from_ref(&key)).await?;
    let tx = Transaction::repayment(Uuid::now_v7(), key, pot, amount).map_err(StoreError::from)?;
    store::append(conn, &mut ledger, tx, by).await?;
    r.settled_fen += amount.get();
    let status = RecoveryStatus::owing(r.amount_fen - r.settled_fen);
    recoveries::settle(conn, id, r.settled_fen, status).await?;
    status.as_str().clone_into(&mut r.status);
    Ok(r)
}

/// A city's recovery orders as `filter` asks, oldest first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    filter: &RecoveryFilter,
) -> Result<Vec<RecoveryRow>, Error> {
    Ok(recoveries::list(conn, city.as_str(), filter).await?)
}
