//! Events of the demand catalogue (需求指导目录).

use chrono::{DateTime, NaiveDate, Utc};
use ids::{CityCode, Fen, OccupationCode, SkillLevel};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Entries of published catalogues; key = entry id.
pub const ENTRIES_TOPIC: &str = "catalog.entries.v1";
/// Catalogue publications; key = catalogue id.
pub const CATALOGUES_TOPIC: &str = "catalog.catalogues.v1";

pub const ENTRY_PUBLISHED: &str = "qiancheng.catalog.entry.published.v1";
pub const ENTRY_CHANGED: &str = "qiancheng.catalog.entry.changed.v1";
pub const ENTRY_WITHDRAWN: &str = "qiancheng.catalog.entry.withdrawn.v1";
pub const CATALOGUE_PUBLISHED: &str = "qiancheng.catalog.catalogue.published.v1";

/// The state of a catalogue entry after it was published, changed or
/// withdrawn: consumers keep it as their read model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CatalogueEntryEvent {
    pub entry_id: Uuid,
    pub catalogue_id: Uuid,
    pub city: CityCode,
    /// The catalogue's year.
    pub year: i32,
    /// The catalogue version this state belongs to.
    pub version: i32,
    pub occupation_code: OccupationCode,
    pub occupation_name: String,
    pub skill_level: SkillLevel,
    /// 急需紧缺
    pub urgent: bool,
    /// Subsidy standard per person, in fen.
    pub subsidy_fen: Fen,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub withdrawn: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CataloguePublishedEvent {
    pub catalogue_id: Uuid,
    pub city: CityCode,
    pub year: i32,
    pub version: i32,
    pub published_at: DateTime<Utc>,
    /// Published after 30 June of its year.
    pub late: bool,
    pub entry_count: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_event_has_a_stable_wire_shape() {
        let json = serde_json::json!({
            "entry_id": "0194f1a2-0000-7000-8000-000000000001",
            "catalogue_id": "0194f1a2-0000-7000-8000-000000000002",
            "city": "350100",
            "year": 2026,
            "version": 2,
            "occupation_code": "6-29-01-01",
            "occupation_name": "电工",
            "skill_level": "senior",
            "urgent": true,
            "subsidy_fen": 150000,
            "valid_from": "2026-01-01",
            "valid_to": "2026-12-31",
            "withdrawn": false
        });
        let event: CatalogueEntryEvent = serde_json::from_value(json.clone()).expect("reads");
        assert_eq!(event.skill_level, SkillLevel::Senior);
        assert_eq!(serde_json::to_value(&event).expect("writes"), json);
    }
}
