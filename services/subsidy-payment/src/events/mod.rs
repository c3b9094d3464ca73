//! What this service publishes, and what it consumes: the evidence of the
//! other stages (catalogue standards, institutions, completions,
//! certificates, employment outcomes) kept as read models, with claims
//! decided as soon as the evidence makes one due.

use std::sync::Arc;

use contracts::assessment::{
    CertificateEvent, ResultEvent, CERTIFICATES_TOPIC, CERTIFICATE_REVOKED, RESULTS_TOPIC,
};
use contracts::catalog::{CatalogueEntryEvent, ENTRIES_TOPIC};
use contracts::delivery::{
    CompletionEvent, ConflictAlert, EnrolmentEvent, ALERTS_TOPIC, ENROLMENTS_TOPIC,
    TRAINEE_COMPLETED, TRAINEE_ENROLLED, TRAINEE_NOT_COMPLETED, TRAINEE_WITHDRAWN,
};
use contracts::employment::{
    ApprenticeshipEvent, InsuredMonthsEvent, OutcomeEvent, APPRENTICESHIPS_TOPIC, INSURANCE_TOPIC,
    OUTCOMES_TOPIC,
};
use contracts::registry::{InstitutionEvent, INSTITUTIONS_TOPIC};
use contracts::subsidy::{CLAIMS_TOPIC, PAYMENTS_TOPIC, RECOVERIES_TOPIC};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Int4, Int8, Text, Timestamptz, Uuid as SqlUuid};
use diesel::upsert::excluded;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use messaging::{EventHandler, HandlerFuture, ReceivedEvent};

use crate::claims::{self, Engine};
use crate::store::schema::{
    assessment_results, certificates, class_alerts, completions, employment_outcomes,
    enrolment_facts,
};

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

/// Counts only grow: the largest seen is kept, whatever order they came in.
async fn insured(conn: &mut AsyncPgConnection, e: &InsuredMonthsEvent) -> QueryResult<()> {
    use crate::store::schema::insured_months as im;
    let months = i32::try_from(e.insured_months).unwrap_or(i32::MAX);
    diesel::insert_into(im::table)
        .values((
            im::person_id.eq(e.person_id.as_str()),
            im::months.eq(months),
            im::latest_month.eq(e.latest_month),
        ))
        .on_conflict(im::person_id)
        .do_update()
        .set((
            im::months.eq(diesel::dsl::sql::<Int4>(
                "GREATEST(insured_months.months, excluded.months)",
            )),
            im::latest_month.eq(diesel::dsl::sql::<diesel::sql_types::Date>(
                "GREATEST(insured_months.latest_month, excluded.latest_month)",
            )),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Keeps the read models and decides claims when they become due.
pub struct Evidence {
    engine: Arc<Engine>,
}

// Clamped into i32's range first, so the cast cannot truncate.
#[allow(clippy::cast_possible_truncation)]
fn seconds(hours: f64) -> i32 {
    // Hours come as decimals from delivery; whole seconds compare exactly.
    (hours * 3600.0).round().clamp(0.0, f64::from(i32::MAX)) as i32
}

async fn catalogue_entry(conn: &mut AsyncPgConnection, e: &CatalogueEntryEvent) -> QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO catalogue_entries (entry_id, city, year, occupation_code, skill_level, subsidy_fen, withdrawn, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (entry_id) DO UPDATE SET subsidy_fen = excluded.subsidy_fen,
           withdrawn = excluded.withdrawn, version = excluded.version
         WHERE catalogue_entries.version <= excluded.version",
    )
    .bind::<SqlUuid, _>(e.entry_id)
    .bind::<Text, _>(e.city.as_str())
    .bind::<Int4, _>(e.year)
    .bind::<Text, _>(e.occupation_code.as_str())
    .bind::<Text, _>(e.skill_level.as_str())
    .bind::<Int8, _>(e.subsidy_fen.get())
    .bind::<Bool, _>(e.withdrawn)
    .bind::<Int4, _>(e.version)
    .execute(conn)
    .await?;
    Ok(())
}

async fn institution(
    conn: &mut AsyncPgConnection,
    e: &InstitutionEvent,
    at: chrono::DateTime<chrono::Utc>,
) -> QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO institutions (institution_id, city, credit_code, name, status, as_of)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (institution_id) DO UPDATE SET credit_code = excluded.credit_code,
           name = excluded.name, status = excluded.status, as_of = excluded.as_of
         WHERE institutions.as_of <= excluded.as_of",
    )
    .bind::<SqlUuid, _>(e.institution_id)
    .bind::<Text, _>(e.city.as_str())
    .bind::<Text, _>(e.credit_code.as_str())
    .bind::<Text, _>(&e.name)
    .bind::<Text, _>(&e.status)
    .bind::<Timestamptz, _>(at)
    .execute(conn)
    .await?;
    Ok(())
}

