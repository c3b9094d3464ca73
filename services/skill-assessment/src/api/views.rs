//! Request and response bodies. Requests deny unknown fields.

use chrono::{DateTime, NaiveDate, Utc};
use contracts::assessment::CertificateStatus;
use ids::SkillLevel;
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};
use uuid::Uuid;

pub use crate::domain::body::StaffRole;
use crate::domain::body::{AssessmentKind, BodyKind, BodyStatus, ScopeItem};
pub use crate::domain::entry::CandidateRoute;
use crate::domain::exceptional::ExceptionalStatus;
pub use crate::domain::exceptional::{Decision, Grounds};

/// A body filed with the bureau (备案).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"credit_code": "91350100M000100Y43", "name": "福州市职业技能培训评价中心", "kind": "social_organisation", "lead_enterprise": false, "valid_from": "2026-01-01", "valid_until": "2028-12-31", "scope": [{"assessment_kind": "certification", "occupation_code": "6-31-01-03", "skill_level": "senior"}, {"assessment_kind": "certification", "occupation_code": "4-10-01-02", "skill_level": "intermediate"}]})))]
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
#[schema(examples(json!({"id": "3c9d2e7a-5b1f-4a8c-9e2d-7f6a5b4c3d21", "role": "assessor", "name": "陈建华", "credential_no": "KP-350100-2026-0173"})))]
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
#[schema(examples(json!({"id": "0f8e6c1a-3b2d-4c5e-9f7a-1b2c3d4e5f60", "city": "350100", "credit_code": "91350100M000100Y43", "name": "福州市职业技能培训评价中心", "kind": "social_organisation", "lead_enterprise": false, "code": "0001", "valid_from": "2026-01-01", "valid_until": "2028-12-31", "status": "active", "scope": [{"assessment_kind": "certification", "occupation_code": "6-31-01-03", "skill_level": "senior"}], "staff": [{"id": "3c9d2e7a-5b1f-4a8c-9e2d-7f6a5b4c3d21", "role": "assessor", "name": "陈建华", "credential_no": "KP-350100-2026-0173"}, {"id": "4d0e3f8b-6c2a-4b9d-8f3e-8a7b6c5d4e32", "role": "supervisor", "name": "郑丽娟", "credential_no": "DD-350100-2026-0042"}], "history": [{"action": "filed", "reason": "filed with the bureau", "by": "fz-officer-017", "at": "2026-01-05T02:30:00Z"}], "public_key_multibase": "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "signing_keys": [{"key_no": 1, "verification_method": "https://assessment.350100.example/v1/public/issuers/0001#key-1", "public_key_multibase": "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "created_at": "2026-01-05T02:30:00Z", "retired_at": null}]})))]
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
#[schema(examples(json!({"key_no": 2, "verification_method": "https://assessment.350100.example/v1/public/issuers/0001#key-2", "public_key_multibase": "z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG", "created_at": "2026-06-01T01:00:00Z", "retired_at": null})))]
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
#[schema(examples(json!({"reason": "督导发现考场违规，暂停评价活动待整改"})))]
pub struct StatusChange {
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"role": "assessor", "name": "陈建华", "credential_no": "KP-350100-2026-0173"})))]
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
#[schema(examples(json!({"occupation_code": "6-31-01-03", "skill_level": "senior", "theory_min": 60, "practical_min": 70})))]
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
#[schema(examples(json!({"assessment_kind": "certification", "occupation_code": "6-31-01-03", "skill_level": "senior", "exam_date": "2026-06-20", "venue": "鼓楼区实训基地 3 楼", "assessor_ids": ["3c9d2e7a-5b1f-4a8c-9e2d-7f6a5b4c3d21"], "supervisor_id": "4d0e3f8b-6c2a-4b9d-8f3e-8a7b6c5d4e32"})))]
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
// The citizen ID is GB 11643's own specimen number, not a person's.
#[schema(examples(json!({"citizen_id": "11010519491231002X", "name": "林晓明", "route": "completion", "experience_years": null})))]
pub struct NewCandidate {
    #[schema(
        example = "11010519491231002X",
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
#[schema(examples(json!({"id": "5e1f4a9c-7d3b-4c0e-9a4f-9b8c7d6e5f43", "name": "林晓明", "citizen_id_masked": "350102********1234", "route": "completion", "class_id": "6f2a5b0d-8e4c-4d1f-8b5a-0c9d8e7f6a54", "institution_id": "7a3b6c1e-9f5d-4e2a-9c6b-1d0e9f8a7b65", "theory_score": 82, "practical_score": 90, "passed": true, "result_id": "8b4c7d2f-0a6e-4f3b-8d7c-2e1f0a9b8c76"})))]
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
#[schema(examples(json!({"id": "9c5d8e3a-1b7f-4a4c-9e8d-3f2a1b0c9d87", "body_id": "0f8e6c1a-3b2d-4c5e-9f7a-1b2c3d4e5f60", "assessment_kind": "certification", "occupation_code": "6-31-01-03", "skill_level": "senior", "exam_date": "2026-06-20", "venue": "鼓楼区实训基地 3 楼", "assessor_ids": ["3c9d2e7a-5b1f-4a8c-9e2d-7f6a5b4c3d21"], "supervisor_id": "4d0e3f8b-6c2a-4b9d-8f3e-8a7b6c5d4e32", "candidates": [{"id": "5e1f4a9c-7d3b-4c0e-9a4f-9b8c7d6e5f43", "name": "林晓明", "citizen_id_masked": "350102********1234", "route": "completion", "class_id": "6f2a5b0d-8e4c-4d1f-8b5a-0c9d8e7f6a54", "institution_id": "7a3b6c1e-9f5d-4e2a-9c6b-1d0e9f8a7b65", "theory_score": null, "practical_score": null, "passed": null, "result_id": null}]})))]
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
#[schema(examples(json!({"theory_score": 82, "practical_score": 90})))]
pub struct NewResult {
    #[schema(minimum = 0, maximum = 100)]
    pub theory_score: i64,
    #[schema(minimum = 0, maximum = 100)]
    pub practical_score: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({"id": "ad6e9f4b-2c8a-4b5d-8f9e-4a3b2c1d0e98", "certificate_no": "S000135350100263000001", "holder_name": "林晓明", "body_id": "0f8e6c1a-3b2d-4c5e-9f7a-1b2c3d4e5f60", "assessment_kind": "certification", "occupation_code": "6-31-01-03", "skill_level": "senior", "route": "exam", "issued_on": "2026-06-22", "statistical_year": 2026, "status": "valid", "revoked_reason": null, "revoked_on": null, "qr_payload": "QC1.S000135350100263000001.9f3b2c1d4e5a6b7c", "class_id": "6f2a5b0d-8e4c-4d1f-8b5a-0c9d8e7f6a54", "institution_id": "7a3b6c1e-9f5d-4e2a-9c6b-1d0e9f8a7b65"})))]
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
#[schema(examples(json!({"reason": "篡改成绩：实操成绩记录与现场录像不符"})))]
pub struct Revocation {
    /// e.g. altered scores (篡改成绩)
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
// The citizen ID is GB 11643's own specimen number, not a person's.
#[schema(examples(json!({"citizen_id": "11010519491231002X", "name": "郑国强", "assessment_kind": "certification", "occupation_code": "6-31-01-03", "skill_level": "technician", "grounds": "major_technical_problem", "justification": "主持解决高压开关柜局部放电重大技术难题，获公司2025年度科技进步一等奖（闽电科〔2025〕8号）"})))]
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
#[schema(examples(json!({"decision": "approve", "note": "经审核，业绩材料属实，同意破格认定为技师"})))]
pub struct Review {
    pub decision: Decision,
    #[schema(min_length = 1, max_length = 1000, pattern = r"\S")]
    pub note: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({"id": "be7fa05c-3d9b-4c6e-9a0f-5b4c3d2e1fa9", "body_id": "1a9f7d2b-4c3e-4d6f-8a1b-2c3d4e5f6a71", "name": "郑国强", "citizen_id_masked": "350102********0021", "assessment_kind": "certification", "occupation_code": "6-31-01-03", "skill_level": "technician", "grounds": "major_technical_problem", "justification": "主持解决高压开关柜局部放电重大技术难题，获公司2025年度科技进步一等奖（闽电科〔2025〕8号）", "status": "pending", "review_note": null, "certificate": null})))]
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
#[schema(examples(json!({"year_offset": 1, "goals": "组建技能大师工作室，带徒 5 名"})))]
pub struct PlanYear {
    /// 1 to 5.
    pub year_offset: i64,
    #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
    pub goals: String,
}

