//! Disputes (异议): a person disputes a claim in their name (e.g. "I never
//! attended this class") and the claim is frozen, nothing paid on it,
//! until an officer resolves the dispute.

use chrono::Utc;
use contracts::subsidy::{RecoveryCause, CLAIM_DISPUTE_DISMISSED};
use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::claims::{claim_event, claim_event_as, release_in_ledger, Engine};
use super::recoveries::order_recovery;
use super::Error;
use crate::domain::status::{disputable, ClaimStatus, DisputeResolution};
use crate::store::claims::{self, DecisionChange};
use crate::store::disputes::{self, DisputeFilter, DisputeRow};
use crate::store::ClaimRow;

/// The person files a dispute of their claim. A claim whose payment is at
/// the bank is frozen as soon as the bank's result is imported
/// ([`freeze_if_disputed`]).
#[tracing::instrument(skip_all, fields(claim = %claim_id))]
pub async fn file(
    conn: &mut AsyncPgConnection,
    claim_id: Uuid,
    person_id: &str,
    reason: &str,
    by: &str,
) -> Result<DisputeRow, Error> {
    let mut row = claims::claim_for_update(conn, claim_id)
        .await?
        .filter(|r| r.person_id == person_id)
        .ok_or(Error::ClaimNotFound)?;
    let status = row.status()?;
    if !disputable(status) {
        return Err(Error::ClaimNotDisputable(status));
    }
    let dispute = DisputeRow {
        id: Uuid::now_v7(),
        claim_id,
        reason: reason.to_owned(),
        previous_status: status.as_str().to_owned(),
        filed_by: by.to_owned(),
        filed_at: Utc::now(),
        resolution: None,
        note: None,
    };
    if !disputes::insert(conn, &dispute).await? {
        return Err(Error::AlreadyDisputed);
    }
    if status != ClaimStatus::InPayout {
        freeze(conn, &mut row).await?;
    }
    Ok(dispute)
}

/// An officer resolves a dispute. Upheld: a paid claim gets a recovery
/// order (追回), an unpaid one is rejected and its money released.
/// Dismissed: the claim goes back to where it was.
#[tracing::instrument(skip_all, fields(dispute = %id, upheld = upheld))]
pub async fn resolve(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    id: Uuid,
    upheld: bool,
    note: Option<&str>,
    by: &str,
) -> Result<DisputeRow, Error> {
    let mut dispute = disputes::for_update(conn, id)
        .await?
        .ok_or(Error::DisputeNotFound)?;
    if dispute.resolution.is_some() {
        return Err(Error::DisputeResolved);
    }
    let mut row = claims::claim_for_update(conn, dispute.claim_id)
        .await?
        .ok_or_else(|| Error::corrupt(format!("dispute {id} without its claim")))?;
    if row.status()? == ClaimStatus::InPayout {
        return Err(Error::PaymentInFlight);
    }
    let previous: ClaimStatus = dispute.previous_status.parse()?;
    let resolution = if upheld {
        DisputeResolution::Upheld
    } else {
        DisputeResolution::Dismissed
    };
    disputes::resolve(conn, id, resolution.as_str(), by, note).await?;
    let why = format!("dispute upheld: {}", dispute.reason);
    match (upheld, previous) {
        (true, ClaimStatus::Paid) => {
            claims::set_status(conn, row.id, ClaimStatus::Paid).await?;
            row.set_status(ClaimStatus::Paid);
            order_recovery(conn, engine, &row, RecoveryCause::DisputeUpheld, &why).await?;
        }
        (true, _) => {
            release_in_ledger(conn, engine.city, &row, &why, by).await?;
            let change = DecisionChange {
                status: ClaimStatus::Rejected.as_str(),
                decided_by: by,
                decided_at: Utc::now(),
                review_note: Some(&why),
            };
            claims::decide(conn, row.id, &change).await?;
            row.set_status(ClaimStatus::Rejected);
            messaging::enqueue(conn, &[claim_event(&row)?]).await?;
        }
        (false, _) => {
            claims::set_status(conn, row.id, previous).await?;
            row.set_status(previous);
            messaging::enqueue(conn, &[claim_event_as(&row, CLAIM_DISPUTE_DISMISSED)?]).await?;
        }
    }
    dispute.resolution = Some(resolution.as_str().to_owned());
    dispute.note = note.map(str::to_owned);
    Ok(dispute)
}

/// Freezes a claim under an open dispute and announces it.
async fn freeze(conn: &mut AsyncPgConnection, row: &mut ClaimRow) -> Result<(), Error> {
    claims::set_status(conn, row.id, ClaimStatus::Disputed).await?;
    row.set_status(ClaimStatus::Disputed);
    messaging::enqueue(conn, &[claim_event(row)?]).await?;
    Ok(())
}

/// After the bank answered a claim's payment: a dispute filed while the
/// money was at the bank now freezes the claim, from the status the answer
/// left it in (paid, or approved again after a failure).
pub async fn freeze_if_disputed(conn: &mut AsyncPgConnection, claim_id: Uuid) -> Result<(), Error> {
    let Some(mut row) = claims::claim_for_update(conn, claim_id).await? else {
        return Ok(());
    };
    let pending = disputes::rebase_filed_in_payout(
        conn,
        claim_id,
        ClaimStatus::InPayout.as_str(),
        &row.status,
    )
    .await?;
    if pending > 0 {
        freeze(conn, &mut row).await?;
    }
    Ok(())
}

/// Disputes as `filter` asks (the caller's visibility already in it),
/// oldest first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &DisputeFilter,
) -> Result<Vec<DisputeRow>, Error> {
    Ok(disputes::list(conn, filter).await?)
}
