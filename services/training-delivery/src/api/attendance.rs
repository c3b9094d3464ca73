//! Attendance (过程监督) and the class archive (一班一档).

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use platform::auth::{Principal, Role, Scope};
use platform::json::Json;
use platform::problem::Problem;
use platform::ApiError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{examples, ClassView, EnrolmentView, InspectionView, State};
use crate::app::attendance::{self, Check, ClassFile};
use crate::store::attendance::AttendanceRow;

/// A check-in or a check-out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    CheckIn,
    CheckOut,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Self::CheckIn => "check_in",
            Self::CheckOut => "check_out",
        }
    }
}

/// A trainee checked in or out of a session.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(examples(examples::new_attendance))]
pub struct NewAttendance {
    pub enrolment_id: Uuid,
    /// 1 for the class's first session.
    pub session_seq: i32,
    pub kind: Kind,
    /// When the trainee checked in or out (a device may send it late).
    pub at: DateTime<Utc>,
}

/// An attendance record as chained: its hash covers its content and its predecessor's hash.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(examples::attendance))]
pub struct AttendanceView {
    pub seq: i64,
    pub enrolment_id: Uuid,
    pub session_seq: i32,
    pub kind: String,
    pub at: DateTime<Utc>,
    pub recorded_by: String,
    pub prev_hash: String,
    pub hash: String,
}

impl From<AttendanceRow> for AttendanceView {
    fn from(a: AttendanceRow) -> Self {
        Self {
            seq: a.seq,
            enrolment_id: a.enrolment_id,
            session_seq: a.session_seq,
            kind: a.kind,
            at: a.at,
            recorded_by: a.recorded_by,
            prev_hash: a.prev_hash,
            hash: a.hash,
        }
    }
}

/// Record a trainee's check-in or check-out
///
/// An institution's operators, or its systems with the scope `delivery:attendance`, record
/// attendance in their own institution's class (another's answers 404 `class_not_found`).
/// Each record is chained by hash to the class's previous one, so that a record changed or
/// removed later shows (`getClassArchive`). The time may arrive late from an offline device,
/// but not more than five minutes ahead of the server's clock (`time_in_future`); it falls
/// within the session, 30 minutes either side (`outside_session`), of a session the class has
/// (`session_unknown`); a check-out follows a check-in (`not_checked_in`); each enrolment,
/// session and kind is recorded once (`already_recorded`): these answer 409. An enrolment not
/// of this class answers 422 `not_enrolled` on `enrolment_id`. The class's first record
/// publishes `class.started` on `delivery.classes.v1`. No Idempotency-Key: a repeat answers
/// 409 `already_recorded`.
#[utoipa::path(
    operation_id = "recordAttendance",
    tag = "attendance",
    request_body = NewAttendance,
    params(("id" = Uuid, Path, description = "The class")),
    responses(
        (status = 201, description = "The record as chained, with its hash and its predecessor's", body = AttendanceView),
        (status = 404, description = "No such class, or not the caller's (`class_not_found`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: `session_unknown`, `time_in_future`, `outside_session`, `not_checked_in`, `already_recorded`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (`validation_failed`), or an enrolment not of this class (`not_enrolled` on `enrolment_id`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/classes/{id}/attendance")]
pub async fn record(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
    Json(body): Json<NewAttendance>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[Role::InstitutionOperator, Role::Integrator])?
        .require_scope(Scope::DeliveryAttendance)?;
    let check = Check {
        enrolment_id: body.enrolment_id,
        session_seq: body.session_seq,
        kind: body.kind.as_str(),
        at: body.at,
    };
    let mut conn = state.pool.get().await?;
    let stored = attendance::record(&mut conn, &who, id.into_inner(), check).await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(AttendanceView::from(stored)))
}

/// Whether the attendance chain still holds.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChainCheck {
    /// Every stored record follows from its content and its predecessor.
    pub intact: bool,
    /// The sequence number of the first record that does not.
    pub broken_at: Option<i64>,
}

