//! Request and response bodies. Requests deny unknown fields.

use chrono::{DateTime, NaiveDate, Utc};
use ids::{Rating, SkillLevel};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::institution::ScopeKind;
use crate::domain::institution::{Employment, Nature, SanctionReason, SelectionMethod};
use crate::store::brands::BrandRow;
use crate::store::institutions::{Full, InstitutionRow, ScopeRow};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVenue {
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: String,
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub address: String,
    /// Trainees at once, 1 to 1000.
    #[schema(minimum = 1, maximum = 1000)]
    pub capacity: i32,
    /// Occupations its equipment serves.
    pub occupations: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Qualification {
    #[schema(pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: String,
    pub skill_level: SkillLevel,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTeacher {
    #[schema(min_length = 1, max_length = 50, pattern = r"\S")]
    pub name: String,
    pub employment: Employment,
    /// Certificates and titles, as text.
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub qualification: String,
    pub may_teach: Vec<Qualification>,
}

/// An application to be listed (条件公开、自愿申请).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({
    "credit_code": "91350100M000100Y43",
    "name": "福州市职业技能培训中心",
    "nature": "private",
    "district": "350102",
    "address": "福州市鼓楼区工业路 1 号",
    "contact_person": "林老师",
    "contact_phone": "0591-87654321",
    "high_skill_base": false,
    "venues": [{
        "name": "实训楼 A",
        "address": "福州市鼓楼区工业路 1 号 A 栋",
        "capacity": 40,
        "occupations": ["6-31-01-03", "4-10-01-05"]
    }],
    "teachers": [{
        "name": "陈师傅",
        "employment": "full_time",
        "qualification": "电工技师职业资格证书，从事电工实训教学 12 年",
        "may_teach": [{ "occupation_code": "6-31-01-03", "skill_level": "senior" }]
    }],
    "requested_scope": [
        { "occupation_code": "6-31-01-03", "skill_level": "senior" },
        { "occupation_code": "4-10-01-05", "skill_level": "junior" }
    ]
})))]
pub struct NewApplication {
    #[schema(
        example = "91350100M000100Y43",
        format = "credit-code",
        pattern = r"^[0-9A-HJ-NPQRTUWXY]{18}$"
    )]
    pub credit_code: String,
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: String,
    pub nature: Nature,
    /// District code within the city, e.g. 350102.
    #[schema(pattern = r"^35\d{4}$", example = "350102")]
    pub district: String,
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub address: String,
    #[schema(min_length = 1, max_length = 50, pattern = r"\S")]
    pub contact_person: String,
    #[schema(
        pattern = r"^(?:1[3-9]\d{9}|0\d{2}-?\d{7,8}|0\d{3}-?\d{7,8})$",
        example = "0591-87654321"
    )]
    pub contact_phone: String,
    /// A high-skill talent training base (高技能人才培训基地) is always listed.
    #[serde(default)]
    pub high_skill_base: bool,
    #[schema(min_items = 1)]
    pub venues: Vec<NewVenue>,
    #[schema(min_items = 1)]
    pub teachers: Vec<NewTeacher>,
    /// The occupations × levels it wants to train.
    pub requested_scope: Vec<Qualification>,
}

/// One occupation × level granted, with its validity.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    #[schema(pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: String,
    pub skill_level: SkillLevel,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
}

/// The bureau's approval of an application, with the scope it grants.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({
    "selection_method": "open_selection",
    "reason": "2026 年遴选通过：场地、师资符合要求",
    "scope": [
        { "occupation_code": "6-31-01-03", "skill_level": "senior", "valid_from": "2026-01-01", "valid_to": "2027-12-31" },
        { "occupation_code": "4-10-01-05", "skill_level": "junior", "valid_from": "2026-01-01", "valid_to": "2026-12-31" }
    ]
})))]
pub struct Approval {
    pub selection_method: SelectionMethod,
    #[schema(min_length = 1, max_length = 1000, pattern = r"\S")]
    pub reason: String,
    pub scope: Vec<Grant>,
}

/// The bureau's rejection of an application.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({ "reason": "实训场地面积不足，且无养老护理员专职教师" })))]
pub struct Rejection {
    #[schema(min_length = 1, max_length = 1000, pattern = r"\S")]
    pub reason: String,
}

