//! Request and response bodies. Requests deny unknown fields; identifiers
//! arrive as text and are validated together, so every bad field is named.

use chrono::{DateTime, NaiveDate, Utc};
use ids::SkillLevel;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

pub use crate::app::contributions::BatchReport;
use crate::domain::evidence::Source;
use crate::domain::window::{milestone_month, milestone_state, MILESTONES};
use crate::store::apprenticeships::ApprenticeshipRow;
use crate::store::completers::CompleterRow;
use crate::store::milestones::MilestoneRow;
use crate::store::recommendations::RecommendationRow;
use crate::store::records::RecordRow;
use crate::store::vacancies::VacancyRow;

/// An employment report (就业信息登记).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
// The citizen ID is GB 11643's own specimen number, not a person's.
#[schema(examples(json!({"citizen_id": "11010519491231002X", "employer_credit_code": "91350100MA2XYA001F",
    "job": "维修电工", "starts_on": "2026-08-01", "ends_on": "2028-07-31", "source": "institution_reported"})))]
pub struct NewRecord {
    /// 18-character citizen ID; only its pseudonym and masked form are kept.
    #[schema(format = "citizen-id", pattern = r"^\d{17}[\dX]$")]
    pub citizen_id: String,
    #[schema(
        example = "91350100M000100Y43",
        format = "credit-code",
        pattern = r"^[0-9A-HJ-NPQRTUWXY]{18}$"
    )]
    pub employer_credit_code: String,
    /// The job (岗位), e.g. 维修电工.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub job: String,
    pub starts_on: NaiveDate,
    /// Contract end; absent for an open-ended contract (无固定期限).
    pub ends_on: Option<NaiveDate>,
    /// self_reported (a worker's own statement, entered by an officer or a
    /// portal), institution_reported, employer_reported. Social-insurance
    /// records come only from contribution batches.
    pub source: Source,
}

/// An employment record, personal data masked.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({"id": "01936f2e-7c4a-7b21-9d3e-4a5b6c7d8e9f",
    "person_id": "5f1c0e8a9b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e",
    "citizen_id": "350102********123X", "employer_credit_code": "91350100MA2XYA001F", "job": "维修电工",
    "starts_on": "2026-08-01", "ends_on": "2028-07-31", "contract_months": 24, "source": "institution_reported",
    "conflicting": false, "recorded_by": "fz-school-operator-03", "recorded_at": "2026-08-03T01:20:00Z"})))]
pub struct RecordView {
    pub id: Uuid,
    /// The worker's pseudonym, the same in every service and city.
    pub person_id: String,
    /// Masked: region code and last four characters, e.g. 350102********123X.
    #[schema(pattern = r"^\d{6}\*{8}\d{3}[\dX]$")]
    pub citizen_id: String,
    #[schema(format = "credit-code", pattern = r"^[0-9A-HJ-NPQRTUWXY]{18}$")]
    pub employer_credit_code: String,
    /// Empty when social insurance shows the employment (it names no job).
    pub job: String,
    pub starts_on: NaiveDate,
    /// Contract end; for social insurance, the end of the last month paid.
    pub ends_on: Option<NaiveDate>,
    pub contract_months: Option<i32>,
    /// self_reported, institution_reported, employer_reported, social_insurance
    pub source: String,
    /// Another record of the person places them elsewhere at the same time.
    pub conflicting: bool,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

impl From<RecordRow> for RecordView {
    fn from(r: RecordRow) -> Self {
        Self {
            id: r.id,
            person_id: r.person_id,
            citizen_id: r.citizen_masked,
            employer_credit_code: r.employer_credit_code,
            job: r.job,
            starts_on: r.starts_on,
            ends_on: r.ends_on,
            contract_months: r.contract_months,
            source: r.source,
            conflicting: r.conflicting,
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at,
        }
    }
}

/// One line of a contribution batch (`application/x-ndjson`, one JSON
/// object per line).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
// The citizen ID is GB 11643's own specimen number, not a person's.
#[schema(examples(json!({"citizen_id": "11010519491231002X", "employer_credit_code": "91350100MA2XYA001F", "month": "2026-09"})))]
pub struct ContributionLine {
    #[schema(format = "citizen-id", pattern = r"^\d{17}[\dX]$")]
    pub citizen_id: String,
    #[schema(
        example = "91350100M000100Y43",
        format = "credit-code",
        pattern = r"^[0-9A-HJ-NPQRTUWXY]{18}$"
    )]
    pub employer_credit_code: String,
    #[schema(example = "2027-03")]
    pub month: String,
}

