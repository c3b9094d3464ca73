//! Events of the institution registry (补贴性培训机构目录).

use chrono::NaiveDate;
use ids::{CityCode, CreditCode, OccupationCode, Rating, SkillLevel};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Open;

ids::vocabulary! {
    /// An institution's standing in the directory, as its events carry it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum InstitutionStatus: "institution_status_unknown" {
        Approved = "approved",
        Suspended = "suspended",
        Removed = "removed",
    }
}

ids::vocabulary! {
    /// 办学性质
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Nature: "nature_unknown" {
        /// 公办
        Public = "public",
        /// 民办
        Private = "private",
        /// 企业 (incl. enterprise training centres)
        Enterprise = "enterprise",
        /// 技工院校
        TechnicalSchool = "technical_school",
    }
}

ids::vocabulary! {
    /// How a teacher is employed by the institution.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Employment: "employment_unknown" {
        FullTime = "full_time",
        PartTime = "part_time",
    }
}

/// Institutions' standing; key = institution id.
pub const INSTITUTIONS_TOPIC: &str = "registry.institutions.v1";
/// Teachers of approved institutions; key = institution id.
pub const TEACHERS_TOPIC: &str = "registry.teachers.v1";
/// Venues of approved institutions; key = institution id.
pub const VENUES_TOPIC: &str = "registry.venues.v1";
/// Training brands (培训品牌); key = brand id.
pub const BRANDS_TOPIC: &str = "registry.brands.v1";

pub const INSTITUTION_APPROVED: &str = "qiancheng.registry.institution.approved.v1";
pub const INSTITUTION_SCOPE_CHANGED: &str = "qiancheng.registry.institution.scope_changed.v1";
pub const INSTITUTION_SUSPENDED: &str = "qiancheng.registry.institution.suspended.v1";
pub const INSTITUTION_REINSTATED: &str = "qiancheng.registry.institution.reinstated.v1";
pub const INSTITUTION_REMOVED: &str = "qiancheng.registry.institution.removed.v1";
/// A rating from performance evaluation was applied (a D puts it under review).
pub const INSTITUTION_RATED: &str = "qiancheng.registry.institution.rated.v1";
/// An officer reviewed a D-rated institution and lifted the restriction.
pub const INSTITUTION_REVIEWED: &str = "qiancheng.registry.institution.reviewed.v1";
pub const TEACHER_REGISTERED: &str = "qiancheng.registry.teacher.registered.v1";
pub const VENUE_REGISTERED: &str = "qiancheng.registry.venue.registered.v1";
pub const BRAND_REGISTERED: &str = "qiancheng.registry.brand.registered.v1";

/// An occupation and level an institution may train, and until when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScopeItem {
    pub occupation_code: OccupationCode,
    pub skill_level: SkillLevel,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
}

/// An institution's standing after a decision or sanction: consumers keep
/// it as their read model (may it file classes, for what).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InstitutionEvent {
    pub institution_id: Uuid,
    pub city: CityCode,
    pub credit_code: CreditCode,
    pub name: String,
    /// public, private, enterprise, technical_school
    #[schema(value_type = String)]
    pub nature: Open<Nature>,
    /// approved, suspended, removed
    #[schema(value_type = String)]
    pub status: Open<InstitutionStatus>,
    /// 高技能人才培训基地
    pub high_skill_base: bool,
    pub scope: Vec<ScopeItem>,
    /// Why it was suspended, reinstated or removed.
    pub reason: Option<String>,
    /// The latest rating (A–D) from performance evaluation, if any.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub rating: Option<Open<Rating>>,
    /// Rated D and not yet reviewed: may not add occupations or file new
    /// classes.
    #[serde(default)]
    pub under_review: bool,
}

/// An occupation and level a teacher may teach.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TeachingQualification {
    pub occupation_code: OccupationCode,
    pub skill_level: SkillLevel,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TeacherEvent {
    pub teacher_id: Uuid,
    pub institution_id: Uuid,
    pub city: CityCode,
    pub name: String,
    /// full_time, part_time
    #[schema(value_type = String)]
    pub employment: Open<Employment>,
    pub may_teach: Vec<TeachingQualification>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VenueEvent {
    pub venue_id: Uuid,
    pub institution_id: Uuid,
    pub city: CityCode,
    pub name: String,
    pub address: String,
    pub capacity: i32,
    /// Occupations its equipment serves.
    pub occupations: Vec<OccupationCode>,
}

/// A training brand registered by the bureau (policy item 7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BrandEvent {
    pub brand_id: Uuid,
    pub city: CityCode,
    pub name: String,
    pub occupation_codes: Vec<OccupationCode>,
    pub institution_ids: Vec<Uuid>,
    pub registered_on: NaiveDate,
    pub statistical_year: i32,
}
