//! What this service publishes, and what it consumes: the evidence of the
//! other stages (catalogue standards, institutions, completions,
//! certificates, employment outcomes) kept as read models, with claims
//! decided as soon as the evidence makes one due.

use std::sync::Arc;

use contracts::assessment::{CertificateStatus, CERTIFICATES_TOPIC, RESULTS_TOPIC};
use contracts::catalog::ENTRIES_TOPIC;
use contracts::delivery::{ALERTS_TOPIC, ENROLMENTS_TOPIC};
use contracts::employment::{APPRENTICESHIPS_TOPIC, INSURANCE_TOPIC, OUTCOMES_TOPIC};
use contracts::registry::INSTITUTIONS_TOPIC;
use contracts::subsidy::{CLAIMS_TOPIC, PAYMENTS_TOPIC, RECOVERIES_TOPIC};
use contracts::{Event, Open};
use diesel_async::AsyncPgConnection;
use messaging::{EventHandler, ReceivedEvent};

use crate::app::claims::Engine;
use crate::app::evidence;

/// Topics this service owns (and creates with its `topics` command).
pub const OWNED_TOPICS: [&str; 3] = [CLAIMS_TOPIC, PAYMENTS_TOPIC, RECOVERIES_TOPIC];

/// Topics this service consumes.
pub const CONSUMED_TOPICS: [&str; 9] = [
    ENTRIES_TOPIC,
    INSTITUTIONS_TOPIC,
    ENROLMENTS_TOPIC,
    ALERTS_TOPIC,
    CERTIFICATES_TOPIC,
    RESULTS_TOPIC,
    OUTCOMES_TOPIC,
    APPRENTICESHIPS_TOPIC,
    INSURANCE_TOPIC,
];

/// Keeps the read models and decides claims when they become due.
pub struct Evidence {
    engine: Arc<Engine>,
}

#[messaging::async_trait]
impl EventHandler for Evidence {
    async fn handle(
        &self,
        conn: &mut AsyncPgConnection,
        event: &ReceivedEvent,
    ) -> anyhow::Result<()> {
        let read = Event::read(&event.topic, &event.envelope.event_type, &event.data)?;
        let Some(read) = read else {
            return Ok(());
        };
        let engine = &self.engine.current(conn).await?;
        match read {
            Event::CatalogueEntry(e) => evidence::catalogue_entry(conn, engine, &e).await?,
            Event::Institution(e) => evidence::institution(conn, &e, event.envelope.time).await?,
            Event::Completion(e) => evidence::completion(conn, engine, &e).await?,
            Event::Withdrawn(e) => evidence::withdrawal(conn, &e).await?,
            Event::Enrolled(e) => {
                let on = ids::business_date(event.envelope.time);
                evidence::enrolment(conn, &e, on).await?;
            }
            Event::Conflict(e) => evidence::alert(conn, &e).await?,
            Event::ExamResult(e) => evidence::exam_result(conn, &e).await?,
            Event::CertificateIssued(e) => {
                // An issue event carries the certificate's status at
                // publication (a republished history may say revoked).
                let revoked = e.status == Open::Known(CertificateStatus::Revoked);
                evidence::certificate(conn, engine, &e, revoked).await?;
            }
            Event::CertificateRevoked(e) => evidence::certificate(conn, engine, &e, true).await?,
            Event::Outcome(e) => evidence::outcome(conn, engine, &e).await?,
            Event::Apprenticeship(e) => evidence::apprenticeship(conn, engine, &e).await?,
            Event::InsuredMonths(e) => evidence::insured_months(conn, &e).await?,
            // Other events: not evidence of a subsidy.
            _ => {}
        }
        Ok(())
    }
}

/// The consumers this service runs.
pub fn consumers(engine: Arc<Engine>) -> Vec<runtime::Consumer> {
    vec![(
        "subsidy-payment.evidence",
        CONSUMED_TOPICS.to_vec(),
        Arc::new(Evidence { engine }),
    )]
}