/// A milestone: employment 3, 6 or 12 months after the completion month.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MilestoneView {
    pub months: i32,
    /// The month looked at (its first day).
    pub month: NaiveDate,
    /// employed, not_shown, pending
    pub state: String,
    #[schema(format = "credit-code", pattern = r"^[0-9A-HJ-NPQRTUWXY]{18}$")]
    pub employer_credit_code: Option<String>,
}

/// A completer's follow-up (就业跟踪).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({"enrolment_id": "0f8e6c1a-3b2d-4c5e-9f7a-1b2c3d4e5f60",
    "class_id": "01934a5b-6c7d-7e8f-9a0b-1c2d3e4f5a6b", "institution_id": "01933c2d-4e5f-7a6b-8c9d-0e1f2a3b4c5d",
    "person_id": "5f1c0e8a9b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e",
    "occupation_code": "6-31-01-03", "skill_level": "senior", "completed_on": "2026-06-30", "statistical_year": 2026,
    "window_months": 6, "window_ends_on": "2026-12-30", "outcome": "employed_within_window",
    "employed_on": "2026-08-01", "employer_credit_code": "91350100MA2XYA001F", "outcome_source": "social_insurance",
    "decided_at": "2026-10-12T02:00:00Z", "milestones": [
        {"months": 3, "month": "2026-09-01", "state": "employed", "employer_credit_code": "91350100MA2XYA001F"},
        {"months": 6, "month": "2026-12-01", "state": "pending", "employer_credit_code": null},
        {"months": 12, "month": "2027-06-01", "state": "pending", "employer_credit_code": null}]})))]
pub struct FollowUpView {
    pub enrolment_id: Uuid,
    pub class_id: Uuid,
    pub institution_id: Uuid,
    pub person_id: String,
    #[schema(pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: String,
    pub skill_level: String,
    pub completed_on: NaiveDate,
    pub statistical_year: i32,
    pub window_months: i32,
    /// The last day employment counts for the reward.
    pub window_ends_on: NaiveDate,
    /// employed_within_window, not_employed_at_window_end; absent while open.
    pub outcome: Option<String>,
    pub employed_on: Option<NaiveDate>,
    #[schema(format = "credit-code", pattern = r"^[0-9A-HJ-NPQRTUWXY]{18}$")]
    pub employer_credit_code: Option<String>,
    /// The source that decided the outcome.
    pub outcome_source: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub milestones: Vec<MilestoneView>,
}

impl FollowUpView {
    pub fn new(c: CompleterRow, found: &[MilestoneRow], today: NaiveDate) -> Self {
        let milestones = MILESTONES
            .iter()
            .map(|n| {
                let month = milestone_month(c.completed_on, *n);
                let hit = found.iter().find(|m| m.months == *n as i32);
                MilestoneView {
                    months: *n as i32,
                    month,
                    state: milestone_state(month, hit.is_some(), today)
                        .as_str()
                        .to_owned(),
                    employer_credit_code: hit.map(|m| m.employer_credit_code.clone()),
                }
            })
            .collect();
        Self {
            enrolment_id: c.enrolment_id,
            class_id: c.class_id,
            institution_id: c.institution_id,
            person_id: c.person_id,
            occupation_code: c.occupation_code,
            skill_level: c.skill_level,
            completed_on: c.completed_on,
            statistical_year: c.statistical_year,
            window_months: c.window_months,
            window_ends_on: c.window_ends_on,
            outcome: c.outcome,
            employed_on: c.employed_on,
            employer_credit_code: c.employer_credit_code,
            outcome_source: c.outcome_source,
            decided_at: c.decided_at,
            milestones,
        }
    }
}

/// Close the windows that ended before a date.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"as_of": "2026-12-31"})))]
pub struct CloseWindows {
    /// Business date to close as of (default: today); not in the future.
    pub as_of: Option<NaiveDate>,
}

/// A vacancy an enterprise or integrator posts (岗位信息).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"employer_credit_code": "91350100MA2XYA001F", "title": "设备维修电工",
    "occupation_code": "6-31-01-03", "min_skill_level": "intermediate", "work_city": "350100", "headcount": 5,
    "salary_min_fen": 600000, "salary_max_fen": 850000, "open_until": "2026-12-31"})))]