/// A new granted scope replacing the current one.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({
    "scope": [
        { "occupation_code": "6-31-01-03", "skill_level": "senior", "valid_from": "2026-01-01", "valid_to": "2027-12-31" }
    ],
    "reason": "养老护理员实训场地改作他用，收回该项目"
})))]
pub struct ScopeChange {
    pub scope: Vec<Grant>,
    #[schema(min_length = 1, max_length = 1000, pattern = r"\S")]
    pub reason: String,
}

/// A suspension or removal, with its reason.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({
    "reason_kind": "false_advertising",
    "detail": "招生宣传中承诺“包拿证、包就业”，经核查属实"
})))]
pub struct Sanction {
    pub reason_kind: SanctionReason,
    #[schema(min_length = 1, max_length = 1000, pattern = r"\S")]
    pub detail: String,
}

/// What was corrected before a suspension is lifted.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({ "detail": "已撤回违规宣传并书面整改，复查合格" })))]
pub struct Reinstatement {
    #[schema(min_length = 1, max_length = 1000, pattern = r"\S")]
    pub detail: String,
}

/// An officer's review of a D-rated institution.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({ "note": "已完成整改：补充专职教师 2 名，教学台账齐全，复核通过" })))]
pub struct RatingReview {
    /// What was checked and why the restriction is lifted.
    #[schema(min_length = 1, max_length = 1000, pattern = r"\S")]
    pub note: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScopeView {
    #[schema(pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: String,
    pub skill_level: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

impl From<&ScopeRow> for ScopeView {
    fn from(s: &ScopeRow) -> Self {
        Self {
            occupation_code: s.occupation_code.clone(),
            skill_level: s.skill_level.clone(),
            valid_from: s.valid_from,
            valid_to: s.valid_to,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VenueView {
    pub id: Uuid,
    pub name: String,
    pub address: String,
    pub capacity: i32,
    pub occupations: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TeacherView {
    pub id: Uuid,
    pub name: String,
    pub employment: String,
    pub qualification: String,
    pub may_teach: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SanctionView {
    /// suspended, reinstated, removed
    pub action: String,
    pub reason_kind: Option<String>,
    pub detail: String,
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// An institution in lists.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({
    "id": "0f8e6c1a-3b2d-4c5e-9f7a-1b2c3d4e5f60",
    "city": "350100",
    "credit_code": "91350100M000100Y43",
    "name": "福州市职业技能培训中心",
    "nature": "private",
    "district": "350102",
    "high_skill_base": false,
    "status": "approved",
    "applied_at": "2026-02-10T02:15:00Z",
    "rating": "A",
    "under_review": false
})))]
pub struct InstitutionSummary {
    pub id: Uuid,
    pub city: String,
    #[schema(format = "credit-code", pattern = r"^[0-9A-HJ-NPQRTUWXY]{18}$")]
    pub credit_code: String,
    pub name: String,
    pub nature: String,
    pub district: String,
    pub high_skill_base: bool,
    /// pending, approved, rejected, suspended, removed
    pub status: String,
    pub applied_at: DateTime<Utc>,
    /// The latest rating from performance evaluation.
    pub rating: Option<Rating>,
    /// Rated D and not yet reviewed: no new occupations or class filings.
    pub under_review: bool,
}

impl From<&InstitutionRow> for InstitutionSummary {
    fn from(r: &InstitutionRow) -> Self {
        Self {
            id: r.id,
            city: r.city.clone(),
            credit_code: r.credit_code.clone(),
            name: r.name.clone(),
            nature: r.nature.clone(),
            district: r.district.clone(),
            high_skill_base: r.high_skill_base,
            status: r.status.clone(),
            applied_at: r.applied_at,
            rating: r.rating,
            under_review: r.under_review,
        }
    }
}

/// Everything about one institution.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({
    "id": "0f8e6c1a-3b2d-4c5e-9f7a-1b2c3d4e5f60",
    "city": "350100",
    "credit_code": "91350100M000100Y43",
    "name": "福州市职业技能培训中心",
    "nature": "private",
    "district": "350102",
    "high_skill_base": false,
    "status": "approved",
    "applied_at": "2026-02-10T02:15:00Z",
    "rating": "A",
    "under_review": false,
    "address": "福州市鼓楼区工业路 1 号",
    "contact_person": "林老师",
    "contact_phone": "0591-87654321",
    "selection_method": "open_selection",
    "decision_reason": "2026 年遴选通过：场地、师资符合要求",
    "decided_by": "officer-fz-0231",
    "decided_at": "2026-03-01T06:00:00Z",
    "venues": [{
        "id": "0192f3a4-7d8e-7f90-a1b2-c3d4e5f60718",
        "name": "实训楼 A",
        "address": "福州市鼓楼区工业路 1 号 A 栋",
        "capacity": 40,
        "occupations": ["6-31-01-03", "4-10-01-05"]
    }],
    "teachers": [{
        "id": "0192f3a4-7d8e-7f90-a1b2-c3d4e5f60719",
        "name": "陈师傅",
        "employment": "full_time",
        "qualification": "电工技师职业资格证书，从事电工实训教学 12 年",
        "may_teach": [{ "occupation_code": "6-31-01-03", "skill_level": "senior" }]
    }],
    "requested_scope": [
        { "occupation_code": "4-10-01-05", "skill_level": "junior", "valid_from": null, "valid_to": null },
        { "occupation_code": "6-31-01-03", "skill_level": "senior", "valid_from": null, "valid_to": null }
    ],
    "granted_scope": [
        { "occupation_code": "4-10-01-05", "skill_level": "junior", "valid_from": "2026-01-01", "valid_to": "2026-12-31" },
        { "occupation_code": "6-31-01-03", "skill_level": "senior", "valid_from": "2026-01-01", "valid_to": "2027-12-31" }
    ],
    "sanctions": []
})))]
pub struct InstitutionView {
    #[serde(flatten)]
    pub summary: InstitutionSummary,
    pub address: String,
    pub contact_person: String,
    pub contact_phone: String,
    pub selection_method: Option<String>,
    pub decision_reason: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub venues: Vec<VenueView>,
    pub teachers: Vec<TeacherView>,
    pub requested_scope: Vec<ScopeView>,
    pub granted_scope: Vec<ScopeView>,
    pub sanctions: Vec<SanctionView>,
}

