//! Request and response bodies. Requests deny unknown fields.

use chrono::{DateTime, NaiveDate, Utc};
use ids::SkillLevel;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

pub use crate::domain::body::StaffRole;
use crate::domain::body::{AssessmentKind, BodyKind, ScopeItem};
pub use crate::domain::entry::CandidateRoute;
pub use crate::domain::exceptional::{Decision, Grounds};

/// A body filed with the bureau (备案).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBody {
    #[schema(
        example = "91350100M000100Y43",
        format = "credit-code",
        pattern = r"^[0-9A-HJ-NPQRTUWXY]{18}$"
    )]
    pub credit_code: String,
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub name: String,
    pub kind: BodyKind,
    /// A skills-ecosystem lead enterprise (链主企业) assessing its chain.
    #[serde(default)]
    pub lead_enterprise: bool,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    pub scope: Vec<ScopeItem>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StaffView {
    pub id: Uuid,
    /// assessor (考评员) or supervisor (督导员)
    pub role: StaffRole,
    pub name: String,
    pub credential_no: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BodyActionView {
    /// filed, suspended, active (reinstated)
    pub action: String,
    pub reason: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BodyView {
    pub id: Uuid,
    pub city: String,
    #[schema(format = "credit-code", pattern = r"^[0-9A-HJ-NPQRTUWXY]{18}$")]
    pub credit_code: String,
    pub name: String,
    pub kind: String,
    pub lead_enterprise: bool,
    /// The 4-digit code in its certificate numbers.
    pub code: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    /// active or suspended
    pub status: String,
    pub scope: Vec<ScopeItem>,
    pub staff: Vec<StaffView>,
    pub history: Vec<BodyActionView>,
    /// The key the body signs credentials with now (Multikey, base58btc);
    /// none until the bureau issues it one (bodies filed before keys were
    /// kept per body).
    pub public_key_multibase: Option<String>,
    /// Every key it has signed with, the current one last.
    pub signing_keys: Vec<SigningKeyView>,
}

/// One of a body's credential signing keys (its public half).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SigningKeyView {
    pub key_no: i32,
    /// The key's id in the body's issuer profile.
    pub verification_method: String,
    pub public_key_multibase: String,
    pub created_at: DateTime<Utc>,
    /// When a newer key replaced it; what it signed still verifies.
    pub retired_at: Option<DateTime<Utc>>,
}

/// Why a body is suspended or reinstated.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStaff {
    pub role: StaffRole,
    #[schema(min_length = 1, max_length = 50, pattern = r"\S")]
    pub name: String,
    /// The assessor's or supervisor's own credential number.
    #[schema(min_length = 1, max_length = 40, pattern = r"\S")]
    pub credential_no: String,
}

