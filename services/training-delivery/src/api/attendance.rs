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

use super::{ClassView, EnrolmentView, InspectionView, State};
use crate::app::attendance::{self, Check, ClassFile};
use crate::store::attendance::AttendanceRow;

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

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAttendance {
    pub enrolment_id: Uuid,
    /// 1 for the class's first session.
    pub session_seq: i32,
    pub kind: Kind,
    /// When the trainee checked in or out (a device may send it late).
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
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

/// Record a check-in or check-out, chained to the class's previous record.
#[utoipa::path(
    tag = "attendance",
    request_body = NewAttendance,
    params(("id" = Uuid, Path)),
    responses(
        (status = 201, body = AttendanceView),
        (status = 409, description = "Outside the session, ahead of time, out of order, or recorded already", body = Problem, content_type = "application/problem+json"),
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

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChainCheck {
    /// Every stored record follows from its content and its predecessor.
    pub intact: bool,
    /// The sequence number of the first record that does not.
    pub broken_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TraineeRecord {
    #[serde(flatten)]
    pub enrolment: EnrolmentView,
    /// Hours between check-in and check-out, within the sessions.
    pub attended_hours: f64,
}

/// The whole traceable record of a class (一班一档), for auditors.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Archive {
    pub class: ClassView,
    pub inspections: Vec<InspectionView>,
    pub roster: Vec<TraineeRecord>,
    pub attendance: Vec<AttendanceView>,
    pub chain: ChainCheck,
}

/// Filing, approval, roster (masked), the attendance chain with its check.
#[utoipa::path(
    tag = "attendance",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Archive), (status = 404, response = platform::problem::NotFound)),
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

/// Close a class that has ended (结果考核): each trainee completes when the
/// attended hours reach the threshold share of the planned hours.
#[utoipa::path(
    tag = "attendance",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = Archive),
        (status = 409, description = "Not approved, not ended yet, or closed already", body = Problem, content_type = "application/problem+json"),
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