/// A high-skill leading talent (高技能领军人才) selected in a year.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
// The citizen ID is GB 11643's own specimen number, not a person's.
#[schema(examples(json!({"selection_year": 2026, "citizen_id": "11010519491231002X", "name": "黄志坚", "occupation_code": "6-31-01-03", "skill_level": "senior_technician", "employer_credit_code": "91350200MA2XK3L01E", "plan": [{"year_offset": 1, "goals": "组建技能大师工作室，带徒 5 名"}, {"year_offset": 2, "goals": "完成配电自动化运维攻关项目 1 项"}, {"year_offset": 3, "goals": "编写企业培训教材 1 部"}, {"year_offset": 4, "goals": "指导徒弟参加省级技能竞赛"}, {"year_offset": 5, "goals": "申报省级技能大师工作室"}]})))]
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
#[schema(examples(json!({"id": "cf80b16d-4e0a-4d7f-8b1a-6c5d4e3f2ab0", "selection_year": 2026, "name": "黄志坚", "citizen_id_masked": "350103********003X", "occupation_code": "6-31-01-03", "skill_level": "senior_technician", "employer_credit_code": "91350200MA2XK3L01E", "plan": [{"year_offset": 1, "goals": "组建技能大师工作室，带徒 5 名"}, {"year_offset": 2, "goals": "完成配电自动化运维攻关项目 1 项"}, {"year_offset": 3, "goals": "编写企业培训教材 1 部"}, {"year_offset": 4, "goals": "指导徒弟参加省级技能竞赛"}, {"year_offset": 5, "goals": "申报省级技能大师工作室"}], "cultivation_ends": 2030})))]
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
#[schema(examples(json!({"selection_year": 2026, "count": 1, "talents": [{"id": "cf80b16d-4e0a-4d7f-8b1a-6c5d4e3f2ab0", "selection_year": 2026, "name": "黄志坚", "citizen_id_masked": "350103********003X", "occupation_code": "6-31-01-03", "skill_level": "senior_technician", "employer_credit_code": "91350200MA2XK3L01E", "plan": [{"year_offset": 1, "goals": "组建技能大师工作室，带徒 5 名"}], "cultivation_ends": 2030}]})))]
pub struct TalentList {
    pub selection_year: i32,
    pub count: usize,
    pub talents: Vec<TalentView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(examples(json!({"city": "350100", "statistical_year": 2026, "new_skilled_workers": 1250, "high_skilled": 460, "high_skilled_share": 0.368, "certificates_by_level": {"intermediate": 540, "senior": 390, "technician": 75, "junior": 262}})))]
