//! What this service publishes (ratings), and the consumer of what
//! delivery, assessment, employment, the registry and subsidy payment
//! publish: each event is decoded and handed to its use case
//! (`app::read_models`). The inbox drops repeats.

use std::sync::Arc;

use anyhow::Context as _;
use contracts::assessment::{
    CertificateEvent, LeadingTalentEvent, CERTIFICATES_TOPIC, LEADING_TALENTS_TOPIC,
};
use contracts::delivery::{
    ClassEvent, CompletionEvent, CLASSES_TOPIC, ENROLMENTS_TOPIC, TRAINEE_COMPLETED,
    TRAINEE_NOT_COMPLETED,
};
use contracts::employment::{OutcomeEvent, OUTCOMES_TOPIC};
use contracts::evaluation::{RatingEvent, RATINGS_TOPIC, RATING_CHANGED};
use contracts::registry::{BrandEvent, InstitutionEvent, BRANDS_TOPIC, INSTITUTIONS_TOPIC};
use contracts::subsidy::{ClaimEvent, RecoveryEvent, CLAIMS_TOPIC, RECOVERIES_TOPIC};
use diesel_async::AsyncPgConnection;
use ids::CityCode;
use messaging::{EventHandler, HandlerFuture, OutboxEvent, ReceivedEvent};
use platform::public::PublicCache;

use crate::app::dashboard::DASHBOARD_NAMESPACE;
use crate::app::read_models;
use crate::store::RatingChangeRow;

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
pub fn rating(city: CityCode, c: &RatingChangeRow) -> anyhow::Result<OutboxEvent> {
    let payload = RatingEvent {
        institution_id: c.institution_id,
        city,
        statistical_year: c.statistical_year,
        rating: c.rating.parse::<ids::Rating>()?.into(),
        previous: c
            .previous
            .as_deref()
            .map(str::parse::<ids::Rating>)
            .transpose()?
            .map(Into::into),
        score: c.score,
        formula_version: c.formula_version,
        overridden: c.overridden,
        reason: c.reason.clone(),
        decided_at: c.decided_at,
    };
    Ok(OutboxEvent::new(
        RATINGS_TOPIC,
        RATING_CHANGED,
        c.institution_id.to_string(),
        &payload,
    ))
}

/// Keeps the read models and marks the scorecards they change; drops the
/// cached dashboard figures when what they count changed.
pub struct ReadModels {
    pub cache: PublicCache,
}

impl EventHandler for ReadModels {
    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a ReceivedEvent,
    ) -> HandlerFuture<'a> {
        Box::pin(async move {
            let kind = event.envelope.event_type.as_str();
            match event.topic.as_str() {
                ENROLMENTS_TOPIC => {
                    if matches!(kind, TRAINEE_COMPLETED | TRAINEE_NOT_COMPLETED) {
                        read_models::completion(conn, &event.payload::<CompletionEvent>()?).await?
                    }
                    // Enrolments and withdrawals count for nothing here.
                }
                CLASSES_TOPIC => read_models::class(conn, &event.payload::<ClassEvent>()?).await?,
                CERTIFICATES_TOPIC => {
                    read_models::certificate(conn, &event.payload::<CertificateEvent>()?).await?
                }
                LEADING_TALENTS_TOPIC => {
                    let e = event.payload::<LeadingTalentEvent>()?;
                    read_models::leading_talent(conn, &e).await?
                }
                OUTCOMES_TOPIC => {
                    read_models::outcome(conn, &event.payload::<OutcomeEvent>()?).await?
                }
                INSTITUTIONS_TOPIC => {
                    read_models::institution(conn, &event.payload::<InstitutionEvent>()?).await?
                }
                BRANDS_TOPIC => read_models::brand(conn, &event.payload::<BrandEvent>()?).await?,
                CLAIMS_TOPIC => {
                    read_models::claim(conn, kind, &event.payload::<ClaimEvent>()?).await?
                }
                RECOVERIES_TOPIC => {
                    let e = event.payload::<RecoveryEvent>()?;
                    read_models::recovery(conn, event.envelope.time, &e).await?
                }
                other => {
                    return Err(anyhow::anyhow!("no handler for topic {other}"))
                        .context("unexpected topic")
                }
            }
            Ok(())
        })
    }

    /// Only the topics the figures count from drop them.
    fn after_commit<'a>(&'a self, event: &'a ReceivedEvent) -> HandlerFuture<'a> {
        Box::pin(async move {
            if matches!(
                event.topic.as_str(),
                ENROLMENTS_TOPIC | CERTIFICATES_TOPIC | LEADING_TALENTS_TOPIC | BRANDS_TOPIC
            ) {
                self.cache.invalidate(DASHBOARD_NAMESPACE).await;
            }
            Ok(())
        })
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
