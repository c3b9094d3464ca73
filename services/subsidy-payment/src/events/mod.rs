//! What this service publishes, and what it consumes: the evidence of the
//! other stages (catalogue standards, institutions, completions,
//! certificates, employment outcomes) kept as read models, with claims
//! decided as soon as the evidence makes one due.

use std::sync::Arc;

use contracts::assessment::{
    CertificateEvent, CERTIFICATES_TOPIC, CERTIFICATE_REVOKED, RESULTS_TOPIC,
};
use contracts::catalog::ENTRIES_TOPIC;
use contracts::delivery::{
    ALERTS_TOPIC, ENROLMENTS_TOPIC, TRAINEE_COMPLETED, TRAINEE_ENROLLED, TRAINEE_NOT_COMPLETED,
    TRAINEE_WITHDRAWN,
};
use contracts::employment::{APPRENTICESHIPS_TOPIC, INSURANCE_TOPIC, OUTCOMES_TOPIC};
use contracts::registry::{InstitutionEvent, INSTITUTIONS_TOPIC};
use contracts::subsidy::{CLAIMS_TOPIC, PAYMENTS_TOPIC, RECOVERIES_TOPIC};
use diesel_async::AsyncPgConnection;
use messaging::{EventHandler, HandlerFuture, ReceivedEvent};

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

impl EventHandler for Evidence {
    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a ReceivedEvent,
    ) -> HandlerFuture<'a> {
        Box::pin(async move {
            let engine = &self.engine.current(conn).await?;
            match (event.topic.as_str(), event.envelope.event_type.as_str()) {
                (ENTRIES_TOPIC, _) => {
                    evidence::catalogue_entry(conn, engine, &event.payload()?).await?;
                }
                (INSTITUTIONS_TOPIC, _) => {
                    let e: InstitutionEvent = event.payload()?;
                    evidence::institution(conn, &e, event.envelope.time).await?;
                }
                (ENROLMENTS_TOPIC, TRAINEE_COMPLETED | TRAINEE_NOT_COMPLETED) => {
                    evidence::completion(conn, engine, &event.payload()?).await?;
                }
                (ENROLMENTS_TOPIC, TRAINEE_WITHDRAWN) => {
                    evidence::withdrawal(conn, &event.payload()?).await?;
                }
                (ENROLMENTS_TOPIC, TRAINEE_ENROLLED) => {
                    let on = ids::business_date(event.envelope.time);
                    evidence::enrolment(conn, &event.payload()?, on).await?;
                }
                (ALERTS_TOPIC, _) => evidence::alert(conn, &event.payload()?).await?,
                (RESULTS_TOPIC, _) => evidence::exam_result(conn, &event.payload()?).await?,
                (CERTIFICATES_TOPIC, kind) => {
                    let e: CertificateEvent = event.payload()?;
                    let revoked = kind == CERTIFICATE_REVOKED || e.status == "revoked";
                    evidence::certificate(conn, engine, &e, revoked).await?;
                }
                (OUTCOMES_TOPIC, _) => {
                    evidence::outcome(conn, engine, &event.payload()?).await?;
                }
                (APPRENTICESHIPS_TOPIC, _) => {
                    evidence::apprenticeship(conn, engine, &event.payload()?).await?;
                }
                (INSURANCE_TOPIC, _) => {
                    evidence::insured_months(conn, &event.payload()?).await?;
                }
                // Other events: not evidence of a subsidy.
                _ => {}
            }
            Ok(())
        })
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
