//! What this service publishes (ratings), and the read models it keeps of
//! delivery, assessment, employment, the registry and subsidy payment.
//! Every effect is idempotent (the inbox drops repeats; rows are keyed by
//! the other service's ids) and tolerates any order of arrival.

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

use crate::domain::{counting, findings};
use crate::store::{self, CompletionRow, RatingChangeRow};

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

async fn completion(conn: &mut AsyncPgConnection, e: &CompletionEvent) -> anyhow::Result<()> {
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
    Ok(store::insert_completion(conn, &row).await?)
}

async fn claim(
    conn: &mut AsyncPgConnection,
    event_type: &str,
    e: &ClaimEvent,
) -> anyhow::Result<()> {
    match e.institution_id {
        Some(institution) if findings::claim_is_finding(event_type, &e.reasons) => Ok(
            store::insert_finding(conn, e.claim_id, institution, e.statistical_year, "claim")
                .await?,
        ),
        _ => Ok(()),
    }
}

async fn recovery(
    conn: &mut AsyncPgConnection,
    event: &ReceivedEvent,
    e: &RecoveryEvent,
) -> anyhow::Result<()> {
    match e.institution_id {
        Some(institution) if findings::recovery_is_finding(&e.cause) => {
            // A recovery names no year: it counts in the year it was ordered.
            let year = ids::StatisticalYear::of_instant(event.envelope.time).year();
            Ok(store::insert_finding(conn, e.claim_id, institution, year, "recovery").await?)
        }
        _ => Ok(()),
    }
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
                        completion(conn, &event.payload::<CompletionEvent>()?).await?
                    }
                    // Enrolments and withdrawals count for nothing here.
                }
                CLASSES_TOPIC => store::upsert_class(conn, &event.payload::<ClassEvent>()?).await?,
                CERTIFICATES_TOPIC => {
                    store::upsert_certificate(conn, &event.payload::<CertificateEvent>()?).await?
                }
                LEADING_TALENTS_TOPIC => {
                    store::insert_leading_talent(conn, &event.payload::<LeadingTalentEvent>()?)
                        .await?
                }
                OUTCOMES_TOPIC => {
                    store::insert_outcome(conn, &event.payload::<OutcomeEvent>()?).await?
                }
                INSTITUTIONS_TOPIC => {
                    store::upsert_institution(conn, &event.payload::<InstitutionEvent>()?).await?
                }
                BRANDS_TOPIC => store::upsert_brand(conn, &event.payload::<BrandEvent>()?).await?,
                CLAIMS_TOPIC => claim(conn, kind, &event.payload::<ClaimEvent>()?).await?,
                RECOVERIES_TOPIC => {
                    recovery(conn, event, &event.payload::<RecoveryEvent>()?).await?
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
                self.cache
                    .invalidate(crate::evaluation::DASHBOARD_NAMESPACE)
                    .await;
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