async fn completion(conn: &mut AsyncPgConnection, e: &CompletionEvent) -> QueryResult<()> {
    diesel::insert_into(completions::table)
        .values((
            completions::enrolment_id.eq(e.enrolment_id),
            completions::class_id.eq(e.class_id),
            completions::institution_id.eq(e.institution_id),
            completions::person_id.eq(e.person_id.as_str()),
            completions::target_group.eq(e.target_group.as_str()),
            completions::occupation_code.eq(e.occupation_code.as_str()),
            completions::skill_level.eq(e.skill_level.as_str()),
            completions::completed.eq(e.completed),
            completions::attended_seconds.eq(seconds(e.attended_hours)),
            completions::planned_seconds.eq(seconds(e.planned_hours)),
            completions::completed_on.eq(e.completed_on),
            completions::catalogue_year.eq(e.catalogue_year),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

/// What the fraud rules need of an enrolment.
async fn enrolment_facts(
    conn: &mut AsyncPgConnection,
    e: &EnrolmentEvent,
    on: chrono::NaiveDate,
) -> QueryResult<()> {
    diesel::insert_into(enrolment_facts::table)
        .values((
            enrolment_facts::enrolment_id.eq(e.enrolment_id),
            enrolment_facts::person_id.eq(e.person_id.as_str()),
            enrolment_facts::class_id.eq(e.class_id),
            enrolment_facts::target_group.eq(e.target_group.as_str()),
            enrolment_facts::age_at_enrolment
                .eq(e.age_at_enrolment.and_then(|a| i32::try_from(a).ok())),
            enrolment_facts::male.eq(e.male),
            enrolment_facts::enrolled_on.eq(on),
            enrolment_facts::class_starts_at.eq(e.class_starts_at),
            enrolment_facts::class_ends_at.eq(e.class_ends_at),
            enrolment_facts::phone_lookup.eq(&e.phone_lookup),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

async fn withdrawn(conn: &mut AsyncPgConnection, enrolment_id: uuid::Uuid) -> QueryResult<()> {
    diesel::update(enrolment_facts::table.find(enrolment_id))
        .set(enrolment_facts::withdrawn.eq(true))
        .execute(conn)
        .await
        .map(|_| ())
}

async fn alert(conn: &mut AsyncPgConnection, e: &ConflictAlert) -> QueryResult<()> {
    diesel::insert_into(class_alerts::table)
        .values((
            class_alerts::alert_id.eq(e.alert_id),
            class_alerts::kind.eq(&e.kind),
            class_alerts::class_id.eq(e.class_id),
            class_alerts::other_class_id.eq(e.other_class_id),
            class_alerts::at.eq(e.at),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

async fn result(conn: &mut AsyncPgConnection, e: &ResultEvent) -> QueryResult<()> {
    diesel::insert_into(assessment_results::table)
        .values((
            assessment_results::result_id.eq(e.result_id),
            assessment_results::body_id.eq(e.body_id),
            assessment_results::passed.eq(e.passed),
            assessment_results::assessed_on.eq(e.assessed_on),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

async fn certificate(conn: &mut AsyncPgConnection, e: &CertificateEvent) -> QueryResult<()> {
    let revoked = e.status == "revoked";
    diesel::insert_into(certificates::table)
        .values((
            certificates::certificate_id.eq(e.certificate_id),
            certificates::certificate_no.eq(&e.certificate_no),
            certificates::person_id.eq(e.person_id.as_str()),
            certificates::occupation_code.eq(e.occupation_code.as_str()),
            certificates::skill_level.eq(e.skill_level.as_str()),
            certificates::issued_on.eq(e.issued_on),
            certificates::revoked.eq(revoked),
            certificates::revoked_on.eq(e.revoked_on),
            certificates::revoked_reason.eq(&e.revoked_reason),
            certificates::body_id.eq(e.body_id),
        ))
        .on_conflict(certificates::certificate_id)
        .do_update()
        // A revoked certificate never becomes valid again, whatever order a
        // replay brings the events in.
        .set((
            certificates::revoked.eq(certificates::revoked.or(excluded(certificates::revoked))),
            certificates::revoked_on.eq(diesel::dsl::sql::<
                diesel::sql_types::Nullable<diesel::sql_types::Date>,
            >(
                "coalesce(certificates.revoked_on, excluded.revoked_on)"
            )),
            certificates::revoked_reason.eq(diesel::dsl::sql::<
                diesel::sql_types::Nullable<diesel::sql_types::Text>,
            >(
                "coalesce(certificates.revoked_reason, excluded.revoked_reason)",
            )),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

async fn outcome(conn: &mut AsyncPgConnection, e: &OutcomeEvent) -> QueryResult<()> {
    diesel::insert_into(employment_outcomes::table)
        .values((
            employment_outcomes::enrolment_id.eq(e.enrolment_id),
            employment_outcomes::person_id.eq(e.person_id.as_str()),
            employment_outcomes::employed.eq(e.employed),
            employment_outcomes::employed_on.eq(e.employed_on),
            employment_outcomes::window_months.eq(i32::try_from(e.window_months).unwrap_or(0)),
        ))
        .on_conflict(employment_outcomes::enrolment_id)
        .do_update()
        .set((
            employment_outcomes::employed.eq(excluded(employment_outcomes::employed)),
            employment_outcomes::employed_on.eq(excluded(employment_outcomes::employed_on)),
        ))
        .execute(conn)
        .await?;
    Ok(())
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
                    let e: CatalogueEntryEvent = event.payload()?;
                    catalogue_entry(conn, &e).await?;
                    claims::standard_arrived(
                        conn,
                        engine,
                        e.occupation_code.as_str(),
                        e.skill_level.as_str(),
                    )
                    .await?
                }
                (INSTITUTIONS_TOPIC, _) => {
                    let e: InstitutionEvent = event.payload()?;
                    institution(conn, &e, event.envelope.time).await?
                }
                (ENROLMENTS_TOPIC, TRAINEE_COMPLETED | TRAINEE_NOT_COMPLETED) => {
                    let e: CompletionEvent = event.payload()?;
                    // A group this version does not know is never decided
                    // as another: the event waits on the dead-letter topic.
                    e.target_group.known()?;
                    completion(conn, &e).await?;
                    claims::training_due(
                        conn,
                        engine,
                        e.person_id.as_str(),
                        e.occupation_code.as_str(),
                        e.skill_level.as_str(),
                    )
                    .await?;
                    claims::employment_reward_due(conn, engine, e.enrolment_id).await?
                }
                (ENROLMENTS_TOPIC, TRAINEE_WITHDRAWN) => {
                    let e: EnrolmentEvent = event.payload()?;
                    withdrawn(conn, e.enrolment_id).await?
                }
                (ALERTS_TOPIC, _) => {
                    let e: ConflictAlert = event.payload()?;
                    alert(conn, &e).await?
                }
                (RESULTS_TOPIC, _) => {
                    let e: ResultEvent = event.payload()?;
                    result(conn, &e).await?
                }
                (ENROLMENTS_TOPIC, TRAINEE_ENROLLED) => {
                    let e: EnrolmentEvent = event.payload()?;
                    let on = ids::business_date(event.envelope.time);
                    enrolment_facts(conn, &e, on).await?;
                    if let Some(reference) = &e.voucher_ref {
                        let r = crate::domain::voucher::Redemption {
                            person: &e.person_id,
                            enrolment_id: e.enrolment_id,
                            occupation: &e.occupation_code,
                            // Delivery takes voucher references only for
                            // classes funded by vouchers.
                            class_accepts_vouchers: true,
                            on,
                        };
                        if let Err(refused) =
                            crate::vouchers::redeem_for_enrolment(conn, reference, &r).await?
                        {
                            tracing::warn!(
                                enrolment = %e.enrolment_id,
                                code = refused.code(),
                                "voucher not redeemed"
                            );
                        }
                    }
                }
                (CERTIFICATES_TOPIC, kind) => {
                    let e: CertificateEvent = event.payload()?;
                    certificate(conn, &e).await?;
                    let (person, occ, level) = (
                        e.person_id.as_str(),
                        e.occupation_code.as_str(),
                        e.skill_level.as_str(),
                    );
                    if kind == CERTIFICATE_REVOKED || e.status == "revoked" {
                        let reason = e
                            .revoked_reason
                            .clone()
                            .unwrap_or_else(|| "certificate revoked".to_owned());
                        claims::certificate_revoked(
                            conn,
                            engine,
                            person,
                            occ,
                            level,
                            e.revoked_on,
                            &reason,
                        )
                        .await?
                    } else {
                        claims::training_due(conn, engine, person, occ, level).await?
                    }
                }
                (OUTCOMES_TOPIC, _) => {
                    let e: OutcomeEvent = event.payload()?;
                    outcome(conn, &e).await?;
                    if e.employed {
                        claims::employment_reward_due(conn, engine, e.enrolment_id).await?
                    }
                }
                (APPRENTICESHIPS_TOPIC, _) => {
                    let e: ApprenticeshipEvent = event.payload()?;
                    claims::apprenticeship_due(conn, engine, &e).await?
                }
                (INSURANCE_TOPIC, _) => {
                    let e: InsuredMonthsEvent = event.payload()?;
                    insured(conn, &e).await?;
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
