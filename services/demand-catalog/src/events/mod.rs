//! What this service publishes. It consumes nothing yet.

use contracts::catalog::{
    CatalogueEntryEvent, CataloguePublishedEvent, CATALOGUES_TOPIC, CATALOGUE_PUBLISHED,
    ENTRIES_TOPIC,
};
use messaging::OutboxEvent;

use crate::store::catalogues::{CatalogueRow, EntryRow};

/// Topics this service owns (and creates with its `topics` command).
pub const OWNED_TOPICS: [&str; 2] = [ENTRIES_TOPIC, CATALOGUES_TOPIC];

/// An entry's state after a change, for consumers' read models.
pub fn entry_event(
    catalogue: &CatalogueRow,
    entry: &EntryRow,
    event_type: &'static str,
) -> anyhow::Result<OutboxEvent> {
    let payload = CatalogueEntryEvent {
        entry_id: entry.id,
        catalogue_id: catalogue.id,
        city: catalogue.city.parse()?,
        year: catalogue.year,
        version: catalogue.version,
        occupation_code: entry.occupation_code.parse()?,
        occupation_name: entry.occupation_name.clone(),
        skill_level: entry.skill_level.parse()?,
        urgent: entry.urgent,
        subsidy_fen: ids::Fen::new(entry.subsidy_fen),
        valid_from: entry.valid_from,
        valid_to: entry.valid_to,
        withdrawn: entry.withdrawn,
    };
    Ok(OutboxEvent::new(
        ENTRIES_TOPIC,
        event_type,
        entry.id.to_string(),
        &payload,
    ))
}

/// A catalogue reached a new published version.
pub fn catalogue_published(
    catalogue: &CatalogueRow,
    entry_count: i64,
) -> anyhow::Result<OutboxEvent> {
    let payload = CataloguePublishedEvent {
        catalogue_id: catalogue.id,
        city: catalogue.city.parse()?,
        year: catalogue.year,
        version: catalogue.version,
        published_at: catalogue
            .published_at
            .ok_or_else(|| anyhow::anyhow!("catalogue is not published"))?,
        late: catalogue.late.unwrap_or(false),
        entry_count,
    };
    Ok(OutboxEvent::new(
        CATALOGUES_TOPIC,
        CATALOGUE_PUBLISHED,
        catalogue.id.to_string(),
        &payload,
    ))
}
