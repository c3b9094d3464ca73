//! What this service publishes, and what it keeps of delivery's completions
//! and the registry's institutions.

use std::sync::Arc;

use anyhow::Context as _;
use chrono::Utc;
use contracts::delivery::{CompletionEvent, ENROLMENTS_TOPIC, TRAINEE_COMPLETED};
use contracts::employment::{
    ApprenticeshipEvent, EmploymentRecordEvent, OutcomeEvent, APPRENTICESHIPS_TOPIC,
    EMPLOYED_WITHIN_WINDOW, INSURANCE_TOPIC, NOT_EMPLOYED_AT_WINDOW_END, OUTCOMES_TOPIC,
    RECORDS_TOPIC,
};
use contracts::registry::{InstitutionEvent, INSTITUTIONS_TOPIC};
use diesel_async::AsyncPgConnection;
use ids::{CityCode, PersonId};
use messaging::{EventHandler, HandlerFuture, OutboxEvent, ReceivedEvent};

use crate::domain::evidence::Confirmation;
use crate::domain::window::window_end;
use crate::store::{self, ApprenticeshipRow, CompleterRow, RecordRow};
use crate::tracking;

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
        source: r.source.clone(),
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

/// Opens a follow-up window for every completer, then looks at the
/// evidence already known of them (contributions may arrive first).
pub struct Completions {
    pub city: CityCode,
    pub window_months: u32,
}

impl Completions {
    async fn completed(
        &self,
        conn: &mut AsyncPgConnection,
        e: &CompletionEvent,
    ) -> anyhow::Result<()> {
        if !e.completed {
            return Ok(());
        }
        let row = CompleterRow {
            enrolment_id: e.enrolment_id,
            class_id: e.class_id,
            institution_id: e.institution_id,
            person_id: e.person_id.to_string(),
            target_group: e.target_group.as_str().to_owned(),
            occupation_code: e.occupation_code.to_string(),
            skill_level: e.skill_level.to_string(),
            completed_on: e.completed_on,
            statistical_year: e.statistical_year,
            window_months: self.window_months as i32,
            window_ends_on: window_end(e.completed_on, self.window_months),
            outcome: None,
            employed_on: None,
            employer_credit_code: None,
            outcome_source: None,
            decided_at: None,
            received_at: Utc::now(),
        };
        if store::insert_completer(conn, &row).await? {
            let events = tracking::reassess(conn, self.city, &[row.person_id]).await?;
            messaging::enqueue(conn, &events).await?;
        }
        Ok(())
    }
}

impl EventHandler for Completions {
    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a ReceivedEvent,
    ) -> HandlerFuture<'a> {
        Box::pin(async move {
            match (event.topic.as_str(), event.envelope.event_type.as_str()) {
                (ENROLMENTS_TOPIC, TRAINEE_COMPLETED) => {
                    self.completed(conn, &event.payload::<CompletionEvent>()?)
                        .await?
                }
                // Enrolments, withdrawals and non-completions open no window.
                (ENROLMENTS_TOPIC, _) => {}
                (INSTITUTIONS_TOPIC, _) => {
                    store::upsert_institution(conn, &event.payload::<InstitutionEvent>()?).await?
                }
                (other, _) => {
                    return Err(anyhow::anyhow!("no handler for topic {other}"))
                        .context("unexpected topic")
                }
            }
            Ok(())
        })
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
