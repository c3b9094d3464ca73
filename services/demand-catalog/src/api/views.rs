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
#[schema(examples(json!({
    "city": "350100",
    "occupation_code": "4-10-01-05",
    "skill_level": "junior",
    "headcount": 40,
    "period_from": "2026-03-01",
    "period_to": "2026-12-31",
    "channel": "enterprise",
    "submitter_org": "91350100M000100Y43",
    "note": "新院区开业，需养老护理员（初级）40 名"
})))]
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

/// A skill demand as recorded.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({
    "id": "0192f3a4-5b6c-7d8e-9f01-23456789abcd",
    "city": "350100",
    "occupation_code": "4-10-01-05",
    "skill_level": "junior",
    "headcount": 40,
    "period_from": "2026-03-01",
    "period_to": "2026-12-31",
    "channel": "enterprise",
    "submitter_org": "91350100M000100Y43",
    "submitted_by": "enterprise-91350100M000100Y43",
    "note": "新院区开业，需养老护理员（初级）40 名",
    "created_at": "2026-02-10T02:15:00Z"
})))]
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
#[schema(examples(json!({
    "city": "350100",
    "occupation_code": "6-31-01-03",
    "skill_level": "senior",
    "demand_count": 3,
    "total_headcount": 75,
    "channels": ["enterprise", "gig_market", "trade_union"]
})))]
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

/// The city and year of a new draft catalogue.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({ "city": "350100", "year": 2026 })))]
pub struct NewCatalogue {
    #[schema(example = "350100", pattern = r"^350(?:[1-9]00|128)$")]
    pub city: String,
    #[schema(example = 2026, minimum = 2025)]
    pub year: i32,
}

/// An entry to add to a catalogue.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({
    "occupation_code": "4-10-01-05",
    "occupation_name": "养老护理员",
    "skill_level": "junior",
    "urgent": true,
    "subsidy_fen": 150000,
    "valid_from": "2026-01-01",
    "valid_to": "2026-12-31"
})))]
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
#[schema(examples(json!({ "subsidy_fen": 180000, "valid_to": "2026-11-30" })))]
pub struct EntryChange {
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub occupation_name: Option<String>,
    pub urgent: Option<bool>,
    #[schema(minimum = 0, maximum = 5000000)]
    pub subsidy_fen: Option<i64>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

/// Why an entry leaves the catalogue.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({ "reason": "本市该工种用工需求已饱和，年中调整退出目录" })))]
pub struct Withdrawal {
    /// Why the entry leaves the catalogue.
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: String,
}

/// An entry of a catalogue, as it now stands.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({
    "id": "0192f3a4-6c7d-7e8f-9a01-23456789abce",
    "occupation_code": "4-10-01-05",
    "occupation_name": "养老护理员",
    "skill_level": "junior",
    "skill_level_name": "初级工",
    "high_skilled": false,
    "urgent": true,
    "subsidy_fen": 150000,
    "valid_from": "2026-01-01",
    "valid_to": "2026-12-31",
    "withdrawn": false,
    "version": 0,
    "updated_at": "2026-03-02T01:30:00Z"
})))]
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

/// A city's guidance catalogue of a year.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({
    "id": "0f8e6c1a-3b2d-4c5e-9f7a-1b2c3d4e5f61",
    "city": "350100",
    "city_name": "福州市",
    "year": 2027,
    "status": "draft",
    "version": 0,
    "created_by": "officer-fz-0231",
    "created_at": "2026-11-20T01:00:00Z",
    "published_at": null,
    "late": null
}), json!({
    "id": "0f8e6c1a-3b2d-4c5e-9f7a-1b2c3d4e5f60",
    "city": "350100",
    "city_name": "福州市",
    "year": 2026,
    "status": "published",
    "version": 1,
    "created_by": "officer-fz-0231",
    "created_at": "2026-03-01T01:00:00Z",
    "published_at": "2026-06-20T02:00:00Z",
    "late": false,
    "entries": [{
        "id": "0192f3a4-6c7d-7e8f-9a01-23456789abce",
        "occupation_code": "4-10-01-05",
        "occupation_name": "养老护理员",
        "skill_level": "junior",
        "skill_level_name": "初级工",
        "high_skilled": false,
        "urgent": true,
        "subsidy_fen": 150000,
        "valid_from": "2026-01-01",
        "valid_to": "2026-12-31",
        "withdrawn": false,
        "version": 0,
        "updated_at": "2026-03-02T01:30:00Z"
    }]
})))]
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
#[schema(examples(json!({
    "version": 2,
    "actor": "officer-fz-0231",
    "action": "entry_changed",
    "entry_id": "0192f3a4-6c7d-7e8f-9a01-23456789abce",
    "before": {
        "id": "0192f3a4-6c7d-7e8f-9a01-23456789abce",
        "catalogue_id": "0f8e6c1a-3b2d-4c5e-9f7a-1b2c3d4e5f60",
        "occupation_code": "4-10-01-05",
        "occupation_name": "养老护理员",
        "skill_level": "junior",
        "urgent": true,
        "subsidy_fen": 150000,
        "valid_from": "2026-01-01",
        "valid_to": "2026-12-31",
        "withdrawn": false,
        "version": 0,
        "updated_at": "2026-03-02T01:30:00Z"
    },
    "after": {
        "id": "0192f3a4-6c7d-7e8f-9a01-23456789abce",
        "catalogue_id": "0f8e6c1a-3b2d-4c5e-9f7a-1b2c3d4e5f60",
        "occupation_code": "4-10-01-05",
        "occupation_name": "养老护理员",
        "skill_level": "junior",
        "urgent": true,
        "subsidy_fen": 180000,
        "valid_from": "2026-01-01",
        "valid_to": "2026-12-31",
        "withdrawn": false,
        "version": 2,
        "updated_at": "2026-08-12T07:45:00Z"
    },
    "at": "2026-08-12T07:45:00Z"
})))]
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
#[schema(examples(json!({
    "city": "350100",
    "city_name": "福州市",
    "year": 2026,
    "version": 3,
    "published_at": "2026-06-20T02:00:00Z",
    "late": false,
    "entries": [{
        "occupation_code": "4-10-01-05",
        "occupation_name": "养老护理员",
        "skill_level": "junior",
        "skill_level_name": "初级工",
        "urgent": true,
        "subsidy_fen": 150000,
        "valid_from": "2026-01-01",
        "valid_to": "2026-12-31"
    }]
})))]
pub struct PublicCatalogue {
    pub city: String,
    pub city_name: String,
    pub year: i32,
    pub version: i32,
    pub published_at: Option<DateTime<Utc>>,
    pub late: bool,
    pub entries: Vec<PublicEntry>,
}

/// An active entry of a published catalogue.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({
    "occupation_code": "6-31-01-03",
    "occupation_name": "电工",
    "skill_level": "senior",
    "skill_level_name": "高级工",
    "urgent": false,
    "subsidy_fen": 200000,
    "valid_from": "2026-01-01",
    "valid_to": "2026-12-31"
})))]
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
