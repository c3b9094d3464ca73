//! The evidence of the other stages arriving: each kept in its read
//! model, and the claims it makes due decided at once, in the consumer's
//! transaction (so the event is applied with its effects, once).

use chrono::{DateTime, NaiveDate, Utc};
use contracts::assessment::{CertificateEvent, ResultEvent};
use contracts::catalog::CatalogueEntryEvent;
use contracts::delivery::{CompletionEvent, ConflictAlert, EnrolmentEvent};
use contracts::employment::{ApprenticeshipEvent, InsuredMonthsEvent, OutcomeEvent};
use contracts::registry::InstitutionEvent;
use diesel_async::AsyncPgConnection;

use super::claims::{self, Engine};
use super::{vouchers, Error};
use crate::domain::voucher::Redemption;
use crate::store::evidence;

/// A catalogue standard: completions that waited for it are decided.
pub async fn catalogue_entry(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    e: &CatalogueEntryEvent,
) -> Result<(), Error> {
    evidence::put_catalogue_entry(conn, e).await?;
    claims::standard_arrived(
        conn,
        engine,
        e.occupation_code.as_str(),
        e.skill_level.as_str(),
    )
    .await
}

pub async fn institution(
    conn: &mut AsyncPgConnection,
    e: &InstitutionEvent,
    at: DateTime<Utc>,
) -> Result<(), Error> {
    Ok(evidence::put_institution(conn, e, at).await?)
}

/// A trainee enrolled: the facts the fraud rules read, and the voucher the
/// enrolment uses redeemed (a refused voucher leaves it not voucher-backed).
pub async fn enrolment(
    conn: &mut AsyncPgConnection,
    e: &EnrolmentEvent,
    on: NaiveDate,
) -> Result<(), Error> {
    evidence::put_enrolment(conn, e, on).await?;
    let Some(reference) = &e.voucher_ref else {
        return Ok(());
    };
    let r = Redemption {
        person: &e.person_id,
        enrolment_id: e.enrolment_id,
        occupation: &e.occupation_code,
        // Delivery takes voucher references only for classes funded by
        // vouchers.
        class_accepts_vouchers: true,
        on,
    };
    if let Err(refused) = vouchers::redeem_for_enrolment(conn, reference, &r).await? {
        tracing::warn!(
            enrolment = %e.enrolment_id,
            code = refused.code(),
            "voucher not redeemed"
        );
    }
    Ok(())
}

pub async fn withdrawal(conn: &mut AsyncPgConnection, e: &EnrolmentEvent) -> Result<(), Error> {
    Ok(evidence::mark_withdrawn(conn, e.enrolment_id).await?)
}

/// A completion (or not): the training subsidy and the employment reward
/// it may make due. A target group this version does not know is never
/// decided as another: the event is refused (and waits on the
/// dead-letter topic).
pub async fn completion(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    e: &CompletionEvent,
) -> Result<(), Error> {
    e.target_group.known()?;
    evidence::put_completion(conn, e).await?;
    claims::training_due(
        conn,
        engine,
        e.person_id.as_str(),
        e.occupation_code.as_str(),
        e.skill_level.as_str(),
    )
    .await?;
    claims::employment_reward_due(conn, engine, e.enrolment_id).await
}

pub async fn alert(conn: &mut AsyncPgConnection, e: &ConflictAlert) -> Result<(), Error> {
    Ok(evidence::put_alert(conn, e).await?)
}

pub async fn exam_result(conn: &mut AsyncPgConnection, e: &ResultEvent) -> Result<(), Error> {
    Ok(evidence::put_result(conn, e).await?)
}

/// A certificate issued makes the training subsidy due; one revoked undoes
/// the claims resting on it (`revoked`: the event says so by its type or
/// its status).
pub async fn certificate(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    e: &CertificateEvent,
    revoked: bool,
) -> Result<(), Error> {
    evidence::put_certificate(conn, e, revoked).await?;
    let (person, occupation, level) = (
        e.person_id.as_str(),
        e.occupation_code.as_str(),
        e.skill_level.as_str(),
    );
    if revoked {
        let reason = e
            .revoked_reason
            .clone()
            .unwrap_or_else(|| "certificate revoked".to_owned());
        claims::certificate_revoked(
            conn,
            engine,
            person,
            occupation,
            level,
            e.revoked_on,
            &reason,
        )
        .await
    } else {
        claims::training_due(conn, engine, person, occupation, level).await
    }
}

/// An employment outcome: the employment reward, when employed.
pub async fn outcome(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    e: &OutcomeEvent,
) -> Result<(), Error> {
    evidence::put_outcome(conn, e).await?;
    if e.employed {
        claims::employment_reward_due(conn, engine, e.enrolment_id).await?;
    }
    Ok(())
}

pub async fn apprenticeship(
    conn: &mut AsyncPgConnection,
    engine: &Engine,
    e: &ApprenticeshipEvent,
) -> Result<(), Error> {
    claims::apprenticeship_due(conn, engine, e).await
}

pub async fn insured_months(
    conn: &mut AsyncPgConnection,
    e: &InsuredMonthsEvent,
) -> Result<(), Error> {
    Ok(evidence::put_insured_months(conn, e).await?)
}
