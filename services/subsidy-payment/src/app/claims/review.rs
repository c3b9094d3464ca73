//! Claims filed over the API and decided by officers: a claim filed for
//! evidence the events already carry is matched, one they do not carry
//! yet is decided now, and the review queue (复核) is worked through.

use chrono::Utc;
use db::ScopedFutureExt;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use ids::CityCode;
use uuid::Uuid;

use super::certificates::certificate_claim;
use super::due::{employment_reward_due, explain, training_due};
use super::{approve_in_ledger, claim_event, release_in_ledger, Engine, Error};
use crate::domain::status::ClaimStatus;
use crate::domain::subsidy::SubsidyKind;
use crate::store::claims::{self, DecisionChange};
use crate::store::{self, evidence, ClaimRow};

/// A claim filed over the API.
#[derive(Debug)]
pub enum Filed {
    /// The evidence had already made it (200).
    Matched(ClaimRow),
    /// Decided now (201).
    Made(ClaimRow),
}

const NO_EVIDENCE: &str = "no such evidence for the caller";

/// An institution files the training subsidy or the employment reward of
/// its own trainee's enrolment (`org`: its credit code).
#[tracing::instrument(skip_all, fields(kind = kind.as_str(), enrolment = %enrolment_id))]
pub async fn file_for_enrolment(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    kind: SubsidyKind,
    enrolment_id: Uuid,
    org: Option<&str>,
) -> Result<Filed, Error> {
    let completion = evidence::completion(conn, enrolment_id)
        .await?
        .ok_or(Error::EvidenceNotFound(NO_EVIDENCE))?;
    let trained_by = store::credit_code_of(conn, completion.institution_id).await?;
    if trained_by.is_none() || trained_by.as_deref() != org {
        return Err(Error::EvidenceNotFound(NO_EVIDENCE));
    }
    let source = enrolment_id.to_string();
    if let Some(row) = claims::by_source(conn, kind, &source).await? {
        return Ok(Filed::Matched(row));
    }
    conn.transaction::<_, Error, _>(|conn| {
        async move {
            if kind == SubsidyKind::Training {
                let c = &completion;
                training_due(
                    conn,
                    engine,
                    &c.person_id,
                    &c.occupation_code,
                    &c.skill_level,
                )
                .await?;
            } else {
                employment_reward_due(conn, engine, enrolment_id).await?;
            }
            if let Some(row) = claims::by_source(conn, kind, &source).await? {
                return Ok(Filed::Made(row));
            }
            let decision = explain(conn, engine, kind, enrolment_id).await?;
            Err(Error::NotPayable(
                decision.map_or_else(Vec::new, |d| d.reasons().to_vec()),
            ))
        }
        .scope_boxed()
    })
    .await
}

/// An enterprise's apprenticeship claim: made by employment tracking's
/// recognition, so only ever matched (`org`: the enterprise's credit code).
pub async fn apprenticeship_claim(
    conn: &mut AsyncPgConnection,
    apprenticeship_id: Uuid,
    org: Option<&str>,
) -> Result<ClaimRow, Error> {
    let own = org.map(|o| format!("enterprise:{o}"));
    claims::by_source(
        conn,
        SubsidyKind::Apprenticeship,
        &apprenticeship_id.to_string(),
    )
    .await?
    .filter(|r| Some(&r.payee) == own.as_ref())
    .ok_or(Error::EvidenceNotFound(
        "employment tracking has not recognised this apprenticeship for the caller",
    ))
}

/// A person applies for the certificate subsidy of their certificate.
pub async fn file_certificate(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    person_id: &str,
    certificate_id: Uuid,
) -> Result<Filed, Error> {
    let source = certificate_id.to_string();
    let existed = claims::by_source(conn, SubsidyKind::Certificate, &source)
        .await?
        .is_some();
    let outcome = conn
        .transaction::<_, Error, _>(|conn| {
            certificate_claim(conn, engine, person_id, certificate_id).scope_boxed()
        })
        .await?;
    match outcome {
        Ok(row) if existed => Ok(Filed::Matched(row)),
        Ok(row) => Ok(Filed::Made(row)),
        Err(reasons) => Err(Error::NotPayable(reasons)),
    }
}

/// An officer decides a claim in the review queue: approve (commits the
/// budget), reject (releases it), or ask the claimant for documents.
#[tracing::instrument(skip_all, fields(claim = %id, decision = decision.as_str()))]
pub async fn review(
    conn: &mut AsyncPgConnection,
    city: CityCode,
    id: Uuid,
    decision: ClaimStatus,
    note: Option<&str>,
    by: &str,
) -> Result<ClaimRow, Error> {
    let mut row = claims::claim_for_update(conn, id)
        .await?
        .ok_or(Error::ClaimNotFound)?;
    let status = row.status()?;
    if !matches!(
        status,
        ClaimStatus::InReview | ClaimStatus::DocumentsRequested
    ) {
        return Err(Error::ClaimNotInReview(status));
    }
    if decision == ClaimStatus::Approved && row.approval_tx.is_none() {
        row.approval_tx = Some(approve_in_ledger(conn, city, &row, by).await?);
    }
    if decision == ClaimStatus::Rejected {
        release_in_ledger(conn, city, &row, note.unwrap_or_default(), by).await?;
    }
    let now = Utc::now();
    let change = DecisionChange {
        status: decision.as_str(),
        decided_by: by,
        decided_at: now,
        review_note: note,
    };
    claims::decide(conn, id, &change).await?;
    row.set_status(decision);
    row.decided_by = Some(by.to_owned());
    row.decided_at = Some(now);
    row.review_note = note.map(str::to_owned);
    messaging::enqueue(conn, &[claim_event(&row)?]).await?;
    Ok(row)
}
