//! Claims (补贴申领) computed from the evidence other services report: the
//! domain decides; these use cases gather the facts, record the claim
//! once per grant key, run the fraud rules and commit approved money in
//! the ledger, all inside the caller's transaction.

mod certificates;
mod due;
mod facts;
mod review;

pub use certificates::{certificate_claim, certificate_revoked};
pub use due::{
    apprenticeship_due, budget_arrived, employment_reward_due, explain, standard_arrived,
    training_due,
};
pub use facts::{books_for, preview_class};
pub use review::{apprenticeship_claim, file_certificate, file_for_enrolment, review, Filed};

use chrono::Utc;
use contracts::subsidy::{
    ClaimEvent, PayeeType, ReasonItem, CLAIMS_TOPIC, CLAIM_APPROVED, CLAIM_DISPUTED,
    CLAIM_DOCUMENTS_REQUESTED, CLAIM_QUEUED_FOR_REVIEW, CLAIM_REFUSED, CLAIM_REJECTED,
};
use diesel_async::AsyncPgConnection;
use ids::{CityCode, Fen, PersonId};
use messaging::OutboxEvent;
use uuid::Uuid;

use super::Error;
use crate::domain::entitlement::{Decision, Reason, Rules};
use crate::domain::fraud::{self, Finding, FraudConfig, Verdict};
use crate::domain::ledger::{ClaimKey, Transaction};
use crate::domain::status::ClaimStatus;
use crate::domain::subsidy::{FundSource, Payee, SubsidyKind};
use crate::store::{self, claims, evidence, ClaimRow, StoreError};

/// The rules a city runs with, shared by consumers and handlers.
#[derive(Debug, Clone)]
pub struct Engine {
    pub city: CityCode,
    /// The rule version in force: 0 is the configuration's.
    pub version: i32,
    pub rules: Rules,
    pub fraud: FraudConfig,
}

impl Engine {
    /// The rules in force now: the newest version officers set, else these
    /// (the configuration's). Read per decision, so every replica applies
    /// a new version from its next decision on.
    pub async fn current(&self, conn: &mut AsyncPgConnection) -> Result<Self, StoreError> {
        Ok(match store::rules::newest(conn).await? {
            Some(newest) => Self {
                city: self.city,
                version: newest.version,
                rules: serde_json::from_value(newest.rules)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                fraud: serde_json::from_value(newest.fraud)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            },
            None => self.clone(),
        })
    }
}

/// Who records a change the service makes on its own.
pub const SYSTEM: &str = "system";

fn reason_items(reasons: &[Reason]) -> Vec<ReasonItem> {
    reasons
        .iter()
        .map(|r| ReasonItem {
            code: r.code.to_owned(),
            text: r.text.clone(),
        })
        .collect()
}

/// The `subsidy.claims.v1` event of a claim's current state.
pub fn claim_event(row: &ClaimRow) -> Result<OutboxEvent, Error> {
    let event_type = match row.status()? {
        ClaimStatus::Approved => CLAIM_APPROVED,
        ClaimStatus::InReview => CLAIM_QUEUED_FOR_REVIEW,
        ClaimStatus::Rejected => CLAIM_REJECTED,
        ClaimStatus::DocumentsRequested => CLAIM_DOCUMENTS_REQUESTED,
        ClaimStatus::Disputed => CLAIM_DISPUTED,
        ClaimStatus::Refused => CLAIM_REFUSED,
        other => return Err(Error::corrupt(format!("no claim event announces {other}"))),
    };
    claim_event_as(row, event_type)
}

/// The `subsidy.claims.v1` event of a claim under `event_type`.
pub fn claim_event_as(row: &ClaimRow, event_type: &'static str) -> Result<OutboxEvent, Error> {
    let payload = ClaimEvent {
        claim_id: row.id,
        city: row.city.parse()?,
        kind: row.kind.parse::<SubsidyKind>()?.into(),
        person_id: PersonId::from_stored(&row.person_id),
        occupation_code: Some(row.occupation_code.clone()).filter(|o| !o.is_empty()),
        skill_level: row.skill_level.clone(),
        statistical_year: row.statistical_year,
        institution_id: row.institution_id,
        payee_type: row
            .payee
            .split_once(':')
            .map_or("", |(t, _)| t)
            .parse::<PayeeType>()?
            .into(),
        fund: row
            .fund
            .as_deref()
            .map(str::parse::<FundSource>)
            .transpose()?
            .map(Into::into),
        amount_fen: Fen::new(row.amount_fen),
        status: row.status.parse::<ClaimStatus>()?.into(),
        risk_score: row.risk_score,
        reasons: serde_json::from_value(row.reasons.clone())?,
    };
    Ok(OutboxEvent::new(
        CLAIMS_TOPIC,
        event_type,
        row.id.to_string(),
        &payload,
    ))
}

/// The payee of a stored claim.
pub fn payee_of(s: &str) -> Result<Payee, StoreError> {
    s.parse()
        .map_err(|e| StoreError::Corrupt(format!("payee {s:?}: {e}")))
}

/// The ledger key and pot of a stored claim, its pot locked.
async fn locked_claim(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    row: &ClaimRow,
) -> Result<(ClaimKey, crate::domain::subsidy::Pot), StoreError> {
    let fund = store::fund_of(row.fund.as_deref().unwrap_or_default())?;
    let pot = store::pot(fund, city, row.statistical_year)?;
    store::lock_pots(conn, &[pot]).await?;
    let key = ClaimKey {
        claim_id: row.id,
        payee: payee_of(&row.payee)?,
    };
    Ok((key, pot))
}