pub struct NewVacancy {
    #[schema(
        example = "91350100M000100Y43",
        format = "credit-code",
        pattern = r"^[0-9A-HJ-NPQRTUWXY]{18}$"
    )]
    pub employer_credit_code: String,
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub title: String,
    #[schema(example = "6-31-01-03", pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: String,
    /// The lowest skill level the job takes.
    pub min_skill_level: SkillLevel,
    /// Region code of the city of work.
    #[schema(example = "350100", pattern = r"^350(?:[1-9]00|128)$")]
    pub work_city: String,
    #[schema(minimum = 1, maximum = 10000)]
    pub headcount: i32,
    /// Monthly pay range in fen.
    #[schema(minimum = 0)]
    pub salary_min_fen: Option<i64>,
    #[schema(minimum = 0)]
    pub salary_max_fen: Option<i64>,
    pub open_until: NaiveDate,
}

/// A vacancy as posted.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({"id": "01937b1c-2d3e-7f40-8a51-b2c3d4e5f607", "employer_credit_code": "91350100MA2XYA001F",
    "title": "设备维修电工", "occupation_code": "6-31-01-03", "min_skill_level": "intermediate", "work_city": "350100",
    "headcount": 5, "salary_min_fen": 600000, "salary_max_fen": 850000, "open_until": "2026-12-31",
    "posted_by": "mawei-machinery-hr", "posted_at": "2026-09-01T01:00:00Z"})))]
pub struct VacancyView {
    pub id: Uuid,
    #[schema(format = "credit-code", pattern = r"^[0-9A-HJ-NPQRTUWXY]{18}$")]
    pub employer_credit_code: String,
    pub title: String,
    #[schema(pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: String,
    /// The lowest skill level the job takes (a `SkillLevel` word).
    pub min_skill_level: String,
    /// Region code of the city of work.
    pub work_city: String,
    pub headcount: i32,
    pub salary_min_fen: Option<i64>,
    pub salary_max_fen: Option<i64>,
    pub open_until: NaiveDate,
    pub posted_by: String,
    pub posted_at: DateTime<Utc>,
}

impl From<VacancyRow> for VacancyView {
    fn from(v: VacancyRow) -> Self {
        Self {
            id: v.id,
            employer_credit_code: v.employer_credit_code,
            title: v.title,
            occupation_code: v.occupation_code,
            min_skill_level: v.min_skill_level,
            work_city: v.work_city,
            headcount: v.headcount,
            salary_min_fen: v.salary_min_fen,
            salary_max_fen: v.salary_max_fen,
            open_until: v.open_until,
            posted_by: v.posted_by,
            posted_at: v.posted_at,
        }
    }
}

/// A vacancy recommended to a completer, and how well it fits.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({"id": "01937c4d-5e6f-7a81-9b02-c3d4e5f60718", "enrolment_id": "0f8e6c1a-3b2d-4c5e-9f7a-1b2c3d4e5f60",
    "person_id": "5f1c0e8a9b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e",
    "vacancy_id": "01937b1c-2d3e-7f40-8a51-b2c3d4e5f607", "score": 5, "recommended_by": "fz-officer-017",
    "recommended_at": "2026-09-02T03:15:00Z"})))]
pub struct RecommendationView {
    pub id: Uuid,
    pub enrolment_id: Uuid,
    pub person_id: String,
    pub vacancy_id: Uuid,
    /// Higher fits better (occupation, then city).
    pub score: i32,
    pub recommended_by: String,
    pub recommended_at: DateTime<Utc>,
}

impl From<RecommendationRow> for RecommendationView {
    fn from(r: RecommendationRow) -> Self {
        Self {
            id: r.id,
            enrolment_id: r.enrolment_id,
            person_id: r.person_id,
            vacancy_id: r.vacancy_id,
            score: r.score,
            recommended_by: r.recommended_by,
            recommended_at: r.recommended_at,
        }
    }
}

/// An internship agreement (实习协议) of a final-year student.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
// The citizen ID is GB 11643's own specimen number, not a person's.
#[schema(examples(json!({"citizen_id": "11010519491231002X", "enterprise_credit_code": "91350100MA2XYA001F",
    "occupation_code": "6-31-01-03", "school": "福建工业学校", "graduation_on": "2027-06-30",
    "internship_starts_on": "2026-09-01", "internship_ends_on": "2027-05-31"})))]