/// A pass rule for one occupation and level (default: both ≥ 60).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPassRule {
    #[schema(pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: String,
    pub skill_level: SkillLevel,
    #[schema(minimum = 0, maximum = 100)]
    pub theory_min: i64,
    #[schema(minimum = 0, maximum = 100)]
    pub practical_min: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSession {
    pub assessment_kind: AssessmentKind,
    #[schema(example = "6-31-01-03", pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: String,
    pub skill_level: SkillLevel,
    pub exam_date: NaiveDate,
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub venue: String,
    /// 考评员 of the body.
    #[schema(min_items = 1)]
    pub assessor_ids: Vec<Uuid>,
    /// A 督导员 of the body.
    pub supervisor_id: Uuid,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCandidate {
    #[schema(
        example = "350102199003071234",
        format = "citizen-id",
        pattern = r"^\d{17}[\dX]$"
    )]
    pub citizen_id: String,
    #[schema(min_length = 1, max_length = 50, pattern = r"\S")]
    pub name: String,
    pub route: CandidateRoute,
    /// Years in the occupation, for direct applicants.
    #[schema(minimum = 0, maximum = 60)]
    pub experience_years: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CandidateView {
    pub id: Uuid,
    pub name: String,
    pub citizen_id_masked: String,
    pub route: String,
    pub class_id: Option<Uuid>,
    pub institution_id: Option<Uuid>,
    pub theory_score: Option<i16>,
    pub practical_score: Option<i16>,
    pub passed: Option<bool>,
    pub result_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionView {
    pub id: Uuid,
    pub body_id: Uuid,
    pub assessment_kind: String,
    #[schema(pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: String,
    pub skill_level: String,
    pub exam_date: NaiveDate,
    pub venue: String,
    pub assessor_ids: Vec<Uuid>,
    pub supervisor_id: Uuid,
    pub candidates: Vec<CandidateView>,
}

/// Scores out of 100.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewResult {
    #[schema(minimum = 0, maximum = 100)]
    pub theory_score: i64,
    #[schema(minimum = 0, maximum = 100)]
    pub practical_score: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CertificateView {
    pub id: Uuid,
    /// The 22-character national number.
    pub certificate_no: String,
    pub holder_name: String,
    pub body_id: Uuid,
    pub assessment_kind: String,
    #[schema(pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: String,
    pub skill_level: String,
    /// exam, or exceptional (破格认定)
    pub route: String,
    pub issued_on: NaiveDate,
    pub statistical_year: i32,
    /// valid or revoked
    pub status: String,
    pub revoked_reason: Option<String>,
    pub revoked_on: Option<NaiveDate>,
    /// What the certificate's QR code holds, for public verification.
    pub qr_payload: String,
    pub class_id: Option<Uuid>,
    pub institution_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Revocation {
    /// e.g. altered scores (篡改成绩)
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewExceptional {
    #[schema(format = "citizen-id", pattern = r"^\d{17}[\dX]$")]
    pub citizen_id: String,
    #[schema(min_length = 1, max_length = 50, pattern = r"\S")]
    pub name: String,
    pub assessment_kind: AssessmentKind,
    #[schema(pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: String,
    /// 高级工 or above.
    pub skill_level: SkillLevel,
    pub grounds: Grounds,
    /// What was achieved, with references the bureau can check.
    #[schema(min_length = 20, max_length = 4000)]
    pub justification: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Review {
    pub decision: Decision,
    #[schema(min_length = 1, max_length = 1000, pattern = r"\S")]
    pub note: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ExceptionalView {
    pub id: Uuid,
    pub body_id: Uuid,
    pub name: String,
    pub citizen_id_masked: String,
    pub assessment_kind: String,
    #[schema(pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: String,
    pub skill_level: String,
    pub grounds: String,
    pub justification: String,
    /// pending, approved, rejected
    pub status: String,
    pub review_note: Option<String>,
    pub certificate: Option<CertificateView>,
}

/// One year of a leading talent's five-year cultivation plan.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanYear {
    /// 1 to 5.
    pub year_offset: i64,
    #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
    pub goals: String,
}

/// A high-skill leading talent (高技能领军人才) selected in a year.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTalent {
    #[schema(minimum = 2025, maximum = 2100)]
    pub selection_year: i32,
    #[schema(format = "citizen-id", pattern = r"^\d{17}[\dX]$")]
    pub citizen_id: String,
    #[schema(min_length = 1, max_length = 50, pattern = r"\S")]
    pub name: String,
    #[schema(pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: String,
    pub skill_level: SkillLevel,
    #[schema(format = "credit-code", pattern = r"^[0-9A-HJ-NPQRTUWXY]{18}$")]
    pub employer_credit_code: String,
    pub plan: Vec<PlanYear>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TalentView {
    pub id: Uuid,
    pub selection_year: i32,
    pub name: String,
    pub citizen_id_masked: String,
    #[schema(pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: String,
    pub skill_level: String,
    #[schema(format = "credit-code", pattern = r"^[0-9A-HJ-NPQRTUWXY]{18}$")]
    pub employer_credit_code: String,
    pub plan: Vec<PlanYear>,
    /// The plan's last year.
    pub cultivation_ends: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TalentList {
    pub selection_year: i32,
    pub count: usize,
    pub talents: Vec<TalentView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SkilledWorkers {
    pub city: String,
    pub statistical_year: i32,
    #[serde(flatten)]
    pub tally: crate::domain::statistics::Tally,
}

/// What the public may learn of a certificate (policy item 16).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Verification {
    pub certificate_no: String,
    /// valid or revoked
    pub status: String,
    pub revoked_on: Option<NaiveDate>,
    /// e.g. 林**
    pub holder_name_masked: String,
    pub assessment_kind: String,
    #[schema(pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: String,
    pub skill_level: String,
    pub skill_level_name: String,
    pub issued_on: NaiveDate,
    pub body_name: String,
    #[schema(format = "credit-code", pattern = r"^[0-9A-HJ-NPQRTUWXY]{18}$")]
    pub body_credit_code: String,
}

/// Everything but the first character hidden.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) if chars.clone().next().is_some() => {
            format!("{first}{}", "*".repeat(chars.count()))
        }
        _ => "*".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::mask_name;

    #[test]
    fn names_keep_only_their_first_character() {
        assert_eq!(mask_name("林晓明"), "林**");
        assert_eq!(mask_name("王五"), "王*");
        assert_eq!(mask_name("李"), "*");
    }
}