/// Commits an approved claim's money: budget → payable.
pub async fn approve_in_ledger(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    row: &ClaimRow,
    by: &str,
) -> Result<Uuid, StoreError> {
    let (key, pot) = locked_claim(conn, city, row).await?;
    let mut ledger = store::load_ledger(conn, &[pot], std::slice::from_ref(&key)).await?;
    let tx = Transaction::approval(Uuid::now_v7(), key, pot, Fen::new(row.amount_fen))?;
    let id = store::append(conn, &mut ledger, tx, by).await?;
    claims::set_approval_tx(conn, row.id, id).await?;
    Ok(id)
}

/// Withdraws a claim's approval before payment: what is owed returns to
/// the budget.
pub async fn release_in_ledger(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    row: &ClaimRow,
    reason: &str,
    by: &str,
) -> Result<(), StoreError> {
    let Some(approval_tx) = row.approval_tx else {
        return Ok(());
    };
    let (key, pot) = locked_claim(conn, city, row).await?;
    let mut ledger = store::load_ledger(conn, &[pot], std::slice::from_ref(&key)).await?;
    let owed = ledger.claim(&key).map_or(0, |s| s.outstanding());
    if owed <= 0 {
        return Ok(());
    }
    let tx = Transaction::release(
        Uuid::now_v7(),
        key,
        pot,
        Fen::new(owed),
        approval_tx,
        reason,
    )?;
    store::append(conn, &mut ledger, tx, by).await?;
    Ok(())
}

/// Whether the certificate a training or certificate claim rests on has
/// been revoked since.
pub async fn rests_on_revoked(
    conn: &mut AsyncPgConnection,
    row: &ClaimRow,
) -> Result<bool, StoreError> {
    if !matches!(
        row.kind()?,
        SubsidyKind::Training | SubsidyKind::Certificate
    ) {
        return Ok(false);
    }
    let (valid, revoked) =
        evidence::certificate_counts(conn, &row.person_id, &row.occupation_code, &row.skill_level)
            .await?;
    Ok(valid == 0 && revoked > 0)
}

/// What a claim is about, before the rules decide it.
pub struct Basis {
    pub kind: SubsidyKind,
    pub person_id: String,
    /// Empty for an apprenticeship recognised without an occupation.
    pub occupation: String,
    pub level: String,
    pub year: i32,
    /// The evidence: the enrolment (training, reward), the apprenticeship.
    pub source_ref: String,
    pub institution_id: Option<Uuid>,
    pub payee: Payee,
}

/// Records a decision as a claim, once: a payable one is scored by the
/// fraud rules and approved (budget committed) or queued for review; a
/// refusal because the grant was already made is recorded with its
/// reasons; other refusals record nothing (the evidence may still come).
#[tracing::instrument(skip_all, fields(kind = basis.kind.as_str(), source = %basis.source_ref))]
pub async fn record(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    basis: Basis,
    decision: &Decision,
    standard: Option<Fen>,
    mut findings: Vec<Finding>,
) -> Result<Option<ClaimRow>, Error> {
    if let Decision::NotPayable { reasons, .. } = decision {
        if !reasons.iter().any(|r| r.code == "already_granted") {
            return Ok(None);
        }
    } else {
        findings.extend(facts::payee_findings(conn, engine, &basis.payee).await?);
    }
    let now = Utc::now();
    let mut row = ClaimRow {
        id: Uuid::now_v7(),
        city: engine.city.to_string(),
        kind: basis.kind.as_str().to_owned(),
        person_id: basis.person_id,
        occupation_code: basis.occupation,
        skill_level: basis.level,
        statistical_year: basis.year,
        source_ref: basis.source_ref,
        institution_id: basis.institution_id,
        payee: basis.payee.to_string(),
        fund: None,
        standard_fen: standard.map_or(0, |f| f.get()),
        amount_fen: 0,
        status: ClaimStatus::Refused.as_str().to_owned(),
        risk_score: 0,
        reasons: serde_json::to_value(reason_items(decision.reasons()))?,
        findings: serde_json::to_value(&findings)?,
        approval_tx: None,
        created_at: now,
        decided_by: Some(SYSTEM.into()),
        decided_at: Some(now),
        review_note: None,
        paid_on: None,
    };
    let mut approve = false;
    if let Decision::Payable(e) = decision {
        let (score, verdict) = fraud::decide(&findings, &engine.fraud);
        row.fund = Some(e.fund.as_str().to_owned());
        row.standard_fen = e.standard.get();
        row.amount_fen = e.amount.get();
        row.risk_score = i32::try_from(score).unwrap_or(100);
        approve = verdict == Verdict::AutoApprove;
        row.set_status(if approve {
            ClaimStatus::Approved
        } else {
            ClaimStatus::InReview
        });
        if !approve {
            row.decided_by = None;
            row.decided_at = None;
        }
    }
    claims::insert(conn, &row).await?;
    if approve {
        row.approval_tx = Some(approve_in_ledger(conn, engine.city, &row, SYSTEM).await?);
    }
    messaging::enqueue(conn, &[claim_event(&row)?]).await?;
    Ok(Some(row))
}

/// A page of the claims made in a person's name in the city (their
/// receipts), oldest first, after the (created_at, id) `after`, `limit` at
/// most.
pub async fn receipts(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    person_id: &str,
    after: Option<(chrono::DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<ClaimRow>, Error> {
    Ok(claims::of_person(conn, city.as_str(), person_id, after, limit).await?)
}