impl From<&Full> for InstitutionView {
    fn from(f: &Full) -> Self {
        let i = &f.institution;
        let scope = |kind: ScopeKind| {
            f.scopes
                .iter()
                .filter(|s| s.kind == kind.as_str())
                .map(ScopeView::from)
                .collect()
        };
        Self {
            summary: InstitutionSummary::from(i),
            address: i.address.clone(),
            contact_person: i.contact_person.clone(),
            contact_phone: i.contact_phone.clone(),
            selection_method: i.selection_method.clone(),
            decision_reason: i.decision_reason.clone(),
            decided_by: i.decided_by.clone(),
            decided_at: i.decided_at,
            venues: f
                .venues
                .iter()
                .map(|v| VenueView {
                    id: v.id,
                    name: v.name.clone(),
                    address: v.address.clone(),
                    capacity: v.capacity,
                    occupations: v.occupations.clone(),
                })
                .collect(),
            teachers: f
                .teachers
                .iter()
                .map(|t| TeacherView {
                    id: t.id,
                    name: t.name.clone(),
                    employment: t.employment.clone(),
                    qualification: t.qualification.clone(),
                    may_teach: t.may_teach.clone(),
                })
                .collect(),
            requested_scope: scope(ScopeKind::Requested),
            granted_scope: scope(ScopeKind::Granted),
            sanctions: f
                .sanctions
                .iter()
                .map(|s| SanctionView {
                    action: s.action.clone(),
                    reason_kind: s.reason_kind.clone(),
                    detail: s.detail.clone(),
                    actor: s.actor.clone(),
                    at: s.at,
                })
                .collect(),
        }
    }
}

