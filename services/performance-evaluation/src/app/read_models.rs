//! What other services tell, kept as read models (本地读模型) and marking
//! the scorecards it changes: delivery's classes and completions,
//! assessment's certificates and leading talents, employment's outcomes,
//! the registry's institutions and brands, subsidy payment's fraud
//! findings. Every effect is idempotent (rows are keyed by the other
//! service's ids) and tolerates any order of arrival; each runs inside
//! the consumer's transaction.

use chrono::{DateTime, Utc};
use contracts::assessment::{CertificateEvent, LeadingTalentEvent};
use contracts::delivery::{ClassEvent, CompletionEvent};
use contracts::employment::OutcomeEvent;
use contracts::registry::{BrandEvent, InstitutionEvent};
use contracts::subsidy::{ClaimEvent, RecoveryEvent};
use diesel_async::AsyncPgConnection;

use super::Error;
use crate::domain::{counting, findings};
use crate::store::{self, read_models::CompletionRow};

/// A trainee's result (completed or not); the first of an enrolment is
/// kept.
#[tracing::instrument(skip_all, fields(enrolment_id = %e.enrolment_id, class_id = %e.class_id))]
pub async fn completion(conn: &mut AsyncPgConnection, e: &CompletionEvent) -> Result<(), Error> {
    let row = CompletionRow {
        enrolment_id: e.enrolment_id,
        class_id: e.class_id,
        institution_id: e.institution_id,
        person_id: e.person_id.to_string(),
        skill_level: e.skill_level.as_str().to_owned(),
        completed: counting::is_subsidised_training(e.completed),
        completed_on: e.completed_on,
        // Derived from the date, whatever the event says.
        statistical_year: counting::training_year(e.completed_on),
    };
    Ok(store::read_models::insert_completion(conn, &row).await?)
}

/// A class as filed, approved or closed.
#[tracing::instrument(skip_all, fields(class_id = %e.class_id))]
pub async fn class(conn: &mut AsyncPgConnection, e: &ClassEvent) -> Result<(), Error> {
    Ok(store::read_models::upsert_class(conn, e).await?)
}

/// A certificate as issued or revoked.
#[tracing::instrument(skip_all, fields(certificate_id = %e.certificate_id))]
pub async fn certificate(conn: &mut AsyncPgConnection, e: &CertificateEvent) -> Result<(), Error> {
    Ok(store::read_models::upsert_certificate(conn, e).await?)
}

/// A leading talent (领军人才) selected.
#[tracing::instrument(skip_all, fields(talent_id = %e.talent_id))]
pub async fn leading_talent(
    conn: &mut AsyncPgConnection,
    e: &LeadingTalentEvent,
) -> Result<(), Error> {
    Ok(store::read_models::insert_leading_talent(conn, e).await?)
}

/// The outcome of a completer's follow-up window; the first is kept.
#[tracing::instrument(skip_all, fields(enrolment_id = %e.enrolment_id))]
pub async fn outcome(conn: &mut AsyncPgConnection, e: &OutcomeEvent) -> Result<(), Error> {
    Ok(store::read_models::insert_outcome(conn, e).await?)
}

/// An institution's name, status and rating as the registry holds them.
#[tracing::instrument(skip_all, fields(institution_id = %e.institution_id))]
pub async fn institution(conn: &mut AsyncPgConnection, e: &InstitutionEvent) -> Result<(), Error> {
    Ok(store::read_models::upsert_institution(conn, e).await?)
}

/// A training brand (培训品牌) registered.
#[tracing::instrument(skip_all, fields(brand_id = %e.brand_id))]
pub async fn brand(conn: &mut AsyncPgConnection, e: &BrandEvent) -> Result<(), Error> {
    Ok(store::read_models::upsert_brand(conn, e).await?)
}

/// A claim refused for fraud counts as a finding against its institution.
#[tracing::instrument(skip_all, fields(claim_id = %e.claim_id))]
pub async fn claim(
    conn: &mut AsyncPgConnection,
    event_type: &str,
    e: &ClaimEvent,
) -> Result<(), Error> {
    match e.institution_id {
        Some(institution) if findings::claim_is_finding(event_type, &e.reasons) => {
            Ok(store::read_models::insert_finding(
                conn,
                e.claim_id,
                institution,
                e.statistical_year,
                "claim",
            )
            .await?)
        }
        _ => Ok(()),
    }
}

/// A recovery for fraud counts as a finding in the statistical year it was
/// ordered (`ordered_at`: a recovery names no year).
#[tracing::instrument(skip_all, fields(claim_id = %e.claim_id))]
pub async fn recovery(
    conn: &mut AsyncPgConnection,
    ordered_at: DateTime<Utc>,
    e: &RecoveryEvent,
) -> Result<(), Error> {
    match e.institution_id {
        Some(institution) if findings::recovery_is_finding(&e.cause) => {
            let year = ids::StatisticalYear::of_instant(ordered_at).year();
            Ok(
                store::read_models::insert_finding(conn, e.claim_id, institution, year, "recovery")
                    .await?,
            )
        }
        _ => Ok(()),
    }
}
