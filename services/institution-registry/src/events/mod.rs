//! Kafka both ways: the events this service publishes, built from what it
//! stores, and the consumers that decode what others publish (catalogue
//! entries, ratings) and hand each event to one use case (`app/`).

use std::sync::Arc;

use anyhow::Context as _;
use contracts::catalog::{CatalogueEntryEvent, ENTRIES_TOPIC};
use contracts::evaluation::{RatingEvent, RATINGS_TOPIC};
use contracts::registry::{
    BrandEvent, InstitutionEvent, ScopeItem, TeacherEvent, TeachingQualification, VenueEvent,
    BRANDS_TOPIC, BRAND_REGISTERED, INSTITUTIONS_TOPIC, TEACHERS_TOPIC, TEACHER_REGISTERED,
    VENUES_TOPIC, VENUE_REGISTERED,
};
use diesel_async::AsyncPgConnection;
use messaging::{EventHandler, OutboxEvent, ReceivedEvent};
use platform::public::PublicCache;

use crate::app;
use crate::domain::institution::ScopeKind;
use crate::store::brands::BrandRow;
use crate::store::institutions::Full;

/// Topics this service owns (and creates with its `topics` command).
pub const OWNED_TOPICS: [&str; 4] = [
    INSTITUTIONS_TOPIC,
    TEACHERS_TOPIC,
    VENUES_TOPIC,
    BRANDS_TOPIC,
];

fn granted_scope(full: &Full) -> anyhow::Result<Vec<ScopeItem>> {
    full.scopes
        .iter()
        .filter(|s| s.kind == ScopeKind::Granted.as_str())
        .map(|s| {
            Ok(ScopeItem {
                occupation_code: s.occupation_code.parse()?,
                skill_level: s.skill_level.parse()?,
                valid_from: s.valid_from.context("granted scope has a start")?,
                valid_to: s.valid_to.context("granted scope has an end")?,
            })
        })
        .collect()
}

/// The institution's standing after a decision or sanction.
pub fn institution(
    full: &Full,
    event_type: &'static str,
    reason: Option<String>,
) -> anyhow::Result<OutboxEvent> {
    let i = &full.institution;
    let payload = InstitutionEvent {
        institution_id: i.id,
        city: i.city.parse()?,
        credit_code: i.credit_code.parse()?,
        name: i.name.clone(),
        nature: i.nature.as_str().into(),
        status: i.status.as_str().into(),
        high_skill_base: i.high_skill_base,
        scope: granted_scope(full)?,
        reason,
        rating: i.rating.map(Into::into),
        under_review: i.under_review,
    };
    Ok(OutboxEvent::new(
        INSTITUTIONS_TOPIC,
        event_type,
        i.id.to_string(),
        &payload,
    ))
}

/// On approval: the institution's teachers and venues, for delivery's read models.
pub fn staff_and_venues(full: &Full) -> anyhow::Result<Vec<OutboxEvent>> {
    let city: ids::CityCode = full.institution.city.parse()?;
    let key = full.institution.id.to_string();
    let mut out = Vec::new();
    for t in &full.teachers {
        let may_teach: Vec<TeachingQualification> = serde_json::from_value(t.may_teach.clone())?;
        let payload = TeacherEvent {
            teacher_id: t.id,
            institution_id: t.institution_id,
            city,
            name: t.name.clone(),
            employment: t.employment.as_str().into(),
            may_teach,
        };
        out.push(OutboxEvent::new(
            TEACHERS_TOPIC,
            TEACHER_REGISTERED,
            key.clone(),
            &payload,
        ));
    }
    for v in &full.venues {
        let payload = VenueEvent {
            venue_id: v.id,
            institution_id: v.institution_id,
            city,
            name: v.name.clone(),
            address: v.address.clone(),
            capacity: v.capacity,
            occupations: v
                .occupations
                .iter()
                .map(|o| o.parse())
                .collect::<Result<_, _>>()?,
        };
        out.push(OutboxEvent::new(
            VENUES_TOPIC,
            VENUE_REGISTERED,
            key.clone(),
            &payload,
        ));
    }
    Ok(out)
}

/// A registered training brand, for the programme's targets.
pub fn brand(row: &BrandRow) -> anyhow::Result<OutboxEvent> {
    let registered_on = ids::business_date(row.created_at);
    let payload = BrandEvent {
        brand_id: row.id,
        city: row.city.parse()?,
        name: row.name.clone(),
        occupation_codes: row
            .occupation_codes
            .iter()
            .map(|o| o.parse())
            .collect::<Result<_, _>>()?,
        institution_ids: row.institution_ids.clone(),
        registered_on,
        statistical_year: ids::StatisticalYear::of(registered_on).year(),
    };
    Ok(OutboxEvent::new(
        BRANDS_TOPIC,
        BRAND_REGISTERED,
        row.id.to_string(),
        &payload,
    ))
}

/// Applies performance evaluation's ratings: a D puts the institution under
/// review, which delivery learns from the institution event published here.
pub struct Ratings {
    pub cache: PublicCache,
}

#[messaging::async_trait]
impl EventHandler for Ratings {
    async fn handle(
        &self,
        conn: &mut AsyncPgConnection,
        event: &ReceivedEvent,
    ) -> anyhow::Result<()> {
        let e: RatingEvent = event.payload().context("a rating event")?;
        Ok(app::ratings::record(conn, &e).await?)
    }

    /// The directory marks A-rated institutions: drop its cached answers.
    async fn after_commit(&self, event: &ReceivedEvent) -> anyhow::Result<()> {
        let e: RatingEvent = event.payload()?;
        self.cache
            .invalidate(&crate::api::directory_namespace(e.city.as_str()))
            .await;
        Ok(())
    }
}

/// Keeps the catalogue's entries (for the directory's subsidy standards).
pub struct CatalogueEntries {
    pub cache: PublicCache,
}

#[messaging::async_trait]
impl EventHandler for CatalogueEntries {
    async fn handle(
        &self,
        conn: &mut AsyncPgConnection,
        event: &ReceivedEvent,
    ) -> anyhow::Result<()> {
        let e: CatalogueEntryEvent = event.payload().context("a catalogue entry event")?;
        Ok(app::catalogue::keep_entry(conn, e).await?)
    }

    /// The directory shows subsidy standards: drop its cached answers.
    async fn after_commit(&self, event: &ReceivedEvent) -> anyhow::Result<()> {
        let e: CatalogueEntryEvent = event.payload()?;
        self.cache
            .invalidate(&crate::api::directory_namespace(e.city.as_str()))
            .await;
        Ok(())
    }
}

/// The consumers this service runs.
pub fn consumers(cache: PublicCache) -> Vec<runtime::Consumer> {
    vec![
        (
            "institution-registry.catalogue",
            vec![ENTRIES_TOPIC],
            Arc::new(CatalogueEntries {
                cache: cache.clone(),
            }),
        ),
        (
            "institution-registry.ratings",
            vec![RATINGS_TOPIC],
            Arc::new(Ratings { cache }),
        ),
    ]
}
