//! Request and response bodies. Requests deny unknown fields.

use chrono::{DateTime, Utc};
use ids::SkillLevel;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::examples;
use crate::domain::class::{ClassStatus, FundingRoute, TargetGroup};
use crate::store::classes::{ClassRow, SessionRow};
use crate::store::enrolments::EnrolmentRow;
use crate::store::inspections::InspectionRow;

/// A curriculum line: theory and practice hours of a topic.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CurriculumItem {
    pub topic: String,
    pub theory_hours: u32,
    pub practice_hours: u32,
}

/// One plan per project (一项目一方案).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub curriculum: Vec<CurriculumItem>,
    /// Safety knowledge and safe operation (安全知识).
    pub safety_content: String,
    pub materials: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSession {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue_id: Uuid,
    pub teacher_id: Uuid,
}

/// A class filed before it starts (开班备案).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(examples::new_class))]
pub struct NewClass {
    pub institution_id: Uuid,
    #[schema(example = "6-31-01-03", pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: String,
    pub skill_level: SkillLevel,
    /// The catalogue year the class trains under.
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: i32,
    #[schema(minimum = 1, maximum = 500)]
    pub capacity: i32,
    pub funding_route: FundingRoute,
    pub plan: Plan,
    pub sessions: Vec<NewSession>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionView {
    pub seq: i32,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue_id: Uuid,
    pub teacher_id: Uuid,
}

/// A class as filed, with its sessions in order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(examples::class))]
pub struct ClassView {
    pub id: Uuid,
    pub institution_id: Uuid,
    #[schema(pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: String,
    pub skill_level: String,
    pub year: i32,
    pub capacity: i32,
    pub funding_route: String,
    pub plan: serde_json::Value,
    #[schema(schema_with = class_status)]
    pub status: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub filed_by: String,
    pub filed_at: DateTime<Utc>,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub sessions: Vec<SessionView>,
}

impl ClassView {
    pub fn new(c: ClassRow, sessions: Vec<SessionRow>) -> Self {
        Self {
            id: c.id,
            institution_id: c.institution_id,
            occupation_code: c.occupation_code,
            skill_level: c.skill_level,
            year: c.year,
            capacity: c.capacity,
            funding_route: c.funding_route,
            plan: c.plan,
            status: c.status,
            starts_at: c.starts_at,
            ends_at: c.ends_at,
            filed_by: c.filed_by,
            filed_at: c.filed_at,
            approved_by: c.approved_by,
            approved_at: c.approved_at,
            sessions: sessions
                .into_iter()
                .map(|s| SessionView {
                    seq: s.seq,
                    starts_at: s.starts_at,
                    ends_at: s.ends_at,
                    venue_id: s.venue_id,
                    teacher_id: s.teacher_id,
                })
                .collect(),
        }
    }
}

/// A class's status: its words, spelt once (`contracts::delivery::ClassStatus`),
/// described for where it shows.
fn class_status_words(description: &str) -> utoipa::openapi::ObjectBuilder {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(ClassStatus::ALL.map(ClassStatus::as_str)))
        .description(Some(description))
}

/// A class's status in a view.
pub(super) fn class_status() -> utoipa::openapi::ObjectBuilder {
    class_status_words(
        "filed (awaiting the bureau's approval), approved (trainees enrol and attend), closed (completions decided)",
    )
}

/// A class's status as a list's filter.
pub(super) fn class_status_filter() -> utoipa::openapi::ObjectBuilder {
    class_status_words(
        "Only classes of this status: filed (the bureau's approval queue), approved or closed",
    )
}

/// A class in a list: what a work queue shows. Its plan and sessions are
/// read with `getClass`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(examples::class_summary))]
pub struct ClassSummary {
    pub id: Uuid,
    pub institution_id: Uuid,
    #[schema(pattern = r"^\d-\d{2}-\d{2}-\d{2}(-\d{2})?$")]
    pub occupation_code: String,
    pub skill_level: String,
    /// The catalogue year the class trains under.
    pub year: i32,
    pub capacity: i32,
    pub funding_route: String,
    #[schema(schema_with = class_status)]
    pub status: String,
    /// The first session's start.
    pub starts_at: DateTime<Utc>,
    /// The last session's end.
    pub ends_at: DateTime<Utc>,
    pub filed_at: DateTime<Utc>,
    pub approved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl From<ClassRow> for ClassSummary {
    fn from(c: ClassRow) -> Self {
        Self {
            id: c.id,
            institution_id: c.institution_id,
            occupation_code: c.occupation_code,
            skill_level: c.skill_level,
            year: c.year,
            capacity: c.capacity,
            funding_route: c.funding_route,
            status: c.status,
            starts_at: c.starts_at,
            ends_at: c.ends_at,
            filed_at: c.filed_at,
            approved_at: c.approved_at,
            closed_at: c.closed_at,
        }
    }
}

/// A trainee enrolling by real name (实名制).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(examples::new_enrolment))]
pub struct NewEnrolment {
    /// 18-character citizen ID; stored encrypted, answered masked.
    #[schema(format = "citizen-id", pattern = r"^\d{17}[\dX]$")]
    pub citizen_id: String,
    #[schema(min_length = 1, max_length = 50, pattern = r"\S")]
    pub name: String,
    #[schema(pattern = r"^1\d{10}$", example = "13800000000")]
    pub phone: String,
    pub target_group: TargetGroup,
    /// Training voucher (职业培训券) reference, if the class is paid by voucher.
    pub voucher_ref: Option<String>,
}

/// An enrolment as institutions and officers see it: personal data masked.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(examples::enrolment))]
pub struct EnrolmentView {
    pub id: Uuid,
    pub class_id: Uuid,
    /// Masked: the region code and the last four characters, e.g. 350102********123X
    #[schema(pattern = r"^\d{6}\*{8}\d{3}[\dX]$")]
    pub citizen_id: String,
    pub name: String,
    pub person_id: String,
    pub target_group: String,
    pub voucher_ref: Option<String>,
    pub enrolled_at: DateTime<Utc>,
    /// completed or not_completed, once the class closed.
    pub outcome: Option<String>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawal_reason: Option<String>,
}

impl From<EnrolmentRow> for EnrolmentView {
    fn from(e: EnrolmentRow) -> Self {
        Self {
            id: e.id,
            class_id: e.class_id,
            citizen_id: e.citizen_masked,
            name: e.name,
            person_id: e.person_id,
            target_group: e.target_group,
            voucher_ref: e.voucher_ref,
            enrolled_at: e.enrolled_at,
            outcome: e.outcome,
            withdrawn_at: e.withdrawn_at,
            withdrawal_reason: e.withdrawal_reason,
        }
    }
}

/// An inspection during the class (过程监督).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(examples::new_inspection))]
pub struct NewInspection {
    #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
    pub findings: String,
    /// Photos, stored elsewhere, referenced by URL.
    #[serde(default)]
    pub photo_urls: Vec<String>,
}

/// An inspection as recorded on the class file.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(examples::inspection))]
pub struct InspectionView {
    pub id: Uuid,
    pub inspector: String,
    pub at: DateTime<Utc>,
    pub findings: String,
    pub photo_urls: Vec<String>,
}

impl From<InspectionRow> for InspectionView {
    fn from(i: InspectionRow) -> Self {
        Self {
            id: i.id,
            inspector: i.inspector,
            at: i.at,
            findings: i.findings,
            photo_urls: i.photo_urls,
        }
    }
}
