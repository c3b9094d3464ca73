//! Events of employment tracking (就业跟踪): employment records, outcomes of
//! the follow-up windows after training, and recognised new-style
//! apprenticeships (新型学徒制). People appear only by `person_id`.

use chrono::NaiveDate;
use ids::{CityCode, CreditCode, OccupationCode, PersonId, SkillLevel};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Open;

ids::vocabulary! {
    /// Where an employment record comes from, lowest rank first.
    #[derive(
        Debug,
        Clone,
        Copy,
        PartialEq,
        Eq,
        PartialOrd,
        Ord,
        Hash,
        Serialize,
        Deserialize,
        utoipa::ToSchema,
    )]
    #[serde(rename_all = "snake_case")]
    pub enum RecordSource: "record_source_unknown" {
        /// The worker's own statement (个人申报), e.g. through a portal or a desk.
        SelfReported = "self_reported",
        /// The training institution's follow-up (机构回访).
        InstitutionReported = "institution_reported",
        /// The employer's report of its own staff (用人单位申报).
        EmployerReported = "employer_reported",
        /// Derived from social-insurance contributions (社保缴费记录).
        SocialInsurance = "social_insurance",
    }
}

/// Employment records; key = person id.
pub const RECORDS_TOPIC: &str = "employment.records.v1";
pub const RECORD_ADDED: &str = "qiancheng.employment.record.added.v1";

/// Follow-up outcomes; key = enrolment id.
pub const OUTCOMES_TOPIC: &str = "employment.outcomes.v1";
/// Employed within the window after completion (培训促进就业奖补 is due).
pub const EMPLOYED_WITHIN_WINDOW: &str = "qiancheng.employment.outcome.employed_within_window.v1";
/// The window ended without employment shown.
pub const NOT_EMPLOYED_AT_WINDOW_END: &str =
    "qiancheng.employment.outcome.not_employed_at_window_end.v1";

/// Apprenticeships; key = apprenticeship id.
pub const APPRENTICESHIPS_TOPIC: &str = "employment.apprenticeships.v1";

/// How long each person has been insured, from the social-insurance
/// agency's contributions: published whenever a batch adds months of a
/// person. Key: the person id.
pub const INSURANCE_TOPIC: &str = "employment.insurance.v1";
pub const INSURED_MONTHS_COUNTED: &str = "qiancheng.employment.insured_months.counted.v1";
pub const APPRENTICESHIP_RECOGNISED: &str = "qiancheng.employment.apprenticeship.recognised.v1";

/// One employment record as reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EmploymentRecordEvent {
    pub record_id: Uuid,
    pub city: CityCode,
    pub person_id: PersonId,
    pub employer_credit_code: CreditCode,
    pub job: String,
    pub starts_on: NaiveDate,
    pub contract_months: Option<i32>,
    /// self_reported, institution_reported, employer_reported,
    /// social_insurance
    #[schema(value_type = String)]
    pub source: Open<RecordSource>,
    /// Another record of the person disagrees with this one.
    pub conflicting: bool,
}

/// The outcome of a completer's follow-up window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OutcomeEvent {
    pub enrolment_id: Uuid,
    pub class_id: Uuid,
    pub institution_id: Uuid,
    pub city: CityCode,
    pub person_id: PersonId,
    pub occupation_code: OccupationCode,
    pub skill_level: SkillLevel,
    pub completed_on: NaiveDate,
    pub window_months: u32,
    pub employed: bool,
    /// First day of employment shown within the window.
    pub employed_on: Option<NaiveDate>,
    pub employer_credit_code: Option<CreditCode>,
    /// The record's source that decided it.
    pub source: Option<String>,
    /// Statistical year of the completion.
    pub statistical_year: i32,
}

/// A recognised new-style apprenticeship: internship ≥ 6 months as a
/// final-year student, then a labour contract ≥ 12 months with the same
/// enterprise; subsidised from the start of employment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ApprenticeshipEvent {
    pub apprenticeship_id: Uuid,
    pub city: CityCode,
    pub person_id: PersonId,
    pub enterprise_credit_code: CreditCode,
    pub occupation_code: Option<OccupationCode>,
    pub internship_starts_on: NaiveDate,
    pub internship_ends_on: NaiveDate,
    pub employment_starts_on: NaiveDate,
    pub contract_months: i32,
    /// An open-ended labour contract (无固定期限劳动合同); `contract_months`
    /// is then 0. Absent from events before this field existed.
    #[serde(default)]
    pub open_ended: Option<bool>,
    /// The apprenticeship counts from the start of employment.
    pub recognised_from: NaiveDate,
    /// Internship months counted as apprenticeship training time.
    pub training_months: i32,
}

/// A person's insured months as the contribution batches have them so far:
/// what the certificate-based subsidy (个人取证补贴) rests on, never a figure
/// a caller declares. Counts only grow; a consumer keeps the largest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InsuredMonthsEvent {
    pub person_id: PersonId,
    pub city: CityCode,
    /// Distinct calendar months with a contribution, whoever paid it.
    pub insured_months: u32,
    /// The latest month contributed (its first day).
    pub latest_month: NaiveDate,
}