pub struct SkilledWorkers {
    pub city: String,
    pub statistical_year: i32,
    #[serde(flatten)]
    pub tally: crate::domain::statistics::Tally,
}

/// An assessment body as lists show it: its filing, without staff,
/// history or keys (`GET /v1/assessment-bodies/{id}` has those).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(examples(json!({"id": "0f8e6c1a-3b2d-4c5e-9f7a-1b2c3d4e5f60", "city": "350100", "credit_code": "91350100M000100Y43", "name": "福州市职业技能培训评价中心", "kind": "social_organisation", "lead_enterprise": false, "code": "0001", "valid_from": "2026-01-01", "valid_until": "2028-12-31", "status": "active", "filed_at": "2026-01-05T02:30:00Z"})))]
pub struct BodySummaryView {
    pub id: Uuid,
    pub city: String,
    #[schema(format = "credit-code", pattern = r"^[0-9A-HJ-NPQRTUWXY]{18}$")]
    pub credit_code: String,
    pub name: String,
    /// social_organisation, enterprise or technical_school
    pub kind: String,
    pub lead_enterprise: bool,
    /// The 4-digit code in its certificate numbers.
    pub code: String,
    pub valid_from: NaiveDate,
    pub valid_until: NaiveDate,
    /// active or suspended
    pub status: String,
    pub filed_at: DateTime<Utc>,
}

