//! Events as their producers publish them, for tests that play the
//! producer of what a service consumes.

use contracts::catalog::{CatalogueEntryEvent, ENTRIES_TOPIC, ENTRY_PUBLISHED};
use ids::{CityCode, Fen, OccupationCode, SkillLevel, StatisticalYear};
use messaging::OutboxEvent;
use uuid::Uuid;

/// What a published catalogue entry (目录条目) lists.
#[derive(Debug, Clone)]
pub struct Listed<'a> {
    pub occupation: OccupationCode,
    pub name: &'a str,
    pub level: SkillLevel,
    /// The subsidy standard per person.
    pub subsidy: Fen,
}

/// The entry of catalogue `catalogue_id` of `city` for `year` as
/// demand-catalog publishes it: version 1, valid the whole statistical
/// year, not urgent, not withdrawn.
pub fn published_entry(
    city: CityCode,
    year: StatisticalYear,
    catalogue_id: Uuid,
    listed: Listed<'_>,
) -> OutboxEvent {
    let entry = CatalogueEntryEvent {
        entry_id: Uuid::now_v7(),
        catalogue_id,
        city,
        year: year.year(),
        version: 1,
        occupation_code: listed.occupation,
        occupation_name: listed.name.to_owned(),
        skill_level: listed.level,
        urgent: false,
        subsidy_fen: listed.subsidy,
        valid_from: year.first_day(),
        valid_to: year.last_day(),
        withdrawn: false,
    };
    OutboxEvent::new(
        ENTRIES_TOPIC,
        ENTRY_PUBLISHED,
        entry.entry_id.to_string(),
        &entry,
    )
}
