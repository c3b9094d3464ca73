//! Attendance (过程监督) and the class archive (一班一档).

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use contracts::delivery::{CLASS_CLOSED, CLASS_STARTED};
use db::ScopedFutureExt;
use diesel_async::AsyncConnection;
use platform::auth::{Principal, Role, Scope};
use platform::json::Json;
use platform::problem::Problem;
use platform::ApiError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::classes::{may_see, not_found};
use super::{ClassView, EnrolmentView, InspectionView, State};
use crate::domain::attendance::{
    check_record, completes, first_broken, genesis, hours, link, Presence, Record,
};
use crate::events;
use crate::store::{self, AttendanceRow, SessionRow};

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

/// Hours a trainee attended: check-in to check-out of each session, within it.
fn attended(sessions: &[SessionRow], chain: &[AttendanceRow], enrolment: Uuid) -> f64 {
    let presences: Vec<Presence> = sessions
        .iter()
        .filter_map(|s| {
            let time = |kind: &str| {
                chain
                    .iter()
                    .find(|a| {
                        a.enrolment_id == enrolment && a.session_seq == s.seq && a.kind == kind
                    })
                    .map(|a| a.at)
            };
            Some(Presence {
                session_starts: s.starts_at,
                session_ends: s.ends_at,
                checked_in: time("check_in")?,
                checked_out: time("check_out")?,
            })
        })
        .collect();
    hours(&presences)
}

fn planned(sessions: &[SessionRow]) -> f64 {
    sessions
        .iter()
        .map(|s| (s.ends_at - s.starts_at).num_seconds() as f64 / 3600.0)
        .sum()
}

fn record_of(a: &AttendanceRow) -> Record {
    Record {
        enrolment_id: a.enrolment_id,
        session_seq: a.session_seq,
        kind: a.kind.clone(),
        at: a.at,
        recorded_by: a.recorded_by.clone(),
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
    let class_id = id.into_inner();
    let who = &who;
    let mut conn = state.pool.get().await?;
    let row = conn
        .transaction::<_, ApiError, _>(|conn| {
            async move {
                // The class row's lock keeps the chain a single line.
                let class = store::lock_class(conn, class_id)
                    .await?
                    .filter(|c| may_see(who, c))
                    .ok_or_else(not_found)?;
                if !store::enrolment_in(conn, class_id, body.enrolment_id).await? {
                    return Err(ApiError::validation(vec![platform::FieldError {
                        field: "enrolment_id".into(),
                        code: "not_enrolled".into(),
                        message: "not an enrolment of this class".into(),
                    }]));
                }
                let session = store::sessions_of(conn, class_id)
                    .await?
                    .into_iter()
                    .find(|s| s.seq == body.session_seq)
                    .map(|s| (s.starts_at, s.ends_at));
                let checked_in =
                    store::has_record(conn, body.enrolment_id, body.session_seq, "check_in")
                        .await?;
                if let Some((code, message)) =
                    check_record(body.kind.as_str(), body.at, Utc::now(), session, checked_in)
                {
                    return Err(ApiError::conflict(code, message));
                }
                let last = store::last_hash(conn, class_id).await?;
                let prev = last.clone().unwrap_or_else(|| genesis(class_id));
                let record = Record {
                    enrolment_id: body.enrolment_id,
                    session_seq: body.session_seq,
                    kind: body.kind.as_str().to_owned(),
                    at: body.at,
                    recorded_by: who.subject().to_owned(),
                };
                let hash = link(&prev, &record);
                let stored = store::append_attendance(
                    conn,
                    class_id,
                    body.enrolment_id,
                    body.session_seq,
                    &record.kind,
                    body.at,
                    &record.recorded_by,
                    &prev,
                    &hash,
                )
                .await?
                .ok_or_else(|| {
                    ApiError::conflict(
                        "already_recorded",
                        "this was recorded for the session already",
                    )
                })?;
                if last.is_none() {
                    messaging::enqueue(
                        conn,
                        &[events::class(&class, CLASS_STARTED).map_err(ApiError::internal)?],
                    )
                    .await?;
                }
                Ok(AttendanceView::from(stored))
            }
            .scope_boxed()
        })
        .await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(row))
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
    responses((status = 200, body = Archive), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[get("/v1/classes/{id}/archive")]
pub async fn archive(
    state: State,
    who: Principal,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(archive_of(&state, &who, *id).await?))
}

async fn archive_of(state: &State, who: &Principal, id: Uuid) -> Result<Archive, ApiError> {
    let mut conn = state.pool.get().await?;
    let class = store::class(&mut conn, id)
        .await?
        .filter(|c| may_see(who, c))
        .ok_or_else(not_found)?;
    let sessions = store::sessions_of(&mut conn, class.id).await?;
    let roster = store::roster(&mut conn, class.id).await?;
    let chain = store::attendance_of(&mut conn, class.id).await?;
    let links: Vec<_> = chain
        .iter()
        .map(|a| (record_of(a), a.prev_hash.clone(), a.hash.clone()))
        .collect();
    let broken_at = first_broken(class.id, &links).map(|i| chain[i].seq);
    let roster = roster
        .into_iter()
        .map(|e| TraineeRecord {
            attended_hours: attended(&sessions, &chain, e.id),
            enrolment: EnrolmentView::from(e),
        })
        .collect();
    let inspections = store::inspections_of(&mut conn, class.id)
        .await?
        .into_iter()
        .map(InspectionView::from)
        .collect();
    Ok(Archive {
        class: ClassView::new(class, sessions),
        inspections,
        roster,
        attendance: chain.into_iter().map(AttendanceView::from).collect(),
        chain: ChainCheck {
            intact: broken_at.is_none(),
            broken_at,
        },
    })
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
    let class_id = id.into_inner();
    let threshold = state.threshold_percent;
    let who_ref = &who;
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, ApiError, _>(|conn| {
        async move {
            let class = store::lock_class(conn, class_id)
                .await?
                .filter(|c| may_see(who_ref, c))
                .ok_or_else(not_found)?;
            if class.status != "approved" {
                return Err(ApiError::conflict(
                    "class_not_open",
                    format!("the class is {}", class.status),
                ));
            }
            if Utc::now() < class.ends_at {
                return Err(ApiError::conflict(
                    "class_not_ended",
                    "a class closes after its last session",
                ));
            }
            let sessions = store::sessions_of(conn, class_id).await?;
            let chain = store::attendance_of(conn, class_id).await?;
            let planned = planned(&sessions);
            let mut outcomes = Vec::new();
            let mut batch = Vec::new();
            for e in store::roster(conn, class_id)
                .await?
                .into_iter()
                .filter(|e| e.withdrawn_at.is_none())
            {
                let hours = attended(&sessions, &chain, e.id);
                let completed = completes(hours, planned, threshold);
                batch.push(
                    events::completion(&class, &e, hours, planned, completed)
                        .map_err(ApiError::internal)?,
                );
                outcomes.push((
                    e.id,
                    if completed {
                        "completed"
                    } else {
                        "not_completed"
                    },
                    hours,
                ));
            }
            store::close(conn, class_id, &outcomes).await?;
            let closed = store::class(conn, class_id).await?.ok_or_else(not_found)?;
            batch.push(events::class(&closed, CLASS_CLOSED).map_err(ApiError::internal)?);
            messaging::enqueue(conn, &batch).await?;
            Ok(())
        }
        .scope_boxed()
    })
    .await?;
    Ok(HttpResponse::Ok().json(archive_of(&state, &who, class_id).await?))
}
