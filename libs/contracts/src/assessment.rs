//! Events of skill assessment (技能评价): results of exam sessions and the
//! certificates issued or revoked. Holders appear only by `person_id`.

use chrono::NaiveDate;
use ids::{CityCode, CreditCode, OccupationCode, PersonId, SkillLevel};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Open;

ids::vocabulary! {
    /// Whether a certificate stands.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum CertificateStatus: "certificate_status_unknown" {
        Valid = "valid",
        /// Revoked (撤销): the claims resting on it are undone.
        Revoked = "revoked",
    }
}

ids::vocabulary! {
    /// The three kinds of skill assessment (技能评价).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum AssessmentKind: "assessment_kind_unknown" {
        /// 职业资格评价
        Qualification = "qualification",
        /// 职业技能等级认定
        Certification = "certification",
        /// 专项职业能力考核
        SpecialAbility = "special_ability",
    }
}

impl AssessmentKind {
    /// The certificate's name in Chinese, as printed on it.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Qualification => "职业资格证书",
            Self::Certification => "职业技能等级证书",
            Self::SpecialAbility => "专项职业能力证书",
        }
    }
}

ids::vocabulary! {
    /// What kind of organisation a body is; decides the certificate number's
    /// first letter.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum BodyKind: "body_kind_unknown" {
        /// 社会培训评价组织
        SocialOrganisation = "social_organisation",
        /// 用人单位 (incl. a 链主企业 assessing its chain)
        Enterprise = "enterprise",
        /// 技工院校
        TechnicalSchool = "technical_school",
    }
}

ids::vocabulary! {
    /// How a certificate was earned.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum CertificateRoute: "certificate_route_unknown" {
        /// Passed an exam session.
        Exam = "exam",
        /// Exceptional certification (破格认定).
        Exceptional = "exceptional",
    }
}

/// Results per candidate; key = session id.
pub const RESULTS_TOPIC: &str = "assessment.results.v1";
pub const RESULT_RECORDED: &str = "qiancheng.assessment.result.recorded.v1";

/// Certificates; key = certificate number.
pub const CERTIFICATES_TOPIC: &str = "assessment.certificates.v1";
pub const CERTIFICATE_ISSUED: &str = "qiancheng.assessment.certificate.issued.v1";
pub const CERTIFICATE_REVOKED: &str = "qiancheng.assessment.certificate.revoked.v1";

/// High-skill leading talents (高技能领军人才) as selected; key = talent id.
pub const LEADING_TALENTS_TOPIC: &str = "assessment.leading_talents.v1";
pub const LEADING_TALENT_SELECTED: &str = "qiancheng.assessment.leading_talent.selected.v1";

/// One candidate's result in an exam session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ResultEvent {
    pub result_id: Uuid,
    pub session_id: Uuid,
    pub body_id: Uuid,
    pub city: CityCode,
    pub person_id: PersonId,
    /// qualification (职业资格评价), certification (职业技能等级认定),
    /// special_ability (专项职业能力考核)
    #[schema(value_type = String)]
    pub assessment_kind: Open<AssessmentKind>,
    pub occupation_code: OccupationCode,
    pub skill_level: SkillLevel,
    pub theory_score: u8,
    pub practical_score: u8,
    pub passed: bool,
    /// Business date of the exam; decides the statistical year.
    pub assessed_on: NaiveDate,
    pub statistical_year: i32,
    /// The class the candidate completed, when registered from one.
    pub class_id: Option<Uuid>,
    pub institution_id: Option<Uuid>,
}

/// A certificate as issued, or as revoked (then `revoked_reason` is set).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CertificateEvent {
    pub certificate_id: Uuid,
    /// The 22-character national certificate number.
    pub certificate_no: String,
    pub city: CityCode,
    pub person_id: PersonId,
    pub body_id: Uuid,
    pub body_credit_code: CreditCode,
    /// social_organisation, enterprise, technical_school
    #[schema(value_type = String)]
    pub body_kind: Open<BodyKind>,
    #[schema(value_type = String)]
    pub assessment_kind: Open<AssessmentKind>,
    pub occupation_code: OccupationCode,
    pub skill_level: SkillLevel,
    pub high_skilled: bool,
    /// exam, or exceptional (破格认定)
    #[schema(value_type = String)]
    pub route: Open<CertificateRoute>,
    pub issued_on: NaiveDate,
    pub statistical_year: i32,
    /// The class the holder completed, when the certificate follows one.
    pub class_id: Option<Uuid>,
    pub institution_id: Option<Uuid>,
    /// valid or revoked
    #[schema(value_type = String)]
    pub status: Open<CertificateStatus>,
    pub revoked_reason: Option<String>,
    pub revoked_on: Option<NaiveDate>,
}

/// A person selected as a high-skill leading talent for a year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LeadingTalentEvent {
    pub talent_id: Uuid,
    pub city: CityCode,
    pub person_id: PersonId,
    pub selection_year: i32,
    pub occupation_code: OccupationCode,
    pub skill_level: SkillLevel,
}
