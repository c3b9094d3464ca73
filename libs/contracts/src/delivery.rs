//! Events of training delivery (开班备案、实名制). Trainees appear only by
//! their pseudonymous `person_id`, never by citizen ID.

use chrono::{DateTime, NaiveDate, Utc};
use ids::{CityCode, OccupationCode, PersonId, SkillLevel, TargetGroup};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Open;

ids::vocabulary! {
    /// Who pays for the class.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum FundingRoute: "funding_route_unknown" {
        /// 职业培训券
        Voucher = "voucher",
        Enterprise = "enterprise",
        Individual = "individual",
    }
}

ids::vocabulary! {
    /// Where a class stands (开班备案).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum ClassStatus: "class_status_unknown" {
        /// Filed by the institution, waiting for the bureau.
        Filed = "filed",
        /// Approved: trainees may enrol and attend.
        Approved = "approved",
        /// Closed: completions are decided.
        Closed = "closed",
    }
}

ids::vocabulary! {
    /// What process supervision found double-booked.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum ConflictKind: "conflict_kind_unknown" {
        TeacherDoubleBooked = "teacher_double_booked",
        VenueDoubleBooked = "venue_double_booked",
    }
}

/// Classes; key = class id.
pub const CLASSES_TOPIC: &str = "delivery.classes.v1";
/// Alerts of process supervision; key = class id.
pub const ALERTS_TOPIC: &str = "delivery.alerts.v1";
pub const CONFLICT_DETECTED: &str = "qiancheng.delivery.alert.conflict.v1";

/// Enrolments; key = class id.
pub const ENROLMENTS_TOPIC: &str = "delivery.enrolments.v1";

pub const CLASS_FILED: &str = "qiancheng.delivery.class.filed.v1";
pub const CLASS_APPROVED: &str = "qiancheng.delivery.class.approved.v1";
pub const TRAINEE_ENROLLED: &str = "qiancheng.delivery.enrolment.enrolled.v1";
pub const TRAINEE_WITHDRAWN: &str = "qiancheng.delivery.enrolment.withdrawn.v1";
/// The first attendance record of a class: it has demonstrably started.
pub const CLASS_STARTED: &str = "qiancheng.delivery.class.started.v1";
pub const CLASS_CLOSED: &str = "qiancheng.delivery.class.closed.v1";
pub const TRAINEE_COMPLETED: &str = "qiancheng.delivery.enrolment.completed.v1";
pub const TRAINEE_NOT_COMPLETED: &str = "qiancheng.delivery.enrolment.not_completed.v1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClassEvent {
    pub class_id: Uuid,
    pub city: CityCode,
    pub institution_id: Uuid,
    pub occupation_code: OccupationCode,
    pub skill_level: SkillLevel,
    /// The catalogue year the class trains under.
    pub year: i32,
    pub capacity: i32,
    /// voucher, enterprise, individual
    #[schema(value_type = String)]
    pub funding_route: Open<FundingRoute>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// filed, approved, closed
    #[schema(value_type = String)]
    pub status: Open<ClassStatus>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EnrolmentEvent {
    pub enrolment_id: Uuid,
    pub class_id: Uuid,
    pub institution_id: Uuid,
    pub person_id: PersonId,
    /// One of the closed list of target groups (重点群体).
    #[schema(value_type = String)]
    pub target_group: Open<TargetGroup>,
    pub occupation_code: OccupationCode,
    pub skill_level: SkillLevel,
    pub voucher_ref: Option<String>,
    /// Whole years of age on the enrolment date, and sex, read from the
    /// citizen ID (the number itself never leaves delivery): subsidy
    /// payment checks retirees and children enrolled as unemployed. Absent
    /// on withdrawals and in events from before they were sent.
    #[serde(default)]
    pub age_at_enrolment: Option<u32>,
    #[serde(default)]
    pub male: Option<bool>,
    /// When the class's first session starts and its last ends, for one
    /// person in overlapping classes.
    #[serde(default)]
    pub class_starts_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub class_ends_at: Option<DateTime<Utc>>,
    /// A keyed hash (hex) of the phone number given at enrolment, equal for
    /// equal numbers within the city: one number behind many trainees is a
    /// fraud signal. The number itself never leaves delivery.
    #[serde(default)]
    pub phone_lookup: Option<String>,
}

/// A trainee's result when the class closed (结果考核): completed when the
/// attended hours reach the threshold share of the planned hours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CompletionEvent {
    pub enrolment_id: Uuid,
    pub class_id: Uuid,
    pub institution_id: Uuid,
    pub person_id: PersonId,
    #[schema(value_type = String)]
    pub target_group: Open<TargetGroup>,
    pub occupation_code: OccupationCode,
    pub skill_level: SkillLevel,
    pub completed: bool,
    pub attended_hours: f64,
    pub planned_hours: f64,
    /// Business date (Asia/Shanghai) of the close; decides the statistical year.
    pub completed_on: NaiveDate,
    pub statistical_year: i32,
    /// The catalogue year the class trained under: its subsidy standard
    /// applies (absent in events from before it was sent).
    #[serde(default)]
    pub catalogue_year: Option<i32>,
}

/// A conflict supervision should look at: a teacher or venue in two
/// overlapping sessions. (One person in two classes at once is refused at
/// enrolment within a city.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConflictAlert {
    pub alert_id: Uuid,
    /// teacher_double_booked, venue_double_booked
    #[schema(value_type = String)]
    pub kind: Open<ConflictKind>,
    pub class_id: Uuid,
    pub other_class_id: Uuid,
    pub institution_id: Uuid,
    /// The teacher or venue concerned.
    pub subject: String,
    pub at: DateTime<Utc>,
}