pub struct NewApprenticeship {
    #[schema(format = "citizen-id", pattern = r"^\d{17}[\dX]$")]
    pub citizen_id: String,
    #[schema(
        example = "91350100M000100Y43",
        format = "credit-code",
        pattern = r"^[0-9A-HJ-NPQRTUWXY]{18}$"
    )]
    pub enterprise_credit_code: String,
    #[schema(example = "6-31-01-03", pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: Option<String>,
    /// The school (incl. technical schools' senior classes).
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    pub school: String,
    /// Expected graduation date.
    pub graduation_on: NaiveDate,
    pub internship_starts_on: NaiveDate,
    pub internship_ends_on: NaiveDate,
}

/// The labour contract (劳动合同) after graduation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(json!({"employer_credit_code": "91350100MA2XYA001F", "starts_on": "2027-07-01", "ends_on": "2029-06-30"})))]
pub struct NewContract {
    #[schema(
        example = "91350100M000100Y43",
        format = "credit-code",
        pattern = r"^[0-9A-HJ-NPQRTUWXY]{18}$"
    )]
    pub employer_credit_code: String,
    pub starts_on: NaiveDate,
    /// Absent for an open-ended contract (无固定期限).
    pub ends_on: Option<NaiveDate>,
}

/// Why an apprenticeship is not (or would not be) recognised.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({"code": "internship_too_short",
    "message": "the internship agreement covers 5 whole months; a new-style apprenticeship needs at least 6"})))]
pub struct ReasonView {
    /// internship_too_short, not_final_year, different_enterprise,
    /// contract_before_graduation, contract_during_internship,
    /// contract_too_short
    pub code: String,
    pub message: String,
}

/// A new-style apprenticeship (新型学徒制) and its decision.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({"id": "01937d5e-6f70-7b82-8c93-d4e5f6071829",
    "person_id": "5f1c0e8a9b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e",
    "citizen_id": "350121********567X", "enterprise_credit_code": "91350100MA2XYA001F", "occupation_code": "6-31-01-03",
    "school": "福建工业学校", "graduation_on": "2027-06-30", "internship_starts_on": "2026-09-01",
    "internship_ends_on": "2027-05-31", "status": "recognised", "reasons": [], "employment_starts_on": "2027-07-01",
    "contract_ends_on": "2029-06-30", "contract_months": 24, "recognised_from": "2027-07-01", "training_months": 9,
    "registered_by": "mawei-machinery-hr", "registered_at": "2026-09-03T02:00:00Z",
    "decided_at": "2027-07-02T06:30:00Z"})))]
pub struct ApprenticeshipView {
    pub id: Uuid,
    /// The apprentice's pseudonym, the same in every service and city.
    pub person_id: String,
    /// Masked: region code and last four characters, e.g. 350102********123X.
    #[schema(pattern = r"^\d{6}\*{8}\d{3}[\dX]$")]
    pub citizen_id: String,
    #[schema(format = "credit-code", pattern = r"^[0-9A-HJ-NPQRTUWXY]{18}$")]
    pub enterprise_credit_code: String,
    #[schema(pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: Option<String>,
    pub school: String,
    pub graduation_on: NaiveDate,
    pub internship_starts_on: NaiveDate,
    pub internship_ends_on: NaiveDate,
    /// internship (awaiting the contract), recognised, not_recognised
    pub status: String,
    /// Every reason it is not, or would not be, recognised.
    pub reasons: Vec<ReasonView>,
    pub employment_starts_on: Option<NaiveDate>,
    pub contract_ends_on: Option<NaiveDate>,
    pub contract_months: Option<i32>,
    /// The start of employment: subsidised from here.
    pub recognised_from: Option<NaiveDate>,
    /// Internship months counted as apprenticeship training time.
    pub training_months: Option<i32>,
    pub registered_by: String,
    pub registered_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

impl From<ApprenticeshipRow> for ApprenticeshipView {
    fn from(a: ApprenticeshipRow) -> Self {
        Self {
            id: a.id,
            person_id: a.person_id,
            citizen_id: a.citizen_masked,
            enterprise_credit_code: a.enterprise_credit_code,
            occupation_code: a.occupation_code,
            school: a.school,
            graduation_on: a.graduation_on,
            internship_starts_on: a.internship_starts_on,
            internship_ends_on: a.internship_ends_on,
            status: a.status,
            reasons: serde_json::from_value(a.reasons).unwrap_or_default(),
            employment_starts_on: a.employment_starts_on,
            contract_ends_on: a.contract_ends_on,
            contract_months: a.contract_months,
            recognised_from: a.recognised_from,
            training_months: a.training_months,
            registered_by: a.registered_by,
            registered_at: a.registered_at,
            decided_at: a.decided_at,
        }
    }
}
