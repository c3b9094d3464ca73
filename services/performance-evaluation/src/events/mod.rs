//! What this service publishes (ratings), and the consumer of what
//! delivery, assessment, employment, the registry and subsidy payment
//! publish: each event is decoded and handed to its use case
//! (`app::read_models`). The inbox drops repeats.

use std::sync::Arc;

use contracts::assessment::{CERTIFICATES_TOPIC, LEADING_TALENTS_TOPIC};
use contracts::delivery::{CLASSES_TOPIC, ENROLMENTS_TOPIC};
use contracts::employment::OUTCOMES_TOPIC;
use contracts::evaluation::{RatingEvent, RATINGS_TOPIC, RATING_CHANGED};
use contracts::registry::{BRANDS_TOPIC, INSTITUTIONS_TOPIC};
use contracts::subsidy::{CLAIMS_TOPIC, RECOVERIES_TOPIC};
use contracts::Event;
use diesel_async::AsyncPgConnection;
use ids::CityCode;
use messaging::{EventHandler, OutboxEvent, ReceivedEvent};
use platform::public::PublicCache;

use crate::app::dashboard::DASHBOARD_NAMESPACE;
use crate::app::read_models;
use crate::store::ratings::RatingChangeRow;

/// Topics this service owns (and creates with its `topics` command).
pub const OWNED_TOPICS: [&str; 1] = [RATINGS_TOPIC];

/// Topics it reads.
pub const CONSUMED_TOPICS: [&str; 9] = [
    CLASSES_TOPIC,
    ENROLMENTS_TOPIC,
    CERTIFICATES_TOPIC,
    LEADING_TALENTS_TOPIC,
    OUTCOMES_TOPIC,
    INSTITUTIONS_TOPIC,
    BRANDS_TOPIC,
    CLAIMS_TOPIC,
    RECOVERIES_TOPIC,
];

/// A rating in force changed; key = institution id.
pub fn rating(city: CityCode, c: &RatingChangeRow) -> OutboxEvent {
    let payload = RatingEvent {
        institution_id: c.institution_id,
        city,
        statistical_year: c.statistical_year,
        rating: c.rating.into(),
        previous: c.previous.map(Into::into),
        score: c.score,
        formula_version: c.formula_version,
        overridden: c.overridden,
        reason: c.reason.clone(),
        decided_at: c.decided_at,
    };
    OutboxEvent::new(
        RATINGS_TOPIC,
        RATING_CHANGED,
        c.institution_id.to_string(),
        &payload,
    )
}

/// Keeps the read models and marks the scorecards they change; drops the
/// cached dashboard figures when what they count changed.
pub struct ReadModels {
    pub cache: PublicCache,
}

#[messaging::async_trait]
impl EventHandler for ReadModels {
    async fn handle(
        &self,
        conn: &mut AsyncPgConnection,
        event: &ReceivedEvent,
    ) -> anyhow::Result<()> {
        let Some(read) = Event::read(&event.topic, &event.envelope.event_type, &event.data)? else {
            return Ok(());
        };
        match read {
            Event::Completion(e) => read_models::completion(conn, &e).await?,
            Event::Class(e) => read_models::class(conn, &e).await?,
            Event::CertificateIssued(e) | Event::CertificateRevoked(e) => {
                read_models::certificate(conn, &e).await?
            }
            Event::LeadingTalent(e) => read_models::leading_talent(conn, &e).await?,
            Event::Outcome(e) => read_models::outcome(conn, &e).await?,
            Event::Institution(e) => read_models::institution(conn, &e).await?,
            Event::Brand(e) => read_models::brand(conn, &e).await?,
            Event::Claim { decision, claim } => read_models::claim(conn, decision, &claim).await?,
            Event::Recovery(e) => read_models::recovery(conn, event.envelope.time, &e).await?,
            // Enrolments and withdrawals count for nothing here, and
            // nothing else is on the topics this consumer reads.
            _ => {}
        }
        Ok(())
    }

    /// Only the topics the figures count from drop them.
    async fn after_commit(&self, event: &ReceivedEvent) -> anyhow::Result<()> {
        if matches!(
            event.topic.as_str(),
            ENROLMENTS_TOPIC | CERTIFICATES_TOPIC | LEADING_TALENTS_TOPIC | BRANDS_TOPIC
        ) {
            self.cache.invalidate(DASHBOARD_NAMESPACE).await;
        }
        Ok(())
    }
}

/// The consumers this service runs.
pub fn consumers(cache: PublicCache) -> Vec<runtime::Consumer> {
    vec![(
        "performance-evaluation.read-models",
        CONSUMED_TOPICS.to_vec(),
        Arc::new(ReadModels { cache }),
    )]
}