/// A training brand (培训品牌): "place/enterprise + occupation + 培训".
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({
    "name": "榕城电工培训",
    "occupation_codes": ["6-31-01-03"],
    "institution_ids": ["0f8e6c1a-3b2d-4c5e-9f7a-1b2c3d4e5f60"]
})))]
pub struct NewBrand {
    #[schema(
        example = "闽清电工培训",
        min_length = 2,
        max_length = 50,
        pattern = r"培训\s*$"
    )]
    pub name: String,
    #[schema(min_items = 1)]
    pub occupation_codes: Vec<String>,
    #[schema(min_items = 1)]
    pub institution_ids: Vec<Uuid>,
}

/// A registered training brand.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({
        "id": "0192f3a4-8e9f-7a01-b2c3-d4e5f6071829",
        "name": "榕城电工培训",
        "occupation_codes": ["6-31-01-03"],
        "institution_ids": ["0f8e6c1a-3b2d-4c5e-9f7a-1b2c3d4e5f60"],
        "created_by": "officer-fz-0231",
        "created_at": "2026-04-08T03:20:00Z"
    })))]
pub struct BrandView {
    pub id: Uuid,
    pub name: String,
    pub occupation_codes: Vec<String>,
    pub institution_ids: Vec<Uuid>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<BrandRow> for BrandView {
    fn from(b: BrandRow) -> Self {
        Self {
            id: b.id,
            name: b.name,
            occupation_codes: b.occupation_codes,
            institution_ids: b.institution_ids,
            created_by: b.created_by,
            created_at: b.created_at,
        }
    }
}

/// A page of the city's brands against the policy's target (at least one
/// per city).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({
    "city": "350100",
    "target": 1,
    "total": 1,
    "met": true,
    "brands": [{
        "id": "0192f3a4-8e9f-7a01-b2c3-d4e5f6071829",
        "name": "榕城电工培训",
        "occupation_codes": ["6-31-01-03"],
        "institution_ids": ["0f8e6c1a-3b2d-4c5e-9f7a-1b2c3d4e5f60"],
        "created_by": "officer-fz-0231",
        "created_at": "2026-04-08T03:20:00Z"
    }]
})))]
pub struct BrandsView {
    pub city: String,
    /// Brands the city is to build.
    pub target: i64,
    /// Brands the city has, on every page.
    pub total: i64,
    /// Whether `total` reaches `target`.
    pub met: bool,
    /// This page of them, oldest first.
    pub brands: Vec<BrandView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A training project in the public directory, with the catalogue's
/// subsidy standard when the catalogue of that year lists it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DirectoryProject {
    #[schema(pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: String,
    pub occupation_name: Option<String>,
    pub skill_level: String,
    pub subsidy_fen: Option<i64>,
}

/// The public profile of policy item 16.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({
        "name": "福州市职业技能培训中心",
        "address": "福州市鼓楼区工业路 1 号",
        "district": "350102",
        "nature": "private",
        "high_skill_base": false,
        "a_rated": true,
        "contact_person": "林老师",
        "contact_phone": "0591-87654321",
        "projects": [
            { "occupation_code": "6-31-01-03", "occupation_name": "电工", "skill_level": "senior", "subsidy_fen": 200000 }
        ]
    })))]
pub struct DirectoryEntry {
    pub name: String,
    pub address: String,
    pub district: String,
    pub nature: String,
    pub high_skill_base: bool,
    /// Rated A in the latest performance evaluation (绩效评价 A 级).
    pub a_rated: bool,
    pub contact_person: String,
    pub contact_phone: String,
    pub projects: Vec<DirectoryProject>,
}

/// A city's public directory of a year.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({
    "city": "350100",
    "city_name": "福州市",
    "year": 2026,
    "institutions": [{
        "name": "福州市职业技能培训中心",
        "address": "福州市鼓楼区工业路 1 号",
        "district": "350102",
        "nature": "private",
        "high_skill_base": false,
        "a_rated": true,
        "contact_person": "林老师",
        "contact_phone": "0591-87654321",
        "projects": [
            { "occupation_code": "6-31-01-03", "occupation_name": "电工", "skill_level": "senior", "subsidy_fen": 200000 }
        ]
    }]
})))]
pub struct Directory {
    pub city: String,
    pub city_name: String,
    pub year: i32,
    pub institutions: Vec<DirectoryEntry>,
}