/// A trainee on the class file, with the hours attended.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TraineeRecord {
    #[serde(flatten)]
    pub enrolment: EnrolmentView,
    /// Hours between check-in and check-out, within the sessions.
    pub attended_hours: f64,
}

/// The whole traceable record of a class (一班一档), for auditors.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(examples::archive))]
pub struct Archive {
    pub class: ClassView,
    pub inspections: Vec<InspectionView>,
    pub roster: Vec<TraineeRecord>,
    pub attendance: Vec<AttendanceView>,
    pub chain: ChainCheck,
}

/// Read a class's whole file, its attendance chain checked
///
/// The traceable record of a class (一班一档), for officers, auditors and the institution
/// itself: the filing and its approval, officers' inspections, the roster (citizen IDs
/// masked) with each trainee's hours attended within the sessions, every check-in and
/// check-out in order, and whether the hash chain over them still holds (`chain.intact`;
/// `chain.broken_at` names the first record that no longer follows from its content and its
/// predecessor). Bureau officers and auditors of the city read any class's file; an
/// institution's operators and systems (no scope needed) only their own institution's.
/// Another institution's class answers 404 `class_not_found`, as an unknown id does.
#[utoipa::path(
    operation_id = "getClassArchive",
    tag = "attendance",
    params(("id" = Uuid, Path, description = "The class")),
    responses(
        (status = 200, description = "The class file, its chain checked", body = Archive),
        (status = 404, description = "No such class, or not the caller's to see (`class_not_found`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/v1/classes/{id}/archive")]
pub async fn archive(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let file = attendance::archive(&mut conn, &who, *id).await?;
    Ok(HttpResponse::Ok().json(Archive::from(file)))
}

impl From<ClassFile> for Archive {
    fn from(f: ClassFile) -> Self {
        Self {
            class: ClassView::new(f.class, f.sessions),
            inspections: f
                .inspections
                .into_iter()
                .map(InspectionView::from)
                .collect(),
            roster: f
                .roster
                .into_iter()
                .map(|t| TraineeRecord {
                    enrolment: EnrolmentView::from(t.enrolment),
                    attended_hours: t.attended_hours,
                })
                .collect(),
            attendance: f.attendance.into_iter().map(AttendanceView::from).collect(),
            chain: ChainCheck {
                intact: f.broken_at.is_none(),
                broken_at: f.broken_at,
            },
        }
    }
}

/// Close an ended class and decide who completed
///
/// After its last session, the institution (its operators, or its systems with the scope
/// `delivery:classes`) or a bureau officer of the city closes a class (结果考核): each trainee
/// still on the roster completes when the hours attended within the sessions reach the
/// city's share of the planned hours (80 % unless set otherwise). `delivery.enrolments.v1`
/// hears `enrolment.completed` or `enrolment.not_completed` for each trainee (subsidy payment
/// and employment tracking act on them), then `delivery.classes.v1` hears `class.closed`.
/// Answers the class file as closed. Refused with 409: not approved, or closed already
/// (`class_not_open`), or before its last session ends (`class_not_ended`). Another
/// institution's class answers 404 `class_not_found`. No body is read.
#[utoipa::path(
    operation_id = "closeClass",
    tag = "attendance",
    params(("id" = Uuid, Path, description = "The class")),
    responses(
        (status = 200, description = "The class file, closed, with each trainee's outcome", body = Archive),
        (status = 404, description = "No such class, or not the caller's (`class_not_found`)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused: not approved or closed already (`class_not_open`), or not ended yet (`class_not_ended`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/v1/classes/{id}/close")]
pub async fn close(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    who.require(&[
        Role::InstitutionOperator,
        Role::Integrator,
        Role::BureauOfficer,
    ])?
    .require_scope(Scope::DeliveryClasses)?;
    let mut conn = state.pool.get().await?;
    let file = attendance::close(&mut conn, &who, id.into_inner(), state.threshold_percent).await?;
    Ok(HttpResponse::Ok().json(Archive::from(file)))
}
