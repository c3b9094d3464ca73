//! Request and response bodies. Requests deny unknown fields.

use chrono::{DateTime, NaiveDate, Utc};
use ids::{CityCode, SkillLevel};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::catalogue::CatalogueStatus;
use crate::domain::demand::DemandChannel;
use crate::store::catalogues::{CatalogueRow, ChangeRow, EntryRow};
use crate::store::demands::{DemandAggregate, DemandRow};

/// A skill demand as submitted.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDemand {
    /// Region code of the city; must be this instance's city.
    #[schema(example = "350100", pattern = r"^350(?:[1-9]00|128)$")]
    pub city: String,
    #[schema(example = "6-29-01-01", pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: String,
    pub skill_level: SkillLevel,
    /// People needed, 1 to 100000.
    #[schema(minimum = 1, maximum = 100000)]
    pub headcount: i32,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub channel: DemandChannel,
    /// Credit code of the organisation behind the demand.
    #[schema(format = "credit-code", pattern = r"^[0-9A-HJ-NPQRTUWXY]{18}$")]
    pub submitter_org: Option<String>,
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DemandView {
    pub id: Uuid,
    pub city: String,
    #[schema(pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: String,
    pub skill_level: String,
    pub headcount: i32,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub channel: String,
    pub submitter_org: Option<String>,
    pub submitted_by: String,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<DemandRow> for DemandView {
    fn from(r: DemandRow) -> Self {
        Self {
            id: r.id,
            city: r.city,
            occupation_code: r.occupation_code,
            skill_level: r.skill_level,
            headcount: r.headcount,
            period_from: r.period_from,
            period_to: r.period_to,
            channel: r.channel,
            submitter_org: r.submitter_org,
            submitted_by: r.submitted_by,
            note: r.note,
            created_at: r.created_at,
        }
    }
}

/// Demand per occupation × level × city.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DemandSummaryRow {
    pub city: String,
    #[schema(pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: String,
    pub skill_level: String,
    pub demand_count: i64,
    pub total_headcount: i64,
    pub channels: Vec<String>,
}

impl From<DemandAggregate> for DemandSummaryRow {
    fn from(a: DemandAggregate) -> Self {
        Self {
            city: a.city,
            occupation_code: a.occupation_code,
            skill_level: a.skill_level,
            demand_count: a.demand_count,
            total_headcount: a.total_headcount,
            channels: a.channels,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCatalogue {
    #[schema(example = "350100", pattern = r"^350(?:[1-9]00|128)$")]
    pub city: String,
    #[schema(example = 2026, minimum = 2025)]
    pub year: i32,
}

/// An entry to add to a catalogue.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEntry {
    #[schema(example = "6-29-01-01", pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: String,
    /// Defaults to the name in the occupation reference list.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub occupation_name: Option<String>,
    pub skill_level: SkillLevel,
    /// 急需紧缺
    pub urgent: bool,
    /// Subsidy standard per person, in fen.
    #[schema(example = 150000, minimum = 0, maximum = 5000000)]
    pub subsidy_fen: i64,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
}

/// Changes to an entry; absent fields stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryChange {
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub occupation_name: Option<String>,
    pub urgent: Option<bool>,
    #[schema(minimum = 0, maximum = 5000000)]
    pub subsidy_fen: Option<i64>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Withdrawal {
    /// Why the entry leaves the catalogue.
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EntryView {
    pub id: Uuid,
    #[schema(pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: String,
    pub occupation_name: String,
    pub skill_level: String,
    /// The level's Chinese name, e.g. 高级工.
    pub skill_level_name: String,
    pub high_skilled: bool,
    pub urgent: bool,
    pub subsidy_fen: i64,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub withdrawn: bool,
    /// The catalogue version that last changed this entry.
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

impl From<EntryRow> for EntryView {
    fn from(e: EntryRow) -> Self {
        let level: Option<SkillLevel> = e.skill_level.parse().ok();
        Self {
            id: e.id,
            occupation_code: e.occupation_code,
            occupation_name: e.occupation_name,
            skill_level_name: level.map(|l| l.name_zh().to_owned()).unwrap_or_default(),
            high_skilled: level.is_some_and(SkillLevel::is_high_skilled),
            skill_level: e.skill_level,
            urgent: e.urgent,
            subsidy_fen: e.subsidy_fen,
            valid_from: e.valid_from,
            valid_to: e.valid_to,
            withdrawn: e.withdrawn,
            version: e.version,
            updated_at: e.updated_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CatalogueView {
    pub id: Uuid,
    pub city: String,
    pub city_name: String,
    pub year: i32,
    pub status: CatalogueStatus,
    /// 0 while a draft; 1 on publication; +1 for each later change.
    pub version: i32,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    /// Published after 30 June of its year.
    pub late: Option<bool>,
    /// Present when one catalogue is read, absent in lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entries: Option<Vec<EntryView>>,
}

impl CatalogueView {
    pub fn new(c: CatalogueRow, entries: Option<Vec<EntryRow>>) -> Self {
        Self {
            id: c.id,
            city_name: c
                .city
                .parse::<CityCode>()
                .map(|c| c.name_zh().to_owned())
                .unwrap_or_default(),
            city: c.city,
            year: c.year,
            status: CatalogueStatus::parse(&c.status).unwrap_or(CatalogueStatus::Draft),
            version: c.version,
            created_by: c.created_by,
            created_at: c.created_at,
            published_at: c.published_at,
            late: c.late,
            entries: entries.map(|rows| rows.into_iter().map(EntryView::from).collect()),
        }
    }
}

/// One line of a catalogue's history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChangeView {
    pub version: i32,
    pub actor: String,
    /// created, entry_added, entry_changed, entry_withdrawn, published
    pub action: String,
    pub entry_id: Option<Uuid>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub at: DateTime<Utc>,
}

impl From<ChangeRow> for ChangeView {
    fn from(c: ChangeRow) -> Self {
        Self {
            version: c.version,
            actor: c.actor,
            action: c.action,
            entry_id: c.entry_id,
            before: c.before,
            after: c.after,
            at: c.at,
        }
    }
}

/// The published catalogue as the public sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicCatalogue {
    pub city: String,
    pub city_name: String,
    pub year: i32,
    pub version: i32,
    pub published_at: Option<DateTime<Utc>>,
    pub late: bool,
    pub entries: Vec<PublicEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicEntry {
    #[schema(pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: String,
    pub occupation_name: String,
    pub skill_level: String,
    pub skill_level_name: String,
    pub urgent: bool,
    /// Subsidy standard per person, in fen.
    pub subsidy_fen: i64,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
}

impl From<EntryRow> for PublicEntry {
    fn from(e: EntryRow) -> Self {
        let view = EntryView::from(e);
        Self {
            occupation_code: view.occupation_code,
            occupation_name: view.occupation_name,
            skill_level: view.skill_level,
            skill_level_name: view.skill_level_name,
            urgent: view.urgent,
            subsidy_fen: view.subsidy_fen,
            valid_from: view.valid_from,
            valid_to: view.valid_to,
        }
    }
}
