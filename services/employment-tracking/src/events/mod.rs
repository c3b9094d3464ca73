//! What this service publishes, and the consumer of delivery's completions
//! and the registry's institutions (each handed to its use case).

use std::sync::Arc;

use contracts::delivery::ENROLMENTS_TOPIC;
use contracts::employment::{
    ApprenticeshipEvent, EmploymentRecordEvent, OutcomeEvent, APPRENTICESHIPS_TOPIC,
    EMPLOYED_WITHIN_WINDOW, INSURANCE_TOPIC, NOT_EMPLOYED_AT_WINDOW_END, OUTCOMES_TOPIC,
    RECORDS_TOPIC,
};
use contracts::registry::INSTITUTIONS_TOPIC;
use contracts::Event;
use diesel_async::AsyncPgConnection;
use ids::{CityCode, PersonId};
use messaging::{EventHandler, OutboxEvent, ReceivedEvent};

use crate::app::completions;
use crate::domain::evidence::{Confirmation, Source};
use crate::store::apprenticeships::ApprenticeshipRow;
use crate::store::completers::CompleterRow;
use crate::store::records::RecordRow;

/// Topics this service owns (and creates with its `topics` command).
pub const OWNED_TOPICS: [&str; 4] = [
    RECORDS_TOPIC,
    OUTCOMES_TOPIC,
    APPRENTICESHIPS_TOPIC,
    INSURANCE_TOPIC,
];

/// A record was added; key = person id.
pub fn record(city: CityCode, r: &RecordRow) -> anyhow::Result<OutboxEvent> {
    let payload = EmploymentRecordEvent {
        record_id: r.id,
        city,
        person_id: PersonId::from_stored(&r.person_id),
        employer_credit_code: r.employer_credit_code.parse()?,
        job: r.job.clone(),
        starts_on: r.starts_on,
        contract_months: r.contract_months,
        source: r.source.parse::<Source>()?.into(),
        conflicting: r.conflicting,
    };
    Ok(OutboxEvent::new(
        RECORDS_TOPIC,
        contracts::employment::RECORD_ADDED,
        r.person_id.clone(),
        &payload,
    ))
}

/// The outcome of a completer's window; key = enrolment id. `employed`
/// is what confirmed employment, `None` when the window closed without.
pub fn outcome(
    city: CityCode,
    c: &CompleterRow,
    employed: Option<&Confirmation>,
) -> anyhow::Result<OutboxEvent> {
    let payload = OutcomeEvent {
        enrolment_id: c.enrolment_id,
        class_id: c.class_id,
        institution_id: c.institution_id,
        city,
        person_id: PersonId::from_stored(&c.person_id),
        occupation_code: c.occupation_code.parse()?,
        skill_level: c.skill_level.parse()?,
        completed_on: c.completed_on,
        window_months: u32::try_from(c.window_months)?,
        employed: employed.is_some(),
        employed_on: employed.map(|e| e.employed_on),
        employer_credit_code: employed.map(|e| e.employer.parse()).transpose()?,
        source: employed.map(|e| e.source.as_str().to_owned()),
        statistical_year: c.statistical_year,
    };
    let kind = if employed.is_some() {
        EMPLOYED_WITHIN_WINDOW
    } else {
        NOT_EMPLOYED_AT_WINDOW_END
    };
    Ok(OutboxEvent::new(
        OUTCOMES_TOPIC,
        kind,
        c.enrolment_id.to_string(),
        &payload,
    ))
}

/// A recognised apprenticeship; key = apprenticeship id.
pub fn apprenticeship(city: CityCode, a: &ApprenticeshipRow) -> anyhow::Result<OutboxEvent> {
    let missing = || anyhow::anyhow!("a recognised apprenticeship has its contract");
    let payload = ApprenticeshipEvent {
        apprenticeship_id: a.id,
        city,
        person_id: PersonId::from_stored(&a.person_id),
        enterprise_credit_code: a.enterprise_credit_code.parse()?,
        occupation_code: a.occupation_code.as_deref().map(str::parse).transpose()?,
        internship_starts_on: a.internship_starts_on,
        internship_ends_on: a.internship_ends_on,
        employment_starts_on: a.employment_starts_on.ok_or_else(missing)?,
        contract_months: a.contract_months.unwrap_or(0),
        open_ended: Some(a.contract_months.is_none()),
        recognised_from: a.recognised_from.ok_or_else(missing)?,
        training_months: a.training_months.ok_or_else(missing)?,
    };
    Ok(OutboxEvent::new(
        APPRENTICESHIPS_TOPIC,
        contracts::employment::APPRENTICESHIP_RECOGNISED,
        a.id.to_string(),
        &payload,
    ))
}

/// Opens a follow-up window for every completer, and keeps the
/// institutions operators act for.
pub struct Completions {
    pub city: CityCode,
    pub window_months: u32,
}

#[messaging::async_trait]
impl EventHandler for Completions {
    async fn handle(
        &self,
        conn: &mut AsyncPgConnection,
        event: &ReceivedEvent,
    ) -> anyhow::Result<()> {
        match Event::read(&event.topic, &event.envelope.event_type, &event.data)? {
            Some(Event::Completion(e)) if e.completed => {
                completions::completed(conn, self.city, self.window_months, &e).await?
            }
            Some(Event::Institution(e)) => completions::institution_changed(conn, &e).await?,
            // Enrolments, withdrawals and non-completions open no window;
            // nothing else is on the topics this consumer reads.
            _ => {}
        }
        Ok(())
    }
}

/// The consumers this service runs.
pub fn consumers(city: CityCode, window_months: u32) -> Vec<runtime::Consumer> {
    vec![(
        "employment-tracking.completions",
        vec![ENROLMENTS_TOPIC, INSTITUTIONS_TOPIC],
        Arc::new(Completions {
            city,
            window_months,
        }),
    )]
}
