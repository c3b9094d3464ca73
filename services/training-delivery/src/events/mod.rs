//! Kafka both ways: the events this service publishes, built from what it
//! stores, and the consumer that decodes the catalogue's and the registry's
//! events and hands each to one use case (`app::read_models`).

use std::sync::Arc;

use contracts::catalog::ENTRIES_TOPIC;
use contracts::delivery::{
    ClassEvent, ClassStatus, CompletionEvent, ConflictAlert, ConflictKind, EnrolmentEvent,
    FundingRoute, ALERTS_TOPIC, CLASSES_TOPIC, CONFLICT_DETECTED, ENROLMENTS_TOPIC,
    TRAINEE_COMPLETED, TRAINEE_NOT_COMPLETED,
};
use contracts::registry::{INSTITUTIONS_TOPIC, TEACHERS_TOPIC, VENUES_TOPIC};
use contracts::Event;
use diesel_async::AsyncPgConnection;
use messaging::{EventHandler, OutboxEvent, ReceivedEvent};

use crate::app::read_models;
use crate::store::classes::ClassRow;
use crate::store::enrolments::EnrolmentRow;

/// Topics this service owns (and creates with its `topics` command).
pub const OWNED_TOPICS: [&str; 3] = [CLASSES_TOPIC, ENROLMENTS_TOPIC, ALERTS_TOPIC];

pub fn class(row: &ClassRow, event_type: &'static str) -> anyhow::Result<OutboxEvent> {
    let payload = ClassEvent {
        class_id: row.id,
        city: row.city.parse()?,
        institution_id: row.institution_id,
        occupation_code: row.occupation_code.parse()?,
        skill_level: row.skill_level.parse()?,
        year: row.year,
        capacity: row.capacity,
        funding_route: row.funding_route.parse::<FundingRoute>()?.into(),
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        status: row.status.parse::<ClassStatus>()?.into(),
    };
    Ok(OutboxEvent::new(
        CLASSES_TOPIC,
        event_type,
        row.id.to_string(),
        &payload,
    ))
}

/// What the enrolment event says of the person beyond their pseudonym, read
/// from what they gave at enrolment (the raw values stay here).
pub struct PersonFacts<'a> {
    pub citizen: &'a ids::CitizenId,
    /// The keyed lookup hash of the phone number.
    pub phone_lookup: &'a [u8],
}

/// A trainee joined (`TRAINEE_ENROLLED`, with `facts`) or left
/// (`TRAINEE_WITHDRAWN`) a roster.
pub fn enrolment(
    class: &ClassRow,
    row: &EnrolmentRow,
    kind: &'static str,
    facts: Option<PersonFacts<'_>>,
) -> anyhow::Result<OutboxEvent> {
    let enrolled_on = ids::business_date(row.enrolled_at);
    let payload = EnrolmentEvent {
        enrolment_id: row.id,
        class_id: class.id,
        institution_id: class.institution_id,
        person_id: ids::PersonId::from_stored(row.person_id.clone()),
        target_group: row.target_group.parse::<ids::TargetGroup>()?.into(),
        occupation_code: class.occupation_code.parse()?,
        skill_level: class.skill_level.parse()?,
        voucher_ref: row.voucher_ref.clone(),
        age_at_enrolment: facts.as_ref().map(|f| f.citizen.age_on(enrolled_on)),
        male: facts.as_ref().map(|f| f.citizen.is_male()),
        phone_lookup: facts.as_ref().map(|f| hex::encode(f.phone_lookup)),
        class_starts_at: Some(class.starts_at),
        class_ends_at: Some(class.ends_at),
    };
    Ok(OutboxEvent::new(
        ENROLMENTS_TOPIC,
        kind,
        class.id.to_string(),
        &payload,
    ))
}

/// A trainee's result when the class closed.
pub fn completion(
    class: &ClassRow,
    row: &EnrolmentRow,
    attended: f64,
    planned: f64,
    completed: bool,
) -> anyhow::Result<OutboxEvent> {
    let on = ids::business_date(chrono::Utc::now());
    let payload = CompletionEvent {
        enrolment_id: row.id,
        class_id: class.id,
        institution_id: class.institution_id,
        person_id: ids::PersonId::from_stored(row.person_id.clone()),
        target_group: row.target_group.parse::<ids::TargetGroup>()?.into(),
        occupation_code: class.occupation_code.parse()?,
        skill_level: class.skill_level.parse()?,
        completed,
        attended_hours: attended,
        planned_hours: planned,
        completed_on: on,
        statistical_year: ids::StatisticalYear::of(on).year(),
        catalogue_year: Some(class.year),
    };
    let kind = if completed {
        TRAINEE_COMPLETED
    } else {
        TRAINEE_NOT_COMPLETED
    };
    Ok(OutboxEvent::new(
        ENROLMENTS_TOPIC,
        kind,
        class.id.to_string(),
        &payload,
    ))
}

/// A conflict for supervision to look at.
pub fn conflict(
    class: &ClassRow,
    kind: ConflictKind,
    other_class: uuid::Uuid,
    subject: String,
) -> OutboxEvent {
    let payload = ConflictAlert {
        alert_id: uuid::Uuid::now_v7(),
        kind: kind.into(),
        class_id: class.id,
        other_class_id: other_class,
        institution_id: class.institution_id,
        subject,
        at: chrono::Utc::now(),
    };
    OutboxEvent::new(
        ALERTS_TOPIC,
        CONFLICT_DETECTED,
        class.id.to_string(),
        &payload,
    )
}

/// Keeps what filing is checked against: catalogue entries, institutions,
/// teachers and venues.
pub struct ReadModels;

#[messaging::async_trait]
impl EventHandler for ReadModels {
    async fn handle(
        &self,
        conn: &mut AsyncPgConnection,
        event: &ReceivedEvent,
    ) -> anyhow::Result<()> {
        match Event::read(&event.topic, &event.envelope.event_type, &event.data)? {
            Some(Event::CatalogueEntry(e)) => read_models::keep_catalogue_entry(conn, &e).await?,
            Some(Event::Institution(e)) => {
                read_models::keep_institution(conn, &e, event.envelope.time).await?
            }
            Some(Event::Teacher(e)) => read_models::keep_teacher(conn, &e).await?,
            Some(Event::Venue(e)) => read_models::keep_venue(conn, &e).await?,
            // Nothing else is on the topics this consumer reads.
            _ => {}
        }
        Ok(())
    }
}

/// The consumers this service runs.
pub fn consumers() -> Vec<runtime::Consumer> {
    vec![(
        "training-delivery.read-models",
        vec![
            ENTRIES_TOPIC,
            INSTITUTIONS_TOPIC,
            TEACHERS_TOPIC,
            VENUES_TOPIC,
        ],
        Arc::new(ReadModels),
    )]
}