/// An exam session as lists show it: without its candidates
/// (`GET /v1/sessions/{id}` has them).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(examples(json!({"id": "9c5d8e3a-1b7f-4a4c-9e8d-3f2a1b0c9d87", "body_id": "0f8e6c1a-3b2d-4c5e-9f7a-1b2c3d4e5f60", "assessment_kind": "certification", "occupation_code": "6-31-01-03", "skill_level": "senior", "exam_date": "2026-06-20", "venue": "鼓楼区实训基地 3 楼"})))]
pub struct SessionSummaryView {
    pub id: Uuid,
    pub body_id: Uuid,
    pub assessment_kind: String,
    #[schema(pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: String,
    pub skill_level: String,
    pub exam_date: NaiveDate,
    pub venue: String,
}

/// A certificate as lists show it: the holder's name masked, no QR payload
/// and no revocation reason; `GET /v1/certificates/{number}` has the
/// certificate in full.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(examples(json!({"id": "ad6e9f4b-2c8a-4b5d-8f9e-4a3b2c1d0e98", "certificate_no": "S000135350100263000001", "holder_name_masked": "林**", "body_id": "0f8e6c1a-3b2d-4c5e-9f7a-1b2c3d4e5f60", "assessment_kind": "certification", "occupation_code": "6-31-01-03", "skill_level": "senior", "route": "exam", "issued_on": "2026-06-22", "statistical_year": 2026, "status": "valid", "revoked_on": null, "class_id": "6f2a5b0d-8e4c-4d1f-8b5a-0c9d8e7f6a54", "institution_id": "7a3b6c1e-9f5d-4e2a-9c6b-1d0e9f8a7b65"})))]
pub struct CertificateSummaryView {
    pub id: Uuid,
    /// The 22-character national number.
    pub certificate_no: String,
    /// e.g. 林**
    pub holder_name_masked: String,
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
    pub revoked_on: Option<NaiveDate>,
    pub class_id: Option<Uuid>,
    pub institution_id: Option<Uuid>,
}

/// A query parameter's schema: one word of a closed vocabulary.
fn words(all: impl IntoIterator<Item = &'static str>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(all))
        .into()
}

/// The `status` filter of bodies: a word of [`BodyStatus`].
pub struct BodyStatusWord;

impl PartialSchema for BodyStatusWord {
    fn schema() -> RefOr<Schema> {
        words(BodyStatus::ALL.map(BodyStatus::as_str))
    }
}

impl ToSchema for BodyStatusWord {}

/// The `status` filter of certificates: a word of [`CertificateStatus`].
pub struct CertificateStatusWord;

impl PartialSchema for CertificateStatusWord {
    fn schema() -> RefOr<Schema> {
        words(CertificateStatus::ALL.map(CertificateStatus::as_str))
    }
}

impl ToSchema for CertificateStatusWord {}

/// The `status` filter of exceptional certifications: a word of
/// [`ExceptionalStatus`].
pub struct ExceptionalStatusWord;

impl PartialSchema for ExceptionalStatusWord {
    fn schema() -> RefOr<Schema> {
        words(ExceptionalStatus::ALL.map(ExceptionalStatus::as_str))
    }
}

impl ToSchema for ExceptionalStatusWord {}

/// What the public may learn of a certificate (policy item 16).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({"certificate_no": "S000135350100263000001", "status": "valid", "revoked_on": null, "holder_name_masked": "林**", "assessment_kind": "certification", "occupation_code": "6-31-01-03", "skill_level": "senior", "skill_level_name": "高级工", "issued_on": "2026-06-22", "body_name": "福州市职业技能培训评价中心", "body_credit_code": "91350100M000100Y43"})))]
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
