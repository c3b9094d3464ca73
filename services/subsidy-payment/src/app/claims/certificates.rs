//! Claims resting on certificates: the individual certificate subsidy
//! (个人取证补贴) a person applies for, and what a revoked certificate
//! undoes.

use chrono::{NaiveDate, Utc};
use contracts::subsidy::RecoveryCause;
use diesel_async::AsyncPgConnection;
use ids::{PersonId, StatisticalYear};
use uuid::Uuid;

use super::facts::{books_for, certificate_fact};
use super::{claim_event, record, release_in_ledger, Basis, Engine, Error, SYSTEM};
use crate::app::recoveries::order_recovery;
use crate::domain::entitlement::{self, Reason};
use crate::domain::fraud::{self, Finding};
use crate::domain::status::{undecided_or_unpaid, ClaimStatus};
use crate::domain::subsidy::{Payee, SubsidyKind};
use crate::store::claims::{self, DecisionChange};
use crate::store::{evidence, ClaimRow};

/// The certificate subsidy a person applies for: recorded once per
/// certificate, or refused with the reasons. The insured months are
/// employment tracking's count from the contributions, never the caller's.
#[tracing::instrument(skip_all, fields(certificate = %certificate_id))]
pub async fn certificate_claim(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    person_id: &str,
    certificate_id: Uuid,
) -> Result<Result<ClaimRow, Vec<Reason>>, Error> {
    let insured_months =
        u32::try_from(evidence::insured_months_of(conn, person_id).await?).unwrap_or(0);
    let Some(cert) = evidence::certificate_of(conn, person_id, certificate_id).await? else {
        return Ok(Err(vec![Reason {
            code: "no_certificate",
            text: "assessment reported no such certificate of this person".to_owned(),
        }]));
    };
    let source_ref = certificate_id.to_string();
    if let Some(row) = claims::by_source(conn, SubsidyKind::Certificate, &source_ref).await? {
        return Ok(Ok(row));
    }
    let year = StatisticalYear::of(cert.issued_on).year();
    let books = books_for(conn, engine.city, person_id, year).await?;
    // Asked again under the pots' lock.
    if let Some(row) = claims::by_source(conn, SubsidyKind::Certificate, &source_ref).await? {
        return Ok(Ok(row));
    }
    let (occupation, level) = (cert.occupation_code.clone(), cert.skill_level.clone());
    let facts = entitlement::CertificateClaim {
        person: PersonId::from_stored(person_id),
        group: None,
        certificate: certificate_fact(cert)?,
        insured_months,
    };
    let decision = entitlement::certificate(&facts, &engine.rules, &books);
    let basis = Basis {
        kind: SubsidyKind::Certificate,
        person_id: person_id.to_owned(),
        occupation,
        level,
        year,
        source_ref,
        institution_id: None,
        payee: Payee::Person(PersonId::from_stored(person_id)),
    };
    let standard = decision.entitlement().map(|e| e.standard);
    match record(conn, engine, basis, &decision, standard, Vec::new()).await? {
        Some(row) if row.status()? != ClaimStatus::Refused => Ok(Ok(row)),
        _ => Ok(Err(decision.reasons().to_vec())),
    }
}

/// A certificate was revoked: paid claims resting on it get one recovery
/// order each (追回); claims not yet sent to the bank are rejected, their
/// approval released. A payment in flight is recovered once the bank
/// confirms it.
#[tracing::instrument(skip_all, fields(occupation = occupation, level = level))]
pub async fn certificate_revoked(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    person_id: &str,
    occupation: &str,
    level: &str,
    revoked_on: Option<NaiveDate>,
    reason: &str,
) -> Result<(), Error> {
    let rows =
        claims::resting_on_certificate_for_update(conn, person_id, occupation, level).await?;
    let finding =
        fraud::certificate_revoked(revoked_on.or(Some(Utc::now().date_naive())), &engine.fraud);
    for row in rows {
        let status = row.status()?;
        if status == ClaimStatus::Paid {
            order_recovery(
                conn,
                engine,
                &row,
                RecoveryCause::CertificateRevoked,
                reason,
            )
            .await?;
        } else if undecided_or_unpaid(status) {
            let note = format!("certificate revoked: {reason}");
            release_in_ledger(conn, engine.city, &row, &note, SYSTEM).await?;
            let mut findings: Vec<Finding> = serde_json::from_value(row.findings.clone())?;
            findings.extend(finding.clone());
            let score = i32::try_from(fraud::risk_score(&findings)).unwrap_or(100);
            let change = DecisionChange {
                status: ClaimStatus::Rejected.as_str(),
                decided_by: SYSTEM,
                decided_at: Utc::now(),
                review_note: Some(&note),
            };
            claims::decide_with_findings(
                conn,
                row.id,
                &change,
                serde_json::to_value(&findings)?,
                score,
            )
            .await?;
            let mut changed = row.clone();
            changed.set_status(ClaimStatus::Rejected);
            changed.risk_score = score;
            messaging::enqueue(conn, &[claim_event(&changed)?]).await?;
        }
    }
    Ok(())
}
